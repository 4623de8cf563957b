// docs/guides/spa-other-origin.md, run as written: its API (cors + the cookie transport) answers the page's preflights
// and refuses other origins; a cookie-mode login and a CSRF-checked refresh work with supertest; and the page's own
// fetch code runs against the API over HTTP through a stand-in for the browser (Origin, preflights, CORS checks and
// a cookie jar), across a simulated reload and a logout.
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import request from 'supertest';
import { MemoryUserStore, type Auth } from '../../lib';
import { loadDocModule } from '../helpers/doc-module';
import { TEST_SECRET } from '../helpers/create-app';
import { soleAdmin } from '../helpers/fixtures';

const GUIDE = 'docs/guides/spa-other-origin.md';
const APP_ORIGIN = 'https://app.example.com';
const EVIL_ORIGIN = 'https://evil.example';

interface Page {
  login(username: string, password: string): Promise<{ challengeToken: string } | null>;
  refresh(): Promise<boolean>;
  api(path: string, init?: RequestInit): Promise<Response>;
  logout(): Promise<void>;
}

let api: { app: Express; auth: Auth };

beforeEach(async () => {
  process.env.JWT_SECRET = TEST_SECRET;
  const users = new MemoryUserStore([await soleAdmin()]);
  api = loadDocModule<{ createApi(users: MemoryUserStore): { app: Express; auth: Auth } }>(GUIDE, 'spa-api').createApi(
    users,
  );
});

afterEach(async () => {
  await api.auth.shutdown();
});

function refreshCookieOf(res: request.Response): string {
  const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const cookie = cookies.find((line) => line.startsWith('__Host-eak-refresh='));
  if (!cookie) throw new Error(`no refresh cookie in ${JSON.stringify(cookies)}`);
  return cookie;
}

async function cookieLogin(): Promise<{ res: request.Response; cookie: string }> {
  const res = await request(api.app)
    .post('/auth/login')
    .set('Origin', APP_ORIGIN)
    .set('X-Auth-Transport', 'cookie')
    .send({ username: 'admin', password: 'admin-password' });
  expect(res.status).toBe(200);
  return { res, cookie: refreshCookieOf(res).split(';', 1)[0]! };
}

describe('the API of the guide', () => {
  test('answers a preflight from the page with credentials allowed, and gives another origin nothing', async () => {
    const preflight = await request(api.app)
      .options('/auth/token/refresh')
      .set('Origin', APP_ORIGIN)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type,x-auth-transport');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(APP_ORIGIN);
    expect(preflight.headers['access-control-allow-credentials']).toBe('true');
    expect(preflight.headers['access-control-allow-headers']).toMatch(/X-Auth-Transport/);
    expect(preflight.headers['access-control-allow-methods']).toMatch(/POST/);

    const foreign = await request(api.app)
      .options('/auth/token/refresh')
      .set('Origin', EVIL_ORIGIN)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'x-auth-transport');
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
  });

  test('a cookie-mode login sets the HttpOnly __Host- cookie and keeps the refresh token out of the body', async () => {
    const { res } = await cookieLogin();
    expect(res.headers['access-control-allow-origin']).toBe(APP_ORIGIN);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(res.body.accessToken).toEqual(expect.any(String));
    expect(res.body.refreshToken).toBeUndefined();
    expect(refreshCookieOf(res)).toMatch(/; Path=\/; HttpOnly; Secure; SameSite=Strict$/);
  });

  test('the refresh is CSRF-checked: another origin or no opt-in header is 403 and spends nothing', async () => {
    const { cookie } = await cookieLogin();
    const evil = await request(api.app)
      .post('/auth/token/refresh')
      .set('Cookie', cookie)
      .set('Origin', EVIL_ORIGIN)
      .set('X-Auth-Transport', 'cookie');
    expect(evil.status).toBe(403);
    expect(evil.body.error).toBe('csrf_rejected');
    // A form post from the page's own origin cannot add the header nor a JSON type.
    const form = await request(api.app)
      .post('/auth/token/refresh')
      .set('Cookie', cookie)
      .set('Origin', APP_ORIGIN)
      .type('form')
      .send('a=b');
    expect(form.status).toBe(403);
    expect(form.body.error).toBe('csrf_rejected');

    const good = await request(api.app)
      .post('/auth/token/refresh')
      .set('Cookie', cookie)
      .set('Origin', APP_ORIGIN)
      .set('X-Auth-Transport', 'cookie');
    expect(good.status).toBe(200);
    expect(good.body.refreshToken).toBeUndefined();
    expect(refreshCookieOf(good).split(';', 1)[0]).not.toBe(cookie);
    const me = await request(api.app)
      .get('/api/me')
      .set('Authorization', `Bearer ${good.body.accessToken as string}`)
      .set('Origin', APP_ORIGIN);
    expect(me.body).toEqual({ userId: '1', authorities: ['ROLE_ADMIN'] });
  });
});

/**
 * What a browser on APP_ORIGIN does around the page's fetch calls to another origin: a preflight for the non-safelisted
 * headers, Origin on every request, the cookie jar for `credentials: 'include'`, and CORS checks on every answer.
 */
function browserOn(pageOrigin: string) {
  const jar = new Map<string, string>();
  const sent: string[] = [];
  async function browserFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
    const url = String(input);
    const method = init.method ?? 'GET';
    sent.push(`${method} ${new URL(url).pathname}`);
    const headers = new Headers(init.headers);
    const names = [...headers.keys()].filter((name) => name !== 'accept').join(',');
    if (names !== '') {
      const preflight = await fetch(url, {
        method: 'OPTIONS',
        headers: {
          Origin: pageOrigin,
          'Access-Control-Request-Method': method,
          'Access-Control-Request-Headers': names,
        },
      });
      const allowed = (preflight.headers.get('access-control-allow-headers') ?? '')
        .toLowerCase()
        .split(',')
        .map((name) => name.trim());
      if (
        preflight.headers.get('access-control-allow-origin') !== pageOrigin ||
        names.split(',').some((name) => !allowed.includes(name))
      ) {
        throw new TypeError(`Failed to fetch: the preflight of ${method} ${url} refused ${names}`);
      }
    }
    headers.set('Origin', pageOrigin);
    const credentials = init.credentials === 'include';
    if (credentials && jar.size > 0)
      headers.set('Cookie', [...jar].map(([name, value]) => `${name}=${value}`).join('; '));
    const res = await fetch(url, { ...init, method, headers });
    if (res.headers.get('access-control-allow-origin') !== pageOrigin)
      throw new TypeError('Failed to fetch: no CORS answer');
    if (credentials) {
      if (res.headers.get('access-control-allow-credentials') !== 'true')
        throw new TypeError('Failed to fetch: credentials not allowed');
      for (const line of res.headers.getSetCookie()) {
        const pair = line.split(';', 1)[0]!;
        const name = pair.slice(0, pair.indexOf('='));
        const value = pair.slice(pair.indexOf('=') + 1);
        if (value === '' || /Max-Age=0(;|$)/.test(line)) jar.delete(name);
        else jar.set(name, value);
      }
    }
    return res;
  }
  return { fetch: browserFetch, jar, sent };
}

describe('the page of the guide, against the API over HTTP', () => {
  let server: Server;
  let origin: string;
  beforeEach(async () => {
    server = api.app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const openPage = (browser: ReturnType<typeof browserOn>): Page =>
    loadDocModule<Page>(GUIDE, 'spa-browser', { fetch: browser.fetch }, (code) =>
      code.replace("'https://api.example.com'", `'${origin}'`),
    );

  test('logs in, calls the API, survives a reload through the cookie, and logs out', async () => {
    const browser = browserOn(APP_ORIGIN);
    const page = openPage(browser);
    expect(await page.login('admin', 'admin-password')).toBeNull();
    expect([...browser.jar.keys()]).toEqual(['__Host-eak-device', '__Host-eak-refresh']);
    expect(await (await page.api('/api/me')).json()).toEqual({ userId: '1', authorities: ['ROLE_ADMIN'] });

    // A reload: the page's memory is gone, the cookie is not.
    const reloaded = openPage(browser);
    const me = await reloaded.api('/api/me');
    expect(me.status).toBe(200);
    // Two refreshes at once share one request.
    const before = browser.sent.length;
    expect(await Promise.all([reloaded.refresh(), reloaded.refresh()])).toEqual([true, true]);
    expect(browser.sent.slice(before)).toEqual(['POST /auth/token/refresh']);

    await reloaded.logout();
    expect(browser.jar.has('__Host-eak-refresh')).toBe(false);
    const afterLogout = openPage(browser);
    expect(await afterLogout.refresh()).toBe(false);
    expect((await afterLogout.api('/api/me')).status).toBe(401);
  });

  test('the same page served from an origin the API does not trust cannot log in', async () => {
    const page = openPage(browserOn(EVIL_ORIGIN));
    await expect(page.login('admin', 'admin-password')).rejects.toThrow(/Failed to fetch/);
  });
});
