// Trusted devices under attack: another user's, tampered and forged cookies, a disabled or locked user, an expired
// password, a trust written by a verify racing "log out everywhere", and racing verifies sharing the per-user bound.
import request from 'supertest';
import { MemoryStateStore, type Counter, type StateStore } from '../../lib';
import {
  createFakeClock,
  createTestApp,
  PASSWORDS,
  type CreateTestAppOptions,
  type TestApp,
} from '../helpers/create-app';

const COOKIE = '__Host-eak-trusted';

let t: TestApp;

afterEach(async () => {
  await t?.close();
});

async function setup(options: CreateTestAppOptions = {}): Promise<void> {
  // Every demo user gets the emailed code, so guest and user both have a factor to skip.
  t = await createTestApp({ trustedDevices: true, secondFactor: { force: true }, rateLimit: false, ...options });
}

function login(username: keyof typeof PASSWORDS, password: string, cookie?: string) {
  const req = request(t.app).post('/auth/login');
  if (cookie !== undefined) req.set('Cookie', cookie);
  return req.send({ username, password });
}

/** Completes `username`'s login with the emailed code and rememberDevice; returns the trusted-device cookie's value. */
async function trust(
  username: 'user' | 'guest' | 'admin',
  cookie?: string,
): Promise<{ value: string; accessToken: string }> {
  const first = await login(username, PASSWORDS[username], cookie).expect(200);
  expect(first.body.tfaRequired).toBe(true);
  const code = t.mailer.last(`${username}@example.com`)!.code;
  const verified = await request(t.app)
    .post('/auth/tfa/verify')
    .set('Authorization', `Bearer ${first.body.challengeToken}`)
    .send({ code, rememberDevice: true })
    .expect(200);
  const line = ((verified.headers['set-cookie'] as unknown as string[]) ?? []).find((l) => l.startsWith(`${COOKIE}=`));
  expect(line).toBeDefined();
  return { value: line!.split(';')[0]!.slice(COOKIE.length + 1), accessToken: verified.body.accessToken as string };
}

async function asksForTheCode(username: keyof typeof PASSWORDS, cookieValue: string): Promise<boolean> {
  const res = await login(username, PASSWORDS[username], `${COOKIE}=${cookieValue}`);
  expect(res.status).toBe(200);
  return res.body.tfaRequired === true;
}

describe('trusted devices: what a cookie cannot do', () => {
  beforeEach(() => setup());

  test("another user's cookie does not skip the code, even one in the same slot of the ring", async () => {
    const userTrust = await trust('user');
    const guestTrust = await trust('guest');
    expect(userTrust.value.split('.')[0]).toBe(guestTrust.value.split('.')[0]);
    expect(await asksForTheCode('guest', userTrust.value)).toBe(true);
    expect(await asksForTheCode('user', guestTrust.value)).toBe(true);
    expect(await asksForTheCode('admin', userTrust.value)).toBe(true);
    // Each still works for its own user.
    expect(await asksForTheCode('user', userTrust.value)).toBe(false);
    expect(await asksForTheCode('guest', guestTrust.value)).toBe(false);
  });

  test('a tampered or forged cookie does nothing (the code is asked, nothing fails)', async () => {
    // Every login that stops at the code counts one attempt until a login completes: a dozen would meet the lockout.
    await t.close();
    await setup({ lockout: false });
    const { value } = await trust('user');
    const [slot, secret] = value.split('.') as [string, string];
    const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
    const forgeries = [
      `${slot}.${flip(secret, 0)}`,
      `${slot}.${flip(secret, secret.length - 1)}`,
      `${(Number(slot) + 1) % 10}.${secret}`,
      `99.${secret}`,
      `-0.${secret}`,
      `${slot}.${secret}x`,
      `${slot}.${secret.slice(1)}`,
      secret,
      `${slot}.`,
      '0.' + 'A'.repeat(43),
      'x'.repeat(4000),
      '%00',
    ];
    for (const forged of forgeries) expect(await asksForTheCode('user', forged)).toBe(true);
  });

  test("the lockout device cookie is not a trusted-device cookie, and a trust cookie under the device cookie's name is nothing", async () => {
    const first = await login('admin', PASSWORDS.admin).expect(200);
    const code = t.mailer.last('admin@example.com')!.code;
    const verified = await request(t.app)
      .post('/auth/tfa/verify')
      .set('Authorization', `Bearer ${first.body.challengeToken}`)
      .send({ code })
      .expect(200);
    const device = ((verified.headers['set-cookie'] as unknown as string[]) ?? [])
      .find((l) => l.startsWith('__Host-eak-device='))!
      .split(';')[0]!;
    expect(device).toBeDefined();
    // A completed login without rememberDevice leaves only the device cookie: it does not skip the code.
    const again = await request(t.app)
      .post('/auth/login')
      .set('Cookie', device)
      .send({ username: 'admin', password: PASSWORDS.admin })
      .expect(200);
    expect(again.body.tfaRequired).toBe(true);
    expect(await asksForTheCode('admin', device.slice(device.indexOf('=') + 1))).toBe(true);
    const { value } = await trust('user');
    const swapped = await request(t.app)
      .post('/auth/login')
      .set('Cookie', `__Host-eak-device=${value}`)
      .send({ username: 'user', password: PASSWORDS.user })
      .expect(200);
    expect(swapped.body.tfaRequired).toBe(true);
  });

  test('a disabled user is refused like a wrong password, trusted cookie or not', async () => {
    const { value } = await trust('user');
    t.users.update('2', { disabled: true });
    const trusted = await login('user', PASSWORDS.user, `${COOKIE}=${value}`);
    const stranger = await login('user', 'wrong-password');
    expect(trusted.status).toBe(401);
    expect(trusted.body).toEqual(stranger.body);
    expect(trusted.headers['set-cookie']).toBeUndefined();
  });

  test('the password is still checked and counted: wrong guesses lock the account, and a trusted browser is locked out too', async () => {
    await t.close();
    await setup({ lockout: { maxFailures: 3, window: '10m', duration: '10m' }, deviceCookie: false });
    const { value } = await trust('user');
    for (let i = 0; i < 3; i += 1) expect((await login('user', `wrong-${i}`, `${COOKIE}=${value}`)).status).toBe(401);
    const locked = await login('user', PASSWORDS.user, `${COOKIE}=${value}`);
    expect(locked.status).toBe(403);
    expect(locked.body).toMatchObject({ error: 'login_blocked' });
  });

  test('an expired password is still 403 password_expired, not skipped', async () => {
    const { value } = await trust('user');
    t.users.update('2', { passwordExpiresAt: new Date(t.clock() - 1000) });
    const res = await login('user', PASSWORDS.user, `${COOKIE}=${value}`);
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: 'password_expired' });
  });

  test('a verify the browser marks cross-site plants no trusted-device cookie (as no device cookie)', async () => {
    const first = await login('user', PASSWORDS.user).expect(200);
    const code = t.mailer.last('user@example.com')!.code;
    const verified = await request(t.app)
      .post('/auth/tfa/verify')
      .set('Authorization', `Bearer ${first.body.challengeToken}`)
      .set('Sec-Fetch-Site', 'cross-site')
      .send({ code, rememberDevice: true })
      .expect(200);
    expect(
      ((verified.headers['set-cookie'] as unknown as string[]) ?? []).filter((l) => l.startsWith(`${COOKIE}=`)),
    ).toEqual([]);
  });

  test('the cookie value is opaque: no user id, login or JWT in it', async () => {
    const { value } = await trust('user');
    expect(value).toMatch(/^\d+\.[A-Za-z0-9_-]{43}$/);
    expect(value).not.toContain('user');
  });
});

/** A state store that can replay the writes of one request later, as a request racing another would land them. */
class ReplayingStateStore implements StateStore {
  capturing = false;
  readonly captured: [string, string, number][] = [];

  constructor(private readonly inner: StateStore) {}

  get(key: string): Promise<string | null> {
    return this.inner.get(key);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    if (this.capturing) this.captured.push([key, value, ttlMs]);
    await this.inner.set(key, value, ttlMs);
  }

  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }

  increment(key: string, ttlMs: number): Promise<Counter> {
    return this.inner.increment(key, ttlMs);
  }

  take(key: string): Promise<string | null> {
    return this.inner.take(key);
  }

  async replay(): Promise<void> {
    for (const [key, value, ttlMs] of this.captured) await this.inner.set(key, value, ttlMs);
  }
}

describe('trusted devices: races', () => {
  test('a trust written after "log out everywhere" by a verify that raced it is refused (it predates the new session version)', async () => {
    const clock = createFakeClock();
    const store = new ReplayingStateStore(new MemoryStateStore({ clock }));
    await setup({ clock, stateStore: store });
    const first = await login('user', PASSWORDS.user).expect(200);
    const code = t.mailer.last('user@example.com')!.code;
    store.capturing = true;
    const verified = await request(t.app)
      .post('/auth/tfa/verify')
      .set('Authorization', `Bearer ${first.body.challengeToken}`)
      .send({ code, rememberDevice: true })
      .expect(200);
    store.capturing = false;
    const value = ((verified.headers['set-cookie'] as unknown as string[]) ?? [])
      .find((l) => l.startsWith(`${COOKIE}=`))!
      .split(';')[0]!
      .slice(COOKIE.length + 1);
    await request(t.app)
      .post('/auth/logout/all')
      .set('Authorization', `Bearer ${verified.body.accessToken}`)
      .expect(204);
    // Everything the verify wrote lands again, after the revocation: the trust record among it.
    await store.replay();
    expect(await asksForTheCode('user', value)).toBe(true);
  });

  test('racing verifies with rememberDevice each get a slot of their own: all of them are trusted, up to maxPerUser', async () => {
    await setup({ trustedDevices: { maxPerUser: 4 } });
    const challenges: { token: string; code: string }[] = [];
    for (let i = 0; i < 4; i += 1) {
      const first = await login('user', PASSWORDS.user).expect(200);
      challenges.push({ token: first.body.challengeToken as string, code: t.mailer.last('user@example.com')!.code });
    }
    const answers = await Promise.all(
      challenges.map(({ token, code }) =>
        request(t.app)
          .post('/auth/tfa/verify')
          .set('Authorization', `Bearer ${token}`)
          .send({ code, rememberDevice: true }),
      ),
    );
    const values = answers.map((res) => {
      expect(res.status).toBe(200);
      return ((res.headers['set-cookie'] as unknown as string[]) ?? [])
        .find((l) => l.startsWith(`${COOKIE}=`))!
        .split(';')[0]!
        .slice(COOKIE.length + 1);
    });
    expect(new Set(values.map((value) => value.split('.')[0])).size).toBe(4);
    for (const value of values) expect(await asksForTheCode('user', value)).toBe(false);
  });
});
