// Fresh keys: a key pair for a key directory or the CLI, or a key spec for an in-process rotation.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  ASYMMETRIC_ALGORITHMS,
  isAsymmetricAlgorithm,
  isHmacAlgorithm,
  type AsymmetricAlgorithm,
  type SigningAlgorithm,
} from './jws';
import { publicJwkOf } from './key-ids';
import { HMAC_MIN_BYTES, RSA_MIN_BITS, type KeySpec, type PublicJwk } from './key-spec';

/** A freshly generated key pair, as PEM text (PKCS#8 and SPKI) and as the public JWK with its thumbprint kid. */
export interface GeneratedKeyPair {
  algorithm: AsymmetricAlgorithm;
  kid: string;
  privateKeyPem: string;
  publicKeyPem: string;
  publicJwk: PublicJwk;
}

/**
 * Generates a signing key pair: Ed25519 for EdDSA, P-256 for ES256, 2048-bit RSA for RS256. The kid is the public
 * key's RFC 7638 thumbprint truncated to 8 characters, so the same key has the same kid wherever it is loaded.
 *
 * @example
 * const { privateKeyPem, publicKeyPem, publicJwk } = generateKeyPair('EdDSA');
 */
export function generateKeyPair(algorithm: AsymmetricAlgorithm): GeneratedKeyPair {
  if (!isAsymmetricAlgorithm(algorithm)) {
    throw new TypeError(`"algorithm" must be one of ${ASYMMETRIC_ALGORITHMS.join(', ')}; got ${String(algorithm)}.`);
  }
  const { privateKey, publicKey } =
    algorithm === 'EdDSA'
      ? generateKeyPairSync('ed25519')
      : algorithm === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('rsa', { modulusLength: RSA_MIN_BITS });
  const publicJwk = publicJwkOf(publicKey, algorithm, undefined);
  return {
    algorithm,
    kid: publicJwk.kid,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
    publicJwk,
  };
}

/** A fresh key of `algorithm` for an in-process rotation: a key pair, or random HMAC bytes (twice the minimum). */
export function generateKeySpec(algorithm: SigningAlgorithm, notBefore: number): KeySpec {
  if (isHmacAlgorithm(algorithm)) return { algorithm, secret: randomBytes(HMAC_MIN_BYTES[algorithm] * 2), notBefore };
  const pair = generateKeyPair(algorithm);
  return { algorithm, kid: pair.kid, privateKey: pair.privateKeyPem, publicKey: pair.publicKeyPem, notBefore };
}
