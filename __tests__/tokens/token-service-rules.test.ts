// TokenService verification rules at their edges: nbf within the skew, aud as a list, the claims each kind of token
// must carry, a typ-less header, an internal token's pinned algorithm, the 8 KiB length limit, frozen claims, and the
// verified-token cache after a key removal and after an expired entry.
import { createHmac } from 'node:crypto';
import { AuthError, wrongTokenKindMessage } from '../../lib/errors';
import { internalKeysOf } from '../../lib/tokens/internal-keys';
import { KeySet } from '../../lib/tokens/key-set';
import { prepareKeys } from '../../lib/tokens/keys';
import { TokenService, type TokenServiceConfig } from '../../lib/tokens/token-service';
import { keySetsClosedAfterEach, testTokenService, thrownCode } from '../helpers/keys';

const SECRET = 'token-service-rules-secret-0123456789-0123456789-0123456789-abcdef';
const HOUR = 3_600_000;
let now: number;
const clock = (): number => now;
const track = keySetsClosedAfterEach();

beforeEach(() => {
  now = Date.UTC(2026, 0, 1, 12, 0, 0);
});
function service(overrides: Partial<TokenServiceConfig> = {}): TokenService {
  return testTokenService({
    keys: prepareKeys(SECRET, 'HS512'),
    clock,
    ...overrides,
  });
}

const seconds = (): number => Math.floor(now / 1000);
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token with any header and payload, HMAC-signed with `key`. */
function forge(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  key: Parameters<typeof createHmac>[1] = SECRET,
  hash = 'sha512',
): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac(hash, key).update(input).digest('base64url')}`;
}

function claims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { sub: '1', auth: 'ROLE_USER', usefor: 'access', iat: seconds(), exp: seconds() + 900, jti: 'j-1', ...extra };
}

const LEGACY = { alg: 'HS512', typ: 'JWT' };

describe('nbf', () => {
  it('accepts an nbf up to the clock skew ahead, and refuses one further ahead or not a number', () => {
    const tokens = service();
    expect(tokens.verify(forge(LEGACY, claims({ nbf: seconds() + 10 })), 'access').sub).toBe('1');
    expect(tokens.verify(forge(LEGACY, claims({ nbf: seconds() + 30 })), 'access').sub).toBe('1');
    expect(thrownCode(() => tokens.verify(forge(LEGACY, claims({ nbf: seconds() + 31 })), 'access'))).toBe(
      'token_invalid',
    );
    expect(thrownCode(() => tokens.verify(forge(LEGACY, claims({ nbf: String(seconds()) })), 'access'))).toBe(
      'token_invalid',
    );
    expect(tokens.verify(forge(LEGACY, claims({ nbf: seconds() - 60 })), 'access').sub).toBe('1');
  });
});

describe('exp and the header, of the wrong type', () => {
  it('an exp that is a string is token_invalid, even one that would read as long past', () => {
    for (const exp of ['0', '', '1'])
      expect(thrownCode(() => service().verify(forge(LEGACY, claims({ exp })), 'access'))).toBe('token_invalid');
  });

  it('a header that is JSON but not an object (null, a number, a string) is token_malformed', () => {
    for (const header of ['null', '7', '"HS512"']) {
      const token = `${Buffer.from(header).toString('base64url')}.${b64(claims())}.c2ln`;
      expect(thrownCode(() => service().verify(token, 'access'))).toBe('token_malformed');
    }
  });
});

describe('segments outside base64url', () => {
  it('a payload or signature segment with padding or base64 characters is token_malformed, even validly signed', () => {
    const tokens = service();
    const padded = `${b64(LEGACY)}.${b64(claims())}=`;
    const signedPadded = `${padded}.${createHmac('sha512', SECRET).update(padded).digest('base64url')}`;
    expect(thrownCode(() => tokens.verify(signedPadded, 'access'))).toBe('token_malformed');
    const good = forge(LEGACY, claims());
    expect(tokens.verify(good, 'access').sub).toBe('1');
    expect(thrownCode(() => tokens.verify(`${good}=`, 'access'))).toBe('token_malformed');
    expect(thrownCode(() => tokens.verify(`${good.slice(0, -1)}+`, 'access'))).toBe('token_malformed');
  });
});

describe('a header or payload that is not JSON', () => {
  it('is refused with the parse error as the cause (for the logs)', () => {
    const causeOf = (token: string): unknown => {
      try {
        service().verify(token, 'access');
      } catch (error) {
        return (error as Error).cause;
      }
      return undefined;
    };
    const notJson = Buffer.from('not json').toString('base64url');
    expect(causeOf(`${notJson}.${b64(claims())}.c2ln`)).toBeInstanceOf(SyntaxError);
    const input = `${b64(LEGACY)}.${notJson}`;
    expect(causeOf(`${input}.${createHmac('sha512', SECRET).update(input).digest('base64url')}`)).toBeInstanceOf(
      SyntaxError,
    );
  });
});

describe('aud as a list', () => {
  it('accepts a list that contains the configured audience, and refuses one that does not', () => {
    const tokens = service({ audience: 'api' });
    expect(tokens.verify(forge(LEGACY, claims({ aud: ['other', 'api'] })), 'access').sub).toBe('1');
    expect(thrownCode(() => tokens.verify(forge(LEGACY, claims({ aud: ['other', 'apis'] })), 'access'))).toBe(
      'token_invalid',
    );
    expect(thrownCode(() => tokens.verify(forge(LEGACY, claims({ aud: [] })), 'access'))).toBe('token_invalid');
  });
});

describe('the claims of each kind (tokens issued before explicit typing, under the published key)', () => {
  it.each([
    ['refresh', 'fam'],
    ['tfa', 'cid'],
    ['device', 'did'],
  ] as const)('a %s token needs its %s, a string', (use, claim) => {
    const tokens = service();
    const base = claims({ usefor: use, auth: undefined });
    expect(tokens.verify(forge(LEGACY, { ...base, [claim]: 'x' }), use)).toMatchObject({ sub: '1', [claim]: 'x' });
    expect(thrownCode(() => tokens.verify(forge(LEGACY, base), use))).toBe('token_invalid');
    expect(thrownCode(() => tokens.verify(forge(LEGACY, { ...base, [claim]: 7 }), use))).toBe('token_invalid');
  });

  it('an access token needs no fam, cid or did', () => {
    expect(service().verify(forge(LEGACY, claims()), 'access').sub).toBe('1');
  });
});

describe('the typ header', () => {
  it('a token with no typ (issued before explicit typing) verifies as the kind its usefor says', () => {
    const tokens = service();
    expect(tokens.verify(forge({ alg: 'HS512' }, claims()), 'access').sub).toBe('1');
    expect(tokens.verify(forge({ alg: 'HS512' }, claims({ usefor: 'refresh', fam: 'f' })), 'refresh').fam).toBe('f');
  });

  it('a typ we never issue is refused', () => {
    for (const typ of ['jwt', 'at+JWT', 'JOSE', 'refresh+jwt', '']) {
      expect(thrownCode(() => service().verify(forge({ alg: 'HS512', typ }, claims()), 'access'))).toBe(
        'token_invalid',
      );
    }
  });
});

describe("an internal token's algorithm", () => {
  it('is HS256 under the internal key: a valid HS256 signature under a header naming another alg is refused', () => {
    const keys = prepareKeys(SECRET, 'HS512');
    const tokens = service({ keys });
    const internal = internalKeysOf(keys.signingKeyFor(seconds() + 60)) as NonNullable<
      ReturnType<typeof internalKeysOf>
    >;
    const payload = claims({ usefor: 'refresh', fam: 'f', auth: undefined });
    const header = { typ: 'refresh+jwt', kid: internal.kid };
    expect(
      tokens.verify(forge({ ...header, alg: 'HS256' }, payload, internal.keys.refresh, 'sha256'), 'refresh').fam,
    ).toBe('f');
    for (const alg of ['HS512', 'none', 'EdDSA']) {
      expect(
        thrownCode(() => tokens.verify(forge({ ...header, alg }, payload, internal.keys.refresh, 'sha256'), 'refresh')),
      ).toBe('token_invalid');
    }
    // Under another kind's internal key, or with a kid that is not a string: refused.
    expect(
      thrownCode(() =>
        tokens.verify(forge({ ...header, alg: 'HS256' }, payload, internal.keys.tfa, 'sha256'), 'refresh'),
      ),
    ).toBe('token_invalid');
    expect(
      thrownCode(() =>
        tokens.verify(forge({ ...header, alg: 'HS256', kid: 1 }, payload, internal.keys.refresh, 'sha256'), 'refresh'),
      ),
    ).toBe('token_invalid');
  });
});

describe('the length limit', () => {
  /** A signed access token of exactly `length` characters (the subject padded), or undefined when none has it. */
  function tokenOfLength(tokens: TokenService, length: number): string | undefined {
    for (let sub = Math.floor(length * 0.75) - 400; sub < length; sub += 1) {
      const token = tokens.sign('access', { sub: 's'.repeat(sub), auth: '' }, 900).token;
      if (token.length === length) return token;
      if (token.length > length) return undefined;
    }
    return undefined;
  }

  it('verifies a token of 8192 characters; one character more is token_malformed', () => {
    let tokens = service();
    let token = tokenOfLength(tokens, 8192);
    if (token === undefined) {
      // A base64url segment is never 1 more than a multiple of 4 long: an HS384 signature shifts the total.
      tokens = service({ keys: prepareKeys(SECRET, 'HS384') });
      token = tokenOfLength(tokens, 8192) as string;
    }
    expect(token).toHaveLength(8192);
    expect(tokens.verify(token, 'access').usefor).toBe('access');
    expect(thrownCode(() => tokens.verify(`${token}A`, 'access'))).toBe('token_malformed');
  });
});

describe('claims handed out', () => {
  it('are frozen: a handler writing to them changes nothing for the next request with the token', () => {
    const tokens = service();
    const token = tokens.sign('access', { sub: '1', auth: 'ROLE_USER' }, 900).token;
    const first = tokens.verifyAccess(token);
    expect(Object.isFrozen(first)).toBe(true);
    expect(() => {
      (first as unknown as Record<string, unknown>).auth = 'ROLE_ADMIN';
    }).toThrow(TypeError);
    expect(tokens.verifyAccess(token).auth).toBe('ROLE_USER');
    expect(Object.isFrozen(tokens.verify(token, 'access'))).toBe(true);
  });
});

describe('the verified-token cache', () => {
  /** Whether verifying `token` did the work (looked its key up) rather than answer from memory. */
  function afresh(tokens: TokenService, keys: KeySet, token: string): boolean {
    const lookups = jest.spyOn(keys, 'verificationKey');
    try {
      expect(tokens.verifyAccess(token).usefor).toBe('access');
      return lookups.mock.calls.length > 0;
    } finally {
      lookups.mockRestore();
    }
  }

  it('works again after a key removal emptied it', () => {
    const keys = new KeySet({ rotation: { algorithm: 'EdDSA', publishAhead: '1h', retainFor: '1h' }, clock });
    track(keys);
    const tokens = service({ keys, clockSkewSeconds: 0 });
    tokens.verifyAccess(tokens.sign('access', { sub: 'old', auth: '' }, 60).token);
    keys.rotateKeys({ publishAhead: 0 });
    now += HOUR;
    // The first key is dropped now: the cache starts over.
    expect(keys.listKeys()).toHaveLength(1);
    const token = tokens.sign('access', { sub: 'new', auth: '' }, 900).token;
    expect(afresh(tokens, keys, token)).toBe(true);
    expect(afresh(tokens, keys, token)).toBe(false);
    expect(afresh(tokens, keys, token)).toBe(false);
  });

  it('an expired token found in it frees its place (it does not push out a live token)', () => {
    const keys = prepareKeys(SECRET, 'HS256');
    const tokens = service({ keys, clockSkewSeconds: 0, verifiedCacheSize: 2 });
    const live = tokens.sign('access', { sub: 'live', auth: '' }, 900).token;
    const brief = tokens.sign('access', { sub: 'brief', auth: '' }, 60).token;
    expect(afresh(tokens, keys, live)).toBe(true);
    expect(afresh(tokens, keys, brief)).toBe(true);
    now += 60_000;
    expect(thrownCode(() => tokens.verifyAccess(brief))).toBe('token_expired');
    const other = tokens.sign('access', { sub: 'other', auth: '' }, 900).token;
    expect(afresh(tokens, keys, other)).toBe(true);
    // Two places: live and other fit.
    expect(afresh(tokens, keys, live)).toBe(false);
    expect(afresh(tokens, keys, other)).toBe(false);
  });
});

describe('the last gaps mutation testing found', () => {
  it('refuses an iat that is not a number, even one that compares as a past time', () => {
    expect(thrownCode(() => service().verify(forge(LEGACY, claims({ iat: '0' })), 'access'))).toBe('token_invalid');
  });

  it('ignores an iss when no issuer is configured (iss is checked only against a configured issuer)', () => {
    expect(service().verify(forge(LEGACY, claims({ iss: 'https://someone.example' })), 'access').sub).toBe('1');
    expect(
      thrownCode(() =>
        service({ issuer: 'https://auth.example' }).verify(
          forge(LEGACY, claims({ iss: 'https://someone.example' })),
          'access',
        ),
      ),
    ).toBe('token_invalid');
  });

  it('refuses a token without any dot as malformed, even when its start decodes to a JSON header', () => {
    // `${header}x`: were the second dot searched for from the wrong place, the header would parse and the token
    // would reach the signature check instead of being refused as malformed.
    expect(thrownCode(() => service().verify(`${b64(LEGACY)}x`, 'access'))).toBe('token_malformed');
  });

  it('names the algorithm of its signing key', () => {
    expect(service().algorithm).toBe('HS512');
    expect(service({ keys: prepareKeys(SECRET, 'HS256') }).algorithm).toBe('HS256');
  });
});

describe('kinds and lean access tokens', () => {
  function messageOf(fn: () => unknown): string | undefined {
    try {
      fn();
      return undefined;
    } catch (error) {
      return error instanceof AuthError ? `${error.code}: ${error.message}` : String(error);
    }
  }
  const headerOf = (token: string): Record<string, unknown> =>
    JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
  const lean = (): TokenService => service({ accessTokenClaims: [] });

  it('declaredKind reads the kind a header names, and nothing from what is not a header of ours', () => {
    const tokens = service();
    expect(tokens.declaredKind(tokens.sign('access', { sub: '1', auth: '' }, 900).token)).toBe('access');
    expect(tokens.declaredKind(tokens.sign('refresh', { sub: '1', fam: 'f' }, 900).token)).toBe('refresh');
    expect(tokens.declaredKind(forge(LEGACY, claims()))).toBeUndefined();
    expect(tokens.declaredKind(`${b64({ typ: 'refresh+jwt' })}.x.y`)).toBe('refresh');
    expect(tokens.declaredKind(`.${b64({ typ: 'refresh+jwt' })}`)).toBeUndefined();
    expect(tokens.declaredKind(`${b64({ typ: 'refresh+jwt', pad: 'p'.repeat(1100) })}.x.y`)).toBeUndefined();
    expect(tokens.declaredKind('not-base64-json.x.y')).toBeUndefined();
    expect(tokens.declaredKind('bnVsbA.x.y')).toBeUndefined(); // "null"
    // A header of up to 1024 characters is read; a longer one is not (the bound keeps an unverified parse small).
    const headerOfLength = (length: number): string => {
      for (let pad = 0; pad < 2000; pad += 1) {
        const header = b64({ typ: 'refresh+jwt', pad: 'p'.repeat(pad) });
        if (header.length === length) return header;
      }
      throw new Error(`no header of ${length} characters`);
    };
    expect(tokens.declaredKind(`${headerOfLength(1024)}.x.y`)).toBe('refresh');
    expect(tokens.declaredKind(`${headerOfLength(1026)}.x.y`)).toBeUndefined();
  });

  it('a token of another kind is refused with a message naming both kinds, typed or from before typing', () => {
    const tokens = service();
    const refresh = tokens.sign('refresh', { sub: '1', fam: 'f' }, 900).token;
    expect(messageOf(() => tokens.verify(refresh, 'access'))).toBe(
      `token_invalid: ${wrongTokenKindMessage('access', 'refresh')}`,
    );
    expect(messageOf(() => tokens.verify(forge(LEGACY, claims({ usefor: 'refresh', fam: 'f' })), 'access'))).toBe(
      `token_invalid: ${wrongTokenKindMessage('access', 'refresh')}`,
    );
  });

  it('a lean service leaves auth_time out only when it equals iat; a full one always writes it', () => {
    const payloadOf = (token: string): Record<string, unknown> =>
      JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(
      payloadOf(lean().sign('access', { sub: '1', auth: '', auth_time: seconds() }, 900).token),
    ).not.toHaveProperty('auth_time');
    expect(
      payloadOf(lean().sign('access', { sub: '1', auth: '', auth_time: seconds() - 100 }, 900).token).auth_time,
    ).toBe(seconds() - 100);
    expect(payloadOf(service().sign('access', { sub: '1', auth: '', auth_time: seconds() }, 900).token).auth_time).toBe(
      seconds(),
    );
    // Only access tokens are lean.
    expect(payloadOf(lean().sign('refresh', { sub: '1', fam: 'f' }, 900).token)).toMatchObject({
      usefor: 'refresh',
      jti: expect.any(String),
    });
  });

  it('an access token typed at+jwt may leave out usefor or jti, each on its own', () => {
    const tokens = lean();
    const header = headerOf(tokens.sign('access', { sub: '1', auth: '' }, 900).token);
    const { usefor: _usefor, ...withoutUsefor } = claims();
    const { jti: _jti, ...withoutJti } = claims();
    expect(tokens.verify(forge(header, withoutUsefor), 'access').sub).toBe('1');
    expect(tokens.verify(forge(header, withoutJti), 'access').sub).toBe('1');
    // A token of before typing must still carry both.
    expect(thrownCode(() => tokens.verify(forge(LEGACY, withoutUsefor), 'access'))).toBe('token_invalid');
    expect(thrownCode(() => tokens.verify(forge(LEGACY, withoutJti), 'access'))).toBe('token_invalid');
  });
});
