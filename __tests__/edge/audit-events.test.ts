// Audit events: every event in the catalogue is emitted by the flow that causes it, none carries a secret the test
// used, and a handler that throws or never resolves changes no answer.
import request from 'supertest';
import { totpCode } from '../../lib/primitives/totp';
import type { AuthEvent, AuthEventName } from '../../lib';
import { createRecordingApp, PASSWORDS, type CreateTestAppOptions, type TestApp } from '../helpers/create-app';
import { login, settle } from '../helpers/session';

const CATALOGUE: AuthEventName[] = [
  'login.succeeded',
  'login.failed',
  'lockout.started',
  'tfa.sent',
  'tfa.verified',
  'tfa.failed',
  'recovery_code.used',
  'password.changed',
  'password.reset_requested',
  'password.reset_completed',
  'session.ended',
  'sessions.ended_all',
  'refresh.reuse_detected',
  'api_key.created',
  'api_key.used_failed',
  'api_key.deleted',
  'user.registered',
  'user.verified',
  'device.trusted',
  'devices.untrusted',
];
const URL_TEMPLATE = 'https://app.example/reset?token={token}';

let t: TestApp;
let events: AuthEvent[];
/** Every secret the flow handles: none may appear in an event. */
const secrets = new Set<string>(Object.values(PASSWORDS));

async function setup(options: CreateTestAppOptions = {}): Promise<void> {
  ({ t, events } = await createRecordingApp({
    rateLimit: false,
    passwordReset: { urlTemplate: URL_TEMPLATE },
    registration: { urlTemplate: 'https://app.example/verify-email?token={token}' },
    ...options,
  }));
}

afterEach(async () => {
  await t.close();
});

const keep = <T extends string | undefined>(value: T): T => {
  if (value) secrets.add(value);
  return value;
};

async function loginToken(
  username: keyof typeof PASSWORDS,
  password: string = PASSWORDS[username],
): Promise<{ accessToken: string; refreshToken: string }> {
  const session = await login(t, username, { password, headers: { 'User-Agent': 'Audit/1.0' } });
  keep(session.accessToken);
  keep(session.refreshToken);
  return session;
}

test('every event of the catalogue is emitted by its flow, with time, request id and client, and no secret', async () => {
  await setup({ trustedDevices: true });
  // login.succeeded, login.failed, lockout.started
  const admin = await loginToken('admin');
  for (let i = 0; i < 10; i += 1)
    await request(t.app)
      .post('/auth/login')
      .send({ username: 'expired', password: keep(`wrong-password-${i}`) });

  // tfa.sent, tfa.failed, tfa.verified (the emailed code of "user"), device.trusted (devices.untrusted at log out everywhere)
  const challenge = keep(
    (await request(t.app).post('/auth/login').send({ username: 'user', password: PASSWORDS.user })).body
      .challengeToken as string,
  );
  await request(t.app)
    .post('/auth/tfa/verify')
    .set('Authorization', `Bearer ${challenge}`)
    .send({ code: '000000' })
    .expect(401);
  const code = keep(t.mailer.last('user@example.com')?.code);
  const verified = await request(t.app)
    .post('/auth/tfa/verify')
    .set('Authorization', `Bearer ${challenge}`)
    .send({ code, rememberDevice: true })
    .expect(200);
  keep(verified.body.accessToken);
  for (const cookie of (verified.headers['set-cookie'] as unknown as string[]) ?? [])
    keep(cookie.split(';')[0]!.split('=')[1]);
  keep(verified.body.refreshToken);

  // recovery_code.used: guest enrols an authenticator app, makes recovery codes, logs in with one
  const guest = await loginToken('guest');
  const enrolment = await request(t.app)
    .post('/auth/tfa/totp/enroll')
    .set('Authorization', `Bearer ${guest.accessToken}`)
    .send({ password: PASSWORDS.guest })
    .expect(200);
  const secret = keep(enrolment.body.secret as string);
  const step = () => totpCode(secret, Math.floor(t.clock() / 30_000));
  await request(t.app)
    .post('/auth/tfa/totp/confirm')
    .set('Authorization', `Bearer ${guest.accessToken}`)
    .send({ code: keep(step()) })
    .expect(200);
  t.clock.advance(30_000);
  const totpChallenge = keep(
    (await request(t.app).post('/auth/login').send({ username: 'guest', password: PASSWORDS.guest })).body
      .challengeToken as string,
  );
  const totpSession = await request(t.app)
    .post('/auth/tfa/verify')
    .set('Authorization', `Bearer ${totpChallenge}`)
    .send({ code: keep(step()) })
    .expect(200);
  keep(totpSession.body.accessToken);
  t.clock.advance(30_000);
  const codes = await request(t.app)
    .post('/auth/tfa/recovery-codes')
    .set('Authorization', `Bearer ${totpSession.body.accessToken}`)
    .send({ password: PASSWORDS.guest, code: keep(step()) })
    .expect(200);
  (codes.body.codes as string[]).forEach(keep);
  const recoveryChallenge = keep(
    (await request(t.app).post('/auth/login').send({ username: 'guest', password: PASSWORDS.guest })).body
      .challengeToken as string,
  );
  await request(t.app)
    .post('/auth/tfa/verify')
    .set('Authorization', `Bearer ${recoveryChallenge}`)
    .send({ recoveryCode: codes.body.codes[0] })
    .expect(200);

  // password.reset_requested, password.reset_completed
  await request(t.app).post('/auth/password/forgot').send({ email: 'admin@example.com' }).expect(202);
  await settle(30);
  const link = keep(t.mailer.resetLinks.at(-1)?.url);
  const resetToken = keep(new URL(link!).searchParams.get('token') ?? undefined);
  await request(t.app)
    .post('/auth/password/reset')
    .send({ token: resetToken, newPassword: keep('a-new-admin-password') })
    .expect(204);

  // api_key.created, api_key.used_failed, api_key.deleted
  const fresh = await request(t.app)
    .post('/auth/login')
    .send({ username: 'admin', password: 'a-new-admin-password' })
    .expect(200);
  keep(fresh.body.accessToken);
  const created = await request(t.app)
    .post('/auth/api-keys')
    .set('Authorization', `Bearer ${fresh.body.accessToken}`)
    .send({ name: 'ci', password: 'a-new-admin-password' })
    .expect(201);
  keep(created.body.key);
  await request(t.app)
    .get('/api/protected')
    .set('Authorization', `Bearer ${keep(`eak_${'A'.repeat(32)}`)}`)
    .expect(401);
  await request(t.app)
    .delete(`/auth/api-keys/${created.body.id}`)
    .set('Authorization', `Bearer ${fresh.body.accessToken}`)
    .expect(204);

  // password.changed, session.ended, sessions.ended_all, refresh.reuse_detected
  const other = await loginToken('admin', 'a-new-admin-password');
  await request(t.app).post('/auth/logout').send({ refreshToken: other.refreshToken }).expect(204);
  const rotating = await loginToken('admin', 'a-new-admin-password');
  await request(t.app).post('/auth/token/refresh').send({ refreshToken: rotating.refreshToken }).expect(200);
  t.clock.advance(31_000);
  await request(t.app).post('/auth/token/refresh').send({ refreshToken: rotating.refreshToken }).expect(401);
  const changer = await loginToken('admin', 'a-new-admin-password');
  await request(t.app)
    .post('/auth/account/password')
    .set('Authorization', `Bearer ${changer.accessToken}`)
    .send({ currentPassword: 'a-new-admin-password', newPassword: keep('yet-another-admin-password') })
    .expect(204);
  await request(t.app).post('/auth/logout/all').set('Authorization', `Bearer ${verified.body.accessToken}`).expect(204);
  expect(admin.accessToken).toBeDefined();

  // user.registered, user.verified
  await request(t.app)
    .post('/auth/register')
    .send({ username: 'newbie', email: 'newbie@example.org', password: keep('a-newbie-password') })
    .expect(202);
  await settle(30);
  const verificationLink = keep(t.mailer.verificationLinks.at(-1)?.url);
  await request(t.app)
    .post('/auth/register/verify')
    .send({ token: keep(new URL(verificationLink!).searchParams.get('token')!) })
    .expect(204);

  await settle(30);
  const names = new Set(events.map((event) => event.event));
  expect([...CATALOGUE].filter((name) => !names.has(name))).toEqual([]);
  expect([...names].filter((name) => !CATALOGUE.includes(name))).toEqual([]);
  for (const event of events) {
    expect(event.at).toMatch(/^\d{4}-\d\d-\d\dT/);
    const text = JSON.stringify(event);
    for (const secret of secrets)
      if (secret && secret.length >= 6)
        expect(`${event.event}: ${text.includes(secret) ? secret : 'clean'}`).toBe(`${event.event}: clean`);
  }
  const loginEvent = events.find((event) => event.event === 'login.succeeded')!;
  expect(loginEvent).toMatchObject({
    userId: '1',
    requestId: expect.any(String),
    client: { userAgent: 'Audit/1.0', network: expect.any(String) },
  });
  expect(events.find((event) => event.event === 'login.failed')).toMatchObject({
    reason: 'invalid_credentials',
    userId: '4',
  });
  expect(events.find((event) => event.event === 'lockout.started')).toMatchObject({
    userId: '4',
    until: expect.any(String),
  });
});

test.each([
  [
    'throws',
    () => {
      throw new Error('audit sink down');
    },
  ],
  ['never resolves', () => new Promise<void>(() => undefined)],
  ['rejects', () => Promise.reject(new Error('audit sink down'))],
])('a handler that %s changes no answer, and is reported once', async (_what, handler) => {
  await setup({ onEvent: handler });
  const started = Date.now();
  for (let i = 0; i < 3; i += 1) {
    const ok = await request(t.app).post('/auth/login').send({ username: 'admin', password: PASSWORDS.admin });
    expect(ok.status).toBe(200);
    const wrong = await request(t.app).post('/auth/login').send({ username: 'admin', password: 'wrong-password' });
    expect(wrong.status).toBe(401);
  }
  expect(Date.now() - started).toBeLessThan(5000);
  await settle(30);
  const reported = t.logger.warnings.filter((warning) => warning.includes('EVENT_HANDLER_FAILED'));
  expect(reported.length).toBe(_what === 'never resolves' ? 0 : 1);
  expect(reported.join('\n')).not.toContain(PASSWORDS.admin);
});
