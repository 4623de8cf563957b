// A refresh (or logout) that carries both a bearer and a refresh cookie: the bearer is the credential. The cookie is
// neither read nor CSRF-checked, the answer is a bearer client's (tokens in the body, no cookie set), and the cookie's
// session is left untouched.
import request from 'supertest';
import { createTestApp, PASSWORDS, type TestApp } from '../helpers/create-app';
import { login } from '../helpers/session';

const ORIGIN = 'https://app.example.com';
const REFRESH_COOKIE = '__Host-eak-refresh';

let t: TestApp;

beforeEach(async () => {
  t = await createTestApp({ rateLimit: false, cookies: { trustedOrigins: [ORIGIN] } });
});
afterEach(() => t.close());

/** A browser session: its refresh token is in the cookie. */
async function cookieSession(): Promise<string> {
  const res = await request(t.app)
    .post(`${t.base}/login`)
    .set('Origin', ORIGIN)
    .set('X-Auth-Transport', 'cookie')
    .send({ username: 'guest', password: PASSWORDS.guest })
    .expect(200);
  const line = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((l) => l.startsWith(`${REFRESH_COOKIE}=`));
  return line!.split(';')[0]!.slice(REFRESH_COOKIE.length + 1);
}

function cookieRefresh(refresh: string) {
  return request(t.app)
    .post(`${t.base}/token/refresh`)
    .set('Origin', ORIGIN)
    .set('X-Auth-Transport', 'cookie')
    .set('Cookie', `${REFRESH_COOKIE}=${refresh}`);
}

function setCookieLines(res: request.Response): string[] {
  return ([] as string[]).concat(res.headers['set-cookie'] ?? []);
}

it('with no Origin (a non-browser client): the bearer refreshes, the cookie is not CSRF-checked and its session stays usable', async () => {
  const cookie = await cookieSession();
  const bearer = (await login(t, 'admin')).refreshToken;
  const res = await request(t.app)
    .post(`${t.base}/token/refresh`)
    .set('Authorization', `Bearer ${bearer}`)
    .set('Cookie', `${REFRESH_COOKIE}=${cookie}`);
  expect(res.status).toBe(200);
  expect(res.body.refreshToken).toEqual(expect.any(String));
  expect(setCookieLines(res).filter((l) => l.startsWith(`${REFRESH_COOKIE}=`))).toEqual([]);
  // The bearer's session was the one refreshed: its successor works; the cookie's own token is still unspent.
  await request(t.app)
    .post(`${t.base}/token/refresh`)
    .set('Authorization', `Bearer ${res.body.refreshToken as string}`)
    .expect(200);
  await cookieRefresh(cookie).expect(200);
});

it('from a trusted origin with a JSON body: still the bearer, not the cookie', async () => {
  const cookie = await cookieSession();
  const bearer = (await login(t, 'admin')).refreshToken;
  const res = await request(t.app)
    .post(`${t.base}/token/refresh`)
    .set('Origin', ORIGIN)
    .set('Authorization', `Bearer ${bearer}`)
    .set('Cookie', `${REFRESH_COOKIE}=${cookie}`)
    .send({});
  expect(res.status).toBe(200);
  expect(res.body.refreshToken).toEqual(expect.any(String));
  await cookieRefresh(cookie).expect(200);
});
