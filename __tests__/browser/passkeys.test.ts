// Passkeys on the demo page (examples/basic.ts at http://localhost:PORT/) in headless Chromium through playwright-core,
// with a CDP virtual authenticator (ctap2, internal, resident keys, user verification): the emailed-code user signs
// in, adds a passkey (the page asks for the password), signs out and signs in with it (no code asked); a replayed
// assertion is refused; a deleted passkey no longer signs in. Debian's /usr/bin/chromium (CHROMIUM_PATH overrides).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { DEMO_PASSWORDS } from '../../examples/shared/demo-server';
import { MemoryMailer, MemoryUserStore, type AuthEvent } from '../../lib';
import { demoInBrowserPerSuite, describeInBrowser } from '../helpers/browser';

const RESULTS = path.join(__dirname, '..', '..', 'test-results');

jest.setTimeout(90_000);

describeInBrowser('the passkey browser tests')(
  'passkeys on the demo page in headless Chromium (CDP virtual authenticator)',
  () => {
    const mailer = new MemoryMailer();
    const users = { store: undefined as MemoryUserStore | undefined };
    const events: AuthEvent[] = [];
    let origin: string;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    let cdp: CDPSession;
    let authenticatorId: string;

    demoInBrowserPerSuite(
      {
        secret: 'a-passkey-page-test-secret-that-is-long-enough-for-any-hmac-0123456789',
        mailer,
        users: (store) => (users.store = store),
        onEvent: (event) => void events.push(event),
      },
      (demo) => {
        // The page is loaded at localhost: an IP address cannot be a WebAuthn relying party.
        origin = `http://localhost:${demo.port}`;
        browser = demo.browser;
        mkdirSync(RESULTS, { recursive: true });
      },
    );

    beforeEach(async () => {
      context = await browser.newContext({ viewport: { width: 900, height: 1000 } });
      page = await context.newPage();
      cdp = await context.newCDPSession(page);
      await cdp.send('WebAuthn.enable');
      ({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
        options: {
          protocol: 'ctap2',
          transport: 'internal',
          hasResidentKey: true,
          hasUserVerification: true,
          isUserVerified: true,
          automaticPresenceSimulation: true,
        },
      }));
    });

    afterEach(async () => {
      await context.close();
    });

    async function signInWithPasswordAndCode(): Promise<void> {
      await page.goto(`${origin}/`);
      await page.getByLabel('Username or email').fill('user');
      await page.getByLabel('Password', { exact: true }).fill(DEMO_PASSWORDS.user);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.locator('#code-needed').waitFor();
      await page.getByLabel('Verification code').fill(mailer.last('user@example.com')!.code);
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.locator('#signed-in').waitFor();
    }

    async function signOut(): Promise<void> {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.locator('#signed-out').waitFor();
    }

    /** Clicks "Sign in with a passkey" and answers the body the page sent to the passkey login, and its status. */
    async function signInWithPasskey(): Promise<{ body: string; status: number }> {
      const answered = page.waitForResponse((res) => res.url().endsWith('/auth/passkeys/login'));
      await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
      const response = await answered;
      return { body: response.request().postData() ?? '', status: response.status() };
    }

    test('the emailed-code user adds a passkey, signs in with it and no code; a replay is refused; a deleted one no longer signs in', async () => {
      await signInWithPasswordAndCode();
      // "Add a passkey": the page asks for the password, then the virtual authenticator makes a resident key.
      await page.getByRole('button', { name: 'Add a passkey' }).click();
      await page.getByLabel('Your password, to add a passkey').fill(DEMO_PASSWORDS.user);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.locator('#passkeys li').first().waitFor();
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      expect(credentials).toEqual([expect.objectContaining({ isResidentCredential: true, rpId: 'localhost' })]);
      const userId = users.store!.findByLogin('user')!.id;
      expect(users.store!.listPasskeys(userId)).toHaveLength(1);

      await signOut();
      const mailsBefore = mailer.sent.length;
      const first = await signInWithPasskey();
      expect(first.status).toBe(200);
      await page.locator('#signed-in').waitFor();
      expect(await page.locator('#who').textContent()).toBe('user');
      expect(mailer.sent.length).toBe(mailsBefore); // no code was asked for, or sent
      await page.screenshot({ path: path.join(RESULTS, 'passkeys-signed-in.png') });

      // The same assertion again, from the page: the challenge is spent.
      const replay = (await page.evaluate(
        `fetch('/auth/passkeys/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: ${JSON.stringify(first.body)} })
        .then(async (res) => ({ status: res.status, body: await res.json() }))`,
      )) as { status: number; body: { error: string } };
      expect(replay).toEqual({ status: 400, body: expect.objectContaining({ error: 'passkey_invalid' }) });

      // Delete it on the page; the authenticator still has it, but it no longer signs in.
      await page.getByRole('button', { name: /^Delete the passkey/ }).click();
      await page.locator('#passkeys li').waitFor({ state: 'detached' });
      expect(users.store!.listPasskeys(userId)).toHaveLength(0);
      await signOut();
      const refused = await signInWithPasskey();
      expect(refused.status).toBe(400);
      await page.locator('#error').waitFor();
      expect(await page.locator('#error').textContent()).toContain('passkey_invalid');
      expect(await page.locator('#signed-out').isVisible()).toBe(true);
      expect(events.map((event) => event.event)).toEqual(
        expect.arrayContaining(['passkey.registered', 'passkey.used', 'passkey.deleted']),
      );
    });
  },
);
