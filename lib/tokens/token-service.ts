// Signs and verifies our tokens (through ./jws: jsonwebtoken, or node:crypto for EdDSA): the key is chosen by kid
// and the algorithm pinned to that key, refusing every header and claim RFC 8725 warns about, before the engine sees
// the token. Access tokens (`typ: at+jwt`) are signed with the published keys; every other kind with its own internal
// key (./internal-keys), so no other token verifies downstream.
import { AuthError, wrongTokenKindMessage } from '../errors';
import type { Clock } from '../primitives/clock';
import { nowSeconds } from '../primitives/clock';
import { newTokenId } from '../primitives/random';
import type { AccessClaims, ClaimsFor, TokenUse } from './claims';
import { INTERNAL_ALGORITHM, TOKEN_TYPES, type InternalTokenUse } from './internal-keys';
import { signJwt, verifyJwt, type RegisteredClaimRules, type VerifiedJwt } from './jws';
import type { PreparedKey } from './key-material';
import type { PreparedKeys } from './keys';
import { VerifiedTokenCache } from './verified-cache';

export interface TokenServiceConfig {
  keys: PreparedKeys;
  issuer: string | undefined;
  audience: string | undefined;
  /** Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds (at most 60). */
  clockSkewSeconds: number;
  clock: Clock;
  /** How many verified access tokens to remember, so the guard verifies each signature once. */
  verifiedCacheSize: number;
  /**
   * Which of `usefor`, `exi` and `jti` access tokens carry (the other kinds always carry all three), and whether they
   * carry an `auth_time` equal to their `iat`. An access token is told apart by its `typ: at+jwt` and its published key,
   * so these are for clients that read them (datarhei's); without `auth_time`, `iat` is the login's time (loginTime()).
   * @default all four
   */
  accessTokenClaims?: readonly AccessTokenClaim[];
}

/** The claims an access token may leave out: its kind is in its `typ` header. */
export type AccessTokenClaim = 'usefor' | 'exi' | 'jti' | 'auth_time';
const ALL_ACCESS_TOKEN_CLAIMS: readonly AccessTokenClaim[] = ['usefor', 'exi', 'jti', 'auth_time'];

/** A token we issued, with the facts formatters need. */
export interface IssuedToken {
  token: string;
  /** Its `jti`; undefined for an access token of a preset whose access tokens carry none. */
  jti: string | undefined;
  /** Seconds since the epoch. */
  issuedAt: number;
  /** Seconds since the epoch. */
  expiresAt: number;
  /** Lifetime in seconds. */
  lifetime: number;
}

/** A key to check a signature with: a configured key (PreparedKey fits), or an internal one. */
type VerificationKey = Pick<PreparedKey, 'algorithm' | 'verificationKey'>;

/** The `typ` of every token issued before explicit typing: accepted under a published key until it expires. */
const LEGACY_TYPE = 'JWT';
const BASE64URL_SEGMENT = /^[A-Za-z0-9_-]+$/;
// Headers that would let the token choose its own key (RFC 8725 §3.10 and §2.8): we never honour them.
const EMBEDDED_KEY_HEADERS = ['jwk', 'jku', 'x5u', 'x5c'];
const MAX_TOKEN_LENGTH = 8192;

/** The kind a `typ` header names, if it names one of ours. */
function kindOfType(typ: unknown): TokenUse | undefined {
  return (Object.keys(TOKEN_TYPES) as TokenUse[]).find((use) => TOKEN_TYPES[use] === typ);
}

/** A token of another kind than `use`, refused as `token_invalid` with a message naming both kinds. */
function wrongKind(use: TokenUse, found: TokenUse | undefined): AuthError {
  return new AuthError('token_invalid', { message: wrongTokenKindMessage(use, found) });
}

export class TokenService {
  private readonly verified: VerifiedTokenCache;
  /** The key set's generation the cache was filled under: a removed or replaced key empties it. */
  private cacheGeneration: number;
  private readonly accessTokenClaims: ReadonlySet<AccessTokenClaim>;

  constructor(private readonly config: TokenServiceConfig) {
    this.cacheGeneration = config.keys.generation;
    this.verified = new VerifiedTokenCache(config.verifiedCacheSize);
    this.accessTokenClaims = new Set(config.accessTokenClaims ?? ALL_ACCESS_TOKEN_CLAIMS);
  }

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
    const has = (claim: AccessTokenClaim): boolean => use !== 'access' || this.accessTokenClaims.has(claim);
    const jti = has('jti') ? newTokenId() : undefined;
    const payload: Record<string, unknown> = {
      ...claims,
      usefor: use,
      iat: issuedAt,
      exp: expiresAt,
      exi: expiresAt - issuedAt,
      jti,
    };
    if (!has('usefor')) delete payload.usefor;
    if (!has('exi')) delete payload.exi;
    // A token straight from a login: its iat is the login's time (a refreshed one keeps the older auth_time).
    if (!has('auth_time') && payload.auth_time === issuedAt) delete payload.auth_time;
    if (this.config.issuer !== undefined) payload.iss = this.config.issuer;
    if (this.config.audience !== undefined) payload.aud = this.config.audience;
    let token: string;
    if (use === 'access') {
      const key = this.config.keys.signingKeyFor(expiresAt);
      // Every token names its key, HMAC ones too, so that verification never has to guess and rotation is possible.
      token = signJwt(
        key.algorithm,
        key.signingKey as NonNullable<PreparedKey['signingKey']>,
        { typ: TOKEN_TYPES.access, kid: key.kid },
        payload,
      );
    } else {
      // Only access tokens are signed with a published key: the others cannot verify anywhere but here.
      const internal = this.config.keys.internalSigningKeyFor(use as InternalTokenUse, expiresAt);
      token = signJwt(INTERNAL_ALGORITHM, internal.key, { typ: TOKEN_TYPES[use], kid: internal.kid }, payload);
    }
    return { token, jti, issuedAt, expiresAt, lifetime: expiresAt - issuedAt };
  }

  /** Verifies an access token for the guard; a token verified before is answered from memory until it expires. */
  verifyAccess(token: string): AccessClaims {
    if (this.cacheGeneration !== this.config.keys.generation) {
      this.verified.clear();
      this.cacheGeneration = this.config.keys.generation;
    }
    const cached = this.verified.get(token, nowSeconds(this.config.clock), this.config.clockSkewSeconds);
    if (cached !== undefined) return cached;
    const claims = this.verify(token, 'access');
    this.verified.set(token, claims);
    return claims;
  }

  /**
   * The kind `token`'s header declares, unverified (undefined for a token of before explicit typing, or no token of
   * ours): for a route that takes two kinds, to verify it as the one it says it is.
   */
  declaredKind(token: string): TokenUse | undefined {
    const first = token.indexOf('.');
    if (first <= 0 || first > 1024) return undefined;
    try {
      const header: unknown = JSON.parse(Buffer.from(token.slice(0, first), 'base64url').toString('utf8'));
      return typeof header === 'object' && header !== null ? kindOfType((header as { typ?: unknown }).typ) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Verifies `token` as a token of kind `use`, or throws `token_malformed`, `token_invalid` or `token_expired`. */
  verify<U extends TokenUse>(token: string, use: U): ClaimsFor<U> {
    const { keys, header } = this.keysFor(token, use);
    const { clockSkewSeconds, issuer, audience } = this.config;
    const now = nowSeconds(this.config.clock);
    const rules: RegisteredClaimRules = { now, skewSeconds: clockSkewSeconds, issuer, audience };
    let verified: VerifiedJwt | undefined;
    for (const key of keys) {
      verified = verifyJwt(token, key.algorithm, key.verificationKey, rules);
      if (verified !== undefined) break;
    }
    if (verified === undefined) throw new AuthError('token_invalid');
    // The header the engine verified must be the one the key was chosen by (it decodes base64 and text more loosely).
    const typ = verified.header.typ;
    if (verified.header.alg !== header.alg || verified.header.kid !== header.kid || typ !== header.typ)
      throw new AuthError('token_invalid');
    return checkClaims(verified.payload, use, now, clockSkewSeconds, audience, typ === TOKEN_TYPES.access);
  }

  /**
   * The keys a token of kind `use` may be signed with, chosen by its header: its `typ` must be the kind's own (an
   * access token's `at+jwt` under a published key; another kind's under that kind's internal key), or the `JWT` of a
   * token issued before explicit typing (under a published key; its `usefor` is still checked). Its kid names the
   * key, and its alg must be that key's own.
   */
  private keysFor(
    token: string,
    use: TokenUse,
  ): { keys: readonly VerificationKey[]; header: Readonly<Record<string, unknown>> } {
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
    // We implement no JWS extensions, so any "crit" must be refused (RFC 7515 §4.1.11).
    if ('crit' in fields) throw new AuthError('token_invalid');
    if (EMBEDDED_KEY_HEADERS.some((name) => name in fields)) throw new AuthError('token_invalid');
    if (typeof fields.alg !== 'string' || second + 1 === token.length) throw new AuthError('token_invalid');
    const { keys } = this.config;
    if (fields.typ === TOKEN_TYPES[use]) {
      if (use !== 'access') {
        const key =
          typeof fields.kid === 'string' && fields.alg === INTERNAL_ALGORITHM
            ? keys.internalVerificationKey(use as InternalTokenUse, fields.kid)
            : undefined;
        if (key === undefined) throw new AuthError('token_invalid');
        return { keys: [{ algorithm: INTERNAL_ALGORITHM, verificationKey: key }], header: fields };
      }
    } else if (fields.typ !== LEGACY_TYPE && fields.typ !== undefined) {
      // Another kind's type (a refresh token at the guard, an access token as a refresh token), or one we never issue;
      // the message names what the header says it is (anyone can read a header: this reveals nothing).
      throw wrongKind(use, kindOfType(fields.typ));
    }
    if (fields.kid === undefined) {
      // Only HMAC secrets that signed tokens before every token carried a kid accept none, each under its own alg.
      const legacy = keys.keysAcceptingMissingKid().filter((key) => key.algorithm === fields.alg);
      if (legacy.length === 0) throw new AuthError('token_invalid');
      return { keys: legacy, header: fields };
    }
    if (typeof fields.kid !== 'string') throw new AuthError('token_invalid');
    const key = keys.verificationKey(fields.kid);
    // The algorithm is the key's, never the token's: an HS256 token naming an RSA key, "none", or any other
    // mismatch is refused before any cryptography (no algorithm confusion).
    if (key === undefined || fields.alg !== key.algorithm) throw new AuthError('token_invalid');
    return { keys: [key], header: fields };
  }
}

function checkClaims<U extends TokenUse>(
  payload: unknown,
  use: U,
  now: number,
  skew: number,
  audience: string | undefined,
  isTypedAccessToken: boolean,
): ClaimsFor<U> {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new AuthError('token_invalid');
  const claims = payload as Record<string, unknown>;
  // A token of before explicit typing says its kind only in its (now verified) claims.
  if (claims.usefor !== use && Object.hasOwn(TOKEN_TYPES, String(claims.usefor)))
    throw wrongKind(use, claims.usefor as TokenUse);
  // An access token typed at+jwt (RFC 9068) names its kind in its header, and only access tokens verify under the
  // published keys: it may leave out `usefor` and `jti`. A token of the older `JWT` type must still carry both.
  const lean = use === 'access' && (claims.usefor === undefined || claims.jti === undefined) && isTypedAccessToken;
  const valid =
    typeof claims.exp === 'number' &&
    typeof claims.iat === 'number' &&
    claims.iat <= now + skew &&
    typeof claims.sub === 'string' &&
    claims.sub.length > 0 &&
    (typeof claims.jti === 'string' || (claims.jti === undefined && lean)) &&
    (claims.usefor === use || (claims.usefor === undefined && lean)) &&
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
