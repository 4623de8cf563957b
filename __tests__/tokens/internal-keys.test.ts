// Internal keys: every token but the access token is signed with a never-published key derived from the configured
// one, typed as its kind, accepted only as that kind, and following the key set through rotation; tokens signed the
// old way (published key, typ JWT) are accepted, each as its own kind, until they expire.
import { createHmac, createPublicKey, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jwtVerify } from 'jose';
import { generateKeyDirectory, loadKeySetFromDirectory, rotateKeyDirectory } from '../../lib/tokens/key-directory';
import { internalKeysOf } from '../../lib/tokens/internal-keys';
import { generateKeyPair } from '../../lib/tokens/key-material';
import { KeySet } from '../../lib/tokens/key-set';
import { prepareKeys, type PreparedKeys } from '../../lib/tokens/keys';
import { TokenService } from '../../lib/tokens/token-service';
import type { TokenUse } from '../../lib/tokens/claims';
import { authErrorCode, createFakeClock, type FakeClock, testTokenService } from '../helpers/keys';

const SECRET = 'internal-keys-test-secret-0123456789-0123456789-abcdef';
const OLD_SECRET = 'internal-keys-old-secret-0123456789-0123456789-abcdef';
let clock: FakeClock;
const closers: Array<() => void> = [];

beforeEach(() => {
  clock = createFakeClock();
});

afterEach(() => {
  for (const close of closers.splice(0)) close();
});

function service(keys: PreparedKeys): TokenService {
  return testTokenService({
    keys,
    clockSkewSeconds: 0,
    clock,
  });
}

const now = (): number => Math.floor(clock() / 1000);
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

function decode(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = token.split('.') as [string, string];
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString()),
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString()),
  };
}

function hs256(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  key: string | Buffer | KeyObject,
): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

/** One token of each kind. */
function issueAll(tokens: TokenService, lifetime = 600): Record<TokenUse, string> {
  return {
    access: tokens.sign('access', { sub: '1', auth: 'ROLE_USER' }, lifetime).token,
    refresh: tokens.sign('refresh', { sub: '1', fam: 'f' }, lifetime).token,
    tfa: tokens.sign('tfa', { sub: '1', cid: 'c' }, lifetime).token,
    device: tokens.sign('device', { sub: '1', did: 'd' }, lifetime).token,
  };
}

const KINDS: TokenUse[] = ['access', 'refresh', 'tfa', 'device'];

describe('only access tokens verify under the published key', () => {
  test('HMAC: jose with the configured secret and no typ check verifies the access token only', async () => {
    const tokens = service(prepareKeys(SECRET, 'HS256'));
    const issued = issueAll(tokens);
    const results = await Promise.all(
      KINDS.map((kind) =>
        jwtVerify(issued[kind], Buffer.from(SECRET), { algorithms: ['HS256'], currentDate: new Date(clock()) }).then(
          () => 'verifies',
          () => 'refused',
        ),
      ),
    );
    expect(results).toEqual(['verifies', 'refused', 'refused', 'refused']);
    // The internal kid reveals nothing: neither the published kid nor anything of the secret's own kid.
    const publishedKid = decode(issued.access).header.kid as string;
    for (const kind of ['refresh', 'tfa', 'device'] as const) {
      const { kid } = decode(issued[kind]).header;
      expect(kid).toMatch(/^in-[A-Za-z0-9_-]{22}$/);
      expect(kid).not.toBe(publishedKid);
      expect(String(kid)).not.toContain(publishedKid.slice(3, 10));
    }
  });

  test.each(['EdDSA', 'ES256', 'RS256'] as const)(
    '%s: jose with the public key verifies the access token only',
    async (algorithm) => {
      const pair = generateKeyPair(algorithm);
      const tokens = service(
        prepareKeys({ algorithm, privateKey: pair.privateKeyPem, publicKey: pair.publicKeyPem, kid: 'k1' }, undefined),
      );
      const issued = issueAll(tokens);
      const publicKey = createPublicKey(pair.publicKeyPem);
      const results = await Promise.all(
        KINDS.map((kind) =>
          jwtVerify(issued[kind], publicKey, { currentDate: new Date(clock()) }).then(
            () => 'verifies',
            () => 'refused',
          ),
        ),
      );
      expect(results).toEqual(['verifies', 'refused', 'refused', 'refused']);
      for (const kind of KINDS) expect(tokens.verify(issued[kind], kind).sub).toBe('1');
    },
  );
});

describe('each verifier accepts only its own kind', () => {
  test('every token verifies as its kind and as no other', () => {
    const tokens = service(prepareKeys(SECRET, 'HS256'));
    const issued = issueAll(tokens);
    for (const kind of KINDS) {
      for (const as of KINDS) {
        if (as === kind) expect(tokens.verify(issued[kind], as).sub).toBe('1');
        else expect(authErrorCode(() => tokens.verify(issued[kind], as))).toBe('token_invalid');
      }
    }
  });

  test("one kind's internal key does not sign another kind: a refresh token retyped as a challenge is refused", () => {
    const tokens = service(prepareKeys(SECRET, 'HS256'));
    const refresh = decode(tokens.sign('refresh', { sub: '1', fam: 'f' }, 600).token);
    // A holder of the published secret re-signing internal headers gets nowhere either.
    for (const typ of ['refresh+jwt', 'tfa+jwt', 'device+jwt']) {
      const forged = hs256(
        { ...refresh.header, typ },
        { ...refresh.payload, usefor: typ.split('+')[0], cid: 'c', did: 'd' },
        SECRET,
      );
      for (const kind of ['refresh', 'tfa', 'device'] as const)
        expect(authErrorCode(() => tokens.verify(forged, kind))).toBe('token_invalid');
    }
    // An internal typ under the published kid, or an access typ under the internal kid, is refused too.
    const publishedKid = decode(tokens.sign('access', { sub: '1', auth: '' }, 60).token).header.kid;
    expect(
      authErrorCode(() =>
        tokens.verify(
          hs256({ alg: 'HS256', typ: 'refresh+jwt', kid: publishedKid }, refresh.payload, SECRET),
          'refresh',
        ),
      ),
    ).toBe('token_invalid');
    expect(
      authErrorCode(() =>
        tokens.verifyAccess(
          hs256(
            { alg: 'HS256', typ: 'at+jwt', kid: refresh.header.kid },
            { ...refresh.payload, usefor: 'access', auth: '' },
            SECRET,
          ),
        ),
      ),
    ).toBe('token_invalid');
  });
});

describe('internal keys themselves', () => {
  test("each kind has its own key: a token signed with another kind's internal key, or naming another alg, is refused", () => {
    const keys = prepareKeys(SECRET, 'HS256');
    const tokens = service(keys);
    const refresh = decode(tokens.sign('refresh', { sub: '1', fam: 'f' }, 600).token);
    const internal = internalKeysOf(
      keys.verificationKey(decode(tokens.sign('access', { sub: '1', auth: '' }, 60).token).header.kid as string)!,
    )!;
    expect(internal.kid).toBe(refresh.header.kid);
    // The control: the refresh kind's own internal key and header verify.
    expect(tokens.verify(hs256(refresh.header, refresh.payload, internal.keys.refresh), 'refresh').fam).toBe('f');
    for (const other of [internal.keys.tfa, internal.keys.device, SECRET]) {
      expect(authErrorCode(() => tokens.verify(hs256(refresh.header, refresh.payload, other), 'refresh'))).toBe(
        'token_invalid',
      );
    }
    for (const alg of ['HS512', 'none', 'EdDSA']) {
      expect(
        authErrorCode(() =>
          tokens.verify(hs256({ ...refresh.header, alg }, refresh.payload, internal.keys.refresh), 'refresh'),
        ),
      ).toBe('token_invalid');
    }
    expect(
      authErrorCode(() =>
        tokens.verify(hs256({ alg: 'HS256', typ: 'refresh+jwt' }, refresh.payload, internal.keys.refresh), 'refresh'),
      ),
    ).toBe('token_invalid');
    // Never a configured secret, and different for each kind.
    const exported = Object.values(internal.keys).map((key) => key.export().toString('base64'));
    expect(new Set(exported).size).toBe(3);
    expect(exported).not.toContain(Buffer.from(SECRET).toString('base64'));
  });

  test('a key that only verifies (no private half) has no internal keys', () => {
    const pair = generateKeyPair('EdDSA');
    const set = new KeySet({
      keys: [
        { algorithm: 'EdDSA', privateKey: pair.privateKeyPem },
        { algorithm: 'EdDSA', publicKey: generateKeyPair('EdDSA').publicKeyPem, kid: 'verify-only' },
      ],
      clock,
    });
    closers.push(() => set.close());
    expect(internalKeysOf(set.verificationKey('verify-only')!)).toBeUndefined();
    expect(internalKeysOf(set.verificationKey(pair.kid)!)).toBeDefined();
  });
});

describe('tokens issued before explicit typing', () => {
  test('typ JWT (or none) under the published key: accepted as its own kind until exp, never as another', () => {
    const tokens = service(prepareKeys(SECRET, 'HS256'));
    const kid = decode(tokens.sign('access', { sub: '1', auth: '' }, 60).token).header.kid;
    const base = { sub: '1', iat: now(), exp: now() + 600, exi: 600, jti: 'j' };
    const legacy = {
      access: { ...base, usefor: 'access', auth: 'ROLE_USER' },
      refresh: { ...base, usefor: 'refresh', fam: 'f' },
      tfa: { ...base, usefor: 'tfa', cid: 'c' },
      device: { ...base, usefor: 'device', did: 'd' },
    };
    for (const header of [
      { alg: 'HS256', typ: 'JWT', kid },
      { alg: 'HS256', kid },
      { alg: 'HS256', typ: 'JWT' },
    ]) {
      for (const kind of KINDS) {
        const token = hs256(header, legacy[kind], SECRET);
        for (const as of KINDS) {
          if (as === kind) expect(tokens.verify(token, as).sub).toBe('1');
          else expect(authErrorCode(() => tokens.verify(token, as))).toBe('token_invalid');
        }
      }
    }
    const old = hs256({ alg: 'HS256', typ: 'JWT', kid }, legacy.device, SECRET);
    clock.advance(600_000);
    expect(authErrorCode(() => tokens.verify(old, 'device'))).toBe('token_expired');
  });
});

describe('internal keys follow the key set', () => {
  test('HMAC [NEW, OLD]: tokens of OLD still verify, new ones are signed under NEW; without OLD they are refused', () => {
    const before = service(prepareKeys(OLD_SECRET, 'HS256'));
    const old = issueAll(before);
    const rotated = service(prepareKeys([SECRET, OLD_SECRET], 'HS256'));
    for (const kind of KINDS) expect(rotated.verify(old[kind], kind).sub).toBe('1');
    const fresh = issueAll(rotated);
    expect(decode(fresh.refresh).header.kid).not.toBe(decode(old.refresh).header.kid);
    expect(authErrorCode(() => before.verify(fresh.refresh, 'refresh'))).toBe('token_invalid');
    const after = service(prepareKeys(SECRET, 'HS256'));
    for (const kind of KINDS) expect(authErrorCode(() => after.verify(old[kind], kind))).toBe('token_invalid');
    for (const kind of KINDS) expect(after.verify(fresh[kind], kind).sub).toBe('1');
  });

  test('an in-process key set keeps a rotated-out key until the internal tokens it signed have expired', () => {
    const set = new KeySet({
      keys: [{ algorithm: 'HS256', secret: SECRET }],
      rotation: { retainFor: '1h', publishAhead: '1m' },
      clock,
    });
    closers.push(() => set.close());
    const tokens = service(set);
    // Lives longer than retainFor: the set must not drop the key it derives from while it is valid.
    const device = tokens.sign('device', { sub: '1', did: 'd' }, 7200).token;
    set.rotateKeys({ publishAhead: 0 });
    const next = tokens.sign('device', { sub: '1', did: 'e' }, 60).token;
    expect(decode(next).header.kid).not.toBe(decode(device).header.kid);
    clock.advance(3_600_000 + 61_000);
    set.runScheduledWork();
    expect(set.listKeys()).toHaveLength(2);
    expect(tokens.verify(device, 'device').did).toBe('d');
    clock.advance(3_600_000);
    set.runScheduledWork();
    expect(set.listKeys()).toHaveLength(1);
    expect(authErrorCode(() => tokens.verify(device, 'device'))).toBe('token_invalid');
  });

  test('a key directory (rotate-keys): every instance derives the same internal keys, and they survive a rotation', () => {
    const dir = mkdtempSync(join(tmpdir(), 'eak-internal-'));
    closers.push(() => rmSync(dir, { recursive: true, force: true }));
    generateKeyDirectory(dir, 'EdDSA');
    const a = loadKeySetFromDirectory(dir, { clock });
    const b = loadKeySetFromDirectory(dir, { clock });
    closers.push(
      () => a.close(),
      () => b.close(),
    );
    const issued = issueAll(service(a));
    for (const kind of KINDS) expect(service(b).verify(issued[kind], kind).sub).toBe('1');
    rotateKeyDirectory(dir, { publishAhead: 0, clock });
    const c = loadKeySetFromDirectory(dir, { clock });
    closers.push(() => c.close());
    const fresh = issueAll(service(c));
    expect(decode(fresh.refresh).header.kid).not.toBe(decode(issued.refresh).header.kid);
    for (const kind of KINDS) {
      expect(service(c).verify(issued[kind], kind).sub).toBe('1');
      expect(service(c).verify(fresh[kind], kind).sub).toBe('1');
    }
  });
});
