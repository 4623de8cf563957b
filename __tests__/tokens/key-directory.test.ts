// Key directories: generate-keys output, rotate-keys steps on a fake clock, and instances that agree by reading them.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  generateKeyDirectory,
  loadKeySetFromDirectory,
  rotateKeyDirectory,
  type KeyManifest,
} from '../../lib/tokens/key-directory';
import { jwkThumbprint } from '../../lib/tokens/key-material';
import type { KeySet } from '../../lib/tokens/key-set';
import { TokenService } from '../../lib/tokens/token-service';
import { createFakeClock, type FakeClock, testTokenService } from '../helpers/keys';

const HOUR = 3_600_000;
let dir: string;
let clock: FakeClock;
const sets: KeySet[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'auth-keys-'));
  clock = createFakeClock();
});

afterEach(() => {
  for (const set of sets.splice(0)) set.close();
  rmSync(dir, { recursive: true, force: true });
});

function load(options: { reloadEvery?: '1m' } = {}): KeySet {
  const set = loadKeySetFromDirectory(dir, { clock, ...options });
  sets.push(set);
  return set;
}

function service(keys: KeySet): TokenService {
  return testTokenService({
    keys,
    clock,
  });
}

const kidOf = (token: string): unknown =>
  (JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString()) as { kid: unknown }).kid;
const readJson = <T>(file: string): T => JSON.parse(readFileSync(join(dir, file), 'utf8')) as T;

it('generate-keys output: private.pem (0600), public.pem, jwks.json with the thumbprint kid; it loads and signs', () => {
  const pair = generateKeyDirectory(dir, 'EdDSA');
  expect(statSync(join(dir, 'private.pem')).mode & 0o777).toBe(0o600);
  expect(readFileSync(join(dir, 'public.pem'), 'utf8')).toBe(pair.publicKeyPem);
  const jwks = readJson<{ keys: { kid: string; alg: string; use: string; d?: string }[] }>('jwks.json');
  expect(jwks.keys).toEqual([pair.publicJwk]);
  expect(jwks.keys[0]).toMatchObject({ kid: pair.kid, alg: 'EdDSA', use: 'sig' });
  expect(jwks.keys[0]?.d).toBeUndefined();
  expect(pair.kid).toBe(jwkThumbprint(pair.publicJwk).slice(0, 8));
  const tokens = service(load());
  const { token } = tokens.sign('access', { sub: '1', auth: '' }, 60);
  expect(kidOf(token)).toBe(pair.kid);
  expect(tokens.verifyAccess(token).sub).toBe('1');
  // Never overwrites a key that may be signing somewhere.
  expect(() => generateKeyDirectory(dir, 'EdDSA')).toThrow(/EEXIST/);
});

it('rotate-keys round trip: publish ahead, sign after, drop after retainFor; instances reloading agree', () => {
  const first = generateKeyDirectory(dir, 'ES256');
  const instanceA = load({ reloadEvery: '1m' });
  const tokensA = service(instanceA);
  const oldToken = tokensA.sign('access', { sub: '1', auth: '' }, 3600).token;

  const step = rotateKeyDirectory(dir, { clock, publishAhead: '1h', retainFor: '2h' });
  expect(step.created).toEqual(expect.any(String));
  const next = step.created as string;
  expect(step.keys.map((key) => [key.kid, key.state])).toEqual([
    [next, 'next'],
    [first.kid, 'signing'],
  ]);
  expect(readJson<{ keys: { kid: string }[] }>('jwks.json').keys.map((key) => key.kid)).toEqual([first.kid, next]);
  expect(statSync(join(dir, `${next}.private.pem`)).mode & 0o777).toBe(0o600);
  const manifest = readJson<KeyManifest>('keys.json');
  expect(manifest).toMatchObject({ version: 1, publishAheadSeconds: 3600, retainForSeconds: 7200 });
  // Running it again (a daily cron job) piles nothing up.
  expect(rotateKeyDirectory(dir, { clock }).created).toBeUndefined();
  expect(readJson<KeyManifest>('keys.json').keys).toHaveLength(2);

  // Instance A picks the change up on its next reload; a new instance B starts with it. Both agree on the signer.
  instanceA.runScheduledWork();
  const tokensB = service(load());
  expect(instanceA.jwks().keys.map((key) => key.kid)).toEqual([first.kid, next]);
  expect(kidOf(tokensB.sign('access', { sub: '1', auth: '' }, 60).token)).toBe(first.kid);
  clock.advance(HOUR);
  const newToken = tokensB.sign('access', { sub: '2', auth: '' }, 3600).token;
  expect(kidOf(newToken)).toBe(next);
  expect(kidOf(tokensA.sign('access', { sub: '2', auth: '' }, 60).token)).toBe(next);
  expect(tokensA.verifyAccess(newToken).sub).toBe('2');
  expect(tokensB.verifyAccess(oldToken).sub).toBe('1');

  // With `every`, the cron job only rotates when the signing key is old enough.
  expect(rotateKeyDirectory(dir, { clock, every: '30d' }).created).toBeUndefined();

  // Retired at +1h, kept 2h: dropped at +3h. The adopted private.pem is the host's file and stays.
  clock.advance(2 * HOUR - 1000);
  expect(rotateKeyDirectory(dir, { clock, every: '30d' }).dropped).toEqual([]);
  clock.advance(1000);
  const drop = rotateKeyDirectory(dir, { clock, every: '30d' });
  expect(drop).toMatchObject({ created: undefined, dropped: [first.kid] });
  expect(readJson<{ keys: { kid: string }[] }>('jwks.json').keys.map((key) => key.kid)).toEqual([next]);
  expect(existsSync(join(dir, 'private.pem'))).toBe(true);

  // A second generation: the dropped key's own files are deleted.
  const third = rotateKeyDirectory(dir, { clock, publishAhead: '1h' }).created as string;
  clock.advance(HOUR + 2 * HOUR);
  expect(rotateKeyDirectory(dir, { clock, every: '30d' }).dropped).toEqual([next]);
  expect(existsSync(join(dir, `${next}.private.pem`))).toBe(false);
  expect(existsSync(join(dir, `${next}.public.pem`))).toBe(false);
  const reloaded = service(load());
  expect(kidOf(reloaded.sign('access', { sub: '1', auth: '' }, 60).token)).toBe(third);
});

it('rotateKeys() on a loaded set rotates the directory itself', () => {
  generateKeyDirectory(dir, 'EdDSA');
  const keys = load();
  const rotation = keys.rotateKeys();
  expect(rotation).toEqual({ kid: expect.any(String), created: true, signsFrom: clock() + HOUR });
  expect(readJson<KeyManifest>('keys.json').keys.map((key) => key.kid)).toEqual([rotation.kid, expect.any(String)]);
  expect(keys.rotateKeys()).toEqual({ ...rotation, created: false });
  expect(keys.listKeys().map((key) => key.state)).toEqual(['next', 'signing']);
});

it('refuses manifests that point outside the directory, and an empty directory, with a TypeError', () => {
  expect(() => load()).toThrow(TypeError);
  generateKeyDirectory(dir, 'EdDSA');
  rotateKeyDirectory(dir, { clock });
  const manifest = readJson<KeyManifest>('keys.json');
  (manifest.keys[0] as { privateKey: string }).privateKey = '../../etc/passwd';
  writeFileSync(join(dir, 'keys.json'), JSON.stringify(manifest));
  expect(() => load()).toThrow(/not a plain file name/);
  expect(() => loadKeySetFromDirectory(dir, { reloadEvery: '2h' })).toThrow(TypeError);
});
