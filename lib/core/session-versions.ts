// Per-user session versions and account status: logging out everywhere, a password change, or a disabled or deleted user ends every session.
import type { StateStore, User, UserStore } from '../stores/types';
import { newTokenId } from '../primitives/random';
import type { Clock } from '../primitives/clock';
import { AuthError } from '../errors';
import { isActive } from './users';
import { familyIsOpen } from './refresh-families';

/** How long past its cache time a remembered answer may stand in while a store is down, before we fail closed. */
const OUTAGE_GRACE_MS = 60_000;

// A user never logged out everywhere has no key; tokens then carry this version (lean access tokens none: the same).
export const INITIAL_SESSION_VERSION = '0';
const INITIAL_VERSION = INITIAL_SESSION_VERSION;

/**
 * Starts the session version of an identity with no local user record (an identity provider's subject). The guard
 * never looks such an identity up in the UserStore, where "not found" would otherwise mean "deleted". The mark
 * cannot be forged (it is inside the signed token) and never starts a stored version (a base64url id has no dot).
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
 * short cache (`sessions.cacheMs`): a hit costs no round trip to either store, a miss asks both at once.
 */
export class SessionVersions {
  private readonly cache = new Map<string, CacheEntry>();
  /** Families known to be open, until the time in the value; only this instance's logouts remove them early. */
  private readonly openFamilies = new Map<string, number>();
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
    const version = newTokenId();
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
      return isAdmitted(cached.version, cached.active, users !== undefined, version)
        ? undefined
        : Promise.reject(new AuthError('token_revoked'));
    }
    const endings = this.endings;
    const now = this.clock();
    return Promise.allSettled([
      this.state.get(key(userId)),
      users === undefined ? undefined : findUser(users, userId),
    ]).then(([storedResult, userResult]) => {
      // A fresh "disabled" or "gone" from the UserStore refuses the token even while the state store is down.
      const active = users === undefined || userResult.status === 'rejected' ? undefined : isActive(userResult.value);
      if (active === false) throw new AuthError('token_revoked');
      if (storedResult.status === 'fulfilled' && (users === undefined || active !== undefined)) {
        if (this.endings === endings) this.remember(userId, storedResult.value, active);
        if (!isAdmitted(storedResult.value, active, users !== undefined, version)) throw new AuthError('token_revoked');
        return;
      }
      // A store is down: the last answer we had stands in for a short while past its time; then fail closed.
      const failure: unknown =
        storedResult.status === 'rejected'
          ? storedResult.reason
          : userResult.status === 'rejected'
            ? userResult.reason
            : undefined;
      if (
        cached === undefined ||
        cached.until + OUTAGE_GRACE_MS <= now ||
        (users !== undefined && cached.active === undefined)
      )
        throw failure;
      if (
        !isAdmitted(
          storedResult.status === 'fulfilled' ? storedResult.value : cached.version,
          active ?? cached.active,
          users !== undefined,
          version,
        )
      ) {
        throw new AuthError('token_revoked');
      }
    });
  }

  /**
   * Rejects with `token_revoked` when the session `family` an access token was issued with has been logged out (or
   * revoked for reuse). Like {@link check}, answers from a short cache and returns `undefined` on a hit.
   */
  checkFamily(family: string): void | Promise<void> {
    const openUntil = this.openFamilies.get(family);
    const now = this.clock();
    if (openUntil !== undefined && openUntil > now) return undefined;
    return familyIsOpen(this.state, family).then(
      (open) => {
        if (!open) {
          this.openFamilies.delete(family);
          throw new AuthError('token_revoked');
        }
        if (this.cacheMs === 0) return;
        if (this.openFamilies.size >= 10_000) this.openFamilies.clear();
        this.openFamilies.set(family, this.clock() + this.cacheMs);
      },
      (error: unknown) => {
        if (openUntil === undefined || openUntil + OUTAGE_GRACE_MS <= now) throw error;
      },
    );
  }

  /** This instance refuses the family's access tokens at once (other instances within `sessions.cacheMs`). */
  forgetFamily(family: string): void {
    this.openFamilies.delete(family);
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

function isAdmitted(
  current: string | null,
  active: boolean | undefined,
  checkUser: boolean,
  tokenVersion: string | undefined,
): boolean {
  if (checkUser && active !== true) return false;
  return current === null || current === tokenVersion;
}
