// Signing and verification keys, prepared once as KeyObjects, with the algorithm they are pinned to.
import { createPrivateKey, createPublicKey, createSecretKey, KeyObject, sign, verify } from 'node:crypto';

export type HmacAlgorithm = 'HS256' | 'HS384' | 'HS512';
export type AsymmetricAlgorithm = 'RS256' | 'ES256';
export type SigningAlgorithm = HmacAlgorithm | AsymmetricAlgorithm;

export const HMAC_ALGORITHMS: readonly HmacAlgorithm[] = ['HS256', 'HS384', 'HS512'];

/** RFC 7518 §3.2: an HMAC key at least as long as the hash output. */
export const HMAC_MIN_BYTES: Record<HmacAlgorithm, number> = { HS256: 32, HS384: 48, HS512: 64 };

/** An asymmetric key pair: tokens are signed with the private key and verified with the public one. */
export interface KeyPairSecret {
  algorithm: AsymmetricAlgorithm;
  privateKey: string | Buffer | KeyObject;
  publicKey: string | Buffer | KeyObject;
  /** The key id written to every token's header (`kid`) and required on verification. */
  kid: string;
}

/** What `secret` may be: an HMAC key (UTF-8 string or bytes) or an asymmetric key pair. */
export type SecretOption = string | Buffer | KeyPairSecret;

export interface PreparedKeys {
  algorithm: SigningAlgorithm;
  signingKey: KeyObject;
  verificationKey: KeyObject;
  kid: string | undefined;
}

function isKeyPair(secret: unknown): secret is KeyPairSecret {
  // Either half present means the caller meant a key pair: name the missing half rather than asking for a secret.
  return typeof secret === 'object' && secret !== null && !Buffer.isBuffer(secret) && ('privateKey' in secret || 'publicKey' in secret);
}

/** Turns the `secret` and `algorithm` options into KeyObjects, or throws a TypeError naming what is wrong. */
export function prepareKeys(secret: unknown, algorithm: unknown): PreparedKeys {
  if (isKeyPair(secret)) {
    // An explicit HMAC "algorithm" beside a key pair used to be ignored silently; say so instead.
    if (algorithm !== undefined && algorithm !== secret.algorithm) {
      throw new TypeError(`"algorithm" applies to an HMAC secret only; with a key pair, set "secret.algorithm" (got ${String(algorithm)}).`);
    }
    return prepareKeyPair(secret);
  }
  if (typeof secret !== 'string' && !Buffer.isBuffer(secret)) {
    throw new TypeError(
      '"secret" is required: an HMAC key (a string or Buffer of at least 32 bytes) or { algorithm: "RS256" | "ES256", privateKey, publicKey, kid }.',
    );
  }
  const hmacAlgorithm = (algorithm ?? 'HS256') as HmacAlgorithm;
  if (!HMAC_ALGORITHMS.includes(hmacAlgorithm)) {
    throw new TypeError(`"algorithm" must be one of ${HMAC_ALGORITHMS.join(', ')} with an HMAC secret; got ${String(algorithm)}.`);
  }
  const bytes = Buffer.isBuffer(secret) ? secret : Buffer.from(secret, 'utf8');
  const minimum = HMAC_MIN_BYTES[hmacAlgorithm];
  if (bytes.length < minimum) {
    throw new TypeError(`"secret" must be at least ${minimum} bytes for ${hmacAlgorithm}; it has ${bytes.length}.`);
  }
  const key = createSecretKey(Buffer.from(bytes));
  return { algorithm: hmacAlgorithm, signingKey: key, verificationKey: key, kid: undefined };
}

function prepareKeyPair(secret: KeyPairSecret): PreparedKeys {
  if (secret.algorithm !== 'RS256' && secret.algorithm !== 'ES256') {
    throw new TypeError(`"secret.algorithm" must be "RS256" or "ES256"; got ${String(secret.algorithm)}.`);
  }
  if (typeof secret.kid !== 'string' || secret.kid.length === 0) {
    throw new TypeError('"secret.kid" must be a non-empty string: it names the key in every token header.');
  }
  let signingKey: KeyObject;
  let verificationKey: KeyObject;
  try {
    signingKey = secret.privateKey instanceof KeyObject ? secret.privateKey : createPrivateKey(secret.privateKey);
  } catch (cause) {
    throw new TypeError('"secret.privateKey" is not a readable private key (PEM, DER or KeyObject).', { cause });
  }
  try {
    verificationKey = secret.publicKey instanceof KeyObject ? secret.publicKey : createPublicKey(secret.publicKey);
  } catch (cause) {
    throw new TypeError('"secret.publicKey" is not a readable public key (PEM, DER or KeyObject).', { cause });
  }
  if (signingKey.type !== 'private') {
    throw new TypeError('"secret.privateKey" must be a private key; a public key cannot sign.');
  }
  // A private key given as the public one is usable: verify with the public half it contains.
  if (verificationKey.type === 'private') verificationKey = createPublicKey(verificationKey);
  const expectedType = secret.algorithm === 'RS256' ? 'rsa' : 'ec';
  if (signingKey.asymmetricKeyType !== expectedType || verificationKey.asymmetricKeyType !== expectedType) {
    throw new TypeError(`"secret" keys must be ${expectedType.toUpperCase()} keys for ${secret.algorithm}.`);
  }
  if (expectedType === 'rsa' && (signingKey.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
    throw new TypeError('"secret.privateKey" must be an RSA key of at least 2048 bits.');
  }
  if (expectedType === 'ec' && signingKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new TypeError('"secret" keys must be on the P-256 curve for ES256.');
  }
  // Two keys that are not halves of one pair would sign tokens that never verify: every login would "work" and
  // every guarded request fail. Catch it at start-up with one probe signature.
  const probe = Buffer.from('express-auth-kit key pair probe');
  if (!verify('sha256', probe, verificationKey, sign('sha256', probe, signingKey))) {
    throw new TypeError('"secret.privateKey" and "secret.publicKey" are not the two halves of one key pair.');
  }
  return { algorithm: secret.algorithm, signingKey, verificationKey, kid: secret.kid };
}
