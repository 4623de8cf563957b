// docs/guides/replacing-a-product.md, run as written: each product's server logs in the way that product's client
// does (path, body, the fields it reads) and lets the token through to the product's own guarded route.
import type { Express } from 'express';
import request from 'supertest';
import { MemoryMailer, MemoryUserStore, type Auth, type Mailer, type UserStore } from '../../lib';
import { loadDocModule } from '../helpers/doc-module';
import { TEST_SECRET } from '../helpers/create-app';
import { soleAdmin } from '../helpers/fixtures';

const GUIDE = 'docs/guides/replacing-a-product.md';
type Server = { app: Express; auth: Auth };
type Factory = (users: UserStore, mailer: Mailer) => Server;

let server: Server | undefined;
afterEach(async () => {
  await server?.auth.shutdown();
  server = undefined;
});

async function start(id: string, name: string): Promise<Express> {
  process.env.JWT_SECRET = TEST_SECRET; // 64 bytes and more: enough for utmstack's HS512
  const users = new MemoryUserStore([await soleAdmin()]);
  const factory = loadDocModule<Record<string, Factory>>(GUIDE, id)[name]!;
  server = factory(users, new MemoryMailer());
  return server.app;
}

test('UTMStack: the frontend logs in at /api/authenticate and searches with the token', async () => {
  const app = await start('product-utmstack', 'createUtmstackServer');
  const login = await request(app)
    .post('/api/authenticate')
    .send({ username: 'admin', password: 'admin-password', rememberMe: false })
    .expect(200);
  expect(login.body).toMatchObject({ success: true, authenticated: true });
  expect(login.body.id_token).toBe(login.body.token);
  expect(login.headers.authorization).toBe(`Bearer ${login.body.token as string}`);
  await request(app)
    .get('/api/authenticate')
    .set('Authorization', `Bearer ${login.body.token as string}`)
    .expect(200, 'admin');
  await request(app)
    .post('/api/elasticsearch/search')
    .set('Authorization', `Bearer ${login.body.token as string}`)
    .send({})
    .expect(200);
  await request(app).post('/api/elasticsearch/search').send({}).expect(401);
});

test('Storm: POST /api/auth/login answers { data: { accessToken, tokenType } }', async () => {
  const app = await start('product-storm', 'createStormServer');
  const login = await request(app)
    .post('/api/auth/login')
    .send({ username: 'admin', password: 'admin-password' })
    .expect(200);
  expect(login.body.data).toMatchObject({ tokenType: 'Bearer', username: 'admin' });
  await request(app)
    .get('/api/streams')
    .set('Authorization', `Bearer ${login.body.data.accessToken as string}`)
    .expect(200);
  const wrong = await request(app)
    .post('/api/auth/login')
    .send({ username: 'admin', password: 'wrong-password' })
    .expect(401);
  expect(wrong.body).toEqual({ message: expect.any(String) });
});

test('bfore.ai: the samples log in, call /test/secure with the bare token, and make an API key without a password', async () => {
  const app = await start('product-bforeai', 'createBforeaiServer');
  await request(app).get('/test/unsecure').expect(200, { message: 'Hello, the service is up.' });
  const login = await request(app)
    .post('/user/login')
    .send({ username: 'admin', password: 'admin-password' })
    .expect(200);
  const token = login.body.Token as string;
  const secure = await request(app)
    .get('/test/secure')
    .set('Authorization', token)
    .set('Content-Type', 'application/json')
    .expect(200);
  expect(secure.body).toEqual({ message: 'Hello admin, your token is valid.', Username: 'admin' });
  const key = await request(app).post('/authheader/add').set('Authorization', token).send({ name: 'ci' }).expect(200);
  await request(app)
    .get('/test/secure')
    .set('Authorization', key.body.token as string)
    .expect(200);
});

test('datarhei Core: the SDKs read the about, log in, read the id, refresh', async () => {
  const app = await start('product-datarhei', 'createDatarheiServer');
  const about = await request(app).get('/api').expect(200);
  expect(about.body).toEqual({ app: 'datarhei-core', auths: ['localjwt'], version: { number: '16.16.0' } });
  const login = await request(app)
    .post('/api/login')
    .send({ username: 'admin', password: 'admin-password' })
    .expect(200);
  const { access_token: access, refresh_token: refresh } = login.body as {
    access_token: string;
    refresh_token: string;
  };
  expect((await request(app).get('/api').set('Authorization', `Bearer ${access}`).expect(200)).body.id).toBe(
    'my-core-id',
  );
  await request(app).get('/api').set('Authorization', 'Bearer not-a-token').expect(401);
  const refreshed = await request(app).get('/api/login/refresh').set('Authorization', `Bearer ${refresh}`).expect(200);
  await request(app)
    .get('/api/v3/process')
    .set('Authorization', `Bearer ${refreshed.body.access_token as string}`)
    .expect(200, []);
});
