// The verified-token cache's direct-mapped front table: two tokens that share a slot never answer for each other, and
// a token that left the cache (evicted as the oldest, expired, or its key removed) is verified afresh, never answered
// from the table.
import { AuthError } from '../../lib/errors';
import type { KeySet } from '../../lib/tokens/key-set';
import { prepareKeys } from '../../lib/tokens/keys';
import { TokenService } from '../../lib/tokens/token-service';
import { slotOf } from '../../lib/tokens/verified-cache';
import { testTokenService } from '../helpers/keys';

const SECRET = 'verified-token-cache-slots-secret-0123456789-0123456789-abcdefgh';
let now: number;
const clock = (): number => now;
let keys: KeySet;

beforeEach(() => {
  now = Date.UTC(2026, 0, 1, 12, 0, 0);
  keys = prepareKeys(SECRET, 'HS256');
});

function service(verifiedCacheSize: number): TokenService {
  return testTokenService({
    keys,
    clockSkewSeconds: 0,
    clock,
    verifiedCacheSize,
  });
}

/** Whether verifying `token` now did the work (looked its key up) rather than answer from memory; and its subject. */
function verify(tokens: TokenService, token: string): { afresh: boolean; sub: string } {
  const lookups = jest.spyOn(keys, 'verificationKey');
  try {
    const { sub } = tokens.verifyAccess(token);
    return { afresh: lookups.mock.calls.length > 0, sub };
  } finally {
    lookups.mockRestore();
  }
}

/** Two access tokens of different subjects whose slots are the same (256 slots: 100 tokens always hold such a pair). */
function collidingPair(tokens: TokenService): [{ token: string; sub: string }, { token: string; sub: string }] {
  const bySlot = new Map<number, { token: string; sub: string }>();
  for (let i = 0; i < 100; i += 1) {
    const sub = `user-${i}`;
    const { token } = tokens.sign('access', { sub, auth: '' }, 900);
    const other = bySlot.get(slotOf(token));
    if (other !== undefined) return [other, { token, sub }];
    bySlot.set(slotOf(token), { token, sub });
  }
  throw new Error('no two tokens share a slot');
}

it('answers each of two tokens sharing a slot with its own claims, from memory once verified', () => {
  const tokens = service(10);
  const [a, b] = collidingPair(tokens);
  expect(verify(tokens, a.token)).toEqual({ afresh: true, sub: a.sub });
  expect(verify(tokens, b.token)).toEqual({ afresh: true, sub: b.sub });
  for (let round = 0; round < 3; round += 1) {
    expect(verify(tokens, a.token)).toEqual({ afresh: false, sub: a.sub });
    expect(verify(tokens, b.token)).toEqual({ afresh: false, sub: b.sub });
  }
});

it('refuses a forged token that shares a slot and the signature characters the slot is taken from', () => {
  const tokens = service(10);
  const { token } = tokens.sign('access', { sub: 'admin', auth: 'ROLE_ADMIN' }, 900);
  tokens.verifyAccess(token);
  // Same header and signature, another payload: same slot, not the same token.
  const [header, , signature] = token.split('.') as [string, string, string];
  const forged = `${header}.${Buffer.from(JSON.stringify({ sub: 'mallory', auth: 'ROLE_ADMIN', usefor: 'access', jti: 'x', iat: 1, exp: 4_000_000_000 })).toString('base64url')}.${signature}`;
  expect(slotOf(forged)).toBe(slotOf(token));
  expect(() => tokens.verifyAccess(forged)).toThrow(AuthError);
});

it('verifies afresh a token evicted as the oldest, though it was the last one its slot held', () => {
  const tokens = service(2);
  const [a] = collidingPair(tokens);
  const others = ['x', 'y'].map((sub) => tokens.sign('access', { sub, auth: '' }, 900).token);
  expect(verify(tokens, a.token).afresh).toBe(true);
  for (const token of others) verify(tokens, token);
  expect(verify(tokens, a.token)).toEqual({ afresh: true, sub: a.sub });
});

it('refuses an expired token its table held (token_expired), verifying it afresh', () => {
  const tokens = service(10);
  const issued = tokens.sign('access', { sub: 'u', auth: '' }, 900);
  expect(verify(tokens, issued.token).afresh).toBe(true);
  expect(verify(tokens, issued.token).afresh).toBe(false);
  now = issued.expiresAt * 1000;
  expect(() => tokens.verifyAccess(issued.token)).toThrow(expect.objectContaining({ code: 'token_expired' }));
});
