// The servers UTMStack's frontend replays run against, both mailing through a real SMTP server: createTestApp with the
// utmstack preset (fake clock, events recorded), and examples/utmstack.ts as a child process (what a user would run).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { NodemailerMailer, type AuthEvent } from '../../lib';
import { createRecordingApp, PASSWORDS, type CreateTestAppOptions, type TestApp } from '../helpers/create-app';
import { freePort, waitForListening } from '../helpers/example-process';
import { extractCode, readBodies, startSmtpServer, type TestSmtpServer } from '../helpers/smtp-server';

const ROOT = path.resolve(__dirname, '../..');
const JWT_SECRET = 'utmstack-client-replay-secret-0123456789-0123456789-0123456789-0123456789';
const START_TIMEOUT_MS = 60_000;
export const RESET_LINK = '/reset/finish?key={token}';

/** What the replays need from a server, whichever it is. */
export interface Target {
  name: 'createTestApp' | 'examples/utmstack.ts';
  baseUrl: string;
  smtp: TestSmtpServer;
  passwords: { admin: string; user: string; guest: string; expired: string };
  /** createTestApp only: the app (fake clock, stores, recorded events). */
  t?: TestApp;
  events: AuthEvent[];
  close(): Promise<void>;
}

/** The emailed six-digit code of the next unread mail to `address`. */
export async function nextCode(target: Target, address: string): Promise<string> {
  const message = await target.smtp.waitForMessage((m) => m.to.includes(address));
  const code = extractCode(message.raw);
  if (!code) throw new Error(`no code in the mail to ${address}`);
  return code;
}

/** The reset key of the next unread mail to `address`: the `key` parameter of its /reset/finish link. */
export async function nextResetKey(target: Target, address: string): Promise<{ key: string; link: string }> {
  const message = await target.smtp.waitForMessage((m) => m.to.includes(address));
  const { text } = readBodies(message.raw);
  const link = /^(http\S*\/reset\/finish\?key=\S+?)\r?$/m.exec(text ?? '')?.[1];
  if (!link) throw new Error(`no reset link in the mail to ${address}`);
  return { key: new URL(link).searchParams.get('key')!, link };
}

export async function startTestAppTarget(options: CreateTestAppOptions = {}): Promise<Target> {
  const smtp = await startSmtpServer();
  const mailer = new NodemailerMailer({ transport: smtp.url, from: 'no-reply@utmstack.test' });
  const { t, events } = await createRecordingApp({
    preset: 'utmstack',
    mailer,
    passwordReset: { urlTemplate: `http://app.example${RESET_LINK}` },
    ...options,
  });
  const server: Server = createHttpServer(t.app);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    name: 'createTestApp',
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    smtp,
    passwords: { admin: PASSWORDS.admin, user: PASSWORDS.user, guest: PASSWORDS.guest, expired: PASSWORDS.expired },
    t,
    events,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      mailer.close();
      await t.close();
      await smtp.close();
    },
  };
}

/** examples/utmstack.ts as `node --import tsx` with SMTP_URL; resolves once it prints `listening on http://…`. */
export async function startExampleTarget(): Promise<Target> {
  const smtp = await startSmtpServer();
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    SMTP_URL: smtp.url,
    JWT_SECRET,
  };
  for (const name of [
    'REDIS_URL',
    'DATABASE_URL',
    'TRUST_PROXY',
    'PUBLIC_URL',
    'ADMIN_PASSWORD',
    'USER_PASSWORD',
    'GUEST_PASSWORD',
    'EXPIRED_PASSWORD',
  ])
    delete env[name];
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'examples/utmstack.ts'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const events: AuthEvent[] = [];
  const baseUrl = await waitForListening(child, 'the example', START_TIMEOUT_MS, output);
  return {
    name: 'examples/utmstack.ts',
    baseUrl,
    smtp,
    passwords: { admin: 'admin-password', user: 'user-password', guest: 'guest-password', expired: 'expired-password' },
    events,
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }
      await smtp.close();
    },
  };
}

export const TARGETS = [
  ['createTestApp', startTestAppTarget],
  ['examples/utmstack.ts', startExampleTarget],
] as const;
export { START_TIMEOUT_MS };

/**
 * One target for the enclosing describe block, started before its first test (with the time the example needs to
 * start) and closed after its last; `started` hands it to the suite's `let`.
 */
export function targetPerSuite(start: () => Promise<Target>, started: (target: Target) => void): void {
  let target: Target | undefined;
  beforeAll(async () => {
    target = await start();
    started(target);
  }, START_TIMEOUT_MS + 5000);
  afterAll(async () => {
    await target?.close();
  });
}
