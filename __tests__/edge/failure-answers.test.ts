// Inputs and adapters that used to reach a 500: each is now a clear 4xx, or a 503 for a store that failed.
import express from 'express';
import request from 'supertest';
import { createAuth, MemoryUserStore, silentLogger, type UserStore } from '../../lib';
import {
  createRecordingLogger,
  createTestApp,
  demoUsers,
  PASSWORDS,
  TEST_COST,
  TEST_SECRET,
  type TestApp,
} from '../helpers/create-app';

let t: TestApp | undefined;

afterEach(async () => {
  jest.restoreAllMocks();
  await t?.close();
  t = undefined;
});

describe('a user store without the API-key methods (the README minimal adapter)', () => {
  test('answers a key-shaped bearer as an ordinary invalid credential, and logs nothing', async () => {
    const full = new MemoryUserStore(await demoUsers(Date.now));
    const minimal: UserStore = {
      findByLogin: (name) => full.findByLogin(name),
      findById: (id) => full.findById(id),
      recordLogin: (id, at) => full.recordLogin(id, at),
      updatePassword: (id, hash, expiresAt) => full.updatePassword(id, hash, expiresAt),
    };
    const logger = createRecordingLogger();
    const auth = createAuth({ secret: TEST_SECRET, users: minimal, passwords: { bcryptCost: TEST_COST }, logger });
    const app = express();
    app.use('/auth', auth.router);
    app.get('/api/protected', auth.requireAuth(), (_req, res) => res.json({ ok: true }));

    for (let i = 0; i < 3; i += 1) {
      const res = await request(app)
        .get('/api/protected')
        .set('Authorization', 'Bearer eak_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({
        error: expect.stringMatching(/^(api_key_invalid|token_malformed|token_invalid)$/),
      });
    }
    expect(logger.errors).toEqual([]);
    await auth.shutdown();
  });
});

describe('U+0000 in a credential', () => {
  test.each([
    ['the username', { username: 'adm\u0000in', password: PASSWORDS.admin }],
    ['the password', { username: 'admin', password: `${PASSWORDS.admin}\u0000` }],
  ])('in %s is refused with 400 before any store call', async (_where, body) => {
    t = await createTestApp({ rateLimit: false });
    const findByLogin = jest.spyOn(t.users, 'findByLogin');
    const res = await request(t.app).post('/auth/login').send(body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_request' });
    expect(findByLogin).not.toHaveBeenCalled();
  });
});

describe('authenticator-app labels', () => {
  test('a "secondFactor.totpIssuer" with a colon is refused at start-up, naming the option', () => {
    expect(() =>
      createAuth({
        secret: TEST_SECRET,
        users: new MemoryUserStore(),
        logger: silentLogger,
        secondFactor: { totpIssuer: 'ACME: prod' },
      }),
    ).toThrow(/secondFactor\.totpIssuer/);
  });

  test.each([
    ['contains a colon', 'a:b@example.com'],
    ['is empty', ''],
  ])('enrolment works when the stored email %s, and no code is mailed before it can succeed', async (_what, email) => {
    t = await createTestApp({ rateLimit: false });
    t.users.add({
      id: '9',
      login: 'odd',
      email,
      passwordHash: (await t.users.findById('3'))!.passwordHash,
      authorities: ['ROLE_USER'],
    });
    const session = await request(t.app).post('/auth/login').send({ username: 'odd', password: PASSWORDS.guest });
    expect(session.status).toBe(200);
    const res = await request(t.app)
      .post('/auth/tfa/totp/enroll')
      .set('Authorization', `Bearer ${session.body.accessToken}`)
      .send({ password: PASSWORDS.guest });
    expect(res.status).toBe(200);
    expect(res.body.otpauthUri).toMatch(/^otpauth:\/\/totp\/express-auth-kit:[^:]+\?secret=/);
  });
});
