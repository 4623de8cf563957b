// docs/guides/spa-other-origin.md in a real browser: the guide's page code, served from http://localhost:A, signs in to
// the guide's API on http://localhost:B (same site, another origin, as the guide's development example) in headless
// Chromium: CORS preflights, the HttpOnly __Host- cookie over http://localhost, a reload brought back by the cookie,
// nothing readable by page script, and logout. Debian's /usr/bin/chromium (CHROMIUM_PATH overrides); skipped without it.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Browser, Page } from 'playwright-core';
import ts from 'typescript';
import { MemoryUserStore, type Auth } from '../../lib';
import { readDocBlock } from '../helpers/doc-blocks';
import { loadDocModule } from '../helpers/doc-module';
import { closeServer, describeInBrowser, launchChromium } from '../helpers/browser';
import { TEST_SECRET } from '../helpers/create-app';
import { soleAdmin } from '../helpers/fixtures';

const GUIDE = 'docs/guides/spa-other-origin.md';

jest.setTimeout(60_000);

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

describeInBrowser("the SPA guide's browser test")('the SPA guide in headless Chromium', () => {
  let apiServer: Server;
  let pageServer: Server;
  let auth: Auth;
  let browser: Browser;
  let pageOrigin: string;

  beforeAll(async () => {
    process.env.JWT_SECRET = TEST_SECRET;
    // Ports first: the API trusts the page's origin, and the page calls the API's.
    const api: { app?: Express } = {};
    apiServer = createServer((req, res) => api.app!(req, res));
    const apiPort = await listen(apiServer);
    let script = '';
    pageServer = createServer((req, res) => {
      if (req.url === '/page.js') {
        res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(script);
        return;
      }
      res
        .writeHead(200, { 'Content-Type': 'text/html' })
        .end(
          '<!doctype html><title>app</title><script type="module">import * as page from "/page.js"; window.page = page;</script>',
        );
    });
    const pagePort = await listen(pageServer);
    pageOrigin = `http://localhost:${pagePort}`;

    const users = new MemoryUserStore([await soleAdmin()]);
    const built = loadDocModule<{ createApi(users: MemoryUserStore): { app: Express; auth: Auth } }>(
      GUIDE,
      'spa-api',
      {},
      (code) => code.replace("'https://app.example.com'", `'${pageOrigin}'`),
    ).createApi(users);
    api.app = built.app;
    auth = built.auth;
    // The page's code as the browser gets it from a bundler: the guide's block, compiled to an ES module.
    script = ts.transpileModule(
      readDocBlock(GUIDE, 'spa-browser').replace("'https://api.example.com'", `'http://localhost:${apiPort}'`),
      {
        compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
      },
    ).outputText;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await closeServer(pageServer);
    await closeServer(apiServer);
    await auth?.shutdown();
  });

  async function open(page: Page): Promise<void> {
    await page.goto(`${pageOrigin}/`);
    await page.waitForFunction('window.page !== undefined');
  }

  test('signs in, calls the API, stays signed in across a reload, and signs out', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await open(page);
      expect(await page.evaluate('page.login("admin", "admin-password")')).toBeNull();
      expect(await page.evaluate('page.api("/api/me").then((res) => res.json())')).toEqual({
        userId: '1',
        authorities: ['ROLE_ADMIN'],
      });
      // Nothing of a token where page script can read it.
      expect(
        await page.evaluate(
          '({ cookie: document.cookie, local: localStorage.length, session: sessionStorage.length })',
        ),
      ).toEqual({ cookie: '', local: 0, session: 0 });
      const cookies = await context.cookies();
      expect(cookies.find((cookie) => cookie.name === '__Host-eak-refresh')).toMatchObject({
        httpOnly: true,
        secure: true,
        sameSite: 'Strict',
        path: '/',
      });

      await page.reload();
      await page.waitForFunction('window.page !== undefined');
      expect(await page.evaluate('page.api("/api/me").then((res) => res.status)')).toBe(200);

      await page.evaluate('page.logout()');
      expect((await context.cookies()).some((cookie) => cookie.name === '__Host-eak-refresh')).toBe(false);
      await page.reload();
      await page.waitForFunction('window.page !== undefined');
      expect(await page.evaluate('page.refresh()')).toBe(false);
    } finally {
      await context.close();
    }
  });
});
