// A mailer that keeps messages in memory instead of sending them: for tests and demos.
import type {
  Mailer,
  PasswordResetCompletedMail,
  PasswordResetMail,
  RecoveryCodeUsedMail,
  RegistrationNoticeMail,
  SecondFactorMail,
  VerificationMail,
} from './types';

export interface MemoryMailerOptions {
  /**
   * Called with each mail after it is recorded; a rejection or throw makes the send fail, which is how a test
   * simulates a mail outage. @default none
   */
  onSend?: (mail: SecondFactorMail) => void | Promise<void>;
  /** Like `onSend`, for the password-reset links and notices, recovery-code notices and sign-up mails. @default none */
  onSendAccountMail?: (
    mail:
      PasswordResetMail | RecoveryCodeUsedMail | PasswordResetCompletedMail | VerificationMail | RegistrationNoticeMail,
  ) => void | Promise<void>;
  /** The most mails kept in {@link MemoryMailer.sent}; past it the oldest is dropped. @default 1000 */
  maxKept?: number;
}

/**
 * Records every second-factor mail in {@link MemoryMailer.sent} and sends nothing.
 *
 * @example
 * const mailer = new MemoryMailer();
 * // ... POST /login ...
 * const code = mailer.last('alice@example.com')?.code;
 */
export class MemoryMailer implements Mailer {
  /** The second-factor mails "sent", oldest first. Copies, so changing one does not change what the caller passed. */
  readonly sent: SecondFactorMail[] = [];
  /** The password-reset links "sent", oldest first (bounded like {@link MemoryMailer.sent}). */
  readonly resetLinks: PasswordResetMail[] = [];
  /** The notices of a used recovery code "sent", oldest first (bounded like {@link MemoryMailer.sent}). */
  readonly recoveryCodeNotices: RecoveryCodeUsedMail[] = [];
  /** The notices of a completed password reset "sent", oldest first (bounded like {@link MemoryMailer.sent}). */
  readonly resetNotices: PasswordResetCompletedMail[] = [];
  /** The sign-up verification links "sent", oldest first (bounded like {@link MemoryMailer.sent}). */
  readonly verificationLinks: VerificationMail[] = [];
  /** The notices "sent" to owners of addresses someone tried to sign up with, oldest first (bounded likewise). */
  readonly registrationNotices: RegistrationNoticeMail[] = [];
  private readonly onSend: MemoryMailerOptions['onSend'];
  private readonly onSendAccountMail: MemoryMailerOptions['onSendAccountMail'];
  private readonly maxKept: number;

  constructor(options: MemoryMailerOptions = {}) {
    if (options.onSend !== undefined && typeof options.onSend !== 'function') {
      throw new TypeError('MemoryMailer: "onSend" must be a function.');
    }
    if (options.onSendAccountMail !== undefined && typeof options.onSendAccountMail !== 'function') {
      throw new TypeError('MemoryMailer: "onSendAccountMail" must be a function.');
    }
    this.onSend = options.onSend;
    this.onSendAccountMail = options.onSendAccountMail;
    this.maxKept = options.maxKept ?? 1000;
    if (!Number.isSafeInteger(this.maxKept) || this.maxKept < 1) {
      throw new TypeError('MemoryMailer: "maxKept" must be a positive integer.');
    }
  }

  async sendSecondFactorCode(mail: SecondFactorMail): Promise<void> {
    const copy: SecondFactorMail = {
      to: mail.to,
      displayName: mail.displayName,
      login: mail.login,
      code: mail.code,
      expiresInSeconds: mail.expiresInSeconds,
    };
    this.sent.push(copy);
    // A long-running demo must not grow without bound.
    if (this.sent.length > this.maxKept) this.sent.splice(0, this.sent.length - this.maxKept);
    if (this.onSend) await this.onSend(copy);
  }

  async sendPasswordResetLink(mail: PasswordResetMail): Promise<void> {
    const copy: PasswordResetMail = {
      to: mail.to,
      displayName: mail.displayName,
      login: mail.login,
      url: mail.url,
      expiresInSeconds: mail.expiresInSeconds,
    };
    this.keep(this.resetLinks, copy);
    if (this.onSendAccountMail) await this.onSendAccountMail(copy);
  }

  async sendRecoveryCodeUsed(mail: RecoveryCodeUsedMail): Promise<void> {
    const copy: RecoveryCodeUsedMail = {
      to: mail.to,
      displayName: mail.displayName,
      login: mail.login,
      remaining: mail.remaining,
    };
    this.keep(this.recoveryCodeNotices, copy);
    if (this.onSendAccountMail) await this.onSendAccountMail(copy);
  }

  async sendPasswordResetCompleted(mail: PasswordResetCompletedMail): Promise<void> {
    const copy: PasswordResetCompletedMail = {
      to: mail.to,
      displayName: mail.displayName,
      login: mail.login,
      revokedApiKeys: [...mail.revokedApiKeys],
    };
    this.keep(this.resetNotices, copy);
    if (this.onSendAccountMail) await this.onSendAccountMail(copy);
  }

  async sendVerificationLink(mail: VerificationMail): Promise<void> {
    const copy: VerificationMail = {
      to: mail.to,
      displayName: mail.displayName,
      login: mail.login,
      url: mail.url,
      expiresInSeconds: mail.expiresInSeconds,
    };
    this.keep(this.verificationLinks, copy);
    if (this.onSendAccountMail) await this.onSendAccountMail(copy);
  }

  async sendRegistrationNotice(mail: RegistrationNoticeMail): Promise<void> {
    const copy: RegistrationNoticeMail = { to: mail.to, displayName: mail.displayName, login: mail.login };
    this.keep(this.registrationNotices, copy);
    if (this.onSendAccountMail) await this.onSendAccountMail(copy);
  }

  private keep<T>(list: T[], mail: T): void {
    list.push(mail);
    if (list.length > this.maxKept) list.splice(0, list.length - this.maxKept);
  }

  /** The most recent second-factor mail, or the most recent one to `to` when given. */
  last(to?: string): SecondFactorMail | undefined {
    for (let i = this.sent.length - 1; i >= 0; i--) {
      const mail = this.sent[i];
      if (mail !== undefined && (to === undefined || mail.to === to)) return mail;
    }
    return undefined;
  }

  /** Forgets every recorded mail. */
  clear(): void {
    this.sent.length = 0;
    this.resetLinks.length = 0;
    this.recoveryCodeNotices.length = 0;
    this.resetNotices.length = 0;
    this.verificationLinks.length = 0;
    this.registrationNotices.length = 0;
  }
}
