// Key-set boundaries to the millisecond: when a key waiting to sign starts signing, when a key that signed a long-lived
// token stops verifying (its last expiry plus the largest clock skew), when a kid-less legacy secret stops being
// accepted; and that looking at the set or reloading it unchanged keeps the verified-token cache (only a removed or
// replaced key empties it).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { generateKeyDirectory, loadKeySetFromDirectory, rotateKeyDirectory } from '../../lib/tokens/key-directory';
import { KeySet } from '../../lib/tokens/key-set';
import { prepareKeys } from '../../lib/tokens/keys';
import { TokenService } from '../../lib/tokens/token-service';
import { keySetsClosedAfterEach, testTokenService, thrownCode } from '../helpers/keys';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const OLD = 'key-set-boundaries-old-secret-0123456789-0123456789-0123456789-ab';
const NEW = 'key-set-boundaries-new-secret-0123456789-0123456789-0123456789-ab';

let now: number;
const clock = (): number => now;
const track = keySetsClosedAfterEach();

beforeEach(() => {
  now = Date.UTC(2026, 0, 1, 12, 0, 0);
});

function service(keys: KeySet, clockSkewSeconds = 0): TokenService {
  return testTokenService({
    keys,
    clockSkewSeconds,
    clock,
    verifiedCacheSize: 10,
  });
}

describe('when a next key starts signing', () => {
  it('is "signing" from the very millisecond of its activation, and the key before it "retired"', () => {
    const keys = track(new KeySet({ rotation: { algorithm: 'EdDSA', publishAhead: '1h', retainFor: '3h' }, clock }));
    const first = keys.kid;
    const next = keys.rotateKeys().kid;
    now += HOUR - 1;
    expect(keys.listKeys().map(({ kid, state }) => [kid, state])).toEqual([
      [first, 'signing'],
      [next, 'next'],
    ]);
    now += 1;
    expect(keys.kid).toBe(next);
    expect(keys.listKeys().map(({ kid, state }) => [kid, state])).toEqual([
      [first, 'retired'],
      [next, 'signing'],
    ]);
  });
});

describe('a rotation at the instant the last one started signing', () => {
  it('publishes a new key: the key that signs from now on is no longer waiting', () => {
    const keys = track(new KeySet({ rotation: { algorithm: 'EdDSA', publishAhead: '1h', retainFor: '3h' }, clock }));
    const first = keys.rotateKeys({ publishAhead: 0 });
    expect(keys.kid).toBe(first.kid);
    const second = keys.rotateKeys();
    expect(second).toEqual({ kid: expect.any(String), created: true, signsFrom: now + HOUR });
    expect(second.kid).not.toBe(first.kid);
  });
});

describe('a key that signed a token outliving retainFor', () => {
  it('verifies until that token expires plus the largest clock skew (60 s), not a millisecond longer', () => {
    const keys = track(new KeySet({ rotation: { algorithm: 'EdDSA', publishAhead: '1h', retainFor: '10m' }, clock }));
    const tokens = service(keys);
    const first = keys.kid;
    const long = tokens.sign('access', { sub: '1', auth: '' }, 2 * 3600);
    keys.rotateKeys({ publishAhead: 0 });
    const lastExpiry = long.expiresAt * 1000;
    // retainFor alone would drop it at +10 min; the token it signed runs 2 h.
    now = lastExpiry + MINUTE - 1;
    expect(keys.verificationKey(first)).toBeDefined();
    expect(keys.listKeys().find((key) => key.kid === first)?.dropAt).toBe(lastExpiry + MINUTE);
    now += 1;
    expect(keys.verificationKey(first)).toBeUndefined();
    expect(keys.listKeys().map((key) => key.kid)).not.toContain(first);
  });
});

describe("another instance's tokens of a retired key", () => {
  // Two instances with the same keys: this one retired the old key and keeps it an hour; the other one still signs
  // with it, tokens longer than that hour this instance knows nothing of (retainFor must cover the longest lifetime).
  const older = generateKeyPairSync('ed25519');
  const newer = generateKeyPairSync('ed25519');

  function instances(): { signer: TokenService; verifier: TokenService } {
    const other = track(new KeySet({ keys: [{ algorithm: 'EdDSA', privateKey: older.privateKey }], clock }));
    const here = track(
      new KeySet({
        keys: [
          { algorithm: 'EdDSA', privateKey: newer.privateKey, notBefore: now },
          { algorithm: 'EdDSA', privateKey: older.privateKey },
        ],
        rotation: { retainFor: '1h' },
        clock,
      }),
    );
    return { signer: service(other), verifier: service(here) };
  }

  it('verify, access and internal (refresh) alike, until retirement + retainFor, and not from that millisecond on', () => {
    const { signer, verifier } = instances();
    const refresh = signer.sign('refresh', { sub: '1', fam: 'f' }, 2 * 3600).token;
    const access = signer.sign('access', { sub: '1', auth: '' }, 2 * 3600).token;
    now += HOUR - 1;
    expect(verifier.verify(refresh, 'refresh').fam).toBe('f');
    expect(verifier.verify(access, 'access').sub).toBe('1');
    now += 1;
    expect(thrownCode(() => verifier.verify(refresh, 'refresh'))).toBe('token_invalid');
    expect(thrownCode(() => verifier.verify(access, 'access'))).toBe('token_invalid');
  });

  it('a remembered token of a dropped key is refused from the drop on, before anything lists the keys or runs the schedule', () => {
    const { signer, verifier } = instances();
    const access = signer.sign('access', { sub: '1', auth: '' }, 2 * 3600).token;
    now += HOUR - 1;
    expect(verifier.verifyAccess(access).sub).toBe('1');
    now += 1;
    expect(thrownCode(() => verifier.verifyAccess(access))).toBe('token_invalid');
  });

  it('a refresh token of a key known here only by its public half is refused (no internal key without the private half)', () => {
    const other = track(new KeySet({ keys: [{ algorithm: 'EdDSA', privateKey: older.privateKey }], clock }));
    const here = track(
      new KeySet({
        keys: [
          { algorithm: 'EdDSA', privateKey: newer.privateKey },
          { algorithm: 'EdDSA', publicKey: older.publicKey },
        ],
        clock,
      }),
    );
    const refresh = service(other).sign('refresh', { sub: '1', fam: 'f' }, 600).token;
    const access = service(other).sign('access', { sub: '1', auth: '' }, 600).token;
    expect(service(here).verify(access, 'access').sub).toBe('1');
    expect(thrownCode(() => service(here).verify(refresh, 'refresh'))).toBe('token_invalid');
  });
});

describe('a legacy secret accepting kid-less tokens', () => {
  /** A token from before every token carried a kid: HS256 under `secret`, no kid, valid for a day. */
  function kidless(secret: string): string {
    const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    const iat = Math.floor(now / 1000);
    const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'legacy', auth: '', usefor: 'access', iat, exp: iat + 86_400, jti: 'j' })}`;
    return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
  }

  it('accepts them until it is dropped (retirement + retainFor), then refuses them from that very millisecond', () => {
    const token = kidless(OLD);
    // NEW signs from now on; OLD, the secret of the kid-less tokens, retires now and is kept for an hour.
    const keys = track(
      new KeySet({
        keys: [
          { algorithm: 'HS256', secret: NEW, notBefore: now },
          { algorithm: 'HS256', secret: OLD, acceptsMissingKid: true },
        ],
        rotation: { retainFor: '1h' },
        clock,
      }),
    );
    const tokens = service(keys);
    now += HOUR - 1;
    expect(tokens.verify(token, 'access').sub).toBe('legacy');
    now += 1;
    expect(thrownCode(() => tokens.verify(token, 'access'))).toBe('token_invalid');
  });
});

describe('the verified-token cache survives what removes no key', () => {
  /** Whether verifying `token` did the work (looked its key up) rather than answer from memory. */
  function afresh(tokens: TokenService, keys: KeySet, token: string): boolean {
    const lookups = jest.spyOn(keys, 'verificationKey');
    try {
      expect(tokens.verifyAccess(token).sub).toBe('1');
      return lookups.mock.calls.length > 0;
    } finally {
      lookups.mockRestore();
    }
  }

  it('listing the keys, reading the JWKS or running the schedule with nothing to drop', () => {
    const keys = track(prepareKeys(OLD, 'HS256'));
    const tokens = service(keys);
    const token = tokens.sign('access', { sub: '1', auth: '' }, 900).token;
    expect(afresh(tokens, keys, token)).toBe(true);
    keys.listKeys();
    keys.jwks();
    keys.runScheduledWork();
    expect(afresh(tokens, keys, token)).toBe(false);
  });

  it('a reload that adds a key and keeps the others unchanged', () => {
    const dir = mkdtempSync(join(tmpdir(), 'auth-key-set-boundaries-'));
    try {
      generateKeyDirectory(dir, 'EdDSA');
      const keys = track(loadKeySetFromDirectory(dir, { clock, reloadEvery: '1m' }));
      const tokens = service(keys);
      const token = tokens.sign('access', { sub: '1', auth: '' }, 900).token;
      expect(afresh(tokens, keys, token)).toBe(true);
      const before = keys.listKeys().length;
      rotateKeyDirectory(dir, { clock });
      keys.runScheduledWork();
      expect(keys.listKeys()).toHaveLength(before + 1);
      expect(afresh(tokens, keys, token)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a reload after a key was dropped on time: the drop emptied the cache once, the reload does not again', () => {
    const dir = mkdtempSync(join(tmpdir(), 'auth-key-set-boundaries-'));
    try {
      generateKeyDirectory(dir, 'EdDSA');
      rotateKeyDirectory(dir, { clock, publishAhead: 0, retainFor: '1h' });
      const keys = track(loadKeySetFromDirectory(dir, { clock, reloadEvery: '1m' }));
      const tokens = service(keys);
      expect(keys.listKeys()).toHaveLength(2);
      now += HOUR;
      // The retired key's time is up: dropped here, and from the directory by its next rotation.
      expect(keys.listKeys()).toHaveLength(1);
      const token = tokens.sign('access', { sub: '1', auth: '' }, 900).token;
      expect(afresh(tokens, keys, token)).toBe(true);
      expect(afresh(tokens, keys, token)).toBe(false);
      rotateKeyDirectory(dir, { clock });
      keys.runScheduledWork();
      expect(keys.listKeys()).toHaveLength(2);
      expect(afresh(tokens, keys, token)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
