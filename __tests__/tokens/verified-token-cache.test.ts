// The verified-token cache: a token verified once is answered from memory, but the memory is bounded (the oldest entry
// goes first) and forgets everything when a key is removed, so a compromised key taken out of the set stops working at
// once rather than when its tokens expire.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  generateKeyDirectory,
  loadKeySetFromDirectory,
  rotateKeyDirectory,
  type KeyManifest,
} from '../../lib/tokens/key-directory';
import type { KeySet } from '../../lib/tokens/key-set';
import { prepareKeys } from '../../lib/tokens/keys';
import { TokenService } from '../../lib/tokens/token-service';
import { testTokenService, thrownCode } from '../helpers/keys';

const SECRET = 'verified-token-cache-test-secret-0123456789-0123456789-abcdefghij';
let now = Date.UTC(2026, 0, 1, 12, 0, 0);
const clock = (): number => now;

function service(keys: KeySet, verifiedCacheSize = 3): TokenService {
  return testTokenService({
    keys,
    clockSkewSeconds: 0,
    clock,
    verifiedCacheSize,
  });
}

const access = (tokens: TokenService, sub: string): string =>
  tokens.sign('access', { sub, auth: 'ROLE_USER' }, 900).token;

describe('the bound', () => {
  let keys: KeySet;
  let lookups: jest.SpyInstance;
  let tokens: TokenService;

  beforeEach(() => {
    keys = prepareKeys(SECRET, 'HS256');
    tokens = service(keys, 3);
    // Every verification that is not answered from memory looks the token's key up by kid.
    lookups = jest.spyOn(keys, 'verificationKey');
  });

  /** Whether verifying `token` now did the work (looked its key up) rather than answer from memory. */
  function verifiedAfresh(token: string): boolean {
    lookups.mockClear();
    expect(tokens.verifyAccess(token).usefor).toBe('access');
    return lookups.mock.calls.length > 0;
  }

  it('answers a token verified before from memory, several tokens at once up to the bound', () => {
    const [a, b, c] = ['a', 'b', 'c'].map((sub) => access(tokens, sub)) as [string, string, string];
    expect([verifiedAfresh(a), verifiedAfresh(b), verifiedAfresh(c)]).toEqual([true, true, true]);
    expect([verifiedAfresh(a), verifiedAfresh(b), verifiedAfresh(c)]).toEqual([false, false, false]);
  });

  it('holds at most verifiedCacheSize tokens: one more evicts the oldest, and only it', () => {
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((sub) => access(tokens, sub)) as [string, string, string, string];
    for (const token of [a, b, c]) verifiedAfresh(token);
    expect(verifiedAfresh(d)).toBe(true);
    // a was the oldest: gone. b, c and d stay (checked newest first, so that re-caching a evicts nothing checked).
    expect([verifiedAfresh(d), verifiedAfresh(c), verifiedAfresh(b)]).toEqual([false, false, false]);
    expect(verifiedAfresh(a)).toBe(true);
  });

  it('does not cache a token longer than 2048 characters (the bound on its memory)', () => {
    const long = tokens.sign('access', { sub: 'x'.repeat(2100), auth: 'ROLE_USER' }, 900).token;
    expect(long.length).toBeGreaterThan(2048);
    expect(verifiedAfresh(long)).toBe(true);
    expect(verifiedAfresh(long)).toBe(true);
    const short = tokens.sign('access', { sub: 'x'.repeat(1250), auth: 'ROLE_USER' }, 900).token;
    expect(short.length).toBeLessThanOrEqual(2048);
    expect(verifiedAfresh(short)).toBe(true);
    expect(verifiedAfresh(short)).toBe(false);
  });

  it('does not answer an expired token from memory, and verifies it afresh (token_expired)', () => {
    const token = access(tokens, 'a');
    verifiedAfresh(token);
    now += 900_000;
    expect(thrownCode(() => tokens.verifyAccess(token))).toBe('token_expired');
    now -= 900_000;
  });
});

describe('removing a key', () => {
  let dir: string;
  let keys: KeySet | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'auth-cache-keys-'));
  });
  afterEach(() => {
    keys?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a token of a key removed from the directory is refused at once, even though it was verified and cached before', () => {
    generateKeyDirectory(dir, 'EdDSA');
    // A manifest with the first key signing; then a second key that signs at once (the first is compromised).
    rotateKeyDirectory(dir, { clock });
    keys = loadKeySetFromDirectory(dir, { clock, reloadEvery: '1m' });
    const tokens = service(keys);
    const stolen = access(tokens, 'victim');
    const compromised = keys.kid;
    expect(tokens.verifyAccess(stolen).sub).toBe('victim');

    rotateKeyDirectory(dir, { clock, publishAhead: 0 });
    keys.runScheduledWork();
    // Retired but not removed: its tokens still verify (from memory or not).
    expect(keys.kid).not.toBe(compromised);
    expect(tokens.verifyAccess(stolen).sub).toBe('victim');
    const fresh = access(tokens, 'owner');
    expect(tokens.verifyAccess(fresh).sub).toBe('owner');

    // The operator takes the compromised key out of the manifest; instances pick it up on their next reload.
    const manifestPath = join(dir, 'keys.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as KeyManifest;
    manifest.keys = manifest.keys.filter((key) => key.kid !== compromised);
    writeFileSync(manifestPath, JSON.stringify(manifest));
    keys.runScheduledWork();

    expect(thrownCode(() => tokens.verifyAccess(stolen))).toBe('token_invalid');
    // Tokens of the keys that stay keep working.
    expect(tokens.verifyAccess(fresh).sub).toBe('owner');
  });
});
