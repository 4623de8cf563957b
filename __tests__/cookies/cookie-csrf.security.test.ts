// CSRF on the cookie transport: a cookie-authenticated state-changing request from another site is refused with 403
// csrf_rejected and consumes nothing; a same-site request passes. Also the guard's optional access-token cookie.
import request from 'supertest';
import { createTestApp, PASSWORDS, type TestApp } from '../helpers/create-app';

const ORIGIN = 'https://app.example.com';
const REFRESH_COOKIE = '__Host-eak-refresh';
const ACCESS_COOKIE = '__Host-eak-access';

let t: TestApp;
afterEach(async () => {
  await t.close();
});

function cookieValue(res: request.Response, name: string): string | undefined {
  const header = res.headers['set-cookie'] as unknown;
  const lines = Array.isArray(header) ? (header as string[]) : [];
  const line = lines.find((candidate) => candidate.startsWith(`${name}=`));
  return line?.slice(name.length + 1).split(';')[0];
}

async function cookieLogin(app: TestApp): Promise<request.Response> {
  return request(app.app)
    .post(`${app.base}/login`)
    .set('Origin', ORIGIN)
    .set('X-Auth-Transport', 'cookie')
    .send({ username: 'admin', password: PASSWORDS.admin })
    .expect(200);
}

/** A refresh the page would make: trusted Origin, the opt-in header, the cookie. */
function sameSiteRefresh(app: TestApp, refresh: string): request.Test {
  return request(app.app)
    .post(`${app.base}/token/refresh`)
    .set('Origin', ORIGIN)
    .set('X-Auth-Transport', 'cookie')
    .set('Cookie', `${REFRESH_COOKIE}=${refresh}`);
}

describe.each([
  ['refresh', '/token/refresh'],
  ['logout', '/logout'],
])('%s with the refresh cookie', (_name, path) => {
  let refresh: string;
  beforeEach(async () => {
    t = await createTestApp({ rateLimit: false, cookies: { trustedOrigins: [ORIGIN] } });
    refresh = cookieValue(await cookieLogin(t), REFRESH_COOKIE)!;
  });

  const refused: [string, Record<string, string>, string | undefined][] = [
    [
      'a cross-site form post (urlencoded, foreign Origin)',
      { Origin: 'https://evil.example', 'Content-Type': 'application/x-www-form-urlencoded' },
      'a=1',
    ],
    [
      'a foreign Origin with the opt-in header',
      { Origin: 'https://evil.example', 'X-Auth-Transport': 'cookie' },
      undefined,
    ],
    ['a foreign Origin with a JSON body', { Origin: 'https://evil.example', 'Content-Type': 'application/json' }, '{}'],
    [
      'a sibling subdomain of the trusted origin',
      { Origin: 'https://evil.app.example.com', 'X-Auth-Transport': 'cookie' },
      undefined,
    ],
    ['the trusted host over http', { Origin: 'http://app.example.com', 'X-Auth-Transport': 'cookie' }, undefined],
    ['Origin: null', { Origin: 'null', 'X-Auth-Transport': 'cookie' }, undefined],
    ['a trusted Origin but neither the header nor a JSON body', { Origin: ORIGIN }, undefined],
    [
      'a trusted Origin and a form body, no header',
      { Origin: ORIGIN, 'Content-Type': 'application/x-www-form-urlencoded' },
      'a=1',
    ],
    [
      'no Origin and Sec-Fetch-Site: cross-site',
      { 'Sec-Fetch-Site': 'cross-site', 'X-Auth-Transport': 'cookie' },
      undefined,
    ],
    [
      'no Origin and Sec-Fetch-Site: same-site',
      { 'Sec-Fetch-Site': 'same-site', 'X-Auth-Transport': 'cookie' },
      undefined,
    ],
    ['no Origin and no Sec-Fetch-Site', { 'X-Auth-Transport': 'cookie' }, undefined],
  ];

  test.each(refused)(
    'refuses %s with 403 csrf_rejected, and the refresh token stays valid',
    async (_case, headers, body) => {
      let req = request(t.app).post(`${t.base}${path}`).set('Cookie', `${REFRESH_COOKIE}=${refresh}`).set(headers);
      if (body !== undefined) req = req.send(body);
      const res = await req.expect(403);
      expect(res.body).toEqual({ error: 'csrf_rejected', message: expect.any(String) });
      // Nothing set, nothing cleared.
      expect(res.headers['set-cookie']).toBeUndefined();
      // Consumed nothing: the same token still refreshes.
      const after = await sameSiteRefresh(t, refresh).expect(200);
      expect(cookieValue(after, REFRESH_COOKIE)).toEqual(expect.any(String));
    },
  );

  test.each<[string, Record<string, string>]>([
    ['a trusted Origin and the opt-in header', { Origin: ORIGIN, 'X-Auth-Transport': 'cookie' }],
    [
      'no Origin, Sec-Fetch-Site: same-origin and the header',
      { 'Sec-Fetch-Site': 'same-origin', 'X-Auth-Transport': 'cookie' },
    ],
    [
      'no Origin, Sec-Fetch-Site: none (typed by the user) and the header',
      { 'Sec-Fetch-Site': 'none', 'X-Auth-Transport': 'cookie' },
    ],
  ])('a same-site request passes: %s', async (_case, headers) => {
    await request(t.app)
      .post(`${t.base}${path}`)
      .set('Cookie', `${REFRESH_COOKIE}=${refresh}`)
      .set(headers)
      .expect(path === '/logout' ? 204 : 200);
  });

  test('a trusted Origin and a JSON body (no header) pass', async () => {
    await request(t.app)
      .post(`${t.base}${path}`)
      .set('Cookie', `${REFRESH_COOKIE}=${refresh}`)
      .set('Origin', ORIGIN)
      .set('Content-Type', 'application/json')
      .send('{}')
      .expect(path === '/logout' ? 204 : 200);
  });

  test('the body and bearer forms are not cookie-authenticated: no CSRF check applies to them', async () => {
    const login = await request(t.app)
      .post(`${t.base}/login`)
      .send({ username: 'admin', password: PASSWORDS.admin })
      .expect(200);
    await request(t.app)
      .post(`${t.base}${path}`)
      .set('Origin', 'https://evil.example')
      .set('Authorization', `Bearer ${login.body.refreshToken as string}`)
      .expect(path === '/logout' ? 204 : 200);
  });
});

describe('the access-token cookie (accessTokenCookie: true)', () => {
  beforeEach(async () => {
    t = await createTestApp({ rateLimit: false, cookies: { trustedOrigins: [ORIGIN], accessTokenCookie: true } });
  });

  test("login sets it beside the refresh cookie, HttpOnly, Secure, SameSite=Strict, Path=/, for the access token's life", async () => {
    const res = await cookieLogin(t);
    const line = (res.headers['set-cookie'] as unknown as string[]).find((candidate) =>
      candidate.startsWith(`${ACCESS_COOKIE}=`),
    );
    expect(line).toBe(
      `${ACCESS_COOKIE}=${res.body.accessToken as string}; Max-Age=900; Path=/; HttpOnly; Secure; SameSite=Strict`,
    );
  });

  test('the guard accepts it on GET without an Origin (GET changes nothing) and sets req.auth', async () => {
    const access = cookieValue(await cookieLogin(t), ACCESS_COOKIE)!;
    await request(t.app).get('/api/admin').set('Cookie', `${ACCESS_COOKIE}=${access}`).expect(200, { userId: '1' });
    await request(t.app).get(`${t.base}/session`).set('Cookie', `${ACCESS_COOKIE}=${access}`).expect(200);
  });

  test('a state-changing guarded route read from the cookie passes the CSRF check', async () => {
    const access = cookieValue(await cookieLogin(t), ACCESS_COOKIE)!;
    const foreign = await request(t.app)
      .post(`${t.base}/logout/all`)
      .set('Cookie', `${ACCESS_COOKIE}=${access}`)
      .set('Origin', 'https://evil.example')
      .set('X-Auth-Transport', 'cookie')
      .expect(403);
    expect(foreign.body.error).toBe('csrf_rejected');
    // Nothing happened: the token still works, then a same-site request ends every session.
    await request(t.app).get('/api/protected').set('Cookie', `${ACCESS_COOKIE}=${access}`).expect(200);
    await request(t.app)
      .post(`${t.base}/logout/all`)
      .set('Cookie', `${ACCESS_COOKIE}=${access}`)
      .set('Origin', ORIGIN)
      .set('X-Auth-Transport', 'cookie')
      .expect(204);
  });

  test('a bearer header wins over the cookie, and a bad cookie is a 401', async () => {
    const login = await request(t.app)
      .post(`${t.base}/login`)
      .send({ username: 'guest', password: PASSWORDS.guest })
      .expect(200);
    await request(t.app)
      .get('/api/protected')
      .set('Authorization', `Bearer ${login.body.accessToken as string}`)
      .set('Cookie', `${ACCESS_COOKIE}=garbage`)
      .expect(200);
    const bad = await request(t.app).get('/api/protected').set('Cookie', `${ACCESS_COOKIE}=garbage`).expect(401);
    expect(bad.body.error).toMatch(/^token_/);
  });

  test('the cookie is found by its exact name among the others a browser sends', async () => {
    const login = await cookieLogin(t);
    const access = cookieValue(login, ACCESS_COOKIE)!;
    const refresh = cookieValue(login, REFRESH_COOKIE)!;
    const header = `x${ACCESS_COOKIE}=garbage; ${ACCESS_COOKIE}-old=garbage;${REFRESH_COOKIE}=${refresh};  ${ACCESS_COOKIE}=${access}`;
    await request(t.app).get('/api/admin').set('Cookie', header).expect(200, { userId: '1' });
    const empty = await request(t.app).get('/api/admin').set('Cookie', `${ACCESS_COOKIE}=; other=1`).expect(401);
    expect(empty.body.error).toBe('token_missing');
  });

  test('logout clears both cookies', async () => {
    const refresh = cookieValue(await cookieLogin(t), REFRESH_COOKIE)!;
    const res = await request(t.app)
      .post(`${t.base}/logout`)
      .set('Origin', ORIGIN)
      .set('X-Auth-Transport', 'cookie')
      .set('Cookie', `${REFRESH_COOKIE}=${refresh}`)
      .expect(204);
    expect(res.headers['set-cookie']).toEqual([
      `${REFRESH_COOKIE}=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Strict`,
      `${ACCESS_COOKIE}=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Strict`,
    ]);
  });
});

test('without accessTokenCookie the guard never reads a cookie', async () => {
  t = await createTestApp({ rateLimit: false, cookies: { trustedOrigins: [ORIGIN] } });
  const login = await request(t.app)
    .post(`${t.base}/login`)
    .send({ username: 'admin', password: PASSWORDS.admin })
    .expect(200);
  const res = await request(t.app)
    .get('/api/protected')
    .set('Cookie', `${ACCESS_COOKIE}=${login.body.accessToken as string}`)
    .expect(401);
  expect(res.body.error).toBe('token_missing');
});
