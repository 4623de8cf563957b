// A key set: one key signs, every key still in use verifies, and rotation publishes a key before it signs and keeps a
// retired one until every token it signed has expired. Its options live in key-set-options, the keys' schedule in
// key-entries; this class holds the keys and answers the token service (signing, and verification on every request).
import type { KeyObject } from 'node:crypto';
import { systemClock, type Clock } from '../primitives/clock';
import type { SigningAlgorithm } from './jws';
import { internalKeysOf, type InternalTokenUse } from './internal-keys';
import { type KeySpec, type PreparedKey } from './key-material';
import {
  checkRoomForAnotherKey,
  checkSignerNow,
  findSigner,
  generatedEntry,
  keyStatusOf,
  newestPublicJwksFirst,
  prepareEntries,
  scheduleRetirements,
  type KeyEntry,
} from './key-entries';
import {
  checkKeySetOptions,
  defaultOnError,
  FIXED_KEYS_CANNOT_ROTATE,
  initialKeySpecs,
  jwksMaxAgeSeconds,
  resolveRotation,
  rotationPublishAheadMs,
  scheduledWorkIntervalMs,
  type Jwks,
  type KeyRotation,
  type KeySetInternals,
  type KeySetOptions,
  type KeyState,
  type KeyStatus,
  type ResolvedRotation,
  type RotateKeysOptions,
} from './key-set-options';

// Where the rest of the code imports them from.
export type {
  Jwks,
  KeyRotation,
  KeySetInternals,
  KeySetOptions,
  KeySetRotationOptions,
  KeyState,
  KeyStatus,
  RotateKeysOptions,
} from './key-set-options';

/** options (tokens.clockSkewSeconds) cap the skew at 60: a token verifies up to that long after its exp. */
const MAX_SKEW_MS = 60_000;

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
    checkKeySetOptions(options, this.path);
    this.clock = options.clock ?? internals.clock ?? systemClock;
    this.onError = options.onError ?? defaultOnError;
    this.rotation = resolveRotation(options.rotation, `${this.path}.rotation`, internals.retainForSeconds);
    this.createdAt = this.clock();
    this.install(initialKeySpecs(options.keys, this.rotation, this.path, this.createdAt), options.signingKid);
    const intervalMs = scheduledWorkIntervalMs(this.rotation, internals);
    if (intervalMs !== undefined) {
      // Unref'd: a key set never keeps a process alive; close() clears it.
      this.timer = setInterval(() => this.runScheduledWork(), intervalMs);
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
    return { keys: newestPublicJwksFirst(this.entries, (entry) => this.stateOf(entry, now)) };
  }

  /**
   * The Cache-Control value for the JWKS: cached, but for less than half of `publishAhead`, so that every client has
   * refetched the set (and seen the next key) before that key signs.
   */
  jwksCacheControl(): string {
    return `public, max-age=${jwksMaxAgeSeconds(this.rotation.publishAheadMs)}`;
  }

  /** Every key with its state, signing key first. */
  listKeys(): KeyStatus[] {
    const now = this.clock();
    this.prune(now);
    return this.entries.map((entry) => keyStatusOf(entry, this.stateOf(entry, now), this.dropAt(entry)));
  }

  /**
   * Publishes the next key now; it starts signing after `publishAhead`. If a next key is already published, nothing
   * is created (calling this twice never piles up keys); with `publishAhead: 0` that waiting key signs at once.
   * The key that signed so far retires when the next one starts, and verifies for `retainFor` more.
   * Throws when the set comes from fixed configuration (a plain `secret`), or when it is full (`maxKeys`).
   */
  rotateKeys(options: RotateKeysOptions = {}): KeyRotation {
    const now = this.clock();
    const publishAheadMs = rotationPublishAheadMs(options.publishAhead, this.rotation.publishAheadMs);
    if (this.internals.rotate !== undefined) {
      const { specs, result } = this.internals.rotate({ ...options, publishAhead: publishAheadMs / 1000 }, now);
      this.install(specs, undefined);
      return result;
    }
    if (this.internals.fixed === true) throw new Error(FIXED_KEYS_CANNOT_ROTATE);
    this.prune(now);
    const pending = this.pending(now);
    if (pending !== undefined) {
      if (publishAheadMs === 0) {
        pending.activation = now;
        scheduleRetirements(this.entries, this.rotation.retainForMs);
      }
      return { kid: pending.key.kid, created: false, signsFrom: pending.activation as number };
    }
    checkRoomForAnotherKey(this.entries.length, this.rotation.maxKeys);
    const algorithm = options.algorithm ?? this.rotation.algorithm ?? this.currentSigner(now).key.algorithm;
    const entry = generatedEntry(algorithm, now + publishAheadMs);
    this.entries.push(entry);
    this.byKid.set(entry.key.kid, entry);
    scheduleRetirements(this.entries, this.rotation.retainForMs);
    return { kid: entry.key.kid, created: true, signsFrom: now + publishAheadMs };
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
    const previous = this.byKid;
    const { entries, byKid } = prepareEntries(specs, signingKid, this.path, this.rotation.maxKeys, previous);
    // Checked before they replace the current keys: a refused reload leaves the set as it was.
    scheduleRetirements(entries, this.rotation.retainForMs);
    checkSignerNow(entries, signingKid, this.path, this.clock());
    this.entries = entries;
    this.byKid = byKid;
    // A removed kid, or a kid whose key changed, may still be in a verifier's cache: make it start over.
    if (
      [...previous].some(
        ([kid, entry]) => byKid.get(kid)?.key.verificationKey.equals(entry.key.verificationKey) !== true,
      )
    )
      this.removals += 1;
  }

  private currentSigner(now: number): KeyEntry {
    const signer = findSigner(this.entries, now);
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
    return findSigner(this.entries, now) === entry ? 'signing' : 'retired';
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
