// What the browser suites (__tests__/browser) share: headless Chromium through playwright-core (Debian's
// /usr/bin/chromium, CHROMIUM_PATH overrides), a describe that skips, saying why, where it is missing, the environment
// the demo example reads, and closing its server.
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);

/** `describe` where Chromium is installed; elsewhere `describe.skip`, after a warning naming `suite` and the fix. */
export function describeInBrowser(suite: string): jest.Describe {
  if (haveChromium) return describe;
  console.warn(`Skipping ${suite}: ${CHROMIUM} is missing; install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH.`);
  return describe.skip;
}

/** Headless Chromium, sandbox off (containers) and nothing that talks to Google in the background. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
}

/** Sets the environment the demo example reads: memory stores, no mail server, HMAC with `secret`. */
export function useDemoEnvironment(secret: string): void {
  for (const name of ['REDIS_URL', 'DATABASE_URL', 'SMTP_URL', 'JWT_ALGORITHM', 'JWT_PRIVATE_KEY_FILE']) delete process.env[name];
  process.env.JWT_SECRET = secret;
}

/** Closes `server` at once, open keep-alive connections (the browser's) included. */
export async function closeServer(server: Server | undefined): Promise<void> {
  if (!server?.listening) return;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}
