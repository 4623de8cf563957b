// "Remember this browser" on the demo page of examples/basic.ts, in headless Chromium (playwright-core): the checkbox
// at the code step, the next sign-in from that browser without the code, another browser still asked, and "Forget
// trusted browsers". Debian's /usr/bin/chromium (CHROMIUM_PATH overrides); without it the suite is skipped.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEMO_PASSWORDS } from '../../examples/shared/demo-server';
import { MemoryMailer } from '../../lib';
import { demoInBrowserPerSuite, describeInBrowser } from '../helpers/browser';

const TRUSTED_COOKIE = '__Host-eak-trusted';

jest.setTimeout(60_000);

describeInBrowser('the trusted-devices browser tests')(
  'trusted browsers on the demo page, in headless Chromium',
  () => {
    const mailer = new MemoryMailer();
    let origin: string;
    let browser: Browser;
    const contexts: BrowserContext[] = [];

    // Declared first, so it runs before the demo's closings.
    afterAll(async () => {
      for (const context of contexts) await context.close();
    });

    demoInBrowserPerSuite(
      {
        secret: 'a-trusted-devices-browser-test-secret-long-enough-for-any-hmac-0123',
        mailer,
        onEvent: () => undefined,
      },
      (demo) => ({ origin, browser } = demo),
    );

    async function newBrowser(): Promise<{ context: BrowserContext; page: Page }> {
      const context = await browser.newContext({ viewport: { width: 900, height: 900 } });
      contexts.push(context);
      return { context, page: await context.newPage() };
    }

    /** Signs `user` in up to the code step or the signed-in view; returns which one the page showed. */
    async function signIn(page: Page): Promise<'code' | 'signed-in'> {
      await page.goto(`${origin}/`);
      await page.locator('#signed-out').waitFor();
      await page.getByLabel('Username or email').fill('user');
      await page.getByLabel('Password', { exact: true }).fill(DEMO_PASSWORDS.user);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.locator('#code-needed:not([hidden]), #signed-in:not([hidden])').waitFor();
      return (await page.locator('#signed-in').isVisible()) ? 'signed-in' : 'code';
    }

    async function enterCode(page: Page, remember: boolean): Promise<void> {
      const code = mailer.last('user@example.com')!.code;
      await page.getByLabel('Verification code').fill(code);
      if (remember) await page.getByLabel(/Remember this browser/).check();
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.locator('#signed-in').waitFor();
    }

    async function signOut(page: Page): Promise<void> {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.locator('#signed-out').waitFor();
    }

    test('"Remember this browser" at the code step: the next sign-in from it skips the code; another browser is still asked', async () => {
      const { context, page } = await newBrowser();
      expect(await signIn(page)).toBe('code');
      await enterCode(page, true);
      const cookie = (await context.cookies(origin)).find((c) => c.name === TRUSTED_COOKIE);
      expect(cookie).toEqual(expect.objectContaining({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/' }));
      // HttpOnly: page script never sees it.
      expect(await page.evaluate<string>('document.cookie')).toBe('');
      await page.locator('#trusted-panel').waitFor();
      expect(await page.locator('#trusted-summary').textContent()).toMatch(/this one included/);
      await signOut(page);

      const mails = mailer.sent.length;
      expect(await signIn(page)).toBe('signed-in');
      expect(mailer.sent.length).toBe(mails);
      expect(await page.locator('#who').textContent()).toBe('user');

      const other = await newBrowser();
      expect(await signIn(other.page)).toBe('code');
    });

    test('without the checkbox nothing is remembered', async () => {
      const { context, page } = await newBrowser();
      expect(await signIn(page)).toBe('code');
      await enterCode(page, false);
      expect((await context.cookies(origin)).find((c) => c.name === TRUSTED_COOKIE)).toBeUndefined();
      await signOut(page);
      expect(await signIn(page)).toBe('code');
    });

    test('"Forget trusted browsers" ends every trusted browser: the code is asked again', async () => {
      const { page } = await newBrowser();
      expect(await signIn(page)).toBe('code');
      await enterCode(page, true);
      await signOut(page);
      expect(await signIn(page)).toBe('signed-in');
      await page.getByRole('button', { name: 'Forget trusted browsers' }).click();
      await page.locator('#trusted-summary', { hasText: 'No browser skips the code' }).waitFor();
      await signOut(page);
      expect(await signIn(page)).toBe('code');
    });
  },
);
