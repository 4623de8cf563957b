// UTMStack's v10 Angular frontend, replayed against the utmstack preset (createTestApp) and examples/utmstack.ts, both
// mailing through a real SMTP server. Source: utmstack/UTMStack tag v10.8.0-202504251110
// (commit a355d740894ced8cfbace5913a44978f7bf89337); see ./utmstack-frontend.ts for what each step sends.
import { ANGULAR_ACCEPT, UtmstackFrontend } from './utmstack-frontend';
import { nextCode, nextResetKey, targetPerSuite, TARGETS, type Target } from './utmstack-targets';

jest.setTimeout(30_000);

describe.each(TARGETS)('UTMStack v10 frontend against %s', (_name, start) => {
  let target: Target;
  targetPerSuite(start, (started) => (target = started));

  test('login without a second factor: stores id_token, resolves authenticated, then GET api/account', async () => {
    const client = new UtmstackFrontend(target.baseUrl, 'v10');
    const seen = await client.login({ username: 'admin', password: target.passwords.admin, rememberMe: true });
    // login.component.ts:116-121: the form's rememberMe defaults to true; auth-jwt.service.ts:27-31 sends the three fields.
    expect(client.sent[0]).toEqual({
      method: 'POST',
      path: '/api/authenticate',
      headers: { Accept: ANGULAR_ACCEPT, 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: target.passwords.admin, rememberMe: true }),
    });
    expect(seen.status).toBe(200);
    const body = seen.body as Record<string, unknown>;
    // auth-jwt.service.ts:33: storeAuthenticationToken(resp.body.id_token); :34 resolves resp.body.authenticated.
    expect(client.token).toEqual(expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/));
    expect(client.token).toBe(body.token);
    expect(seen.headers.get('authorization')).toBe(`Bearer ${client.token}`);
    expect(body.authenticated).toBe(true);

    // login.service.ts:17-18: authenticated → accountService.identity(true) → GET api/account (account.service.ts:20),
    // with the stored token as bearer (auth.interceptor.ts:27-33).
    const account = await client.identity();
    expect(client.sent[1]!.headers).toEqual({ Accept: ANGULAR_ACCEPT, Authorization: `Bearer ${client.token}` });
    expect(account.status).toBe(200);
    // login.component.ts:176: account.authorities.includes(ADMIN_ROLE) and account.email pick the landing page.
    expect(account.body).toMatchObject({
      login: 'admin',
      email: 'admin@example.com',
      authorities: expect.arrayContaining(['ROLE_ADMIN']),
    });
  });

  test('login with the emailed code: the challenge is stored, GET api/tfa/verifyCode?code= completes it', async () => {
    const client = new UtmstackFrontend(target.baseUrl, 'v10');
    const seen = await client.login({ username: 'user', password: target.passwords.user, rememberMe: true });
    expect(seen.status).toBe(200);
    // auth-jwt.service.ts:33-34: the challenge token is stored as id_token; authenticated false resolves falsy, so
    // login.service.ts:21-22 skips the account and login.component.ts:139-142 navigates to /totp.
    expect((seen.body as Record<string, unknown>).authenticated).toBe(false);
    const challenge = client.token;
    expect(challenge).toBe((seen.body as Record<string, unknown>).token);
    const code = await nextCode(target, 'user@example.com');

    // totp.component.ts:31-34 → auth-jwt.service.ts:46: GET api/tfa/verifyCode?code=<code>, bearer = the challenge.
    const verified = await client.verifyCode(code);
    expect(client.sent[1]).toEqual({
      method: 'GET',
      path: `/api/tfa/verifyCode?code=${code}`,
      headers: { Accept: ANGULAR_ACCEPT, Authorization: `Bearer ${challenge}` },
      body: undefined,
    });
    expect(verified.status).toBe(200);
    const body = verified.body as Record<string, unknown>;
    // auth-jwt.service.ts:43-44: stores resp.body.id_token, resolves resp.body.authenticated (totp.component.ts:35).
    expect(body.authenticated).toBe(true);
    expect(client.token).toBe(body.token);
    expect(client.token).not.toBe(challenge);
    expect(verified.headers.get('authorization')).toBe(`Bearer ${client.token}`);

    const account = await client.identity();
    expect(account.status).toBe(200);
    expect(account.body).toMatchObject({ login: 'user', email: 'user@example.com', authorities: ['ROLE_USER'] });
    if (target.t) {
      expect(target.events.filter((e) => e.event === 'tfa.verified')).toEqual([
        expect.objectContaining({ userId: '2', method: 'EMAIL' }),
      ]);
    }
  });

  test('a wrong code is an error (the page shows its toast) and the right one still works', async () => {
    const client = new UtmstackFrontend(target.baseUrl, 'v10');
    await client.login({ username: 'user', password: target.passwords.user, rememberMe: false });
    const code = await nextCode(target, 'user@example.com');
    const wrong = await client.verifyCode(code === '000000' ? '000001' : '000000');
    // totp.component.ts:41-43: any error → "Verification code is invalid or has expired"; the token is kept.
    expect(wrong.status).toBe(401);
    expect((wrong.body as Record<string, unknown>).error).toBe('tfa_invalid');
    expect((await client.verifyCode(code)).status).toBe(200);
  });

  test('the example guards POST api/elasticsearch/search, as UTMStack serves it, and GET', async () => {
    if (target.name !== 'examples/utmstack.ts') return;
    const client = new UtmstackFrontend(target.baseUrl, 'v10');
    // compliance/shared/constant/compliance.constant.ts:1 names the endpoint; the backend maps it with
    // @PostMapping("/search") (ElasticsearchResource.java:145): the frontend POSTs a JSON query to it.
    expect(
      (
        await client.http('POST', '/api/elasticsearch/search?page=0&size=25', [
          { field: '@timestamp', operator: 'IS_BETWEEN', value: ['now-24h', 'now'] },
        ])
      ).status,
    ).toBe(401);
    await client.login({ username: 'admin', password: target.passwords.admin, rememberMe: true });
    const search = await client.http('POST', '/api/elasticsearch/search?page=0&size=25', [
      { field: '@timestamp', operator: 'IS_BETWEEN', value: ['now-24h', 'now'] },
    ]);
    expect(search.status).toBe(200);
    expect(search.body).toMatchObject({ message: 'You are authenticated.', authorities: ['ROLE_ADMIN', 'ROLE_USER'] });
    expect((await client.http('GET', '/api/elasticsearch/search')).status).toBe(200);
  });

  test('a failed login carries X-UtmStack-error, which the login page reads', async () => {
    const client = new UtmstackFrontend(target.baseUrl, 'v10');
    const seen = await client.login({ username: 'guest', password: 'not-the-password', rememberMe: true });
    expect(seen.status).toBe(401);
    // login.component.ts:148: err.headers.get('X-UtmStack-error').includes(...) — it must be there; the backend's
    // value for bad credentials (UserJWTController.java:111-115, UtilResponse.java:8-12, HeaderUtil.java:38-44).
    expect(seen.headers.get('X-UtmStack-error')).toBe('UserJWTController.authorize: Bad credentials');
    expect(UtmstackFrontend.loginFailureToast(seen)).toBe('Login fail');
    expect(client.token).toBeUndefined();
  });

  test('logout forgets the token; the server then answers 401, which the client treats as signed out', async () => {
    const client = new UtmstackFrontend(target.baseUrl, 'v10');
    await client.login({ username: 'guest', password: target.passwords.guest, rememberMe: true });
    expect((await client.identity()).status).toBe(200);
    client.logout();
    // auth-expired.interceptor.ts:23: 401 or 403 → logout.
    expect((await client.identity()).status).toBe(401);
  });

  test('password reset: init with the address as a text/plain body, the mailed key, finish with {key, newPassword}', async () => {
    const client = new UtmstackFrontend(target.baseUrl, 'v10');
    const init = await client.resetPasswordInit('expired@example.com');
    // password-reset-init.service.ts:13: a string body, so HttpClient sends text/plain.
    expect(client.sent[0]!.headers).toEqual({ Accept: ANGULAR_ACCEPT, 'Content-Type': 'text/plain' });
    expect(init.status).toBe(200);
    // password-reset-finish.component.ts:36: the page reads the `key` query parameter of the mailed link.
    const { key, link } = await nextResetKey(target, 'expired@example.com');
    expect(link).toContain('/reset/finish?key=');
    const finish = await client.resetPasswordFinish({ key, newPassword: 'a-brand-new-password-10' });
    expect(finish.status).toBe(200);
    const seen = await client.login({ username: 'expired', password: 'a-brand-new-password-10', rememberMe: true });
    expect(seen.status).toBe(200);
    expect((seen.body as Record<string, unknown>).authenticated).toBe(true);
  });
});
