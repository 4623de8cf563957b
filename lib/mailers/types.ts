// What the library hands a mailer to deliver: a second-factor code (the one method a mailer must have), and, from
// mailers that offer them, a password-reset link and a notice that a recovery code was used.

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
  /**
   * Sends a password-reset link. Optional: without it, the password-reset routes answer 503 `unavailable` (and a
   * `NO_RESET_MAILER` warning is logged once). Called off the request path: a rejection is logged, never answered.
   */
  sendPasswordResetLink?(mail: PasswordResetMail): Promise<void>;
  /**
   * Tells the user that one of their recovery codes was used to sign in or reset the password. Optional: without it,
   * no notice is sent. Called off the request path: a rejection is logged, never answered.
   */
  sendRecoveryCodeUsed?(mail: RecoveryCodeUsedMail): Promise<void>;
  /**
   * Tells the user that their password was just reset, and which API keys the reset revoked. Optional: without it, no
   * notice is sent. Called off the request path: a rejection is logged, never answered.
   */
  sendPasswordResetCompleted?(mail: PasswordResetCompletedMail): Promise<void>;
  /**
   * Sends the link that verifies a new account's address (sign-up, `registration`). Required by that option (checked
   * at start-up). Called off the request path: a rejection is logged, never answered.
   */
  sendVerificationLink?(mail: VerificationMail): Promise<void>;
  /**
   * Tells the owner of an address already registered that someone tried to sign up with it (they get this instead of
   * a link, and the requester the same answer). Optional: without it, nothing is sent. Called off the request path.
   */
  sendRegistrationNotice?(mail: RegistrationNoticeMail): Promise<void>;
}

/** One sign-up verification link to deliver by e-mail. */
export interface VerificationMail {
  /** The address the new account was registered with (and stored). */
  to: string;
  displayName: string;
  /** The new account's login. */
  login: string;
  /** The link, built from `registration.urlTemplate`; it carries the verification token. A secret: never log it. */
  url: string;
  /** How long the link works, in seconds. */
  expiresInSeconds: number;
}

/** A notice that someone tried to sign up with an address that already has an account. */
export interface RegistrationNoticeMail {
  /** The address stored for the existing account. */
  to: string;
  displayName: string;
  /** The existing account's login, so its owner can sign in (or reset the password) instead. */
  login: string;
}

/** One password-reset link to deliver by e-mail. */
export interface PasswordResetMail {
  /** The address stored for the user, never one taken from the request. */
  to: string;
  displayName: string;
  login: string;
  /** The link, built from `passwordReset.urlTemplate`; it carries the reset token. A secret: never log it. */
  url: string;
  /** How long the link works, in seconds. */
  expiresInSeconds: number;
}

/** A notice that one of the user's recovery codes was just used. */
export interface RecoveryCodeUsedMail {
  /** The address stored for the user. */
  to: string;
  displayName: string;
  login: string;
  /** How many unused recovery codes the user has left. */
  remaining: number;
}

/** A notice that the user's password was reset (every session ended), naming the API keys the reset revoked. */
export interface PasswordResetCompletedMail {
  /** The address stored for the user. */
  to: string;
  displayName: string;
  login: string;
  /** The names of the API keys the reset revoked (never their text); empty when none were, or keys are kept. */
  revokedApiKeys: string[];
}
