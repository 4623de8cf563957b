// Password reset by email over HTTP (MemoryMailer): identical answers for any address, a single-use token that
// expires and is replaced, the policy, the authenticator app's proof, sessions ended, and utmstack's JHipster shapes.
import request from 'supertest';
import { MemoryStateStore, type AuthOptions, type Mailer, type StateStore } from '../../lib';
import type { AuthEvent } from '../../lib/core/events';
import { generateTotpSecret, totpCode } from '../../lib/primitives/totp';
import {
  closeAfterEach,
  createFakeClock,
  createRecordingApp,
  createTestApp,
  PASSWORDS,
  type CreateTestAppOptions,
  type TestApp,
} from '../helpers/create-app';
import { postLogin, settle } from '../helpers/session';
import { observable } from '../helpers/responses';
import { expectUtmstackFinishOnce } from '../helpers/password-reset';

const URL_TEMPLATE = 'https://app.example/reset?token={token}';
const NEW_PASSWORD = 'a-brand-new-password';

let t: TestApp;
let events: AuthEvent[];

closeAfterEach(() => t);

async function setup(options: CreateTestAppOptions = {}): Promise<void> {
  ({ t, events } = await createRecordingApp({
    passwordReset: { urlTemplate: URL_TEMPLATE },
    ...options,
  }));
}

function forgot(email: string) {
  return request(t.app).post('/auth/password/forgot').send({ email });
}

function reset(body: Record<string, unknown>) {
  return request(t.app).post('/auth/password/reset').send(body);
}

/** Asks for a link for `email` and returns the token it carries. */
async function mailedToken(email = 'guest@example.com'): Promise<string> {
  await forgot(email).expect(202);
  await settle();
  const mail = t.mailer.resetLinks.filter((m) => m.to === email).at(-1);
  expect(mail).toBeDefined();
  const token = new URL(mail!.url).searchParams.get('token');
  expect(token).toMatch(/^[A-Za-z0-9_-]{43,}$/);
  return token!;
}

describe('POST /auth/password/forgot', () => {
  test('answers a known, an unknown and a disabled address identically (status, body, headers minus Date); only the known one is mailed', async () => {
    await setup();
    const known = await forgot('guest@example.com');
    const unknown = await forgot('nobody@example.com');
    const disabled = await forgot('disabled@example.com');
    expect(known.status).toBe(202);
    expect(observable(unknown, 'ratelimit')).toEqual(observable(known, 'ratelimit'));
    expect(observable(disabled, 'ratelimit')).toEqual(observable(known, 'ratelimit'));
    await settle();
    expect(t.mailer.resetLinks.map((m) => m.to)).toEqual(['guest@example.com']);
    expect(t.mailer.resetLinks[0]).toMatchObject({ login: 'guest', displayName: 'guest', expiresInSeconds: 3600 });
    expect(t.mailer.resetLinks[0]!.url.startsWith('https://app.example/reset?token=')).toBe(true);
  });

  test('costs the same store work for a known, an unknown and a disabled address', async () => {
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
    await setup({ clock, stateStore: counting });
    const opsOf = async (email: string) => {
      await forgot(email).expect(202);
      await forgot(email).expect(202);
      ops.length = 0;
      await forgot(email).expect(202);
      return [...ops];
    };
    const known = await opsOf('guest@example.com');
    expect(known.filter((op) => op !== 'get').length).toBeGreaterThan(2);
    expect(await opsOf('nobody@example.com')).toEqual(known);
    expect(await opsOf('disabled@example.com')).toEqual(known);
    await inner.shutdown();
  });

  test('a login name is not an address: nothing is mailed for it', async () => {
    await setup();
    await forgot('guest').expect(202);
    await settle();
    expect(t.mailer.resetLinks).toEqual([]);
  });

  test('honours 5 requests per address per 15 minutes, then answers the same and sends nothing', async () => {
    await setup();
    const answers = [];
    for (let i = 0; i < 7; i++) answers.push(observable(await forgot('guest@example.com'), 'ratelimit'));
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    await settle();
    expect(t.mailer.resetLinks).toHaveLength(5);
    t.clock.advance(15 * 60 * 1000 + 1);
    await forgot('guest@example.com').expect(202);
    await settle();
    expect(t.mailer.resetLinks).toHaveLength(6);
  });

  test('does not wait for the mailer, and a failing mailer changes nothing in the answer (logged once, without the link)', async () => {
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const urls: string[] = [];
    const mailer: Mailer = {
      sendSecondFactorCode: async () => undefined,
      sendPasswordResetLink: async (mail) => {
        urls.push(mail.url);
        await slow;
        throw new Error('smtp down');
      },
    };
    await setup({ mailer });
    await forgot('guest@example.com').expect(202);
    release();
    await settle();
    expect(urls).toHaveLength(1);
    expect(t.logger.errors).toEqual(['[express-auth-kit] sending a password-reset link failed: smtp down']);
    expect(t.logger.errors.join('\n')).not.toContain(new URL(urls[0]!).searchParams.get('token'));
  });

  test('a mailer without sendPasswordResetLink: 503 unavailable on both routes, one coded warning', async () => {
    await setup({ mailer: { sendSecondFactorCode: async () => undefined } });
    const first = await forgot('guest@example.com');
    expect(first.status).toBe(503);
    expect(first.body.error).toBe('unavailable');
    await forgot('nobody@example.com').expect(503);
    await reset({ token: 'x'.repeat(43), newPassword: NEW_PASSWORD }).expect(503);
    expect(t.logger.warnings.filter((w) => w.includes('NO_RESET_MAILER'))).toHaveLength(1);
  });

  test('without the passwordReset option the routes are not mounted nor documented', async () => {
    t = await createTestApp();
    await request(t.app).post('/auth/password/forgot').send({ email: 'guest@example.com' }).expect(404);
    expect(Object.keys(t.auth.openapi().paths)).not.toContain('/auth/password/forgot');
  });

  test('refuses a body without an address', async () => {
    await setup();
    expect((await request(t.app).post('/auth/password/forgot').send({})).status).toBe(400);
    expect((await request(t.app).post('/auth/password/forgot').send({ email: 42 })).status).toBe(400);
    expect((await request(t.app).post('/auth/password/forgot')).status).toBe(400);
  });
});

describe('POST /auth/password/reset', () => {
  test('the mailed token sets the new password once; the old password stops working', async () => {
    await setup();
    const token = await mailedToken();
    const res = await reset({ token, newPassword: NEW_PASSWORD });
    expect(res.status).toBe(204);
    await postLogin(t, 'guest').expect(401);
    await postLogin(t, 'guest', { password: NEW_PASSWORD }).expect(200);
    const again = await reset({ token, newPassword: 'yet-another-password' });
    expect(again.status).toBe(400);
    expect(again.body.error).toBe('reset_token_invalid');
  });

  test('of 5 concurrent uses of one token exactly one succeeds', async () => {
    await setup();
    const token = await mailedToken();
    const answers = await Promise.all(
      Array.from({ length: 5 }, (_, i) => reset({ token, newPassword: `${NEW_PASSWORD}-${i}` })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([204, 400, 400, 400, 400]);
  });

  test('an expired, a replaced and an altered token are refused', async () => {
    await setup();
    const expired = await mailedToken();
    t.clock.advance(3600 * 1000 + 1);
    expect((await reset({ token: expired, newPassword: NEW_PASSWORD })).body.error).toBe('reset_token_invalid');

    const replaced = await mailedToken();
    const newer = await mailedToken();
    expect(newer).not.toBe(replaced);
    expect((await reset({ token: replaced, newPassword: NEW_PASSWORD })).body.error).toBe('reset_token_invalid');
    const altered = `${newer.slice(0, -1)}${newer.endsWith('A') ? 'B' : 'A'}`;
    expect((await reset({ token: altered, newPassword: NEW_PASSWORD })).body.error).toBe('reset_token_invalid');
    await reset({ token: newer, newPassword: NEW_PASSWORD }).expect(204);
  });

  test('a shorter tokenTtl applies; a longer one than 1h is refused at start-up, naming the option', async () => {
    await setup({ passwordReset: { urlTemplate: URL_TEMPLATE, tokenTtl: '10m' } });
    const token = await mailedToken();
    t.clock.advance(10 * 60 * 1000 + 1);
    expect((await reset({ token, newPassword: NEW_PASSWORD })).status).toBe(400);
    await t.close();
    await expect(createTestApp({ passwordReset: { urlTemplate: URL_TEMPLATE, tokenTtl: '2h' } })).rejects.toThrow(
      /passwordReset\.tokenTtl/,
    );
    await expect(createTestApp({ passwordReset: { urlTemplate: 'ftp://x/{token}' } })).rejects.toThrow(
      /passwordReset\.urlTemplate/,
    );
    await expect(
      createTestApp({
        passwordReset: { urlTemplate: URL_TEMPLATE, ttl: '1h' } as unknown as AuthOptions['passwordReset'],
      }),
    ).rejects.toThrow(/passwordReset\.ttl/);
    t = await createTestApp();
  });

  test('the password policy applies and the token stays usable', async () => {
    await setup();
    const token = await mailedToken();
    const weak = await reset({ token, newPassword: 'short' });
    expect(weak.status).toBe(400);
    expect(weak.body.error).toBe('weak_password');
    await reset({ token, newPassword: NEW_PASSWORD }).expect(204);
  });

  test('a password change after the mail voids the token', async () => {
    await setup();
    const token = await mailedToken();
    const access = (await postLogin(t, 'guest').expect(200)).body.accessToken as string;
    await request(t.app)
      .post('/auth/account/password')
      .set('Authorization', `Bearer ${access}`)
      .send({ currentPassword: PASSWORDS.guest, newPassword: 'changed-meanwhile' })
      .expect(204);
    const res = await reset({ token, newPassword: NEW_PASSWORD });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('reset_token_invalid');
  });

  test('ends every session of the user', async () => {
    await setup();
    const session = (await postLogin(t, 'guest').expect(200)).body.accessToken as string;
    await request(t.app).get('/api/protected').set('Authorization', `Bearer ${session}`).expect(200);
    await reset({ token: await mailedToken(), newPassword: NEW_PASSWORD }).expect(204);
    await request(t.app).get('/api/protected').set('Authorization', `Bearer ${session}`).expect(401);
  });

  test("forgives the account's failed logins", async () => {
    await setup({ lockout: { maxFailures: 3, window: '10m', duration: '10m' } });
    await postLogin(t, 'guest', { password: 'wrong-1' }).expect(401);
    await postLogin(t, 'guest', { password: 'wrong-2' }).expect(401);
    await reset({ token: await mailedToken(), newPassword: NEW_PASSWORD }).expect(204);
    await postLogin(t, 'guest', { password: 'wrong-3' }).expect(401);
    await postLogin(t, 'guest', { password: 'wrong-4' }).expect(401);
    await postLogin(t, 'guest', { password: NEW_PASSWORD }).expect(200);
  });

  test('lifts a lockout already in force: the owner can log in with the new password at once', async () => {
    await setup({ lockout: { maxFailures: 3, window: '10m', duration: '10m' } });
    for (let i = 0; i < 3; i += 1) await postLogin(t, 'guest', { password: `wrong-${i}` }).expect(401);
    await postLogin(t, 'guest').expect(403);
    await reset({ token: await mailedToken(), newPassword: NEW_PASSWORD }).expect(204);
    await postLogin(t, 'guest', { password: NEW_PASSWORD }).expect(200);
  });

  test("an EMAIL-factor user's link is the proof", async () => {
    await setup();
    await reset({ token: await mailedToken('user@example.com'), newPassword: NEW_PASSWORD }).expect(204);
  });

  describe('a user with an authenticator app', () => {
    let secret: string;
    const code = () => totpCode(secret, Math.floor(t.clock() / 30_000));

    beforeEach(async () => {
      await setup({ lockout: { maxFailures: 3, window: '10m', duration: '10m' } });
      secret = generateTotpSecret();
      t.users.update('3', { secondFactor: 'TOTP', totpSecret: secret });
    });

    test('must send a code: without one 400 tfa_required, and the token stays usable', async () => {
      const token = await mailedToken();
      const missing = await reset({ token, newPassword: NEW_PASSWORD });
      expect(missing.status).toBe(400);
      expect(missing.body.error).toBe('tfa_required');
      await reset({ token, newPassword: NEW_PASSWORD, code: code() }).expect(204);
    });

    test('a wrong code is 401 tfa_invalid, leaves the token usable, and does not count toward the login lockout', async () => {
      const token = await mailedToken();
      const wrong = code() === '000000' ? '111111' : '000000';
      const res = await reset({ token, newPassword: NEW_PASSWORD, code: wrong });
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('tfa_invalid');
      await reset({ token, newPassword: NEW_PASSWORD, code: wrong }).expect(401);
      await reset({ token, newPassword: NEW_PASSWORD, code: wrong }).expect(401);
      // The reset has its own budget (password-reset.security.test.ts): three wrong codes lock neither it nor the login.
      await postLogin(t, 'guest').expect(200);
      await reset({ token, newPassword: NEW_PASSWORD, code: code() }).expect(204);
    });
  });
});

describe('events', () => {
  test('password.reset_requested for a known address only, password.reset_completed; none carries a secret', async () => {
    await setup();
    await forgot('nobody@example.com').expect(202);
    const token = await mailedToken();
    await reset({ token, newPassword: NEW_PASSWORD }).expect(204);
    await settle();
    const names = events.map((e) => e.event);
    expect(names.filter((n) => n === 'password.reset_requested')).toHaveLength(1);
    expect(events.find((e) => e.event === 'password.reset_requested')).toMatchObject({ userId: '3' });
    expect(events.find((e) => e.event === 'password.reset_completed')).toMatchObject({ userId: '3' });
    const json = JSON.stringify(events);
    for (const secret of [token, NEW_PASSWORD, PASSWORDS.guest]) expect(json).not.toContain(secret);
  });
});

describe('utmstack: JHipster reset-password/init and /finish', () => {
  beforeEach(async () => {
    await setup({ preset: 'utmstack' });
  });

  const init = () => request(t.app).post('/api/account/reset-password/init');

  test('init takes the address as text/plain or as a JSON string, and answers 200 for any address', async () => {
    const text = await init().set('Content-Type', 'text/plain').send('guest@example.com');
    const json = await init().set('Content-Type', 'application/json').send(JSON.stringify('admin@example.com'));
    const unknown = await init().set('Content-Type', 'text/plain').send('nobody@example.com');
    expect(text.status).toBe(200);
    expect(observable(json, 'ratelimit')).toEqual(observable(text, 'ratelimit'));
    expect(observable(unknown, 'ratelimit')).toEqual(observable(text, 'ratelimit'));
    await settle();
    expect(t.mailer.resetLinks.map((m) => m.to).sort()).toEqual(['admin@example.com', 'guest@example.com']);
  });

  test('finish takes {key, newPassword}; a used key is 400', async () => {
    await init().set('Content-Type', 'text/plain').send('guest@example.com').expect(200);
    await settle();
    const key = new URL(t.mailer.resetLinks[0]!.url).searchParams.get('token')!;
    await expectUtmstackFinishOnce(t, { key, username: 'guest', newPassword: NEW_PASSWORD });
  });

  test('the OpenAPI document shows init taking a string or text', () => {
    const operation = t.auth.openapi().paths['/api/account/reset-password/init']!.post as {
      requestBody: { content: Record<string, unknown> };
    };
    expect(Object.keys(operation.requestBody.content).sort()).toEqual(['application/json', 'text/plain']);
  });
});
