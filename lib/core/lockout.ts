// Per-account lockout: failed logins counted per normalised identity, known or not, so a lockout reveals no user.
import { AuthError } from '../errors';
import type { Clock } from '../primitives/clock';
import type { StateStore, User } from '../stores/types';

export interface LockoutPolicy {
  maxFailures: number;
  windowSeconds: number;
  durationSeconds: number;
}

/**
 * The identity failures are counted under: a user's id when the name matched one (so a login and its email share
 * one counter), else the normalised name that was tried (so spraying unknown names locks like real ones do).
 */
export function lockoutIdentity(user: User | null, attemptedName: string): string {
  // Unknown names are folded exactly as the stores fold lookups (lower case, nothing more): a stronger fold here
  // would make a look-alike name share a counter with a real login only when that login does not exist, which a
  // lockout probe could tell apart.
  return user ? `u:${user.id}` : `n:${attemptedName.toLowerCase()}`;
}

export class LoginThrottle {
  constructor(
    private readonly state: StateStore,
    private readonly policy: LockoutPolicy | false,
    private readonly clock: Clock,
    /** Told of every lockout that starts (for the `lockout.started` event). */
    private readonly onLocked?: (identity: string, until: number) => void,
  ) {}

  /**
   * Refuses an identity that is locked out, then reserves one attempt in its window before any password is
   * checked: a concurrent burst cannot get more than `maxFailures` comparisons, because the count is taken
   * atomically first. Returns the attempt's number in the window.
   */
  async reserveAttempt(identity: string): Promise<number> {
    if (this.policy === false) return 0;
    // Read and counted at once, in one round trip. An attempt that finds a lockout is counted too, which changes
    // nothing: the counter is pinned at the budget for the lockout's duration and expires no later than the lockout.
    const [lockedUntil, attempt] = await Promise.all([
      this.state.get(lockKey(identity)),
      this.state.increment(failureKey(identity), this.policy.windowSeconds * 1000),
    ]);
    if (lockedUntil !== null) throw this.blocked(Number(lockedUntil));
    if (attempt.value > this.policy.maxFailures) throw this.blocked(await this.lock(identity));
    return attempt.value;
  }

  /** A wrong password: the attempt reserved stays counted; the attempt that reaches the limit locks the identity. */
  async recordFailure(identity: string, attempt: number): Promise<void> {
    if (this.policy !== false && attempt >= this.policy.maxFailures) await this.lock(identity);
  }

  /**
   * A wrong second-factor code counts as a failed login of the account, so guessing codes across fresh challenges
   * (each with its own small budget) meets the same lockout as guessing passwords.
   */
  async recordSecondFactorFailure(identity: string): Promise<void> {
    if (this.policy === false) return;
    const attempt = await this.state.increment(failureKey(identity), this.policy.windowSeconds * 1000);
    if (attempt.value >= this.policy.maxFailures) await this.lock(identity);
  }

  /** Refuses an identity that is locked out, without counting an attempt. */
  async assertNotLocked(identity: string): Promise<void> {
    if (this.policy === false) return;
    const lockedUntil = await this.state.get(lockKey(identity));
    if (lockedUntil !== null) throw this.blocked(Number(lockedUntil));
  }

  /** A completed login forgives earlier failures. */
  async recordSuccess(identity: string): Promise<void> {
    if (this.policy !== false) await this.state.delete(failureKey(identity));
  }

  /** Lifts a lockout and forgives its failures: for a password reset, which proves more than a login does. */
  async clear(identity: string): Promise<void> {
    if (this.policy === false) return;
    await Promise.all([this.state.delete(failureKey(identity)), this.state.delete(lockKey(identity))]);
  }

  private async lock(identity: string): Promise<number> {
    const policy = this.policy as LockoutPolicy;
    const ttlMs = policy.durationSeconds * 1000;
    const until = this.clock() + ttlMs;
    // The counter is pinned at the budget for the lockout's duration, not deleted: deleting it would let attempts
    // already in flight start a fresh count and get past the budget. It must not outlive the lockout either: with
    // a window longer than the duration, a counter left to its window relocked on the first attempt after the
    // lockout, without checking the password, until the window ran out. Set first, so it expires no later.
    await this.state.set(failureKey(identity), String(policy.maxFailures), ttlMs);
    await this.state.set(lockKey(identity), String(until), ttlMs);
    this.onLocked?.(identity, until);
    return until;
  }

  private blocked(until: number): AuthError {
    return new AuthError('login_blocked', { retryAfterSeconds: Math.max(1, Math.ceil((until - this.clock()) / 1000)) });
  }
}

function failureKey(identity: string): string {
  return `lockout:fail:${identity}`;
}

function lockKey(identity: string): string {
  return `lockout:until:${identity}`;
}

/** What an identity string says about whom it locks, for events: a user's id, or a device, or nothing (an unknown name). */
export function describeIdentity(identity: string): { userId?: string; device?: boolean } {
  if (identity.startsWith('u:')) return { userId: identity.slice(2) };
  if (identity.startsWith('d:')) return { device: true };
  return {};
}
