// The `apiKeys` group: where the guard reads keys, their prefix, lifetime, and what proves a user may mint one.
import type { Logger } from '../logger';
import { warn } from '../logger';
import type { Duration } from '../primitives/duration';
import type { Preset } from '../presets/types';
import type { UserStore } from '../stores/types';
import { duration, optionalBoolean, optionalString, plainObject, type KnownKeys } from './validate';

/** API keys' settings (see {@link AuthOptions.apiKeys}). */
export interface ApiKeysOptions {
  /** Where the guard reads keys: `Authorization: Bearer <key>`, or an `X-API-Key` header. @default 'authorization' */
  header?: 'authorization' | 'x-api-key';
  /** The prefix of minted keys, 2–12 letters or digits and `_`, so secret scanners can find leaked ones. @default 'eak_' */
  prefix?: string;
  /**
   * Whether a password reset and "log out everywhere" delete the user's API keys, so that whoever minted a key with a
   * stolen token is evicted with the sessions. `false` keeps them: integrations keep working, but so would a key an
   * attacker minted; the owner must then find and delete it in the key list. @default true
   */
  revokeOnReset?: boolean;
  /** The lifetime of a key created without `expiresIn`; past it the guard refuses the key. `null`: keys never expire. @default null */
  defaultLifetime?: Duration | null;
  /**
   * Creating a key needs recent proof that it is still the user: the password in the body (and the app's code or a
   * recovery code where the user has one). With a duration, an access token from a login at most this old (its
   * `auth_time`: a refreshed or renewed token keeps its login's) also counts, for clients whose body has no room for
   * a password; a token stolen within that time can then mint a key. `false`: only the password counts.
   * @default the preset's (bforeai: '5m', whose clients send only `{name}`; others false)
   */
  recentLogin?: Duration | false;
}

/** API keys, resolved. Internal. */
export interface ResolvedApiKeys {
  header: 'authorization' | 'x-api-key';
  prefix: string;
  revokeOnReset: boolean;
  defaultLifetimeSeconds: number | null;
  recentLoginSeconds: number | false;
}

const API_KEYS_KEYS: KnownKeys<ApiKeysOptions> = {
  header: true,
  prefix: true,
  revokeOnReset: true,
  defaultLifetime: true,
  recentLogin: true,
};
const API_KEY_METHODS = ['createApiKey', 'listApiKeys', 'findApiKeyByHash', 'deleteApiKey', 'touchApiKey'] as const;

export function resolveApiKeys(
  value: unknown,
  preset: Preset,
  users: UserStore,
  logger: Logger,
): ResolvedApiKeys | false {
  if (value === false) return false;
  const input = plainObject(value, 'apiKeys', API_KEYS_KEYS);
  const header = input.header ?? 'authorization';
  if (header !== 'authorization' && header !== 'x-api-key')
    throw new TypeError('"apiKeys.header" must be "authorization" or "x-api-key".');
  const prefix = optionalString(input.prefix, 'apiKeys.prefix') ?? 'eak_';
  if (!/^[A-Za-z][A-Za-z0-9]{1,11}_$/.test(prefix))
    throw new TypeError('"apiKeys.prefix" must be 2 to 12 letters or digits followed by "_".');
  const recentLogin =
    input.recentLogin === undefined ? (preset.defaults.apiKeyRecentLogin ?? false) : input.recentLogin;
  const resolved: ResolvedApiKeys = {
    header,
    prefix,
    // A reset is how an owner takes the account back: what a thief minted goes with the sessions (issue 18).
    revokeOnReset: optionalBoolean(input.revokeOnReset, 'apiKeys.revokeOnReset') !== false,
    // Keys are integrations' credentials, which the owner rotates on their own schedule: no lifetime unless asked.
    defaultLifetimeSeconds:
      input.defaultLifetime === undefined || input.defaultLifetime === null
        ? null
        : duration(input.defaultLifetime, 0 as Duration, 'apiKeys.defaultLifetime'),
    // A login's minutes, not its hours: long enough to log in and create a key, short for a stolen token.
    recentLoginSeconds:
      recentLogin === false ? false : duration(recentLogin, 0 as Duration, 'apiKeys.recentLogin', 3600),
  };
  // Keys need the store's API-key methods: without them, a key-shaped credential is an ordinary invalid token.
  if (API_KEY_METHODS.every((method) => typeof users[method] === 'function')) return resolved;
  warn(
    logger,
    'NO_API_KEY_STORE',
    'the user store has no API-key methods: API keys are refused and their routes are not mounted. Set "apiKeys: false" to silence this.',
  );
  return false;
}
