// The options of a key set: what hosts give (KeySetOptions, with rotateKeys()' options and results, and what
// listKeys() and jwks() return), what the library's own loaders add (KeySetInternals), their defaults and their
// start-up checks.
import type { Clock } from '../primitives/clock';
import { parseDuration, type Duration } from '../primitives/duration';
import { isAsymmetricAlgorithm, isHmacAlgorithm, type SigningAlgorithm } from './jws';
import { quote } from './key-material';
import { generateKeySpec } from './key-generation';
import type { KeySpec, PublicJwk } from './key-spec';

/** When and how a key set rotates. Every field has a default; `every` unset means "only when rotateKeys() is called". */
export interface KeySetRotationOptions {
  /** Start the next key this long after the current one started signing. @default never: only rotateKeys() rotates */
  every?: Duration;
  /**
   * How long a new key is published (in the JWKS, and accepted for verification) before it signs, so that every
   * instance and every JWKS cache knows it first. At least 60 s. @default '1h'
   */
  publishAhead?: Duration;
  /**
   * How long a retired key keeps verifying after it stopped signing: the longest token lifetime (refresh and
   * remember-me included) plus the clock skew. @default 30 days + 60 s (the default remember-me lifetime, the largest skew)
   */
  retainFor?: Duration;
  /** The algorithm of the keys a rotation creates. @default the signing key's */
  algorithm?: SigningAlgorithm;
  /** The most keys the set may hold; a rotation that would exceed it fails rather than drop a key still in use. @default 8 */
  maxKeys?: number;
}

/**
 * A key set, as the `secret` option or for `new KeySet()`.
 *
 * @example
 * const keys = new KeySet({
 *   keys: [
 *     { kid: '2026-02', algorithm: 'EdDSA', privateKey: fs.readFileSync('2026-02.pem'), notBefore: Date.parse('2026-02-01') },
 *     { kid: '2026-01', algorithm: 'EdDSA', privateKey: fs.readFileSync('2026-01.pem') },
 *   ],
 *   rotation: { retainFor: '31d' },
 * });
 */
export interface KeySetOptions {
  /**
   * The keys, newest first. Keys with a `notBefore` sign from that instant on (the latest one that has started
   * signs); otherwise the first listed key (or `signingKid`) signs and the others only verify.
   * @default [] (then `rotation.algorithm` is required: a first key is generated in this process)
   */
  keys?: readonly KeySpec[];
  /** The key that signs now, when it is not the first listed. @default the first listed key */
  signingKid?: string;
  rotation?: KeySetRotationOptions;
  /** Time, injected for tests. @default Date.now */
  clock?: Clock;
  /** Told about failures of scheduled work (a rotation or a reload); the set keeps its keys. @default process.emitWarning */
  onError?: (error: Error) => void;
}

/** Where a key is in its life. */
export type KeyState = 'next' | 'signing' | 'retired';

/** One key of the set as `listKeys()` reports it (times in milliseconds since the epoch). */
export interface KeyStatus {
  kid: string;
  algorithm: SigningAlgorithm;
  state: KeyState;
  /** When it started or starts signing; undefined for a key that signed before this set knew it, or never signs. */
  signsFrom: number | undefined;
  /** When it stopped or stops signing, once known. */
  retiredAt: number | undefined;
  /** When it stops verifying and leaves the JWKS; undefined while unknown (no successor yet, or kept until removed). */
  dropAt: number | undefined;
}

/** What rotateKeys() did. */
export interface KeyRotation {
  /** The key that signs next: the one created now, or the one already published and waiting. */
  kid: string;
  /** Whether this call created it (false: a next key was already published, and rotating again creates nothing). */
  created: boolean;
  /** When it starts signing, in milliseconds since the epoch. */
  signsFrom: number;
}

export interface RotateKeysOptions {
  /**
   * Overrides `rotation.publishAhead` for this rotation. `0` makes the next key sign at once (a compromised key:
   * tokens it signed keep verifying until dropped; JWKS clients that cached the set refetch on the unknown kid).
   */
  publishAhead?: Duration | 0;
  /** @default `rotation.algorithm`, else the signing key's */
  algorithm?: SigningAlgorithm;
}

/** A JSON Web Key Set with public keys only. */
export interface Jwks {
  keys: PublicJwk[];
}

/** @internal How prepareKeys and the directory loader build sets with behaviour hosts do not configure directly. */
export interface KeySetInternals {
  /** The option path start-up errors name. @default 'keySet' */
  path?: string;
  /** The keys come from fixed configuration: rotating them in memory would split instances, so rotateKeys() refuses. */
  fixed?: boolean;
  /** Rotates the keys' real home (a directory) and returns the keys to use afterwards. */
  rotate?: (options: RotateKeysOptions, now: number) => { specs: readonly KeySpec[]; result: KeyRotation };
  /** Re-reads the keys' home: the specs, or undefined when unchanged. Called every `reloadEveryMs`. */
  reload?: () => readonly KeySpec[] | undefined;
  reloadEveryMs?: number;
  /** Fallback clock when options.clock is unset (createAuth's). */
  clock?: Clock;
  /** Fallback retention when rotation.retainFor is unset (createAuth's longest token lifetime plus skew), seconds. */
  retainForSeconds?: number;
}

const DAY = 86_400;
export const DEFAULT_RETAIN_FOR_SECONDS = 30 * DAY + 60;
export const DEFAULT_PUBLISH_AHEAD_SECONDS = 3600;
const DEFAULT_MAX_KEYS = 8;

/** JWKS caches refresh at least this often (and faster when publishAhead is short). */
const JWKS_MAX_AGE_SECONDS = 300;

/** The JWKS max-age: under half of `publishAhead`, so every client refetches (and sees the next key) before it signs. */
export function jwksMaxAgeSeconds(publishAheadMs: number): number {
  return Math.max(1, Math.min(JWKS_MAX_AGE_SECONDS, Math.floor(publishAheadMs / 2000)));
}

/** Why a set from a fixed `secret` refuses rotateKeys(). */
export const FIXED_KEYS_CANNOT_ROTATE =
  'These keys come from a fixed "secret": rotating them in one process would leave other instances unable to verify its tokens. Use a KeySet with "rotation", or a key directory (rotateKeyDirectory, the rotate-keys command).';

/** Where failures of scheduled work go when the host gives no `onError`. */
export function defaultOnError(error: Error): void {
  process.emitWarning(error.message, { code: 'EXPRESS_AUTH_KIT_KEY_SET' });
}

/** rotateKeys()' `publishAhead` in milliseconds: 0 (sign at once), the value given, or the set's. */
export function rotationPublishAheadMs(publishAhead: Duration | 0 | undefined, setDefaultMs: number): number {
  return publishAhead === 0 ? 0 : seconds(publishAhead, 'publishAhead', setDefaultMs / 1000) * 1000;
}

/** A duration option in seconds, `fallback` when unset, or a TypeError naming `path`. */
function seconds(value: unknown, path: string, fallback: number, minimum = 1): number {
  if (value === undefined) return fallback;
  const parsed = parseDuration(value);
  if (parsed === undefined || parsed < minimum) {
    throw new TypeError(
      `${quote(path)} must be a duration of at least ${minimum} s, such as '1h' or '30d'; got ${JSON.stringify(value)}.`,
    );
  }
  return parsed;
}

/** The rotation options with their defaults, durations in milliseconds. */
export interface ResolvedRotation {
  everyMs: number | undefined;
  publishAheadMs: number;
  retainForMs: number;
  algorithm: SigningAlgorithm | undefined;
  maxKeys: number;
}

/** Checks `rotation` (naming `path` in every TypeError) and fills in its defaults; `retainForDefault` in seconds. */
export function resolveRotation(
  input: unknown,
  path: string,
  retainForDefault: number = DEFAULT_RETAIN_FOR_SECONDS,
): ResolvedRotation {
  if (input !== undefined && (typeof input !== 'object' || input === null || Array.isArray(input))) {
    throw new TypeError(
      `${quote(path)} must be an object such as { every: '30d', publishAhead: '1d', retainFor: '31d' }.`,
    );
  }
  const fields = (input ?? {}) as Record<string, unknown>;
  for (const name of Object.keys(fields)) {
    if (!['every', 'publishAhead', 'retainFor', 'algorithm', 'maxKeys'].includes(name))
      throw new TypeError(`Unknown option ${quote(`${path}.${name}`)}.`);
  }
  const publishAhead = seconds(fields.publishAhead, `${path}.publishAhead`, DEFAULT_PUBLISH_AHEAD_SECONDS, 60);
  const every = fields.every === undefined ? undefined : seconds(fields.every, `${path}.every`, 0);
  if (every !== undefined && every <= publishAhead) {
    throw new TypeError(
      `${quote(`${path}.every`)} must be longer than ${quote(`${path}.publishAhead`)} (${publishAhead} s).`,
    );
  }
  const { algorithm } = fields;
  if (algorithm !== undefined && !isHmacAlgorithm(algorithm) && !isAsymmetricAlgorithm(algorithm)) {
    throw new TypeError(
      `${quote(`${path}.algorithm`)} must be EdDSA, ES256, RS256, HS256, HS384 or HS512; got ${String(algorithm)}.`,
    );
  }
  const maxKeys = fields.maxKeys ?? DEFAULT_MAX_KEYS;
  if (typeof maxKeys !== 'number' || !Number.isInteger(maxKeys) || maxKeys < 2 || maxKeys > 100) {
    throw new TypeError(
      `${quote(`${path}.maxKeys`)} must be an integer from 2 to 100; got ${JSON.stringify(fields.maxKeys)}.`,
    );
  }
  return {
    everyMs: every === undefined ? undefined : every * 1000,
    publishAheadMs: publishAhead * 1000,
    retainForMs: seconds(fields.retainFor, `${path}.retainFor`, retainForDefault) * 1000,
    algorithm,
    maxKeys,
  };
}

/** Checks the top level of KeySetOptions: known names only, and functions where functions are expected. */
export function checkKeySetOptions(options: KeySetOptions, path: string): void {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${quote(path)} must be an object.`);
  for (const name of Object.keys(options)) {
    if (!['keys', 'signingKid', 'rotation', 'clock', 'onError'].includes(name))
      throw new TypeError(`Unknown option ${quote(`${path}.${name}`)}.`);
  }
  if (options.clock !== undefined && typeof options.clock !== 'function')
    throw new TypeError(`${quote(`${path}.clock`)} must be a function.`);
  if (options.onError !== undefined && typeof options.onError !== 'function')
    throw new TypeError(`${quote(`${path}.onError`)} must be a function.`);
}

/** The keys a set starts with: those given, or with none given, one generated now for `rotation.algorithm`. */
export function initialKeySpecs(
  keys: readonly KeySpec[] | undefined,
  rotation: ResolvedRotation,
  path: string,
  now: number,
): readonly KeySpec[] {
  const specs = keys ?? [];
  if (!Array.isArray(specs)) throw new TypeError(`${quote(`${path}.keys`)} must be an array of keys, newest first.`);
  if (specs.length > 0) return specs;
  if (rotation.algorithm === undefined) {
    throw new TypeError(
      `${quote(`${path}.keys`)} must list at least one key (or set ${quote(`${path}.rotation.algorithm`)} to generate one in this process).`,
    );
  }
  return [{ ...generateKeySpec(rotation.algorithm, now), notBefore: undefined }];
}

/**
 * How often the set's timer runs, or undefined when it has nothing to do: often enough that a scheduled rotation
 * publishes its key well within `publishAhead` (a quarter of it, from 1 s to 1 h), and as often as the reload asks.
 */
export function scheduledWorkIntervalMs(rotation: ResolvedRotation, internals: KeySetInternals): number | undefined {
  const intervals = [
    rotation.everyMs === undefined ? undefined : Math.min(Math.max(rotation.publishAheadMs / 4, 1000), 3_600_000),
    internals.reload === undefined ? undefined : internals.reloadEveryMs,
  ].filter((ms): ms is number => ms !== undefined);
  return intervals.length > 0 ? Math.min(...intervals) : undefined;
}
