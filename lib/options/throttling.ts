// The `lockout` and `rateLimit` groups: per-account lockout after failed logins, per-IP limits on credential routes.
import type { Duration } from '../primitives/duration';
import type { Preset } from '../presets/types';
import type { RateLimitOption } from './second-factor';
import { duration, plainObject, positiveInteger, type KnownKeys } from './validate';

/** Per-account lockout (see {@link AuthOptions.lockout}). */
export interface LockoutOptions {
  /** Failed logins of one account, within `window`, that start a lockout (1–1000). @default the preset's (10) */
  maxFailures?: number;
  /** How far back failures are counted. @default the preset's ('10m') */
  window?: Duration;
  /** How long the lockout lasts. @default the preset's ('10m') */
  duration?: Duration;
}

/** Per-IP limits (see {@link AuthOptions.rateLimit}). */
export interface RateLimitOptions {
  /** Requests per IP (per /56 for IPv6) on routes that take a credential. @default the preset's ({ limit: 20, window: 60 }; storm: limit 5) */
  credentials?: RateLimitOption;
  /**
   * The most proxy hops in front of the app. A `trust proxy` hop count above it lets the client's own
   * X-Forwarded-For entries pass as the proxy's, so it is treated like `trust proxy = true`: rate limits count the
   * connection's address and a PERMISSIVE_TRUST_PROXY warning is logged. @default 2 (a CDN and a load balancer)
   */
  maxProxyHops?: number;
}

export interface ResolvedLockout {
  maxFailures: number;
  windowSeconds: number;
  durationSeconds: number;
}

export interface ResolvedRateLimit {
  credentials: { limit: number; windowSeconds: number };
  maxProxyHops: number;
}

const LOCKOUT_KEYS: KnownKeys<LockoutOptions> = { maxFailures: true, window: true, duration: true };
const RATE_LIMIT_KEYS: KnownKeys<RateLimitOptions> = { credentials: true, maxProxyHops: true };
const CREDENTIALS_KEYS: KnownKeys<RateLimitOption> = { limit: true, window: true };

// A CDN and a load balancer: deeper chains exist, and say so with rateLimit.maxProxyHops.
const DEFAULT_MAX_PROXY_HOPS = 2;

/** The preset's lockout (the product's documented numbers) unless overridden; `false` turns it off. */
export function resolveLockout(value: unknown, preset: Preset): ResolvedLockout | false {
  if (value === false) return false;
  const input = plainObject(value, 'lockout', LOCKOUT_KEYS);
  const defaults = preset.defaults.lockout;
  return {
    maxFailures: positiveInteger(input.maxFailures, defaults.maxFailures, 'lockout.maxFailures', 1000),
    windowSeconds: duration(input.window, defaults.windowSeconds, 'lockout.window'),
    durationSeconds: duration(input.duration, defaults.durationSeconds, 'lockout.duration'),
  };
}

/** The preset's per-IP limit unless overridden; `false` turns the limits off. */
export function resolveRateLimit(value: unknown, preset: Preset): ResolvedRateLimit | false {
  if (value === false) return false;
  const input = plainObject(value, 'rateLimit', RATE_LIMIT_KEYS);
  const credentials = plainObject(input.credentials, 'rateLimit.credentials', CREDENTIALS_KEYS);
  const defaults = preset.defaults.rateLimit;
  return {
    credentials: {
      limit: positiveInteger(credentials.limit, defaults.limit, 'rateLimit.credentials.limit'),
      windowSeconds: duration(credentials.window, defaults.windowSeconds, 'rateLimit.credentials.window', 86400),
    },
    maxProxyHops: positiveInteger(input.maxProxyHops, DEFAULT_MAX_PROXY_HOPS, 'rateLimit.maxProxyHops', 32),
  };
}
