// One key, checked and prepared once: its KeyObjects, its pinned algorithm, its kid and its public JWK.
import { createPublicKey, createPrivateKey, createSecretKey, KeyObject } from 'node:crypto';
import {
  ASYMMETRIC_ALGORITHMS,
  HMAC_ALGORITHMS,
  isAsymmetricAlgorithm,
  isHmacAlgorithm,
  keysArePair,
  type AsymmetricAlgorithm,
  type HmacAlgorithm,
} from './jws';
import { hmacKid, jwkThumbprint, legacyHmacKid, publicJwkOf } from './key-ids';
import { HMAC_MIN_BYTES, RSA_MIN_BITS, type PreparedKey } from './key-spec';

// The types, kids and key generation live beside this module; re-exported here, where the rest of the code imports them.
export { HMAC_MIN_BYTES } from './key-spec';
export type { AsymmetricKeySpec, HmacKeySpec, Instant, KeyInput, KeySpec, PreparedKey, PublicJwk } from './key-spec';
export { jwkThumbprint } from './key-ids';
export { generateKeyPair, generateKeySpec, type GeneratedKeyPair } from './key-generation';

const KID_PATTERN = /^[\x21-\x7e]{1,128}$/;

/** Quotes an option path the way every start-up error names it: `"secret.keys[0].kid"`. */
export function quote(path: string): string {
  return `"${path}"`;
}

export function checkKid(kid: unknown, path: string): string {
  if (typeof kid !== 'string' || !KID_PATTERN.test(kid)) {
    throw new TypeError(
      `${quote(path)} must be a non-empty string (at most 128 printable ASCII characters): it names the key in every token header.`,
    );
  }
  return kid;
}

function instant(value: unknown, path: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw new TypeError(`${quote(path)} must be a Date or milliseconds since the epoch; got ${String(value)}.`);
  }
  return ms;
}

/** An HMAC key from a string (UTF-8) or bytes, or a TypeError naming `path`. */
export function prepareHmacSecret(secret: unknown, algorithm: HmacAlgorithm, path: string): KeyObject {
  if (typeof secret !== 'string' && !Buffer.isBuffer(secret)) {
    throw new TypeError(
      `${quote(path)} must be an HMAC key: a string or Buffer of at least ${HMAC_MIN_BYTES[algorithm]} bytes.`,
    );
  }
  const bytes = Buffer.isBuffer(secret) ? secret : Buffer.from(secret, 'utf8');
  const minimum = HMAC_MIN_BYTES[algorithm];
  if (bytes.length < minimum) {
    throw new TypeError(`${quote(path)} must be at least ${minimum} bytes for ${algorithm}; it has ${bytes.length}.`);
  }
  // Copied: the caller may reuse or zero its Buffer afterwards.
  return createSecretKey(Buffer.from(bytes));
}

function readKey(input: unknown, kind: 'private' | 'public', path: string): KeyObject {
  try {
    if (input instanceof KeyObject) return input;
    if (typeof input !== 'string' && !Buffer.isBuffer(input)) throw new TypeError(`not a string, Buffer or KeyObject`);
    return kind === 'private' ? createPrivateKey(input) : createPublicKey(input);
  } catch (cause) {
    const missing = input === undefined ? ' (it is missing)' : '';
    throw new TypeError(`${quote(path)} is not a readable ${kind} key (PEM, DER or KeyObject)${missing}.`, { cause });
  }
}

function checkKeyType(key: KeyObject, algorithm: AsymmetricAlgorithm, path: string, which: string): void {
  const expected = algorithm === 'RS256' ? 'rsa' : algorithm === 'ES256' ? 'ec' : 'ed25519';
  if (key.asymmetricKeyType !== expected) {
    throw new TypeError(
      `${quote(path)} keys must be ${algorithm === 'EdDSA' ? 'Ed25519' : expected.toUpperCase()} keys for ${algorithm}; got ${String(key.asymmetricKeyType)}.`,
    );
  }
  if (expected === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < RSA_MIN_BITS) {
    throw new TypeError(
      `${quote(`${path}.${which}`)} must be an RSA key of at least ${RSA_MIN_BITS} bits; it has ${key.asymmetricKeyDetails?.modulusLength ?? 0}.`,
    );
  }
  if (expected === 'ec' && key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new TypeError(
      `${quote(path)} keys must be on the P-256 curve for ES256; got ${String(key.asymmetricKeyDetails?.namedCurve)}.`,
    );
  }
}

export interface PrepareKeyOptions {
  /** The key must be able to sign (it is, or will be, the signing key). */
  mustSign: boolean;
  /** Default for HMAC `acceptsMissingKid`. */
  acceptsMissingKid?: boolean;
}

/** What every key spec gives whatever its algorithm: checked, with `path` named in every TypeError. */
interface CommonFields {
  fields: Record<string, unknown>;
  kid: string | undefined;
  notBefore: number | undefined;
  retireAt: number | undefined;
}

/** Checks one key spec, naming `path` in every TypeError. */
export function prepareKey(spec: unknown, path: string, options: PrepareKeyOptions): PreparedKey {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec) || Buffer.isBuffer(spec)) {
    throw new TypeError(
      `${quote(path)} must be a key: { algorithm, kid?, secret } or { algorithm, kid?, privateKey?, publicKey? }.`,
    );
  }
  const fields = spec as Record<string, unknown>;
  const { algorithm } = fields;
  const kid = fields.kid === undefined ? undefined : checkKid(fields.kid, `${path}.kid`);
  const notBefore = instant(fields.notBefore, `${path}.notBefore`);
  const retireAt = instant(fields.retireAt, `${path}.retireAt`);
  if (notBefore !== undefined && retireAt !== undefined && retireAt <= notBefore) {
    throw new TypeError(`${quote(`${path}.retireAt`)} must come after ${quote(`${path}.notBefore`)}.`);
  }
  const common: CommonFields = { fields, kid, notBefore, retireAt };
  if (isHmacAlgorithm(algorithm)) return prepareHmacKey(common, algorithm, path, options);
  if (!isAsymmetricAlgorithm(algorithm)) {
    throw new TypeError(
      `${quote(`${path}.algorithm`)} must be one of ${[...ASYMMETRIC_ALGORITHMS, ...HMAC_ALGORITHMS].join(', ')}; got ${String(algorithm)}.`,
    );
  }
  return prepareAsymmetricKey(common, algorithm, path, options);
}

function prepareHmacKey(
  { fields, kid, notBefore, retireAt }: CommonFields,
  algorithm: HmacAlgorithm,
  path: string,
  options: PrepareKeyOptions,
): PreparedKey {
  if ('privateKey' in fields || 'publicKey' in fields) {
    throw new TypeError(`${quote(path)} is an HMAC key (${algorithm}): give "secret", not privateKey/publicKey.`);
  }
  const key = prepareHmacSecret(fields.secret, algorithm, `${path}.secret`);
  const accepts = fields.acceptsMissingKid ?? options.acceptsMissingKid ?? false;
  if (typeof accepts !== 'boolean') throw new TypeError(`${quote(`${path}.acceptsMissingKid`)} must be a boolean.`);
  const legacyKids = kid === undefined ? [legacyHmacKid(key)] : [];
  return {
    kid: kid ?? hmacKid(key),
    algorithm,
    signingKey: key,
    verificationKey: key,
    publicJwk: undefined,
    acceptsMissingKid: accepts,
    legacyKids,
    notBefore,
    retireAt,
  };
}

function prepareAsymmetricKey(
  { fields, kid, notBefore, retireAt }: CommonFields,
  algorithm: AsymmetricAlgorithm,
  path: string,
  options: PrepareKeyOptions,
): PreparedKey {
  if ('secret' in fields)
    throw new TypeError(`${quote(path)} is an ${algorithm} key: give privateKey/publicKey, not "secret".`);
  if (fields.acceptsMissingKid !== undefined) {
    throw new TypeError(
      `${quote(`${path}.acceptsMissingKid`)} applies to HMAC keys only: asymmetric tokens always carried a kid.`,
    );
  }
  const { signingKey, verificationKey } = readKeyHalves(fields, algorithm, path, options.mustSign);
  const publicJwk = publicJwkOf(verificationKey, algorithm, kid);
  const legacyKids = kid === undefined ? [jwkThumbprint(publicJwk)] : [];
  return {
    kid: publicJwk.kid,
    algorithm,
    signingKey,
    verificationKey,
    publicJwk,
    acceptsMissingKid: false,
    legacyKids,
    notBefore,
    retireAt,
  };
}

/** The private half (when given, or required to sign) and the public half of an asymmetric key, checked as a pair. */
function readKeyHalves(
  fields: Record<string, unknown>,
  algorithm: AsymmetricAlgorithm,
  path: string,
  mustSign: boolean,
): { signingKey: KeyObject | undefined; verificationKey: KeyObject } {
  const hasPrivate = fields.privateKey !== undefined || mustSign;
  const signingKey = hasPrivate ? readKey(fields.privateKey, 'private', `${path}.privateKey`) : undefined;
  if (signingKey !== undefined && signingKey.type !== 'private') {
    throw new TypeError(`${quote(`${path}.privateKey`)} must be a private key; a public key cannot sign.`);
  }
  let verificationKey =
    fields.publicKey !== undefined
      ? readKey(fields.publicKey, 'public', `${path}.publicKey`)
      : (signingKey ?? readKey(undefined, 'public', `${path}.publicKey`));
  // A private key given as the public one is usable: verify with the public half it contains.
  if (verificationKey.type !== 'public') {
    if (verificationKey.type !== 'private')
      throw new TypeError(`${quote(`${path}.publicKey`)} must be a public key; got a secret key.`);
    verificationKey = createPublicKey(verificationKey);
  }
  if (signingKey !== undefined) checkKeyType(signingKey, algorithm, path, 'privateKey');
  checkKeyType(verificationKey, algorithm, path, 'publicKey');
  // Two keys that are not halves of one pair would sign tokens that never verify: every login would "work" and
  // every guarded request fail. Catch it at start-up with one probe signature.
  if (signingKey !== undefined && !keysArePair(algorithm, signingKey, verificationKey)) {
    throw new TypeError(
      `${quote(`${path}.privateKey`)} and ${quote(`${path}.publicKey`)} are not the two halves of one key pair.`,
    );
  }
  return { signingKey, verificationKey };
}
