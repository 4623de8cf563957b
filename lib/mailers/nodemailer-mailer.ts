// Second-factor codes, password-reset links, recovery-code notices and sign-up mails by e-mail through nodemailer: an SMTP URL,
// transport options, or a transporter you built.
// nodemailer is an optional peer, loaded when a NodemailerMailer is constructed; the types below are structural so
// the declarations do not need nodemailer either.
import { loadOptionalPeer } from '../primitives/optional-peer';
import type { Mailer, PasswordResetCompletedMail, PasswordResetMail, RecoveryCodeUsedMail, RegistrationNoticeMail, SecondFactorMail, VerificationMail } from './types';

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

export interface NodemailerMailerOptions {
  /**
   * An SMTP URL such as `smtps://user:pass@smtp.example.com:465` or `smtp://user:pass@host:587`, nodemailer
   * transport options (e.g. `{ host, port, secure: false, auth }`), or a transporter from
   * `nodemailer.createTransport`. A transporter you pass stays yours: {@link NodemailerMailer.close} leaves it open.
   * Required.
   */
  transport: NodemailerTransportInput;
  /** The `From:` address, bare or with a name: `'ACME <no-reply@acme.example>'`. Required. */
  from: string;
  /** The subject line, or a function of the mail that returns it. @default 'Your verification code' */
  subject?: string | ((mail: SecondFactorMail) => string);
  /** The plain-text body. @default a short text giving the code, its lifetime and the login it was asked for */
  text?: (mail: SecondFactorMail) => string;
  /** The HTML body; escape what you interpolate. @default a small HTML version of the default text */
  html?: (mail: SecondFactorMail) => string;
  /** The password-reset mail's subject and bodies. @default 'Reset your password' and a short text with the link */
  resetLink?: MailTemplate<PasswordResetMail>;
  /** The notice sent when a recovery code is used. @default 'A recovery code was used' and a short text */
  recoveryCodeUsed?: MailTemplate<RecoveryCodeUsedMail>;
  /** The notice sent after a password reset, naming the API keys it revoked. @default 'Your password was reset' and a short text */
  resetCompleted?: MailTemplate<PasswordResetCompletedMail>;
  /** The sign-up verification mail. @default 'Confirm your email address' and a short text with the link */
  verificationLink?: MailTemplate<VerificationMail>;
  /** The notice to the owner of an address someone tried to sign up with. @default 'Someone tried to sign up with your address' */
  registrationNotice?: MailTemplate<RegistrationNoticeMail>;
}

/** The subject and bodies of one kind of mail; each part left out keeps its default. */
export interface MailTemplate<M> {
  subject?: string;
  text?: (mail: M) => string;
  /** Escape what you interpolate. */
  html?: (mail: M) => string;
}

const DEFAULT_SUBJECT = 'Your verification code';

/**
 * A {@link Mailer} that sends second-factor codes with nodemailer.
 *
 * Header injection is refused: a recipient address, display name or subject holding a line break or any other
 * control character makes the send throw a `TypeError` before anything is sent, and the recipient is handed to
 * nodemailer as `{ name, address }` so the name is always encoded, never parsed.
 *
 * @example
 * const mailer = new NodemailerMailer({
 *   transport: process.env.SMTP_URL!, // 'smtps://user:pass@smtp.example.com:465'
 *   from: 'ACME <no-reply@acme.example>',
 * });
 * // ... and at shutdown:
 * mailer.close();
 */
export class NodemailerMailer implements Mailer {
  private readonly transporter: NodemailerTransporter;
  private readonly ownsTransporter: boolean;
  private readonly from: string;
  private readonly subject: string | ((mail: SecondFactorMail) => string);
  private readonly renderText: (mail: SecondFactorMail) => string;
  private readonly renderHtml: (mail: SecondFactorMail) => string;
  private readonly resetLink: Required<MailTemplate<PasswordResetMail>>;
  private readonly recoveryCodeUsed: Required<MailTemplate<RecoveryCodeUsedMail>>;
  private readonly resetCompleted: Required<MailTemplate<PasswordResetCompletedMail>>;
  private readonly verificationLink: Required<MailTemplate<VerificationMail>>;
  private readonly registrationNotice: Required<MailTemplate<RegistrationNoticeMail>>;

  constructor(options: NodemailerMailerOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError('NodemailerMailer: an options object with "transport" and "from" is required.');
    }
    const { transport, from, subject, text, html } = options;

    if (typeof from !== 'string' || !isPlausibleFrom(from)) {
      throw new TypeError(
        'NodemailerMailer: "from" must be an e-mail address such as \'no-reply@example.com\' or ' +
          '\'ACME <no-reply@example.com>\', without line breaks.',
      );
    }
    if (subject !== undefined && typeof subject !== 'function') {
      if (typeof subject !== 'string' || subject.length === 0 || hasControlCharacter(subject)) {
        throw new TypeError('NodemailerMailer: "subject" must be a non-empty one-line string or a function.');
      }
    }
    if (text !== undefined && typeof text !== 'function') {
      throw new TypeError('NodemailerMailer: "text" must be a function (mail) => string.');
    }
    if (html !== undefined && typeof html !== 'function') {
      throw new TypeError('NodemailerMailer: "html" must be a function (mail) => string.');
    }

    if (isTransporter(transport)) {
      this.transporter = transport;
      this.ownsTransporter = false;
    } else if (typeof transport === 'string') {
      if (!isSmtpUrl(transport)) {
        // The URL may hold a password: do not repeat it.
        throw new TypeError(
          'NodemailerMailer: "transport" must be an smtp:// or smtps:// URL, transport options or a transporter.',
        );
      }
      this.transporter = loadNodemailer().createTransport(transport);
      this.ownsTransporter = true;
    } else if (typeof transport === 'object' && transport !== null && !Array.isArray(transport)) {
      this.transporter = loadNodemailer().createTransport(transport as NodemailerTransportOptions);
      this.ownsTransporter = true;
    } else {
      throw new TypeError(
        'NodemailerMailer: "transport" is required: an SMTP URL such as \'smtp://user:pass@host:587\', ' +
          'nodemailer transport options, or a transporter from nodemailer.createTransport().',
      );
    }

    for (const name of ['resetLink', 'recoveryCodeUsed', 'resetCompleted', 'verificationLink', 'registrationNotice'] as const) {
      const template: unknown = options[name];
      if (template === undefined) continue;
      const parts = template as Record<string, unknown>;
      if (typeof template !== 'object' || template === null) throw new TypeError(`NodemailerMailer: "${name}" must be an object { subject?, text?, html? }.`);
      if (parts.subject !== undefined && (typeof parts.subject !== 'string' || parts.subject.length === 0 || hasControlCharacter(parts.subject))) {
        throw new TypeError(`NodemailerMailer: "${name}.subject" must be a non-empty one-line string.`);
      }
      for (const part of ['text', 'html']) {
        if (parts[part] !== undefined && typeof parts[part] !== 'function') throw new TypeError(`NodemailerMailer: "${name}.${part}" must be a function (mail) => string.`);
      }
    }
    this.resetLink = { subject: options.resetLink?.subject ?? 'Reset your password', text: options.resetLink?.text ?? resetText, html: options.resetLink?.html ?? resetHtml };
    this.recoveryCodeUsed = {
      subject: options.recoveryCodeUsed?.subject ?? 'A recovery code was used',
      text: options.recoveryCodeUsed?.text ?? recoveryNoticeText,
      html: options.recoveryCodeUsed?.html ?? recoveryNoticeHtml,
    };
    this.resetCompleted = {
      subject: options.resetCompleted?.subject ?? 'Your password was reset',
      text: options.resetCompleted?.text ?? resetCompletedText,
      html: options.resetCompleted?.html ?? resetCompletedHtml,
    };
    this.verificationLink = {
      subject: options.verificationLink?.subject ?? 'Confirm your email address',
      text: options.verificationLink?.text ?? verificationText,
      html: options.verificationLink?.html ?? verificationHtml,
    };
    this.registrationNotice = {
      subject: options.registrationNotice?.subject ?? 'Someone tried to sign up with your address',
      text: options.registrationNotice?.text ?? registrationNoticeText,
      html: options.registrationNotice?.html ?? registrationNoticeHtml,
    };
    this.from = from;
    this.subject = subject ?? DEFAULT_SUBJECT;
    this.renderText = text ?? defaultText;
    this.renderHtml = html ?? defaultHtml;
  }

  async sendSecondFactorCode(mail: SecondFactorMail): Promise<void> {
    const subject = typeof this.subject === 'function' ? this.subject(mail) : this.subject;
    await this.deliver(mail, subject, this.renderText(mail), this.renderHtml(mail));
  }

  /** Sends a password-reset link (see {@link Mailer.sendPasswordResetLink}). */
  async sendPasswordResetLink(mail: PasswordResetMail): Promise<void> {
    await this.deliver(mail, this.resetLink.subject, this.resetLink.text(mail), this.resetLink.html(mail));
  }

  /** Tells the user the password was reset, naming the API keys revoked (see {@link Mailer.sendPasswordResetCompleted}). */
  async sendPasswordResetCompleted(mail: PasswordResetCompletedMail): Promise<void> {
    await this.deliver(mail, this.resetCompleted.subject, this.resetCompleted.text(mail), this.resetCompleted.html(mail));
  }

  /** Tells the user a recovery code was used (see {@link Mailer.sendRecoveryCodeUsed}). */
  async sendRecoveryCodeUsed(mail: RecoveryCodeUsedMail): Promise<void> {
    await this.deliver(mail, this.recoveryCodeUsed.subject, this.recoveryCodeUsed.text(mail), this.recoveryCodeUsed.html(mail));
  }

  /** Sends a sign-up verification link (see {@link Mailer.sendVerificationLink}). */
  async sendVerificationLink(mail: VerificationMail): Promise<void> {
    await this.deliver(mail, this.verificationLink.subject, this.verificationLink.text(mail), this.verificationLink.html(mail));
  }

  /** Tells an address's owner someone tried to sign up with it (see {@link Mailer.sendRegistrationNotice}). */
  async sendRegistrationNotice(mail: RegistrationNoticeMail): Promise<void> {
    await this.deliver(mail, this.registrationNotice.subject, this.registrationNotice.text(mail), this.registrationNotice.html(mail));
  }

  private async deliver(mail: { to: string; displayName: string }, subject: string, text: string, html: string): Promise<void> {
    // Messages name the field, never its value: the value may be an attacker's payload, and the code is a secret.
    if (typeof mail.to !== 'string' || !isSingleAddress(mail.to)) {
      throw new TypeError('NodemailerMailer: "to" must be one e-mail address without spaces or control characters.');
    }
    if (typeof mail.displayName !== 'string' || hasControlCharacter(mail.displayName)) {
      throw new TypeError(
        'NodemailerMailer: "displayName" must be a string without line breaks or control characters.',
      );
    }
    if (typeof subject !== 'string' || hasControlCharacter(subject)) {
      throw new TypeError('NodemailerMailer: the subject must be a string without line breaks or control characters.');
    }

    await this.transporter.sendMail({
      from: this.from,
      // An object, not a "name <address>" string, so nodemailer encodes the name instead of parsing it.
      to: { name: mail.displayName, address: mail.to },
      subject,
      text,
      html,
      // Nothing here should reach the file system or the network except through the transport.
      disableFileAccess: true,
      disableUrlAccess: true,
    });
  }

  /** Closes the transport this mailer created (pooled connections included). A transporter you passed stays open. */
  close(): void {
    if (this.ownsTransporter) this.transporter.close();
  }
}

function loadNodemailer(): NodemailerModule {
  return loadOptionalPeer<NodemailerModule>('nodemailer', 'NodemailerMailer');
}

function isTransporter(value: unknown): value is NodemailerTransporter {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { sendMail?: unknown }).sendMail === 'function' &&
    typeof (value as { close?: unknown }).close === 'function'
  );
}

function isSmtpUrl(value: string): boolean {
  try {
    const { protocol, hostname } = new URL(value);
    return (protocol === 'smtp:' || protocol === 'smtps:') && hostname.length > 0;
  } catch {
    return false;
  }
}

/**
 * C0 and C1 controls, DEL, and the Unicode line and paragraph separators: anything a header writer or a mail client
 * might treat as the end of a line. A loop, not a regex: a regex of control characters trips `no-control-regex`.
 */
function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029) return true;
  }
  return false;
}

/**
 * One `local@domain` address and nothing else: no spaces, no list separators, no brackets, no quotes. Stricter than
 * RFC 5322 on purpose: a comma or an angle bracket would let one value name several recipients.
 */
function isSingleAddress(value: string): boolean {
  if (value.length > 254 || hasControlCharacter(value)) return false;
  return /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+$/.test(value);
}

/** `address` or `Display Name <address>`; the name may be quoted. */
function isPlausibleFrom(value: string): boolean {
  if (hasControlCharacter(value)) return false;
  const trimmed = value.trim();
  const named = /^(.*)<([^<>]+)>$/.exec(trimmed);
  if (named) return !/[<>]/.test(named[1]!) && isSingleAddress(named[2]!.trim());
  return isSingleAddress(trimmed);
}

/** "5 minutes", "1 minute", "90 seconds": whole minutes when it divides evenly, seconds otherwise. */
function describeLifetime(seconds: number): string {
  // Past an hour, in hours (a sign-up link's day reads "24 hours"); up to it, in minutes as before.
  if (seconds > 3600 && seconds % 3600 === 0) return `${seconds / 3600} hours`;
  if (seconds >= 60 && seconds % 60 === 0) {
    const minutes = seconds / 60;
    return minutes === 1 ? '1 minute' : `${minutes} minutes`;
  }
  return seconds === 1 ? '1 second' : `${seconds} seconds`;
}

function defaultText(mail: SecondFactorMail): string {
  // The code sits alone on its own line so people (and tests) can pick it out even if a name holds digits.
  return [
    `Hello ${mail.displayName},`,
    '',
    'Your verification code is:',
    '',
    mail.code,
    '',
    `It expires in ${describeLifetime(mail.expiresInSeconds)}.`,
    '',
    `It was requested to sign in as "${mail.login}". If that was not you, do not share the code with anyone,`,
    'and change your password.',
    '',
  ].join('\n');
}

function defaultHtml(mail: SecondFactorMail): string {
  return [
    '<!doctype html>',
    '<html><body style="font-family:sans-serif">',
    `<p>Hello ${escapeHtml(mail.displayName)},</p>`,
    '<p>Your verification code is:</p>',
    `<p style="font-size:24px;font-weight:bold;letter-spacing:4px">${escapeHtml(mail.code)}</p>`,
    `<p>It expires in ${escapeHtml(describeLifetime(mail.expiresInSeconds))}.</p>`,
    `<p>It was requested to sign in as &quot;${escapeHtml(mail.login)}&quot;. If that was not you, do not share ` +
      'the code with anyone, and change your password.</p>',
    '</body></html>',
    '',
  ].join('\n');
}

function resetText(mail: PasswordResetMail): string {
  // The link sits alone on its own line so mail clients (and tests) can pick it out.
  return [
    `Hello ${mail.displayName},`,
    '',
    `Someone asked to reset the password of "${mail.login}". To choose a new password, open this link:`,
    '',
    mail.url,
    '',
    `It works once, for ${describeLifetime(mail.expiresInSeconds)}. If you did not ask for it, ignore this mail: your`,
    'password stays as it is.',
    '',
  ].join('\n');
}

function resetHtml(mail: PasswordResetMail): string {
  return [
    '<!doctype html>',
    '<html><body style="font-family:sans-serif">',
    `<p>Hello ${escapeHtml(mail.displayName)},</p>`,
    `<p>Someone asked to reset the password of &quot;${escapeHtml(mail.login)}&quot;. To choose a new password, open this link:</p>`,
    `<p><a href="${escapeHtml(mail.url)}">${escapeHtml(mail.url)}</a></p>`,
    `<p>It works once, for ${escapeHtml(describeLifetime(mail.expiresInSeconds))}. If you did not ask for it, ignore this mail: your password stays as it is.</p>`,
    '</body></html>',
    '',
  ].join('\n');
}

function verificationText(mail: VerificationMail): string {
  // The link sits alone on its own line so mail clients (and tests) can pick it out.
  return [
    `Hello ${mail.displayName},`,
    '',
    `An account "${mail.login}" was created with this address. To confirm the address and start using it, open this link:`,
    '',
    mail.url,
    '',
    `It works once, for ${describeLifetime(mail.expiresInSeconds)}. If you did not sign up, ignore this mail: the account`,
    'stays unusable.',
    '',
  ].join('\n');
}

function verificationHtml(mail: VerificationMail): string {
  return [
    '<!doctype html>',
    '<html><body style="font-family:sans-serif">',
    `<p>Hello ${escapeHtml(mail.displayName)},</p>`,
    `<p>An account &quot;${escapeHtml(mail.login)}&quot; was created with this address. To confirm the address and start using it, open this link:</p>`,
    `<p><a href="${escapeHtml(mail.url)}">${escapeHtml(mail.url)}</a></p>`,
    `<p>It works once, for ${escapeHtml(describeLifetime(mail.expiresInSeconds))}. If you did not sign up, ignore this mail: the account stays unusable.</p>`,
    '</body></html>',
    '',
  ].join('\n');
}

function registrationNoticeText(mail: RegistrationNoticeMail): string {
  return [
    `Hello ${mail.displayName},`,
    '',
    `Someone tried to create a new account with this address, which already belongs to "${mail.login}". Nothing was`,
    'changed. If it was you, sign in as that account instead (or reset its password). If not, ignore this mail.',
    '',
  ].join('\n');
}

function registrationNoticeHtml(mail: RegistrationNoticeMail): string {
  return [
    '<!doctype html>',
    '<html><body style="font-family:sans-serif">',
    `<p>Hello ${escapeHtml(mail.displayName)},</p>`,
    `<p>Someone tried to create a new account with this address, which already belongs to &quot;${escapeHtml(mail.login)}&quot;. Nothing was changed.</p>`,
    '<p>If it was you, sign in as that account instead (or reset its password). If not, ignore this mail.</p>',
    '</body></html>',
    '',
  ].join('\n');
}

function recoveryNoticeText(mail: RecoveryCodeUsedMail): string {
  return [
    `Hello ${mail.displayName},`,
    '',
    `A recovery code of "${mail.login}" was just used; ${mail.remaining} unused code${mail.remaining === 1 ? '' : 's'} remain.`,
    'If that was not you, change your password and generate new recovery codes.',
    '',
  ].join('\n');
}

function recoveryNoticeHtml(mail: RecoveryCodeUsedMail): string {
  return [
    '<!doctype html>',
    '<html><body style="font-family:sans-serif">',
    `<p>Hello ${escapeHtml(mail.displayName)},</p>`,
    `<p>A recovery code of &quot;${escapeHtml(mail.login)}&quot; was just used; ${mail.remaining} unused code${mail.remaining === 1 ? '' : 's'} remain.</p>`,
    '<p>If that was not you, change your password and generate new recovery codes.</p>',
    '</body></html>',
    '',
  ].join('\n');
}

function resetCompletedText(mail: PasswordResetCompletedMail): string {
  const keys = mail.revokedApiKeys;
  return [
    `Hello ${mail.displayName},`,
    '',
    `The password of "${mail.login}" was just reset, and every session was signed out.`,
    ...(keys.length > 0 ? ['', `These API keys were revoked: ${keys.map((name) => `"${name}"`).join(', ')}. Create new ones where you still need them.`] : []),
    '',
    'If that was not you, reset your password again at once and contact us.',
    '',
  ].join('\n');
}

function resetCompletedHtml(mail: PasswordResetCompletedMail): string {
  const keys = mail.revokedApiKeys;
  return [
    '<!doctype html>',
    '<html><body style="font-family:sans-serif">',
    `<p>Hello ${escapeHtml(mail.displayName)},</p>`,
    `<p>The password of &quot;${escapeHtml(mail.login)}&quot; was just reset, and every session was signed out.</p>`,
    ...(keys.length > 0 ? [`<p>These API keys were revoked:</p><ul>${keys.map((name) => `<li>${escapeHtml(name)}</li>`).join('')}</ul><p>Create new ones where you still need them.</p>`] : []),
    '<p>If that was not you, reset your password again at once and contact us.</p>',
    '</body></html>',
    '',
  ].join('\n');
}

function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
