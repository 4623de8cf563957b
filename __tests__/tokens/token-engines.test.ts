// The same refusals whatever engine checks a token: jsonwebtoken (HS256/384/512, RS256, ES256, algorithms pinned to
// the key) or node:crypto (EdDSA, which jsonwebtoken lacks). Each algorithm's tokens are forged here with the real
// key, so every refusal below is the verifier's rule, not a bad signature: exp, nbf, iss and aud (what jsonwebtoken
// now decides for five of the six), and our pre-checks where jsonwebtoken alone is lax (RFC 8725: alg pinned to the
// key, "none", crit, embedded keys, canonical base64url, whitespace, the length limit).
import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { KeySet } from '../../lib/tokens/key-set';
import type { KeySpec } from '../../lib/tokens/key-material';
import type { SigningAlgorithm } from '../../lib/tokens/keys';
import { TokenService } from '../../lib/tokens/token-service';
import { keySetsClosedAfterEach, thrownCode } from '../helpers/keys';

const SKEW = 30;
const ISSUER = 'https://issuer.example';
const AUDIENCE = 'api.example';
let now: number;
const clock = (): number => now;
const seconds = (): number => Math.floor(now / 1000);
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const track = keySetsClosedAfterEach();

beforeEach(() => {
  now = Date.UTC(2026, 0, 1, 12, 0, 0);
});
interface Engine {
  spec: KeySpec;
  /** Signs `input` as `algorithm` with the real key. */
  sign: (input: string) => string;
}

function pair(kind: 'rsa' | 'ec' | 'ed25519'): { privateKey: KeyObject; publicKey: KeyObject } {
  if (kind === 'rsa') return generateKeyPairSync('rsa', { modulusLength: 2048 });
  if (kind === 'ec') return generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return generateKeyPairSync('ed25519');
}

function engine(algorithm: SigningAlgorithm): Engine {
  switch (algorithm) {
    case 'HS256':
    case 'HS384':
    case 'HS512': {
      const secret = `token-engines-${algorithm}-secret-`.padEnd(80, 'x');
      const hash = `sha${algorithm.slice(2)}`;
      return {
        spec: { algorithm, kid: 'k1', secret },
        sign: (input) => createHmac(hash, secret).update(input).digest('base64url'),
      };
    }
    case 'RS256': {
      const { privateKey, publicKey } = pair('rsa');
      return {
        spec: { algorithm, kid: 'k1', privateKey, publicKey },
        sign: (input) => sign('sha256', Buffer.from(input), privateKey).toString('base64url'),
      };
    }
    case 'ES256': {
      const { privateKey, publicKey } = pair('ec');
      return {
        spec: { algorithm, kid: 'k1', privateKey, publicKey },
        sign: (input) =>
          sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url'),
      };
    }
    case 'EdDSA': {
      const { privateKey, publicKey } = pair('ed25519');
      return {
        spec: { algorithm, kid: 'k1', privateKey, publicKey },
        sign: (input) => sign(null, Buffer.from(input), privateKey).toString('base64url'),
      };
    }
  }
}

describe.each(['HS256', 'HS384', 'HS512', 'RS256', 'ES256', 'EdDSA'] as const)('%s', (algorithm) => {
  const { spec, sign: signInput } = engine(algorithm);
  let tokens: TokenService;

  beforeEach(() => {
    const keys = new KeySet({ keys: [spec], clock });
    track(keys);
    tokens = new TokenService({
      keys,
      issuer: ISSUER,
      audience: AUDIENCE,
      clockSkewSeconds: SKEW,
      clock,
      verifiedCacheSize: 10,
    });
  });

  const header = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    alg: algorithm,
    typ: 'at+jwt',
    kid: 'k1',
    ...extra,
  });
  const claims = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    sub: 'u1',
    auth: 'ROLE_USER',
    usefor: 'access',
    jti: 'j1',
    iat: seconds(),
    exp: seconds() + 900,
    iss: ISSUER,
    aud: AUDIENCE,
    ...extra,
  });
  /** A token with this header and payload, really signed with the key (the header's alg is not what signs). */
  const forge = (h: Record<string, unknown>, p: Record<string, unknown>): string => {
    const input = `${b64(h)}.${b64(p)}`;
    return `${input}.${signInput(input)}`;
  };
  const verify = (token: string): string | undefined => thrownCode(() => tokens.verify(token, 'access'));

  it('a control: its own tokens and a forged token with the real key verify', () => {
    expect(tokens.verify(tokens.sign('access', { sub: 'u1', auth: 'ROLE_USER' }, 900).token, 'access').sub).toBe('u1');
    expect(verify(forge(header(), claims()))).toBeUndefined();
  });

  it('exp: verifies until exp + skew, then token_expired; an exp that is not a number is token_invalid', () => {
    const token = forge(header(), claims({ exp: seconds() + 10 }));
    now += (10 + SKEW - 1) * 1000;
    expect(verify(token)).toBeUndefined();
    now += 1000;
    expect(verify(token)).toBe('token_expired');
    expect(verify(forge(header(), claims({ exp: String(seconds() + 900) })))).toBe('token_invalid');
  });

  it('nbf: accepted up to the skew ahead, refused further ahead or not a number', () => {
    expect(verify(forge(header(), claims({ nbf: seconds() + SKEW })))).toBeUndefined();
    expect(verify(forge(header(), claims({ nbf: seconds() + SKEW + 1 })))).toBe('token_invalid');
    expect(verify(forge(header(), claims({ nbf: String(seconds()) })))).toBe('token_invalid');
  });

  it('iss and aud: a wrong or missing one is refused; an aud list holding ours is accepted', () => {
    expect(verify(forge(header(), claims({ iss: 'https://other.example' })))).toBe('token_invalid');
    expect(verify(forge(header(), claims({ iss: undefined })))).toBe('token_invalid');
    expect(verify(forge(header(), claims({ aud: 'other' })))).toBe('token_invalid');
    expect(verify(forge(header(), claims({ aud: undefined })))).toBe('token_invalid');
    expect(verify(forge(header(), claims({ aud: ['other', AUDIENCE] })))).toBeUndefined();
  });

  it('checks the signature before the claims: an expired token under a wrong signature is token_invalid', () => {
    const [h, p] = forge(header(), claims({ exp: seconds() - 3600 })).split('.') as [string, string, string];
    const other = forge(header(), claims({ sub: 'u2' })).split('.')[2] as string;
    expect(verify(`${h}.${p}.${other}`)).toBe('token_invalid');
  });

  it('the algorithm is the key\'s: "none" and every other alg are refused, whatever signs them', () => {
    const input = `${b64(header({ alg: 'none' }))}.${b64(claims())}`;
    expect(verify(`${input}.`)).toBe('token_invalid');
    expect(verify(`${input}.${signInput(input)}`)).toBe('token_invalid');
    for (const alg of ['HS256', 'HS512', 'RS256', 'ES256', 'EdDSA', 'PS256'].filter((a) => a !== algorithm)) {
      expect(verify(forge(header({ alg }), claims()))).toBe('token_invalid');
    }
  });

  it("refuses crit, embedded keys and an unknown kid, though the signature is the key's", () => {
    expect(verify(forge(header({ crit: ['exp'] }), claims()))).toBe('token_invalid');
    expect(verify(forge(header({ crit: [] }), claims()))).toBe('token_invalid');
    for (const name of ['jwk', 'jku', 'x5u', 'x5c'])
      expect(verify(forge(header({ [name]: 'x' }), claims()))).toBe('token_invalid');
    expect(verify(forge(header({ kid: 'k2' }), claims()))).toBe('token_invalid');
  });

  it('refuses what jsonwebtoken alone would read loosely: base64 characters, padding, whitespace, a respelled signature', () => {
    const token = forge(header(), claims());
    const [h, p, s] = token.split('.') as [string, string, string];
    // Standard base64 for base64url, padding, and whitespace anywhere are refused before any cryptography.
    expect(verify(`${h.replace(/-/g, '+').replace(/_/g, '/')}=.${p}.${s}`)).toBe('token_malformed');
    expect(verify(`${h}.${p}=.${s}`)).toBe('token_malformed');
    expect(verify(` ${token}`)).toBe('token_malformed');
    expect(verify(`${token}\n`)).toBe('token_malformed');
    expect(verify(`${h}. ${p}.${s}`)).toBe('token_malformed');
    // The same signature bytes spelled with stray low bits set (only where the length leaves unused bits).
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    if ((s.length * 6) % 8 !== 0) {
      const respelled = `${s.slice(0, -1)}${alphabet[alphabet.indexOf(s.at(-1) as string) | 1]}`;
      expect(Buffer.from(respelled, 'base64url').equals(Buffer.from(s, 'base64url'))).toBe(true);
      expect(verify(`${h}.${p}.${respelled}`)).toBe('token_invalid');
    }
  });

  it('refuses a token over 8 KiB as malformed, though validly signed', () => {
    expect(verify(forge(header(), claims({ pad: 'x'.repeat(8192) })))).toBe('token_malformed');
  });
});
