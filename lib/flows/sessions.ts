// Per-user session versions and account status: logging out everywhere, a password change, or a disabled or deleted user ends every session.
import type { StateStore, User, UserStore } from '../stores/types';
import { newId } from '../primitives/random';
import type { Clock } from '../primitives/clock';
import { AuthError } from '../errors';

// A user never logged out everywhere has no key; tokens then carry this version.
const INITIAL_VERSION = '0';

/**
 * Starts the session version of an identity with no local user record (an identity provider's subject). The guard
 * never looks such an identity up in the UserStore, where "not found" would otherwise mean "deleted". The mark
 * cannot be forged (it is inside the signed token) and never starts a stored version (a UUID has no dot).
 */
const EXTERNAL_MARK = 'x.';

/** True for the session version of an identity with no local user record: such a session has no local account. */
export function isExternalSession(tokenVersion: string | undefined): tokenVersion is string {
  return tokenVersion !== undefined && tokenVersion.startsWith(EXTERNAL_MARK);
}

interface CacheEntry {
  version: string | null;
  /** Whether the user exists and is not disabled; undefined when this entry does not know (the store is asked). */
  active: boolean | undefined;
  until: number;
}

/**
 * Tokens carry `sv`, the user's session version when they were issued. Ending all sessions writes a new random
 * version, so every older token stops matching. The key lives as long as the longest token, after which every
 * token issued before the change has expired anyway, so a missing key accepts any version.
 *
 * With a UserStore, a token of a user who is disabled or no longer exists is refused too. Both facts come from one
 * short cache (`sessionCacheMs`): a hit costs no round trip to either store, a miss asks both at once.
 */
export class SessionVersions {
  private readonly cache = new Map<string, CacheEntry>();
  /** Counts endAll() calls, so a cache fill that raced one does not put the old version back. */
  private endings = 0;

  constructor(
    private readonly state: StateStore,
    private readonly clock: Clock,
    private readonly longestTokenSeconds: number,
    private readonly cacheMs: number,
    private readonly users?: UserStore,
  ) {}

  /**
   * The version new tokens for `userId` must carry (read fresh: never from the cache). `external` marks an identity
   * with no local user record, whose tokens are then never checked against the UserStore.
   */
  async current(userId: string, options: { external?: boolean } = {}): Promise<string> {
    const version = await this.state.get(key(userId));
    // A version changed on another instance reaches this one's cache at once, so the new token is not refused.
    const cached = this.cache.get(userId);
    if (cached !== undefined) cached.version = version;
    return (options.external ? EXTERNAL_MARK : '') + (version ?? INITIAL_VERSION);
  }

  /** Ends every session of `userId`: tokens issued before now are refused from now on. */
  async endAll(userId: string): Promise<void> {
    const version = newId();
    await this.state.set(key(userId), version, this.longestTokenSeconds * 1000);
    this.endings += 1;
    // This instance refuses the old tokens at once, without waiting for its cache to expire. The entry keeps its
    // expiry, so the user's status it holds is not remembered for longer than it would have been.
    const cached = this.cache.get(userId);
    if (cached !== undefined) cached.version = version;
  }

  /**
   * Resolves when `tokenVersion` is still the user's and (for a local user) the user exists and is enabled, or
   * rejects with `token_revoked`. Answers from the short cache when it can, so the guard's common case costs no store
   * round trip: then it returns `undefined` synchronously, and only a refusal or a miss returns a promise.
   */
  check(userId: string, tokenVersion: string | undefined): void | Promise<void> {
    const external = isExternalSession(tokenVersion);
    const version = external ? tokenVersion.slice(EXTERNAL_MARK.length) : tokenVersion;
    const users = external ? undefined : this.users;
    const cached = this.cache.get(userId);
    if (cached !== undefined && cached.until > this.clock() && (users === undefined || cached.active !== undefined)) {
      // A refusal is a rejected promise, never a synchronous throw: the guard formats it in the preset's body.
      return isAdmitted(cached.version, cached.active, users !== undefined, version) ? undefined : Promise.reject(new AuthError('token_revoked'));
    }
    const endings = this.endings;
    return Promise.all([this.state.get(key(userId)), users === undefined ? undefined : findUser(users, userId)]).then(
      ([stored, user]) => {
        const active = users === undefined ? undefined : isActive(user ?? null);
        if (this.endings === endings) this.remember(userId, stored, active);
        if (!isAdmitted(stored, active, users !== undefined, version)) throw new AuthError('token_revoked');
      },
      (error: unknown) => {
        // While a store is down, the last answer we had is the best one; with none, fail closed.
        if (cached === undefined || (users !== undefined && cached.active === undefined)) throw error;
        if (!isAdmitted(cached.version, cached.active, users !== undefined, version)) throw new AuthError('token_revoked');
      },
    );
  }

  private remember(userId: string, version: string | null, active: boolean | undefined): void {
    if (this.cacheMs === 0) return;
    if (this.cache.size >= 10_000) this.cache.clear(); // a crude bound: the cache only saves round trips
    this.cache.set(userId, { version, active, until: this.clock() + this.cacheMs });
  }
}

function key(userId: string): string {
  return `sess:${userId}`;
}

/** The user, or a 503 when the UserStore fails (fail closed, never a 500 with the store's message). */
async function findUser(users: UserStore, userId: string): Promise<User | null> {
  try {
    return await users.findById(userId);
  } catch (cause) {
    throw new AuthError('unavailable', { cause });
  }
}

function isActive(user: User | null): boolean {
  return user !== null && user.disabled !== true;
}

function isAdmitted(current: string | null, active: boolean | undefined, checkUser: boolean, tokenVersion: string | undefined): boolean {
  if (checkUser && active !== true) return false;
  return current === null || current === tokenVersion;
}
