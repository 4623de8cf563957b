// Change-password: the current password under the lockout, the policy over HTTP, expiry, and the end of old sessions.
import request from 'supertest';
import { createTestApp, PASSWORDS, type CreateTestAppOptions, type TestApp } from '../helpers/create-app';

const LOGIN = '/auth/login';
const CHANGE = '/auth/account/password';
const NEW_PASSWORD = 'a-brand-new-passphrase';

let t: TestApp;

async function app(options: CreateTestAppOptions = {}): Promise<TestApp> {
  t = await createTestApp(options);
  return t;
}

function login(username: string, password: string): request.Test {
  return request(t.app).post(LOGIN).send({ username, password });
}

async function tokenFor(username: string, password: string): Promise<string> {
  const res = await login(username, password).expect(200);
  return res.body.accessToken as string;
}

function change(body: Record<string, unknown>, token?: string): request.Test {
  const req = request(t.app).post(CHANGE);
  if (token !== undefined) req.set('Authorization', `Bearer ${token}`);
  return req.send(body);
}

async function hashOf(id: string): Promise<string | undefined> {
  return (await t.users.findById(id))?.passwordHash;
}

afterEach(async () => {
  await t.close();
});

describe('with a bearer token', () => {
  it('changes the password: the old one fails, the new one logs in, and every older session is refused', async () => {
    await app();
    const first = await tokenFor('guest', PASSWORDS.guest);
    const second = await tokenFor('guest@example.com', PASSWORDS.guest);
    const before = await hashOf('3');

    const res = await change({ currentPassword: PASSWORDS.guest, newPassword: NEW_PASSWORD }, first);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(await hashOf('3')).not.toBe(before);
    expect((await t.users.findById('3'))?.passwordExpiresAt).toBeNull();

    await login('guest', PASSWORDS.guest).expect(401);
    const fresh = await tokenFor('guest', NEW_PASSWORD);
    for (const old of [first, second]) {
      const refused = await request(t.app).get('/api/protected').set('Authorization', `Bearer ${old}`);
      expect(refused.status).toBe(401);
      expect(refused.body).not.toHaveProperty('userId');
    }
    await request(t.app).get('/api/protected').set('Authorization', `Bearer ${fresh}`).expect(200);
  });

  it("refuses the old sessions in the preset's JSON with a Bearer challenge, not Express's error page", async () => {
    await app();
    const old = await tokenFor('guest', PASSWORDS.guest);
    await change({ currentPassword: PASSWORDS.guest, newPassword: NEW_PASSWORD }, old).expect(204);
    const refused = await request(t.app).get('/api/protected').set('Authorization', `Bearer ${old}`);
    expect(refused.status).toBe(401);
    expect(refused.headers['content-type']).toMatch(/^application\/json/);
    expect(refused.body).toEqual({
      error: 'token_revoked',
      message: 'The access token has been revoked: log in again.',
    });
    expect(refused.headers['www-authenticate']).toMatch(/^Bearer realm="api", error="invalid_token"/);
    expect(refused.text).not.toMatch(/at \w+ \(/); // no stack trace
  });

  it("leaves other users' sessions alone", async () => {
    await app();
    const admin = await tokenFor('admin', PASSWORDS.admin);
    const guest = await tokenFor('guest', PASSWORDS.guest);
    await change({ currentPassword: PASSWORDS.guest, newPassword: NEW_PASSWORD }, guest).expect(204);
    await request(t.app).get('/api/protected').set('Authorization', `Bearer ${admin}`).expect(200);
  });

  it('needs the current password: missing is 400, wrong is 401, and nothing changes', async () => {
    await app();
    const token = await tokenFor('guest', PASSWORDS.guest);
    const before = await hashOf('3');

    const missing = await change({ newPassword: NEW_PASSWORD }, token);
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ error: 'invalid_request', message: 'The field "currentPassword" is required.' });

    const wrong = await change({ currentPassword: 'not-my-password', newPassword: NEW_PASSWORD }, token);
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error: 'invalid_credentials', message: 'The login or password is incorrect.' });

    expect(await hashOf('3')).toBe(before);
    await request(t.app).get('/api/protected').set('Authorization', `Bearer ${token}`).expect(200);
  });

  it("counts a wrong current password toward the account's lockout, shared with login", async () => {
    await app({ rateLimit: false });
    const token = await tokenFor('guest', PASSWORDS.guest);
    for (let i = 0; i < 5; i += 1) await login('guest', `wrong-${i}`).expect(401);
    for (let i = 0; i < 5; i += 1)
      await change({ currentPassword: `wrong-${i}`, newPassword: NEW_PASSWORD }, token).expect(401);

    const blocked = await login('guest', PASSWORDS.guest);
    expect(blocked.status).toBe(403);
    expect(blocked.body.error).toBe('login_blocked');
    expect(blocked.headers['retry-after']).toBe('600');
    const changeBlocked = await change({ currentPassword: PASSWORDS.guest, newPassword: NEW_PASSWORD }, token);
    expect(changeBlocked.status).toBe(403);
    expect(changeBlocked.headers['retry-after']).toBe('600');
  });

  it('refuses a request whose token is not an access token of a live session', async () => {
    await app();
    const res = await change({ currentPassword: PASSWORDS.guest, newPassword: NEW_PASSWORD }, 'not.a.token');
    expect(res.status).toBe(401);
    expect(res.body.error).toMatch(/^token_/);
  });
});

describe('an expired password', () => {
  it('answers 403 password_expired only after the right password', async () => {
    await app();
    const wrong = await login('expired', 'wrong-password');
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_credentials');
    const right = await login('expired', PASSWORDS.expired);
    expect(right.status).toBe(403);
    expect(right.body).toEqual({ error: 'password_expired', message: 'The password has expired and must be changed.' });
    expect(right.body).not.toHaveProperty('accessToken');
  });

  it('is changed with {username, currentPassword, newPassword} and no token, and then logs in', async () => {
    await app();
    const res = await change({
      username: 'expired@example.com',
      currentPassword: PASSWORDS.expired,
      newPassword: NEW_PASSWORD,
    });
    expect(res.status).toBe(204);
    expect((await t.users.findById('4'))?.passwordExpiresAt).toBeNull();
    await login('expired', PASSWORDS.expired).expect(401);
    await login('expired', NEW_PASSWORD).expect(200);
  });

  it('needs the right current password without a token too, under the lockout', async () => {
    await app({ rateLimit: false });
    const before = await hashOf('4');
    for (let i = 0; i < 10; i += 1) {
      await change({ username: 'expired', currentPassword: `wrong-${i}`, newPassword: NEW_PASSWORD }).expect(401);
    }
    const blocked = await change({
      username: 'expired',
      currentPassword: PASSWORDS.expired,
      newPassword: NEW_PASSWORD,
    });
    expect(blocked.status).toBe(403);
    expect(blocked.body.error).toBe('login_blocked');
    expect(await hashOf('4')).toBe(before);
  });

  it('answers an unknown user without a token exactly like a wrong password', async () => {
    await app();
    const unknown = await change({ username: 'nobody', currentPassword: 'whatever-1', newPassword: NEW_PASSWORD });
    const wrong = await change({ username: 'expired', currentPassword: 'whatever-1', newPassword: NEW_PASSWORD });
    expect(unknown.status).toBe(401);
    expect(unknown.text).toBe(wrong.text);
  });
});

describe('without a token, a password that has not expired cannot be changed', () => {
  it('refuses it even with the right password, so knowing it does not skip the second factor', async () => {
    await app();
    const before = await hashOf('2');
    const res = await change({ username: 'user', currentPassword: PASSWORDS.user, newPassword: NEW_PASSWORD });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('token_missing');
    expect(res.headers['www-authenticate']).toBe('Bearer realm="api"');
    expect(await hashOf('2')).toBe(before);
  });
});

describe('passwordMaxAge', () => {
  it('gives the new password its expiry; after it, login answers 403 password_expired', async () => {
    await app({ passwords: { maxAge: '30d' } });
    const token = await tokenFor('guest', PASSWORDS.guest);
    const changedAt = t.clock();
    await change({ currentPassword: PASSWORDS.guest, newPassword: NEW_PASSWORD }, token).expect(204);
    expect((await t.users.findById('3'))?.passwordExpiresAt?.getTime()).toBe(changedAt + 30 * 86_400_000);

    t.clock.advance(30 * 86_400_000 - 1000);
    await login('guest', NEW_PASSWORD).expect(200);
    t.clock.advance(1000);
    const expired = await login('guest', NEW_PASSWORD);
    expect(expired.status).toBe(403);
    expect(expired.body.error).toBe('password_expired');
  });

  it('sets a fresh expiry when an expired password is replaced', async () => {
    await app({ passwords: { maxAge: '90d' } });
    await change({ username: 'expired', currentPassword: PASSWORDS.expired, newPassword: NEW_PASSWORD }).expect(204);
    expect((await t.users.findById('4'))?.passwordExpiresAt?.getTime()).toBe(t.clock() + 90 * 86_400_000);
    await login('expired', NEW_PASSWORD).expect(200);
  });
});

describe('the password policy over HTTP: a 400 naming the rule, and nothing changed', () => {
  const cases: [string, CreateTestAppOptions, string][] = [
    ['min_length', {}, 'short-7'],
    ['max_bytes', {}, 'é'.repeat(37)],
    ['denylist', { passwords: { policy: { denylist: ['CorrectHorseBattery'] } } }, 'correcthorsebattery'],
    [
      'breached',
      { passwords: { policy: { isBreached: (password) => password === 'pwned-password-1' } } },
      'pwned-password-1',
    ],
    ['same_as_login', {}, 'GUEST@example.com'],
    ['reused', {}, PASSWORDS.guest],
    // A look-alike that NFKC, the form passwords are hashed in, turns into the current password.
    ['reused', {}, `\uFF47${PASSWORDS.guest.slice(1)}`],
  ];

  it.each(cases)('refuses a password breaking %s', async (rule, options, newPassword) => {
    await app(options);
    const token = await tokenFor('guest', PASSWORDS.guest);
    const before = await hashOf('3');
    const res = await change({ currentPassword: PASSWORDS.guest, newPassword }, token);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('weak_password');
    expect(res.body.message).toMatch(new RegExp(`\\(rule: ${rule}\\)$`));
    expect(await hashOf('3')).toBe(before);
    // Nothing changed: the session that asked is still live.
    await request(t.app).get('/api/protected').set('Authorization', `Bearer ${token}`).expect(200);
  });

  it('answers 503 and changes nothing when the breach check fails', async () => {
    const isBreached = jest.fn(async () => {
      throw new Error('breach corpus unreachable');
    });
    await app({ passwords: { policy: { isBreached } } });
    const token = await tokenFor('guest', PASSWORDS.guest);
    const before = await hashOf('3');
    const res = await change({ currentPassword: PASSWORDS.guest, newPassword: NEW_PASSWORD }, token);
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ error: 'unavailable', message: 'Authentication is temporarily unavailable.' });
    expect(isBreached).toHaveBeenCalledWith(NEW_PASSWORD);
    expect(await hashOf('3')).toBe(before);
    await request(t.app).get('/api/protected').set('Authorization', `Bearer ${token}`).expect(200);
    expect(JSON.stringify(t.logger.errors)).not.toContain(NEW_PASSWORD);
  });

  it('accepts a long passphrase of exactly 72 bytes, with no composition rules', async () => {
    await app();
    const token = await tokenFor('guest', PASSWORDS.guest);
    const passphrase = 'all lower case words are fine '.repeat(3).slice(0, 72);
    await change({ currentPassword: PASSWORDS.guest, newPassword: passphrase }, token).expect(204);
    await login('guest', passphrase).expect(200);
  });
});

describe('in the storm preset', () => {
  it('answers {message} on success and on a policy failure', async () => {
    await app({ preset: 'storm' });
    const res = await request(t.app)
      .post('/api/auth/login')
      .send({ username: 'guest', password: PASSWORDS.guest })
      .expect(200);
    const token = res.body.data.accessToken as string;
    const weak = await request(t.app)
      .post('/api/auth/change-password')
      .set('Authorization', `Bearer ${token}`)
      .send({ currentPassword: PASSWORDS.guest, newPassword: 'short' });
    expect(weak.status).toBe(400);
    expect(weak.body).toEqual({ message: 'The password must have at least 8 characters. (rule: min_length)' });
    const ok = await request(t.app)
      .post('/api/auth/change-password')
      .set('Authorization', `Bearer ${token}`)
      .send({ currentPassword: PASSWORDS.guest, newPassword: NEW_PASSWORD });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ message: 'Password changed' });
  });
});
