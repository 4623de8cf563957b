// Per-user session versions: "log out everywhere", a password change and disabling a user end every session at once.
import type { StateStore } from '../stores/types';
import { newId } from '../primitives/random';
import type { Clock } from '../primitives/clock';
import { AuthError } from '../errors';

// A user never logged out everywhere has no key; tokens then carry this version.
const INITIAL_VERSION = '0';

/**
 * Tokens carry `sv`, the user's session version when they were issued. Ending all sessions writes a new random
 * version, so every older token stops matching. The key lives as long as the longest token, after which every
 * token issued before the change has expired anyway, so a missing key accepts any version.
 */
export class SessionVersions {
  private readonly cache = new Map<string, { version: string | null; until: number }>();

  constructor(
    private readonly state: StateStore,
    private readonly clock: Clock,
    private readonly longestTokenSeconds: number,
    private readonly cacheMs: number,
  ) {}

  /** The version new tokens for `userId` must carry (read fresh: never from the cache). */
  async current(userId: string): Promise<string> {
    const version = await this.state.get(key(userId));
    this.remember(userId, version);
    return version ?? INITIAL_VERSION;
  }

  /** Ends every session of `userId`: tokens issued before now are refused from now on. */
  async endAll(userId: string): Promise<void> {
    const version = newId();
    await this.state.set(key(userId), version, this.longestTokenSeconds * 1000);
    this.remember(userId, version);
  }

  /**
   * Throws `token_revoked` when `tokenVersion` is no longer the user's. Answers from a short cache when it can, so
   * the guard's common case costs no store round trip; returns a promise only when it has to ask the store.
   */
  check(userId: string, tokenVersion: string | undefined): void | Promise<void> {
    const cached = this.cache.get(userId);
    if (cached !== undefined && cached.until > this.clock()) return assertMatches(cached.version, tokenVersion);
    return this.state.get(key(userId)).then(
      (version) => {
        this.remember(userId, version);
        assertMatches(version, tokenVersion);
      },
      (error: unknown) => {
        // While the store is down, the last version we saw is the best answer we have; with none, fail closed.
        if (cached === undefined) throw error;
        assertMatches(cached.version, tokenVersion);
      },
    );
  }

  private remember(userId: string, version: string | null): void {
    if (this.cacheMs === 0) return;
    if (this.cache.size >= 10_000) this.cache.clear(); // a crude bound: the cache only saves round trips
    this.cache.set(userId, { version, until: this.clock() + this.cacheMs });
  }
}

function key(userId: string): string {
  return `sess:${userId}`;
}

function assertMatches(current: string | null, tokenVersion: string | undefined): void {
  if (current !== null && current !== tokenVersion) throw new AuthError('token_revoked');
}
