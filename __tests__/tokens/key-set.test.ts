// Key sets: every algorithm, kid pinning against algorithm confusion, rotation on a fake clock, the JWKS, start-up errors.
import { createHmac, createPublicKey, generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { importJWK, jwtVerify } from 'jose';
import { generateKeyPair } from '../../lib/tokens/key-material';
import { KeySet, type KeySetOptions } from '../../lib/tokens/key-set';
import { prepareKeys, type SigningAlgorithm } from '../../lib/tokens/keys';
import { TokenService } from '../../lib/tokens/token-service';
import {
  authErrorCode,
  createFakeClock,
  type FakeClock,
  keySetsClosedAfterEach,
  testTokenService,
} from '../helpers/keys';

const HOUR = 3_600_000;
const HMAC_SECRET = 'key-set-test-secret-0123456789-0123456789-0123456789-0123456789';
let clock: FakeClock;
const track = keySetsClosedAfterEach();

beforeEach(() => {
  clock = createFakeClock();
});

function keySet(options: KeySetOptions): KeySet {
  return track(new KeySet({ clock, ...options }));
}

function service(keys: KeySet): TokenService {
  return testTokenService({
    keys,
    clock,
  });
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = (): number => Math.floor(clock() / 1000);
const claims = (): Record<string, unknown> => ({
  sub: '1',
  auth: 'ROLE_ADMIN',
  usefor: 'access',
  iat: now(),
  exp: now() + 600,
  exi: 600,
  jti: 'j',
});

function headerOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString()) as Record<string, unknown>;
}

function hmacForge(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  key: string | Buffer,
  hash = 'sha256',
): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac(hash, key).update(input).digest('base64url')}`;
}

let pairs: Record<'EdDSA' | 'ES256' | 'RS256', { privateKey: KeyObject; publicKey: KeyObject }>;

beforeAll(() => {
  pairs = {
    EdDSA: generateKeyPairSync('ed25519'),
    ES256: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
    RS256: generateKeyPairSync('rsa', { modulusLength: 2048 }),
  };
});

describe('every algorithm', () => {
  it.each(['HS256', 'HS384', 'HS512', 'EdDSA', 'ES256', 'RS256'] as SigningAlgorithm[])(
    '%s: signs with alg and kid in the header, verifies, and a standard library (jose) verifies it too',
    async (algorithm) => {
      const spec = algorithm.startsWith('HS')
        ? { algorithm, kid: `k-${algorithm}`, secret: `${HMAC_SECRET}${HMAC_SECRET}` }
        : { algorithm, kid: `k-${algorithm}`, ...pairs[algorithm as 'EdDSA'] };
      const tokens = service(keySet({ keys: [spec] as KeySetOptions['keys'] }));
      const { token } = tokens.sign('access', { sub: '7', auth: 'ROLE_USER' }, 600);
      expect(headerOf(token)).toEqual({ alg: algorithm, typ: 'at+jwt', kid: `k-${algorithm}` });
      expect(tokens.verifyAccess(token).sub).toBe('7');
      const joseKey = algorithm.startsWith('HS')
        ? Buffer.from(`${HMAC_SECRET}${HMAC_SECRET}`)
        : pairs[algorithm as 'EdDSA'].publicKey;
      const { payload } = await jwtVerify(token, joseKey, {
        algorithms: [algorithm],
        typ: 'at+jwt',
        currentDate: new Date(clock()),
      });
      expect(payload.sub).toBe('7');
      // A flipped signature byte fails: the check is real.
      const [h, p, s] = token.split('.') as [string, string, string];
      const bytes = Buffer.from(s, 'base64url');
      bytes[0] = (bytes[0] as number) ^ 1;
      expect(authErrorCode(() => tokens.verifyAccess(`${h}.${p}.${bytes.toString('base64url')}`))).toBe(
        'token_invalid',
      );
    },
  );

  it('accepts an EdDSA key pair as the plain `secret` option, as KeyObjects or PEM', () => {
    const pem = generateKeyPair('EdDSA');
    for (const secret of [
      { algorithm: 'EdDSA' as const, ...pairs.EdDSA, kid: 'ed' },
      { algorithm: 'EdDSA' as const, privateKey: pem.privateKeyPem, publicKey: pem.publicKeyPem, kid: 'ed' },
    ]) {
      const tokens = service(prepareKeys(secret, undefined));
      expect(headerOf(tokens.sign('access', { sub: '1', auth: '' }, 60).token)).toEqual({
        alg: 'EdDSA',
        typ: 'at+jwt',
        kid: 'ed',
      });
    }
  });
});

describe('algorithm confusion: the kid picks the key, the key fixes the algorithm', () => {
  let tokens: TokenService;

  beforeEach(() => {
    tokens = service(
      keySet({
        keys: [
          { algorithm: 'EdDSA', kid: 'ed', ...pairs.EdDSA },
          { algorithm: 'ES256', kid: 'ec', ...pairs.ES256 },
          { algorithm: 'RS256', kid: 'rsa', ...pairs.RS256 },
          { algorithm: 'HS256', kid: 'hmac', secret: HMAC_SECRET },
        ],
      }),
    );
  });

  it('refuses HS256 tokens "signed" with an RSA or EC public key, in every encoding, under that key\'s kid', () => {
    for (const kid of ['rsa', 'ec', 'ed'] as const) {
      const publicKey = pairs[kid === 'rsa' ? 'RS256' : kid === 'ec' ? 'ES256' : 'EdDSA'].publicKey;
      const encodings: (string | Buffer)[] = [
        publicKey.export({ type: 'spki', format: 'pem' }),
        publicKey.export({ type: 'spki', format: 'der' }),
        JSON.stringify(publicKey.export({ format: 'jwk' })),
      ];
      for (const key of encodings) {
        for (const [alg, hash] of [
          ['HS256', 'sha256'],
          ['HS512', 'sha512'],
        ] as const) {
          expect(
            authErrorCode(() => tokens.verifyAccess(hmacForge({ alg, typ: 'JWT', kid }, claims(), key, hash))),
          ).toBe('token_invalid');
        }
      }
    }
  });

  it('refuses alg "none" with any kid, and a missing alg', () => {
    for (const kid of ['ed', 'ec', 'rsa', 'hmac', undefined]) {
      expect(
        authErrorCode(() => tokens.verifyAccess(`${b64({ alg: 'none', typ: 'JWT', kid })}.${b64(claims())}.`)),
      ).toBe('token_invalid');
      expect(authErrorCode(() => tokens.verifyAccess(hmacForge({ alg: 'none', kid }, claims(), HMAC_SECRET)))).toBe(
        'token_invalid',
      );
    }
    expect(
      authErrorCode(() => tokens.verifyAccess(hmacForge({ typ: 'JWT', kid: 'hmac' }, claims(), HMAC_SECRET))),
    ).toBe('token_invalid');
  });

  it('refuses a valid signature relabelled with another alg, or under the kid of another key', () => {
    const input = (header: Record<string, unknown>): string => `${b64(header)}.${b64(claims())}`;
    const ecSigned = (header: Record<string, unknown>): string =>
      `${input(header)}.${cryptoSign('sha256', Buffer.from(input(header)), { key: pairs.ES256.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
    const edSigned = (header: Record<string, unknown>): string =>
      `${input(header)}.${cryptoSign(null, Buffer.from(input(header)), pairs.EdDSA.privateKey).toString('base64url')}`;
    // Controls: correctly labelled, they pass.
    expect(tokens.verifyAccess(ecSigned({ alg: 'ES256', typ: 'JWT', kid: 'ec' })).sub).toBe('1');
    expect(tokens.verifyAccess(edSigned({ alg: 'EdDSA', typ: 'JWT', kid: 'ed' })).sub).toBe('1');
    // The alg switched, the kid kept.
    expect(authErrorCode(() => tokens.verifyAccess(ecSigned({ alg: 'RS256', typ: 'JWT', kid: 'ec' })))).toBe(
      'token_invalid',
    );
    expect(authErrorCode(() => tokens.verifyAccess(edSigned({ alg: 'ES256', typ: 'JWT', kid: 'ed' })))).toBe(
      'token_invalid',
    );
    // The kid of another key, with that key's alg, or with the signer's.
    expect(authErrorCode(() => tokens.verifyAccess(ecSigned({ alg: 'EdDSA', typ: 'JWT', kid: 'ed' })))).toBe(
      'token_invalid',
    );
    expect(authErrorCode(() => tokens.verifyAccess(ecSigned({ alg: 'ES256', typ: 'JWT', kid: 'rsa' })))).toBe(
      'token_invalid',
    );
    expect(authErrorCode(() => tokens.verifyAccess(edSigned({ alg: 'EdDSA', typ: 'JWT', kid: 'ec' })))).toBe(
      'token_invalid',
    );
    // No kid: only HMAC secrets marked for old tokens accept that, and these are not.
    expect(authErrorCode(() => tokens.verifyAccess(edSigned({ alg: 'EdDSA', typ: 'JWT' })))).toBe('token_invalid');
    expect(
      authErrorCode(() => tokens.verifyAccess(hmacForge({ alg: 'HS256', typ: 'JWT' }, claims(), HMAC_SECRET))),
    ).toBe('token_invalid');
    expect(tokens.verifyAccess(hmacForge({ alg: 'HS256', typ: 'JWT', kid: 'hmac' }, claims(), HMAC_SECRET)).sub).toBe(
      '1',
    );
  });
});

describe('rotation', () => {
  const rotating = (extra: Partial<KeySetOptions> = {}): KeySet =>
    keySet({ rotation: { algorithm: 'EdDSA', publishAhead: '1h', retainFor: '3h' }, ...extra });

  it('publishes the next key before it signs; old tokens verify until they expire; the retired key is dropped after retainFor', () => {
    const keys = rotating();
    const tokens = service(keys);
    const before = tokens.sign('access', { sub: '1', auth: '' }, 2 * 3600);
    const oldKid = headerOf(before.token).kid;

    const rotation = keys.rotateKeys();
    expect(rotation).toEqual({ kid: expect.any(String), created: true, signsFrom: clock() + HOUR });
    expect(rotation.kid).not.toBe(oldKid);
    // Published (in the JWKS) but not yet signing.
    expect(keys.jwks().keys.map((key) => key.kid)).toEqual([oldKid, rotation.kid]);
    expect(keys.listKeys().map((key) => key.state)).toEqual(['signing', 'next']);
    expect(headerOf(tokens.sign('access', { sub: '1', auth: '' }, 60).token).kid).toBe(oldKid);
    // Rotating again while a key waits creates nothing.
    expect(keys.rotateKeys()).toEqual({ ...rotation, created: false });
    expect(keys.listKeys()).toHaveLength(2);

    clock.advance(HOUR);
    const after = tokens.sign('access', { sub: '1', auth: '' }, 600);
    expect(headerOf(after.token).kid).toBe(rotation.kid);
    expect(tokens.verifyAccess(before.token).sub).toBe('1');
    expect(keys.jwks().keys.map((key) => key.kid)).toEqual([rotation.kid, oldKid]);

    // The old token expires at +2h; the retired key verifies until +1h + 3h.
    clock.advance(2 * HOUR + 31_000);
    expect(authErrorCode(() => tokens.verifyAccess(before.token))).toBe('token_expired');
    expect(keys.jwks().keys.map((key) => key.kid)).toEqual([rotation.kid, oldKid]);
    clock.advance(HOUR);
    expect(keys.jwks().keys.map((key) => key.kid)).toEqual([rotation.kid]);
    expect(keys.verificationKey(oldKid as string)).toBeUndefined();
    expect(keys.listKeys()).toEqual([expect.objectContaining({ kid: rotation.kid, state: 'signing' })]);
  });

  it('keeps a retired key until the last token it signed has expired, even when retainFor is too short', () => {
    const keys = rotating({ rotation: { algorithm: 'ES256', publishAhead: '1h', retainFor: '10m' } });
    const tokens = service(keys);
    const rotation = keys.rotateKeys();
    clock.advance(HOUR - 1000);
    const late = tokens.sign('refresh', { sub: '1', fam: 'f' }, 24 * 3600);
    clock.advance(2000);
    expect(headerOf(tokens.sign('access', { sub: '1', auth: '' }, 60).token).kid).toBe(rotation.kid);
    clock.advance(12 * HOUR);
    expect(tokens.verify(late.token, 'refresh').fam).toBe('f');
    clock.advance(12 * HOUR + 61_000);
    expect(keys.listKeys()).toHaveLength(1);
  });

  it('publishAhead 0 makes the waiting key sign at once (a compromised key)', () => {
    const keys = rotating();
    const tokens = service(keys);
    const next = keys.rotateKeys();
    expect(keys.rotateKeys({ publishAhead: 0 })).toEqual({ kid: next.kid, created: false, signsFrom: clock() });
    expect(headerOf(tokens.sign('access', { sub: '1', auth: '' }, 60).token).kid).toBe(next.kid);
  });

  it('rotates on the `every` schedule, and never creates a key per call or beyond maxKeys', () => {
    const keys = keySet({
      rotation: { algorithm: 'EdDSA', every: '1d', publishAhead: '1h', retainFor: '2d', maxKeys: 3 },
    });
    const first = keys.kid;
    clock.advance(22 * HOUR);
    keys.runScheduledWork();
    expect(keys.listKeys()).toHaveLength(1);
    clock.advance(HOUR);
    for (let i = 0; i < 5; i += 1) keys.runScheduledWork();
    expect(keys.listKeys().map((key) => key.state)).toEqual(['signing', 'next']);
    clock.advance(HOUR);
    expect(keys.kid).not.toBe(first);
    // A runaway caller is stopped by the bound, not by dropping keys that still verify tokens.
    expect(() => {
      for (let i = 0; i < 5; i += 1) keys.rotateKeys({ publishAhead: 0 });
    }).toThrow(/maxKeys/);
    expect(keys.listKeys()).toHaveLength(3);
  });

  it('reports a scheduled rotation that fails to onError instead of throwing from a timer', () => {
    const errors: Error[] = [];
    const keys = keySet({
      rotation: { algorithm: 'EdDSA', every: '2h', publishAhead: '1h', maxKeys: 2 },
      onError: (error) => errors.push(error),
    });
    clock.advance(HOUR);
    keys.runScheduledWork();
    expect(keys.listKeys()).toHaveLength(2);
    // The next period is due at +3h; the retired key still verifies for 30 days, so the set is full.
    clock.advance(2 * HOUR);
    keys.runScheduledWork();
    expect(errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/maxKeys/) })]);
  });

  it('refuses to rotate keys that come from a fixed `secret` in memory', () => {
    expect(() => prepareKeys(HMAC_SECRET, 'HS256').rotateKeys()).toThrow(/fixed "secret"/);
    expect(() => prepareKeys({ algorithm: 'ES256', ...pairs.ES256, kid: 'ec' }, undefined).rotateKeys()).toThrow(
      /fixed "secret"/,
    );
  });

  it('a key set with a future notBefore: published now, signs from then on', () => {
    const keys = prepareKeys(
      {
        keys: [
          { algorithm: 'ES256', kid: 'next', ...pairs.ES256, notBefore: clock() + HOUR },
          { algorithm: 'EdDSA', kid: 'now', ...pairs.EdDSA },
        ],
      },
      undefined,
      { clock },
    );
    const tokens = service(keys);
    expect(keys.jwks().keys.map((key) => [key.kid, key.alg])).toEqual([
      ['now', 'EdDSA'],
      ['next', 'ES256'],
    ]);
    expect(headerOf(tokens.sign('access', { sub: '1', auth: '' }, 60).token)).toMatchObject({
      kid: 'now',
      alg: 'EdDSA',
    });
    clock.advance(HOUR);
    expect(headerOf(tokens.sign('access', { sub: '1', auth: '' }, 60).token)).toMatchObject({
      kid: 'next',
      alg: 'ES256',
    });
  });
});

describe('HMAC rotation with a list [newest, ...older]', () => {
  const OLD = `old-${HMAC_SECRET}`;
  const NEW = `new-${HMAC_SECRET}`;

  it('signs with the first, verifies with all, and keeps accepting kid-less tokens from before kids', () => {
    const before = service(prepareKeys(OLD, 'HS256'));
    const oldToken = before.sign('access', { sub: '1', auth: '' }, 600).token;
    const legacyToken = hmacForge({ alg: 'HS256', typ: 'JWT' }, claims(), OLD);
    const rotated = service(prepareKeys([NEW, OLD], undefined));
    const newToken = rotated.sign('access', { sub: '2', auth: '' }, 600).token;
    expect(headerOf(newToken).kid).not.toBe(headerOf(oldToken).kid);
    expect(rotated.verifyAccess(oldToken).sub).toBe('1');
    expect(rotated.verifyAccess(legacyToken).sub).toBe('1');
    expect(rotated.verifyAccess(newToken).sub).toBe('2');
    // The old secret alone does not know the new one; dropping OLD from the list ends its tokens.
    expect(authErrorCode(() => before.verifyAccess(newToken))).toBe('token_invalid');
    expect(authErrorCode(() => service(prepareKeys([NEW], undefined)).verifyAccess(oldToken))).toBe('token_invalid');
  });
});

describe('JWKS', () => {
  it('publishes public parameters only, with kid, alg, use and kty', () => {
    const keys = keySet({
      keys: [
        { algorithm: 'EdDSA', kid: 'ed', ...pairs.EdDSA },
        { algorithm: 'ES256', kid: 'ec', ...pairs.ES256 },
        { algorithm: 'RS256', kid: 'rsa', ...pairs.RS256 },
        { algorithm: 'HS256', kid: 'hmac', secret: HMAC_SECRET },
      ],
    });
    const { keys: published } = keys.jwks();
    expect(published).toEqual([
      { kty: 'OKP', crv: 'Ed25519', x: expect.any(String), kid: 'ed', alg: 'EdDSA', use: 'sig' },
      { kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String), kid: 'ec', alg: 'ES256', use: 'sig' },
      { kty: 'RSA', n: expect.any(String), e: 'AQAB', kid: 'rsa', alg: 'RS256', use: 'sig' },
    ]);
    const text = JSON.stringify(published);
    for (const secretField of ['"d"', '"p"', '"q"', '"dp"', '"dq"', '"qi"', '"k"'])
      expect(text).not.toContain(secretField);
    expect(text).not.toContain(Buffer.from(HMAC_SECRET).toString('base64url'));
    // The published keys are the verification keys.
    expect(
      createPublicKey({ key: published[0] as unknown as import('node:crypto').JsonWebKey, format: 'jwk' }).equals(
        pairs.EdDSA.publicKey,
      ),
    ).toBe(true);
  });

  it('an HMAC-only set publishes an empty list', () => {
    expect(prepareKeys([HMAC_SECRET, `x${HMAC_SECRET}`], 'HS256').jwks()).toEqual({ keys: [] });
  });

  it('recommends a Cache-Control with a positive max-age shorter than publishAhead and no no-store', () => {
    for (const [publishAhead, seconds] of [
      ['1h', 3600],
      ['2m', 120],
      ['1d', 86_400],
    ] as const) {
      const value = keySet({ rotation: { algorithm: 'EdDSA', publishAhead } }).jwksCacheControl();
      const maxAge = Number(/max-age=(\d+)/.exec(value)?.[1]);
      expect(maxAge).toBeGreaterThan(0);
      expect(maxAge).toBeLessThan(seconds);
      expect(value).not.toMatch(/no-store|no-cache/);
    }
  });

  it('JWKS entries import into jose', async () => {
    const keys = keySet({ keys: [{ algorithm: 'ES256', kid: 'ec', ...pairs.ES256 }] });
    const tokens = service(keys);
    const [jwk] = keys.jwks().keys;
    if (jwk === undefined) throw new Error('no key published');
    const { payload } = await jwtVerify(
      tokens.sign('access', { sub: '9', auth: '' }, 60).token,
      await importJWK({ ...jwk }, 'ES256'),
      { currentDate: new Date(clock()) },
    );
    expect(payload.sub).toBe('9');
  });
});

describe('start-up errors name the option', () => {
  const expectError = (secret: unknown, message: RegExp, algorithm?: unknown): void => {
    let error: unknown;
    try {
      prepareKeys(secret, algorithm, { clock });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(message);
  };

  it('HMAC lists: short, duplicated, empty, or of the wrong type', () => {
    expectError([HMAC_SECRET, 'short'], /^"secret\[1\]" must be at least 32 bytes for HS256; it has 5\./);
    expectError(
      [`${HMAC_SECRET}${HMAC_SECRET}`, HMAC_SECRET],
      /^"secret\[1\]" must be at least 64 bytes for HS512/,
      'HS512',
    );
    expectError([HMAC_SECRET, HMAC_SECRET], /^"secret\[1\]" is the same secret as "secret\[0\]"/);
    expectError([], /^"secret" is required/);
    expectError([HMAC_SECRET, 42], /^"secret" is required/);
  });

  it('key sets: weak, mismatched, missing or duplicated keys', () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const ed448 = generateKeyPairSync('ed448');
    expectError(
      { keys: [{ algorithm: 'RS256', ...weak }] },
      /^"secret.keys\[0\].privateKey" must be an RSA key of at least 2048 bits/,
    );
    expectError(
      {
        keys: [
          { algorithm: 'EdDSA', ...pairs.EdDSA },
          { algorithm: 'RS256', publicKey: weak.publicKey },
        ],
      },
      /^"secret.keys\[1\].publicKey" must be an RSA key of at least 2048/,
    );
    expectError({ keys: [{ algorithm: 'ES256', ...p384 }] }, /^"secret.keys\[0\]" keys must be on the P-256 curve/);
    expectError(
      { keys: [{ algorithm: 'EdDSA', ...ed448 }] },
      /^"secret.keys\[0\]" keys must be Ed25519 keys for EdDSA/,
    );
    expectError(
      { keys: [{ algorithm: 'ES256', ...pairs.EdDSA }] },
      /^"secret.keys\[0\]" keys must be EC keys for ES256/,
    );
    expectError(
      { keys: [{ algorithm: 'EdDSA', kid: 'a', publicKey: pairs.EdDSA.publicKey }] },
      /^"secret.keys\[0\].privateKey" is missing: this key signs now/,
    );
    expectError(
      {
        keys: [
          {
            algorithm: 'EdDSA',
            privateKey: pairs.EdDSA.privateKey,
            publicKey: generateKeyPairSync('ed25519').publicKey,
          },
        ],
      },
      /^"secret.keys\[0\].privateKey" and "secret.keys\[0\].publicKey" are not the two halves of one key pair/,
    );
    expectError(
      {
        keys: [
          { algorithm: 'EdDSA', kid: 'a', ...pairs.EdDSA },
          { algorithm: 'ES256', kid: 'a', ...pairs.ES256 },
        ],
      },
      /^"secret.keys\[1\].kid" duplicates "secret.keys\[0\].kid"/,
    );
    expectError(
      { keys: [{ algorithm: 'HS256', secret: 'short' }] },
      /^"secret.keys\[0\].secret" must be at least 32 bytes/,
    );
    expectError(
      { keys: [{ algorithm: 'PS256', ...pairs.RS256 }] },
      /^"secret.keys\[0\].algorithm" must be one of EdDSA, ES256, RS256, HS256/,
    );
    expectError(
      { keys: [{ algorithm: 'EdDSA', kid: '', ...pairs.EdDSA }] },
      /^"secret.keys\[0\].kid" must be a non-empty string/,
    );
    expectError(
      { keys: [{ algorithm: 'EdDSA', ...pairs.EdDSA }], signingKid: 'nope' },
      /^"secret.signingKid" names no key/,
    );
    expectError(
      { keys: [{ algorithm: 'EdDSA', ...pairs.EdDSA, notBefore: clock() + HOUR }] },
      /^"secret.keys" has no key that can sign now/,
    );
    expectError({ keys: [] }, /^"secret.keys" must list at least one key/);
    expectError(
      { keys: [{ algorithm: 'EdDSA', ...pairs.EdDSA, notBefore: 'soon' }] },
      /^"secret.keys\[0\].notBefore" must be a Date/,
    );
  });

  it('rotation options, and options that do not belong', () => {
    expectError(
      { rotation: { algorithm: 'EdDSA', every: '1h', publishAhead: '1h' } },
      /^"secret.rotation.every" must be longer than "secret.rotation.publishAhead"/,
    );
    expectError(
      { rotation: { algorithm: 'EdDSA', publishAhead: '10s' } },
      /^"secret.rotation.publishAhead" must be a duration of at least 60 s/,
    );
    expectError(
      { rotation: { algorithm: 'EdDSA', maxKeys: 1 } },
      /^"secret.rotation.maxKeys" must be an integer from 2 to 100/,
    );
    expectError({ rotation: { algorithm: 'EdDSA', evry: '1d' } }, /^Unknown option "secret.rotation.evry"/);
    expectError(
      { keys: [{ algorithm: 'EdDSA', ...pairs.EdDSA }], signingkid: 'x' },
      /^Unknown option "secret.signingkid"/,
    );
    expectError({ algorithm: 'EdDSA', ...pairs.EdDSA }, /^"secret.kid" must be a non-empty string/);
    expectError(
      { algorithm: 'EdDSA', ...pairs.EdDSA, kid: 'k' },
      /^"tokens.algorithm" applies to an HMAC secret only/,
      'HS256',
    );
    expectError(
      new KeySet({ keys: [{ algorithm: 'EdDSA', ...pairs.EdDSA }] }),
      /^"tokens.algorithm" applies to an HMAC secret only/,
      'HS256',
    );
  });

  it("never changes the caller's objects", () => {
    const input = {
      keys: [{ algorithm: 'EdDSA' as const, kid: 'a', ...pairs.EdDSA }],
      rotation: { publishAhead: '1h' as const },
    };
    const copy = { ...input, keys: input.keys.map((key) => ({ ...key })), rotation: { ...input.rotation } };
    prepareKeys(input, undefined, { clock }).rotateKeys();
    expect(input).toEqual(copy);
  });
});
