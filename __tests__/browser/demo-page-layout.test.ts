// The demo page (examples/basic.ts) at a desktop's and a phone's width in headless Chromium: a first visit logs no
// console error (no request that fails), the page holds at 375 px (nothing scrolls sideways, the "this page" badge on
// one line), an iPhone's session is labelled iOS, and the expired demo user changes the password and is signed in.
// Screenshots go to test-results/ (git-ignored). Debian's /usr/bin/chromium (CHROMIUM_PATH overrides), as the other
// browser tests; without it the suite is skipped, saying why.
import { mkdirSync } from 'node:fs';
import { type RequestListener, type Server } from 'node:http';
import path from 'node:path';
import request from 'supertest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEMO_PASSWORDS } from '../../examples/shared/demo-server';
import { demoInBrowserPerSuite, describeInBrowser } from '../helpers/browser';

/** Where reviewers find the screenshots (git-ignored). */
const RESULTS = path.join(__dirname, '..', '..', 'test-results');
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
// Beside "Chrome on Android", at 375 px, the badge used to break between "this" and "page".
const PIXEL =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.71 Mobile Safari/537.36';

jest.setTimeout(60_000);

describeInBrowser('the browser tests (__tests__/browser)')('the demo page at 1280 and 375 px', () => {
  let server: Server;
  let origin: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** What the page logged as errors, and the requests that failed or answered 4xx/5xx. */
  let consoleErrors: string[];
  let failedRequests: string[];

  demoInBrowserPerSuite(
    { secret: 'a-demo-page-layout-test-secret-that-is-long-enough-for-any-hmac-0123', onEvent: () => undefined },
    (demo) => {
      ({ server, origin, browser } = demo);
      mkdirSync(RESULTS, { recursive: true });
    },
  );

  async function open(width: number, userAgent?: string): Promise<void> {
    context = await browser.newContext({ viewport: { width, height: 900 }, ...(userAgent ? { userAgent } : {}) });
    page = await context.newPage();
    consoleErrors = [];
    failedRequests = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    page.on('requestfailed', (req) => failedRequests.push(`${req.method()} ${req.url()} failed`));
    page.on('response', (response) => {
      if (response.status() >= 400)
        failedRequests.push(`${response.request().method()} ${response.url()} ${response.status()}`);
    });
  }

  afterEach(async () => {
    await context?.close();
  });

  async function signIn(username: string, password: string): Promise<void> {
    await page.getByLabel('Username or email').fill(username);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  }

  /** Whether the page is wider than the viewport (it would scroll sideways). */
  async function horizontalOverflow(): Promise<number> {
    return page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
  }

  test('a first visit logs no console error and makes no failing request; the sign-in form at 1280 and 375 px', async () => {
    for (const width of [1280, 375]) {
      await open(width);
      const hint = page.waitForResponse((response) => response.url() === `${origin}/session-hint`);
      await page.goto(`${origin}/`);
      await page.locator('#signed-out').waitFor();
      // No cookie: the hint says so (200), and the page does not try a refresh that would answer 401.
      expect(await (await hint).json()).toEqual({ refreshCookie: false });
      expect(await horizontalOverflow()).toBe(0);
      await page.screenshot({ path: path.join(RESULTS, `demo-${width}-signed-out.png`), fullPage: true });
      expect(consoleErrors).toEqual([]);
      expect(failedRequests).toEqual([]);
      await context.close();
    }
  });

  test('at 375 px, signed in on a phone: no sideways scroll, the badge on one line, an iPhone session labelled iOS', async () => {
    // Another session of admin's, from an iPhone (an API login with its User-Agent): listed as Safari on iOS.
    const app = server.listeners('request')[0] as RequestListener;
    expect(
      (
        await request(app)
          .post('/auth/login')
          .set('User-Agent', IPHONE)
          .send({ username: 'admin', password: DEMO_PASSWORDS.admin })
      ).status,
    ).toBe(200);
    await open(375, PIXEL);
    await page.goto(`${origin}/`);
    await page.locator('#signed-out').waitFor();
    await signIn('admin', DEMO_PASSWORDS.admin);
    await page.locator('#signed-in').waitFor();
    const badge = page.locator('#sessions li .badge');
    await badge.waitFor();
    expect(
      await page
        .locator('#sessions li .client')
        .filter({ has: page.locator('.badge') })
        .textContent(),
    ).toBe('Chrome on Androidthis page');
    expect(await page.locator('#sessions li .client').filter({ hasText: 'Safari on iOS' }).count()).toBe(1);
    // One line box: a badge that wraps has two.
    expect(
      await badge.evaluate(
        (element) => (element as unknown as { getClientRects(): { length: number } }).getClientRects().length,
      ),
    ).toBe(1);
    expect(await horizontalOverflow()).toBe(0);
    await page.screenshot({ path: path.join(RESULTS, 'demo-375-signed-in.png'), fullPage: true });
    // A reload finds the cookie through the hint and refreshes: still no error anywhere.
    await page.reload();
    await page.locator('#signed-in').waitFor();
    expect(consoleErrors).toEqual([]);
    expect(failedRequests).toEqual([]);
  });

  test('at 1280 px, signed in: the screenshot, nothing scrolls sideways', async () => {
    await open(1280);
    await page.goto(`${origin}/`);
    await page.locator('#signed-out').waitFor();
    await signIn('guest', DEMO_PASSWORDS.guest);
    await page.locator('#sessions li .badge').waitFor();
    await page.getByRole('button', { name: 'Call /api/protected' }).click();
    await page.locator('#protected-result').waitFor();
    expect(await horizontalOverflow()).toBe(0);
    await page.screenshot({ path: path.join(RESULTS, 'demo-1280-signed-in.png'), fullPage: true });
    expect(consoleErrors).toEqual([]);
  });

  test('the expired demo user chooses a new password on the page and is signed in with it', async () => {
    await open(375);
    await page.goto(`${origin}/`);
    await page.locator('#signed-out').waitFor();
    await signIn('expired', DEMO_PASSWORDS.expired);
    await page.locator('#password-expired').waitFor();
    expect(await page.locator('#expired-login').textContent()).toBe('expired');
    expect(await page.locator('#error').isHidden()).toBe(true);
    expect(await horizontalOverflow()).toBe(0);
    await page.screenshot({ path: path.join(RESULTS, 'demo-375-password-expired.png'), fullPage: true });

    // Two different new passwords: the page says so and sends nothing.
    await page.getByLabel('New password', { exact: true }).fill('a-new-demo-passphrase');
    await page.getByLabel('New password again').fill('another-passphrase');
    await page.getByRole('button', { name: 'Change the password and sign in' }).click();
    await page.locator('#error').filter({ hasText: 'differ' }).waitFor();

    const newPassword = 'a-new-demo-passphrase';
    await page.getByLabel('New password again').fill(newPassword);
    await page.getByRole('button', { name: 'Change the password and sign in' }).click();
    await page.locator('#signed-in').waitFor();
    expect(await page.locator('#who').textContent()).toBe('expired');
    await page.locator('#status').filter({ hasText: 'Your password was changed' }).waitFor();
    expect(await page.locator('#error').isHidden()).toBe(true);

    // The server agrees: the new password logs in, the old one no longer does.
    const app = server.listeners('request')[0] as RequestListener;
    expect((await request(app).post('/auth/login').send({ username: 'expired', password: newPassword })).status).toBe(
      200,
    );
    expect(
      (await request(app).post('/auth/login').send({ username: 'expired', password: DEMO_PASSWORDS.expired })).body
        .error,
    ).toBe('invalid_credentials');
    // Only the expected refusal was logged: the 403 password_expired of the first sign-in.
    expect(failedRequests).toEqual([`POST ${origin}/auth/login 403`]);
  });
});
