// Signs and verifies compact JWTs for the six algorithms we support, synchronously, on KeyObjects prepared once.
//
// jsonwebtoken is the engine for HS256/384/512, RS256 and ES256: `algorithms` pinned to the one key's algorithm,
// `complete: true` so the caller can check the header it verified. jsonwebtoken 9 has no EdDSA, so Ed25519 tokens,
// and only they, are signed and verified with node:crypto here, checking exp, nbf, iss and aud exactly as jsonwebtoken
// does for the others (one behaviour whatever the key). jose was not chosen: its sign and verify are asynchronous,
// and the guard's path is synchronous.
//
// Where jsonwebtoken is lax, our rule comes first: the signature must be the canonical base64url spelling, of the
// algorithm's length (jws decodes base64 loosely, so RS256 and ES256 would accept other spellings of one signature,
// and the verified-token cache, keyed by the token string, would hold one token under many names).
import { sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { AuthError } from '../errors';

export type HmacAlgorithm = 'HS256' | 'HS384' | 'HS512';
export type AsymmetricAlgorithm = 'EdDSA' | 'ES256' | 'RS256';
export type SigningAlgorithm = HmacAlgorithm | AsymmetricAlgorithm;

export const HMAC_ALGORITHMS: readonly HmacAlgorithm[] = ['HS256', 'HS384', 'HS512'];
export const ASYMMETRIC_ALGORITHMS: readonly AsymmetricAlgorithm[] = ['EdDSA', 'ES256', 'RS256'];

/** Fixed signature lengths (RFC 7518 §3.4 for ES256's r||s, RFC 8037 for Ed25519); RSA's depends on the modulus. */
const FIXED_SIGNATURE_BYTES: Partial<Record<SigningAlgorithm, number>> = {
  HS256: 32,
  HS384: 48,
  HS512: 64,
  ES256: 64,
  EdDSA: 64,
};

export function isHmacAlgorithm(value: unknown): value is HmacAlgorithm {
  return (HMAC_ALGORITHMS as readonly unknown[]).includes(value);
}

export function isAsymmetricAlgorithm(value: unknown): value is AsymmetricAlgorithm {
  return (ASYMMETRIC_ALGORITHMS as readonly unknown[]).includes(value);
}

/** The header fields we write besides `alg`, in this order (`alg`, `typ`, `kid`). */
export interface JwtHeaderFields {
  typ: string;
  kid: string;
}

/** What the registered claims are checked against: the verifier's clock, skew, issuer and audience. */
export interface RegisteredClaimRules {
  /** Seconds since the epoch. */
  now: number;
  /** Tolerated on `exp` and `nbf`, in seconds. */
  skewSeconds: number;
  issuer: string | undefined;
  audience: string | undefined;
}

/** A token whose signature and registered claims verified: its header and payload as decoded, not yet typed. */
export interface VerifiedJwt {
  header: Readonly<Record<string, unknown>>;
  payload: unknown;
}

function base64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A compact JWT of `payload` with the header `{ alg, typ, kid }`, signed by `key` with `algorithm`. */
export function signJwt(
  algorithm: SigningAlgorithm,
  key: KeyObject,
  header: JwtHeaderFields,
  payload: Readonly<Record<string, unknown>>,
): string {
  if (algorithm === 'EdDSA') {
    const signingInput = `${base64urlJson({ alg: algorithm, typ: header.typ, kid: header.kid })}.${base64urlJson(payload)}`;
    // Ed25519 hashes internally: node takes a null digest.
    return `${signingInput}.${cryptoSign(null, Buffer.from(signingInput, 'utf8'), key).toString('base64url')}`;
  }
  // The payload always carries its own iat, which jsonwebtoken keeps as it is.
  return jwt.sign(payload, key, { algorithm, header: { alg: algorithm, typ: header.typ, kid: header.kid } });
}

/** The signature's bytes if it is the one canonical base64url spelling of a signature of `algorithm`'s length. */
function canonicalSignature(algorithm: SigningAlgorithm, signature: string): Buffer | undefined {
  const bytes = Buffer.from(signature, 'base64url');
  // Node's base64url decoder ignores stray bits and characters: accept only the canonical spelling.
  if (bytes.length === 0 || bytes.toString('base64url') !== signature) return undefined;
  const fixed = FIXED_SIGNATURE_BYTES[algorithm];
  return fixed === undefined || bytes.length === fixed ? bytes : undefined;
}

/**
 * Verifies `token`'s signature under `key` with `algorithm` (the key's own, never the token's), then exp, nbf, iss
 * and aud. Returns undefined when the signature is not `key`'s (the caller may hold another candidate key); throws
 * `token_expired` for an expired token and `token_invalid` for any other refusal. The caller has chosen `key` by the
 * header's kid and checked that the header's alg is `algorithm`: the header is parsed here only to be returned.
 */
export function verifyJwt(
  token: string,
  algorithm: SigningAlgorithm,
  key: KeyObject,
  rules: RegisteredClaimRules,
): VerifiedJwt | undefined {
  const lastDot = token.lastIndexOf('.');
  const signature = canonicalSignature(algorithm, token.slice(lastDot + 1));
  if (signature === undefined) return undefined;
  if (algorithm === 'EdDSA') return verifyEdDsa(token, lastDot, signature, key, rules);
  try {
    const { header, payload } = jwt.verify(token, key, {
      algorithms: [algorithm],
      complete: true,
      // jsonwebtoken reads a time of 0 (here, and an iat of 0 when signing) as "not given" and takes the real clock:
      // an injected clock must be past the epoch's first second.
      clockTimestamp: rules.now,
      clockTolerance: rules.skewSeconds,
      issuer: rules.issuer,
      audience: rules.audience,
    });
    return { header: header as unknown as Record<string, unknown>, payload };
  } catch (error) {
    if (error instanceof jwt.TokenExpiredError) throw new AuthError('token_expired', { cause: error });
    if (error instanceof jwt.JsonWebTokenError && error.message === 'invalid signature') return undefined;
    throw new AuthError('token_invalid', { cause: error });
  }
}

function verifyEdDsa(
  token: string,
  lastDot: number,
  signature: Buffer,
  key: KeyObject,
  rules: RegisteredClaimRules,
): VerifiedJwt | undefined {
  if (!cryptoVerify(null, Buffer.from(token.slice(0, lastDot), 'utf8'), key, signature)) return undefined;
  const firstDot = token.indexOf('.');
  let header: unknown;
  let payload: unknown;
  try {
    header = JSON.parse(Buffer.from(token.slice(0, firstDot), 'base64url').toString('utf8'));
    payload = JSON.parse(Buffer.from(token.slice(firstDot + 1, lastDot), 'base64url').toString('utf8'));
  } catch (cause) {
    throw new AuthError('token_invalid', { cause });
  }
  if (typeof header !== 'object' || header === null) throw new AuthError('token_invalid');
  checkRegisteredClaims(payload, rules);
  return { header: header as Record<string, unknown>, payload };
}

/** exp, nbf, iss and aud, as jsonwebtoken 9 checks them: an expired token is `token_expired`, any other failure `token_invalid`. */
function checkRegisteredClaims(payload: unknown, { now, skewSeconds, issuer, audience }: RegisteredClaimRules): void {
  if (typeof payload !== 'object' || payload === null) throw new AuthError('token_invalid');
  const claims = payload as Record<string, unknown>;
  if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || claims.nbf > now + skewSeconds))
    throw new AuthError('token_invalid');
  if (claims.exp !== undefined) {
    if (typeof claims.exp !== 'number') throw new AuthError('token_invalid');
    if (now >= claims.exp + skewSeconds) throw new AuthError('token_expired');
  }
  if (audience !== undefined) {
    const audiences: unknown[] = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.includes(audience)) throw new AuthError('token_invalid');
  }
  if (issuer !== undefined && claims.iss !== issuer) throw new AuthError('token_invalid');
}

/** Whether a token `signingKey` signs verifies under `verificationKey`: catches two keys that are not one pair. */
export function keysArePair(algorithm: SigningAlgorithm, signingKey: KeyObject, verificationKey: KeyObject): boolean {
  const probe = signJwt(
    algorithm,
    signingKey,
    { typ: 'JWT', kid: 'express-auth-kit key pair probe' },
    { iat: Math.floor(Date.now() / 1000) },
  );
  try {
    return (
      verifyJwt(probe, algorithm, verificationKey, {
        now: Math.floor(Date.now() / 1000),
        skewSeconds: 60,
        issuer: undefined,
        audience: undefined,
      }) !== undefined
    );
  } catch {
    return false;
  }
}
