// docs/guides/migrating.md, run as written: the express-jwt and passport-jwt "before" apps and the library's "after"
// apps answer the same guarded calls, and the migration guard accepts both the library's tokens and the old code's
// (signed with the old secret, not expired, of an enabled user, with the role), refusing everything else in the
// preset's error shape.
import express, { type Express, type RequestHandler } from 'express';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import {
  createAuth,
  hashPassword,
  MemoryUserStore,
  silentLogger,
  type Auth,
  type RequireAuthOptions,
  type UserStore,
} from '../../lib';
import { loadDocModule } from '../helpers/doc-module';
import { TEST_COST, TEST_SECRET } from '../helpers/create-app';

const GUIDE = 'docs/guides/migrating.md';
const OLD_SECRET = 'the-old-express-jwt-secret-0123456789abcdef';

let users: MemoryUserStore;
const auths: Auth[] = [];

beforeEach(async () => {
  process.env.JWT_SECRET = TEST_SECRET;
  process.env.OLD_JWT_SECRET = OLD_SECRET;
  users = new MemoryUserStore([
    {
      id: '42',
      login: 'ada',
      email: 'ada@example.com',
      passwordHash: await hashPassword('ada-password', { cost: TEST_COST }),
      authorities: ['admin'],
    },
    {
      id: '43',
      login: 'bob',
      email: 'bob@example.com',
      passwordHash: await hashPassword('bob-password', { cost: TEST_COST }),
      authorities: ['user'],
    },
  ]);
});

afterEach(async () => {
  for (const auth of auths.splice(0)) await auth.shutdown();
});

const oldToken = (claims: object, secret = OLD_SECRET, expiresIn: jwt.SignOptions['expiresIn'] = '1h'): string =>
  jwt.sign(claims, secret, { algorithm: 'HS256', expiresIn });

async function ourToken(app: Express, login: string, password: string): Promise<string> {
  const res = await request(app).post('/auth/login').send({ username: login, password }).expect(200);
  return res.body.accessToken as string;
}

describe('before and after', () => {
  test('express-jwt: the old app and the new one answer the guarded call alike', async () => {
    const before = loadDocModule<{ app: Express }>(GUIDE, 'express-jwt-before', {
      checkPassword: async (username: string, password: string) =>
        username === 'ada' && password === 'ada-password' ? { id: '42', roles: ['admin'] } : null,
    }).app;
    const login = await request(before).post('/login').send({ username: 'ada', password: 'ada-password' }).expect(200);
    const old = await request(before)
      .get('/api/admin')
      .set('Authorization', `Bearer ${login.body.token as string}`);
    expect(old.body).toEqual({ userId: '42' });
    await request(before)
      .get('/api/admin')
      .set('Authorization', `Bearer ${oldToken({ sub: '43', roles: ['user'] })}`)
      .expect(403);

    const after = loadDocModule<{ app: Express; auth: Auth }>(GUIDE, 'express-jwt-after', { users });
    auths.push(after.auth);
    const ours = await request(after.app)
      .get('/api/admin')
      .set('Authorization', `Bearer ${await ourToken(after.app, 'ada', 'ada-password')}`);
    expect(ours.body).toEqual(old.body);
    const bob = await request(after.app)
      .get('/api/admin')
      .set('Authorization', `Bearer ${await ourToken(after.app, 'bob', 'bob-password')}`);
    expect(bob.status).toBe(403);
    expect(bob.body.error).toBe('forbidden');
  });

  test('passport-jwt: the old app and the new one answer the guarded call alike', async () => {
    const before = loadDocModule<{ app: Express }>(GUIDE, 'passport-jwt-before', {
      findUserById: async (id: string) => (id === '42' ? { id: '42', login: 'ada' } : null),
    }).app;
    const old = await request(before)
      .get('/api/profile')
      .set('Authorization', `Bearer ${oldToken({ sub: '42' })}`);
    expect(old.body).toEqual({ id: '42', login: 'ada' });
    await request(before)
      .get('/api/profile')
      .set('Authorization', `Bearer ${oldToken({ sub: '42' }, 'another-secret-0123456789abcdef')}`)
      .expect(401);

    const after = loadDocModule<{ app: Express; auth: Auth }>(GUIDE, 'passport-jwt-after', { users });
    auths.push(after.auth);
    const ours = await request(after.app)
      .get('/api/profile')
      .set('Authorization', `Bearer ${await ourToken(after.app, 'ada', 'ada-password')}`);
    expect(ours.body).toEqual(old.body);
  });
});

describe('the migration guard', () => {
  type Guard = (auth: Auth, users: UserStore, oldSecret: string, options?: RequireAuthOptions) => RequestHandler;
  const { requireAuthDuringMigration } = loadDocModule<{ requireAuthDuringMigration: Guard }>(GUIDE, 'migration-guard');

  function appWithGuard(): Express {
    const auth = createAuth({ secret: TEST_SECRET, users, passwords: { bcryptCost: TEST_COST }, logger: silentLogger });
    auths.push(auth);
    const app = express();
    app.use('/auth', auth.router);
    app.get('/api/admin', requireAuthDuringMigration(auth, users, OLD_SECRET, { roles: ['admin'] }), (req, res) =>
      res.json(req.auth),
    );
    app.get('/api/any', requireAuthDuringMigration(auth, users, OLD_SECRET), (req, res) =>
      res.json({ userId: req.auth?.userId }),
    );
    return app;
  }

  test('accepts an old token with our req.auth shape, and our own tokens as requireAuth() does', async () => {
    const app = appWithGuard();
    const old = await request(app)
      .get('/api/admin')
      .set('Authorization', `Bearer ${oldToken({ sub: '42', roles: ['admin'] })}`);
    expect(old.status).toBe(200);
    expect(old.body).toEqual({ userId: '42', authorities: ['admin'], method: 'token' });

    const ours = await request(app)
      .get('/api/admin')
      .set('Authorization', `Bearer ${await ourToken(app, 'ada', 'ada-password')}`);
    expect(ours.status).toBe(200);
    expect(ours.body).toMatchObject({ userId: '42', authorities: ['admin'], method: 'token', claims: { sub: '42' } });
  });

  test('refuses old tokens that are forged, expired, of a disabled user or without the role; and ours as requireAuth() does', async () => {
    const app = appWithGuard();
    const call = (token: string, path = '/api/admin') => request(app).get(path).set('Authorization', `Bearer ${token}`);

    const forged = await call(oldToken({ sub: '42', roles: ['admin'] }, 'not-the-old-secret-0123456789abcdef'));
    expect([forged.status, forged.body.error]).toEqual([401, 'token_invalid']);
    const expired = await call(oldToken({ sub: '42', roles: ['admin'] }, OLD_SECRET, -60));
    expect([expired.status, expired.body.error]).toEqual([401, 'token_expired']);
    const unknown = await call(oldToken({ sub: '999', roles: ['admin'] }));
    expect([unknown.status, unknown.body.error]).toEqual([401, 'token_invalid']);
    const noRole = await call(oldToken({ sub: '43', roles: ['user'] }));
    expect([noRole.status, noRole.body.error]).toEqual([403, 'forbidden']);
    expect((await call(oldToken({ sub: '43', roles: ['user'] }), '/api/any')).body).toEqual({ userId: '43' });

    const bobToken = oldToken({ sub: '43', roles: ['user'] });
    users.update('43', { disabled: true });
    const disabled = await call(bobToken, '/api/any');
    expect([disabled.status, disabled.body.error]).toEqual([401, 'token_invalid']);

    // The store failing is the host's error, not a refusal that would sign the user out.
    const failing = express();
    const broken = {
      ...users,
      findById: async () => Promise.reject(new Error('database down')),
    } as unknown as UserStore;
    failing.get('/api/any', requireAuthDuringMigration(auths[0]!, broken, OLD_SECRET), (_req, res) => res.json({}));
    failing.use((error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) =>
      res.status(503).json({ error: error.message }),
    );
    const down = await request(failing)
      .get('/api/any')
      .set('Authorization', `Bearer ${oldToken({ sub: '42' })}`);
    expect([down.status, down.body.error]).toEqual([503, 'database down']);

    // Not an old token: requireAuth() answers.
    expect((await call('garbage')).status).toBe(401);
    const challenge = await call(
      `${Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'at+jwt' })).toString('base64url')}.e30.x`,
    );
    expect([challenge.status, challenge.body.error]).toEqual([401, 'token_invalid']);
  });
});
