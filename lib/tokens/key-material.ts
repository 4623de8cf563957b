// One key, checked and prepared once: its KeyObjects, its pinned algorithm, its kid and its public JWK.
import {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  generateKeyPairSync,
  KeyObject,
  randomBytes,
} from 'node:crypto';
import {
  ASYMMETRIC_ALGORITHMS,
  HMAC_ALGORITHMS,
  isAsymmetricAlgorithm,
  isHmacAlgorithm,
  keysArePair,
  type AsymmetricAlgorithm,
  type HmacAlgorithm,
  type SigningAlgorithm,
} from './jws';

/** RFC 7518 §3.2: an HMAC key at least as long as the hash output. */
export const HMAC_MIN_BYTES: Record<HmacAlgorithm, number> = { HS256: 32, HS384: 48, HS512: 64 };
/** NIST SP 800-57: RSA below 2048 bits is no longer acceptable for signatures. */
const RSA_MIN_BITS = 2048;

/** What a key may be given as: PEM or DER text/bytes, or a KeyObject. */
export type KeyInput = string | Buffer | KeyObject;
/** An instant: a Date, or milliseconds since the epoch. */
export type Instant = Date | number;

interface KeySpecTimes {
  /** The key signs no token before this instant; until then it is only published and verifies. @default already signing */
  notBefore?: Instant;
  /**
   * The key stops signing at this instant; it keeps verifying (and stays in the JWKS) for the key set's `retainFor`
   * more, then is dropped. @default when the next key starts signing
   */
  retireAt?: Instant;
}

/** An asymmetric key of a key set. A key that only verifies (another instance's, or a retired one) needs no private half. */
export interface AsymmetricKeySpec extends KeySpecTimes {
  algorithm: AsymmetricAlgorithm;
  /** The key id written to token headers. @default the RFC 7638 JWK thumbprint of the public key, its first 8 characters */
  kid?: string;
  privateKey?: KeyInput;
  /** @default derived from `privateKey` */
  publicKey?: KeyInput;
}

/** An HMAC key of a key set: it signs and verifies, and is never published. */
export interface HmacKeySpec extends KeySpecTimes {
  algorithm: HmacAlgorithm;
  /** @default derived from the secret (8 characters of a keyed hash: deterministic, so every instance agrees) */
  kid?: string;
  secret: string | Buffer;
  /**
   * Also accept tokens with no `kid` under this key: tokens issued before every token carried one. Set only for
   * secrets that signed such tokens. @default false (true for the secrets of a plain `secret` option)
   */
  acceptsMissingKid?: boolean;
}

export type KeySpec = AsymmetricKeySpec | HmacKeySpec;

/** The public half of a key as RFC 7517 JWK, as published in a JWKS. */
export interface PublicJwk {
  kty: 'RSA' | 'EC' | 'OKP';
  kid: string;
  alg: AsymmetricAlgorithm;
  use: 'sig';
  /** RSA */
  n?: string;
  e?: string;
  /** EC and OKP */
  crv?: 'P-256' | 'Ed25519';
  x?: string;
  y?: string;
}

/** A checked key. `signingKey` is absent for keys that only verify. */
export interface PreparedKey {
  readonly kid: string;
  readonly algorithm: SigningAlgorithm;
  readonly signingKey: KeyObject | undefined;
  readonly verificationKey: KeyObject;
  /** Undefined for HMAC keys: a secret is never published. */
  readonly publicJwk: PublicJwk | undefined;
  readonly acceptsMissingKid: boolean;
  /**
   * The kids an earlier version derived for this key (a 25-character HMAC kid, a whole RFC 7638 thumbprint): tokens
   * it signed before the upgrade name the key so, and keep verifying under it until they expire. Empty for a kid given.
   */
  readonly legacyKids: readonly string[];
  /** Milliseconds since the epoch; undefined when not given. */
  readonly notBefore: number | undefined;
  readonly retireAt: number | undefined;
}

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

/** How many base64url characters of a hash a derived kid keeps: 48 bits, enough to tell a set's few keys apart. */
const DERIVED_KID_LENGTH = 8;

/**
 * The kid of an HMAC secret: the secret's own HMAC of a label, truncated. A keyed hash reveals nothing of the secret
 * (no guess can be tested against it without the secret), and is the same on every instance and restart.
 */
function hmacKid(key: KeyObject): string {
  return createHmac('sha256', key).update('express-auth-kit kid v2').digest('base64url').slice(0, DERIVED_KID_LENGTH);
}

/** The kid earlier versions derived for an HMAC secret (a labelled SHA-256): tokens they signed still name it. */
function legacyHmacKid(key: KeyObject): string {
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

function publicJwkOf(publicKey: KeyObject, algorithm: AsymmetricAlgorithm, kid: string | undefined): PublicJwk {
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
  if (isHmacAlgorithm(algorithm)) {
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
  if (!isAsymmetricAlgorithm(algorithm)) {
    throw new TypeError(
      `${quote(`${path}.algorithm`)} must be one of ${[...ASYMMETRIC_ALGORITHMS, ...HMAC_ALGORITHMS].join(', ')}; got ${String(algorithm)}.`,
    );
  }
  if ('secret' in fields)
    throw new TypeError(`${quote(path)} is an ${algorithm} key: give privateKey/publicKey, not "secret".`);
  if (fields.acceptsMissingKid !== undefined) {
    throw new TypeError(
      `${quote(`${path}.acceptsMissingKid`)} applies to HMAC keys only: asymmetric tokens always carried a kid.`,
    );
  }
  const hasPrivate = fields.privateKey !== undefined || options.mustSign;
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
