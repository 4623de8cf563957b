// The keys of tokens only this library reads (refresh, second-factor challenge, device): derived from each configured
// key's secret material with HKDF, never published, one per kind, so a service verifying with the JWKS or the shared
// HMAC secret can only ever accept an access token (RFC 8725 §2.8 and §3.11).
import { createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
import type { TokenUse } from './claims';
import type { PreparedKey } from './key-material';

/** The kinds of token signed with an internal key: every kind but `access`. */
export type InternalTokenUse = Exclude<TokenUse, 'access'>;

/** The internal tokens' algorithm: HMAC, since only this library signs and verifies them. */
export const INTERNAL_ALGORITHM = 'HS256';

/** The `typ` header of each kind (RFC 8725 §3.11: explicit typing). Access tokens carry RFC 9068's `at+jwt`. */
export const TOKEN_TYPES: Readonly<Record<TokenUse, string>> = Object.freeze({
  access: 'at+jwt',
  refresh: 'refresh+jwt',
  tfa: 'tfa+jwt',
  device: 'device+jwt',
});

/** The internal keys derived from one configured key. */
export interface InternalKeys {
  /** The `kid` of its internal tokens: an HKDF output of its own, which names the key and reveals nothing of it. */
  readonly kid: string;
  readonly keys: Readonly<Record<InternalTokenUse, KeyObject>>;
}

const SALT = Buffer.from('express-auth-kit internal token keys', 'utf8');
const INTERNAL_USES: readonly InternalTokenUse[] = ['refresh', 'tfa', 'device'];
// PreparedKey objects are immutable and rebuilt whenever a key set reloads: derive once per object.
const derived = new WeakMap<PreparedKey, InternalKeys | null>();

/** The secret material of a configured key: an HMAC secret's bytes, or a private key's PKCS#8 encoding. */
function materialOf(key: PreparedKey): Buffer | undefined {
  const { signingKey } = key;
  if (signingKey === undefined) return undefined;
  return signingKey.type === 'secret' ? signingKey.export() : signingKey.export({ format: 'der', type: 'pkcs8' });
}

function expand(material: Buffer, label: string, bytes: number): Buffer {
  return Buffer.from(hkdfSync('sha256', material, SALT, `express-auth-kit ${label} v1`, bytes));
}

/**
 * The internal keys of `key`, or undefined for a key without secret material (a public key that only verifies:
 * tokens its private half signed elsewhere can be verified here only if that private half is configured here too).
 * Deterministic, so every instance with the same configured key derives the same internal keys.
 */
export function internalKeysOf(key: PreparedKey): InternalKeys | undefined {
  let keys = derived.get(key);
  if (keys === undefined) {
    const material = materialOf(key);
    keys =
      material === undefined
        ? null
        : {
            kid: `in-${expand(material, 'internal kid', 16).toString('base64url')}`,
            keys: Object.freeze(
              Object.fromEntries(
                INTERNAL_USES.map((use) => [use, createSecretKey(expand(material, `internal ${use} token key`, 32))]),
              ) as Record<InternalTokenUse, KeyObject>,
            ),
          };
    derived.set(key, keys);
  }
  return keys ?? undefined;
}
