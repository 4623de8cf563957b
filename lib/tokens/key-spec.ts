// What a key may be given as (a key spec), what it becomes once checked, and the minimum strengths both sides hold
// it to: types and constants only, so that the modules that check, name and generate keys can all share them.
import type { KeyObject } from 'node:crypto';
import type { AsymmetricAlgorithm, HmacAlgorithm, SigningAlgorithm } from './jws';

/** RFC 7518 §3.2: an HMAC key at least as long as the hash output. */
export const HMAC_MIN_BYTES: Record<HmacAlgorithm, number> = { HS256: 32, HS384: 48, HS512: 64 };
/** NIST SP 800-57: RSA below 2048 bits is no longer acceptable for signatures. */
export const RSA_MIN_BITS = 2048;

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
