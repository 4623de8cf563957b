// The browsers' cookie transport: opted into per request with X-Auth-Transport: cookie; the refresh token in an
// HttpOnly __Host- cookie and never in a body; refresh and logout read it; bearer clients see no change.
import request from 'supertest';
import { createTestApp, PASSWORDS, type CreateTestAppOptions, type TestApp } from '../helpers/create-app';
import { claimsOf } from '../helpers/session';

const ORIGIN = 'https://app.example.com';
const COOKIES: CreateTestAppOptions = { cookies: { trustedOrigins: [ORIGIN] } };

let t: TestApp;
afterEach(async () => {
  await t.close();
});

/** The Set-Cookie lines of a response. */
function setCookies(res: request.Response): string[] {
  const header = res.headers['set-cookie'] as unknown;
  return Array.isArray(header) ? (header as string[]) : header === undefined ? [] : [String(header)];
}

/** The Set-Cookie line of `name`, split into its value and attributes (names lower-cased). */
function cookieOf(
  res: request.Response,
  name: string,
): { value: string; attributes: Record<string, string | true> } | undefined {
  const line = setCookies(res).find((candidate) => candidate.startsWith(`${name}=`));
  if (line === undefined) return undefined;
  const [pair, ...rest] = line.split(';').map((part) => part.trim());
  const attributes: Record<string, string | true> = {};
  for (const attribute of rest) {
    const index = attribute.indexOf('=');
    if (index === -1) attributes[attribute.toLowerCase()] = true;
    else attributes[attribute.slice(0, index).toLowerCase()] = attribute.slice(index + 1);
  }
  return { value: (pair as string).slice(name.length + 1), attributes };
}

function expiresAtOf(token: string): number {
  return claimsOf(token).exp as number;
}

async function cookieLogin(
  app: TestApp,
  name: 'admin' | 'guest' = 'admin',
): Promise<{ res: request.Response; refresh: string }> {
  const res = await request(app.app)
    .post(`${app.base}/login`)
    .set('Origin', ORIGIN)
    .set('X-Auth-Transport', 'cookie')
    .send({ username: name, password: PASSWORDS[name] })
    .expect(200);
  return { res, refresh: cookieOf(res, '__Host-eak-refresh')!.value };
}

describe('with cookies configured and X-Auth-Transport: cookie', () => {
  beforeEach(async () => {
    t = await createTestApp({ rateLimit: false, ...COOKIES });
  });

  test('login sets the refresh token in an HttpOnly, Secure, SameSite=Strict __Host- cookie for its remaining life', async () => {
    const { res, refresh } = await cookieLogin(t);
    const cookie = cookieOf(res, '__Host-eak-refresh')!;
    expect(cookie.attributes).toEqual({
      'max-age': String(expiresAtOf(refresh) - Math.floor(t.clock() / 1000)),
      path: '/',
      httponly: true,
      secure: true,
      samesite: 'Strict',
    });
    expect(cookie.attributes['max-age']).toBe(String(14 * 86400));
    // Host-only: no Domain attribute, as the __Host- prefix requires.
    expect(setCookies(res).join('\n')).not.toMatch(/domain=/i);
  });

  test('the login body carries the access token and no refresh token', async () => {
    const { res, refresh } = await cookieLogin(t);
    expect(res.body).toEqual(expect.objectContaining({ accessToken: expect.any(String), tokenType: 'Bearer' }));
    expect(res.body).not.toHaveProperty('refreshToken');
    expect(res.body).not.toHaveProperty('refreshExpiresIn');
    expect(JSON.stringify(res.body)).not.toContain(refresh);
    await request(t.app)
      .get('/api/admin')
      .set('Authorization', `Bearer ${res.body.accessToken as string}`)
      .expect(200, { userId: '1' });
  });

  test('the remaining life: Max-Age shrinks as the family ages (a rotated token never outlives its session)', async () => {
    const { refresh } = await cookieLogin(t);
    t.clock.advance(86400 * 1000);
    const res = await request(t.app)
      .post(`${t.base}/token/refresh`)
      .set('Origin', ORIGIN)
      .set('X-Auth-Transport', 'cookie')
      .set('Cookie', `__Host-eak-refresh=${refresh}`)
      .expect(200);
    const next = cookieOf(res, '__Host-eak-refresh')!;
    expect(Number(next.attributes['max-age'])).toBe(expiresAtOf(next.value) - Math.floor(t.clock() / 1000));
    expect(Number(next.attributes['max-age'])).toBeLessThanOrEqual(14 * 86400);
  });

  test('refresh reads the cookie, rotates it in a new cookie, and answers no refresh token in the body', async () => {
    const { refresh } = await cookieLogin(t);
    const res = await request(t.app)
      .post(`${t.base}/token/refresh`)
      .set('Origin', ORIGIN)
      .set('X-Auth-Transport', 'cookie')
      .set('Cookie', `__Host-eak-refresh=${refresh}`)
      .expect(200);
    expect(res.body).toEqual({ accessToken: expect.any(String), tokenType: 'Bearer', expiresIn: 900 });
    const next = cookieOf(res, '__Host-eak-refresh')!;
    expect(next.value).not.toBe(refresh);
    expect(next.attributes).toMatchObject({ httponly: true, secure: true, samesite: 'Strict', path: '/' });
    // The old one is consumed; the new one works.
    await request(t.app)
      .post(`${t.base}/token/refresh`)
      .set('Origin', ORIGIN)
      .set('X-Auth-Transport', 'cookie')
      .set('Cookie', `__Host-eak-refresh=${next.value}`)
      .expect(200);
  });

  test('a cookie used without the opt-in header (a JSON body instead) is still answered in cookie mode', async () => {
    const { refresh } = await cookieLogin(t);
    const res = await request(t.app)
      .post(`${t.base}/token/refresh`)
      .set('Origin', ORIGIN)
      .set('Cookie', `__Host-eak-refresh=${refresh}`)
      .set('Content-Type', 'application/json')
      .send('{}')
      .expect(200);
    expect(res.body).not.toHaveProperty('refreshToken');
    expect(cookieOf(res, '__Host-eak-refresh')).toBeDefined();
  });

  test('refresh still takes the body or bearer forms (no CSRF check: no cookie authenticates them)', async () => {
    const login = await request(t.app)
      .post(`${t.base}/login`)
      .send({ username: 'admin', password: PASSWORDS.admin })
      .expect(200);
    const byBody = await request(t.app)
      .post(`${t.base}/token/refresh`)
      .send({ refreshToken: login.body.refreshToken as string })
      .expect(200);
    expect(byBody.body.refreshToken).toEqual(expect.any(String));
    await request(t.app)
      .post(`${t.base}/token/refresh`)
      .set('Authorization', `Bearer ${byBody.body.refreshToken as string}`)
      .expect(200);
  });

  test('logout reads the cookie, ends the session and clears the cookie', async () => {
    const { refresh } = await cookieLogin(t);
    const res = await request(t.app)
      .post(`${t.base}/logout`)
      .set('Origin', ORIGIN)
      .set('X-Auth-Transport', 'cookie')
      .set('Cookie', `__Host-eak-refresh=${refresh}`)
      .expect(204);
    const cleared = cookieOf(res, '__Host-eak-refresh')!;
    expect(cleared.value).toBe('');
    expect(cleared.attributes).toEqual({ 'max-age': '0', path: '/', httponly: true, secure: true, samesite: 'Strict' });
    const after = await request(t.app)
      .post(`${t.base}/token/refresh`)
      .set('Origin', ORIGIN)
      .set('X-Auth-Transport', 'cookie')
      .set('Cookie', `__Host-eak-refresh=${refresh}`)
      .expect(401);
    expect(after.body.error).toMatch(/^token_/);
  });

  test('second-factor verify answers in cookie mode too', async () => {
    const challenge = await request(t.app)
      .post(`${t.base}/login`)
      .set('Origin', ORIGIN)
      .set('X-Auth-Transport', 'cookie')
      .send({ username: 'user', password: PASSWORDS.user })
      .expect(200);
    expect(setCookies(challenge).some((line) => line.startsWith('__Host-eak-refresh='))).toBe(false);
    const code = t.mailer.last('user@example.com')!.code;
    const res = await request(t.app)
      .post(`${t.base}/tfa/verify`)
      .set('Origin', ORIGIN)
      .set('X-Auth-Transport', 'cookie')
      .set('Authorization', `Bearer ${challenge.body.challengeToken as string}`)
      .send({ code })
      .expect(200);
    expect(res.body).not.toHaveProperty('refreshToken');
    expect(cookieOf(res, '__Host-eak-refresh')?.attributes).toMatchObject({
      httponly: true,
      secure: true,
      samesite: 'Strict',
      path: '/',
    });
  });

  test("a request without the header gets today's answer: the refresh token in the body, no refresh cookie", async () => {
    const res = await request(t.app)
      .post(`${t.base}/login`)
      .send({ username: 'admin', password: PASSWORDS.admin })
      .expect(200);
    expect(res.body.refreshToken).toEqual(expect.any(String));
    expect(cookieOf(res, '__Host-eak-refresh')).toBeUndefined();
  });
});

test('sameSite: "lax" writes SameSite=Lax', async () => {
  t = await createTestApp({ rateLimit: false, cookies: { trustedOrigins: [ORIGIN], sameSite: 'lax' } });
  const { res } = await cookieLogin(t);
  expect(cookieOf(res, '__Host-eak-refresh')!.attributes.samesite).toBe('Lax');
});

test('refreshCookieName names the cookie', async () => {
  t = await createTestApp({
    rateLimit: false,
    cookies: { trustedOrigins: [ORIGIN], refreshCookieName: '__Host-my-refresh' },
  });
  const res = await request(t.app)
    .post(`${t.base}/login`)
    .set('Origin', ORIGIN)
    .set('X-Auth-Transport', 'cookie')
    .send({ username: 'admin', password: PASSWORDS.admin })
    .expect(200);
  expect(cookieOf(res, '__Host-my-refresh')).toBeDefined();
});

describe('insecureDevelopment (plain http on a LAN address)', () => {
  const previous = process.env.NODE_ENV;
  afterEach(() => {
    process.env.NODE_ENV = previous;
  });

  test('drops Secure and the __Host- prefix, and keeps HttpOnly, SameSite and Path=/', async () => {
    t = await createTestApp({
      rateLimit: false,
      cookies: { trustedOrigins: ['http://192.168.1.20:3000'], insecureDevelopment: true },
    });
    const res = await request(t.app)
      .post(`${t.base}/login`)
      .set('Origin', 'http://192.168.1.20:3000')
      .set('X-Auth-Transport', 'cookie')
      .send({ username: 'admin', password: PASSWORDS.admin })
      .expect(200);
    const refreshLine = setCookies(res).find((line) => line.startsWith('eak-refresh='));
    expect(refreshLine).toBe(
      `eak-refresh=${cookieOf(res, 'eak-refresh')!.value}; Max-Age=${14 * 86400}; Path=/; HttpOnly; SameSite=Strict`,
    );
    const refresh = cookieOf(res, 'eak-refresh')!.value;
    await request(t.app)
      .post(`${t.base}/token/refresh`)
      .set('Origin', 'http://192.168.1.20:3000')
      .set('X-Auth-Transport', 'cookie')
      .set('Cookie', `eak-refresh=${refresh}`)
      .expect(200);
    expect(t.logger.warnings.filter((warning) => warning.includes('INSECURE_DEVELOPMENT_COOKIES'))).toHaveLength(1);
  });

  test('is refused when NODE_ENV is production, naming the option', async () => {
    process.env.NODE_ENV = 'production';
    await expect(
      createTestApp({ cookies: { trustedOrigins: ['http://192.168.1.20:3000'], insecureDevelopment: true } }),
    ).rejects.toThrow(
      new TypeError(
        '"cookies.insecureDevelopment" is refused when NODE_ENV is "production": serve https (or localhost) and drop it.',
      ),
    );
    t = await createTestApp({ cookies: { trustedOrigins: [ORIGIN] } });
  });
});

describe('with cookies off (the default) nothing changes', () => {
  beforeEach(async () => {
    t = await createTestApp({ rateLimit: false });
  });

  test('the header is ignored: the refresh token stays in the body and no cookie is set', async () => {
    const res = await request(t.app)
      .post(`${t.base}/login`)
      .set('Origin', ORIGIN)
      .set('X-Auth-Transport', 'cookie')
      .send({ username: 'admin', password: PASSWORDS.admin })
      .expect(200);
    expect(res.body.refreshToken).toEqual(expect.any(String));
    expect(setCookies(res).filter((line) => !line.startsWith('__Host-eak-device='))).toEqual([]);
  });

  test('a refresh cookie is not read, and the document has no cookie parameter or scheme', async () => {
    const login = await request(t.app)
      .post(`${t.base}/login`)
      .send({ username: 'admin', password: PASSWORDS.admin })
      .expect(200);
    const res = await request(t.app)
      .post(`${t.base}/token/refresh`)
      .set('Origin', ORIGIN)
      .set('X-Auth-Transport', 'cookie')
      .set('Cookie', `__Host-eak-refresh=${login.body.refreshToken as string}`)
      .expect(401);
    expect(res.body.error).toBe('token_missing');
    const document = t.auth.openapi();
    const parameterNames = Object.values(document.paths).flatMap((methods) =>
      Object.values(methods).flatMap((operation) =>
        ((operation as { parameters?: { name: string }[] }).parameters ?? []).map((parameter) => parameter.name),
      ),
    );
    expect(parameterNames).not.toContain('X-Auth-Transport');
    expect(Object.keys((document.components as { securitySchemes: object }).securitySchemes)).toEqual([
      'accessToken',
      'challengeToken',
      'refreshToken',
      'apiKey',
      'deviceCookie',
    ]);
  });
});

describe('options are checked at start-up, naming the option', () => {
  test.each<[string, unknown, string]>([
    ['no trusted origins', {}, '"cookies.trustedOrigins" must list at least one origin'],
    ['an empty list', { trustedOrigins: [] }, '"cookies.trustedOrigins" must list at least one origin'],
    ['a path', { trustedOrigins: ['https://app.example.com/app'] }, '"cookies.trustedOrigins[0]" must be an origin'],
    [
      'a trailing slash',
      { trustedOrigins: ['https://app.example.com/'] },
      '"cookies.trustedOrigins[0]" must be an origin',
    ],
    [
      'a wildcard',
      { trustedOrigins: [ORIGIN, 'https://*.example.com'] },
      '"cookies.trustedOrigins[1]" must be an origin',
    ],
    ['"*"', { trustedOrigins: ['*'] }, '"cookies.trustedOrigins[0]" must be an origin'],
    ['null', { trustedOrigins: ['null'] }, '"cookies.trustedOrigins[0]" must be an origin'],
    ['no scheme', { trustedOrigins: ['app.example.com'] }, '"cookies.trustedOrigins[0]" must be an origin'],
    ['an unknown key', { trustedOrigins: [ORIGIN], sameSight: 'lax' }, 'Unknown option "cookies.sameSight"'],
    ['SameSite=None', { trustedOrigins: [ORIGIN], sameSite: 'none' }, '"cookies.sameSite" must be "strict" or "lax"'],
    [
      'a name without __Host-',
      { trustedOrigins: [ORIGIN], refreshCookieName: 'refresh' },
      '"cookies.refreshCookieName" must start with "__Host-"',
    ],
    [
      'a prefixed name without Secure',
      { trustedOrigins: [ORIGIN], insecureDevelopment: true, refreshCookieName: '__Host-r' },
      '"cookies.refreshCookieName" must not start with "__Host-"',
    ],
    [
      'an unknown access-cookie key',
      { trustedOrigins: [ORIGIN], accessTokenCookie: { nome: 'x' } },
      'Unknown option "cookies.accessTokenCookie.nome"',
    ],
    [
      'one name for both cookies',
      { trustedOrigins: [ORIGIN], accessTokenCookie: { name: '__Host-eak-refresh' } },
      '"cookies.accessTokenCookie.name" must differ',
    ],
    [
      'a non-boolean insecureDevelopment',
      { trustedOrigins: [ORIGIN], insecureDevelopment: 'yes' },
      '"cookies.insecureDevelopment" must be a boolean',
    ],
  ])('%s', async (_name, cookies, message) => {
    await expect(createTestApp({ cookies: cookies as never })).rejects.toThrow(message);
    t = await createTestApp();
  });

  test("origins are compared in their serialized form, and the caller's object is not changed", async () => {
    const cookies = { trustedOrigins: ['HTTPS://App.Example.com:443'] };
    t = await createTestApp({ rateLimit: false, cookies });
    expect(cookies).toEqual({ trustedOrigins: ['HTTPS://App.Example.com:443'] });
    const { refresh } = await cookieLogin(t);
    await request(t.app)
      .post(`${t.base}/token/refresh`)
      .set('Origin', ORIGIN)
      .set('X-Auth-Transport', 'cookie')
      .set('Cookie', `__Host-eak-refresh=${refresh}`)
      .expect(200);
  });
});

test('datarhei: GET /api/login/refresh reads the cookie too, and is CSRF-checked (a refresh is never a safe GET)', async () => {
  t = await createTestApp({ preset: 'datarhei', rateLimit: false, cookies: { trustedOrigins: [ORIGIN] } });
  const login = await request(t.app)
    .post(`${t.base}/login`)
    .set('Origin', ORIGIN)
    .set('X-Auth-Transport', 'cookie')
    .send({ username: 'admin', password: PASSWORDS.admin })
    .expect(200);
  expect(login.body).toEqual({ access_token: expect.any(String) });
  const refresh = cookieOf(login, '__Host-eak-refresh')!.value;
  const foreign = await request(t.app)
    .get(`${t.base}/login/refresh`)
    .set('Sec-Fetch-Site', 'cross-site')
    .set('X-Auth-Transport', 'cookie')
    .set('Cookie', `__Host-eak-refresh=${refresh}`)
    .expect(403);
  expect(foreign.body.details).toEqual(['csrf_rejected']);
  // A same-origin fetch sends no Origin on GET: Sec-Fetch-Site vouches for it.
  const res = await request(t.app)
    .get(`${t.base}/login/refresh`)
    .set('Sec-Fetch-Site', 'same-origin')
    .set('X-Auth-Transport', 'cookie')
    .set('Cookie', `__Host-eak-refresh=${refresh}`)
    .expect(200);
  expect(res.body).toEqual({ access_token: expect.any(String) });
});
