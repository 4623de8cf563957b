// Password login (default preset): by login or email, identical failures, rememberMe, firstLogin, expired passwords, 72 bytes.
import request from 'supertest';
import { hashPassword, type User } from '../../lib';
import { createTestApp, PASSWORDS, TEST_COST, type TestApp } from '../helpers/create-app';
import { claimsOf } from '../helpers/session';

let t: TestApp;

beforeEach(async () => {
  t = await createTestApp();
});

afterEach(async () => {
  await t.close();
});

function login(body: Record<string, unknown>) {
  return request(t.app).post('/auth/login').send(body);
}

const INVALID_CREDENTIALS = '{"error":"invalid_credentials","message":"The login or password is incorrect."}';

describe('a right password', () => {
  it('logs in by login name, with a token the guard accepts', async () => {
    const res = await login({ username: 'admin', password: PASSWORDS.admin });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      accessToken: expect.any(String),
      tokenType: 'Bearer',
      expiresIn: 900,
      refreshToken: expect.any(String),
      refreshExpiresIn: 14 * 86400,
      firstLogin: true,
      user: { id: '1', login: 'admin', email: 'admin@example.com', authorities: ['ROLE_ADMIN', 'ROLE_USER'] },
    });
    const guarded = await request(t.app).get('/api/protected').set('Authorization', `Bearer ${res.body.accessToken}`);
    expect(guarded.status).toBe(200);
    expect(guarded.body).toEqual({ userId: '1', authorities: ['ROLE_ADMIN', 'ROLE_USER'], method: 'token' });
  });

  it('logs in by email, and by either name in any case', async () => {
    for (const username of ['guest@example.com', 'GUEST@Example.COM', 'Guest', 'GUEST']) {
      const res = await login({ username, password: PASSWORDS.guest });
      expect(res.status).toBe(200);
      expect(res.body.user).toMatchObject({ id: '3', login: 'guest' });
      expect(claimsOf(res.body.accessToken as string).sub).toBe('3');
    }
  });

  it('never answers to the password in another case', async () => {
    const res = await login({ username: 'guest', password: PASSWORDS.guest.toUpperCase() });
    expect(res.status).toBe(401);
  });

  it('sends the token with Cache-Control: no-store, Pragma: no-cache and nosniff', async () => {
    const res = await login({ username: 'admin', password: PASSWORDS.admin });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.pragma).toBe('no-cache');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });

  it('puts the claims in the token: sub, iat, exp, auth and the session; no usefor, exi, jti, initial sv or auth_time equal to iat', async () => {
    const res = await login({ username: 'admin', password: PASSWORDS.admin });
    const now = Math.floor(t.clock() / 1000);
    // The default preset's tokens are lean: typ at+jwt says the kind, exp - iat the lifetime, iat the login's time.
    expect(claimsOf(res.body.accessToken as string)).toEqual({
      sub: '1',
      iat: now,
      exp: now + 900,
      fam: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      auth: 'ROLE_ADMIN,ROLE_USER',
    });
  });
});

describe('issuer and audience', () => {
  it('writes iss and aud into the token when configured, and the guard takes it', async () => {
    await t.close();
    t = await createTestApp({ tokens: { issuer: 'https://auth.example', audience: 'orders-api' } });
    const res = await login({ username: 'admin', password: PASSWORDS.admin });
    expect(claimsOf(res.body.accessToken as string)).toMatchObject({ iss: 'https://auth.example', aud: 'orders-api' });
    expect(
      (await request(t.app).get('/api/protected').set('Authorization', `Bearer ${res.body.accessToken}`)).status,
    ).toBe(200);
  });

  it('writes neither when not configured', async () => {
    const claims = claimsOf((await login({ username: 'admin', password: PASSWORDS.admin })).body.accessToken as string);
    expect(claims).not.toHaveProperty('iss');
    expect(claims).not.toHaveProperty('aud');
  });
});

describe('rememberMe', () => {
  it('gives 15 minutes without it and 30 days with it', async () => {
    for (const [rememberMe, seconds] of [
      [undefined, 900],
      [false, 900],
      [true, 30 * 86400],
    ] as const) {
      const res = await login({
        username: 'admin',
        password: PASSWORDS.admin,
        ...(rememberMe === undefined ? {} : { rememberMe }),
      });
      expect(res.status).toBe(200);
      expect(res.body.expiresIn).toBe(seconds);
      const claims = claimsOf(res.body.accessToken as string);
      expect((claims.exp as number) - (claims.iat as number)).toBe(seconds);
    }
  });

  it('honours the configured lifetimes, and the remembered token outlives the plain one', async () => {
    await t.close();
    t = await createTestApp({ tokens: { accessTtl: '1h', rememberMeTtl: '7d' } });
    const plain = await login({ username: 'admin', password: PASSWORDS.admin });
    const remembered = await login({ username: 'admin', password: PASSWORDS.admin, rememberMe: true });
    expect([plain.body.expiresIn, remembered.body.expiresIn]).toEqual([3600, 7 * 86400]);
    t.clock.advance((3600 + 31) * 1000); // past the plain token's life and the 30 s skew
    const guarded = (token: string) => request(t.app).get('/api/protected').set('Authorization', `Bearer ${token}`);
    expect((await guarded(plain.body.accessToken as string)).body.error).toBe('token_expired');
    expect((await guarded(remembered.body.accessToken as string)).status).toBe(200);
  });
});

describe('firstLogin', () => {
  it("is true on a user's first successful login only, and the login is recorded", async () => {
    expect((await t.users.findById('3'))?.lastLoginAt).toBeUndefined();
    const first = await login({ username: 'guest', password: PASSWORDS.guest });
    expect(first.body.firstLogin).toBe(true);
    expect((await t.users.findById('3'))?.lastLoginAt).toEqual(new Date(t.clock()));

    t.clock.advance(60_000);
    const second = await login({ username: 'guest@example.com', password: PASSWORDS.guest });
    expect(second.body.firstLogin).toBe(false);
    expect((await t.users.findById('3'))?.lastLoginAt).toEqual(new Date(t.clock()));
  });

  it('is not used up by a failed login', async () => {
    await login({ username: 'guest', password: 'wrong-password' });
    expect((await t.users.findById('3'))?.lastLoginAt).toBeUndefined();
    expect((await login({ username: 'guest', password: PASSWORDS.guest })).body.firstLogin).toBe(true);
  });
});

describe('failures that must look the same', () => {
  it('wrong password, unknown user and disabled user (right or wrong password) give byte-identical 401s', async () => {
    const answers = [
      await login({ username: 'admin', password: 'wrong-password' }),
      await login({ username: 'nobody', password: 'wrong-password' }),
      await login({ username: 'nobody@example.com', password: PASSWORDS.admin }),
      await login({ username: 'disabled', password: PASSWORDS.disabled }),
      await login({ username: 'disabled@example.com', password: 'wrong-password' }),
    ];
    for (const res of answers) {
      expect(res.status).toBe(401);
      expect(res.text).toBe(INVALID_CREDENTIALS);
      expect(res.headers['content-type']).toBe(answers[0]?.headers['content-type']);
      expect(res.headers['content-length']).toBe(answers[0]?.headers['content-length']);
      expect(res.headers['www-authenticate']).toBe(answers[0]?.headers['www-authenticate']);
      expect(res.headers.authorization).toBeUndefined();
    }
  });

  it('issues nothing and records no login for a disabled user with the right password', async () => {
    await login({ username: 'disabled', password: PASSWORDS.disabled });
    expect((await t.users.findById('5'))?.lastLoginAt).toBeUndefined();
  });

  it('logs neither the password nor the name tried', async () => {
    await login({ username: 'nobody', password: 'secret-attempt-1' });
    await login({ username: 'admin', password: 'secret-attempt-2' });
    const logged = [...t.logger.warnings, ...t.logger.errors].join('\n');
    expect(logged).not.toMatch(/secret-attempt|nobody/);
    expect(t.logger.errors).toEqual([]);
  });
});

describe('an expired password', () => {
  it('answers 403 password_expired after the right password, with no token', async () => {
    const res = await login({ username: 'expired', password: PASSWORDS.expired });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: 'password_expired', message: 'The password has expired and must be changed.' });
    expect(res.text).not.toMatch(/eyJ/);
    expect(res.headers.authorization).toBeUndefined();
    expect((await t.users.findById('4'))?.lastLoginAt).toBeUndefined();
  });

  it('answers the same 401 as anyone else to a wrong password: expiry is revealed only to the owner', async () => {
    const res = await login({ username: 'expired', password: 'wrong-password' });
    expect(res.status).toBe(401);
    expect(res.text).toBe(INVALID_CREDENTIALS);
  });

  it('expires exactly at passwordExpiresAt on the configured clock', async () => {
    t.users.update('3', { passwordExpiresAt: new Date(t.clock() + 60_000) });
    expect((await login({ username: 'guest', password: PASSWORDS.guest })).status).toBe(200);
    t.clock.advance(60_000);
    expect((await login({ username: 'guest', password: PASSWORDS.guest })).status).toBe(403);
  });
});

describe('72 bytes', () => {
  const password72 = `${'x'.repeat(62)}0123456789`;

  beforeEach(async () => {
    await t.close();
    const user: User = {
      id: '9',
      login: 'long',
      email: 'long@example.com',
      passwordHash: await hashPassword(password72, { cost: TEST_COST }),
      authorities: ['ROLE_USER'],
    };
    t = await createTestApp({ seedUsers: [user] });
  });

  it('logs in with a 72-byte password', async () => {
    expect(Buffer.byteLength(password72)).toBe(72);
    expect((await login({ username: 'long', password: password72 })).status).toBe(200);
  });

  it('never logs in with 73 bytes whose first 72 are the password', async () => {
    for (const suffix of ['!', 'é', 'x'.repeat(100)]) {
      const res = await login({ username: 'long', password: `${password72}${suffix}` });
      expect(res.status).toBe(401);
      expect(res.text).toBe(INVALID_CREDENTIALS);
    }
  });
});
