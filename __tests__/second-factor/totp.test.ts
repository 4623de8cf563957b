// Authenticator apps (RFC 6238) over HTTP: re-authenticated enrolment, confirmation, TOTP login, and replay refusal.
import request from 'supertest';
import { totpCode } from '../../lib/primitives/totp';
import { createTestApp, PASSWORDS, type CreateTestAppOptions, type TestApp } from '../helpers/create-app';
import { challenge, loginToken } from '../helpers/session';

let t: TestApp;

afterEach(async () => {
  await t?.close();
});

/** The current RFC 6238 time step at the fake clock. */
const currentStep = (): number => Math.floor(t.clock() / 30_000);
const codeAt = (secret: string, step = currentStep()): string => totpCode(secret, step);

function enroll(accessToken: string, body: Record<string, unknown> = { password: PASSWORDS.guest }) {
  return request(t.app).post('/auth/tfa/totp/enroll').set('Authorization', `Bearer ${accessToken}`).send(body);
}

function confirm(accessToken: string, code: string) {
  return request(t.app).post('/auth/tfa/totp/confirm').set('Authorization', `Bearer ${accessToken}`).send({ code });
}

/** Enrols guest's authenticator app and returns its secret. */
async function enrolGuest(): Promise<string> {
  const access = await loginToken(t, 'guest');
  const secret = (await enroll(access).expect(200)).body.secret as string;
  await confirm(access, codeAt(secret)).expect(200);
  return secret;
}

async function totpChallenge(): Promise<string> {
  const { token, body } = await challenge(t, 'guest');
  expect(body).toMatchObject({ tfaRequired: true, method: 'TOTP' });
  return token;
}

function verify(challenge: string, code: string) {
  return request(t.app).post('/auth/tfa/verify').set('Authorization', `Bearer ${challenge}`).send({ code });
}

async function setup(options: CreateTestAppOptions = {}): Promise<void> {
  t = await createTestApp(options);
}

describe('TOTP enrolment', () => {
  beforeEach(() => setup());

  test('needs an access token', async () => {
    const res = await request(t.app).post('/auth/tfa/totp/enroll').send({ password: PASSWORDS.guest });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'token_missing' });
  });

  test('needs the password again: a wrong one is 401 and gives no secret, a missing one is 400', async () => {
    const access = await loginToken(t, 'guest');
    const wrong = await enroll(access, { password: 'not-the-password' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error: 'invalid_credentials', message: expect.any(String) });
    const missing = await enroll(access, {});
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ error: 'invalid_request' });
    expect((await t.users.findById('3'))?.secondFactor ?? null).toBeNull();
  });

  test('returns a base32 secret and its otpauth:// URI, and changes nothing until confirmed', async () => {
    const access = await loginToken(t, 'guest');
    const res = await enroll(access);

    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      secret: expect.stringMatching(/^[A-Z2-7]{32}$/),
      otpauthUri: expect.any(String),
      emailCodeSent: false,
    });
    expect(res.body.otpauthUri).toBe(
      `otpauth://totp/express-auth-kit:guest%40example.com?secret=${res.body.secret}&issuer=express-auth-kit&algorithm=SHA1&digits=6&period=30`,
    );
    expect(res.headers['cache-control']).toBe('no-store');
    // Not enrolled yet: the login still opens a session at once.
    const login = await request(t.app).post('/auth/login').send({ username: 'guest', password: PASSWORDS.guest });
    expect(login.body.accessToken).toEqual(expect.any(String));
    expect((await t.users.findById('3'))?.secondFactor ?? null).toBeNull();
  });

  test('is confirmed by a first code: a wrong one is refused, the right one turns TOTP on', async () => {
    const access = await loginToken(t, 'guest');
    const secret = (await enroll(access)).body.secret as string;

    const wrong = await confirm(access, codeAt(secret, currentStep() + 5));
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ error: 'tfa_invalid' });
    expect((await t.users.findById('3'))?.secondFactor ?? null).toBeNull();

    const ok = await confirm(access, codeAt(secret));
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ secondFactor: 'TOTP' });
    expect(await t.users.findById('3')).toMatchObject({ secondFactor: 'TOTP', totpSecret: secret });

    // The pending secret is used up: confirming again does nothing.
    t.clock.advance(30_000);
    expect((await confirm(access, codeAt(secret))).status).toBe(401);
  });

  test('the pending secret lapses after 10 minutes', async () => {
    const access = await loginToken(t, 'guest');
    const secret = (await enroll(access)).body.secret as string;
    t.clock.advance(10 * 60_000 + 1000);
    const res = await confirm(access, codeAt(secret));
    expect(res.status).toBe(401);
    expect((await t.users.findById('3'))?.secondFactor ?? null).toBeNull();
  });

  test('the issuer shown in the app comes from secondFactor.totpIssuer', async () => {
    await t.close();
    await setup({ secondFactor: { totpIssuer: 'ACME Corp' } });
    const res = await enroll(await loginToken(t, 'guest'));
    expect(res.body.otpauthUri).toMatch(
      /^otpauth:\/\/totp\/ACME%20Corp:guest%40example\.com\?secret=[A-Z2-7]{32}&issuer=ACME%20Corp&/,
    );
  });

  test('a user with the EMAIL factor can switch to an authenticator app, proving the email factor too', async () => {
    const login = await request(t.app).post('/auth/login').send({ username: 'user', password: PASSWORDS.user });
    const code = t.mailer.last('user@example.com')!.code;
    const access = (await verify(login.body.challengeToken as string, code)).body.accessToken as string;

    const enrolment = await enroll(access, { password: PASSWORDS.user });
    expect(enrolment.body.emailCodeSent).toBe(true);
    const secret = enrolment.body.secret as string;
    const emailCode = t.mailer.last('user@example.com')!.code;
    // The app's code alone is not enough: a stolen token plus the password must not swap the factor.
    await confirm(access, codeAt(secret)).expect(401);
    await request(t.app)
      .post('/auth/tfa/totp/confirm')
      .set('Authorization', `Bearer ${access}`)
      .send({ code: codeAt(secret), emailCode })
      .expect(200);

    t.clock.advance(30_000);
    const next = await request(t.app).post('/auth/login').send({ username: 'user', password: PASSWORDS.user });
    expect(next.body).toMatchObject({ tfaRequired: true, method: 'TOTP' });
    expect(t.mailer.sent).toHaveLength(2); // the first login's code and the enrolment's
  });

  test('wrong confirmations are capped: after 5 the pending enrolment is gone', async () => {
    const access = await loginToken(t, 'guest');
    const secret = (await enroll(access).expect(200)).body.secret as string;
    const right = codeAt(secret);
    for (let i = 0; i < 5; i++) await confirm(access, right === '000000' ? '000001' : '000000').expect(401);
    expect((await confirm(access, right).expect(401)).body.error).toBe('tfa_attempts_exceeded');
    expect(t.users.findById('3')?.secondFactor ?? null).toBeNull();
  });

  test('replacing an existing authenticator app needs a current code from it', async () => {
    const oldSecret = await enrolGuest();
    t.clock.advance(30_000);
    const login = await request(t.app).post('/auth/login').send({ username: 'guest', password: PASSWORDS.guest });
    const access = (await verify(login.body.challengeToken as string, codeAt(oldSecret))).body.accessToken as string;
    t.clock.advance(30_000);
    expect((await enroll(access, { password: PASSWORDS.guest })).status).toBe(401);
    const res = await enroll(access, { password: PASSWORDS.guest, currentCode: codeAt(oldSecret) });
    expect(res.status).toBe(200);
  });
});

describe('TOTP login', () => {
  beforeEach(() => setup());

  test('login answers method TOTP and mails nothing; a current code opens the session', async () => {
    const secret = await enrolGuest();
    t.clock.advance(30_000);

    const challenge = await totpChallenge();
    expect(t.mailer.sent).toHaveLength(0);
    const res = await verify(challenge, codeAt(secret));

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      user: { login: 'guest' },
    });
    expect(
      (await request(t.app).get('/api/protected').set('Authorization', `Bearer ${res.body.accessToken}`)).body,
    ).toMatchObject({ userId: '3' });
  });

  test('a wrong code is 401 tfa_invalid, and wrong codes spend the same attempt budget', async () => {
    const secret = await enrolGuest();
    t.clock.advance(30_000);
    const challenge = await totpChallenge();
    const wrong = codeAt(secret, currentStep() + 7);

    for (let i = 0; i < 5; i++) expect((await verify(challenge, wrong)).body).toMatchObject({ error: 'tfa_invalid' });
    const right = await verify(challenge, codeAt(secret));
    expect(right.status).toBe(401);
    expect(right.body).toMatchObject({ error: 'tfa_attempts_exceeded' });
  });

  test('a TOTP challenge has nothing to resend', async () => {
    await enrolGuest();
    t.clock.advance(30_000);
    const challenge = await totpChallenge();
    t.clock.advance(30_000);
    const res = await request(t.app).post('/auth/tfa/resend').set('Authorization', `Bearer ${challenge}`);
    expect(res.status).toBe(401);
    expect(t.mailer.sent).toHaveLength(0);
  });

  test("accepts the previous step's code (clock drift), but not one two steps old", async () => {
    const secret = await enrolGuest();
    t.clock.advance(5 * 30_000);
    const tooOld = await verify(await totpChallenge(), codeAt(secret, currentStep() - 2));
    expect(tooOld.status).toBe(401);
    const drifted = await verify(await totpChallenge(), codeAt(secret, currentStep() - 1));
    expect(drifted.status).toBe(200);
  });
});

describe('TOTP replay', () => {
  beforeEach(() => setup());

  test('a used time step is refused on replay, even on a new challenge; the next step is accepted', async () => {
    const secret = await enrolGuest();
    t.clock.advance(30_000);
    const code = codeAt(secret);

    expect((await verify(await totpChallenge(), code)).status).toBe(200);
    const replay = await verify(await totpChallenge(), code);
    expect(replay.status).toBe(401);
    expect(replay.body).toMatchObject({ error: 'tfa_invalid' });
    expect(replay.body.accessToken).toBeUndefined();

    t.clock.advance(30_000);
    expect((await verify(await totpChallenge(), codeAt(secret))).status).toBe(200);
  });

  test("an older step's code is refused after a newer one was used, though still inside the window", async () => {
    const secret = await enrolGuest();
    t.clock.advance(3 * 30_000);

    expect((await verify(await totpChallenge(), codeAt(secret))).status).toBe(200);
    const older = await verify(await totpChallenge(), codeAt(secret, currentStep() - 1));
    expect(older.status).toBe(401);
    expect(older.body).toMatchObject({ error: 'tfa_invalid' });
  });

  test('the code that confirmed the enrolment cannot be replayed to log in', async () => {
    const access = await loginToken(t, 'guest');
    const secret = (await enroll(access)).body.secret as string;
    const code = codeAt(secret);
    await confirm(access, code).expect(200);

    const replay = await verify(await totpChallenge(), code);
    expect(replay.status).toBe(401);
    expect(replay.body).toMatchObject({ error: 'tfa_invalid' });
  });
});

describe('utmstack preset with an authenticator app', () => {
  beforeEach(() => setup({ preset: 'utmstack' }));

  test('enrolment under /api/tfa/totp, then the login answers method "TOTP" and /api/tfa/verify accepts a current code', async () => {
    const admin = await request(t.app).post('/api/authenticate').send({ username: 'admin', password: PASSWORDS.admin });
    const bearer = `Bearer ${admin.body.token}`;
    const enrolment = await request(t.app)
      .post('/api/tfa/totp/enroll')
      .set('Authorization', bearer)
      .send({ password: PASSWORDS.admin });
    expect(enrolment.status).toBe(200);
    const secret = enrolment.body.secret as string;
    await request(t.app)
      .post('/api/tfa/totp/confirm')
      .set('Authorization', bearer)
      .send({ code: codeAt(secret) })
      .expect(200);

    t.clock.advance(30_000);
    const login = await request(t.app).post('/api/authenticate').send({ username: 'admin', password: PASSWORDS.admin });
    expect(login.body).toEqual({
      token: expect.any(String),
      id_token: login.body.token,
      success: true,
      authenticated: false,
      method: 'TOTP',
      tfaConfigured: true,
      forceTfa: true,
      tfaExpiresInSeconds: 300,
      firstLogin: false,
    });
    expect(login.headers.authorization).toBeUndefined();
    expect(t.mailer.sent).toHaveLength(0);

    const verified = await request(t.app)
      .post('/api/tfa/verify')
      .set('Authorization', `Bearer ${login.body.token}`)
      .send({ code: codeAt(secret) });
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ success: true, authenticated: true, tfaConfigured: true });
    expect(verified.headers.authorization).toBe(`Bearer ${verified.body.token}`);
    expect((await request(t.app).get('/api/admin').set('Authorization', `Bearer ${verified.body.token}`)).status).toBe(
      200,
    );
  });
});
