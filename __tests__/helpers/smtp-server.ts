// A real SMTP server in the test process (smtp-server on 127.0.0.1, a free port) that records what it receives.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** One message as the server received it. */
export interface ReceivedMessage {
  /** The MAIL FROM envelope address ('' for a null sender). */
  from: string;
  /** The RCPT TO envelope addresses: who the message was really delivered to, whatever the headers say. */
  to: string[];
  /** The message as sent after DATA: headers, blank line, MIME body, with CRLF line ends. */
  raw: string;
}

export interface TestSmtpServer {
  /** `smtp://127.0.0.1:PORT`: pass it to NodemailerMailer as `transport`. */
  url: string;
  port: number;
  /** Every message received, oldest first. */
  messages: ReceivedMessage[];
  /**
   * Resolves with the oldest message that matches `predicate` and that no earlier `waitForMessage` call returned,
   * waiting for one to arrive if need be. Messages that arrived before the call count, so there is no race between
   * triggering a send and starting to wait; and because each message is handed out once, two logins in a row get
   * their own two codes. Rejects after `timeoutMs` (default 5000) or when the server closes.
   */
  waitForMessage(predicate?: (message: ReceivedMessage) => boolean, timeoutMs?: number): Promise<ReceivedMessage>;
  /** Stops the server; pending waits reject. Resolves once the listening socket is closed. */
  close(): Promise<void>;
}

interface Waiter {
  predicate: (message: ReceivedMessage) => boolean;
  resolve: (message: ReceivedMessage) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * Starts a plain-text SMTP server (no STARTTLS, no authentication required) on 127.0.0.1 and a free port.
 *
 * @example
 * const smtp = await startSmtpServer();
 * const mailer = new NodemailerMailer({ transport: smtp.url, from: 'no-reply@test.example' });
 * await mailer.sendSecondFactorCode({ to: 'alice@example.com', ... });
 * const message = await smtp.waitForMessage((m) => m.to.includes('alice@example.com'));
 * const code = extractCode(message.raw);
 * mailer.close();
 * await smtp.close();
 */
export async function startSmtpServer(): Promise<TestSmtpServer> {
  const messages: ReceivedMessage[] = [];
  const handedOut = new Set<ReceivedMessage>();
  const waiters = new Set<Waiter>();
  let closed = false;
  let closing: Promise<void> | undefined;

  const takeMatching = (predicate: (message: ReceivedMessage) => boolean): ReceivedMessage | undefined => {
    const found = messages.find((message) => !handedOut.has(message) && predicate(message));
    if (found) handedOut.add(found);
    return found;
  };

  const settle = (waiter: Waiter, outcome: { message: ReceivedMessage } | { error: Error }): void => {
    waiters.delete(waiter);
    clearTimeout(waiter.timer);
    if ('message' in outcome) waiter.resolve(outcome.message);
    else waiter.reject(outcome.error);
  };

  const deliverToWaiters = (): void => {
    for (const waiter of waiters) {
      try {
        const found = takeMatching(waiter.predicate);
        if (found) settle(waiter, { message: found });
      } catch (error) {
        // A throwing predicate fails its own wait, not the server's data handler.
        settle(waiter, { error: error instanceof Error ? error : new Error(String(error)) });
      }
    }
  };

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'], // plain text only, so no certificate is needed and none is warned about
    logger: false,
    disableReverseLookup: true, // no DNS lookups from a unit test
    closeTimeout: 1000, // close() ends lingering sessions after 1 s instead of the default 30 s
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (error: Error) => callback(error));
      stream.on('end', () => {
        const mailFrom = session.envelope.mailFrom;
        messages.push({
          from: mailFrom ? mailFrom.address : '',
          to: session.envelope.rcptTo.map((address) => address.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
        deliverToWaiters();
      });
    },
  });
  // A client dropping its connection is an 'error' on the server; without a listener it would crash the test run.
  server.on('error', () => undefined);

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.server.address() as AddressInfo;

  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    waitForMessage(predicate = () => true, timeoutMs = 5000) {
      return new Promise<ReceivedMessage>((resolve, reject) => {
        if (closed) return reject(new Error('waitForMessage: the SMTP server is closed.'));
        const ready = takeMatching(predicate); // a throw here rejects the promise
        if (ready) return resolve(ready);
        const waiter: Waiter = {
          predicate,
          resolve,
          reject,
          timer: setTimeout(() => {
            const seen = messages.map((m) => `[${m.to.join(', ')}]`).join(' ') || 'none';
            settle(waiter, {
              error: new Error(`waitForMessage: no matching message within ${timeoutMs} ms (received: ${seen}).`),
            });
          }, timeoutMs),
        };
        waiters.add(waiter);
      });
    },
    close() {
      if (closing) return closing; // idempotent, so an afterAll after an explicit close() is harmless
      closed = true;
      for (const waiter of waiters) {
        const error = new Error('waitForMessage: the SMTP server closed before a matching message arrived.');
        settle(waiter, { error });
      }
      closing = new Promise<void>((resolve) => server.close(() => resolve()));
      return closing;
    },
  };
}

/** A header of a raw message or MIME part: the first occurrence, unfolded, encoded words left encoded; or undefined. */
export function readHeader(raw: string, name: string): string | undefined {
  const headerBlock = raw.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const unfolded = headerBlock.replace(/\r?\n[ \t]+/g, ' ');
  const prefix = `${name.toLowerCase()}:`;
  const line = unfolded.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(prefix));
  return line?.slice(prefix.length).trim();
}

/** The decoded text/plain and text/html bodies of a message (UTF-8 assumed), multipart or not. */
export interface MessageBodies {
  text?: string;
  html?: string;
}

/**
 * Decodes the text and HTML bodies of a raw message: walks multipart parts and undoes quoted-printable and
 * base64, so assertions do not depend on where nodemailer wrapped a line or which encoding it chose.
 */
export function readBodies(raw: string): MessageBodies {
  const bodies: MessageBodies = {};
  collectBodies(raw, bodies, 0);
  return bodies;
}

function collectBodies(entity: string, bodies: MessageBodies, depth: number): void {
  const separator = /\r?\n\r?\n/.exec(entity);
  const body = separator ? entity.slice(separator.index + separator[0].length) : '';
  const contentType = (readHeader(entity, 'Content-Type') ?? 'text/plain').toLowerCase();
  if (contentType.startsWith('multipart/')) {
    const boundary = /boundary="?([^";]+)"?/i.exec(readHeader(entity, 'Content-Type') ?? '')?.[1];
    if (!boundary || depth > 5) return;
    const parts = body.split(`--${boundary}`).slice(1); // drop the preamble
    for (const part of parts) {
      if (part.startsWith('--')) break; // the closing delimiter
      // The line break before a delimiter belongs to the delimiter (RFC 2046 §5.1.1), not to the part.
      collectBodies(part.replace(/^\r?\n/, '').replace(/\r?\n$/, ''), bodies, depth + 1);
    }
    return;
  }
  const encoding = (readHeader(entity, 'Content-Transfer-Encoding') ?? '7bit').toLowerCase();
  const decoded = decodeTransferEncoding(body, encoding);
  if (contentType.startsWith('text/plain')) bodies.text ??= decoded;
  else if (contentType.startsWith('text/html')) bodies.html ??= decoded;
}

function decodeTransferEncoding(body: string, encoding: string): string {
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    const bytes = body
      .replace(/=\r?\n/g, '') // soft line breaks
      .replace(/=([0-9A-Fa-f]{2})/g, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

/**
 * The one-time code in a raw message: from the decoded text body (else the HTML body), the first line that is only
 * `digits` digits (how the default templates lay it out), else the first run of exactly `digits` digits.
 */
export function extractCode(raw: string, digits = 6): string | undefined {
  const { text, html } = readBodies(raw);
  for (const body of [text, html]) {
    if (body === undefined) continue;
    const alone = new RegExp(`^[ \\t]*([0-9]{${digits}})[ \\t]*\\r?$`, 'm').exec(body);
    if (alone) return alone[1];
    const run = new RegExp(`(?<![0-9])([0-9]{${digits}})(?![0-9])`).exec(body);
    if (run) return run[1];
  }
  return undefined;
}
