// UTMStack's v11+ Angular frontend, replayed against the utmstack preset (createTestApp) and examples/utmstack.ts, both
// mailing through a real SMTP server. Source: utmstack/UTMStack `frontend/src/app/core/auth/auth-jwt.service.ts` of the
// v11 line (login stores `token`, `renewCode()` GETs api/tfa/refresh, `verifyCode()` POSTs the code string to
// api/tfa/verify-code) and the backend's `web/rest/tfa/TfaResource.java` (commit 75b62d00…, `@PostMapping("/verify-code")
// verifyCode(@RequestBody String code)`, `@GetMapping("/refresh")`). Line numbers below are those of that
// auth-jwt.service.ts. See ./utmstack-frontend.ts for what each step sends.
import request from 'supertest';
import type { AuthEvent } from '../../lib';
import { ANGULAR_ACCEPT, UtmstackFrontend } from './utmstack-frontend';
import { nextCode, targetPerSuite, startTestAppTarget, TARGETS, type Target } from './utmstack-targets';

jest.setTimeout(30_000);

describe.each(TARGETS)('UTMStack v11+ frontend against %s', (_name, start) => {
  let target: Target;
  targetPerSuite(start, (started) => (target = started));

  test('login without a second factor: stores token, then GET api/account', async () => {
    const client = new UtmstackFrontend(target.baseUrl, 'v11');
    const seen = await client.login({ username: 'admin', password: target.passwords.admin, rememberMe: true });
    expect(seen.status).toBe(200);
    const body = seen.body as Record<string, unknown>;
    // Lines 37-43: storeAuthenticationToken(resp.body.token); no method, so no TFA state kept; resolves the body.
    expect(client.token).toBe(body.token);
    expect(body.id_token).toBe(body.token);
    expect(client.tfaMethod).toBeUndefined();
    expect(body).toMatchObject({ success: true, authenticated: true, method: null });
    const account = await client.identity();
    expect(account.status).toBe(200);
    expect(account.body).toMatchObject({
      login: 'admin',
      email: 'admin@example.com',
      authorities: expect.arrayContaining(['ROLE_ADMIN']),
    });
  });

  for (const contentType of ['text/plain', 'text/plain;charset=UTF-8']) {
    test(`login with the emailed code: forceTfa keeps the method and expiry; POST api/tfa/verify-code (${contentType}) completes it`, async () => {
      const client = new UtmstackFrontend(target.baseUrl, 'v11', contentType);
      const seen = await client.login({ username: 'user', password: target.passwords.user, rememberMe: true });
      expect(seen.status).toBe(200);
      // Lines 38-42: the challenge token is stored from `token`; `method && forceTfa` keeps method and expiry.
      expect(seen.body).toMatchObject({
        success: true,
        authenticated: false,
        method: 'EMAIL',
        forceTfa: true,
        tfaExpiresInSeconds: 300,
      });
      expect(client.tfaMethod).toBe('EMAIL');
      expect(client.tfaExpireTimeInSec).toBe(300);
      const challenge = client.token;
      const code = await nextCode(target, 'user@example.com');

      // Lines 59-60: http.post(url, code): a string body, so Content-Type text/plain and the bare code.
      const verified = await client.verifyCode(code);
      expect(client.sent[1]).toEqual({
        method: 'POST',
        path: '/api/tfa/verify-code',
        headers: { Accept: ANGULAR_ACCEPT, Authorization: `Bearer ${challenge}`, 'Content-Type': contentType },
        body: code,
      });
      expect(verified.status).toBe(200);
      const body = verified.body as Record<string, unknown>;
      // Lines 55-57: stores resp.body.id_token, resolves resp.body.authenticated.
      expect(body.authenticated).toBe(true);
      expect(client.token).toBe(body.token);
      expect(client.token).not.toBe(challenge);
      const account = await client.identity();
      expect(account.status).toBe(200);
      expect(account.body).toMatchObject({ login: 'user', authorities: ['ROLE_USER'] });
    });
  }

  test('a wrong code is an error, the right one still works; a failed login carries X-UtmStack-error', async () => {
    const client = new UtmstackFrontend(target.baseUrl, 'v11');
    await client.login({ username: 'user', password: target.passwords.user, rememberMe: false });
    const code = await nextCode(target, 'user@example.com');
    const wrong = await client.verifyCode(code === '000000' ? '000001' : '000000');
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('X-UtmStack-error')).toBe(
      'tfa_invalid: The verification code is incorrect or has expired.',
    );
    expect((await client.verifyCode(code)).status).toBe(200);

    const failed = await new UtmstackFrontend(target.baseUrl, 'v11').login({
      username: 'nobody',
      password: 'whatever-it-is',
      rememberMe: true,
    });
    expect(failed.status).toBe(401);
    expect(UtmstackFrontend.loginFailureToast(failed)).toBe('Login fail');
  });
});

describe('UTMStack v11+ frontend: resend, shared budget and lockout (createTestApp, fake clock)', () => {
  let target: Target;

  beforeEach(async () => {
    target = await startTestAppTarget();
  });

  afterEach(async () => {
    await target.close();
  });

  test('GET api/tfa/refresh mails a new code like POST /api/tfa/resend (same cooldown); the new code verifies', async () => {
    const client = new UtmstackFrontend(target.baseUrl, 'v11');
    await client.login({ username: 'user', password: target.passwords.user, rememberMe: true });
    await nextCode(target, 'user@example.com');
    // Too soon: the same cooldown as POST /api/tfa/resend.
    const early = await client.renewCode();
    expect(early.status).toBe(429);
    expect((early.body as Record<string, unknown>).error).toBe('tfa_resend_too_soon');
    target.t!.clock.advance(31_000);
    // Lines 50-52: GET api/tfa/refresh with the challenge as bearer; the client reads nothing from the answer.
    const renewed = await client.renewCode();
    expect(client.sent.at(-1)!.headers).toEqual({ Accept: ANGULAR_ACCEPT, Authorization: `Bearer ${client.token}` });
    expect(renewed.status).toBe(200);
    // The preset's resend answer, as POST /api/tfa/resend gives it; Angular parses it and the client ignores it.
    expect(renewed.body).toEqual({ sent: true, tfaExpiresInSeconds: 269 });
    const fresh = await nextCode(target, 'user@example.com');
    expect(target.events.filter((e) => e.event === 'tfa.sent')).toHaveLength(2);
    expect((await client.verifyCode(fresh)).status).toBe(200);
  });

  test('the three verify routes share one budget, one set of events and one answer', async () => {
    const client = new UtmstackFrontend(target.baseUrl, 'v11');
    await client.login({ username: 'user', password: target.passwords.user, rememberMe: true });
    const code = await nextCode(target, 'user@example.com');
    const wrong = code === '000000' ? '000001' : '000000';
    const bearer = `Bearer ${client.token}`;
    const app = target.t!.app;
    // Five wrong codes (secondFactor.maxAttempts), one way each and then some: the budget is the challenge's.
    const answers = [
      await request(app).post('/api/tfa/verify').set('Authorization', bearer).send({ code: wrong }),
      await request(app).get(`/api/tfa/verifyCode?code=${wrong}`).set('Authorization', bearer),
      await request(app)
        .post('/api/tfa/verify-code')
        .set('Authorization', bearer)
        .set('Content-Type', 'text/plain')
        .send(wrong),
      await request(app)
        .post('/api/tfa/verify-code')
        .set('Authorization', bearer)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(wrong)),
      await request(app).get(`/api/tfa/verifyCode?code=${wrong}`).set('Authorization', bearer),
    ];
    expect(answers.map((res) => [res.status, res.body.error])).toEqual(Array(5).fill([401, 'tfa_invalid']));
    const failed = target.events.filter((e) => e.event === 'tfa.failed');
    expect(failed).toHaveLength(5);
    expect(
      new Set(failed.map((e: AuthEvent) => JSON.stringify({ ...e, at: undefined, requestId: undefined }))),
    ).toHaveProperty('size', 1);
    // The budget is spent: the right code no longer works, whichever route brings it.
    const spent = await request(app)
      .post('/api/tfa/verify-code')
      .set('Authorization', bearer)
      .set('Content-Type', 'text/plain')
      .send(code);
    expect(spent.status).toBe(401);
    expect(spent.body.error).toBe('tfa_attempts_exceeded');
  });

  test('the answers of the three verify routes are the same login answer', async () => {
    const app = target.t!.app;
    const routes = [
      (bearer: string, code: string) =>
        request(app).post('/api/tfa/verify').set('Authorization', bearer).send({ code }),
      (bearer: string, code: string) =>
        request(app).get(`/api/tfa/verifyCode?code=${code}`).set('Authorization', bearer),
      (bearer: string, code: string) =>
        request(app)
          .post('/api/tfa/verify-code')
          .set('Authorization', bearer)
          .set('Content-Type', 'application/json')
          .send(JSON.stringify(code)),
    ];
    const shapes: unknown[] = [];
    for (const verify of routes) {
      const client = new UtmstackFrontend(target.baseUrl, 'v11');
      await client.login({ username: 'user', password: target.passwords.user, rememberMe: true });
      const res = await verify(`Bearer ${client.token}`, await nextCode(target, 'user@example.com'));
      expect(res.status).toBe(200);
      expect(res.headers.authorization).toBe(`Bearer ${res.body.token}`);
      expect(res.body.id_token).toBe(res.body.token);
      shapes.push({ ...res.body, token: undefined, id_token: undefined, firstLogin: undefined });
    }
    expect(shapes[1]).toEqual(shapes[0]);
    expect(shapes[2]).toEqual(shapes[0]);
    expect(target.events.filter((e) => e.event === 'tfa.verified')).toHaveLength(3);
  });

  test("a numeric code is taken as its digits: Angular sends a number body as JSON, which UTMStack's backend reads as text", async () => {
    const client = new UtmstackFrontend(target.baseUrl, 'v11');
    await client.login({ username: 'user', password: target.passwords.user, rememberMe: true });
    let code = await nextCode(target, 'user@example.com');
    // A code with a leading zero loses it as a number, on UTMStack's backend too: ask for another one.
    while (code.startsWith('0')) {
      target.t!.clock.advance(31_000);
      expect((await client.renewCode()).status).toBe(200);
      code = await nextCode(target, 'user@example.com');
    }
    const res = await request(target.t!.app)
      .post('/api/tfa/verify-code')
      .set('Authorization', `Bearer ${client.token}`)
      .set('Content-Type', 'application/json')
      .send(String(Number(code)));
    expect(res.status).toBe(200);
    expect(res.body.authenticated).toBe(true);
  });

  test('only the verify-code route takes a bare string body; bad bodies and queries are 400 and cost nothing', async () => {
    const app = target.t!.app;
    const client = new UtmstackFrontend(target.baseUrl, 'v11');
    await client.login({ username: 'user', password: target.passwords.user, rememberMe: true });
    const code = await nextCode(target, 'user@example.com');
    const bearer = `Bearer ${client.token}`;
    // Other routes still refuse text/plain.
    const plainVerify = await request(app)
      .post('/api/tfa/verify')
      .set('Authorization', bearer)
      .set('Content-Type', 'text/plain')
      .send(code);
    expect([plainVerify.status, plainVerify.body.error]).toEqual([400, 'unsupported_media_type']);
    const plainLogin = await request(app).post('/api/authenticate').set('Content-Type', 'text/plain').send('user');
    expect([plainLogin.status, plainLogin.body.error]).toEqual([400, 'unsupported_media_type']);
    for (const res of [
      await request(app)
        .post('/api/tfa/verify-code')
        .set('Authorization', bearer)
        .set('Content-Type', 'text/plain')
        .send(''),
      await request(app)
        .post('/api/tfa/verify-code')
        .set('Authorization', bearer)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ code })),
      await request(app)
        .post('/api/tfa/verify-code')
        .set('Authorization', bearer)
        .set('Content-Type', 'text/plain')
        .send('1'.repeat(17)),
      await request(app).get('/api/tfa/verifyCode').set('Authorization', bearer),
      await request(app).get(`/api/tfa/verifyCode?code=${code}&code=${code}`).set('Authorization', bearer),
    ]) {
      expect([res.status, res.body.error]).toEqual([400, 'invalid_request']);
      expect(res.headers['x-utmstack-error']).toMatch(/^invalid_request: /);
    }
    const form = await request(app)
      .post('/api/tfa/verify-code')
      .set('Authorization', bearer)
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send(`code=${code}`);
    expect([form.status, form.body.error]).toEqual([400, 'unsupported_media_type']);
    const noBearer = await request(app).post('/api/tfa/verify-code').set('Content-Type', 'text/plain').send(code);
    expect([noBearer.status, noBearer.body.error]).toEqual([401, 'token_missing']);
    expect(target.events.filter((e) => e.event === 'tfa.failed')).toHaveLength(0);
    // Nothing was spent: the code still works.
    expect((await client.verifyCode(code)).status).toBe(200);
  });

  test('a login locked out by wrong passwords is 403 with X-UtmStack-error, shown as "Login blocked"', async () => {
    const client = new UtmstackFrontend(target.baseUrl, 'v11');
    // The preset's lockout: 10 failures in 10 minutes.
    for (let i = 0; i < 10; i += 1) {
      const seen = await client.login({ username: 'guest', password: 'not-the-password', rememberMe: true });
      expect(seen.status).toBe(401);
      expect(UtmstackFrontend.loginFailureToast(seen)).toBe('Login fail');
    }
    const blocked = await client.login({ username: 'guest', password: target.passwords.guest, rememberMe: true });
    expect(blocked.status).toBe(403);
    // login.component.ts:149: includes('UserJWTController.authorize: blocked') → "Login blocked".
    expect(blocked.headers.get('X-UtmStack-error')).toMatch(/^UserJWTController\.authorize: blocked: /);
    expect(UtmstackFrontend.loginFailureToast(blocked)).toBe('Login blocked');
  });
});
