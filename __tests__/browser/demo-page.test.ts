// The demo page of examples/basic.ts (GET /) in headless Chromium, driven by playwright-core: sign-in with and without
// the emailed code, the guarded call, the sessions list, sign out, a reload kept signed in by the refresh cookie, and
// pages of another origin failing to use that cookie. Debian's /usr/bin/chromium (CHROMIUM_PATH overrides); without
// it the suite is skipped, saying why.
import { mkdirSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEMO_PASSWORDS } from '../../examples/shared/demo-server';
import { MemoryMailer } from '../../lib';
import { closeServer, demoInBrowserPerSuite, describeInBrowser } from '../helpers/browser';

/** Where reviewers find the screenshots (git-ignored). */
const RESULTS = path.join(__dirname, '..', '..', 'test-results');
const REFRESH_COOKIE = '__Host-eak-refresh';

jest.setTimeout(60_000);

interface Answered {
  method: string;
  path: string;
  origin: string | undefined;
  /** Whether the request carried the refresh cookie. */
  withRefreshCookie: boolean;
  status: number;
  setCookie: string[];
}

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describeInBrowser('the browser tests (__tests__/browser)')(
  'the demo page (examples/basic.ts) in headless Chromium',
  () => {
    const mailer = new MemoryMailer();
    /** Every request the example answered, to see what a foreign page managed to do. */
    const answered: Answered[] = [];
    let foreign: Server | undefined;
    let origin: string;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;

    // Declared first, so it runs before the demo's closings.
    afterAll(async () => {
      await closeServer(foreign);
    });

    demoInBrowserPerSuite(
      {
        secret: 'a-demo-page-test-secret-that-is-long-enough-for-any-hmac-0123456789',
        mailer,
        // Every answer recorded, to see what a foreign page managed to do.
        wrap: (handler) => (req, res) => {
          const url = req.url ?? '';
          res.on('finish', () => {
            const setCookie = res.getHeader('set-cookie');
            answered.push({
              method: req.method ?? '',
              path: url,
              origin: req.headers.origin,
              withRefreshCookie: (req.headers.cookie ?? '').includes(`${REFRESH_COOKIE}=`),
              status: res.statusCode,
              setCookie: Array.isArray(setCookie) ? setCookie : setCookie === undefined ? [] : [String(setCookie)],
            });
          });
          handler(req, res);
        },
      },
      (demo) => {
        ({ origin, browser } = demo);
        mkdirSync(RESULTS, { recursive: true });
      },
    );

    beforeEach(async () => {
      context = await browser.newContext({ viewport: { width: 900, height: 900 } });
      page = await context.newPage();
      answered.length = 0;
    });

    afterEach(async () => {
      await context.close();
    });

    async function signIn(username: string, password: string): Promise<void> {
      await page.goto(`${origin}/`);
      await page.getByLabel('Username or email').fill(username);
      await page.getByLabel('Password', { exact: true }).fill(password);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    }

    async function expectSignedInAs(login: string): Promise<void> {
      await page.locator('#signed-in').waitFor();
      expect(await page.locator('#who').textContent()).toBe(login);
    }

    async function callGuardedRoute(): Promise<{ login: string | null; authorities: string | null }> {
      await page.getByRole('button', { name: 'Call /api/protected' }).click();
      await page.locator('#protected-result').waitFor();
      return {
        login: await page.locator('#result-login').textContent(),
        authorities: await page.locator('#result-authorities').textContent(),
      };
    }

    /** Nothing of a token in what page scripts can read: document.cookie and web storage stay empty. */
    async function expectNoTokenInPageStorage(): Promise<void> {
      // A string, evaluated in the page: the tests are type-checked without the DOM library.
      const stored = await page.evaluate<unknown>(
        '({ cookie: document.cookie, local: localStorage.length, session: sessionStorage.length })',
      );
      expect(stored).toEqual({ cookie: '', local: 0, session: 0 });
    }

    /** The refresh cookie in the browser's jar for the example's origin, if any. */
    async function refreshCookie(): Promise<Awaited<ReturnType<BrowserContext['cookies']>>[number] | undefined> {
      return (await context.cookies(origin)).find((cookie) => cookie.name === REFRESH_COOKIE);
    }

    test('admin signs in; the guarded call shows the login and authorities; sign out ends the session', async () => {
      const loginAnswer = page.waitForResponse((response) => response.url() === `${origin}/auth/login`);
      await signIn('admin', DEMO_PASSWORDS.admin);
      await expectSignedInAs('admin');
      // Cookie mode: the answer carries the access token only; the refresh token is in an HttpOnly __Host- cookie.
      const body = await (await loginAnswer).json();
      expect(body).toEqual(expect.objectContaining({ accessToken: expect.any(String) }));
      expect(body).not.toHaveProperty('refreshToken');
      expect(await refreshCookie()).toEqual(
        expect.objectContaining({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/' }),
      );
      expect(await callGuardedRoute()).toEqual({ login: 'admin', authorities: 'ROLE_ADMIN, ROLE_USER' });
      await expectNoTokenInPageStorage();
      await page.screenshot({ path: path.join(RESULTS, 'demo-signed-in.png'), fullPage: true });

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.locator('#signed-out').waitFor();
      expect(await page.locator('#status').textContent()).toBe('Signed out.');
      expect(answered.filter((a) => a.path === '/auth/logout').map((a) => [a.status, a.withRefreshCookie])).toEqual([
        [204, true],
      ]);
      expect(await refreshCookie()).toBeUndefined();
      await page.reload();
      await page.locator('#signed-out').waitFor();
    });

    test('user signs in with the emailed code; the guarded call shows ROLE_USER', async () => {
      const before = mailer.sent.length;
      await signIn('user', DEMO_PASSWORDS.user);
      await page.locator('#code-needed').waitFor();
      const mail = mailer.sent.slice(before).find((m) => m.to === 'user@example.com');
      expect(mail).toBeDefined();
      await page.screenshot({ path: path.join(RESULTS, 'demo-code-needed.png'), fullPage: true });

      await page.getByLabel('Verification code').fill('000000' === mail!.code ? '111111' : '000000');
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.locator('#error').waitFor();
      expect(await page.locator('#error').textContent()).toMatch(/tfa_invalid/);

      await page.getByLabel('Verification code').fill(mail!.code);
      await page.getByRole('button', { name: 'Verify' }).click();
      await expectSignedInAs('user');
      expect(await page.locator('#error').isHidden()).toBe(true);
      expect(await callGuardedRoute()).toEqual({ login: 'user', authorities: 'ROLE_USER' });
    });

    test("a refused sign-in shows the API's message and code", async () => {
      await signIn('admin', 'not-the-password');
      await page.locator('#error').waitFor();
      expect(await page.locator('#error').textContent()).toMatch(/\(invalid_credentials\)$/);
      expect(await page.locator('#signed-out').isVisible()).toBe(true);
    });

    test('a reload keeps the session: the page refreshes through the HttpOnly cookie', async () => {
      await signIn('guest', DEMO_PASSWORDS.guest);
      await expectSignedInAs('guest');
      await page.reload();
      await expectSignedInAs('guest');
      expect(await callGuardedRoute()).toEqual({ login: 'guest', authorities: 'ROLE_USER' });
      await expectNoTokenInPageStorage();
      // The first visit's refresh found no cookie (signed out); the reload's refreshed with it.
      const refreshes = answered.filter((a) => a.path === '/auth/token/refresh' && a.withRefreshCookie);
      expect(refreshes.map((a) => [a.status, a.origin, a.withRefreshCookie])).toEqual([[200, origin, true]]);
    });

    test('the sessions list shows this page and another browser; "End" ends the other one', async () => {
      const other = await browser.newContext();
      try {
        const otherPage = await other.newPage();
        const sessionsRoute = await otherPage.request.get(`${origin}/auth/sessions`);
        await signIn('guest', DEMO_PASSWORDS.guest);
        await expectSignedInAs('guest');
        if (sessionsRoute.status() === 404) {
          // The server has no sessions route: the panel stays hidden and nothing is shown as an error.
          expect(await page.locator('#sessions-panel').isHidden()).toBe(true);
          expect(await page.locator('#error').isHidden()).toBe(true);
          return;
        }
        // The other browser signs in as guest too, then this page lists both.
        await otherPage.goto(`${origin}/`);
        await otherPage.getByLabel('Username or email').fill('guest');
        await otherPage.getByLabel('Password', { exact: true }).fill(DEMO_PASSWORDS.guest);
        await otherPage.getByRole('button', { name: 'Sign in', exact: true }).click();
        await otherPage.locator('#signed-in').waitFor();

        // The list as the server answered this refresh (guest may have sessions left by earlier tests): the other
        // browser's is the newest one that is not this page's. Waiting for its item waits for this very render.
        const [listAnswer] = await Promise.all([
          page.waitForResponse(
            (response) => response.url() === `${origin}/auth/sessions` && response.request().method() === 'GET',
          ),
          page.getByRole('button', { name: 'Refresh the list' }).click(),
        ]);
        const { sessions } = (await listAnswer.json()) as {
          sessions: { id: string; current: boolean; createdAt: string }[];
        };
        const others = sessions
          .filter((session) => !session.current)
          .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
        expect(sessions.filter((session) => session.current)).toHaveLength(1);
        const otherItem = page.locator(`#sessions li[data-session-id="${others.at(-1)!.id}"]`);
        await otherItem.waitFor();
        expect(await page.locator('#sessions li').count()).toBe(sessions.length);
        expect(await page.locator('#sessions li .badge').count()).toBe(1);
        await otherItem.getByRole('button', { name: /^End/ }).click();
        // Locator waits, not page.waitForFunction: a string predicate is compiled in the page whenever Playwright has to
        // poll, which the page's CSP (no 'unsafe-eval') refuses. The page says this after it has re-rendered the list.
        await otherItem.waitFor({ state: 'detached' });
        await page.locator('#status').filter({ hasText: 'The session has ended.' }).waitFor();
        expect(await page.locator('#status').textContent()).toBe('The session has ended.');
        expect(await page.locator('#sessions li').count()).toBe(sessions.length - 1);

        // The ended session's tokens stop working: the other browser's next guarded call signs it out.
        await otherPage.getByRole('button', { name: 'Call /api/protected' }).click();
        await otherPage.locator('#signed-out').waitFor();
        expect(await otherPage.locator('#error').textContent()).toMatch(/\(token_\w+\)$/);
        expect(await page.locator('#signed-in').isVisible()).toBe(true);
      } finally {
        await other.close();
      }
    });

    test('pages of another origin cannot use the refresh cookie: fetches and a form post are refused and consume nothing', async () => {
      await signIn('admin', DEMO_PASSWORDS.admin);
      await expectSignedInAs('admin');
      const target = `${origin}/auth/token/refresh`;
      // Another server, another port: same site as the example (so a SameSite=Strict cookie still goes along), but another
      // origin, which only the CSRF check stops. Its page tries the refresh route every way a page can.
      foreign = createServer((_req, res) => {
        res.setHeader('Content-Type', 'text/html; charset=utf-8');
        res.end(`<!doctype html><title>another origin</title>
<form id="post" method="post" action="${target}"></form>
<script>
  window.results = (async () => {
    const out = {};
    async function attempt(name, init) {
      try {
        const response = await fetch(${JSON.stringify(target)}, { method: 'POST', credentials: 'include', ...init });
        out[name] = response.type === 'opaque' ? 'opaque' : response.status + ' ' + (await response.text());
      } catch (error) {
        out[name] = 'refused: ' + error.name;
      }
    }
    await attempt('opt-in header', { headers: { 'X-Auth-Transport': 'cookie' } });
    await attempt('json', { headers: { 'Content-Type': 'application/json' }, body: '{}' });
    await attempt('text', { headers: { 'Content-Type': 'text/plain' }, body: '{}' });
    await attempt('no body, no-cors', { mode: 'no-cors' });
    return out;
  })();
</script>`);
      });
      const foreignOrigin = await listen(foreign);
      const foreignPort = new URL(foreignOrigin).port;
      const before = await refreshCookie();
      expect(before).toBeDefined();

      const attacker = await context.newPage();
      const fromAttacker = (site: string) =>
        answered.filter((a) => a.method === 'POST' && a.path === '/auth/token/refresh' && a.origin === site);
      for (const site of [foreignOrigin, `http://localhost:${foreignPort}`]) {
        await attacker.goto(`${site}/`);
        // Every fetch fails or is opaque: no answer a script of another origin can read.
        expect(await attacker.evaluate<unknown>('window.results')).toEqual({
          'opt-in header': 'refused: TypeError',
          json: 'refused: TypeError',
          text: 'refused: TypeError',
          'no body, no-cors': 'opaque',
        });
        await Promise.all([
          attacker.waitForURL(target),
          attacker.locator('#post').evaluate((form) => (form as unknown as { submit(): void }).submit()),
        ]);
        // The preflighted fetches never reached the route; the simple ones (text, no body) and the form post did, and
        // were refused, setting no cookie.
        const tries = fromAttacker(site);
        expect(tries).toHaveLength(3);
        for (const attempt of tries) {
          expect(attempt.status).toBeGreaterThanOrEqual(400);
          expect(attempt.setCookie.join('\n')).not.toContain(REFRESH_COOKIE);
        }
        if (site === foreignOrigin) {
          // Same site: the browser sent the cookie each time, and the Origin check refused it, before reading any body.
          expect(tries.map((a) => [a.status, a.withRefreshCookie])).toEqual([
            [403, true],
            [403, true],
            [403, true],
          ]);
          expect(await attacker.locator('body').textContent()).toContain('csrf_rejected');
        } else {
          // Another site (localhost is not 127.0.0.1): SameSite=Strict kept the cookie home.
          expect(tries.every((a) => !a.withRefreshCookie)).toBe(true);
        }
      }

      // Nothing was consumed: the cookie is the same, and the page still refreshes with it across a reload.
      expect((await refreshCookie())?.value).toBe(before!.value);
      await page.reload();
      await expectSignedInAs('admin');
      expect(await page.locator('#error').isHidden()).toBe(true);
    });
  },
);
