// What the library hands a mailer to deliver a second-factor code, and the one method a mailer must have.

/** One second-factor code to deliver by e-mail. */
export interface SecondFactorMail {
  /**
   * The recipient address. The library only ever passes the address stored for the user, never one taken from the
   * request, so a caller cannot have a code sent to a mailbox they choose.
   */
  to: string;
  /** The user's name, for the greeting and the `To:` display name. */
  displayName: string;
  /** The login the code was asked for, so the recipient can tell whether the attempt was theirs. */
  login: string;
  /** The one-time code itself. Never log it. */
  code: string;
  /** How long the code stays valid, in seconds. */
  expiresInSeconds: number;
}

/**
 * Delivers second-factor codes. Implement it to use any e-mail API; {@link NodemailerMailer} covers SMTP and
 * {@link MemoryMailer} tests and demos.
 *
 * @example
 * const mailer: Mailer = {
 *   async sendSecondFactorCode(mail) {
 *     await myEmailApi.send({ to: mail.to, template: 'otp', vars: { code: mail.code } });
 *   },
 * };
 */
export interface Mailer {
  /**
   * Sends `mail.code` to `mail.to` (the address stored for the user; see {@link SecondFactorMail.to}).
   * Resolves once the message is accepted for delivery; rejects if it was not, and the login step then fails.
   */
  sendSecondFactorCode(mail: SecondFactorMail): Promise<void>;
}
