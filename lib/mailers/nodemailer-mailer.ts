// Second-factor codes, password-reset links, recovery-code notices and sign-up mails by e-mail through nodemailer: an SMTP URL,
// transport options, or a transporter you built. The transport lives in nodemailer-transport.ts, the default mails in
// default-templates.ts, the header checks in header-safety.ts; this module checks the options and sends.
import {
  DEFAULT_SUBJECT,
  DEFAULT_TEMPLATES,
  TEMPLATE_NAMES,
  defaultHtml,
  defaultText,
  type MailTemplate,
  type MailTemplates,
} from './default-templates';
import { hasControlCharacter, isOneLine, isPlausibleFrom, isSingleAddress } from './header-safety';
import { openTransport, type NodemailerTransporter, type NodemailerTransportInput } from './nodemailer-transport';
import type {
  Mailer,
  PasswordResetCompletedMail,
  PasswordResetMail,
  RecoveryCodeUsedMail,
  RegistrationNoticeMail,
  SecondFactorMail,
  VerificationMail,
} from './types';

export type { MailTemplate } from './default-templates';
export type {
  NodemailerMessage,
  NodemailerTransportInput,
  NodemailerTransportOptions,
  NodemailerTransporter,
} from './nodemailer-transport';

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

/** Every template with each part filled in, by option name. */
type ResolvedTemplates = { [K in keyof MailTemplates]: Required<MailTemplates[K]> };

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
  private readonly templates: ResolvedTemplates;

  constructor(options: NodemailerMailerOptions) {
    // In this order, so a bad option is reported the same way whichever others are bad too.
    checkSecondFactorOptions(options);
    const { transporter, owned } = openTransport(options.transport);
    checkTemplates(options);
    this.transporter = transporter;
    this.ownsTransporter = owned;
    this.templates = resolveTemplates(options);
    this.from = options.from;
    this.subject = options.subject ?? DEFAULT_SUBJECT;
    this.renderText = options.text ?? defaultText;
    this.renderHtml = options.html ?? defaultHtml;
  }

  async sendSecondFactorCode(mail: SecondFactorMail): Promise<void> {
    const subject = typeof this.subject === 'function' ? this.subject(mail) : this.subject;
    await this.deliver(mail, subject, this.renderText(mail), this.renderHtml(mail));
  }

  /** Sends a password-reset link (see {@link Mailer.sendPasswordResetLink}). */
  async sendPasswordResetLink(mail: PasswordResetMail): Promise<void> {
    await this.render(mail, this.templates.resetLink);
  }

  /** Tells the user the password was reset, naming the API keys revoked (see {@link Mailer.sendPasswordResetCompleted}). */
  async sendPasswordResetCompleted(mail: PasswordResetCompletedMail): Promise<void> {
    await this.render(mail, this.templates.resetCompleted);
  }

  /** Tells the user a recovery code was used (see {@link Mailer.sendRecoveryCodeUsed}). */
  async sendRecoveryCodeUsed(mail: RecoveryCodeUsedMail): Promise<void> {
    await this.render(mail, this.templates.recoveryCodeUsed);
  }

  /** Sends a sign-up verification link (see {@link Mailer.sendVerificationLink}). */
  async sendVerificationLink(mail: VerificationMail): Promise<void> {
    await this.render(mail, this.templates.verificationLink);
  }

  /** Tells an address's owner someone tried to sign up with it (see {@link Mailer.sendRegistrationNotice}). */
  async sendRegistrationNotice(mail: RegistrationNoticeMail): Promise<void> {
    await this.render(mail, this.templates.registrationNotice);
  }

  private async render<M extends { to: string; displayName: string }>(
    mail: M,
    template: Required<MailTemplate<M>>,
  ): Promise<void> {
    await this.deliver(mail, template.subject, template.text(mail), template.html(mail));
  }

  private async deliver(
    mail: { to: string; displayName: string },
    subject: string,
    text: string,
    html: string,
  ): Promise<void> {
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

// The options come from JavaScript callers too, so each is checked for its type as well as its value.
function checkSecondFactorOptions(options: NodemailerMailerOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('NodemailerMailer: an options object with "transport" and "from" is required.');
  }
  const { from, subject, text, html } = options;
  if (typeof from !== 'string' || !isPlausibleFrom(from)) {
    throw new TypeError(
      'NodemailerMailer: "from" must be an e-mail address such as \'no-reply@example.com\' or ' +
        "'ACME <no-reply@example.com>', without line breaks.",
    );
  }
  if (subject !== undefined && typeof subject !== 'function' && !isOneLine(subject)) {
    throw new TypeError('NodemailerMailer: "subject" must be a non-empty one-line string or a function.');
  }
  if (text !== undefined && typeof text !== 'function') {
    throw new TypeError('NodemailerMailer: "text" must be a function (mail) => string.');
  }
  if (html !== undefined && typeof html !== 'function') {
    throw new TypeError('NodemailerMailer: "html" must be a function (mail) => string.');
  }
}

function checkTemplates(options: NodemailerMailerOptions): void {
  for (const name of TEMPLATE_NAMES) {
    const template: unknown = options[name];
    if (template === undefined) continue;
    if (typeof template !== 'object' || template === null)
      throw new TypeError(`NodemailerMailer: "${name}" must be an object { subject?, text?, html? }.`);
    const subject = 'subject' in template ? template.subject : undefined;
    if (subject !== undefined && !isOneLine(subject)) {
      throw new TypeError(`NodemailerMailer: "${name}.subject" must be a non-empty one-line string.`);
    }
    for (const part of ['text', 'html'] as const) {
      const render: unknown = Reflect.get(template, part);
      if (render !== undefined && typeof render !== 'function')
        throw new TypeError(`NodemailerMailer: "${name}.${part}" must be a function (mail) => string.`);
    }
  }
}

/** Each template as given, its missing parts taken from the defaults. */
function resolveTemplates(options: NodemailerMailerOptions): ResolvedTemplates {
  return {
    resetLink: withDefaults(options.resetLink, DEFAULT_TEMPLATES.resetLink),
    recoveryCodeUsed: withDefaults(options.recoveryCodeUsed, DEFAULT_TEMPLATES.recoveryCodeUsed),
    resetCompleted: withDefaults(options.resetCompleted, DEFAULT_TEMPLATES.resetCompleted),
    verificationLink: withDefaults(options.verificationLink, DEFAULT_TEMPLATES.verificationLink),
    registrationNotice: withDefaults(options.registrationNotice, DEFAULT_TEMPLATES.registrationNotice),
  };
}

function withDefaults<M>(
  given: MailTemplate<M> | undefined,
  fallback: Required<MailTemplate<M>>,
): Required<MailTemplate<M>> {
  return {
    subject: given?.subject ?? fallback.subject,
    text: given?.text ?? fallback.text,
    html: given?.html ?? fallback.html,
  };
}
