// The `secret` option: every shape it accepts, turned into one KeySet at start-up or a TypeError naming what is wrong.
import type { KeyObject } from 'node:crypto';
import type { Clock } from '../primitives/clock';
import {
  HMAC_ALGORITHMS,
  isAsymmetricAlgorithm,
  isHmacAlgorithm,
  type AsymmetricAlgorithm,
  type HmacAlgorithm,
} from './jws';
import { checkKid, prepareHmacSecret, prepareKey, type KeySpec } from './key-material';
import { KeySet, type KeySetOptions } from './key-set';

export { HMAC_ALGORITHMS } from './jws';
export type { AsymmetricAlgorithm, HmacAlgorithm, SigningAlgorithm } from './jws';
export { HMAC_MIN_BYTES } from './key-material';

/** An asymmetric key pair: tokens are signed with the private key and verified with the public one. */
export interface KeyPairSecret {
  algorithm: AsymmetricAlgorithm;
  privateKey: string | Buffer | KeyObject;
  publicKey: string | Buffer | KeyObject;
  /** The key id written to every token's header (`kid`) and required on verification. */
  kid: string;
}

/**
 * What `secret` may be:
 * - an HMAC key (a UTF-8 string or bytes);
 * - HMAC keys `[newest, ...older]`: the first signs, all verify (rotating an HMAC secret without logging anyone out);
 * - an asymmetric key pair `{ algorithm: 'EdDSA' | 'ES256' | 'RS256', privateKey, publicKey, kid }`;
 * - a key set `{ keys: [...], signingKid?, rotation? }`, or a {@link KeySet} the host shares between instances.
 */
export type SecretOption = string | Buffer | readonly (string | Buffer)[] | KeyPairSecret | KeySetOptions | KeySet;

/** The prepared keys: a KeySet (its `algorithm` and `kid` are the signing key's). */
export type PreparedKeys = KeySet;

/** What createAuth knows that the keys need. */
export interface PrepareKeysContext {
  /** createAuth's clock, so that key schedules and token times agree. @default Date.now */
  clock?: Clock;
  /** How long a retired key must keep verifying: the longest token lifetime plus the skew, in seconds. @default 30 days + 60 s */
  retainForSeconds?: number;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Buffer.isBuffer(value) && !Array.isArray(value);
}

function isKeyPair(secret: unknown): secret is KeyPairSecret {
  // Either half present means the caller meant a key pair: name the missing half rather than asking for a secret.
  return isObject(secret) && ('privateKey' in secret || 'publicKey' in secret);
}

function isKeySetOptions(secret: unknown): secret is KeySetOptions {
  return isObject(secret) && ('keys' in secret || 'rotation' in secret);
}

/**
 * Turns the `secret` and `tokens.algorithm` options into a KeySet, or throws a TypeError naming what is wrong. A KeySet
 * instance is returned as it is: the host owns it (and its timers).
 */
export function prepareKeys(secret: unknown, algorithm: unknown, context: PrepareKeysContext = {}): PreparedKeys {
  if (secret instanceof KeySet) {
    if (algorithm !== undefined)
      throw new TypeError(
        `"tokens.algorithm" applies to an HMAC secret only; a KeySet names each key's algorithm (got ${String(algorithm)}).`,
      );
    return secret;
  }
  const internals = { path: 'secret', clock: context.clock, retainForSeconds: context.retainForSeconds };
  if (isKeyPair(secret) || isKeySetOptions(secret)) {
    // An explicit HMAC "algorithm" beside a key pair used to be ignored silently; say so instead.
    if (algorithm !== undefined && algorithm !== (secret as { algorithm?: unknown }).algorithm) {
      throw new TypeError(
        `"tokens.algorithm" applies to an HMAC secret only; with a key pair or key set, set each key's "algorithm" (got ${String(algorithm)}).`,
      );
    }
    if (isKeySetOptions(secret)) return new KeySet(secret, internals);
    if (!isAsymmetricAlgorithm(secret.algorithm)) {
      throw new TypeError(`"secret.algorithm" must be "RS256" or "ES256" or "EdDSA"; got ${String(secret.algorithm)}.`);
    }
    const kid = checkKid(secret.kid, 'secret.kid');
    // Checked here so that errors name "secret.privateKey", not a position in a list the caller never wrote.
    const key = prepareKey(secret, 'secret', { mustSign: true });
    return new KeySet(
      { keys: [{ algorithm: secret.algorithm, kid, privateKey: key.signingKey, publicKey: key.verificationKey }] },
      { ...internals, fixed: true },
    );
  }
  const hmacAlgorithm = (algorithm ?? 'HS256') as HmacAlgorithm;
  const list = Array.isArray(secret) ? (secret as unknown[]) : [secret];
  if (list.length === 0 || list.some((item) => typeof item !== 'string' && !Buffer.isBuffer(item))) {
    throw new TypeError(
      '"secret" is required: an HMAC key (a string or Buffer of at least 32 bytes), a list of them [newest, ...older], { algorithm: "EdDSA" | "ES256" | "RS256", privateKey, publicKey, kid }, or a key set { keys: [...] }.',
    );
  }
  if (!isHmacAlgorithm(hmacAlgorithm)) {
    throw new TypeError(
      `"tokens.algorithm" must be one of ${HMAC_ALGORITHMS.join(', ')} with an HMAC secret; got ${String(algorithm)}.`,
    );
  }
  const seen: KeyObject[] = [];
  const keys: KeySpec[] = list.map((item, index) => {
    const key = prepareHmacSecret(item, hmacAlgorithm, Array.isArray(secret) ? `secret[${index}]` : 'secret');
    const duplicate = seen.findIndex((other) => other.equals(key));
    if (duplicate >= 0)
      throw new TypeError(`"secret[${index}]" is the same secret as "secret[${duplicate}]": list each secret once.`);
    seen.push(key);
    // Tokens issued before every token carried a kid were signed with these secrets: keep accepting them.
    return { algorithm: hmacAlgorithm, secret: item as string | Buffer, acceptsMissingKid: true };
  });
  return new KeySet({ keys }, { ...internals, fixed: true });
}
