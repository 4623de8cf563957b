// The `passwords` group: bcrypt's cost and queue bound, the policy new passwords meet, and how long they last.
import type { PasswordSettings } from '../core/context';
import { DEFAULT_BCRYPT_COST, validateBcryptCost } from '../passwords/hasher';
import { resolvePasswordPolicy, type PasswordPolicyOptions } from '../passwords/policy';
import type { Duration } from '../primitives/duration';
import { duration, plainObject, type KnownKeys } from './validate';

/** The passwords' settings (see {@link AuthOptions.passwords}). */
export interface PasswordsOptions {
  /** bcrypt's cost factor; below 10 logs a warning (tests may use 4). @default 10 */
  bcryptCost?: number;
  /** Rules every new password must meet. @default { minLength: 8 } */
  policy?: PasswordPolicyOptions;
  /** Lifetime of a newly set password; afterwards login answers 403 password_expired. @default null (never) */
  maxAge?: Duration | null;
  /**
   * The longest a login may wait for a bcrypt worker, in ms. Past it the login answers 503 with Retry-After at once,
   * without counting an attempt or running bcrypt, so a login flood cannot queue unbounded work. `false`: unbounded.
   * @default 2000
   */
  maxQueueWaitMs?: number | false;
}

const PASSWORDS_KEYS: KnownKeys<PasswordsOptions> = {
  bcryptCost: true,
  policy: true,
  maxAge: true,
  maxQueueWaitMs: true,
};
const POLICY_KEYS: KnownKeys<PasswordPolicyOptions> = { minLength: true, denylist: true, isBreached: true };

// About two seconds of bcrypt work: a user waits at most that long, the rest is told to come back (503).
const DEFAULT_MAX_QUEUE_WAIT_MS = 2000;
const MAX_QUEUE_WAIT_MS = 600_000;

export function resolvePasswords(value: unknown): PasswordSettings {
  const input = plainObject(value, 'passwords', PASSWORDS_KEYS);
  // OWASP's floor is 10; lower costs are allowed (tests) but warned about when the instance starts.
  const bcryptCost = input.bcryptCost ?? DEFAULT_BCRYPT_COST;
  validateBcryptCost(bcryptCost, 'passwords.bcryptCost');
  return {
    bcryptCost: bcryptCost as number,
    policy: resolvePasswordPolicy(plainObject(input.policy, 'passwords.policy', POLICY_KEYS) as PasswordPolicyOptions),
    // NIST SP 800-63B advises against periodic expiry: off unless the host's rules require it.
    maxAgeSeconds:
      input.maxAge === undefined || input.maxAge === null
        ? null
        : duration(input.maxAge, 0 as Duration, 'passwords.maxAge'),
    maxQueueWaitMs: resolveQueueWait(input.maxQueueWaitMs),
  };
}

function resolveQueueWait(value: unknown): number | undefined {
  if (value === false) return undefined;
  const wait = value ?? DEFAULT_MAX_QUEUE_WAIT_MS;
  if (typeof wait !== 'number' || !Number.isSafeInteger(wait) || wait < 1 || wait > MAX_QUEUE_WAIT_MS) {
    throw new TypeError(
      `"passwords.maxQueueWaitMs" must be an integer from 1 to ${MAX_QUEUE_WAIT_MS} (ms), or false for no bound; got ${JSON.stringify(value)}.`,
    );
  }
  return wait;
}
