// Recovery codes over HTTP: generated with the password and the current factor, shown once, each completing a login
// once (also under concurrent use), a new set voiding the old one, counted like any code guess, and a notice mailed.
import request from 'supertest';
import type { AuthEvent } from '../../lib/core/events';
import { generateTotpSecret, totpCode } from '../../lib/primitives/totp';
import { MemoryUserStore } from '../../lib';
import {
  closeAfterEach,
  createRecordingApp,
  createTestApp,
  demoUsers,
  PASSWORDS,
  type CreateTestAppOptions,
  type TestApp,
} from '../helpers/create-app';
import { challengeToken, settle, verifyChallenge } from '../helpers/session';

let t: TestApp;
let events: AuthEvent[];
let secret: string;

closeAfterEach(() => t);

const code = () => totpCode(secret, Math.floor(t.clock() / 30_000));

/** guest (id 3) with an authenticator app. */
async function setup(options: CreateTestAppOptions = {}): Promise<void> {
  ({ t, events } = await createRecordingApp(options));
  secret = generateTotpSecret();
  t.users.update('3', { secondFactor: 'TOTP', totpSecret: secret });
}

async function accessToken(): Promise<string> {
  const res = await verifyChallenge(t, await challengeToken(t, 'guest'), { code: code() });
  expect(res.status).toBe(200);
  // The login's TOTP step is spent; the next code comes from the next step.
  t.clock.advance(30_000);
  return res.body.accessToken as string;
}

function generate(access: string, body: Record<string, unknown>) {
  return request(t.app).post('/auth/tfa/recovery-codes').set('Authorization', `Bearer ${access}`).send(body);
}

async function newCodes(): Promise<string[]> {
  const res = await generate(await accessToken(), { password: PASSWORDS.guest, code: code() });
  expect(res.status).toBe(200);
  t.clock.advance(30_000);
  return res.body.codes as string[];
}

describe('POST /auth/tfa/recovery-codes', () => {
  test('answers ten distinct XXXX-XXXX-XXXX base32 codes, with the password and a current app code', async () => {
    await setup();
    const codes = await newCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) expect(c).toMatch(/^[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$/);
  });

  test('refuses a wrong password (401) and a missing or wrong app code (401 tfa_invalid)', async () => {
    await setup();
    const access = await accessToken();
    expect((await generate(access, { password: 'wrong-password', code: code() })).status).toBe(401);
    const missing = await generate(access, { password: PASSWORDS.guest });
    expect(missing.status).toBe(401);
    expect(missing.body.error).toBe('tfa_invalid');
  });

  test('a user without a second factor gets 400: there is nothing to recover', async () => {
    await setup();
    const login = await request(t.app)
      .post('/auth/login')
      .send({ username: 'admin', password: PASSWORDS.admin })
      .expect(200);
    const res = await generate(login.body.accessToken as string, { password: PASSWORDS.admin });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
  });

  test('an EMAIL-factor user needs only the password with a token from a login that passed the emailed code', async () => {
    await setup();
    const ch = await challengeToken(t, 'user');
    const login = await verifyChallenge(t, ch, { code: t.mailer.last('user@example.com')!.code }).expect(200);
    const res = await generate(login.body.accessToken as string, { password: PASSWORDS.user });
    expect(res.status).toBe(200);
    expect(res.body.codes).toHaveLength(10);
  });

  test('an API key is not enough', async () => {
    await setup();
    const access = await accessToken();
    const key = await request(t.app)
      .post('/auth/api-keys')
      .set('Authorization', `Bearer ${access}`)
      .send({ name: 'k', password: PASSWORDS.guest, code: code() })
      .expect(201);
    t.clock.advance(30_000);
    const res = await generate(key.body.key as string, { password: PASSWORDS.guest, code: code() });
    expect(res.status).toBe(401);
  });
});

describe('a recovery code at POST /auth/tfa/verify', () => {
  test('completes a login once; the same code again is refused; other codes still work', async () => {
    await setup();
    const [first, second] = await newCodes();
    await verifyChallenge(t, await challengeToken(t, 'guest'), { recoveryCode: first }).expect(200);
    const again = await verifyChallenge(t, await challengeToken(t, 'guest'), { recoveryCode: first });
    expect(again.status).toBe(401);
    expect(again.body.error).toBe('tfa_invalid');
    // Case and dashes do not matter.
    await verifyChallenge(t, await challengeToken(t, 'guest'), {
      recoveryCode: second!.toLowerCase().replace(/-/g, ''),
    }).expect(200);
  });

  test('of 5 concurrent logins with one code exactly one succeeds', async () => {
    await setup();
    const [only] = await newCodes();
    const challenges = await Promise.all(Array.from({ length: 5 }, () => challengeToken(t, 'guest')));
    const answers = await Promise.all(challenges.map((ch) => verifyChallenge(t, ch, { recoveryCode: only })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 401, 401, 401, 401]);
  });

  test('the account shows how many recovery codes remain', async () => {
    await setup();
    const account = async () =>
      (
        await request(t.app)
          .get('/auth/account')
          .set('Authorization', `Bearer ${await accessToken()}`)
          .expect(200)
      ).body;
    expect((await account()).recoveryCodesRemaining).toBeNull();
    const [first] = await newCodes();
    expect((await account()).recoveryCodesRemaining).toBe(10);
    await verifyChallenge(t, await challengeToken(t, 'guest'), { recoveryCode: first }).expect(200);
    t.clock.advance(30_000);
    expect((await account()).recoveryCodesRemaining).toBe(9);
  });

  test('a new set voids the old one', async () => {
    await setup();
    const old = await newCodes();
    const fresh = await newCodes();
    await verifyChallenge(t, await challengeToken(t, 'guest'), { recoveryCode: old[0] }).expect(401);
    await verifyChallenge(t, await challengeToken(t, 'guest'), { recoveryCode: fresh[0] }).expect(200);
  });

  test('wrong recovery codes count toward the account lockout', async () => {
    await setup({ lockout: { maxFailures: 3, window: '10m', duration: '10m' } });
    const codes = await newCodes();
    const ch = await challengeToken(t, 'guest');
    // The password step reserved one attempt of three; two wrong codes use up the rest and lock the account.
    for (let i = 0; i < 2; i++) await verifyChallenge(t, ch, { recoveryCode: 'AAAA-AAAA-AAAA' }).expect(401);
    const locked = await verifyChallenge(t, ch, { recoveryCode: codes[0] });
    expect(locked.status).toBe(403);
    expect(locked.body.error).toBe('login_blocked');
  });

  test('code and recoveryCode together, or neither, is 400', async () => {
    await setup();
    const ch = await challengeToken(t, 'guest');
    expect((await verifyChallenge(t, ch, {})).status).toBe(400);
    expect((await verifyChallenge(t, ch, { code: '123456', recoveryCode: 'AAAA-AAAA-AAAA' })).status).toBe(400);
  });

  test('mails the user a notice with the codes left, and emits recovery_code.used and tfa.verified without secrets', async () => {
    await setup();
    const codes = await newCodes();
    await verifyChallenge(t, await challengeToken(t, 'guest'), { recoveryCode: codes[3] }).expect(200);
    await settle();
    expect(t.mailer.recoveryCodeNotices).toEqual([
      { to: 'guest@example.com', displayName: 'guest', login: 'guest', remaining: 9 },
    ]);
    expect(events.find((e) => e.event === 'recovery_code.used')).toMatchObject({
      userId: '3',
      method: 'recovery_code',
    });
    expect(events.find((e) => e.event === 'tfa.verified' && e.method === 'recovery_code')).toMatchObject({
      userId: '3',
    });
    const json = JSON.stringify(events);
    for (const c of codes) expect(json).not.toContain(c);
    expect(json).not.toContain(PASSWORDS.guest);
  });

  test('a recovery code stands in for the app at a password reset', async () => {
    await setup({ passwordReset: { urlTemplate: 'https://app.example/reset?token={token}' } });
    const codes = await newCodes();
    await request(t.app).post('/auth/password/forgot').send({ email: 'guest@example.com' }).expect(202);
    await settle();
    const token = new URL(t.mailer.resetLinks[0]!.url).searchParams.get('token')!;
    await request(t.app)
      .post('/auth/password/reset')
      .send({ token, newPassword: 'a-brand-new-password', recoveryCode: 'AAAA-AAAA-AAAA' })
      .expect(401);
    await request(t.app)
      .post('/auth/password/reset')
      .send({ token, newPassword: 'a-brand-new-password', recoveryCode: codes[0] })
      .expect(204);
    await verifyChallenge(t, await challengeToken(t, 'guest', { password: 'a-brand-new-password' }), {
      recoveryCode: codes[0],
    }).expect(401);
  });
});

describe('second-factor events', () => {
  test('tfa.sent, tfa.failed (with the reason) and tfa.verified, without the code', async () => {
    await setup();
    const ch = await challengeToken(t, 'user');
    const mailed = t.mailer.last('user@example.com')!.code;
    await verifyChallenge(t, ch, { code: mailed === '000000' ? '111111' : '000000' }).expect(401);
    await verifyChallenge(t, ch, { code: mailed }).expect(200);
    await settle();
    expect(
      events.filter((e) => e.event.startsWith('tfa.')).map((e) => [e.event, e.userId, e.method, e.reason]),
    ).toEqual([
      ['tfa.sent', '2', 'EMAIL', undefined],
      ['tfa.failed', '2', 'EMAIL', 'tfa_invalid'],
      ['tfa.verified', '2', 'EMAIL', undefined],
    ]);
    expect(JSON.stringify(events)).not.toContain(mailed);
  });
});

describe('without a store that keeps recovery codes', () => {
  test('the route is not mounted, and a recoveryCode at verify is refused like a wrong code', async () => {
    // A host's store without the optional pair: own properties shadow MemoryUserStore's methods.
    const users = new MemoryUserStore(await demoUsers(() => Date.UTC(2026, 0, 1)));
    Object.assign(users, { replaceRecoveryCodes: undefined, consumeRecoveryCode: undefined });
    secret = generateTotpSecret();
    users.update('3', { secondFactor: 'TOTP', totpSecret: secret });
    t = await createTestApp({ users });
    expect(Object.keys(t.auth.openapi().paths)).not.toContain('/auth/tfa/recovery-codes');
    await request(t.app).post('/auth/tfa/recovery-codes').send({ password: PASSWORDS.guest }).expect(404);
    const res = await verifyChallenge(t, await challengeToken(t, 'guest'), { recoveryCode: 'AAAA-AAAA-AAAA' });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('tfa_invalid');
  });
});
