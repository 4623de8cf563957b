// The kids a key is known by when none is given: derived from the key itself, so every instance and every restart
// agrees on them, and the kids earlier versions derived, so tokens they signed keep finding their key.
import { createHash, createHmac, type KeyObject } from 'node:crypto';
import type { AsymmetricAlgorithm } from './jws';
import type { PublicJwk } from './key-spec';

/** How many base64url characters of a hash a derived kid keeps: 48 bits, enough to tell a set's few keys apart. */
const DERIVED_KID_LENGTH = 8;

/**
 * The kid of an HMAC secret: the secret's own HMAC of a label, truncated. A keyed hash reveals nothing of the secret
 * (no guess can be tested against it without the secret), and is the same on every instance and restart.
 */
export function hmacKid(key: KeyObject): string {
  return createHmac('sha256', key).update('express-auth-kit kid v2').digest('base64url').slice(0, DERIVED_KID_LENGTH);
}

/** The kid earlier versions derived for an HMAC secret (a labelled SHA-256): tokens they signed still name it. */
export function legacyHmacKid(key: KeyObject): string {
  return `hs-${createHash('sha256').update('express-auth-kit hmac kid\0').update(key.export()).digest('base64url').slice(0, 22)}`;
}

/** The kid of a public key: its RFC 7638 thumbprint, truncated (the whole thumbprint was the kid before). */
function thumbprintKid(jwk: Pick<PublicJwk, 'kty' | 'n' | 'e' | 'crv' | 'x' | 'y'>): string {
  return jwkThumbprint(jwk).slice(0, DERIVED_KID_LENGTH);
}

/** RFC 7638 thumbprint of a public JWK: its required members in lexicographic order, SHA-256, base64url. */
export function jwkThumbprint(jwk: Pick<PublicJwk, 'kty' | 'n' | 'e' | 'crv' | 'x' | 'y'>): string {
  const members =
    jwk.kty === 'RSA'
      ? { e: jwk.e, kty: jwk.kty, n: jwk.n }
      : jwk.kty === 'EC'
        ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
        : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

/** The public JWK of `publicKey`, its kid the one given or else its truncated thumbprint. */
export function publicJwkOf(publicKey: KeyObject, algorithm: AsymmetricAlgorithm, kid: string | undefined): PublicJwk {
  // Only the public parameters: a KeyObject of type "public" cannot export d, p, q...
  const exported = publicKey.export({ format: 'jwk' }) as Partial<PublicJwk>;
  const base = {
    kty: exported.kty as PublicJwk['kty'],
    n: exported.n,
    e: exported.e,
    crv: exported.crv,
    x: exported.x,
    y: exported.y,
  };
  const params = Object.fromEntries(Object.entries(base).filter(([, value]) => value !== undefined)) as Omit<
    PublicJwk,
    'kid' | 'alg' | 'use'
  >;
  return { ...params, kid: kid ?? thumbprintKid(base), alg: algorithm, use: 'sig' };
}
