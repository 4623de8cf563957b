// Lean access tokens: which claims they leave out, what verification still demands of them, short kids, and the old
// kids of tokens issued before kids were shortened.
import { createHash, createHmac, generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { jwkThumbprint } from '../../lib/tokens/key-material';
import { KeySet } from '../../lib/tokens/key-set';
import { prepareKeys } from '../../lib/tokens/keys';
import { TokenService, type TokenServiceConfig } from '../../lib/tokens/token-service';
import { authErrorCode, keySetsClosedAfterEach, testTokenService } from '../helpers/keys';

const SECRET = 'lean-tokens-test-secret-0123456789-0123456789-0123456789-abcdefgh';
const NOW_MS = Date.UTC(2026, 0, 1, 12, 0, 0);
const clock = (): number => NOW_MS;
const now = Math.floor(NOW_MS / 1000);
const track = keySetsClosedAfterEach();

function service(overrides: Partial<TokenServiceConfig> = {}): TokenService {
  return testTokenService({
    keys: prepareKeys(SECRET, 'HS256', { clock }),
    clock,
    ...overrides,
  });
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

function decode(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = token.split('.') as [string, string];
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString()),
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString()),
  };
}

function hs256(header: Record<string, unknown>, payload: Record<string, unknown>, key: string = SECRET): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

describe('an access token without usefor, exi and jti', () => {
  const lean = (): TokenService => service({ accessTokenClaims: [] });

  it('is signed without them, and verifies as an access token', () => {
    const tokens = lean();
    const issued = tokens.sign('access', { sub: '1', auth: 'ROLE_USER' }, 900);
    expect(decode(issued.token).payload).toEqual({ sub: '1', auth: 'ROLE_USER', iat: now, exp: now + 900 });
    expect(issued.jti).toBeUndefined();
    expect(tokens.verifyAccess(issued.token)).toMatchObject({ sub: '1', auth: 'ROLE_USER' });
  });

  it('leaves every other kind of token as it was: usefor, exi and a 22-character jti', () => {
    const refresh = lean().sign('refresh', { sub: '1', fam: 'f' }, 600);
    expect(decode(refresh.token).payload).toMatchObject({
      usefor: 'refresh',
      exi: 600,
      jti: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
    });
    expect(refresh.jti).toBe(decode(refresh.token).payload.jti);
  });

  it('is still not a token of another kind', () => {
    const tokens = lean();
    const access = tokens.sign('access', { sub: '1', auth: 'ROLE_USER' }, 600).token;
    for (const kind of ['refresh', 'tfa', 'device'] as const)
      expect(authErrorCode(() => tokens.verify(access, kind))).toBe('token_invalid');
  });

  it('verifies only when typed at+jwt: the older JWT type (or none) still needs usefor and jti', () => {
    const tokens = lean();
    const { header, payload } = decode(tokens.sign('access', { sub: '1', auth: 'ROLE_USER' }, 600).token);
    expect(tokens.verifyAccess(hs256(header, payload)).sub).toBe('1');
    for (const typ of ['JWT', undefined]) {
      const retyped = { ...header, typ };
      expect(authErrorCode(() => tokens.verifyAccess(hs256(retyped, payload)))).toBe('token_invalid');
      expect(authErrorCode(() => tokens.verifyAccess(hs256(retyped, { ...payload, usefor: 'access' })))).toBe(
        'token_invalid',
      );
      expect(authErrorCode(() => tokens.verifyAccess(hs256(retyped, { ...payload, jti: 'j' })))).toBe('token_invalid');
      expect(tokens.verifyAccess(hs256(retyped, { ...payload, usefor: 'access', jti: 'j' })).sub).toBe('1');
    }
  });

  it('is refused when typed at+jwt but naming another use, or carrying a jti that is not a string', () => {
    const tokens = lean();
    const { header, payload } = decode(tokens.sign('access', { sub: '1', auth: 'ROLE_USER' }, 600).token);
    for (const usefor of ['refresh', 'tfa', 'device', '', null, 1]) {
      expect(authErrorCode(() => tokens.verifyAccess(hs256(header, { ...payload, usefor })))).toBe('token_invalid');
    }
    for (const jti of [null, 1, {}])
      expect(authErrorCode(() => tokens.verifyAccess(hs256(header, { ...payload, jti })))).toBe('token_invalid');
  });

  it('is accepted by a service that writes them too (one instance upgraded, one not: both read both)', () => {
    const token = lean().sign('access', { sub: '1', auth: 'ROLE_USER' }, 600).token;
    expect(service().verifyAccess(token).sub).toBe('1');
  });
});

describe('short kids', () => {
  it('names an HMAC secret with 8 characters of a keyed hash of it, the same on every instance', () => {
    const kid = prepareKeys(SECRET, 'HS256').kid;
    expect(kid).toBe(createHmac('sha256', SECRET).update('express-auth-kit kid v2').digest('base64url').slice(0, 8));
    expect(prepareKeys(SECRET, 'HS256').kid).toBe(kid);
    expect(prepareKeys(`${SECRET}x`, 'HS256').kid).not.toBe(kid);
  });

  it('names a public key with the first 8 characters of its RFC 7638 thumbprint', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const set = new KeySet({ keys: [{ algorithm: 'EdDSA', privateKey }], clock });
    track(set);
    const jwk = set.jwks().keys[0]!;
    expect(jwk.kid).toBe(jwkThumbprint(jwk).slice(0, 8));
    expect(set.kid).toBe(jwk.kid);
  });
});

describe('tokens signed under the kids of before', () => {
  const accessClaims = {
    sub: '1',
    auth: 'ROLE_USER',
    usefor: 'access',
    iat: now,
    exp: now + 600,
    exi: 600,
    jti: 'old',
  };

  it("an HMAC secret's old kid (hs- and 22 characters of a labelled SHA-256) still finds the secret", () => {
    const oldKid = `hs-${createHash('sha256').update('express-auth-kit hmac kid\0').update(SECRET).digest('base64url').slice(0, 22)}`;
    const tokens = service();
    for (const typ of ['at+jwt', 'JWT'])
      expect(tokens.verifyAccess(hs256({ alg: 'HS256', typ, kid: oldKid }, accessClaims)).sub).toBe('1');
    // Only for its own secret: another secret's old kid names nothing here.
    const otherKid = `hs-${createHash('sha256').update('express-auth-kit hmac kid\0').update(`${SECRET}x`).digest('base64url').slice(0, 22)}`;
    expect(
      authErrorCode(() => tokens.verifyAccess(hs256({ alg: 'HS256', typ: 'at+jwt', kid: otherKid }, accessClaims))),
    ).toBe('token_invalid');
    // And with that secret's algorithm only.
    expect(
      authErrorCode(() => tokens.verifyAccess(hs256({ alg: 'HS512', typ: 'at+jwt', kid: oldKid }, accessClaims))),
    ).toBe('token_invalid');
  });

  it("a key pair's whole thumbprint (its default kid before) still finds it; an explicit kid has no other name", () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const sign = (kid: string): string => {
      const input = `${b64({ alg: 'EdDSA', typ: 'at+jwt', kid })}.${b64(accessClaims)}`;
      return `${input}.${cryptoSign(null, Buffer.from(input), privateKey).toString('base64url')}`;
    };
    const derived = new KeySet({ keys: [{ algorithm: 'EdDSA', privateKey }], clock });
    const named = new KeySet({ keys: [{ algorithm: 'EdDSA', privateKey, kid: 'ed-2026' }], clock });
    track(derived);
    track(named);
    const thumbprint = jwkThumbprint(derived.jwks().keys[0]!);
    expect(thumbprint).toHaveLength(43);
    expect(service({ keys: derived }).verifyAccess(sign(thumbprint)).sub).toBe('1');
    expect(authErrorCode(() => service({ keys: named }).verifyAccess(sign(thumbprint)))).toBe('token_invalid');
    // The JWKS lists the key once, under its kid of now.
    expect(derived.jwks().keys.map((key) => key.kid)).toEqual([derived.kid]);
  });

  it('an old kid never shadows a key whose own kid it is', () => {
    const first = `${SECRET}-first`;
    const oldKidOfFirst = `hs-${createHash('sha256').update('express-auth-kit hmac kid\0').update(first).digest('base64url').slice(0, 22)}`;
    const set = new KeySet({
      keys: [
        { algorithm: 'HS256', secret: first },
        { algorithm: 'HS256', secret: SECRET, kid: oldKidOfFirst },
      ],
      clock,
    });
    track(set);
    const tokens = service({ keys: set });
    expect(
      tokens.verifyAccess(hs256({ alg: 'HS256', typ: 'at+jwt', kid: oldKidOfFirst }, accessClaims, SECRET)).sub,
    ).toBe('1');
    expect(
      authErrorCode(() =>
        tokens.verifyAccess(hs256({ alg: 'HS256', typ: 'at+jwt', kid: oldKidOfFirst }, accessClaims, first)),
      ),
    ).toBe('token_invalid');
  });

  it('an old kid stops verifying when its key is dropped', () => {
    let at = NOW_MS;
    const moving = (): number => at;
    const set = new KeySet({
      keys: [{ algorithm: 'HS256', secret: SECRET }],
      rotation: { retainFor: '1h', publishAhead: '60s' },
      clock: moving,
    });
    track(set);
    const tokens = service({ keys: set, clock: moving });
    const oldKid = `hs-${createHash('sha256').update('express-auth-kit hmac kid\0').update(SECRET).digest('base64url').slice(0, 22)}`;
    const token = (): string =>
      hs256(
        { alg: 'HS256', typ: 'at+jwt', kid: oldKid },
        { ...accessClaims, iat: Math.floor(at / 1000), exp: Math.floor(at / 1000) + 60 },
      );
    expect(tokens.verifyAccess(token()).sub).toBe('1');
    set.rotateKeys({ publishAhead: 0 });
    at += 2 * 3_600_000;
    set.runScheduledWork();
    expect(authErrorCode(() => tokens.verifyAccess(token()))).toBe('token_invalid');
  });
});
