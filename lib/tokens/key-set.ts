// A key set: one key signs, every key still in use verifies, and rotation publishes a key before it signs and keeps a
// retired one until every token it signed has expired.
import type { KeyObject } from 'node:crypto';
import type { Clock } from '../primitives/clock';
import { systemClock } from '../primitives/clock';
import { parseDuration, type Duration } from '../primitives/duration';
import type { SigningAlgorithm } from './jws';
import { isAsymmetricAlgorithm, isHmacAlgorithm } from './jws';
import { internalKeysOf, type InternalTokenUse } from './internal-keys';
import {
  checkKid,
  generateKeySpec,
  prepareKey,
  quote,
  type KeySpec,
  type PreparedKey,
  type PublicJwk,
} from './key-material';

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

interface KeyEntry {
  readonly key: PreparedKey;
  /** When it signs from (ms); -Infinity for the key that signed before the set knew; undefined: it only verifies. */
  activation: number | undefined;
  /** When it stops signing: its retireAt or its successor's activation, whichever is first. */
  retiredAt: number | undefined;
  /** retiredAt + retainFor; Infinity while unknown. */
  dropBase: number;
  /** The latest exp (ms) of a token this process signed with it: the set never drops a key before that. */
  lastExpiryMs: number;
}

const DAY = 86_400;
export const DEFAULT_RETAIN_FOR_SECONDS = 30 * DAY + 60;
export const DEFAULT_PUBLISH_AHEAD_SECONDS = 3600;
const DEFAULT_MAX_KEYS = 8;
/** options (tokens.clockSkewSeconds) cap the skew at 60: a token verifies up to that long after its exp. */
const MAX_SKEW_MS = 60_000;
/** JWKS caches refresh at least this often (and faster when publishAhead is short). */
const JWKS_MAX_AGE_SECONDS = 300;

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

interface ResolvedRotation {
  everyMs: number | undefined;
  publishAheadMs: number;
  retainForMs: number;
  algorithm: SigningAlgorithm | undefined;
  maxKeys: number;
}

function resolveRotation(input: unknown, path: string, retainForDefault: number): ResolvedRotation {
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

function defaultOnError(error: Error): void {
  process.emitWarning(error.message, { code: 'EXPRESS_AUTH_KIT_KEY_SET' });
}

/**
 * Signing and verification keys with their schedule. Share one instance between auth instances of a process; with
 * several processes, load it from a directory every process reads (loadKeySetFromDirectory) so all agree.
 * Nothing here creates a key per request: keys are created only by rotateKeys() or the `every` schedule.
 */
export class KeySet {
  private entries: KeyEntry[] = [];
  private byKid = new Map<string, KeyEntry>();
  private readonly clock: Clock;
  private readonly rotation: ResolvedRotation;
  private readonly path: string;
  private readonly createdAt: number;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly onError: (error: Error) => void;
  private removals = 0;

  constructor(
    options: KeySetOptions = {},
    private readonly internals: KeySetInternals = {},
  ) {
    this.path = internals.path ?? 'keySet';
    if (typeof options !== 'object' || options === null) throw new TypeError(`${quote(this.path)} must be an object.`);
    for (const name of Object.keys(options)) {
      if (!['keys', 'signingKid', 'rotation', 'clock', 'onError'].includes(name))
        throw new TypeError(`Unknown option ${quote(`${this.path}.${name}`)}.`);
    }
    if (options.clock !== undefined && typeof options.clock !== 'function')
      throw new TypeError(`${quote(`${this.path}.clock`)} must be a function.`);
    if (options.onError !== undefined && typeof options.onError !== 'function')
      throw new TypeError(`${quote(`${this.path}.onError`)} must be a function.`);
    this.clock = options.clock ?? internals.clock ?? systemClock;
    this.onError = options.onError ?? defaultOnError;
    this.rotation = resolveRotation(
      options.rotation,
      `${this.path}.rotation`,
      internals.retainForSeconds ?? DEFAULT_RETAIN_FOR_SECONDS,
    );
    this.createdAt = this.clock();
    let specs = options.keys ?? [];
    if (!Array.isArray(specs))
      throw new TypeError(`${quote(`${this.path}.keys`)} must be an array of keys, newest first.`);
    if (specs.length === 0) {
      if (this.rotation.algorithm === undefined) {
        throw new TypeError(
          `${quote(`${this.path}.keys`)} must list at least one key (or set ${quote(`${this.path}.rotation.algorithm`)} to generate one in this process).`,
        );
      }
      specs = [{ ...generateKeySpec(this.rotation.algorithm, this.createdAt), notBefore: undefined }];
    }
    this.install(specs, options.signingKid);
    const intervals = [
      this.rotation.everyMs === undefined
        ? undefined
        : Math.min(Math.max(this.rotation.publishAheadMs / 4, 1000), 3_600_000),
      internals.reload === undefined ? undefined : internals.reloadEveryMs,
    ].filter((ms): ms is number => ms !== undefined);
    if (intervals.length > 0) {
      // Unref'd: a key set never keeps a process alive; close() clears it.
      this.timer = setInterval(() => this.runScheduledWork(), Math.min(...intervals));
      this.timer.unref();
    }
  }

  /** The signing key's algorithm now. */
  get algorithm(): SigningAlgorithm {
    return this.currentSigner(this.clock()).key.algorithm;
  }

  /** The signing key's kid now. */
  get kid(): string {
    return this.currentSigner(this.clock()).key.kid;
  }

  /**
   * Counts removals of keys; a verifier that caches results clears its cache when it changes. Keys past their drop
   * time are dropped first: a cached token of a dropped key must stop verifying then, not when something next lists
   * the keys (verificationKey() already refuses it, but the cache does not ask).
   */
  get generation(): number {
    this.prune(this.clock());
    return this.removals;
  }

  /**
   * The key to sign a token expiring at `expiresAtSeconds` with, now. The set remembers the expiry so that it never
   * drops the key before that token has expired, whatever `retainFor` says.
   */
  signingKeyFor(expiresAtSeconds: number): PreparedKey {
    const entry = this.currentSigner(this.clock());
    entry.lastExpiryMs = Math.max(entry.lastExpiryMs, expiresAtSeconds * 1000);
    return entry.key;
  }

  /** The key named `kid` if it verifies now (published ahead, signing, or retired but not yet dropped). */
  verificationKey(kid: string): PreparedKey | undefined {
    const entry = this.byKid.get(kid);
    return entry !== undefined && this.dropAt(entry) > this.clock() ? entry.key : undefined;
  }

  /**
   * The never-published key to sign an internal token (refresh, challenge, device) of kind `use` expiring at
   * `expiresAtSeconds` with: derived from the signing key, which the set then keeps until that token has expired.
   */
  internalSigningKeyFor(use: InternalTokenUse, expiresAtSeconds: number): { kid: string; key: KeyObject } {
    const entry = this.currentSigner(this.clock());
    entry.lastExpiryMs = Math.max(entry.lastExpiryMs, expiresAtSeconds * 1000);
    // The signer always has its secret material (install() and rotateKeys() refuse a signer without it).
    const internal = internalKeysOf(entry.key) as NonNullable<ReturnType<typeof internalKeysOf>>;
    return { kid: internal.kid, key: internal.keys[use] };
  }

  /**
   * The internal key of kind `use` named `kid`, if the configured key it derives from verifies now: internal keys
   * follow the set through rotation, reloads and drops.
   */
  internalVerificationKey(use: InternalTokenUse, kid: string): KeyObject | undefined {
    const now = this.clock();
    for (const entry of this.entries) {
      const internal = internalKeysOf(entry.key);
      if (internal !== undefined && internal.kid === kid && this.dropAt(entry) > now) return internal.keys[use];
    }
    return undefined;
  }

  /** HMAC keys that also accept tokens with no kid (issued before every token carried one). */
  keysAcceptingMissingKid(): PreparedKey[] {
    const now = this.clock();
    return this.entries
      .filter((entry) => entry.key.acceptsMissingKid && this.dropAt(entry) > now)
      .map((entry) => entry.key);
  }

  /**
   * The public keys to publish: the next key, the signing key and every retired key that still verifies. Never a
   * private part or an HMAC secret: a set of HMAC keys publishes `{ keys: [] }`.
   *
   * @example
   * app.get('/.well-known/jwks.json', (_req, res) => res.set('Cache-Control', keys.jwksCacheControl()).json(keys.jwks()));
   */
  jwks(): Jwks {
    const now = this.clock();
    this.prune(now);
    const order: Record<KeyState, number> = { signing: 0, next: 1, retired: 2 };
    return {
      keys: this.entries
        .filter((entry) => entry.key.publicJwk !== undefined)
        .sort((a, b) => order[this.stateOf(a, now)] - order[this.stateOf(b, now)])
        .map((entry) => ({ ...(entry.key.publicJwk as PublicJwk) })),
    };
  }

  /**
   * The Cache-Control value for the JWKS: cached, but for less than half of `publishAhead`, so that every client has
   * refetched the set (and seen the next key) before that key signs.
   */
  jwksCacheControl(): string {
    return `public, max-age=${Math.max(1, Math.min(JWKS_MAX_AGE_SECONDS, Math.floor(this.rotation.publishAheadMs / 2000)))}`;
  }

  /** Every key with its state, signing key first. */
  listKeys(): KeyStatus[] {
    const now = this.clock();
    this.prune(now);
    return this.entries.map((entry) => {
      const dropAt = this.dropAt(entry);
      const signsFrom =
        entry.activation === undefined || entry.activation === Number.NEGATIVE_INFINITY ? undefined : entry.activation;
      return {
        kid: entry.key.kid,
        algorithm: entry.key.algorithm,
        state: this.stateOf(entry, now),
        signsFrom,
        retiredAt: entry.retiredAt,
        dropAt: Number.isFinite(dropAt) ? dropAt : undefined,
      };
    });
  }

  /**
   * Publishes the next key now; it starts signing after `publishAhead`. If a next key is already published, nothing
   * is created (calling this twice never piles up keys); with `publishAhead: 0` that waiting key signs at once.
   * The key that signed so far retires when the next one starts, and verifies for `retainFor` more.
   * Throws when the set comes from fixed configuration (a plain `secret`), or when it is full (`maxKeys`).
   */
  rotateKeys(options: RotateKeysOptions = {}): KeyRotation {
    const now = this.clock();
    const publishAheadMs =
      options.publishAhead === 0
        ? 0
        : seconds(options.publishAhead, 'publishAhead', this.rotation.publishAheadMs / 1000) * 1000;
    if (this.internals.rotate !== undefined) {
      const { specs, result } = this.internals.rotate({ ...options, publishAhead: publishAheadMs / 1000 }, now);
      this.install(specs, undefined);
      return result;
    }
    if (this.internals.fixed === true) {
      throw new Error(
        'These keys come from a fixed "secret": rotating them in one process would leave other instances unable to verify its tokens. Use a KeySet with "rotation", or a key directory (rotateKeyDirectory, the rotate-keys command).',
      );
    }
    this.prune(now);
    const pending = this.pending(now);
    if (pending !== undefined) {
      if (publishAheadMs === 0) {
        pending.activation = now;
        this.schedule();
      }
      return { kid: pending.key.kid, created: false, signsFrom: pending.activation as number };
    }
    if (this.entries.length >= this.rotation.maxKeys) {
      throw new Error(
        `The key set already holds ${this.entries.length} keys ("maxKeys"), each still verifying tokens; rotate again once retired keys are dropped.`,
      );
    }
    const algorithm = options.algorithm ?? this.rotation.algorithm ?? this.currentSigner(now).key.algorithm;
    const spec = generateKeySpec(algorithm, now + publishAheadMs);
    const key = prepareKey(spec, 'rotation', { mustSign: true });
    const entry: KeyEntry = {
      key,
      activation: now + publishAheadMs,
      retiredAt: undefined,
      dropBase: Number.POSITIVE_INFINITY,
      lastExpiryMs: 0,
    };
    this.entries.push(entry);
    this.byKid.set(key.kid, entry);
    this.schedule();
    return { kid: key.kid, created: true, signsFrom: now + publishAheadMs };
  }

  /**
   * What the timer does, callable directly (tests with a fake clock, or a host's own scheduler): reloads the keys'
   * home if it has one, rotates when `rotation.every` says so, and drops keys past their time. Errors go to `onError`.
   */
  runScheduledWork(): void {
    try {
      const reloaded = this.internals.reload?.();
      if (reloaded !== undefined) this.install(reloaded, undefined);
      const now = this.clock();
      this.prune(now);
      if (this.internals.rotate === undefined && this.isRotationDue(now)) this.rotateKeys();
    } catch (error) {
      this.onError(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Stops the schedule. The keys stay usable. */
  close(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
  }

  private isRotationDue(now: number): boolean {
    const { everyMs, publishAheadMs } = this.rotation;
    if (everyMs === undefined || this.pending(now) !== undefined) return false;
    const activation = this.currentSigner(now).activation as number;
    const since = Number.isFinite(activation) ? activation : this.createdAt;
    return now >= since + everyMs - publishAheadMs;
  }

  /** Replaces the keys with `specs` (validated as at start-up), keeping what this process knows of each kid's tokens. */
  private install(specs: readonly KeySpec[], signingKid: string | undefined): void {
    const path = `${this.path}.keys`;
    const previous = this.byKid;
    const prepared = specs.map((spec, index) => prepareKey(spec, `${path}[${index}]`, { mustSign: false }));
    const byKid = new Map<string, KeyEntry>();
    prepared.forEach((key, index) => {
      const duplicate = prepared.findIndex((other) => other.kid === key.kid);
      if (duplicate !== index)
        throw new TypeError(
          `${quote(`${path}[${index}].kid`)} duplicates ${quote(`${path}[${duplicate}].kid`)} ("${key.kid}"): every key needs its own kid.`,
        );
    });
    if (prepared.length > this.rotation.maxKeys) {
      throw new TypeError(
        `${quote(path)} lists ${prepared.length} keys; ${quote(`${this.path}.rotation.maxKeys`)} allows ${this.rotation.maxKeys}.`,
      );
    }
    let initialIndex = prepared.findIndex((key) => key.notBefore === undefined);
    if (signingKid !== undefined) {
      checkKid(signingKid, `${this.path}.signingKid`);
      initialIndex = prepared.findIndex((key) => key.kid === signingKid);
      if (initialIndex < 0)
        throw new TypeError(`${quote(`${this.path}.signingKid`)} names no key of ${quote(path)}: "${signingKid}".`);
    }
    const entries = prepared.map((key, index): KeyEntry => {
      const inChain = key.notBefore !== undefined || index === initialIndex;
      if (inChain && key.signingKey === undefined) {
        throw new TypeError(
          `${quote(`${path}[${index}].privateKey`)} is missing: this key ${key.notBefore === undefined ? 'signs now' : 'signs from its notBefore'}, and signing needs the private key.`,
        );
      }
      const activation = !inChain
        ? undefined
        : (key.notBefore ?? (index === initialIndex ? Number.NEGATIVE_INFINITY : undefined));
      const entry: KeyEntry = {
        key,
        activation,
        retiredAt: undefined,
        dropBase: Number.POSITIVE_INFINITY,
        lastExpiryMs: previous.get(key.kid)?.lastExpiryMs ?? 0,
      };
      byKid.set(key.kid, entry);
      return entry;
    });
    // Tokens signed before kids were shortened name their key by its old kid: it finds the same key, unless a key of
    // the set has that kid as its own.
    for (const entry of entries)
      for (const legacy of entry.key.legacyKids) if (!byKid.has(legacy)) byKid.set(legacy, entry);
    const now = this.clock();
    const old = { entries: this.entries, byKid: this.byKid };
    this.entries = entries;
    this.byKid = byKid;
    this.schedule();
    const signer = this.findSigner(now);
    if (signer === undefined || (signingKid !== undefined && signer.key.kid !== signingKid)) {
      this.entries = old.entries;
      this.byKid = old.byKid;
      throw new TypeError(
        signer === undefined
          ? `${quote(path)} has no key that can sign now: every notBefore is in the future, or every key is retired.`
          : `${quote(`${this.path}.signingKid`)} is "${signingKid}", but "${signer.key.kid}" has a notBefore that has passed and signs instead.`,
      );
    }
    // A removed kid, or a kid whose key changed, may still be in a verifier's cache: make it start over.
    if (
      [...previous].some(
        ([kid, entry]) => byKid.get(kid)?.key.verificationKey.equals(entry.key.verificationKey) !== true,
      )
    )
      this.removals += 1;
  }

  /** Recomputes each key's retirement from the order keys start signing in. */
  private schedule(): void {
    const chain = this.entries
      .filter((entry) => entry.activation !== undefined)
      .sort((a, b) => (a.activation as number) - (b.activation as number));
    for (const entry of this.entries) {
      const successor = chain[chain.indexOf(entry) + 1];
      const retiredAt = Math.min(
        entry.key.retireAt ?? Number.POSITIVE_INFINITY,
        entry.activation === undefined ? Number.POSITIVE_INFINITY : (successor?.activation ?? Number.POSITIVE_INFINITY),
      );
      entry.retiredAt = Number.isFinite(retiredAt) ? retiredAt : undefined;
      entry.dropBase =
        entry.retiredAt === undefined ? Number.POSITIVE_INFINITY : entry.retiredAt + this.rotation.retainForMs;
    }
  }

  private findSigner(now: number): KeyEntry | undefined {
    let signer: KeyEntry | undefined;
    for (const entry of this.entries) {
      if (entry.activation === undefined || entry.activation > now) continue;
      if (entry.retiredAt !== undefined && entry.retiredAt <= now) continue;
      if (signer === undefined || entry.activation > (signer.activation as number)) signer = entry;
    }
    return signer;
  }

  private currentSigner(now: number): KeyEntry {
    const signer = this.findSigner(now);
    // Only reachable when every key was given a retireAt that has now passed with no successor: refuse to sign with
    // a key past its retirement rather than issue tokens the set will drop while they are still valid.
    if (signer === undefined)
      throw new Error('No key of the key set can sign now: every key is retired and no next key was published.');
    return signer;
  }

  private pending(now: number): KeyEntry | undefined {
    return this.entries.find((entry) => entry.activation !== undefined && entry.activation > now);
  }

  private dropAt(entry: KeyEntry): number {
    return Math.max(entry.dropBase, entry.lastExpiryMs + MAX_SKEW_MS);
  }

  private stateOf(entry: KeyEntry, now: number): KeyState {
    if (entry.activation !== undefined && entry.activation > now) return 'next';
    return this.findSigner(now) === entry ? 'signing' : 'retired';
  }

  private prune(now: number): void {
    // The guard asks on every request (generation): find out first, without allocating, whether any key is due.
    let due = false;
    for (const entry of this.entries) if (this.dropAt(entry) <= now) due = true;
    if (!due) return;
    const kept = this.entries.filter((entry) => this.dropAt(entry) > now);
    for (const [kid, entry] of this.byKid) if (!kept.includes(entry)) this.byKid.delete(kid);
    this.entries = kept;
    this.removals += 1;
  }
}
