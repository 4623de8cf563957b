// The demo page's "Create an account" (examples/basic.ts, GET /) in headless Chromium: sign up, a sign-in refused until
// the address is confirmed, the mailed link pasted in, then a sign-in as the new user. Debian's /usr/bin/chromium
// (CHROMIUM_PATH overrides); without it the suite is skipped, saying why.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { MemoryMailer } from '../../lib';
import { demoInBrowserPerSuite, describeInBrowser } from '../helpers/browser';

jest.setTimeout(60_000);

const PASSPHRASE = 'a-new-users-passphrase';

describeInBrowser('the browser tests (__tests__/browser)')(
  'the demo page\'s "Create an account" in headless Chromium',
  () => {
    const mailer = new MemoryMailer();
    let origin: string;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;

    demoInBrowserPerSuite(
      {
        secret: 'a-registration-page-test-secret-long-enough-for-any-hmac-0123456789',
        mailer,
        onEvent: () => undefined,
      },
      (demo) => ({ origin, browser } = demo),
    );

    beforeEach(async () => {
      context = await browser.newContext({ viewport: { width: 900, height: 1200 } });
      page = await context.newPage();
    });

    afterEach(async () => {
      await context.close();
    });

    /** Waits (up to 5 s) for the off-the-path mail to be recorded. */
    async function until(condition: () => boolean): Promise<void> {
      for (let waited = 0; !condition() && waited < 5000; waited += 20)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(condition()).toBe(true);
    }

    async function signIn(username: string, password: string): Promise<void> {
      await page.getByLabel('Username or email').fill(username);
      await page.getByLabel('Password', { exact: true }).fill(password);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    }

    test('sign up, refused until confirmed, paste the mailed link, then sign in as the new user', async () => {
      await page.goto(`${origin}/`);
      await page.locator('#sign-up').waitFor();
      await page.getByLabel('Choose a login').fill('carol');
      await page.getByLabel('Your email address').fill('carol@example.org');
      await page.getByLabel('Choose a passphrase').fill(PASSPHRASE);
      await page.getByRole('button', { name: 'Create the account' }).click();
      await page.locator('#confirm-form').waitFor();
      expect(await page.locator('#status').textContent()).toMatch(/Check your mail/);
      await until(() => mailer.verificationLinks.length === 1);
      const link = mailer.verificationLinks[0]!;
      expect(link).toMatchObject({ to: 'carol@example.org', login: 'carol' });
      expect(new URL(link.url).searchParams.get('token')).toMatch(/^[A-Za-z0-9_-]{43}$/);

      // Not yet: the right password answers email_unverified.
      await signIn('carol', PASSPHRASE);
      await page.locator('#error').waitFor();
      expect(await page.locator('#error').textContent()).toMatch(/\(email_unverified\)$/);

      await page.getByLabel('Link or token from the mail').fill(link.url);
      await page.getByRole('button', { name: 'Confirm the address' }).click();
      await page.waitForFunction(`document.getElementById('status').textContent.includes('The address is confirmed')`);
      expect(await page.locator('#confirm-form').isHidden()).toBe(true);

      await signIn('carol', PASSPHRASE);
      await page.locator('#signed-in').waitFor();
      expect(await page.locator('#who').textContent()).toBe('carol');
      expect(await page.locator('#sign-up').isHidden()).toBe(true);
    });

    test("a taken username shows the API's code; a taken address looks like a new one", async () => {
      await page.goto(`${origin}/`);
      await page.getByLabel('Choose a login').fill('guest');
      await page.getByLabel('Your email address').fill('someone@example.org');
      await page.getByLabel('Choose a passphrase').fill(PASSPHRASE);
      await page.getByRole('button', { name: 'Create the account' }).click();
      await page.locator('#error').waitFor();
      expect(await page.locator('#error').textContent()).toMatch(/\(username_taken\)$/);

      await page.getByLabel('Choose a login').fill('dave');
      await page.getByLabel('Your email address').fill('guest@example.com');
      await page.getByLabel('Choose a passphrase').fill(PASSPHRASE);
      await page.getByRole('button', { name: 'Create the account' }).click();
      await page.locator('#confirm-form').waitFor();
      expect(await page.locator('#error').isHidden()).toBe(true);
      await until(() => mailer.registrationNotices.length === 1);
      expect(mailer.verificationLinks.filter((m) => m.to === 'guest@example.com')).toEqual([]);
    });
  },
);
