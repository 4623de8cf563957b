// What the browser suites (__tests__/browser) share: headless Chromium through playwright-core (Debian's
// /usr/bin/chromium, CHROMIUM_PATH overrides), a describe that skips, saying why, where it is missing, closing a
// server, and the demo example (in memory, see example-env.ts) with Chromium set up once for a suite.
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { basicExample } from '../../examples/basic';
import { buildExampleApp, type ExampleOptions } from '../../examples/shared/demo-server';
import { MemoryMailer, MemoryStateStore, MemoryUserStore, type Auth, type Mailer } from '../../lib';
import { useExampleEnvironment } from './example-env';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);

/** `describe` where Chromium is installed; elsewhere `describe.skip`, after a warning naming `suite` and the fix. */
export function describeInBrowser(suite: string): jest.Describe {
  if (haveChromium) return describe;
  console.warn(
    `Skipping ${suite}: ${CHROMIUM} is missing; install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH.`,
  );
  return describe.skip;
}

/** Headless Chromium, sandbox off (containers) and nothing that talks to Google in the background. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}

/** Closes `server` at once, open keep-alive connections (the browser's) included. */
export async function closeServer(server: Server | undefined): Promise<void> {
  if (!server?.listening) return;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

/** The demo example (examples/basic.ts) serving on loopback. */
export interface DemoExample {
  server: Server;
  auth: Auth;
  port: number;
  /** `http://127.0.0.1:PORT`, the origin the example trusts for cookie requests. */
  origin: string;
}

/**
 * Starts the demo example on a free loopback port with the services given (memory stores, a mailer the test reads).
 * `wrap` wraps its request handler, e.g. to record what it answered. Call `useExampleEnvironment` first.
 */
async function startDemoExample(options: {
  services: ExampleOptions['services'];
  onEvent?: ExampleOptions['onEvent'];
  wrap?: (handler: RequestListener) => RequestListener;
}): Promise<DemoExample> {
  // The port first: the example trusts its own origin, so it is built once the server listens.
  const example: { app?: RequestListener } = {};
  const handler: RequestListener = (req, res) => example.app!(req, res);
  const server = createServer(options.wrap ? options.wrap(handler) : handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  const built = await buildExampleApp({
    ...basicExample(origin),
    services: options.services,
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
  example.app = built.app;
  return { server, auth: built.auth, port, origin };
}

/** The demo example and the Chromium a browser suite drives against it. */
export interface DemoInBrowser extends DemoExample {
  browser: Browser;
}

export interface DemoInBrowserOptions {
  /** The HMAC secret the example signs with (useExampleEnvironment). */
  secret: string;
  /** The mailer the test reads; default a fresh MemoryMailer. */
  mailer?: Mailer;
  onEvent?: ExampleOptions['onEvent'];
  wrap?: (handler: RequestListener) => RequestListener;
  /** Handed the example's user store (the demo users in memory), for tests that look into it. */
  users?: (store: MemoryUserStore) => void;
}

/**
 * Registers a browser suite's beforeAll and afterAll: before, the demo environment, the demo example with memory stores
 * (a fresh user store of the demo users, a fresh state store, the mailer given) and Chromium, handed to `started`;
 * after, Chromium, the server and the auth instance closed and process.env as it was. Call at the top of the describe;
 * an afterAll the suite declares before this call runs before these closings.
 */
export function demoInBrowserPerSuite(options: DemoInBrowserOptions, started: (demo: DemoInBrowser) => void): void {
  const saved = { ...process.env };
  let demo: DemoExample | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    useExampleEnvironment(options.secret);
    demo = await startDemoExample({
      services: async (seeds) => {
        const users = new MemoryUserStore(seeds);
        options.users?.(users);
        return { users, stateStore: new MemoryStateStore(), mailer: options.mailer ?? new MemoryMailer() };
      },
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      ...(options.wrap ? { wrap: options.wrap } : {}),
    });
    browser = await launchChromium();
    started({ ...demo, browser });
  });
  afterAll(async () => {
    await browser?.close();
    await closeServer(demo?.server);
    await demo?.auth.shutdown();
    process.env = { ...saved };
  });
}
