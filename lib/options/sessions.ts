// The `sessions` group: how many a user may hold, how long the guard caches their state, and refresh-token rotation.
import type { SessionSettings } from '../core/context';
import type { Duration } from '../primitives/duration';
import type { Preset } from '../presets/types';
import { duration, optionalBoolean, plainObject, positiveInteger, type KnownKeys } from './validate';

/** Refresh tokens' settings (see {@link SessionsOptions.refresh}). */
export interface RefreshOptions {
  /** Whether login returns a refresh token. @default the preset's */
  issue?: boolean;
  /** Whether each refresh consumes its token and returns a new one (reuse then revokes the family). @default the preset's (datarhei: false) */
  rotate?: boolean;
  /**
   * How soon after rotation a refresh token may be presented again by the same client (user agent and network) and
   * get the successor already issued instead of ending the session: several tabs refreshing at once, a retried
   * request. After it, or from another client, reuse still revokes the family. 0 restores strict detection.
   * @default '30s'
   */
  reuseGrace?: Duration | 0;
}

/** The sessions' settings (see {@link AuthOptions.sessions}). */
export interface SessionsOptions {
  /** The most open sessions (refresh families) one user may hold; a new login past it ends the oldest. @default 20 */
  maxPerUser?: number;
  /**
   * How long the guard may remember a user's session version and status before asking the stores again, in ms.
   * "Log out everywhere" on another instance, or disabling or deleting a user in the UserStore, takes at most this
   * long to reach this instance's guard. @default 2000
   */
  cacheMs?: number;
  /** Refresh tokens: whether login issues them, whether refresh rotates them, and the grace for a raced rotation. */
  refresh?: RefreshOptions;
}

const SESSIONS_KEYS: KnownKeys<SessionsOptions> = { maxPerUser: true, cacheMs: true, refresh: true };
const REFRESH_KEYS: KnownKeys<RefreshOptions> = { issue: true, rotate: true, reuseGrace: true };

// Phones, laptops, tablets and a few CLI sessions; each session costs a few hundred bytes of state.
const DEFAULT_MAX_PER_USER = 20;
// Two seconds: a revocation reaches every instance's guard about as fast as a user can retry, at one lookup per user per 2 s.
const DEFAULT_CACHE_MS = 2000;
const MAX_CACHE_MS = 60_000;
// Okta's window: long enough for tabs and retries racing one rotation, too short to be a thief's window.
const DEFAULT_REUSE_GRACE = '30s';

export function resolveSessions(value: unknown, preset: Preset): SessionSettings {
  const input = plainObject(value, 'sessions', SESSIONS_KEYS);
  const refresh = plainObject(input.refresh, 'sessions.refresh', REFRESH_KEYS);
  const cacheMs = input.cacheMs ?? DEFAULT_CACHE_MS;
  if (typeof cacheMs !== 'number' || !Number.isInteger(cacheMs) || cacheMs < 0 || cacheMs > MAX_CACHE_MS) {
    throw new TypeError(`"sessions.cacheMs" must be an integer from 0 to ${MAX_CACHE_MS}.`);
  }
  return {
    maxPerUser: positiveInteger(input.maxPerUser, DEFAULT_MAX_PER_USER, 'sessions.maxPerUser', 1000),
    cacheMs,
    refresh: {
      issue: optionalBoolean(refresh.issue, 'sessions.refresh.issue') ?? preset.defaults.issueRefreshTokens,
      rotate: optionalBoolean(refresh.rotate, 'sessions.refresh.rotate') ?? preset.defaults.rotateRefreshTokens,
      reuseGraceSeconds:
        refresh.reuseGrace === 0
          ? 0
          : duration(refresh.reuseGrace, DEFAULT_REUSE_GRACE, 'sessions.refresh.reuseGrace', 300),
    },
    // bfore.ai logs one token out: each login keeps a session even without a refresh token.
    accessTokenSessions: preset.defaults.accessTokenSessions ?? false,
  };
}
