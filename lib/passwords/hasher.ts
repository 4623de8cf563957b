// Password hashing and checking with bcryptjs on worker threads, plus the exported hashPassword() for seeding users.
import { AuthError } from '../errors';
import { BcryptWorkerPool } from './worker-pool';
import type { PasswordPolicyOptions, ResolvedPasswordPolicy } from './policy';
import { BCRYPT_MAX_BYTES, checkPasswordPolicy, normalizePassword, passwordTooLong, resolvePasswordPolicy } from './policy';

/** OWASP's floor for bcrypt's cost factor; about 90 ms a comparison on a 2-core machine, doubling per step. */
export const DEFAULT_BCRYPT_COST = 10;

/** Hashes and checks passwords off the event loop, with a dummy comparison so unknown users cost the same time. */
export class PasswordHasher {
  /** Dummy hashes by cost: the dummy comparison must cost what a real user's would. */
  private readonly dummyHashes = new Map<number, Promise<string>>();
  /** The cost of the stored hash checked last; stored hashes can differ from `cost` (imported, or made before a change). */
  private lastSeenCost: number;

  constructor(
    private readonly pool: BcryptWorkerPool,
    readonly cost: number,
  ) {
    this.lastSeenCost = cost;
  }

  hash(password: string): Promise<string> {
    return this.pool.hash(normalizePassword(password), this.cost);
  }

  /** True when `password` matches `hash`. A password over 72 bytes never matches (it could never have been set). */
  async verify(password: string, hash: string): Promise<boolean> {
    const normalized = normalizePassword(password);
    if (Buffer.byteLength(normalized, 'utf8') > BCRYPT_MAX_BYTES) {
      await this.burnComparison(normalized.slice(0, 16));
      return false;
    }
    const storedCost = bcryptCostOf(hash);
    if (storedCost !== undefined) this.lastSeenCost = storedCost;
    try {
      return await this.pool.compare(normalized, hash);
    } catch (error) {
      // A malformed stored hash must not become a 500 that tells "this user exists"; it fails like a wrong password.
      if (error instanceof Error && /bcrypt failed/.test(error.message)) return false;
      throw error;
    }
  }

  /** Spends one comparison's time against a hash nobody has, for logins of unknown or blocked users. */
  async burnComparison(password: string): Promise<void> {
    const cost = this.lastSeenCost;
    let dummy = this.dummyHashes.get(cost);
    if (dummy === undefined) {
      dummy = this.pool.hash('express-auth-kit dummy password', cost);
      this.dummyHashes.set(cost, dummy);
    }
    await this.pool.compare(passwordTooLong(password) ? password.slice(0, 16) : password, await dummy);
  }
}

/** The cost factor written in a bcrypt hash (`$2b$12$...`), or undefined for anything else. */
function bcryptCostOf(hash: string): number | undefined {
  const match = /^\$2[abxy]?\$(\d{2})\$/.exec(hash);
  const cost = match ? Number(match[1]) : NaN;
  return cost >= 4 && cost <= 31 ? cost : undefined;
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
    throw new TypeError(`"${optionName}" must be an integer from 4 to 15 (bcrypt's cost factor; 10 or more in production).`);
  }
}
