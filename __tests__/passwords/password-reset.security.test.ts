// Password reset under attack: a stranger's lockout burst cannot block the owner's recovery (issue 18 item 2), and
// the reset's own proofs cannot be brute-forced (a budget per token and per user, counted before any code is checked).
import request from 'supertest';
import type { AuthEvent } from '../../lib/core/events';
import { generateTotpSecret, totpCode } from '../../lib/primitives/totp';
import {
  closeAfterEach,
  createRecordingApp,
  createTestApp,
  PASSWORDS,
  type CreateTestAppOptions,
  type TestApp,
} from '../helpers/create-app';
import { settle } from '../helpers/session';

const URL_TEMPLATE = 'https://app.example/reset?token={token}';
const NEW_PASSWORD = 'a-brand-new-password';
const DEVICE_COOKIE = '__Host-eak-device';

let t: TestApp;
let events: AuthEvent[];
let secret: string;

closeAfterEach(() => t);

async function setup(options: CreateTestAppOptions = {}): Promise<void> {
  ({ t, events } = await createRecordingApp({
    passwordReset: { urlTemplate: URL_TEMPLATE },
    rateLimit: false,
    ...options,
  }));
  // guest (id 3) has an authenticator app; user (id 2) the emailed code.
  secret = generateTotpSecret();
  t.users.update('3', { secondFactor: 'TOTP', totpSecret: secret });
}

const code = (offsetSteps = 0) => totpCode(secret, Math.floor(t.clock() / 30_000) + offsetSteps);
/** A six-digit code that is none of the codes a ±1-step window accepts now. */
function wrongCode(i: number): string {
  const valid = new Set([code(-1), code(0), code(1)]);
  for (let n = i; ; n += 1) {
    const candidate = String((n * 7919) % 1_000_000).padStart(6, '0');
    if (!valid.has(candidate)) return candidate;
  }
}

async function mailedToken(email: string): Promise<string> {
  await request(t.app).post('/auth/password/forgot').send({ email }).expect(202);
  await settle();
  const mail = t.mailer.resetLinks.filter((m) => m.to === email).at(-1)!;
  return new URL(mail.url).searchParams.get('token')!;
}

function reset(body: Record<string, unknown>, deviceCookie?: string) {
  const req = request(t.app).post('/auth/password/reset');
  if (deviceCookie) req.set('Cookie', deviceCookie);
  return req.send(body);
}

function login(username: string, password: string) {
  return request(t.app).post('/auth/login').send({ username, password });
}

function deviceCookieOf(res: request.Response): string {
  const cookie = ([] as string[])
    .concat(res.headers['set-cookie'] ?? [])
    .find((line) => line.startsWith(`${DEVICE_COOKIE}=`));
  expect(cookie).toBeDefined();
  return cookie!.split(';')[0]!;
}

/** The owner's device cookie, from a completed login (with the second factor where the user has one). */
async function ownerDevice(username: 'guest' | 'user'): Promise<string> {
  const first = await login(username, PASSWORDS[username]).expect(200);
  const challenge = first.body.challengeToken as string | undefined;
  if (challenge === undefined) return deviceCookieOf(first);
  const answer = username === 'guest' ? code() : t.mailer.last('user@example.com')!.code;
  const verified = await request(t.app)
    .post('/auth/tfa/verify')
    .set('Authorization', `Bearer ${challenge}`)
    .send({ code: answer })
    .expect(200);
  // The step just used stays spent: move on to a fresh one for the reset's code.
  t.clock.advance(30_000);
  return deviceCookieOf(verified);
}

/** Eleven wrong logins from a stranger: the account is locked for logins. */
async function lockOutByStranger(username: string): Promise<void> {
  for (let i = 0; i < 11; i += 1) await login(username, `stranger-guess-${i}`);
  expect((await login(username, `stranger-guess-final`)).body.error).toBe('login_blocked');
}

describe("a stranger's lockout burst cannot block the owner's reset", () => {
  test.each([
    ['an EMAIL-factor user, without a device cookie', 'user', false],
    ['an EMAIL-factor user, with the device cookie', 'user', true],
    ['a TOTP user, without a device cookie', 'guest', false],
    ['a TOTP user, with the device cookie', 'guest', true],
  ] as const)('%s finishes the reset and logs in with the new password', async (_name, username, withDevice) => {
    await setup();
    const device = withDevice ? await ownerDevice(username) : undefined;
    const email = `${username}@example.com`;
    const token = await mailedToken(email);
    await lockOutByStranger(username);
    const body =
      username === 'guest' ? { token, newPassword: NEW_PASSWORD, code: code() } : { token, newPassword: NEW_PASSWORD };
    const res = await reset(body, device);
    expect(res.body).toEqual({});
    expect(res.status).toBe(204);
    // The reset lifts the lockout: the owner is back in at once.
    const back = await login(username, NEW_PASSWORD);
    expect(back.status).toBe(200);
  });

  test('a TOTP user with a recovery code also gets through a lockout', async () => {
    await setup();
    const hash = await import('../../lib/core/second-factor');
    await t.users.replaceRecoveryCodes('3', [hash.recoveryCodeHash('3', 'AAAABBBBCCCC')]);
    const token = await mailedToken('guest@example.com');
    await lockOutByStranger('guest');
    await reset({ token, newPassword: NEW_PASSWORD, recoveryCode: 'AAAA-BBBB-CCCC' }).expect(204);
  });

  test('utmstack /account/reset-password/finish: an EMAIL-factor user gets through a lockout', async () => {
    await t?.close();
    t = await createTestApp({ preset: 'utmstack', passwordReset: { urlTemplate: URL_TEMPLATE }, rateLimit: false });
    await request(t.app)
      .post('/api/account/reset-password/init')
      .set('Content-Type', 'text/plain')
      .send('user@example.com')
      .expect(200);
    await settle();
    const key = new URL(t.mailer.resetLinks.at(-1)!.url).searchParams.get('token')!;
    for (let i = 0; i < 11; i += 1)
      await request(t.app)
        .post('/api/authenticate')
        .send({ username: 'user', password: `guess-${i}` });
    expect((await request(t.app).post('/api/authenticate').send({ username: 'user', password: 'guess' })).status).toBe(
      403,
    );
    await request(t.app)
      .post('/api/account/reset-password/finish')
      .send({ key, newPassword: NEW_PASSWORD })
      .expect(200);
  });

  test("wrong reset codes do not lock the owner's login", async () => {
    await setup();
    const token = await mailedToken('guest@example.com');
    for (let i = 0; i < 4; i += 1)
      expect((await reset({ token, newPassword: NEW_PASSWORD, code: wrongCode(i) })).body.error).toBe('tfa_invalid');
    // Four wrong codes with the reset token did not count toward the login lockout: ten wrong passwords still answer 401.
    for (let i = 0; i < 10; i += 1) expect((await login('guest', `guess-${i}`)).status).toBe(401);
  });
});

describe('a reset cannot be brute-forced', () => {
  test('5 wrong codes with a valid token, then the token is dead, even for the right code', async () => {
    await setup();
    const token = await mailedToken('guest@example.com');
    for (let i = 0; i < 5; i += 1) {
      const res = await reset({ token, newPassword: NEW_PASSWORD, code: wrongCode(i) });
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('tfa_invalid');
    }
    const dead = await reset({ token, newPassword: NEW_PASSWORD, code: code() });
    expect(dead.status).toBe(400);
    expect(dead.body.error).toBe('reset_token_invalid');
    await login('guest', PASSWORDS.guest).expect(200);
  });

  test('a concurrent burst of 40 wrong codes evaluates at most 5, and the token is then dead', async () => {
    await setup();
    const token = await mailedToken('guest@example.com');
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => reset({ token, newPassword: NEW_PASSWORD, code: wrongCode(i) })),
    );
    const checked = answers.filter((a) => a.body.error === 'tfa_invalid');
    expect(checked.length).toBeLessThanOrEqual(5);
    expect(answers.every((a) => a.status === 401 || a.body.error === 'reset_token_invalid')).toBe(true);
    expect(events.filter((e) => e.event === 'tfa.failed').length).toBeLessThanOrEqual(5);
    expect((await reset({ token, newPassword: NEW_PASSWORD, code: code() })).body.error).toBe('reset_token_invalid');
  });

  test('new tokens do not renew the budget: past 10 wrong codes per user, resets are refused for a while (429)', async () => {
    await setup();
    for (let round = 0; round < 2; round += 1) {
      const token = await mailedToken('guest@example.com');
      for (let i = 0; i < 5; i += 1)
        expect((await reset({ token, newPassword: NEW_PASSWORD, code: wrongCode(round * 5 + i) })).body.error).toBe(
          'tfa_invalid',
        );
    }
    const token = await mailedToken('guest@example.com');
    const refused = await reset({ token, newPassword: NEW_PASSWORD, code: code() });
    expect(refused.status).toBe(429);
    expect(refused.body.error).toBe('rate_limited');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // The token was not spent by the refusal: after the window, it works (within its own life).
    t.clock.advance(60 * 60 * 1000 + 1);
    const later = await mailedToken('guest@example.com');
    await reset({ token: later, newPassword: NEW_PASSWORD, code: code() }).expect(204);
  });

  test("the owner's device has its own reset budget: a mailbox thief's wrong codes do not exhaust it", async () => {
    await setup();
    const device = await ownerDevice('guest');
    for (let round = 0; round < 2; round += 1) {
      const token = await mailedToken('guest@example.com');
      for (let i = 0; i < 5; i += 1)
        await reset({ token, newPassword: NEW_PASSWORD, code: wrongCode(round * 5 + i) }).expect(401);
    }
    const token = await mailedToken('guest@example.com');
    expect((await reset({ token, newPassword: NEW_PASSWORD, code: code() })).status).toBe(429);
    await reset({ token, newPassword: NEW_PASSWORD, code: code() }, device).expect(204);
  });

  test('guessed tokens are refused alike and rate limited per address', async () => {
    await t?.close();
    t = await createTestApp({
      passwordReset: { urlTemplate: URL_TEMPLATE },
      rateLimit: { credentials: { limit: 5, window: '1m' } },
    });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i += 1)
      statuses.push((await reset({ token: `guess-${i}-${'x'.repeat(40)}`, newPassword: NEW_PASSWORD })).status);
    expect(statuses).toEqual([400, 400, 400, 400, 400, 429, 429]);
  });
});
