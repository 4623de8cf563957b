// Sign-up with email verification over HTTP (MemoryMailer): the same answer for a taken address, a taken or
// address-like username, the policy, a single-use token that expires and is replaced, the unverified login, resend
// and its limit, the host's hook, the per-IP limit, and the start-up checks.
import request from 'supertest';
import {
  createAuth,
  MemoryMailer,
  MemoryStateStore,
  MemoryUserStore,
  type StateStore,
  type UserStore,
} from '../../lib';
import type { AuthEvent } from '../../lib/core/events';
import {
  createFakeClock,
  closeAfterEach,
  createRecordingApp,
  createTestApp,
  TEST_SECRET,
  type CreateTestAppOptions,
  type TestApp,
} from '../helpers/create-app';
import { postLogin, settle } from '../helpers/session';
import { observable } from '../helpers/responses';

const URL_TEMPLATE = 'https://app.example/verify-email?token={token}';
const PASSWORD = 'a-long-enough-password';

let t: TestApp;
let events: AuthEvent[];

closeAfterEach(() => t);

async function setup(options: CreateTestAppOptions = {}): Promise<void> {
  ({ t, events } = await createRecordingApp({
    registration: { urlTemplate: URL_TEMPLATE },
    ...options,
  }));
}

function register(body: Record<string, unknown>) {
  return request(t.app).post('/auth/register').send(body);
}

function verify(token: unknown) {
  return request(t.app).post('/auth/register/verify').send({ token });
}

function resend(email: string) {
  return request(t.app).post('/auth/register/resend').send({ email });
}

/** The token of the latest verification link mailed to `email`. */
async function mailedToken(email: string): Promise<string> {
  await settle();
  const mail = t.mailer.verificationLinks.filter((m) => m.to === email).at(-1);
  expect(mail).toBeDefined();
  const token = new URL(mail!.url).searchParams.get('token');
  // At least 128 random bits, base64url.
  expect(token).toMatch(/^[A-Za-z0-9_-]{22,}$/);
  return token!;
}

describe('POST /auth/register, then /auth/register/verify', () => {
  test('register → 202 and a mailed link → login refused (403 email_unverified) → verify 204 → login succeeds', async () => {
    await setup();
    const res = await register({ username: 'alice', email: 'alice@example.org', password: PASSWORD });
    expect(res.status).toBe(202);
    expect(res.text).toBe('');
    const token = await mailedToken('alice@example.org');
    expect(t.mailer.verificationLinks[0]).toMatchObject({ login: 'alice', expiresInSeconds: 24 * 3600 });
    expect(t.mailer.verificationLinks[0]!.url.startsWith('https://app.example/verify-email?token=')).toBe(true);
    const stored = t.users.findByLogin('alice');
    expect(stored).toMatchObject({
      login: 'alice',
      email: 'alice@example.org',
      authorities: ['ROLE_USER'],
      emailVerified: false,
    });
    expect(stored!.passwordHash).not.toContain(PASSWORD);

    const before = await postLogin(t, 'alice', { password: PASSWORD });
    expect(before.status).toBe(403);
    expect(before.body).toMatchObject({ error: 'email_unverified' });
    expect(before.body.accessToken).toBeUndefined();

    await verify(token).expect(204);
    expect(t.users.findByLogin('alice')?.emailVerified).toBe(true);
    const after = await postLogin(t, 'alice@example.org', { password: PASSWORD }).expect(200);
    expect(typeof after.body.accessToken).toBe('string');

    await settle();
    const mine = events.filter((e) => e.event === 'user.registered' || e.event === 'user.verified');
    expect(mine.map((e) => e.event)).toEqual(['user.registered', 'user.verified']);
    expect(mine.every((e) => e.userId === stored!.id)).toBe(true);
    expect(JSON.stringify(events)).not.toContain(token);
    expect(JSON.stringify(events)).not.toContain(PASSWORD);
  });

  test('before verification a wrong password gets the ordinary 401, exactly like an unknown user', async () => {
    await setup();
    await register({ username: 'alice', email: 'alice@example.org', password: PASSWORD }).expect(202);
    const wrong = await postLogin(t, 'alice', { password: 'not-the-password' });
    const unknown = await postLogin(t, 'nobody', { password: 'not-the-password' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body).toMatchObject({ error: 'invalid_credentials' });
  });

  test('an address already registered gets the same answer, its owner a notice, and no usable token is made', async () => {
    await setup();
    const fresh = await register({ username: 'alice', email: 'alice@example.org', password: PASSWORD });
    const taken = await register({ username: 'mallory', email: 'GUEST@example.com', password: PASSWORD });
    expect(observable(taken, 'ratelimit')).toEqual(observable(fresh, 'ratelimit'));
    await settle();
    expect(t.users.findByLogin('mallory')).toBeNull();
    expect(t.mailer.verificationLinks.map((m) => m.to)).toEqual(['alice@example.org']);
    expect(t.mailer.registrationNotices).toEqual([{ to: 'guest@example.com', displayName: 'guest', login: 'guest' }]);
    expect(events.filter((e) => e.event === 'user.registered')).toHaveLength(1);
  });

  test('costs the same store work for a new and a taken address', async () => {
    const clock = createFakeClock();
    const inner = new MemoryStateStore({ clock });
    const ops: string[] = [];
    const counting: StateStore = {
      get: (key) => (ops.push('get'), inner.get(key)),
      set: (key, value, ttl) => (ops.push('set'), inner.set(key, value, ttl)),
      delete: (key) => (ops.push('delete'), inner.delete(key)),
      increment: (key, ttl) => (ops.push('increment'), inner.increment(key, ttl)),
      take: (key) => (ops.push('take'), inner.take(key)),
    };
    await setup({ clock, stateStore: counting, rateLimit: false });
    ops.length = 0;
    await register({ username: 'alice', email: 'alice@example.org', password: PASSWORD }).expect(202);
    const fresh = [...ops];
    ops.length = 0;
    await register({ username: 'mallory', email: 'guest@example.com', password: PASSWORD }).expect(202);
    expect(fresh.length).toBeGreaterThan(2);
    expect(ops).toEqual(fresh);
    await inner.shutdown();
  });

  test('a taken username is 409 username_taken (ignoring case), and nothing is created or mailed', async () => {
    await setup();
    for (const username of ['guest', 'GUEST']) {
      const res = await register({ username, email: 'new@example.org', password: PASSWORD });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ error: 'username_taken' });
    }
    await settle();
    expect(t.users.findByLogin('new@example.org')).toBeNull();
    expect(t.mailer.verificationLinks).toEqual([]);
  });

  test.each([
    ['a username with "@"', { username: 'alice@example.org', email: 'alice@example.org' }],
    ["a username that is another user's email", { username: 'guest@example.com', email: 'x@example.org' }],
    ['a username with a space', { username: 'al ice', email: 'alice@example.org' }],
    ['a username of 51 characters', { username: 'a'.repeat(51), email: 'alice@example.org' }],
    ['an email without "@"', { username: 'alice', email: 'alice.example.org' }],
    ['an email without a domain dot', { username: 'alice', email: 'alice@localhost' }],
    ['no email', { username: 'alice' }],
  ])('%s is 400 invalid_request, and nothing is created', async (_name, fields) => {
    await setup();
    const res = await register({ password: PASSWORD, ...fields });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_request' });
    expect(t.users.findByLogin('alice')).toBeNull();
    expect(t.users.findByLogin('x@example.org')).toBeNull();
  });

  test.each([
    ['too short', 'short'],
    ['the username', 'alice-the-user'],
  ])('a password the policy refuses (%s) is 400 weak_password, and nothing is created', async (_name, password) => {
    await setup();
    const res = await register({ username: 'alice-the-user', email: 'alice@example.org', password });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'weak_password' });
    expect(t.users.findByLogin('alice-the-user')).toBeNull();
  });

  test('a bad, used, replaced or expired token is 400 verification_token_invalid', async () => {
    await setup();
    await verify('x'.repeat(43)).expect(400, /verification_token_invalid/);
    await verify('x'.repeat(600)).expect(400);
    await register({ username: 'alice', email: 'alice@example.org', password: PASSWORD }).expect(202);
    const first = await mailedToken('alice@example.org');
    await resend('alice@example.org').expect(202);
    const second = await mailedToken('alice@example.org');
    expect(second).not.toBe(first);
    const replaced = await verify(first);
    expect(replaced.status).toBe(400);
    expect(replaced.body).toMatchObject({ error: 'verification_token_invalid' });
    await verify(`${second.slice(0, -1)}${second.endsWith('A') ? 'B' : 'A'}`).expect(400);
    await verify(second).expect(204);
    await verify(second).expect(400, /verification_token_invalid/);

    await register({ username: 'bob', email: 'bob@example.org', password: PASSWORD }).expect(202);
    const late = await mailedToken('bob@example.org');
    t.clock.advance(24 * 3600 * 1000 + 1000);
    await verify(late).expect(400, /verification_token_invalid/);
    expect(t.users.findByLogin('bob')?.emailVerified).toBe(false);
  });

  test('of concurrent verifications with one token exactly one succeeds', async () => {
    await setup({ rateLimit: false });
    await register({ username: 'alice', email: 'alice@example.org', password: PASSWORD }).expect(202);
    const token = await mailedToken('alice@example.org');
    const statuses = (await Promise.all(Array.from({ length: 5 }, () => verify(token)))).map((r) => r.status).sort();
    expect(statuses).toEqual([204, 400, 400, 400, 400]);
  });
});

describe('POST /auth/register/resend', () => {
  test('answers an unverified, a verified, an unknown and a disabled address identically; only the unverified one is mailed', async () => {
    await setup();
    await register({ username: 'alice', email: 'alice@example.org', password: PASSWORD }).expect(202);
    await settle();
    t.mailer.clear();
    const unverified = await resend('alice@example.org');
    expect(unverified.status).toBe(202);
    for (const email of ['guest@example.com', 'nobody@example.org', 'disabled@example.com']) {
      expect(observable(await resend(email), 'ratelimit')).toEqual(observable(unverified, 'ratelimit'));
    }
    await settle();
    expect(t.mailer.verificationLinks.map((m) => m.to)).toEqual(['alice@example.org']);
  });

  test('three mails per address per hour (sign-up and resends together), then the same answer and nothing sent', async () => {
    await setup();
    await register({ username: 'alice', email: 'alice@example.org', password: PASSWORD }).expect(202);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(observable(await resend('alice@example.org'), 'ratelimit'));
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    await settle();
    expect(t.mailer.verificationLinks).toHaveLength(3);
    t.clock.advance(3600 * 1000 + 1000);
    await resend('alice@example.org').expect(202);
    await settle();
    expect(t.mailer.verificationLinks).toHaveLength(4);
  });

  test('registration.resendLimit sets the limit', async () => {
    await setup({ registration: { urlTemplate: URL_TEMPLATE, resendLimit: { limit: 1, window: '10m' } } });
    await register({ username: 'alice', email: 'alice@example.org', password: PASSWORD }).expect(202);
    await resend('alice@example.org').expect(202);
    await settle();
    expect(t.mailer.verificationLinks).toHaveLength(1);
  });
});

describe('the host hook (registration.onRegister)', () => {
  test('can refuse a sign-up with a clear 403, and nothing is created or mailed', async () => {
    const seen: unknown[] = [];
    await setup({
      registration: {
        urlTemplate: URL_TEMPLATE,
        onRegister: (attempt) => {
          seen.push(attempt);
          return attempt.profile.invite === 'let-me-in' ? undefined : { refuse: 'Sign-up is by invitation only.' };
        },
      },
    });
    const res = await register({
      username: 'alice',
      email: 'alice@example.org',
      password: PASSWORD,
      profile: { invite: 'nope' },
    });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: 'registration_refused', message: 'Sign-up is by invitation only.' });
    expect(t.users.findByLogin('alice')).toBeNull();
    expect(seen).toEqual([{ username: 'alice', email: 'alice@example.org', profile: { invite: 'nope' } }]);
    expect(JSON.stringify(seen)).not.toContain(PASSWORD);
    await register({
      username: 'alice',
      email: 'alice@example.org',
      password: PASSWORD,
      profile: { invite: 'let-me-in' },
    }).expect(202);
    await settle();
    expect(t.mailer.verificationLinks).toHaveLength(1);
  });

  test('can add profile fields and roles to the new user', async () => {
    await setup({
      registration: {
        urlTemplate: URL_TEMPLATE,
        onRegister: ({ profile }) => ({
          firstName: profile.firstName ?? null,
          langKey: 'fr',
          authorities: ['ROLE_USER', 'ROLE_TRIAL'],
        }),
      },
    });
    await register({
      username: 'alice',
      email: 'alice@example.org',
      password: PASSWORD,
      profile: { firstName: 'Alice' },
    }).expect(202);
    expect(t.users.findByLogin('alice')).toMatchObject({
      firstName: 'Alice',
      langKey: 'fr',
      authorities: ['ROLE_USER', 'ROLE_TRIAL'],
    });
    await settle();
    expect(t.mailer.verificationLinks[0]).toMatchObject({ displayName: 'Alice' });
  });
});

describe('limits and configuration', () => {
  test('is off by default: the routes are not mounted', async () => {
    t = await createTestApp();
    await request(t.app)
      .post('/auth/register')
      .send({ username: 'alice', email: 'alice@example.org', password: PASSWORD })
      .expect(404);
    await request(t.app).post('/auth/register/verify').send({ token: 'x' }).expect(404);
    expect(Object.keys(t.auth.openapi().paths)).not.toContain('/auth/register');
  });

  test('is rate limited per IP like login', async () => {
    await setup({ rateLimit: { credentials: { limit: 2, window: '1m' } } });
    await register({ username: 'a1', email: 'a1@example.org', password: PASSWORD }).expect(202);
    await register({ username: 'a2', email: 'a2@example.org', password: PASSWORD }).expect(202);
    const res = await register({ username: 'a3', email: 'a3@example.org', password: PASSWORD });
    expect(res.status).toBe(429);
    expect(t.users.findByLogin('a3')).toBeNull();
  });

  test('is refused at start-up without a store that can create users, a mailer that can send the link, or a preset with the routes', () => {
    const base = { secret: TEST_SECRET, mailer: new MemoryMailer(), registration: { urlTemplate: URL_TEMPLATE } };
    const users = new MemoryUserStore();
    const readOnly: UserStore = {
      findByLogin: (name) => users.findByLogin(name),
      findById: (id) => users.findById(id),
      recordLogin: () => undefined,
      updatePassword: () => undefined,
    };
    expect(() => createAuth({ ...base, users: readOnly })).toThrow(TypeError);
    expect(() => createAuth({ ...base, users: readOnly })).toThrow(/"registration".*createUser/);
    expect(() => createAuth({ ...base, users, mailer: { sendSecondFactorCode: async () => undefined } })).toThrow(
      /"registration".*sendVerificationLink/,
    );
    expect(() => createAuth({ ...base, users, preset: 'utmstack' })).toThrow(/"registration".*routes\.register/);
    expect(() => createAuth({ ...base, users, registration: { urlTemplate: 'not a url' } })).toThrow(
      /registration\.urlTemplate/,
    );
    expect(() => createAuth({ ...base, users, registration: { urlTemplate: URL_TEMPLATE, tokenTtl: '8d' } })).toThrow(
      /registration\.tokenTtl/,
    );
  });
});

describe('an address someone else signed up with first', () => {
  test('its owner takes the account back with a password reset: the mailed link proves the address, so the login works', async () => {
    await setup({ passwordReset: { urlTemplate: 'https://app.example/reset?token={token}' } });
    // A squatter signs up with the owner's address and never verifies it (they cannot: the link goes to the owner).
    await register({ username: 'squatter', email: 'owner@example.com', password: PASSWORD }).expect(202);
    await postLogin(t, 'squatter', { password: PASSWORD }).expect(403);
    await request(t.app).post('/auth/password/forgot').send({ email: 'owner@example.com' }).expect(202);
    await settle();
    const link = t.mailer.resetLinks.filter((m) => m.to === 'owner@example.com').at(-1);
    expect(link).toBeDefined();
    const token = new URL(link!.url).searchParams.get('token');
    await request(t.app)
      .post('/auth/password/reset')
      .send({ token, newPassword: 'the-owners-own-password' })
      .expect(204);
    await postLogin(t, 'owner@example.com', { password: 'the-owners-own-password' }).expect(200);
    await postLogin(t, 'squatter', { password: PASSWORD }).expect(401);
  });
});
