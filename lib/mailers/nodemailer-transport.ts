// The nodemailer transporter a NodemailerMailer sends through: made here from an SMTP URL or transport options, or
// taken as the host built it. nodemailer is an optional peer, loaded only when a transporter must be made; the types
// below are structural so the declarations do not need nodemailer either.
import { loadOptionalPeer } from '../primitives/optional-peer';

/** Where messages go: an SMTP URL, nodemailer transport options, or an existing nodemailer transporter. */
export type NodemailerTransportInput = string | NodemailerTransporter | NodemailerTransportOptions;

/** Options for nodemailer's `createTransport` (e.g. `{ host, port, secure, auth }`), passed to it as they are. */
export type NodemailerTransportOptions = Record<string, unknown>;

/** What this mailer uses of a transporter from `nodemailer.createTransport()` (which has both methods). */
export interface NodemailerTransporter {
  sendMail(message: NodemailerMessage): Promise<unknown>;
  close(): void;
}

/** The message this mailer hands to `sendMail`. */
export interface NodemailerMessage {
  from: string;
  to: { name: string; address: string };
  subject: string;
  text: string;
  html: string;
  disableFileAccess: boolean;
  disableUrlAccess: boolean;
}

interface NodemailerModule {
  createTransport(transport: string | NodemailerTransportOptions): NodemailerTransporter;
}

/** A transporter, and whether the mailer made it (and so closes it) or the host passed it (and keeps it). */
export interface OpenedTransport {
  transporter: NodemailerTransporter;
  owned: boolean;
}

/** The transporter `transport` names; throws a TypeError, without repeating the value, when it names none. */
export function openTransport(transport: unknown): OpenedTransport {
  if (isTransporter(transport)) return { transporter: transport, owned: false };
  if (typeof transport === 'string') {
    if (!isSmtpUrl(transport)) {
      // The URL may hold a password: do not repeat it.
      throw new TypeError(
        'NodemailerMailer: "transport" must be an smtp:// or smtps:// URL, transport options or a transporter.',
      );
    }
    return { transporter: loadNodemailer().createTransport(transport), owned: true };
  }
  if (isTransportOptions(transport)) return { transporter: loadNodemailer().createTransport(transport), owned: true };
  throw new TypeError(
    'NodemailerMailer: "transport" is required: an SMTP URL such as \'smtp://user:pass@host:587\', ' +
      'nodemailer transport options, or a transporter from nodemailer.createTransport().',
  );
}

function loadNodemailer(): NodemailerModule {
  return loadOptionalPeer<NodemailerModule>('nodemailer', 'NodemailerMailer');
}

function isTransporter(value: unknown): value is NodemailerTransporter {
  return (
    typeof value === 'object' &&
    value !== null &&
    'sendMail' in value &&
    typeof value.sendMail === 'function' &&
    'close' in value &&
    typeof value.close === 'function'
  );
}

/** Any object but an array: nodemailer reads the options it knows and reports the rest itself. */
function isTransportOptions(value: unknown): value is NodemailerTransportOptions {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isSmtpUrl(value: string): boolean {
  try {
    const { protocol, hostname } = new URL(value);
    return (protocol === 'smtp:' || protocol === 'smtps:') && hostname.length > 0;
  } catch {
    return false;
  }
}
