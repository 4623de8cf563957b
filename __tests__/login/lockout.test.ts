// Per-account lockout: threshold, one counter per account across login and email, reset on success, expiry on the clock.
import request from 'supertest';
import { createTestApp, PASSWORDS, type CreateTestAppOptions, type TestApp } from '../helpers/create-app';

const LOGIN = '/auth/login';

let t: TestApp;

// The per-IP limit is off so that only the lockout is under test.
async function app(options: CreateTestAppOptions = {}): Promise<TestApp> {
  t = await createTestApp({ rateLimit: false, ...options });
  return t;
}

function login(username: string, password: string, target: TestApp = t): request.Test {
  return request(target.app).post(LOGIN).send({ username, password });
}

async function failTimes(times: number, username = 'admin'): Promise<void> {
  for (let i = 0; i < times; i += 1) {
    const res = await login(username, `wrong-password-${i}`);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'invalid_credentials', message: 'The login or password is incorrect.' });
  }
}

function expectBlocked(res: request.Response, retryAfterSeconds: number): void {
  expect(res.status).toBe(403);
  expect(res.body).toEqual({
    error: 'login_blocked',
    message: 'Login temporarily blocked after too many failed attempts.',
  });
  expect(res.headers['retry-after']).toBe(String(retryAfterSeconds));
}

afterEach(async () => {
  await t.close();
});

describe('threshold (UTMStack defaults: 10 failures in 10 minutes block for 10 minutes)', () => {
  it('answers the first 10 failures with 401, then 403 login_blocked with Retry-After, even for the right password', async () => {
    await app();
    await failTimes(10);

    expectBlocked(await login('admin', 'wrong-password'), 600);
    expectBlocked(await login('admin', PASSWORDS.admin), 600);
    expect((await t.users.findById('1'))?.lastLoginAt ?? null).toBeNull();
  });

  it('does not block after 9 failures', async () => {
    await app();
    await failTimes(9);
    await login('admin', PASSWORDS.admin).expect(200);
  });

  it('locks one account only: another user logs in meanwhile', async () => {
    await app();
    await failTimes(10);
    expectBlocked(await login('admin', PASSWORDS.admin), 600);
    await login('guest', PASSWORDS.guest).expect(200);
  });

  it('follows the lockout options', async () => {
    await app({ lockout: { maxFailures: 3, window: '1m', duration: '5m' } });
    await failTimes(3);
    expectBlocked(await login('admin', PASSWORDS.admin), 300);
  });

  it('counts failures in a window: failures spread wider than it never lock', async () => {
    await app({ lockout: { maxFailures: 3, window: '1m', duration: '5m' } });
    await failTimes(2);
    t.clock.advance(60_000);
    await failTimes(2);
    await login('admin', PASSWORDS.admin).expect(200);
  });

  it('never locks with lockout: false', async () => {
    await app({ lockout: false });
    await failTimes(15);
    await login('admin', PASSWORDS.admin).expect(200);
  });

  it('uses 403 login_blocked in the utmstack preset too', async () => {
    await app({ preset: 'utmstack' });
    for (let i = 0; i < 10; i += 1) {
      const res = await request(t.app)
        .post('/api/authenticate')
        .send({ username: 'admin', password: 'wrong-password' });
      expect(res.status).toBe(401);
    }
    const blocked = await request(t.app)
      .post('/api/authenticate')
      .send({ username: 'admin', password: PASSWORDS.admin });
    expect(blocked.status).toBe(403);
    expect(blocked.headers['retry-after']).toBe('600');
    expect(blocked.headers.authorization).toBeUndefined();
  });
});

describe('one counter per account', () => {
  it('shares the counter between the login, its email address and any letter case', async () => {
    await app();
    await failTimes(4, 'admin');
    await failTimes(3, 'ADMIN@example.com');
    await failTimes(3, 'Admin');
    expectBlocked(await login('admin@example.com', PASSWORDS.admin), 600);
    expectBlocked(await login('admin', PASSWORDS.admin), 600);
  });

  it('counts unknown names too, case-insensitively', async () => {
    await app();
    await failTimes(5, 'ghost');
    await failTimes(5, 'GHOST');
    expectBlocked(await login('Ghost', 'anything-at-all'), 600);
  });
});

describe('reset on success', () => {
  it('forgives earlier failures after a right password', async () => {
    await app();
    await failTimes(9);
    await login('admin', PASSWORDS.admin).expect(200);
    await failTimes(9);
    await login('admin', PASSWORDS.admin).expect(200);
    await failTimes(10);
    expectBlocked(await login('admin', PASSWORDS.admin), 600);
  });
});

describe('expiry on the fake clock', () => {
  it('counts Retry-After down and lets the account in once the lockout has passed', async () => {
    await app();
    await failTimes(10);
    t.clock.advance(300_000);
    expectBlocked(await login('admin', PASSWORDS.admin), 300);
    t.clock.advance(299_001);
    expectBlocked(await login('admin', PASSWORDS.admin), 1);
    t.clock.advance(999);
    await login('admin', PASSWORDS.admin).expect(200);
  });

  it('gives a fresh budget after the lockout, not an instant relock', async () => {
    await app();
    await failTimes(10);
    t.clock.advance(600_000);
    await failTimes(9);
    await login('admin', PASSWORDS.admin).expect(200);
  });

  it('lasts its duration even when the counting window is longer', async () => {
    await app({ lockout: { maxFailures: 3, window: '1h', duration: '1m' } });
    await failTimes(3);
    expectBlocked(await login('admin', PASSWORDS.admin), 60);
    t.clock.advance(60_000);
    await login('admin', PASSWORDS.admin).expect(200);
  });

  it('relocks after the duration when the failures go on', async () => {
    await app({ lockout: { maxFailures: 3, window: '1h', duration: '1m' } });
    await failTimes(3);
    t.clock.advance(60_000);
    await failTimes(3);
    expectBlocked(await login('admin', PASSWORDS.admin), 60);
  });
});
