// The default preset's documented routes under /auth: login, session, account, change-password, and where the rest live.
import request from 'supertest';
import { createTestApp, PASSWORDS, type TestApp } from '../helpers/create-app';
import { login } from '../helpers/session';

let t: TestApp;

beforeEach(async () => {
  t = await createTestApp();
});

afterEach(async () => {
  await t.close();
});

it('mounts at /auth by default', () => {
  expect(t.auth.preset.name).toBe('default');
  expect(t.base).toBe('/auth');
});

describe('POST /auth/login', () => {
  it('answers a session: access and refresh tokens, lifetimes, firstLogin and the user', async () => {
    expect((await login(t, 'admin')).body).toStrictEqual({
      accessToken: expect.stringMatching(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/),
      tokenType: 'Bearer',
      expiresIn: 900,
      refreshToken: expect.stringMatching(/^eyJ/),
      refreshExpiresIn: 14 * 86400,
      firstLogin: true,
      user: { id: '1', login: 'admin', email: 'admin@example.com', authorities: ['ROLE_ADMIN', 'ROLE_USER'] },
    });
  });

  it('sends no Authorization response header (that is UTMStack’s habit, not ours)', async () => {
    const res = await request(t.app).post('/auth/login').send({ username: 'admin', password: PASSWORDS.admin });
    expect(res.headers.authorization).toBeUndefined();
  });

  it('answers a second-factor challenge for a user with one', async () => {
    const res = await request(t.app).post('/auth/login').send({ username: 'user', password: PASSWORDS.user });
    expect(res.status).toBe(200);
    expect(res.body).toStrictEqual({
      tfaRequired: true,
      method: 'EMAIL',
      challengeToken: expect.any(String),
      expiresIn: 300,
    });
  });

  it('answers errors as { error, message }', async () => {
    const res = await request(t.app).post('/auth/login').send({ username: 'admin', password: 'wrong-password' });
    expect(res.status).toBe(401);
    expect(res.body).toStrictEqual({ error: 'invalid_credentials', message: 'The login or password is incorrect.' });
  });
});

describe('GET /auth/session', () => {
  it("answers the token's login, authorities and method", async () => {
    const { accessToken } = await login(t, 'guest');
    const res = await request(t.app).get('/auth/session').set('Authorization', `Bearer ${accessToken}`);
    expect(res.status).toBe(200);
    expect(res.body).toStrictEqual({ login: 'guest', authorities: ['ROLE_USER'], method: 'token' });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('answers 401 token_missing without a token', async () => {
    const res = await request(t.app).get('/auth/session');
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('token_missing');
  });
});

describe('GET /auth/account', () => {
  it('answers the account, never the password hash', async () => {
    const { accessToken } = await login(t, 'admin');
    const res = await request(t.app).get('/auth/account').set('Authorization', `Bearer ${accessToken}`);
    expect(res.status).toBe(200);
    expect(res.body).toStrictEqual({
      id: '1',
      login: 'admin',
      email: 'admin@example.com',
      authorities: ['ROLE_ADMIN', 'ROLE_USER'],
      firstName: 'Admin',
      lastName: 'User',
      imageUrl: null,
      langKey: null,
      activated: true,
      secondFactor: null,
      passwordExpiresAt: null,
      recoveryCodesRemaining: null,
    });
    expect(res.text).not.toMatch(/\$2[aby]\$/);
  });
});

describe('POST /auth/account/password', () => {
  it('changes the password with a token: 204, the old one stops working, the new one works', async () => {
    const { accessToken } = await login(t, 'guest');
    const res = await request(t.app)
      .post('/auth/account/password')
      .set('Authorization', `Bearer ${accessToken}`)
      .send({ currentPassword: PASSWORDS.guest, newPassword: 'a-brand-new-password' });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(
      (await request(t.app).post('/auth/login').send({ username: 'guest', password: PASSWORDS.guest })).status,
    ).toBe(401);
    expect(
      (await request(t.app).post('/auth/login').send({ username: 'guest', password: 'a-brand-new-password' })).status,
    ).toBe(200);
  });

  it('is the way out of an expired password: no token, the username in the body', async () => {
    const res = await request(t.app)
      .post('/auth/account/password')
      .send({ username: 'expired', currentPassword: PASSWORDS.expired, newPassword: 'renewed-password-2026' });
    expect(res.status).toBe(204);
    expect((await t.users.findById('4'))?.passwordExpiresAt).toBeNull();
    expect(
      (await request(t.app).post('/auth/login').send({ username: 'expired', password: 'renewed-password-2026' }))
        .status,
    ).toBe(200);
  });

  it('refuses a new password that breaks the policy, naming the rule', async () => {
    const { accessToken } = await login(t, 'guest');
    const res = await request(t.app)
      .post('/auth/account/password')
      .set('Authorization', `Bearer ${accessToken}`)
      .send({ currentPassword: PASSWORDS.guest, newPassword: 'x'.repeat(73) });
    expect(res.status).toBe(400);
    expect(res.body).toStrictEqual({
      error: 'weak_password',
      message: 'The password must not be longer than 72 bytes. (rule: max_bytes)',
    });
  });
});

describe('the routes other capabilities fill', () => {
  // Their behaviour is tested with their own capabilities; here, that the default preset serves them where documented.
  it.each([
    ['post', '/auth/tfa/verify'],
    ['post', '/auth/tfa/resend'],
    ['post', '/auth/tfa/totp/enroll'],
    ['post', '/auth/tfa/totp/confirm'],
    ['post', '/auth/token/refresh'],
    ['post', '/auth/logout'],
    ['post', '/auth/logout/all'],
    ['post', '/auth/api-keys'],
    ['get', '/auth/api-keys'],
    ['delete', '/auth/api-keys/some-id'],
  ] as const)('%s %s is served (an auth error in our format, not a 404)', async (method, path) => {
    const res = await request(t.app)[method](path);
    expect(res.status).not.toBe(404);
    expect([400, 401]).toContain(res.status);
    expect(Object.keys(res.body as object).sort()).toEqual(['error', 'message']);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('serves nothing else under /auth', async () => {
    expect((await request(t.app).post('/auth/authenticate').send({})).status).toBe(404);
    // A path of ours with another method is ours to answer: 405 with Allow, not the host's 404.
    const wrongMethod = await request(t.app).get('/auth/login');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.allow).toBe('POST');
  });
});
