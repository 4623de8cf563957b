// The guard's memory of access tokens it has verified: each signature is checked once, and a token seen again is
// answered from memory until it expires. Bounded in entries (the oldest goes first) and in the length of what it holds.
//
// Why a small direct-mapped table in front of the Map: every request brings a new string, and a Map lookup must hash
// all of it (about 1 µs for a 300-character token, a few % of a bare Express request); comparing it with the one
// token already in its slot costs tens of nanoseconds. The slot comes from a few characters of the signature, which
// are random for every token we issued. Every token in the table is also in the Map: whatever leaves the Map (the
// oldest, an expired one, all of them) leaves the table too, so the Map's bound is the cache's bound.
import type { AccessClaims } from './claims';

/** Longer tokens are verified every time rather than remembered, which bounds the cache's memory. */
const MAX_CACHED_TOKEN_LENGTH = 2048;
const SLOTS = 256;

/** @internal The table slot of `token`: from its last characters (the signature's), without hashing the whole string. */
export function slotOf(token: string): number {
  const end = token.length;
  // charCodeAt out of range is NaN, and NaN & mask is 0: a short string gets slot 0, never an exception.
  return (token.charCodeAt(end - 2) * 961 + token.charCodeAt(end - 3) * 31 + token.charCodeAt(end - 4)) & (SLOTS - 1);
}

export class VerifiedTokenCache {
  private readonly entries = new Map<string, AccessClaims>();
  private readonly slotTokens: (string | undefined)[] = new Array<string | undefined>(SLOTS).fill(undefined);
  private readonly slotClaims: (AccessClaims | undefined)[] = new Array<AccessClaims | undefined>(SLOTS).fill(
    undefined,
  );

  constructor(private readonly maxEntries: number) {}

  /**
   * The claims remembered for `token` if it has not expired at `nowSeconds` (its `exp` plus `skewSeconds`); an
   * expired one is forgotten, and the caller verifies it afresh (and refuses it).
   */
  get(token: string, nowSeconds: number, skewSeconds: number): AccessClaims | undefined {
    const slot = slotOf(token);
    let claims = this.slotTokens[slot] === token ? this.slotClaims[slot] : undefined;
    if (claims === undefined) {
      claims = this.entries.get(token);
      if (claims === undefined) return undefined;
      this.slotTokens[slot] = token;
      this.slotClaims[slot] = claims;
    }
    if (claims.exp + skewSeconds > nowSeconds) return claims;
    this.entries.delete(token);
    this.forgetSlot(token, slot);
    return undefined;
  }

  /** Remembers `token`'s verified claims, unless it is too long; the oldest entry goes when the cache is full. */
  set(token: string, claims: AccessClaims): void {
    if (token.length > MAX_CACHED_TOKEN_LENGTH) return;
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) {
        this.entries.delete(oldest);
        this.forgetSlot(oldest, slotOf(oldest));
      }
    }
    this.entries.set(token, claims);
    const slot = slotOf(token);
    this.slotTokens[slot] = token;
    this.slotClaims[slot] = claims;
  }

  /** Forgets everything (a key was removed or replaced). */
  clear(): void {
    this.entries.clear();
    this.slotTokens.fill(undefined);
    this.slotClaims.fill(undefined);
  }

  private forgetSlot(token: string, slot: number): void {
    if (this.slotTokens[slot] !== token) return;
    this.slotTokens[slot] = undefined;
    this.slotClaims[slot] = undefined;
  }
}
