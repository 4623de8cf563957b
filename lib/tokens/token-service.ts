// Signs and verifies our tokens with one pinned algorithm, refusing every header and claim RFC 8725 warns about.
import jwt from 'jsonwebtoken';
import { AuthError } from '../errors';
import type { Clock } from '../primitives/clock';
import { nowSeconds } from '../primitives/clock';
import { newId } from '../primitives/random';
import type { AccessClaims, ClaimsFor, TokenUse } from './claims';
import type { PreparedKeys } from './keys';

export interface TokenServiceConfig {
  keys: PreparedKeys;
  issuer: string | undefined;
  audience: string | undefined;
  /** Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds (at most 60). */
  clockSkewSeconds: number;
  clock: Clock;
  /** How many verified access tokens to remember, so the guard verifies each signature once. */
  verifiedCacheSize: number;
}

/** A token we issued, with the facts formatters need. */
export interface IssuedToken {
  token: string;
  jti: string;
  /** Seconds since the epoch. */
  issuedAt: number;
  /** Seconds since the epoch. */
  expiresAt: number;
  /** Lifetime in seconds. */
  lifetime: number;
}

const BASE64URL_SEGMENT = /^[A-Za-z0-9_-]+$/;
// Headers that would let the token choose its own key (RFC 8725 §3.10 and §2.8): we never honour them.
const EMBEDDED_KEY_HEADERS = ['jwk', 'jku', 'x5u', 'x5c'];
const MAX_TOKEN_LENGTH = 8192;
// Longer tokens are verified every time rather than cached, which bounds the cache's memory.
const MAX_CACHED_TOKEN_LENGTH = 2048;

export class TokenService {
  private readonly verified = new Map<string, AccessClaims>();

  constructor(private readonly config: TokenServiceConfig) {}

  get algorithm(): string {
    return this.config.keys.algorithm;
  }

  /** Signs `claims` of kind `use` with a fresh `jti`, `iat`, `exp` and `exi`. */
  sign<U extends TokenUse>(
    use: U,
    claims: Omit<ClaimsFor<U>, 'iat' | 'exp' | 'jti' | 'exi' | 'usefor' | 'iss' | 'aud'>,
    lifetimeSeconds: number,
    expiresNoLaterThan?: number,
  ): IssuedToken {
    const issuedAt = nowSeconds(this.config.clock);
    const expiresAt = Math.min(issuedAt + lifetimeSeconds, expiresNoLaterThan ?? Number.POSITIVE_INFINITY);
    const jti = newId();
    const payload: Record<string, unknown> = { ...claims, usefor: use, iat: issuedAt, exp: expiresAt, exi: expiresAt - issuedAt, jti };
    if (this.config.issuer !== undefined) payload.iss = this.config.issuer;
    if (this.config.audience !== undefined) payload.aud = this.config.audience;
    const { keys } = this.config;
    const header = keys.kid === undefined ? { alg: keys.algorithm, typ: 'JWT' } : { alg: keys.algorithm, typ: 'JWT', kid: keys.kid };
    // jsonwebtoken keeps the iat we set (it only fills in one that is missing) and adds nothing else.
    const token = jwt.sign(payload, keys.signingKey, { algorithm: keys.algorithm, header });
    return { token, jti, issuedAt, expiresAt, lifetime: expiresAt - issuedAt };
  }

  /** Verifies an access token for the guard; a token verified before is answered from memory until it expires. */
  verifyAccess(token: string): AccessClaims {
    const cached = this.verified.get(token);
    if (cached !== undefined) {
      if (cached.exp + this.config.clockSkewSeconds > nowSeconds(this.config.clock)) return cached;
      this.verified.delete(token);
    }
    const claims = this.verify(token, 'access');
    if (token.length <= MAX_CACHED_TOKEN_LENGTH) {
      if (this.verified.size >= this.config.verifiedCacheSize) {
        const oldest = this.verified.keys().next().value;
        if (oldest !== undefined) this.verified.delete(oldest);
      }
      this.verified.set(token, claims);
    }
    return claims;
  }

  /** Verifies `token` as a token of kind `use`, or throws `token_malformed`, `token_invalid` or `token_expired`. */
  verify<U extends TokenUse>(token: string, use: U): ClaimsFor<U> {
    this.checkHeader(token);
    const { keys, clockSkewSeconds, issuer, audience } = this.config;
    const now = nowSeconds(this.config.clock);
    let payload: unknown;
    try {
      payload = jwt.verify(token, keys.verificationKey, {
        algorithms: [keys.algorithm],
        clockTimestamp: now,
        clockTolerance: clockSkewSeconds,
        ...(issuer !== undefined ? { issuer } : {}),
        ...(audience !== undefined ? { audience } : {}),
      });
    } catch (error) {
      if (error instanceof jwt.TokenExpiredError) throw new AuthError('token_expired', { cause: error });
      throw new AuthError('token_invalid', { cause: error });
    }
    return checkClaims(payload, use, now, clockSkewSeconds, audience);
  }

  private checkHeader(token: string): void {
    const first = token.indexOf('.');
    const second = first < 0 ? -1 : token.indexOf('.', first + 1);
    if (
      token.length > MAX_TOKEN_LENGTH ||
      second < 0 ||
      token.indexOf('.', second + 1) >= 0 ||
      !BASE64URL_SEGMENT.test(token.slice(0, first)) ||
      !BASE64URL_SEGMENT.test(token.slice(first + 1, second)) ||
      // An empty signature is well-formed (an unsecured JWS, alg "none"): it is refused below as token_invalid.
      !(second + 1 === token.length || BASE64URL_SEGMENT.test(token.slice(second + 1)))
    ) {
      throw new AuthError('token_malformed');
    }
    let header: unknown;
    try {
      header = JSON.parse(Buffer.from(token.slice(0, first), 'base64url').toString('utf8'));
    } catch (cause) {
      throw new AuthError('token_malformed', { cause });
    }
    if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new AuthError('token_malformed');
    const fields = header as Record<string, unknown>;
    const { keys } = this.config;
    // The algorithm is ours, never the token's: anything else (including "none") is refused before any crypto.
    if (fields.alg !== keys.algorithm) throw new AuthError('token_invalid');
    // We implement no JWS extensions, so any "crit" must be refused (RFC 7515 §4.1.11).
    if ('crit' in fields) throw new AuthError('token_invalid');
    if (EMBEDDED_KEY_HEADERS.some((name) => name in fields)) throw new AuthError('token_invalid');
    if (fields.kid !== undefined && fields.kid !== keys.kid) throw new AuthError('token_invalid');
    if (keys.kid !== undefined && fields.kid === undefined) throw new AuthError('token_invalid');
  }
}

function checkClaims<U extends TokenUse>(
  payload: unknown,
  use: U,
  now: number,
  skew: number,
  audience: string | undefined,
): ClaimsFor<U> {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new AuthError('token_invalid');
  const claims = payload as Record<string, unknown>;
  const valid =
    typeof claims.exp === 'number' &&
    typeof claims.iat === 'number' &&
    claims.iat <= now + skew &&
    typeof claims.sub === 'string' &&
    claims.sub.length > 0 &&
    typeof claims.jti === 'string' &&
    claims.usefor === use &&
    // A token addressed to an audience must not be accepted by a verifier that has none (RFC 7519 §4.1.3).
    (audience !== undefined || claims.aud === undefined) &&
    (use !== 'access' || typeof claims.auth === 'string') &&
    (use !== 'refresh' || typeof claims.fam === 'string') &&
    (use !== 'tfa' || typeof claims.cid === 'string') &&
    (use !== 'device' || typeof claims.did === 'string');
  if (!valid) throw new AuthError('token_invalid');
  // Frozen: the verified-token cache hands this same object to every request with this token (as req.auth.claims),
  // so a host handler writing to it must not change who the next request is.
  return Object.freeze(claims) as unknown as ClaimsFor<U>;
}
