// Suites whose test apps mail through a real SMTP server (helpers/smtp-server.ts): a fresh server for each test, an
// app whose NodemailerMailer sends there, and everything closed after the test, the server last.
import { NodemailerMailer, type NodemailerMailerOptions } from '../../lib';
import type { AuthEvent } from '../../lib/core/events';
import { createRecordingApp, type CreateTestAppOptions, type TestApp } from './create-app';
import { startSmtpServer, type TestSmtpServer } from './smtp-server';

/** What a suite closes after each test: its mailer and its app when the test made them, and its current server. */
interface Closable {
  mailer?: { close(): void };
  app?: { close(): Promise<void> };
  /** The server the suite holds now: a test that restarts it (an outage) hands on the new one. */
  smtp: { close(): Promise<void> };
}

/**
 * Registers the hooks: before each test a server is started and handed to `started`; after it, what `closing()`
 * answers is closed, the server last. Call at the suite's top level.
 */
export function smtpServerPerTest(started: (server: TestSmtpServer) => void, closing: () => Closable): void {
  beforeEach(async () => {
    started(await startSmtpServer());
  });
  afterEach(async () => {
    const { mailer, app, smtp } = closing();
    mailer?.close();
    await app?.close();
    await smtp.close();
  });
}

/** A test app mailing through `smtp` from `from`, and the events it emitted. */
export async function createMailingApp(
  smtp: TestSmtpServer,
  from: string,
  options: CreateTestAppOptions = {},
  mailerOptions: Partial<NodemailerMailerOptions> = {},
): Promise<{ t: TestApp; mailer: NodemailerMailer; events: AuthEvent[] }> {
  const mailer = new NodemailerMailer({ transport: smtp.url, from, ...mailerOptions });
  const { t, events } = await createRecordingApp({ mailer, ...options });
  return { t, mailer, events };
}
