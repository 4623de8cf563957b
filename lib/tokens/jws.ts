// Compact JWS signatures for the six algorithms we support, computed synchronously with node:crypto.
//
// Why not jsonwebtoken: version 9 cannot sign or verify EdDSA at all. Why not jose: its sign/verify are async and the
// guard's hot path is synchronous. node:crypto's one-shot sign()/verify() are synchronous, cover every algorithm, and
// run on KeyObjects prepared once at start-up (bench/verify-algorithms.ts measures them against jsonwebtoken).
import { createHmac, sign as cryptoSign, timingSafeEqual, verify as cryptoVerify, type KeyObject } from 'node:crypto';

export type HmacAlgorithm = 'HS256' | 'HS384' | 'HS512';
export type AsymmetricAlgorithm = 'EdDSA' | 'ES256' | 'RS256';
export type SigningAlgorithm = HmacAlgorithm | AsymmetricAlgorithm;

export const HMAC_ALGORITHMS: readonly HmacAlgorithm[] = ['HS256', 'HS384', 'HS512'];
export const ASYMMETRIC_ALGORITHMS: readonly AsymmetricAlgorithm[] = ['EdDSA', 'ES256', 'RS256'];

const HMAC_HASH: Record<HmacAlgorithm, string> = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' };
/** Fixed signature lengths (RFC 7518 §3.4 for ES256's r||s, RFC 8037 for Ed25519); RSA's depends on the modulus. */
const FIXED_SIGNATURE_BYTES: Partial<Record<SigningAlgorithm, number>> = { HS256: 32, HS384: 48, HS512: 64, ES256: 64, EdDSA: 64 };

export function isHmacAlgorithm(value: unknown): value is HmacAlgorithm {
  return (HMAC_ALGORITHMS as readonly unknown[]).includes(value);
}

export function isAsymmetricAlgorithm(value: unknown): value is AsymmetricAlgorithm {
  return (ASYMMETRIC_ALGORITHMS as readonly unknown[]).includes(value);
}

/** The signature of `signingInput` (`header.payload`), base64url. */
export function signJws(algorithm: SigningAlgorithm, signingInput: string, key: KeyObject): string {
  const data = Buffer.from(signingInput, 'utf8');
  switch (algorithm) {
    case 'HS256':
    case 'HS384':
    case 'HS512':
      return createHmac(HMAC_HASH[algorithm], key).update(data).digest('base64url');
    case 'RS256':
      return cryptoSign('sha256', data, key).toString('base64url');
    case 'ES256':
      // JWS wants the raw 64-byte r||s, not node's default DER encoding (RFC 7518 §3.4).
      return cryptoSign('sha256', data, { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
    case 'EdDSA':
      // Ed25519 hashes internally: node takes a null digest.
      return cryptoSign(null, data, key).toString('base64url');
  }
}

/**
 * Whether `signature` (base64url) is `algorithm`'s signature of `signingInput` under `key`. The caller has already
 * chosen `key` by kid and checked that the token's alg is that key's algorithm: this never reads the header.
 */
export function verifyJws(algorithm: SigningAlgorithm, signingInput: string, signature: string, key: KeyObject): boolean {
  const bytes = Buffer.from(signature, 'base64url');
  // Node's base64url decoder ignores stray bits and characters: accept only the canonical spelling, so one signature
  // has one token string (the verified-token cache is keyed by that string).
  if (bytes.length === 0 || bytes.toString('base64url') !== signature) return false;
  const fixed = FIXED_SIGNATURE_BYTES[algorithm];
  if (fixed !== undefined && bytes.length !== fixed) return false;
  const data = Buffer.from(signingInput, 'utf8');
  switch (algorithm) {
    case 'HS256':
    case 'HS384':
    case 'HS512':
      return timingSafeEqual(createHmac(HMAC_HASH[algorithm], key).update(data).digest(), bytes);
    case 'RS256':
      return cryptoVerify('sha256', data, key, bytes);
    case 'ES256':
      return cryptoVerify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, bytes);
    case 'EdDSA':
      return cryptoVerify(null, data, key, bytes);
  }
}
