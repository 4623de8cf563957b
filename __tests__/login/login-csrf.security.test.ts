// Login CSRF: a cross-site page must not log the browser into the attacker's account. In cookie mode every route that
// sets the session cookies (login, second-factor verify) passes the same Origin / Sec-Fetch-Site check as refresh,
// before its body is read and before any password comparison or lockout count; bearer clients are unaffected, and a
// cross-site answer never plants a device cookie.
import request from 'supertest';
import type { AuthEvent } from '../../lib';
import { createTestApp, PASSWORDS, type TestApp } from '../helpers/create-app';

const ORIGIN = 'https://app.example.com';
const EVIL = 'https://evil.example';
const DEVICE_COOKIE = '__Host-eak-device';

let t: TestApp;
let events: AuthEvent[];
afterEach(async () => {
  await t.close();
});

function setCookies(res: request.Response): string[] {
  const header = res.headers['set-cookie'] as unknown;
  return Array.isArray(header) ? (header as string[]) : header === undefined ? [] : [String(header)];
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const refused: [string, Record<string, string>][] = [
  ['a foreign Origin', { Origin: EVIL }],
  ['Origin: null', { Origin: 'null' }],
  ['no Origin and Sec-Fetch-Site: cross-site', { 'Sec-Fetch-Site': 'cross-site' }],
  ['no Origin and Sec-Fetch-Site: same-site (a sibling subdomain)', { 'Sec-Fetch-Site': 'same-site' }],
];

describe('cookie-mode login from another site', () => {
  beforeEach(async () => {
    events = [];
    t = await createTestApp({
      rateLimit: false,
      cookies: { trustedOrigins: [ORIGIN] },
      onEvent: (event) => void events.push(event),
    });
  });

  test.each(refused)('%s: 403 csrf_rejected, no cookie set, no event', async (_case, headers) => {
    const res = await request(t.app)
      .post(`${t.base}/login`)
      .set('X-Auth-Transport', 'cookie')
      .set(headers)
      .send({ username: 'admin', password: PASSWORDS.admin })
      .expect(403);
    expect(res.body).toEqual({ error: 'csrf_rejected', message: expect.any(String) });
    expect(setCookies(res)).toEqual([]);
    await flush();
    expect(events).toEqual([]);
  });

  test('is refused before the password is compared: a burst of wrong passwords counts toward no lockout', async () => {
    for (let i = 0; i < 15; i += 1) {
      const res = await request(t.app)
        .post(`${t.base}/login`)
        .set('X-Auth-Transport', 'cookie')
        .set('Origin', EVIL)
        .send({ username: 'admin', password: 'wrong' })
        .expect(403);
      expect(res.body.error).toBe('csrf_rejected');
    }
    // Neither counted nor compared: the owner's page logs in at once, without a device cookie.
    const res = await request(t.app)
      .post(`${t.base}/login`)
      .set('X-Auth-Transport', 'cookie')
      .set('Origin', ORIGIN)
      .send({ username: 'admin', password: PASSWORDS.admin })
      .expect(200);
    expect(setCookies(res).some((line) => line.startsWith('__Host-eak-refresh='))).toBe(true);
    await flush();
    expect(events.map((event) => event.event)).toEqual(['login.succeeded']);
  });

  test('is refused before the body is read: a malformed body from another site is a 403, not a 400', async () => {
    const res = await request(t.app)
      .post(`${t.base}/login`)
      .set('X-Auth-Transport', 'cookie')
      .set('Origin', EVIL)
      .set('Content-Type', 'text/plain')
      .send('{"username":"admin"')
      .expect(403);
    expect(res.body.error).toBe('csrf_rejected');
  });

  test('a trusted Origin, or Sec-Fetch-Site same-origin, logs in', async () => {
    await request(t.app)
      .post(`${t.base}/login`)
      .set('X-Auth-Transport', 'cookie')
      .set('Origin', ORIGIN)
      .send({ username: 'admin', password: PASSWORDS.admin })
      .expect(200);
    await request(t.app)
      .post(`${t.base}/login`)
      .set('X-Auth-Transport', 'cookie')
      .set('Sec-Fetch-Site', 'same-origin')
      .send({ username: 'admin', password: PASSWORDS.admin })
      .expect(200);
  });

  test('second-factor verify is checked the same way, and the refused request spends neither the code nor an attempt', async () => {
    const challenge = await request(t.app)
      .post(`${t.base}/login`)
      .set('X-Auth-Transport', 'cookie')
      .set('Origin', ORIGIN)
      .send({ username: 'user', password: PASSWORDS.user })
      .expect(200);
    const token = challenge.body.challengeToken as string;
    const code = t.mailer.last('user@example.com')!.code;
    // More refused tries than the attempt budget (5): none is counted.
    for (let i = 0; i < 6; i += 1) {
      const res = await request(t.app)
        .post(`${t.base}/tfa/verify`)
        .set('Authorization', `Bearer ${token}`)
        .set('X-Auth-Transport', 'cookie')
        .set('Origin', EVIL)
        .send({ code: i === 0 ? code : '000000' })
        .expect(403);
      expect(res.body.error).toBe('csrf_rejected');
      expect(setCookies(res)).toEqual([]);
    }
    const res = await request(t.app)
      .post(`${t.base}/tfa/verify`)
      .set('Authorization', `Bearer ${token}`)
      .set('X-Auth-Transport', 'cookie')
      .set('Origin', ORIGIN)
      .send({ code })
      .expect(200);
    expect(setCookies(res).some((line) => line.startsWith('__Host-eak-refresh='))).toBe(true);
  });
});

describe('refresh and logout that would set or clear the cookies', () => {
  let attackerRefresh: string;
  beforeEach(async () => {
    t = await createTestApp({ rateLimit: false, cookies: { trustedOrigins: [ORIGIN] } });
    // The attacker's own session, as a bearer client gets it.
    attackerRefresh = (
      await request(t.app).post(`${t.base}/login`).send({ username: 'guest', password: PASSWORDS.guest }).expect(200)
    ).body.refreshToken as string;
  });

  test.each(refused)(
    "a refresh with a token in the body and the opt-in header from %s is refused: it would plant that session's cookie",
    async (_case, headers) => {
      const res = await request(t.app)
        .post(`${t.base}/token/refresh`)
        .set('X-Auth-Transport', 'cookie')
        .set(headers)
        .send({ refreshToken: attackerRefresh })
        .expect(403);
      expect(res.body.error).toBe('csrf_rejected');
      expect(setCookies(res)).toEqual([]);
      // Consumed nothing: the token still refreshes.
      await request(t.app).post(`${t.base}/token/refresh`).send({ refreshToken: attackerRefresh }).expect(200);
    },
  );

  test("a logout by bearer with the opt-in header from another site is refused: it would clear the page's cookies", async () => {
    const res = await request(t.app)
      .post(`${t.base}/logout`)
      .set('X-Auth-Transport', 'cookie')
      .set('Origin', EVIL)
      .set('Authorization', `Bearer ${attackerRefresh}`)
      .expect(403);
    expect(res.body.error).toBe('csrf_rejected');
    expect(setCookies(res)).toEqual([]);
    await request(t.app).post(`${t.base}/token/refresh`).send({ refreshToken: attackerRefresh }).expect(200);
  });

  test('from the trusted origin both work', async () => {
    const res = await request(t.app)
      .post(`${t.base}/token/refresh`)
      .set('X-Auth-Transport', 'cookie')
      .set('Origin', ORIGIN)
      .send({ refreshToken: attackerRefresh })
      .expect(200);
    expect(setCookies(res).some((line) => line.startsWith('__Host-eak-refresh='))).toBe(true);
  });
});

describe('bearer clients (no X-Auth-Transport)', () => {
  beforeEach(async () => {
    events = [];
    t = await createTestApp({ rateLimit: false, cookies: { trustedOrigins: [ORIGIN] } });
  });

  test('log in from any Origin as before, with tokens in the body', async () => {
    const res = await request(t.app)
      .post(`${t.base}/login`)
      .set('Origin', EVIL)
      .send({ username: 'admin', password: PASSWORDS.admin })
      .expect(200);
    expect(res.body).toEqual(
      expect.objectContaining({ accessToken: expect.any(String), refreshToken: expect.any(String) }),
    );
  });

  test('a same-origin login gets its device cookie', async () => {
    const res = await request(t.app)
      .post(`${t.base}/login`)
      .set('Sec-Fetch-Site', 'same-origin')
      .send({ username: 'admin', password: PASSWORDS.admin })
      .expect(200);
    expect(setCookies(res).some((line) => line.startsWith(`${DEVICE_COOKIE}=`))).toBe(true);
  });

  test("a cross-site login plants no device cookie, which would replace the owner's own (and its lockout exemption)", async () => {
    const res = await request(t.app)
      .post(`${t.base}/login`)
      .set('Origin', EVIL)
      .set('Sec-Fetch-Site', 'cross-site')
      .send({ username: 'admin', password: PASSWORDS.admin })
      .expect(200);
    expect(res.body.accessToken).toEqual(expect.any(String));
    expect(setCookies(res).filter((line) => line.startsWith(`${DEVICE_COOKIE}=`))).toEqual([]);
  });

  test('nor does a cross-site second-factor verify', async () => {
    const challenge = await request(t.app)
      .post(`${t.base}/login`)
      .set('Origin', EVIL)
      .set('Sec-Fetch-Site', 'cross-site')
      .send({ username: 'user', password: PASSWORDS.user })
      .expect(200);
    const code = t.mailer.last('user@example.com')!.code;
    const res = await request(t.app)
      .post(`${t.base}/tfa/verify`)
      .set('Authorization', `Bearer ${challenge.body.challengeToken as string}`)
      .set('Origin', EVIL)
      .set('Sec-Fetch-Site', 'cross-site')
      .send({ code })
      .expect(200);
    expect(setCookies(res).filter((line) => line.startsWith(`${DEVICE_COOKIE}=`))).toEqual([]);
  });
});
