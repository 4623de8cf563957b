// The emailed second factor over HTTP, codes read from a real in-process SMTP server: utmstack and default presets.
import request from 'supertest';
import { NodemailerMailer } from '../../lib';
import { createTestApp, PASSWORDS, type CreateTestAppOptions, type TestApp } from '../helpers/create-app';
import { extractCode, startSmtpServer, type TestSmtpServer } from '../helpers/smtp-server';
import { utmstackEmailChallenge } from '../helpers/utmstack';
import { claimsOf, postLogin } from '../helpers/session';

interface SmtpTestApp extends TestApp {
  smtp: TestSmtpServer;
}

let t: SmtpTestApp;

async function setup(options: CreateTestAppOptions = {}): Promise<SmtpTestApp> {
  const smtp = await startSmtpServer();
  const mailer = new NodemailerMailer({ transport: smtp.url, from: 'Auth <no-reply@auth.test>' });
  const app = await createTestApp({ mailer, ...options });
  return {
    ...app,
    smtp,
    close: async () => {
      mailer.close();
      await app.close();
      await smtp.close();
    },
  };
}

afterEach(async () => {
  await t?.close();
});

/** The code in the next not-yet-read message to `to`. */
async function nextCode(to: string): Promise<string> {
  const message = await t.smtp.waitForMessage((m) => m.to.includes(to));
  const code = extractCode(message.raw);
  if (code === undefined) throw new Error('no code in the message');
  return code;
}

describe('utmstack preset: POST /api/authenticate then POST /api/tfa/verify', () => {
  beforeEach(async () => {
    t = await setup({ preset: 'utmstack' });
  });

  async function login(body: Record<string, unknown> = {}) {
    return postLogin(t, 'user', { body: { rememberMe: false, ...body } });
  }

  test("the login answers a challenge in UTMStack's shape, with no Authorization header, and mails a 6-digit code", async () => {
    const res = await login();

    expect(res.status).toBe(200);
    expect(res.body).toEqual(utmstackEmailChallenge());
    expect(res.headers.authorization).toBeUndefined();
    const claims = claimsOf(res.body.token);
    expect(claims).toMatchObject({ sub: '2', usefor: 'tfa', cid: expect.any(String) });
    expect((claims.exp as number) - (claims.iat as number)).toBe(300);
    expect(claims.auth).toBeUndefined(); // no authorities: nothing a guard could read as a role

    const code = await nextCode('user@example.com');
    expect(code).toMatch(/^[0-9]{6}$/);
    expect(t.smtp.messages).toHaveLength(1);
    // The password step alone does not count as a login.
    expect((await t.users.findById('2'))?.lastLoginAt ?? null).toBeNull();
  });

  test('the right code answers the full login response with the Authorization header, and the token works', async () => {
    const challenge = (await login()).body.token as string;
    const code = await nextCode('user@example.com');

    const res = await request(t.app).post('/api/tfa/verify').set('Authorization', `Bearer ${challenge}`).send({ code });

    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      token: expect.any(String),
      id_token: res.body.token,
      success: true,
      authenticated: true,
      method: null,
      tfaConfigured: true,
      forceTfa: false,
      tfaExpiresInSeconds: 0,
      firstLogin: true,
    });
    expect(res.headers.authorization).toBe(`Bearer ${res.body.token}`);
    const claims = claimsOf(res.body.token);
    expect(claims).toMatchObject({ sub: 'user', uid: '2', usefor: 'access', auth: 'ROLE_USER' });
    expect((claims.exp as number) - (claims.iat as number)).toBe(24 * 3600);
    expect((await t.users.findById('2'))?.lastLoginAt).toEqual(new Date(t.clock()));

    const bearer = `Bearer ${res.body.token}`;
    const account = await request(t.app).get('/api/account').set('Authorization', bearer);
    expect(account.status).toBe(200);
    expect(account.body).toMatchObject({ id: 2, login: 'user', email: 'user@example.com', authorities: ['ROLE_USER'] });
    const status = await request(t.app).get('/api/authenticate').set('Authorization', bearer);
    expect(status.status).toBe(200);
    expect(status.text).toBe('user');
    expect((await request(t.app).get('/api/protected').set('Authorization', bearer)).body).toMatchObject({
      userId: '2',
    });
  });

  test('a second login after the first one reports firstLogin false', async () => {
    const first = (await login()).body.token as string;
    await request(t.app)
      .post('/api/tfa/verify')
      .set('Authorization', `Bearer ${first}`)
      .send({ code: await nextCode('user@example.com') })
      .expect(200);

    const again = await login();
    expect(again.body).toMatchObject({ success: true, authenticated: false, firstLogin: false });
    const verified = await request(t.app)
      .post('/api/tfa/verify')
      .set('Authorization', `Bearer ${again.body.token}`)
      .send({ code: await nextCode('user@example.com') });
    expect(verified.body).toMatchObject({ success: true, firstLogin: false });
  });

  test('a wrong code is 401 tfa_invalid, and the challenge stays good for the right one', async () => {
    const challenge = (await login()).body.token as string;
    const code = await nextCode('user@example.com');
    const wrong = code === '000000' ? '000001' : '000000';

    const res = await request(t.app)
      .post('/api/tfa/verify')
      .set('Authorization', `Bearer ${challenge}`)
      .send({ code: wrong });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'tfa_invalid' });
    expect(res.headers.authorization).toBeUndefined();

    const ok = await request(t.app).post('/api/tfa/verify').set('Authorization', `Bearer ${challenge}`).send({ code });
    expect(ok.status).toBe(200);
    expect(ok.body.success).toBe(true);
  });

  test('verify without the challenge token is 401 token_missing; without a code 400', async () => {
    await login();
    const code = await nextCode('user@example.com');
    const noToken = await request(t.app).post('/api/tfa/verify').send({ code });
    expect(noToken.status).toBe(401);
    expect(noToken.body).toMatchObject({ error: 'token_missing' });

    const challenge = (await login()).body.token as string;
    const noCode = await request(t.app).post('/api/tfa/verify').set('Authorization', `Bearer ${challenge}`).send({});
    expect(noCode.status).toBe(400);
    expect(noCode.body).toMatchObject({ error: 'invalid_request' });
  });

  test('a user without a second factor gets the token at once and no mail is sent', async () => {
    const res = await request(t.app).post('/api/authenticate').send({ username: 'admin', password: PASSWORDS.admin });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      success: true,
      authenticated: true,
      method: null,
      tfaConfigured: false,
      tfaExpiresInSeconds: 0,
    });
    expect(t.smtp.messages).toHaveLength(0);
  });

  test('rememberMe chosen at the password step decides the lifetime of the token the code unlocks', async () => {
    const challenge = (await login({ rememberMe: true })).body.token as string;
    const code = await nextCode('user@example.com');

    const res = await request(t.app).post('/api/tfa/verify').set('Authorization', `Bearer ${challenge}`).send({ code });

    expect(res.status).toBe(200);
    const claims = claimsOf(res.body.token);
    expect((claims.exp as number) - (claims.iat as number)).toBe(30 * 86400);
    expect(claims.rme).toBe(true);
  });

  test('the code and its challenge expire after 5 minutes (fake clock)', async () => {
    const challenge = (await login()).body.token as string;
    const code = await nextCode('user@example.com');

    t.clock.advance(5 * 60_000 + 1000);
    const res = await request(t.app).post('/api/tfa/verify').set('Authorization', `Bearer ${challenge}`).send({ code });

    expect(res.status).toBe(401);
    expect(['tfa_invalid', 'token_expired']).toContain(res.body.error);
    expect(res.body.token).toBeUndefined();
  });

  test('a code is still good just before the 5 minutes are up', async () => {
    const challenge = (await login()).body.token as string;
    const code = await nextCode('user@example.com');

    t.clock.advance(5 * 60_000 - 1000);
    const res = await request(t.app).post('/api/tfa/verify').set('Authorization', `Bearer ${challenge}`).send({ code });

    expect(res.status).toBe(200);
  });

  test('resend (after its cooldown) mails a new code that replaces the old one', async () => {
    const challenge = (await login()).body.token as string;
    const oldCode = await nextCode('user@example.com');

    t.clock.advance(30_000);
    const resent = await request(t.app).post('/api/tfa/resend').set('Authorization', `Bearer ${challenge}`);
    expect(resent.status).toBe(200);
    expect(resent.body).toEqual({ sent: true, tfaExpiresInSeconds: 270 });
    let newCode = await nextCode('user@example.com');
    // One draw in a million repeats the code; ask once more rather than test nothing.
    if (newCode === oldCode) {
      t.clock.advance(30_000);
      await request(t.app).post('/api/tfa/resend').set('Authorization', `Bearer ${challenge}`).expect(200);
      newCode = await nextCode('user@example.com');
    }
    expect(newCode).not.toBe(oldCode);

    const old = await request(t.app)
      .post('/api/tfa/verify')
      .set('Authorization', `Bearer ${challenge}`)
      .send({ code: oldCode });
    expect(old.status).toBe(401);
    expect(old.body).toMatchObject({ error: 'tfa_invalid' });
    const ok = await request(t.app)
      .post('/api/tfa/verify')
      .set('Authorization', `Bearer ${challenge}`)
      .send({ code: newCode });
    expect(ok.status).toBe(200);
    expect(ok.body.success).toBe(true);
  });

  test('resend has a cooldown: 429 tfa_resend_too_soon with Retry-After, from the first code on', async () => {
    const challenge = (await login()).body.token as string;
    await nextCode('user@example.com');

    const tooSoon = await request(t.app).post('/api/tfa/resend').set('Authorization', `Bearer ${challenge}`);
    expect(tooSoon.status).toBe(429);
    expect(tooSoon.body).toMatchObject({ error: 'tfa_resend_too_soon' });
    expect(tooSoon.headers['retry-after']).toBe('30');

    t.clock.advance(30_000);
    await request(t.app).post('/api/tfa/resend').set('Authorization', `Bearer ${challenge}`).expect(200);
    t.clock.advance(10_000);
    const again = await request(t.app).post('/api/tfa/resend').set('Authorization', `Bearer ${challenge}`);
    expect(again.status).toBe(429);
    expect(again.headers['retry-after']).toBe('20');
    expect(t.smtp.messages).toHaveLength(2); // the first code and one resend, nothing for the refused ones
  });

  test('a custom codeTtl is reported in tfaExpiresInSeconds and in the mail', async () => {
    await t.close();
    t = await setup({ preset: 'utmstack', secondFactor: { codeTtl: '2m' } });
    const res = await login();
    expect(res.body.tfaExpiresInSeconds).toBe(120);
    const message = await t.smtp.waitForMessage();
    expect(message.raw).toContain('It expires in 2 minutes.');
  });
});

describe('utmstack preset with secondFactor.force', () => {
  beforeEach(async () => {
    t = await setup({ preset: 'utmstack', secondFactor: { force: true } });
  });

  test('a user without a second factor goes through email too, and forceTfa is reported', async () => {
    const res = await request(t.app).post('/api/authenticate').send({ username: 'admin', password: PASSWORDS.admin });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      success: true,
      authenticated: false,
      method: 'EMAIL',
      tfaConfigured: false,
      forceTfa: true,
      tfaExpiresInSeconds: 300,
    });
    expect(res.headers.authorization).toBeUndefined();
    const code = await nextCode('admin@example.com');

    const verified = await request(t.app)
      .post('/api/tfa/verify')
      .set('Authorization', `Bearer ${res.body.token}`)
      .send({ code });
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ success: true, authenticated: true, forceTfa: true });
    expect((await request(t.app).get('/api/admin').set('Authorization', `Bearer ${verified.body.token}`)).status).toBe(
      200,
    );
  });

  test('every user gets a challenge: guest and user alike', async () => {
    for (const [username, password] of [
      ['guest', PASSWORDS.guest],
      ['user', PASSWORDS.user],
    ] as const) {
      const res = await request(t.app).post('/api/authenticate').send({ username, password });
      expect(res.body).toMatchObject({ success: true, authenticated: false, method: 'EMAIL', forceTfa: true });
    }
    expect(t.smtp.messages.map((m) => m.to)).toEqual([['guest@example.com'], ['user@example.com']]);
  });
});

describe('default preset: POST /auth/login, /auth/tfa/verify, /auth/tfa/resend', () => {
  beforeEach(async () => {
    t = await setup();
  });

  test('login answers only the challenge; verify answers the token pair; both tokens work', async () => {
    const res = await request(t.app).post('/auth/login').send({ username: 'user', password: PASSWORDS.user });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      tfaRequired: true,
      method: 'EMAIL',
      challengeToken: expect.any(String),
      expiresIn: 300,
    });
    const code = await nextCode('user@example.com');

    const verified = await request(t.app)
      .post('/auth/tfa/verify')
      .set('Authorization', `Bearer ${res.body.challengeToken}`)
      .send({ code });
    expect(verified.status).toBe(200);
    expect(verified.body).toEqual({
      accessToken: expect.any(String),
      tokenType: 'Bearer',
      expiresIn: 900,
      refreshToken: expect.any(String),
      refreshExpiresIn: 14 * 86400,
      firstLogin: true,
      user: { id: '2', login: 'user', email: 'user@example.com', authorities: ['ROLE_USER'] },
    });
    const protectedRes = await request(t.app)
      .get('/api/protected')
      .set('Authorization', `Bearer ${verified.body.accessToken}`);
    expect(protectedRes.status).toBe(200);
    expect(protectedRes.body).toMatchObject({ userId: '2', method: 'token' });
    const refreshed = await request(t.app)
      .post('/auth/token/refresh')
      .send({ refreshToken: verified.body.refreshToken });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.accessToken).toEqual(expect.any(String));
  });

  test("resend replaces the code and reports the challenge's remaining life", async () => {
    const challenge = (await request(t.app).post('/auth/login').send({ username: 'user', password: PASSWORDS.user }))
      .body.challengeToken as string;
    const oldCode = await nextCode('user@example.com');

    t.clock.advance(60_000);
    const resent = await request(t.app).post('/auth/tfa/resend').set('Authorization', `Bearer ${challenge}`);
    expect(resent.status).toBe(200);
    expect(resent.body).toEqual({ sent: true, tfaExpiresInSeconds: 240 });
    const newCode = await nextCode('user@example.com');

    if (newCode !== oldCode) {
      const old = await request(t.app)
        .post('/auth/tfa/verify')
        .set('Authorization', `Bearer ${challenge}`)
        .send({ code: oldCode });
      expect(old.status).toBe(401);
      expect(old.body).toEqual({ error: 'tfa_invalid', message: 'The verification code is incorrect or has expired.' });
    }
    const ok = await request(t.app)
      .post('/auth/tfa/verify')
      .set('Authorization', `Bearer ${challenge}`)
      .send({ code: newCode });
    expect(ok.status).toBe(200);
    expect(ok.body.accessToken).toEqual(expect.any(String));
  });

  test('resend without a challenge token is 401 token_missing', async () => {
    const res = await request(t.app).post('/auth/tfa/resend');
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'token_missing' });
  });
});
