// Keys kept as files, so that every instance of a deployment reads the same set: PEM files, a manifest `keys.json`
// saying when each key signs (key-manifest reads and writes them), and the `jwks.json` to publish. The CLI's
// generate-keys and rotate-keys call these.
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock, type Clock } from '../primitives/clock';
import { parseDuration, type Duration } from '../primitives/duration';
import { isAsymmetricAlgorithm, type AsymmetricAlgorithm } from './jws';
import { generateKeyPair, type GeneratedKeyPair } from './key-material';
import { KeySet, type Jwks, type KeyRotation, type KeyStatus } from './key-set';
import {
  fileIn,
  JWKS_FILE,
  MANIFEST_FILE,
  PRIVATE_KEY_FILE,
  PUBLIC_KEY_FILE,
  readKeyManifest,
  specsOf,
  writeAtomically,
  type KeyManifest,
  type KeyManifestEntry,
} from './key-manifest';

// Where the CLI and the tests import them from.
export { JWKS_FILE, MANIFEST_FILE, PRIVATE_KEY_FILE, PUBLIC_KEY_FILE } from './key-manifest';
export type { KeyManifest, KeyManifestEntry } from './key-manifest';

export interface LoadKeyDirectoryOptions {
  /** Re-read the directory this often, so instances pick up a rotation made elsewhere. Keep it well under publishAhead. @default '5m' */
  reloadEvery?: Duration;
  clock?: Clock;
  /** Told when a reload fails; the set keeps its keys. @default process.emitWarning */
  onError?: (error: Error) => void;
}

export interface RotateKeyDirectoryOptions {
  /** The algorithm of the new key. @default the signing key's */
  algorithm?: AsymmetricAlgorithm;
  /**
   * Create the next key only when the signing key is this old (minus publishAhead): a daily cron job with
   * `every: '30d'` rotates monthly. @default unset: every call rotates (unless a next key is already waiting)
   */
  every?: Duration;
  /** How long the new key is published before it signs; 0 makes a waiting or new key sign at once. @default the manifest's, else '1h' */
  publishAhead?: Duration | 0;
  /** How long a retired key keeps verifying; stored in the manifest. @default the manifest's, else 30 days + 60 s */
  retainFor?: Duration;
  clock?: Clock;
}

/** What rotateKeyDirectory did. */
export interface KeyDirectoryRotation {
  /** The kid created by this call, if any. */
  created: string | undefined;
  /** Kids dropped (every token they signed has expired): removed from the manifest, their `<kid>.*.pem` files deleted. */
  dropped: string[];
  /** The keys after the rotation. */
  keys: KeyStatus[];
  jwks: Jwks;
}

/** The directory's keys as a KeySet, to read their states and drop times the way every instance will. */
function keySetOf(manifest: KeyManifest, dir: string, clock: Clock): KeySet {
  return new KeySet(
    {
      keys: specsOf(manifest, dir),
      rotation: { publishAhead: manifest.publishAheadSeconds, retainFor: manifest.retainForSeconds },
      clock,
    },
    { path: `keyDirectory("${dir}")` },
  );
}

/**
 * Loads the keys of `dir` (as written by generate-keys and rotate-keys) into a KeySet, and re-reads the directory
 * every `reloadEvery` so that a rotation made by the CLI or another instance reaches this one before the new key signs.
 * `rotateKeys()` on the returned set rotates the directory itself.
 *
 * @example
 * const keys = loadKeySetFromDirectory('/etc/my-app/jwt-keys');
 * const auth = createAuth({ secret: keys, users });
 */
export function loadKeySetFromDirectory(dir: string, options: LoadKeyDirectoryOptions = {}): KeySet {
  const clock = options.clock ?? systemClock;
  const reloadSeconds = options.reloadEvery === undefined ? 300 : parseDuration(options.reloadEvery);
  if (reloadSeconds === undefined)
    throw new TypeError(`"reloadEvery" must be a duration such as '5m'; got ${JSON.stringify(options.reloadEvery)}.`);
  const manifestPath = join(dir, MANIFEST_FILE);
  const snapshot = (): string => (existsSync(manifestPath) ? readFileSync(manifestPath, 'utf8') : '');
  let seen = snapshot();
  const manifest = readKeyManifest(dir, clock());
  if (reloadSeconds * 1000 >= manifest.publishAheadSeconds * 1000) {
    throw new TypeError(
      `"reloadEvery" (${reloadSeconds} s) must be shorter than the directory's publishAhead (${manifest.publishAheadSeconds} s), or instances would sign with keys others do not know yet.`,
    );
  }
  return new KeySet(
    {
      keys: specsOf(manifest, dir),
      rotation: { publishAhead: manifest.publishAheadSeconds, retainFor: manifest.retainForSeconds },
      clock,
      ...(options.onError !== undefined ? { onError: options.onError } : {}),
    },
    {
      path: `keyDirectory("${dir}")`,
      reloadEveryMs: reloadSeconds * 1000,
      reload: () => {
        const text = snapshot();
        if (text === seen) return undefined;
        seen = text;
        return specsOf(readKeyManifest(dir, clock()), dir);
      },
      rotate: (rotateOptions, now) => {
        const before = new Set(readKeyManifest(dir, now).keys.map((entry) => entry.kid));
        const result = rotateKeyDirectory(dir, {
          ...rotateOptions,
          algorithm: rotateOptions.algorithm as AsymmetricAlgorithm | undefined,
          clock: () => now,
        });
        seen = snapshot();
        const after = readKeyManifest(dir, now);
        const next =
          result.keys.find((status) => status.state === 'next') ??
          result.keys.find((status) => status.state === 'signing');
        const rotation: KeyRotation = {
          kid: next?.kid ?? '',
          created: next !== undefined && !before.has(next.kid),
          signsFrom: next?.signsFrom ?? now,
        };
        return { specs: specsOf(after, dir), result: rotation };
      },
    },
  );
}

/**
 * Generates a key pair into `dir` as `private.pem` (mode 0600), `public.pem` and `jwks.json` (what the CLI's
 * generate-keys writes). Refuses to overwrite an existing private.pem.
 */
export function generateKeyDirectory(dir: string, algorithm: AsymmetricAlgorithm): GeneratedKeyPair {
  const pair = generateKeyPair(algorithm);
  // 'wx': never overwrite a key that may be signing somewhere.
  writeFileSync(join(dir, PRIVATE_KEY_FILE), pair.privateKeyPem, { mode: 0o600, flag: 'wx' });
  writeFileSync(join(dir, PUBLIC_KEY_FILE), pair.publicKeyPem, { mode: 0o644 });
  writeAtomically(join(dir, JWKS_FILE), `${JSON.stringify({ keys: [pair.publicJwk] }, null, 2)}\n`);
  return pair;
}

/** The rotation's schedule: updates the manifest's stored durations from `options`, and returns this run's. */
function resolveDirectorySchedule(
  manifest: KeyManifest,
  options: RotateKeyDirectoryOptions,
): { publishAheadSeconds: number; everySeconds: number | undefined } {
  if (options.retainFor !== undefined) {
    const retainFor = parseDuration(options.retainFor);
    if (retainFor === undefined)
      throw new TypeError(`"retainFor" must be a duration such as '31d'; got ${JSON.stringify(options.retainFor)}.`);
    manifest.retainForSeconds = retainFor;
  }
  let publishAheadSeconds = manifest.publishAheadSeconds;
  if (options.publishAhead !== undefined && options.publishAhead !== 0) {
    const parsed = parseDuration(options.publishAhead);
    if (parsed === undefined || parsed < 60)
      throw new TypeError(
        `"publishAhead" must be 0 or a duration of at least 60 s; got ${JSON.stringify(options.publishAhead)}.`,
      );
    manifest.publishAheadSeconds = publishAheadSeconds = parsed;
  }
  if (options.publishAhead === 0) publishAheadSeconds = 0;
  const everySeconds = options.every === undefined ? undefined : parseDuration(options.every);
  if (options.every !== undefined && (everySeconds === undefined || everySeconds <= publishAheadSeconds)) {
    throw new TypeError(
      `"every" must be a duration longer than publishAhead (${publishAheadSeconds} s); got ${JSON.stringify(options.every)}.`,
    );
  }
  if (options.algorithm !== undefined && !isAsymmetricAlgorithm(options.algorithm)) {
    throw new TypeError(`"algorithm" must be EdDSA, ES256 or RS256; got ${String(options.algorithm)}.`);
  }
  return { publishAheadSeconds, everySeconds };
}

/**
 * Publishes the next key if none is waiting and `every` says one is due (or makes a waiting key sign now when
 * publishAhead is 0): writes its PEM files and lists it first in `manifest`. Returns the kid created, if any.
 */
function publishNextKey(
  dir: string,
  manifest: KeyManifest,
  schedule: {
    publishAheadSeconds: number;
    everySeconds: number | undefined;
    algorithm: AsymmetricAlgorithm | undefined;
  },
  clock: Clock,
  now: number,
): string | undefined {
  const { publishAheadSeconds, everySeconds } = schedule;
  const current = keySetOf(manifest, dir, clock).listKeys();
  const waiting = manifest.keys.find((entry) => current.find((status) => status.kid === entry.kid)?.state === 'next');
  const signing = manifest.keys.find(
    (entry) => entry.kid === current.find((status) => status.state === 'signing')?.kid,
  ) as KeyManifestEntry;
  if (waiting !== undefined) {
    // A key is already published and waiting: never stack another; "publish ahead 0" means "let it sign now".
    if (publishAheadSeconds === 0) waiting.notBefore = new Date(now).toISOString();
    return undefined;
  }
  const since = Date.parse(signing.notBefore ?? signing.createdAt);
  if (everySeconds !== undefined && now < since + (everySeconds - publishAheadSeconds) * 1000) return undefined;
  const pair = generateKeyPair(schedule.algorithm ?? signing.alg);
  const privateFile = `${pair.kid}.private.pem`;
  const publicFile = `${pair.kid}.public.pem`;
  writeFileSync(fileIn(dir, privateFile), pair.privateKeyPem, { mode: 0o600, flag: 'wx' });
  writeFileSync(fileIn(dir, publicFile), pair.publicKeyPem, { mode: 0o644 });
  // Newest first, as a KeySet lists keys.
  manifest.keys.unshift({
    kid: pair.kid,
    alg: pair.algorithm,
    privateKey: privateFile,
    publicKey: publicFile,
    notBefore: new Date(now + publishAheadSeconds * 1000).toISOString(),
    retireAt: null,
    createdAt: new Date(now).toISOString(),
  });
  return pair.kid;
}

/**
 * One rotation step for a key directory (what rotate-keys runs, e.g. daily from cron):
 * drops keys whose tokens have all expired, then publishes the next key — due per `every`, and only if none is
 * waiting — which starts signing `publishAhead` later; rewrites `keys.json` and `jwks.json`. Safe to run repeatedly.
 * Run it in one place (a cron job, the CLI): instances only read the directory.
 */
export function rotateKeyDirectory(dir: string, options: RotateKeyDirectoryOptions = {}): KeyDirectoryRotation {
  const clock = options.clock ?? systemClock;
  const now = clock();
  const manifest = readKeyManifest(dir, now);
  const schedule = resolveDirectorySchedule(manifest, options);
  const created = publishNextKey(dir, manifest, { ...schedule, algorithm: options.algorithm }, clock, now);

  // Whatever the schedule drops now (a KeySet prunes keys past retirement + retainFor) leaves the manifest.
  const after = keySetOf(manifest, dir, clock);
  const kept = new Set(after.listKeys().map((status) => status.kid));
  const dropped = manifest.keys.filter((entry) => !kept.has(entry.kid));
  manifest.keys = manifest.keys.filter((entry) => kept.has(entry.kid));
  writeAtomically(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  const jwks = after.jwks();
  writeAtomically(join(dir, JWKS_FILE), `${JSON.stringify(jwks, null, 2)}\n`);
  for (const entry of dropped) {
    // Only files this function named after the kid: a host's own private.pem is left for the host to remove.
    for (const file of [entry.privateKey, entry.publicKey]) {
      if (file.startsWith(`${entry.kid}.`) && existsSync(join(dir, file))) unlinkSync(join(dir, file));
    }
  }
  return { created, dropped: dropped.map((entry) => entry.kid), keys: after.listKeys(), jwks };
}
