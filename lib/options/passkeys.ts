// The `passkeys` option, checked at start-up: the relying party (RP ID, name, origins) and a store that can keep them.
import { isIP } from 'node:net';
import type { UserStore } from '../stores/types';
import { plainObject, type KnownKeys } from './validate';

/** The relying party of passkeys (see {@link AuthOptions.passkeys}). */
export interface PasskeyOptions {
  /**
   * The RP ID: the site's domain (or a registrable suffix of it), never an IP address, and never to change (a passkey
   * works only under the RP ID it was made for). @example 'example.com'
   */
  rpId: string;
  /** The name authenticators show. @example 'Example' */
  rpName: string;
  /** The origins of the pages that run the ceremonies, each the RP ID's host or a subdomain of it. @example ['https://example.com'] */
  origins: readonly string[];
}

const PASSKEYS_KEYS: KnownKeys<PasskeyOptions> = { rpId: true, rpName: true, origins: true };

/** Passkeys, resolved. Internal. */
export interface ResolvedPasskeys {
  rpId: string;
  rpName: string;
  /** Serialized origins (`new URL(o).origin`). */
  origins: readonly string[];
}

/** The user-store methods passkeys need, all of them. */
const PASSKEY_STORE_METHODS = [
  'createPasskey',
  'listPasskeys',
  'findPasskeyByCredentialId',
  'updatePasskeyUse',
  'renamePasskey',
  'deletePasskey',
] as const;

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

export function resolvePasskeys(value: unknown, users: UserStore): ResolvedPasskeys | false {
  if (value === undefined || value === false) return false;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TypeError('"passkeys" must be an object { rpId, rpName, origins } or false.');
  const { rpId, rpName, origins } = plainObject(value, 'passkeys', PASSKEYS_KEYS);
  if (typeof rpId !== 'string' || rpId === '')
    throw new TypeError(
      '"passkeys.rpId" must be the site\'s domain, e.g. "example.com" (or "localhost" in development).',
    );
  // WebAuthn's RP ID is a domain: a browser refuses an IP address (a URL's host must be a registrable domain or localhost).
  if (isIP(rpId.replace(/^\[|\]$/g, '')) !== 0) {
    throw new TypeError(
      `"passkeys.rpId" must be a domain name, not an IP address ("${rpId}"): browsers refuse IP addresses as WebAuthn relying parties. Use "localhost" in development and serve the page at http://localhost:PORT/.`,
    );
  }
  if (!HOSTNAME.test(rpId))
    throw new TypeError(
      `"passkeys.rpId" must be a lower-case domain name without scheme, port or path, e.g. "example.com"; got "${rpId}".`,
    );
  if (typeof rpName !== 'string' || rpName.trim() === '' || rpName.length > 100)
    throw new TypeError('"passkeys.rpName" must be a non-empty name of at most 100 characters, e.g. "Example".');
  if (!Array.isArray(origins) || origins.length === 0)
    throw new TypeError(
      '"passkeys.origins" must be a non-empty array of the origins of your pages, e.g. ["https://example.com"].',
    );
  const serialized = origins.map((origin: unknown) => {
    let url: URL | undefined;
    try {
      url = typeof origin === 'string' ? new URL(origin) : undefined;
    } catch {
      url = undefined;
    }
    const where = `"passkeys.origins" has ${JSON.stringify(origin)}`;
    if (
      !url ||
      (url.protocol !== 'https:' && url.protocol !== 'http:') ||
      url.origin !== (origin as string).replace(/\/$/, '')
    ) {
      throw new TypeError(
        `${where}: each must be an origin such as "https://example.com" (scheme, host and port only).`,
      );
    }
    if (url.hostname !== rpId && !url.hostname.endsWith(`.${rpId}`))
      throw new TypeError(`${where}: its host must be "${rpId}" (passkeys.rpId) or a subdomain of it.`);
    if (url.protocol === 'http:' && url.hostname !== 'localhost')
      throw new TypeError(`${where}: browsers allow WebAuthn over http only on localhost; use https.`);
    return url.origin;
  });
  const missing = PASSKEY_STORE_METHODS.filter((method) => typeof users[method] !== 'function');
  if (missing.length > 0) {
    throw new TypeError(
      `"passkeys" needs a user store that keeps passkeys: "users" has no ${missing.map((m) => `"${m}"`).join(', ')} (MemoryUserStore and PostgresUserStore have them all).`,
    );
  }
  return { rpId, rpName, origins: [...new Set(serialized)] };
}
