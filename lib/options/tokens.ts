// The `tokens` group: lifetimes, issuer and audience, clock skew, and the keys that sign and verify.
import type { TokenSettings } from '../core/context';
import type { Clock } from '../primitives/clock';
import type { Duration } from '../primitives/duration';
import type { Preset } from '../presets/types';
import { prepareKeys, type HmacAlgorithm, type PreparedKeys, type SecretOption } from '../tokens/keys';
import { duration, optionalString, plainObject, type KnownKeys } from './validate';

/** The tokens' settings (see {@link AuthOptions.tokens}). Every field is optional; the preset fills in its own. */
export interface TokensOptions {
  /** The HMAC algorithm, for an HMAC `secret`. @default the preset's (HS512 for utmstack), else 'HS256' */
  algorithm?: HmacAlgorithm;
  /** Written to `iss` and required on verification. @default the preset's (datarhei: 'datarhei-core'), else none */
  issuer?: string;
  /** Written to `aud` and required on verification; tokens with an `aud` are refused when unset. @default none */
  audience?: string;
  /** Access-token lifetime. @default the preset's (default: '15m', utmstack: '24h', storm: 900, datarhei: '10m') */
  accessTtl?: Duration;
  /** Access-token lifetime when the login sets `rememberMe`. @default the preset's ('30d') */
  rememberMeTtl?: Duration;
  /** Refresh-token lifetime, which is also the longest a session lasts through rotation. @default the preset's ('14d'; datarhei '24h') */
  refreshTtl?: Duration;
  /** Clock skew tolerated when checking `exp`, `nbf` and `iat`, in seconds (at most 60). @default 30 */
  clockSkewSeconds?: number;
  /**
   * The longest lifetime a token asked for with one may have (bfore.ai's `GET /user/token?m=|d=`); longer asks
   * answer 400. Ended sessions and retired keys are remembered this long where the preset has that route. @default '30d'
   */
  maxLifetime?: Duration;
}

const TOKENS_KEYS: KnownKeys<TokensOptions> = {
  algorithm: true,
  issuer: true,
  audience: true,
  accessTtl: true,
  rememberMeTtl: true,
  refreshTtl: true,
  clockSkewSeconds: true,
  maxLifetime: true,
};

// RFC 7519 leaves the leeway to the verifier; half a minute covers NTP-synced hosts, a minute is the most we accept.
const DEFAULT_CLOCK_SKEW_SECONDS = 30;
const MAX_CLOCK_SKEW_SECONDS = 60;
// bfore.ai's tokens with a lifetime: a month covers its longest documented use (a CI job's token).
const DEFAULT_MAX_LIFETIME = '30d';

export function resolveTokens(
  value: unknown,
  preset: Preset,
): TokenSettings & { algorithm: HmacAlgorithm | undefined } {
  const input = plainObject(value, 'tokens', TOKENS_KEYS);
  const { defaults } = preset;
  const clockSkewSeconds = input.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
  if (
    typeof clockSkewSeconds !== 'number' ||
    !Number.isInteger(clockSkewSeconds) ||
    clockSkewSeconds < 0 ||
    clockSkewSeconds > MAX_CLOCK_SKEW_SECONDS
  ) {
    throw new TypeError(
      `"tokens.clockSkewSeconds" must be an integer from 0 to ${MAX_CLOCK_SKEW_SECONDS}; got ${JSON.stringify(input.clockSkewSeconds)}.`,
    );
  }
  const accessTtlSeconds = duration(input.accessTtl, defaults.accessTokenTtl, 'tokens.accessTtl');
  const rememberMeTtlSeconds = duration(input.rememberMeTtl, defaults.rememberMeTtl, 'tokens.rememberMeTtl');
  const refreshTtlSeconds = duration(input.refreshTtl, defaults.refreshTokenTtl, 'tokens.refreshTtl');
  const maxLifetimeSeconds = duration(input.maxLifetime, DEFAULT_MAX_LIFETIME, 'tokens.maxLifetime');
  // Only a preset with the token-with-a-lifetime route mints tokens that long.
  const withLifetimeSeconds = preset.routes.tokenIssue == null ? 0 : maxLifetimeSeconds;
  return {
    algorithm: input.algorithm as HmacAlgorithm | undefined,
    issuer: optionalString(input.issuer, 'tokens.issuer') ?? defaults.issuer,
    audience: optionalString(input.audience, 'tokens.audience'),
    accessTtlSeconds,
    rememberMeTtlSeconds,
    refreshTtlSeconds,
    clockSkewSeconds,
    maxLifetimeSeconds,
    longestLifetimeSeconds:
      Math.max(accessTtlSeconds, rememberMeTtlSeconds, refreshTtlSeconds, withLifetimeSeconds) + clockSkewSeconds,
    subjectClaim: defaults.subjectClaim ?? 'id',
    // The default preset's clients read no usefor/exi/jti: its typ at+jwt says the kind (the other presets' clients read them).
    leanAccessTokens: defaults.leanAccessTokens ?? false,
  };
}

/** The signing and verifying keys of `secret`: HMAC secrets take `tokens.algorithm` or the preset's; key pairs name their own. */
export function resolveKeys(
  secret: SecretOption,
  tokens: ReturnType<typeof resolveTokens>,
  preset: Preset,
  clock: Clock | undefined,
): PreparedKeys {
  const isHmacSecret = typeof secret === 'string' || Buffer.isBuffer(secret) || Array.isArray(secret);
  return prepareKeys(secret, tokens.algorithm ?? (isHmacSecret ? preset.defaults.algorithm : undefined), {
    clock,
    // A retired key verifies until every token it signed has expired.
    retainForSeconds: tokens.longestLifetimeSeconds,
  });
}
