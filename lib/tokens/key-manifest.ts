// A key directory's files: the manifest `keys.json` (which keys, when each signs) and the PEM files it names, read and
// checked so that no name leaves the directory, and written so that no reader ever sees half a file.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createPrivateKey } from 'node:crypto';
import { isAsymmetricAlgorithm, type AsymmetricAlgorithm } from './jws';
import { prepareKey, type AsymmetricKeySpec } from './key-material';
import { DEFAULT_PUBLISH_AHEAD_SECONDS, DEFAULT_RETAIN_FOR_SECONDS } from './key-set-options';

export const MANIFEST_FILE = 'keys.json';
export const JWKS_FILE = 'jwks.json';
/** What generate-keys writes (and what a directory without a manifest holds). */
export const PRIVATE_KEY_FILE = 'private.pem';
export const PUBLIC_KEY_FILE = 'public.pem';

/** One key in `keys.json`. Times are ISO 8601; file names are relative to the directory. */
export interface KeyManifestEntry {
  kid: string;
  alg: AsymmetricAlgorithm;
  privateKey: string;
  publicKey: string;
  /** When it signs from; null for a key that was signing before the manifest existed. */
  notBefore: string | null;
  /** When it stops signing, if set by hand; otherwise when the next key starts. */
  retireAt: string | null;
  /** When this directory first held it (the start of its `every` period when notBefore is null). */
  createdAt: string;
}

/** `keys.json`: every instance loading the directory applies the same schedule. */
export interface KeyManifest {
  version: 1;
  publishAheadSeconds: number;
  retainForSeconds: number;
  keys: KeyManifestEntry[];
}

function fail(dir: string, message: string, cause?: unknown): never {
  throw new TypeError(`Key directory "${dir}": ${message}`, cause === undefined ? undefined : { cause });
}

/** A file name of the manifest, refused if it would leave the directory. */
export function fileIn(dir: string, name: unknown): string {
  if (typeof name !== 'string' || name.length === 0 || basename(name) !== name || name.startsWith('.'))
    fail(dir, `${JSON.stringify(name)} is not a plain file name.`);
  return join(dir, name);
}

function algorithmOf(privatePem: string, dir: string): AsymmetricAlgorithm {
  const type = createPrivateKey(privatePem).asymmetricKeyType;
  if (type === 'ed25519') return 'EdDSA';
  if (type === 'ec') return 'ES256';
  if (type === 'rsa') return 'RS256';
  return fail(dir, `${PRIVATE_KEY_FILE} is a ${String(type)} key; use EdDSA (Ed25519), ES256 (P-256) or RS256.`);
}

/** Reads `keys.json`, or builds a manifest around a lone private.pem/public.pem as generate-keys writes them. */
export function readKeyManifest(dir: string, now: number = Date.now()): KeyManifest {
  const manifestPath = join(dir, MANIFEST_FILE);
  if (existsSync(manifestPath)) return parseManifest(readFileSync(manifestPath, 'utf8'), dir);
  const privatePath = join(dir, PRIVATE_KEY_FILE);
  if (!existsSync(privatePath))
    fail(dir, `neither ${MANIFEST_FILE} nor ${PRIVATE_KEY_FILE} is there (create one with generate-keys).`);
  const privatePem = readFileSync(privatePath, 'utf8');
  const alg = algorithmOf(privatePem, dir);
  const publicFile = existsSync(join(dir, PUBLIC_KEY_FILE)) ? PUBLIC_KEY_FILE : PRIVATE_KEY_FILE;
  const key = prepareKey(
    { algorithm: alg, privateKey: privatePem, publicKey: readFileSync(join(dir, publicFile), 'utf8') },
    `${dir}/${PRIVATE_KEY_FILE}`,
    { mustSign: true },
  );
  return {
    version: 1,
    publishAheadSeconds: DEFAULT_PUBLISH_AHEAD_SECONDS,
    retainForSeconds: DEFAULT_RETAIN_FOR_SECONDS,
    keys: [
      {
        kid: key.kid,
        alg,
        privateKey: PRIVATE_KEY_FILE,
        publicKey: publicFile,
        notBefore: null,
        retireAt: null,
        createdAt: new Date(now).toISOString(),
      },
    ],
  };
}

function parseManifest(text: string, dir: string): KeyManifest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    fail(dir, `${MANIFEST_FILE} is not JSON.`, cause);
  }
  const manifest = parsed as Partial<KeyManifest> | null;
  if (manifest === null || typeof manifest !== 'object' || manifest.version !== 1 || !Array.isArray(manifest.keys)) {
    fail(dir, `${MANIFEST_FILE} must be { "version": 1, "keys": [...] }.`);
  }
  for (const field of ['publishAheadSeconds', 'retainForSeconds'] as const) {
    if (!Number.isSafeInteger(manifest[field]) || (manifest[field] as number) <= 0)
      fail(dir, `${MANIFEST_FILE} "${field}" must be a positive integer.`);
  }
  for (const [index, entry] of manifest.keys.entries()) {
    const valid =
      typeof entry === 'object' &&
      entry !== null &&
      typeof entry.kid === 'string' &&
      isAsymmetricAlgorithm(entry.alg) &&
      [entry.notBefore, entry.retireAt].every(
        (time) => time === null || (typeof time === 'string' && Number.isFinite(Date.parse(time))),
      ) &&
      typeof entry.createdAt === 'string' &&
      Number.isFinite(Date.parse(entry.createdAt));
    if (!valid)
      fail(
        dir,
        `${MANIFEST_FILE} keys[${index}] must have kid, alg (EdDSA, ES256 or RS256), privateKey, publicKey, notBefore, retireAt and createdAt.`,
      );
    fileIn(dir, entry.privateKey);
    fileIn(dir, entry.publicKey);
  }
  return manifest as KeyManifest;
}

/** The key specs of a manifest, each key read from its files. */
export function specsOf(manifest: KeyManifest, dir: string): AsymmetricKeySpec[] {
  return manifest.keys.map((entry) => ({
    kid: entry.kid,
    algorithm: entry.alg,
    privateKey: readFileSync(fileIn(dir, entry.privateKey)),
    publicKey: readFileSync(fileIn(dir, entry.publicKey)),
    notBefore: entry.notBefore === null ? undefined : Date.parse(entry.notBefore),
    retireAt: entry.retireAt === null ? undefined : Date.parse(entry.retireAt),
  }));
}

/** Writes through a temporary file and a rename, so a reader never sees half a file. */
export function writeAtomically(path: string, text: string, mode = 0o644): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode });
  renameSync(temporary, path);
}
