// The `passwordReset` and `registration` groups: the mailed links' pages, lifetimes and limits, and sign-up's rules.
import type { RegistrationHook, RegistrationSettings } from '../core/registration-types';
import type { Mailer } from '../mailers/types';
import type { Duration } from '../primitives/duration';
import type { Preset } from '../presets/types';
import type { UserStore } from '../stores/types';
import { duration, linkTemplate, plainObject, resolveLimit, type KnownKeys } from './validate';

/** Password reset by email (see {@link AuthOptions.passwordReset}). */
export interface PasswordResetOptions {
  /**
   * The page of your app that reads the token and asks for a new password, absolute http(s). `{token}` is replaced by
   * the URL-encoded token; without it, the token is added as the `token` query parameter. Required.
   * @example 'https://app.example/reset?token={token}'
   */
  urlTemplate: string;
  /** How long a mailed link works (at most '1h'). A newer request replaces the older token. @default '1h' */
  tokenTtl?: Duration;
}

/** Sign-up's settings (see {@link AuthOptions.registration}). */
export interface RegistrationOptions {
  /**
   * The page of your app that reads the token and posts it to `…/register/verify`, absolute http(s). `{token}` is
   * replaced by the URL-encoded token; without it, the token is added as the `token` query parameter. Required.
   * @example 'https://app.example/verify-email?token={token}'
   */
  urlTemplate: string;
  /** How long a mailed verification link works (at most '7d'). A resend replaces the older link. @default '24h' */
  tokenTtl?: Duration;
  /**
   * Verification mails (sign-ups and resends together) per address per window. Past it the answer is the same and
   * nothing is mailed, so nobody can mail-bomb an address. @default { limit: 3, window: '1h' }
   */
  resendLimit?: { limit?: number; window?: Duration };
  /** The roles of a new user, unless `onRegister` names others. @default ['ROLE_USER'] */
  authorities?: readonly string[];
  /**
   * Runs before anything is stored: return profile fields (`firstName`, `lastName`, `imageUrl`, `langKey`) and
   * `authorities` for the new user, or `{ refuse: 'Sign-up is by invitation only.' }` (403 `registration_refused`
   * with that message). It sees the username, the email and the body's optional `profile` object of strings (an
   * invite code, say), never the password. @default none
   */
  onRegister?: RegistrationHook;
}

const PASSWORD_RESET_KEYS: KnownKeys<PasswordResetOptions> = { urlTemplate: true, tokenTtl: true };
const REGISTRATION_KEYS: KnownKeys<RegistrationOptions> = {
  urlTemplate: true,
  tokenTtl: true,
  resendLimit: true,
  authorities: true,
  onRegister: true,
};

// OWASP's forgot-password cheat sheet: a reset token is short-lived; an hour covers a slow mail.
const MAX_RESET_TOKEN_TTL = '1h';
// A day covers a slow mail and a user who signs up in the evening and verifies the next morning.
const DEFAULT_VERIFICATION_TOKEN_TTL = '24h';
const MAX_VERIFICATION_TOKEN_TTL_SECONDS = 7 * 86400;
// A few tries for a slow mail; an address's owner gets at most this many unasked mails an hour.
const DEFAULT_VERIFICATION_MAIL_LIMIT = { limit: 3, window: '1h' } as const;

export function resolvePasswordReset(value: unknown): { urlTemplate: string; tokenTtlSeconds: number } | false {
  if (value === undefined) return false;
  const input = plainObject(value, 'passwordReset', PASSWORD_RESET_KEYS);
  return {
    urlTemplate: linkTemplate(
      input.urlTemplate,
      'passwordReset.urlTemplate',
      'reset page, e.g. "https://app.example/reset?token={token}"',
    ),
    tokenTtlSeconds: duration(input.tokenTtl, MAX_RESET_TOKEN_TTL, 'passwordReset.tokenTtl', 3600),
  };
}

export function resolveRegistration(
  value: unknown,
  users: UserStore,
  mailer: Mailer | undefined,
  preset: Preset,
): RegistrationSettings | false {
  if (value === undefined) return false;
  const input = plainObject(value, 'registration', REGISTRATION_KEYS);
  const urlTemplate = linkTemplate(
    input.urlTemplate,
    'registration.urlTemplate',
    'verification page, e.g. "https://app.example/verify-email?token={token}"',
  );
  const authorities = input.authorities ?? ['ROLE_USER'];
  if (!Array.isArray(authorities) || !authorities.every((role) => typeof role === 'string' && role.length > 0)) {
    throw new TypeError('"registration.authorities" must be an array of role names, e.g. ["ROLE_USER"].');
  }
  if (input.onRegister !== undefined && typeof input.onRegister !== 'function') {
    throw new TypeError('"registration.onRegister" must be a function (attempt) => decision.');
  }
  if (typeof users.createUser !== 'function' || typeof users.markEmailVerified !== 'function') {
    throw new TypeError(
      '"registration" needs a "users" store with createUser() and markEmailVerified() (MemoryUserStore and PostgresUserStore have them).',
    );
  }
  if (typeof mailer?.sendVerificationLink !== 'function') {
    throw new TypeError(
      '"registration" needs a "mailer" with sendVerificationLink() (MemoryMailer and NodemailerMailer have it).',
    );
  }
  if (preset.routes.register == null || preset.routes.registerVerify == null) {
    throw new TypeError(
      `"registration" needs a preset with sign-up routes; "${preset.name}" has none (routes.register, routes.registerVerify).`,
    );
  }
  return {
    urlTemplate,
    tokenTtlSeconds: duration(
      input.tokenTtl,
      DEFAULT_VERIFICATION_TOKEN_TTL,
      'registration.tokenTtl',
      MAX_VERIFICATION_TOKEN_TTL_SECONDS,
    ),
    mailLimit: resolveLimit(input.resendLimit, DEFAULT_VERIFICATION_MAIL_LIMIT, 'registration.resendLimit'),
    authorities: [...(authorities as string[])],
    onRegister: input.onRegister as RegistrationHook | undefined,
  };
}
