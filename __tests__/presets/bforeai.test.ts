// The bforeai preset (seed 003): POST /user/login's PascalCase user, the /authheader keys, bare or Bearer Authorization.
import request from 'supertest';
import { createHash } from 'node:crypto';
import { createTestApp, PASSWORDS, type CreateTestAppOptions, type TestApp } from '../helpers/create-app';
import { loginToken } from '../helpers/session';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

let t: TestApp;

async function start(options: CreateTestAppOptions = {}): Promise<TestApp> {
  t = await createTestApp({ preset: 'bforeai', ...options });
  return t;
}

afterEach(async () => {
  await t.close();
});

async function addKey(token: string, name = 'production-api-key') {
  const res = await request(t.app).post('/authheader/add').set('Authorization', token).send({ name });
  expect(res.status).toBe(200);
  return res.body as { id: string; name: string; token: string; created: string };
}

describe('POST /user/login', () => {
  beforeEach(() => start());

  it('answers 200 with exactly the seed’s PascalCase user and a working Token', async () => {
    const res = await request(t.app).post('/user/login').send({ username: 'admin', password: PASSWORDS.admin });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({
      Id: '1',
      Created: '2026-01-01T12:00:00.000Z',
      Username: 'admin',
      Email: 'admin@example.com',
      Firstname: 'Admin',
      Lastname: 'User',
      Token: expect.stringMatching(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/),
      PasswordExpiration: null,
    });
    const used = await request(t.app)
      .get('/api/protected')
      .set('Authorization', res.body.Token as string);
    expect(used.body).toEqual({ userId: '1', authorities: ['ROLE_ADMIN', 'ROLE_USER'], method: 'token' });
  });

  it('gives null names to a user without them', async () => {
    const res = await request(t.app).post('/user/login').send({ username: 'guest', password: PASSWORDS.guest });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      Id: '3',
      Username: 'guest',
      Firstname: null,
      Lastname: null,
      PasswordExpiration: null,
    });
  });

  it('answers 401 {message} for a wrong password, identically for an unknown user', async () => {
    const wrong = await request(t.app).post('/user/login').send({ username: 'admin', password: 'nope' });
    const unknown = await request(t.app).post('/user/login').send({ username: 'nobody', password: 'nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ message: 'The login or password is incorrect.' });
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
  });

  it('answers 403 {message} for an expired password, with no token', async () => {
    const res = await request(t.app).post('/user/login').send({ username: 'expired', password: PASSWORDS.expired });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ message: 'The password has expired and must be changed.' });
  });

  it('answers 400 {message} without a password', async () => {
    const res = await request(t.app).post('/user/login').send({ username: 'admin' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ message: 'The field "password" is required.' });
  });
});

describe('/authheader', () => {
  let token: string;
  beforeEach(async () => {
    await start();
    token = await loginToken(t);
  });

  it('POST /authheader/add {name} answers 200 {id, name, token, created}, the only time the token is shown', async () => {
    const res = await request(t.app)
      .post('/authheader/add')
      .set('Authorization', `Bearer ${token}`)
      .send({ name: 'production-api-key' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: expect.any(String),
      name: 'production-api-key',
      token: expect.stringMatching(/^eak_[A-Za-z0-9_-]{32}$/),
      created: '2026-01-01T12:00:00.000Z',
    });
    const [record] = await t.users.listApiKeys('1');
    expect(record).toMatchObject({ id: res.body.id, ownerId: '1', keyHash: sha256(res.body.token as string) });
    expect(JSON.stringify(record)).not.toContain(res.body.token);

    const list = await request(t.app).get('/authheader/list').set('Authorization', token);
    expect(list.text).not.toContain(res.body.token);
    expect(list.text).not.toContain((res.body.token as string).slice(12));
  });

  it('POST /authheader/add answers 400 {message} without a name', async () => {
    const res = await request(t.app).post('/authheader/add').set('Authorization', token).send({});
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ message: 'The field "name" is required.' });
  });

  it('GET /authheader/list answers the caller’s keys with a masked token', async () => {
    const a = await addKey(token, 'a');
    t.clock.advance(2000);
    await request(t.app).get('/api/protected').set('Authorization', a.token);
    const res = await request(t.app).get('/authheader/list').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual([
      {
        id: a.id,
        name: 'a',
        token: `${a.token.slice(0, 12)}…`,
        created: '2026-01-01T12:00:00.000Z',
        expires: null,
        lastUsed: '2026-01-01T12:00:02.000Z',
      },
    ]);
  });

  it('POST /authheader/delete {text} answers {message: "Success"}, and the key is refused at once', async () => {
    const { token: key } = await addKey(token);
    expect((await request(t.app).get('/api/protected').set('Authorization', key)).status).toBe(200);
    const res = await request(t.app).post('/authheader/delete').set('Authorization', token).send({ text: key });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ message: 'Success' });
    expect(await t.users.listApiKeys('1')).toEqual([]);
    const refused = await request(t.app).get('/api/protected').set('Authorization', key);
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({ message: 'The API key is invalid.' });
    const again = await request(t.app).post('/authheader/delete').set('Authorization', token).send({ text: key });
    expect(again.status).toBe(404);
    expect(again.body).toEqual({ message: 'Not found.' });
  });

  it('POST /authheader/delete answers 400 {message} without text', async () => {
    const res = await request(t.app).post('/authheader/delete').set('Authorization', token).send({});
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ message: 'The field "text" is required.' });
  });

  it('answers 401 {message} without a credential', async () => {
    for (const res of [
      await request(t.app).post('/authheader/add').send({ name: 'k' }),
      await request(t.app).get('/authheader/list'),
      await request(t.app).post('/authheader/delete').send({ text: 'eak_x' }),
    ]) {
      expect(res.status).toBe(401);
      expect(res.body).toEqual({
        message: 'No access token was sent: put it in the Authorization header (Bearer <token>).',
      });
    }
    expect(await t.users.listApiKeys('1')).toEqual([]);
  });
});

describe('the Authorization header', () => {
  let token: string;
  let key: string;
  beforeEach(async () => {
    await start();
    token = await loginToken(t);
    key = (await addKey(token)).token;
  });

  it.each([
    ['the JWT with Bearer', () => `Bearer ${token}`, 'token'],
    ['the JWT bare', () => token, 'token'],
    ['a key with Bearer', () => `Bearer ${key}`, 'apiKey'],
    ['a key bare', () => key, 'apiKey'],
  ])('takes %s on /api/protected', async (_label, header, method) => {
    const res = await request(t.app).get('/api/protected').set('Authorization', header());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ userId: '1', authorities: ['ROLE_ADMIN', 'ROLE_USER'], method });
  });

  it('refuses an altered key and an altered JWT, bare or not, with 401 {message}', async () => {
    const badKey = `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;
    const badJwt = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const header of [badKey, `Bearer ${badKey}`, badJwt, `Bearer ${badJwt}`]) {
      const res = await request(t.app).get('/api/protected').set('Authorization', header);
      expect(res.status).toBe(401);
      expect(Object.keys(res.body as object)).toEqual(['message']);
    }
  });

  it('answers 403 {message} for a key without the role', async () => {
    const guestKey = (await addKey(await loginToken(t, 'guest'))).token;
    const res = await request(t.app).get('/api/admin').set('Authorization', guestKey);
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ message: 'You do not have the authority this requires.' });
  });
});

describe('key guessing on bforeai', () => {
  it('answers 429 {message} with Retry-After after the credential limit of failures', async () => {
    await start({ rateLimit: { credentials: { limit: 2, window: '1m' } } });
    for (let i = 0; i < 2; i++)
      expect((await request(t.app).get('/api/protected').set('Authorization', `eak_wrong${i}`)).status).toBe(401);
    const res = await request(t.app).get('/api/protected').set('Authorization', 'eak_wrong3');
    expect(res.status).toBe(429);
    expect(res.body).toEqual({ message: 'Too many requests: slow down.' });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('list then delete (a bfore.ai client deletes what it listed)', () => {
  it("POST /authheader/delete accepts the id shown by the list; another user's id is not found", async () => {
    const t2 = await createTestApp({ preset: 'bforeai' });
    try {
      const token = (await request(t2.app).post('/user/login').send({ username: 'admin', password: PASSWORDS.admin }))
        .body.Token;
      const guestToken = (
        await request(t2.app).post('/user/login').send({ username: 'guest', password: PASSWORDS.guest })
      ).body.Token;
      const created = await request(t2.app)
        .post('/authheader/add')
        .set('Authorization', token)
        .send({ name: 'ci' })
        .expect(200);
      const listed = await request(t2.app).get('/authheader/list').set('Authorization', token).expect(200);
      const id = listed.body[0].id as string;
      await request(t2.app).post('/authheader/delete').set('Authorization', guestToken).send({ text: id }).expect(404);
      await request(t2.app).get('/api/protected').set('Authorization', created.body.token).expect(200);
      expect(
        (await request(t2.app).post('/authheader/delete').set('Authorization', token).send({ text: id }).expect(200))
          .body,
      ).toEqual({ message: 'Success' });
      await request(t2.app).get('/api/protected').set('Authorization', created.body.token).expect(401);
    } finally {
      await t2.close();
    }
  });
});
