// Password hashing and checking with bcryptjs on worker threads, plus the exported hashPassword() for seeding users.
import { AuthError } from '../errors';
import { BcryptWorkerPool, bcryptCostOf, poolBusyError, type PoolJobOptions } from './worker-pool';
import type { PasswordPolicyOptions, ResolvedPasswordPolicy } from './policy';
import {
  BCRYPT_MAX_BYTES,
  checkPasswordPolicy,
  normalizePassword,
  passwordTooLong,
  resolvePasswordPolicy,
} from './policy';

/** OWASP's floor for bcrypt's cost factor; about 90 ms a comparison on a 2-core machine, doubling per step. */
export const DEFAULT_BCRYPT_COST = 10;

export { bcryptCostOf };

export interface PasswordHasherOptions {
  /**
   * The longest a hash or comparison may wait for a worker, by the pool's estimate; over it, the call is refused at
   * once with a 503 `unavailable` AuthError carrying `retryAfterSeconds`. @default undefined (no bound)
   */
  maxQueueWaitMs?: number;
}

/** Hashes and checks passwords off the event loop, with a dummy comparison so unknown users cost the same time. */
export class PasswordHasher {
  /** The bound in ms (undefined: unbounded). */
  readonly maxQueueWaitMs: number | undefined;

  constructor(
    private readonly pool: BcryptWorkerPool,
    readonly cost: number,
    options: PasswordHasherOptions = {},
  ) {
    this.maxQueueWaitMs = options.maxQueueWaitMs;
  }

  /**
   * Throws the 503 `unavailable` AuthError (with `retryAfterSeconds`) when a comparison submitted now could not start
   * within `maxQueueWaitMs`. Synchronous, so a login can refuse before it counts a lockout attempt.
   */
  assertCapacity(): void {
    if (this.maxQueueWaitMs === undefined) return;
    const capacity = this.pool.canStartWithin(this.maxQueueWaitMs);
    if (!capacity.ok) throw poolBusyError(capacity.retryAfterSeconds);
  }

  /** Hashes at the configured cost. Rejects with an AbortError when `signal` fires before a worker starts it. */
  hash(password: string, signal?: AbortSignal): Promise<string> {
    return this.pool.hash(normalizePassword(password), this.cost, this.jobOptions(signal));
  }

  /** True when `password` matches `hash`. A password over 72 bytes never matches (it could never have been set). */
  async verify(password: string, hash: string, signal?: AbortSignal): Promise<boolean> {
    const normalized = normalizePassword(password);
    if (Buffer.byteLength(normalized, 'utf8') > BCRYPT_MAX_BYTES) {
      // As long as checking this user's hash would have taken: the stored hash's cost, not the configured one.
      await this.compareWithDummy(normalized.slice(0, 16), bcryptCostOf(hash) ?? this.cost, signal);
      return false;
    }
    try {
      return await this.pool.compare(normalized, hash, this.jobOptions(signal));
    } catch (error) {
      // A malformed stored hash must not become a 500 that tells "this user exists"; it fails like a wrong password.
      if (error instanceof Error && /bcrypt failed/.test(error.message)) return false;
      throw error;
    }
  }

  /**
   * Spends one comparison's time against a hash nobody has, for logins of unknown or blocked users. It runs at the
   * configured cost, never at a stored hash's: a cost that followed the hashes checked last would, after a raise of
   * `passwords.bcryptCost`, make unknown names slower than users still on the old cost, and so tell them apart.
   */
  burnComparison(password: string, signal?: AbortSignal): Promise<void> {
    return this.compareWithDummy(password, this.cost, signal);
  }

  private async compareWithDummy(password: string, cost: number, signal: AbortSignal | undefined): Promise<void> {
    await this.pool.compare(
      passwordTooLong(password) ? password.slice(0, 16) : password,
      dummyHash(cost),
      this.jobOptions(signal),
    );
  }

  private jobOptions(signal: AbortSignal | undefined): PoolJobOptions {
    return { signal, maxQueueWaitMs: this.maxQueueWaitMs };
  }
}

/**
 * A well-formed bcrypt hash at `cost` that no password was hashed to: comparing against it runs the full key
 * expansion at that cost (bcrypt reads the cost and salt from it) and answers false, without first spending a hash.
 */
function dummyHash(cost: number): string {
  return `$2b$${String(cost).padStart(2, '0')}$express.auth.kit.dummy${'.'.repeat(31)}`;
}

let sharedPool: BcryptWorkerPool | undefined;

/** The process-wide bcrypt pool, created on first use and shared by every auth instance. */
export function sharedBcryptPool(): BcryptWorkerPool {
  sharedPool ??= new BcryptWorkerPool();
  return sharedPool;
}

export interface HashPasswordOptions {
  /** bcrypt cost factor. @default 10 */
  cost?: number;
  /** The policy the password must meet. @default { minLength: 8 } */
  policy?: PasswordPolicyOptions | ResolvedPasswordPolicy;
}

function isResolved(policy: PasswordPolicyOptions | ResolvedPasswordPolicy): policy is ResolvedPasswordPolicy {
  return policy.denylist instanceof Set;
}

/**
 * Hashes a password for storing in a UserStore, after checking it against the password policy.
 * Runs bcryptjs on a worker thread. Throws an {@link AuthError} `weak_password` naming the rule that failed.
 *
 * @example
 * const passwordHash = await hashPassword('correct horse battery staple');
 */
export async function hashPassword(password: string, options: HashPasswordOptions = {}): Promise<string> {
  if (typeof password !== 'string') throw new TypeError('hashPassword(password): the password must be a string.');
  const cost = options.cost ?? DEFAULT_BCRYPT_COST;
  validateBcryptCost(cost, 'cost');
  const policy = options.policy && isResolved(options.policy) ? options.policy : resolvePasswordPolicy(options.policy);
  const failure = await checkPasswordPolicy(password, policy);
  if (failure) throw new AuthError('weak_password', { message: `${failure.message} (rule: ${failure.rule})` });
  return sharedBcryptPool().hash(normalizePassword(password), cost);
}

export function validateBcryptCost(cost: unknown, optionName: string): asserts cost is number {
  if (typeof cost !== 'number' || !Number.isInteger(cost) || cost < 4 || cost > 15) {
    throw new TypeError(
      `"${optionName}" must be an integer from 4 to 15 (bcrypt's cost factor; 10 or more in production).`,
    );
  }
}
