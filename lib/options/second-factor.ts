// The `secondFactor` group: mailed and app codes, their lifetimes, attempts and resend limits.
import type { CoreSettings } from '../core/context';
import type { Mailer } from '../mailers/types';
import type { Duration } from '../primitives/duration';
import type { Preset } from '../presets/types';
import {
  duration,
  optionalBoolean,
  optionalString,
  plainObject,
  positiveInteger,
  resolveLimit,
  type KnownKeys,
} from './validate';

/** A per-IP or per-account limit: at most `limit` requests in `window`. */
export interface RateLimitOption {
  limit: number;
  window: Duration;
}

/** The second factor's settings (see {@link AuthOptions.secondFactor}). */
export interface SecondFactorOptions {
  /** Require a second factor of every user (email for those without one). @default false */
  force?: boolean;
  /** How long a challenge and its code live (at most '10m'). @default '5m' */
  codeTtl?: Duration;
  /** Wrong codes allowed per challenge. @default 5 */
  maxAttempts?: number;
  /** The least time between two resends of a code. @default '30s' */
  resendCooldown?: Duration;
  /** The issuer name shown in authenticator apps; no `:`. @default 'express-auth-kit' */
  totpIssuer?: string;
  /** Per-account limit on code resends, across all of the account's challenges. @default { limit: 5, window: '15m' } */
  resendLimit?: RateLimitOption;
  /**
   * Open challenges one account may have (1–100): a new one past it replaces the oldest, so whoever holds the password
   * cannot fill the store from many addresses, nor keep the owner from starting a login of their own. @default 5
   */
  maxOpenChallenges?: number;
}

const SECOND_FACTOR_KEYS: KnownKeys<SecondFactorOptions> = {
  force: true,
  codeTtl: true,
  maxAttempts: true,
  resendCooldown: true,
  totpIssuer: true,
  resendLimit: true,
  maxOpenChallenges: true,
};

// Enough for a user whose mail is slow to ask a few times; a password holder cannot mail-bomb the owner.
const DEFAULT_RESEND_LIMIT = { limit: 5, window: '15m' } as const;

export function resolveSecondFactor(
  value: unknown,
  preset: Preset,
  mailer: Mailer | undefined,
): CoreSettings['secondFactor'] {
  const input = plainObject(value, 'secondFactor', SECOND_FACTOR_KEYS);
  const secondFactor = {
    force: optionalBoolean(input.force, 'secondFactor.force') === true,
    // Codes live at most 10 minutes: a 6-digit code's safety rests on a short life and few guesses (NIST SP 800-63B).
    codeTtlSeconds: duration(input.codeTtl, '5m', 'secondFactor.codeTtl', 600),
    maxAttempts: positiveInteger(input.maxAttempts, 5, 'secondFactor.maxAttempts', 10),
    resendCooldownSeconds: duration(input.resendCooldown, '30s', 'secondFactor.resendCooldown', 600),
    totpIssuer: optionalString(input.totpIssuer, 'secondFactor.totpIssuer') ?? 'express-auth-kit',
    resendLimit: resolveLimit(input.resendLimit, DEFAULT_RESEND_LIMIT, 'secondFactor.resendLimit'),
    // A person logs in from a few places at once (a phone, a laptop, a retry); each challenge holds up to three keys.
    maxOpenChallenges: positiveInteger(input.maxOpenChallenges, 5, 'secondFactor.maxOpenChallenges', 100),
  };
  // The issuer and account are split on the first colon by authenticator apps (Key URI format).
  if (secondFactor.totpIssuer.includes(':')) throw new TypeError('"secondFactor.totpIssuer" must not contain ":".');
  if (secondFactor.force && preset.routes.tfaVerify === null) {
    throw new TypeError(
      `"secondFactor.force" needs a preset with a second-factor route; "${preset.name}" has none (routes.tfaVerify).`,
    );
  }
  if (secondFactor.force && mailer === undefined) {
    throw new TypeError('"mailer" is required when "secondFactor.force" is true: codes are sent by email.');
  }
  return secondFactor;
}
