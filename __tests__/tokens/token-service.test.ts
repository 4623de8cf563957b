// TokenService: the claims we sign, and every header, claim and algorithm trick verification must refuse.
import { createHmac, generateKeyPairSync, sign as rsaSign, type KeyObject } from 'node:crypto';
import { prepareKeys } from '../../lib/tokens/keys';
import { TokenService, type TokenServiceConfig } from '../../lib/tokens/token-service';
import { authErrorCode, createFakeClock, type FakeClock, testTokenService } from '../helpers/keys';

const SECRET = 'token-service-test-secret-0123456789-0123456789-0123456789-abcdef'; // 64 bytes: HS512
// Token ids are 128 random bits in base64url.
const TOKEN_ID = /^[A-Za-z0-9_-]{22}$/;

let clock: FakeClock;

beforeEach(() => {
  clock = createFakeClock();
});

function service(overrides: Partial<TokenServiceConfig> = {}): TokenService {
  return testTokenService({
    keys: prepareKeys(SECRET, 'HS512'),
    clock,
    ...overrides,
  });
}

const now = (): number => Math.floor(clock() / 1000);
const b64 = (value: unknown): string =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** A token with any header and payload (an object, or raw text), HMAC-signed with `key` (default: our secret). */
function forge(
  header: Record<string, unknown>,
  payload: unknown,
  key: string | Buffer = SECRET,
  hash = 'sha512',
): string {
  const signingInput = `${b64(header)}.${b64(payload)}`;
  return `${signingInput}.${createHmac(hash, key).update(signingInput).digest('base64url')}`;
}

/** Access claims that verify, for tests that then break one thing. */
function goodClaims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sub: '1',
    auth: 'ROLE_USER',
    usefor: 'access',
    iat: now(),
    exp: now() + 900,
    exi: 900,
    jti: 'j-1',
    ...extra,
  };
}

function decode(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header as string, 'base64url').toString()) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(payload as string, 'base64url').toString()) as Record<string, unknown>,
  };
}

describe('signing', () => {
  it('writes sub, iat, exp, jti, usefor, exi and auth, and nothing about iss/aud when none are configured', () => {
    const tokens = service();
    const issued = tokens.sign('access', { sub: '42', auth: 'ROLE_ADMIN,ROLE_USER' }, 900);
    const { header, payload } = decode(issued.token);
    // Every token names its key, HMAC ones too (8 characters of a keyed hash of the secret, the same on every instance).
    expect(header).toEqual({ alg: 'HS512', typ: 'at+jwt', kid: expect.stringMatching(/^[A-Za-z0-9_-]{8}$/) });
    // Another instance with the same secret names the key the same way.
    expect(decode(service().sign('access', { sub: '1', auth: '' }, 60).token).header.kid).toBe(header.kid);
    expect(payload).toEqual({
      sub: '42',
      auth: 'ROLE_ADMIN,ROLE_USER',
      usefor: 'access',
      iat: now(),
      exp: now() + 900,
      exi: 900,
      jti: expect.stringMatching(TOKEN_ID),
    });
    expect(issued).toEqual({
      token: issued.token,
      jti: payload.jti,
      issuedAt: now(),
      expiresAt: now() + 900,
      lifetime: 900,
    });
  });

  it('writes iss and aud when configured', () => {
    const { payload } = decode(
      service({ issuer: 'https://auth.example', audience: 'api' }).sign('access', { sub: '1', auth: '' }, 60).token,
    );
    expect(payload).toMatchObject({ iss: 'https://auth.example', aud: 'api' });
  });

  it('gives every token a fresh jti', () => {
    const tokens = service();
    const jtis = new Set(Array.from({ length: 20 }, () => tokens.sign('access', { sub: '1', auth: '' }, 60).jti));
    expect(jtis.size).toBe(20);
  });

  it('caps exp at expiresNoLaterThan, with exi matching the shortened lifetime', () => {
    const issued = service().sign('refresh', { sub: '1', fam: 'f' }, 3600, now() + 100);
    expect(decode(issued.token).payload).toMatchObject({ exp: now() + 100, exi: 100, usefor: 'refresh', fam: 'f' });
  });

  it('writes the kid of a key pair in the header', () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const tokens = service({ keys: prepareKeys({ algorithm: 'ES256', ...pair, kid: 'ec-2026' }, undefined) });
    const issued = tokens.sign('access', { sub: '1', auth: 'ROLE_USER' }, 60);
    expect(decode(issued.token).header).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: 'ec-2026' });
    expect(tokens.verify(issued.token, 'access').sub).toBe('1');
  });
});

describe('verification: what passes', () => {
  it('round-trips a token of each kind only as that kind', () => {
    const tokens = service();
    const access = tokens.sign('access', { sub: '1', auth: 'ROLE_USER' }, 60).token;
    const refresh = tokens.sign('refresh', { sub: '1', fam: 'f' }, 60).token;
    const challenge = tokens.sign('tfa', { sub: '1', cid: 'c' }, 60).token;
    expect(tokens.verify(access, 'access')).toMatchObject({ sub: '1', auth: 'ROLE_USER' });
    expect(tokens.verify(refresh, 'refresh')).toMatchObject({ fam: 'f' });
    expect(tokens.verify(challenge, 'tfa')).toMatchObject({ cid: 'c' });
    expect(authErrorCode(() => tokens.verifyAccess(refresh))).toBe('token_invalid');
    expect(authErrorCode(() => tokens.verifyAccess(challenge))).toBe('token_invalid');
    expect(authErrorCode(() => tokens.verify(access, 'refresh'))).toBe('token_invalid');
    expect(authErrorCode(() => tokens.verify(access, 'tfa'))).toBe('token_invalid');
  });
});

describe('expiry and clock skew', () => {
  it('accepts a token up to the skew past exp, then answers token_expired', () => {
    const tokens = service();
    const token = tokens.sign('access', { sub: '1', auth: '' }, 900).token;
    clock.advance((900 + 29) * 1000);
    expect(tokens.verify(token, 'access').sub).toBe('1');
    clock.advance(1000);
    expect(authErrorCode(() => tokens.verify(token, 'access'))).toBe('token_expired');
  });

  it('does not answer an expired token from the verified-token cache', () => {
    const tokens = service();
    const token = tokens.sign('access', { sub: '1', auth: '' }, 60).token;
    expect(tokens.verifyAccess(token).sub).toBe('1');
    clock.advance((60 + 30) * 1000);
    expect(authErrorCode(() => tokens.verifyAccess(token))).toBe('token_expired');
  });

  it('with no skew configured, refuses a token the second it expires', () => {
    const tokens = service({ clockSkewSeconds: 0 });
    const token = tokens.sign('access', { sub: '1', auth: '' }, 60).token;
    clock.advance(59_000);
    expect(tokens.verify(token, 'access').sub).toBe('1');
    clock.advance(1000);
    expect(authErrorCode(() => tokens.verify(token, 'access'))).toBe('token_expired');
  });

  it('refuses a token with no exp (every token must expire)', () => {
    const { exp: _exp, ...claims } = goodClaims();
    expect(authErrorCode(() => service().verify(forge({ alg: 'HS512', typ: 'JWT' }, claims), 'access'))).toBe(
      'token_invalid',
    );
    expect(
      authErrorCode(() =>
        service().verify(forge({ alg: 'HS512', typ: 'JWT' }, goodClaims({ exp: String(now() + 60) })), 'access'),
      ),
    ).toBe('token_invalid');
  });

  it('refuses an iat in the future beyond the skew, and accepts one within it', () => {
    const header = { alg: 'HS512', typ: 'JWT' };
    expect(service().verify(forge(header, goodClaims({ iat: now() + 30 })), 'access').sub).toBe('1');
    expect(authErrorCode(() => service().verify(forge(header, goodClaims({ iat: now() + 31 })), 'access'))).toBe(
      'token_invalid',
    );
    const { iat: _iat, ...noIat } = goodClaims();
    expect(authErrorCode(() => service().verify(forge(header, noIat), 'access'))).toBe('token_invalid');
  });

  it('refuses a token whose nbf is still ahead', () => {
    expect(
      authErrorCode(() =>
        service().verify(forge({ alg: 'HS512', typ: 'JWT' }, goodClaims({ nbf: now() + 120 })), 'access'),
      ),
    ).toBe('token_invalid');
  });
});

describe('algorithm pinning', () => {
  const claims = (): Record<string, unknown> => goodClaims();

  it('refuses alg "none", unsigned or with a signature', () => {
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`;
    expect(authErrorCode(() => service().verifyAccess(unsigned))).toBe('token_invalid');
    expect(authErrorCode(() => service().verifyAccess(forge({ alg: 'none', typ: 'JWT' }, claims())))).toBe(
      'token_invalid',
    );
    expect(authErrorCode(() => service().verifyAccess(forge({ alg: 'None' }, claims())))).toBe('token_invalid');
    expect(authErrorCode(() => service().verifyAccess(forge({ typ: 'JWT' }, claims())))).toBe('token_invalid');
  });

  it('refuses our own key under another HMAC algorithm (an HS256 token to an HS512 verifier)', () => {
    const hs256 = forge({ alg: 'HS256', typ: 'JWT' }, claims(), SECRET, 'sha256');
    expect(authErrorCode(() => service().verifyAccess(hs256))).toBe('token_invalid');
    const hs384 = forge({ alg: 'HS384', typ: 'JWT' }, claims(), SECRET, 'sha384');
    expect(authErrorCode(() => service().verifyAccess(hs384))).toBe('token_invalid');
    // ...while the same claims under the pinned algorithm pass, so the refusal is about the algorithm alone.
    expect(service().verifyAccess(forge({ alg: 'HS512', typ: 'JWT' }, claims())).sub).toBe('1');
  });

  it('refuses a token signed with another key', () => {
    const other = forge({ alg: 'HS512', typ: 'JWT' }, claims(), `${SECRET}-other`);
    expect(authErrorCode(() => service().verifyAccess(other))).toBe('token_invalid');
  });

  describe('with an RS256 key pair', () => {
    let pair: { privateKey: KeyObject; publicKey: KeyObject };
    let publicPem: string;
    let tokens: TokenService;

    beforeAll(() => {
      pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
      publicPem = pair.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    });

    beforeEach(() => {
      tokens = service({ keys: prepareKeys({ algorithm: 'RS256', ...pair, kid: 'rsa-1' }, undefined) });
    });

    function rs256(header: Record<string, unknown>, payload: Record<string, unknown>): string {
      const input = `${b64(header)}.${b64(payload)}`;
      return `${input}.${rsaSign('sha256', Buffer.from(input), pair.privateKey).toString('base64url')}`;
    }

    it('accepts its own RS256 token with the kid', () => {
      expect(tokens.verifyAccess(rs256({ alg: 'RS256', typ: 'JWT', kid: 'rsa-1' }, claims())).sub).toBe('1');
    });

    it('refuses the public key used as an HMAC secret (the classic confusion), under any HS algorithm', () => {
      for (const [alg, hash] of [
        ['HS256', 'sha256'],
        ['HS384', 'sha384'],
        ['HS512', 'sha512'],
      ] as const) {
        const confused = forge({ alg, typ: 'JWT', kid: 'rsa-1' }, claims(), publicPem, hash);
        expect(authErrorCode(() => tokens.verifyAccess(confused))).toBe('token_invalid');
      }
      // Claiming RS256 in the header but carrying an HMAC signature fails the RSA check too.
      const relabelled = forge({ alg: 'RS256', typ: 'JWT', kid: 'rsa-1' }, claims(), publicPem, 'sha256');
      expect(authErrorCode(() => tokens.verifyAccess(relabelled))).toBe('token_invalid');
    });

    it('requires our kid: none, or another one, is refused', () => {
      expect(authErrorCode(() => tokens.verifyAccess(rs256({ alg: 'RS256', typ: 'JWT' }, claims())))).toBe(
        'token_invalid',
      );
      expect(
        authErrorCode(() => tokens.verifyAccess(rs256({ alg: 'RS256', typ: 'JWT', kid: 'rsa-0' }, claims()))),
      ).toBe('token_invalid');
    });
  });

  it('refuses a kid that names none of our keys, or a kid that is not a string', () => {
    expect(authErrorCode(() => service().verifyAccess(forge({ alg: 'HS512', typ: 'JWT', kid: 'k1' }, claims())))).toBe(
      'token_invalid',
    );
    expect(authErrorCode(() => service().verifyAccess(forge({ alg: 'HS512', typ: 'JWT', kid: 7 }, claims())))).toBe(
      'token_invalid',
    );
    expect(authErrorCode(() => service().verifyAccess(forge({ alg: 'HS512', typ: 'JWT', kid: null }, claims())))).toBe(
      'token_invalid',
    );
  });

  it('accepts an HMAC token with our kid, and one with no kid (issued before tokens carried one) only under the pinned algorithm', () => {
    const { kid } = decode(service().sign('access', { sub: '1', auth: '' }, 60).token).header;
    expect(service().verifyAccess(forge({ alg: 'HS512', typ: 'JWT', kid }, claims())).sub).toBe('1');
    expect(service().verifyAccess(forge({ alg: 'HS512', typ: 'JWT' }, claims())).sub).toBe('1');
    expect(
      authErrorCode(() => service().verifyAccess(forge({ alg: 'HS256', typ: 'JWT' }, claims(), SECRET, 'sha256'))),
    ).toBe('token_invalid');
    expect(
      authErrorCode(() => service().verifyAccess(forge({ alg: 'HS256', typ: 'JWT', kid }, claims(), SECRET, 'sha256'))),
    ).toBe('token_invalid');
  });

  it('refuses a kid-less token when the keys are a key pair (those tokens always carried a kid)', () => {
    const pair = generateKeyPairSync('ed25519');
    const tokens = service({ keys: prepareKeys({ algorithm: 'EdDSA', ...pair, kid: 'ed-1' }, undefined) });
    const [, payload, signature] = tokens.sign('access', { sub: '1', auth: '' }, 60).token.split('.');
    expect(
      authErrorCode(() => tokens.verifyAccess(`${b64({ alg: 'EdDSA', typ: 'JWT' })}.${payload}.${signature}`)),
    ).toBe('token_invalid');
  });
});

describe('headers RFC 8725 warns about (each otherwise validly signed)', () => {
  it.each([
    ['crit', { crit: ['exp'], exp: 1 }],
    ['crit (empty)', { crit: [] }],
    ['jwk', { jwk: { kty: 'oct', k: 'AAAA' } }],
    ['jku', { jku: 'https://attacker.example/jwks.json' }],
    ['x5u', { x5u: 'https://attacker.example/cert.pem' }],
    ['x5c', { x5c: ['MIIB'] }],
  ])('refuses %s', (_name, extra) => {
    const token = forge({ alg: 'HS512', typ: 'JWT', ...extra }, goodClaims());
    expect(authErrorCode(() => service().verifyAccess(token))).toBe('token_invalid');
  });
});

describe('issuer and audience', () => {
  const header = { alg: 'HS512', typ: 'JWT' };

  it('refuses a wrong or missing iss when an issuer is configured', () => {
    const tokens = service({ issuer: 'https://auth.example' });
    expect(tokens.verifyAccess(forge(header, goodClaims({ iss: 'https://auth.example' }))).sub).toBe('1');
    expect(authErrorCode(() => tokens.verifyAccess(forge(header, goodClaims({ iss: 'https://evil.example' }))))).toBe(
      'token_invalid',
    );
    expect(authErrorCode(() => tokens.verifyAccess(forge(header, goodClaims())))).toBe('token_invalid');
  });

  it('refuses a wrong or missing aud when an audience is configured', () => {
    const tokens = service({ audience: 'api' });
    expect(tokens.verifyAccess(forge(header, goodClaims({ aud: 'api' }))).sub).toBe('1');
    expect(authErrorCode(() => tokens.verifyAccess(forge(header, goodClaims({ aud: 'other-api' }))))).toBe(
      'token_invalid',
    );
    expect(authErrorCode(() => tokens.verifyAccess(forge(header, goodClaims())))).toBe('token_invalid');
  });

  it('refuses any aud when none is configured (RFC 7519 §4.1.3)', () => {
    expect(authErrorCode(() => service().verifyAccess(forge(header, goodClaims({ aud: 'api' }))))).toBe(
      'token_invalid',
    );
    expect(authErrorCode(() => service().verifyAccess(forge(header, goodClaims({ aud: [] }))))).toBe('token_invalid');
  });

  it("refuses another issuer's token signed with a shared key", () => {
    const issuerA = service({ issuer: 'a' });
    const issuerB = service({ issuer: 'b' });
    expect(authErrorCode(() => issuerB.verifyAccess(issuerA.sign('access', { sub: '1', auth: '' }, 60).token))).toBe(
      'token_invalid',
    );
  });
});

describe('payload and claim shapes', () => {
  const header = { alg: 'HS512', typ: 'JWT' };

  it.each([
    ['a JSON string', '"hello"'],
    ['a JSON array', '[1,2]'],
    ['a JSON number', '42'],
    ['JSON null', 'null'],
    ['not JSON', 'hello'],
  ])('refuses a payload that is %s', (_name, raw) => {
    expect(authErrorCode(() => service().verifyAccess(forge(header, raw)))).toBe('token_invalid');
  });

  it.each([
    ['no sub', { sub: undefined }],
    ['an empty sub', { sub: '' }],
    ['a numeric sub', { sub: 1 }],
    ['no jti', { jti: undefined }],
    ['no usefor', { usefor: undefined }],
    ['no auth on an access token', { auth: undefined }],
    ['auth as an array', { auth: ['ROLE_ADMIN'] }],
  ])('refuses %s', (_name, change) => {
    expect(authErrorCode(() => service().verifyAccess(forge(header, goodClaims(change))))).toBe('token_invalid');
  });
});

describe('malformed tokens', () => {
  const valid = (): string => service().sign('access', { sub: '1', auth: '' }, 60).token;

  it.each([
    ['one segment', () => 'abc'],
    ['two segments', () => 'abc.def'],
    ['four segments', () => `${valid()}.x`],
    ['an empty header', () => `.${valid().split('.').slice(1).join('.')}`],
    ['characters outside base64url', () => valid().replace('.', '+.')],
    ['a header that is not JSON', () => `${b64('not json')}.${b64(goodClaims())}.sig`],
    ['a header that is a JSON array', () => `${b64(['HS512'])}.${b64(goodClaims())}.sig`],
    ['over 8 KiB', () => `${valid()}${'A'.repeat(9000)}`],
  ])('answers token_malformed for %s', (_name, make) => {
    expect(authErrorCode(() => service().verifyAccess(make()))).toBe('token_malformed');
  });

  it('answers token_invalid for a tampered payload or signature', () => {
    const [header, payload, signature] = valid().split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const elevated = b64({ ...claims, auth: 'ROLE_ADMIN' });
    expect(authErrorCode(() => service().verifyAccess(`${header}.${elevated}.${signature}`))).toBe('token_invalid');
    const flipped = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(authErrorCode(() => service().verifyAccess(`${header}.${payload}.${flipped}`))).toBe('token_invalid');
    expect(authErrorCode(() => service().verifyAccess(`${header}.${payload}.`))).toBe('token_invalid');
  });
});
