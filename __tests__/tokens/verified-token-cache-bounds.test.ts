// The verified-token cache at its edges: a token of exactly 2048 characters is remembered and one of 2049 is not, and a
// remembered token is answered from memory through the clock skew after its exp, but refused from exp + skew on.
import type { KeySet } from '../../lib/tokens/key-set';
import { prepareKeys } from '../../lib/tokens/keys';
import { TokenService } from '../../lib/tokens/token-service';
import { testTokenService, thrownCode } from '../helpers/keys';

const SECRET = 'verified-token-cache-bounds-secret-0123456789-0123456789-abcdefgh';
let now: number;
const clock = (): number => now;
let keys: KeySet;

beforeEach(() => {
  now = Date.UTC(2026, 0, 1, 12, 0, 0);
  keys = prepareKeys(SECRET, 'HS256');
});

function service(clockSkewSeconds: number): TokenService {
  return testTokenService({
    keys,
    clockSkewSeconds,
    clock,
    verifiedCacheSize: 10,
  });
}

/** Whether verifying `token` now did the work (looked its key up) rather than answer from memory. */
function verifiedAfresh(tokens: TokenService, token: string): boolean {
  const lookups = jest.spyOn(keys, 'verificationKey');
  try {
    expect(tokens.verifyAccess(token).usefor).toBe('access');
    return lookups.mock.calls.length > 0;
  } finally {
    lookups.mockRestore();
  }
}

/**
 * An access token of exactly `length` characters: the subject padded to reach it. A base64url segment is never 1 more
 * than a multiple of 4 characters long, so some lengths need an HS384 key (a 64-character signature, 43 for HS256).
 */
function tokenOfLength(tokens: TokenService, length: number): string | undefined {
  // The claims around the subject take a few hundred characters: start below, close enough to find it fast.
  for (let sub = Math.max(1, Math.floor(length * 0.75) - 400); sub < length; sub += 1) {
    const token = tokens.sign('access', { sub: 's'.repeat(sub), auth: '' }, 900).token;
    if (token.length === length) return token;
    if (token.length > length) return undefined;
  }
  return undefined;
}

/** A token service and one of its tokens of exactly `length` characters. */
function serviceWithTokenOf(length: number, clockSkewSeconds = 0): { tokens: TokenService; token: string } {
  for (const algorithm of ['HS256', 'HS384'] as const) {
    keys = prepareKeys(SECRET, algorithm);
    const tokens = service(clockSkewSeconds);
    const token = tokenOfLength(tokens, length);
    if (token !== undefined) return { tokens, token };
  }
  throw new Error(`no token of ${length} characters`);
}

describe('the length bound', () => {
  it('remembers a token of exactly 2048 characters', () => {
    const { tokens, token } = serviceWithTokenOf(2048);
    expect(token).toHaveLength(2048);
    expect(verifiedAfresh(tokens, token)).toBe(true);
    expect(verifiedAfresh(tokens, token)).toBe(false);
  });

  it('verifies a token of 2049 characters every time', () => {
    const { tokens, token } = serviceWithTokenOf(2049);
    expect(token).toHaveLength(2049);
    expect(verifiedAfresh(tokens, token)).toBe(true);
    expect(verifiedAfresh(tokens, token)).toBe(true);
  });
});

describe('expiry of a remembered token', () => {
  it('is answered from memory within the clock skew after its exp, and refused (token_expired) from exp + skew on', () => {
    const tokens = service(30);
    const issued = tokens.sign('access', { sub: '1', auth: '' }, 900);
    expect(verifiedAfresh(tokens, issued.token)).toBe(true);
    now = (issued.expiresAt + 29) * 1000 + 999;
    expect(verifiedAfresh(tokens, issued.token)).toBe(false);
    now += 1;
    expect(thrownCode(() => tokens.verifyAccess(issued.token))).toBe('token_expired');
  });
});
