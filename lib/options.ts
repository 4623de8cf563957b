// The public options of createAuth()/createAuthRouter(): typed, defaulted in one place, validated at start-up.
import type { AuthEventHandler } from './core/events';
import type { RegistrationHook, RegistrationSettings } from './core/registration-types';
import { consoleLogger, type Logger } from './logger';
import type { Mailer } from './mailers/types';
import { DEFAULT_BCRYPT_COST, validateBcryptCost } from './passwords/hasher';
import type { PasswordPolicyOptions, ResolvedPasswordPolicy } from './passwords/policy';
import { resolvePasswordPolicy } from './passwords/policy';
import { systemClock, type Clock } from './primitives/clock';
import { parseDuration, type Duration } from './primitives/duration';
import { presets, type PresetName } from './presets';
import { definePreset, type Preset } from './presets/types';
import type { StateStore, User, UserStore } from './stores/types';
import { resolvePasskeys, type ResolvedPasskeys } from './passkey-options';
import { prepareKeys, type HmacAlgorithm, type PreparedKeys, type SecretOption } from './tokens/keys';

/** A per-IP limit: at most `limit` requests in `window`. */
export interface RateLimitOption {
  limit: number;
  window: Duration;
}

/** Login with an external identity provider's JWT (Auth0-style), verified against its JWKS. */
export interface ExternalIdentityProviderOptions {
  /** The provider's issuer; the token's `iss` must equal it exactly (e.g. `https://tenant.auth0.com/`). */
  issuer: string;
  /** The audience the token must be addressed to; always checked. */
  audience: string;
  /** Where the provider publishes its signing keys. */
  jwksUri: string;
  /** Signature algorithms accepted. @default ['RS256'] */
  algorithms?: ('RS256' | 'RS384' | 'RS512' | 'PS256' | 'ES256' | 'ES384' | 'EdDSA')[];
  /** Subjects (`sub`) allowed to log in. Either this or `mapUser` is required. */
  allowedSubjects?: readonly string[];
  /** Authorities given to an allowed subject that has no local user. @default ['ROLE_USER'] */
  authorities?: readonly string[];
  /** Maps a verified identity (`iss`, `sub`, the claims) to a local user, or null to refuse it. */
  mapUser?: (identity: { issuer: string; subject: string; claims: Record<string, unknown> }) => User | null | Promise<User | null>;
  /** How long to wait for the JWKS, in ms; past it the login fails closed. @default 5000 */
  timeoutMs?: number;
  /** The least time between JWKS fetches, e.g. on unknown `kid`s, in ms. @default 30000 */
  cooldownMs?: number;
}

/** Options of {@link createAuth} and {@link createAuthRouter}. Only `secret` and `users` are required. */
export interface AuthOptions {
  /**
   * The token keys: an HMAC key (string, UTF-8, or Buffer; at least 32 bytes for HS256, 48 for HS384, 64 for HS512);
   * HMAC keys `[newest, ...older]` (the first signs, all verify: rotation); an asymmetric key pair
   * `{ algorithm: 'EdDSA' | 'ES256' | 'RS256', privateKey, publicKey, kid }`; a key set `{ keys, signingKid?, rotation? }`;
   * or a `KeySet` shared by several instances (e.g. `loadKeySetFromDirectory('keys/')`).
   */
  secret: SecretOption;
  /** The HMAC algorithm, for an HMAC `secret`. @default the preset's (HS512 for utmstack), else 'HS256' */
  algorithm?: HmacAlgorithm;
  /** Written to `iss` and required on verification. @default the preset's (datarhei: 'datarhei-core'), else none */
  issuer?: string;
  /** Written to `aud` and required on verification; tokens with an `aud` are refused when unset. @default none */
  audience?: string;
  /** Access-token lifetime. @default the preset's (default: '15m', utmstack: '24h', storm: 900, datarhei: '10m') */
  accessTokenTtl?: Duration;
  /** Access-token lifetime when the login sets `rememberMe`. @default the preset's ('30d') */
  rememberMeTtl?: Duration;
  /** Refresh-token lifetime, which is also the longest a session lasts through rotation. @default the preset's ('14d'; datarhei '24h') */
  refreshTokenTtl?: Duration;
  /** Clock skew tolerated when checking `exp`, `nbf` and `iat`, in seconds (at most 60). @default 30 */
  clockSkewSeconds?: number;
  /** The wire format: a built-in preset's name or a preset object. @default 'default' */
  preset?: PresetName | Preset;
  /** Where users live. */
  users: UserStore;
  /** Where counters, challenges and token families live. @default a new MemoryStateStore (one process only) */
  stateStore?: StateStore;
  /** Sends second-factor codes. Required when any user has the EMAIL factor or `secondFactor.force` is set. @default none */
  mailer?: Mailer;
  /** Where warnings go. @default process warnings and stderr */
  logger?: Logger;
  /** The time source, in ms since the epoch; tests pass a fake one. @default Date.now */
  clock?: Clock;
  /** bcrypt's cost factor; below 10 logs a warning (tests may use 4). @default 10 */
  bcryptCost?: number;
  /** Rules every new password must meet. @default { minLength: 8 } */
  passwordPolicy?: PasswordPolicyOptions;
  /** Lifetime of a newly set password; afterwards login answers 403 password_expired. @default null (never) */
  passwordMaxAge?: Duration | null;
  /** Per-account lockout after failed logins, or false to turn it off. @default the preset's (10 failures in '10m', for '10m') */
  lockout?: { maxFailures?: number; window?: Duration; duration?: Duration } | false;
  /** Per-IP limits on routes that take a credential, or false to turn them off. @default the preset's (20 a minute; storm 5) */
  rateLimit?: {
    credentials?: RateLimitOption;
    /**
     * The most proxy hops in front of the app. A `trust proxy` hop count above it lets the client's own
     * X-Forwarded-For entries pass as the proxy's, so it is treated like `trust proxy = true`: rate limits count the
     * connection's address and a PERMISSIVE_TRUST_PROXY warning is logged. @default 2 (a CDN and a load balancer)
     */
    maxProxyHops?: number;
  } | false;
  /**
   * OWASP device cookies: a completed login gives the client a signed device token in an HttpOnly cookie; a later
   * login carrying it is counted and locked per device, so a stranger's failed guesses cannot lock the owner out.
   * Clients without one still meet the account lockout. `false` turns them off.
   * @default { name: '__Host-eak-device', ttl: '90d' }
   */
  deviceCookie?: { name?: string; ttl?: Duration } | false;
  /**
   * Trusted devices ("remember this browser"): a second-factor verify with `rememberDevice: true` gives the client an
   * opaque random cookie (HttpOnly, Secure, SameSite=Strict, `__Host-`), recorded server-side (only its hash), with
   * which a later login with the right password skips the second factor. A password change, a reset, "log out
   * everywhere" and `DELETE …/trusted-devices` end every trusted device of the user. A cookie of its own, not the
   * device cookie: see docs/sessions.md. `true` takes the defaults.
   * @default false (off); on: { lifetime: '30d', maxPerUser: 10, cookieName: '__Host-eak-trusted' ('eak-trusted' with cookies.insecureDevelopment) }
   */
  trustedDevices?: TrustedDevicesOptions | boolean;
  /**
   * The longest a login may wait for a bcrypt worker, in ms. Past it the login answers 503 with Retry-After at once,
   * without counting an attempt or running bcrypt, so a login flood cannot queue unbounded work. `false`: unbounded.
   * @default 2000
   */
  bcryptMaxQueueWaitMs?: number | false;
  /** The most open sessions (refresh families) one user may hold; a new login past it ends the oldest. @default 20 */
  maxSessionsPerUser?: number;
  /**
   * The longest lifetime a token asked for with one may have (bfore.ai's `GET /user/token?m=|d=`); longer asks
   * answer 400. Ended sessions and retired keys are remembered this long where the preset has that route. @default '30d'
   */
  maxTokenLifetime?: Duration;
  /**
   * Receives every audit event (`login.succeeded`, `login.failed`, `lockout.started`, …; see docs/events.md),
   * without secrets. Delivered after the request's work; a handler that throws or never resolves changes no answer.
   * @default none
   */
  onEvent?: AuthEventHandler;
  /** The second factor. */
  secondFactor?: {
    /** Require a second factor of every user (email for those without one). @default false */
    force?: boolean;
    /** How long a challenge and its code live (at most '10m'). @default '5m' */
    codeTtl?: Duration;
    /** Wrong codes allowed per challenge. @default 5 */
    maxAttempts?: number;
    /** The least time between two resends of a code. @default '30s' */
    resendCooldown?: Duration;
    /** The issuer name shown in authenticator apps; no `:`. @default 'express-auth-kit' */
    totpIssuer?: string;
    /** Per-account limit on code resends, across all of the account's challenges. @default { limit: 5, window: '15m' } */
    resendLimit?: RateLimitOption;
    /**
     * Open challenges one account may have (1–100): a new one past it replaces the oldest, so whoever holds the password
     * cannot fill the store from many addresses, nor keep the owner from starting a login of their own. @default 5
     */
    maxOpenChallenges?: number;
  };
  /** Refresh tokens. */
  refresh?: {
    /** Whether login returns a refresh token. @default the preset's */
    issue?: boolean;
    /** Whether each refresh consumes its token and returns a new one (reuse then revokes the family). @default the preset's (datarhei: false) */
    rotate?: boolean;
    /**
     * How soon after rotation a refresh token may be presented again by the same client (user agent and network) and
     * get the successor already issued instead of ending the session: several tabs refreshing at once, a retried
     * request. After it, or from another client, reuse still revokes the family. 0 restores strict detection.
     * @default '30s'
     */
    reuseGrace?: Duration | 0;
  };
  /**
   * How long the guard may remember a user's session version and status before asking the stores again, in ms.
   * "Log out everywhere" on another instance, or disabling or deleting a user in the UserStore, takes at most this
   * long to reach this instance's guard. @default 2000
   */
  sessionCacheMs?: number;
  /** API keys: which header carries them, or false to refuse keys in the guard. @default { header: 'authorization' } */
  apiKeys?: {
    header?: 'authorization' | 'x-api-key';
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
  } | false;
  /**
   * Password reset by email (`POST …/password/forgot`, then `…/password/reset` with the mailed token). Off (those routes
   * not mounted) unless `urlTemplate` is given. Needs a mailer with `sendPasswordResetLink` (else the routes answer 503).
   */
  passwordReset?: {
    /**
     * The page of your app that reads the token and asks for a new password, absolute http(s). `{token}` is replaced by
     * the URL-encoded token; without it, the token is added as the `token` query parameter. Required.
     * @example 'https://app.example/reset?token={token}'
     */
    urlTemplate: string;
    /** How long a mailed link works (at most '1h'). A newer request replaces the older token. @default '1h' */
    tokenTtl?: Duration;
  };
  /**
   * Sign-up with email verification (`POST …/register`, `…/register/verify`, `…/register/resend`; default preset).
   * Off unless given. Needs a `users` store with `createUser` and `markEmailVerified`, a `mailer` with
   * `sendVerificationLink` (and `sendRegistrationNotice` to tell an address's owner of a sign-up attempt), and a
   * preset with the sign-up routes; else a TypeError at start-up.
   */
  registration?: RegistrationOptions;
  /** Login with an external identity provider's JWT (POST to the login route with it as bearer and no body). */
  externalIdentityProvider?: ExternalIdentityProviderOptions;
  /**
   * Cookie transport for browsers. A request that sends `X-Auth-Transport: cookie` to login, second-factor verify or
   * refresh gets its refresh token in an HttpOnly, Secure, SameSite cookie with a `__Host-` name (and no refresh token
   * in the body); refresh and logout then read it from that cookie, behind a CSRF check (trusted Origin, plus the
   * header or a JSON body). Requests without the header are answered exactly as without this option.
   * @default false (off: the trusted origins are the host's to name)
   */
  cookies?: CookieOptions | false;
  /**
   * Passkeys (WebAuthn, through the optional peer `@simplewebauthn/server`, loaded only when this is set): add one
   * with the password, then sign in with it and no second factor. Needs a user store with the passkey methods.
   * @default false (off)
   */
  passkeys?: PasskeyOptions | false;
}

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

/** Trusted devices' settings (see {@link AuthOptions.trustedDevices}). */
export interface TrustedDevicesOptions {
  /** How long a trust lasts from the second factor that made it; using it does not extend it. @default '30d' */
  lifetime?: Duration;
  /** The most trusted devices one user may hold; trusting one more ends the oldest. @default 10 */
  maxPerUser?: number;
  /** The cookie's name; must start with `__Host-` (unless `cookies.insecureDevelopment`). @default '__Host-eak-trusted' */
  cookieName?: string;
}

/** Sign-up's settings (see {@link AuthOptions.registration}). */
export interface RegistrationOptions {
  /**
   * The page of your app that reads the token and posts it to `…/register/verify`, absolute http(s). `{token}` is
   * replaced by the URL-encoded token; without it, the token is added as the `token` query parameter. Required.
   * @example 'https://app.example/verify-email?token={token}'
   */
  urlTemplate: string;
  /** How long a mailed verification link works (at most '7d'). A resend replaces the older link. @default '24h' */
  tokenTtl?: Duration;
  /**
   * Verification mails (sign-ups and resends together) per address per window. Past it the answer is the same and
   * nothing is mailed, so nobody can mail-bomb an address. @default { limit: 3, window: '1h' }
   */
  resendLimit?: { limit?: number; window?: Duration };
  /** The roles of a new user, unless `onRegister` names others. @default ['ROLE_USER'] */
  authorities?: readonly string[];
  /**
   * Runs before anything is stored: return profile fields (`firstName`, `lastName`, `imageUrl`, `langKey`) and
   * `authorities` for the new user, or `{ refuse: 'Sign-up is by invitation only.' }` (403 `registration_refused`
   * with that message). It sees the username, the email and the body's optional `profile` object of strings (an
   * invite code, say), never the password. @default none
   */
  onRegister?: RegistrationHook;
}

/** The cookie transport's settings (see {@link AuthOptions.cookies}). */
export interface CookieOptions {
  /**
   * The origins the pages using cookies are served from, `scheme://host[:port]` (no path, no `*`), e.g.
   * `['https://app.example.com']`. A cookie-authenticated state-changing request from any other Origin is refused
   * (403 `csrf_rejected`). Required, at least one.
   */
  trustedOrigins: readonly string[];
  /** The refresh cookie's name; must start with `__Host-` (unless `insecureDevelopment`). @default '__Host-eak-refresh' ('eak-refresh' with insecureDevelopment) */
  refreshCookieName?: string;
  /** `SameSite` of the cookies: 'strict' sends them only from your own site; 'lax' also on top-level navigations to it. @default 'strict' */
  sameSite?: 'strict' | 'lax';
  /**
   * Whether login and refresh in cookie mode also set the access token in its own HttpOnly cookie, and the guard accepts
   * it (only when no `Authorization` header is sent; state-changing requests then pass the CSRF check). Off, the page
   * keeps the access token in memory and sends it as bearer. @default false
   */
  accessTokenCookie?: boolean | { name?: string };
  /**
   * Plain http on a LAN address (not localhost, where browsers accept Secure cookies): drops `Secure` and the
   * `__Host-` prefix. Refused when NODE_ENV is 'production'. @default false
   */
  insecureDevelopment?: boolean;
}

/** The options, checked and with every default filled in. Internal. */
export interface ResolvedConfig {
  keys: PreparedKeys;
  issuer: string | undefined;
  audience: string | undefined;
  accessTokenTtlSeconds: number;
  rememberMeTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  clockSkewSeconds: number;
  preset: Preset;
  users: UserStore;
  stateStore: StateStore | undefined;
  mailer: Mailer | undefined;
  logger: Logger;
  clock: Clock;
  bcryptCost: number;
  passwordPolicy: ResolvedPasswordPolicy;
  passwordMaxAgeSeconds: number | null;
  lockout: { maxFailures: number; windowSeconds: number; durationSeconds: number } | false;
  rateLimit: { credentials: { limit: number; windowSeconds: number }; maxProxyHops: number } | false;
  secondFactor: {
    force: boolean;
    codeTtlSeconds: number;
    maxAttempts: number;
    resendCooldownSeconds: number;
    totpIssuer: string;
    resendLimit: { limit: number; windowSeconds: number };
    maxOpenChallenges: number;
  };
  deviceCookie: { name: string; ttlSeconds: number } | false;
  trustedDevices: { lifetimeSeconds: number; maxPerUser: number; cookieName: string; secure: boolean } | false;
  bcryptMaxQueueWaitMs: number | undefined;
  maxSessionsPerUser: number;
  maxTokenLifetimeSeconds: number;
  onEvent: AuthEventHandler | undefined;
  refresh: { issue: boolean; rotate: boolean; reuseGraceSeconds: number };
  sessionCacheMs: number;
  passwordReset: { urlTemplate: string; tokenTtlSeconds: number } | false;
  apiKeys: ResolvedApiKeys | false;
  registration: RegistrationSettings | false;
  externalIdentityProvider: Required<Omit<ExternalIdentityProviderOptions, 'allowedSubjects' | 'mapUser'>> &
    Pick<ExternalIdentityProviderOptions, 'allowedSubjects' | 'mapUser'> | undefined;
  cookies: ResolvedCookies | false;
  passkeys: ResolvedPasskeys | false;
}

/** API keys, resolved. Internal. */
export interface ResolvedApiKeys {
  header: 'authorization' | 'x-api-key';
  prefix: string;
  revokeOnReset: boolean;
  defaultLifetimeSeconds: number | null;
  recentLoginSeconds: number | false;
}

/** The cookie transport, resolved. Internal. */
export interface ResolvedCookies {
  refreshCookieName: string;
  accessCookieName: string | undefined;
  sameSite: 'Strict' | 'Lax';
  secure: boolean;
  /** Serialized origins (`new URL(o).origin`). */
  trustedOrigins: readonly string[];
}

const KNOWN_OPTIONS = new Set<string>([
  'secret', 'algorithm', 'issuer', 'audience', 'accessTokenTtl', 'rememberMeTtl', 'refreshTokenTtl', 'clockSkewSeconds',
  'preset', 'users', 'stateStore', 'mailer', 'logger', 'clock', 'bcryptCost', 'passwordPolicy', 'passwordMaxAge',
  'lockout', 'rateLimit', 'secondFactor', 'refresh', 'sessionCacheMs', 'apiKeys', 'externalIdentityProvider',
  'passwordReset', 'registration',
  'deviceCookie', 'bcryptMaxQueueWaitMs', 'maxSessionsPerUser', 'onEvent', 'cookies',
  'maxTokenLifetime',
  'passkeys',
  'trustedDevices',
]);

function duration(value: unknown, fallback: Duration, name: string, maxSeconds = 400 * 86400): number {
  const seconds = parseDuration(value === undefined ? fallback : value);
  if (seconds === undefined || seconds > maxSeconds) {
    throw new TypeError(
      `"${name}" must be a positive whole number of seconds or a string like '900s', '15m', '24h', '30d'` +
        `${maxSeconds < 400 * 86400 ? ` of at most ${maxSeconds} seconds` : ''}; got ${JSON.stringify(value)}.`,
    );
  }
  return seconds;
}

function positiveInteger(value: unknown, fallback: number, name: string, max = 1_000_000): number {
  const resolved = value === undefined ? fallback : value;
  if (typeof resolved !== 'number' || !Number.isSafeInteger(resolved) || resolved < 1 || resolved > max) {
    throw new TypeError(`"${name}" must be an integer from 1 to ${max}; got ${JSON.stringify(value)}.`);
  }
  return resolved;
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0) throw new TypeError(`"${name}" must be a non-empty string.`);
  return value;
}

/**
 * The object option `name` (`{}` when undefined), or a TypeError. With `known`, a key it does not list is refused too:
 * a misspelt nested option (`lockout: { maxFailure: 3 }`) would otherwise run silently on the default.
 */
function plainObject(value: unknown, name: string, known?: readonly string[]): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`"${name}" must be an object.`);
  if (known) {
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) throw new TypeError(`Unknown option "${name}.${key}" (known: ${known.join(', ')}).`);
    }
  }
  return value as Record<string, unknown>;
}

function requireMethods(value: unknown, name: string, methods: readonly string[]): void {
  if (typeof value !== 'object' || value === null) throw new TypeError(`"${name}" must be an object with ${methods.join(', ')}.`);
  for (const method of methods) {
    if (typeof (value as Record<string, unknown>)[method] !== 'function') {
      throw new TypeError(`"${name}.${method}" must be a function: "${name}" does not look like a ${name === 'users' ? 'UserStore' : name === 'stateStore' ? 'StateStore' : 'Mailer'}.`);
    }
  }
}

function resolvePreset(value: unknown): Preset {
  if (value === undefined) return presets.default;
  if (typeof value === 'string') {
    if (!Object.hasOwn(presets, value)) {
      throw new TypeError(`"preset" must be one of ${Object.keys(presets).join(', ')} or a preset object; got "${value}".`);
    }
    return presets[value as PresetName];
  }
  plainObject(value, 'preset');
  return definePreset(value as Preset);
}

/** Checks `options` and fills in every default, without touching the caller's object. */
export function resolveOptions(input: AuthOptions): ResolvedConfig {
  const options = plainObject(input, 'options') as Partial<AuthOptions> & Record<string, unknown>;
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) throw new TypeError(`Unknown option "${key}".`);
  }
  const preset = resolvePreset(options.preset);
  const defaults = preset.defaults;
  const logger = options.logger ?? consoleLogger;
  if (typeof logger.warn !== 'function' || typeof logger.error !== 'function') {
    throw new TypeError('"logger" must have warn(message) and error(message) functions.');
  }
  if (options.clock !== undefined && typeof options.clock !== 'function') {
    throw new TypeError('"clock" must be a function returning milliseconds since the epoch.');
  }
  const clockSkewSecondsForKeys = options.clockSkewSeconds ?? 30;
  const accessTokenTtlSeconds = duration(options.accessTokenTtl, defaults.accessTokenTtl, 'accessTokenTtl');
  const rememberMeTtlSeconds = duration(options.rememberMeTtl, defaults.rememberMeTtl, 'rememberMeTtl');
  const refreshTokenTtlSeconds = duration(options.refreshTokenTtl, defaults.refreshTokenTtl, 'refreshTokenTtl');
  const maxTokenLifetimeSeconds = duration(options.maxTokenLifetime, '30d', 'maxTokenLifetime');
  // Only a preset with the token-with-a-lifetime route mints tokens that long.
  const tokenWithLifetimeSeconds = preset.routes.tokenIssue == null ? 0 : maxTokenLifetimeSeconds;
  // HMAC secrets (one, or a rotation list) take the preset's algorithm; key pairs and key sets name their own.
  const isHmacSecret = typeof options.secret === 'string' || Buffer.isBuffer(options.secret) || Array.isArray(options.secret);
  const keys = prepareKeys(options.secret, options.algorithm ?? (isHmacSecret ? defaults.algorithm : undefined), {
    clock: typeof options.clock === 'function' ? options.clock : undefined,
    // A retired key verifies until every token it signed has expired.
    retainForSeconds: Math.max(accessTokenTtlSeconds, rememberMeTtlSeconds, refreshTokenTtlSeconds, tokenWithLifetimeSeconds) + (Number.isInteger(clockSkewSecondsForKeys) ? clockSkewSecondsForKeys : 60),
  });
  requireMethods(options.users, 'users', ['findByLogin', 'findById', 'recordLogin', 'updatePassword']);
  if (options.stateStore !== undefined) requireMethods(options.stateStore, 'stateStore', ['get', 'set', 'delete', 'increment', 'take']);
  if (options.stateStore?.compareAndSet !== undefined) requireMethods(options.stateStore, 'stateStore', ['compareAndSet']);
  if (options.mailer !== undefined) requireMethods(options.mailer, 'mailer', ['sendSecondFactorCode']);

  const clockSkewSeconds = options.clockSkewSeconds ?? 30;
  if (!Number.isInteger(clockSkewSeconds) || clockSkewSeconds < 0 || clockSkewSeconds > 60) {
    throw new TypeError(`"clockSkewSeconds" must be an integer from 0 to 60; got ${JSON.stringify(options.clockSkewSeconds)}.`);
  }
  const bcryptCost = options.bcryptCost ?? DEFAULT_BCRYPT_COST;
  validateBcryptCost(bcryptCost, 'bcryptCost');

  const lockoutInput = options.lockout;
  const lockout =
    lockoutInput === false
      ? false
      : {
          maxFailures: positiveInteger(plainObject(lockoutInput, 'lockout', ['maxFailures', 'window', 'duration']).maxFailures, defaults.lockout.maxFailures, 'lockout.maxFailures', 1000),
          windowSeconds: duration(lockoutInput?.window, defaults.lockout.windowSeconds, 'lockout.window'),
          durationSeconds: duration(lockoutInput?.duration, defaults.lockout.durationSeconds, 'lockout.duration'),
        };

  const rateLimitInput = options.rateLimit;
  const rateLimitObject = rateLimitInput === false ? undefined : plainObject(rateLimitInput, 'rateLimit', ['credentials', 'maxProxyHops']);
  const credentialLimit = rateLimitObject === undefined ? undefined : plainObject(rateLimitObject.credentials, 'rateLimit.credentials', ['limit', 'window']);
  const rateLimit =
    rateLimitObject === undefined || credentialLimit === undefined
      ? false
      : {
          credentials: {
            limit: positiveInteger(credentialLimit.limit, defaults.rateLimit.limit, 'rateLimit.credentials.limit'),
            windowSeconds: duration(credentialLimit.window, defaults.rateLimit.windowSeconds, 'rateLimit.credentials.window', 86400),
          },
          maxProxyHops: positiveInteger(rateLimitObject.maxProxyHops, DEFAULT_MAX_PROXY_HOPS, 'rateLimit.maxProxyHops', 32),
        };

  const secondFactorInput = plainObject(options.secondFactor, 'secondFactor', ['force', 'codeTtl', 'maxAttempts', 'resendCooldown', 'totpIssuer', 'resendLimit', 'maxOpenChallenges']);
  if (secondFactorInput.force !== undefined && typeof secondFactorInput.force !== 'boolean') {
    throw new TypeError('"secondFactor.force" must be a boolean.');
  }
  const secondFactor = {
    force: secondFactorInput.force === true,
    // Codes live at most 10 minutes: a 6-digit code's safety rests on a short life and few guesses (NIST SP 800-63B).
    codeTtlSeconds: duration(secondFactorInput.codeTtl, '5m', 'secondFactor.codeTtl', 600),
    maxAttempts: positiveInteger(secondFactorInput.maxAttempts, 5, 'secondFactor.maxAttempts', 10),
    resendCooldownSeconds: duration(secondFactorInput.resendCooldown, '30s', 'secondFactor.resendCooldown', 600),
    totpIssuer: optionalString(secondFactorInput.totpIssuer, 'secondFactor.totpIssuer') ?? 'express-auth-kit',
    resendLimit: resolveLimit(secondFactorInput.resendLimit, DEFAULT_RESEND_LIMIT, 'secondFactor.resendLimit'),
    // A person logs in from a few places at once (a phone, a laptop, a retry); each challenge holds up to three keys.
    maxOpenChallenges: positiveInteger(secondFactorInput.maxOpenChallenges, 5, 'secondFactor.maxOpenChallenges', 100),
  };
  // The issuer and account are split on the first colon by authenticator apps (Key URI format).
  if (secondFactor.totpIssuer.includes(':')) throw new TypeError('"secondFactor.totpIssuer" must not contain ":".');
  if (secondFactor.force && preset.routes.tfaVerify === null) {
    throw new TypeError(`"secondFactor.force" needs a preset with a second-factor route; "${preset.name}" has none (routes.tfaVerify).`);
  }
  if (secondFactor.force && options.mailer === undefined) {
    throw new TypeError('"mailer" is required when "secondFactor.force" is true: codes are sent by email.');
  }

  const refreshInput = plainObject(options.refresh, 'refresh', ['issue', 'rotate', 'reuseGrace']);
  for (const flag of ['issue', 'rotate'] as const) {
    if (refreshInput[flag] !== undefined && typeof refreshInput[flag] !== 'boolean') throw new TypeError(`"refresh.${flag}" must be a boolean.`);
  }

  const apiKeysInput = options.apiKeys;
  let apiKeys: ResolvedConfig['apiKeys'] = false;
  if (apiKeysInput !== false) {
    const input = plainObject(apiKeysInput, 'apiKeys', ['header', 'prefix', 'revokeOnReset', 'defaultLifetime', 'recentLogin']);
    const header = input.header ?? 'authorization';
    if (header !== 'authorization' && header !== 'x-api-key') throw new TypeError('"apiKeys.header" must be "authorization" or "x-api-key".');
    const prefix = optionalString(input.prefix, 'apiKeys.prefix') ?? 'eak_';
    if (!/^[A-Za-z][A-Za-z0-9]{1,11}_$/.test(prefix)) throw new TypeError('"apiKeys.prefix" must be 2 to 12 letters or digits followed by "_".');
    if (input.revokeOnReset !== undefined && typeof input.revokeOnReset !== 'boolean') throw new TypeError('"apiKeys.revokeOnReset" must be a boolean.');
    const recentLogin = input.recentLogin === undefined ? (defaults.apiKeyRecentLogin ?? false) : input.recentLogin;
    apiKeys = {
      header,
      prefix,
      // A reset is how an owner takes the account back: what a thief minted goes with the sessions (issue 18).
      revokeOnReset: input.revokeOnReset !== false,
      // Keys are integrations' credentials, which the owner rotates on their own schedule: no lifetime unless asked.
      defaultLifetimeSeconds: input.defaultLifetime === undefined || input.defaultLifetime === null ? null : duration(input.defaultLifetime, 0 as Duration, 'apiKeys.defaultLifetime'),
      // A login's minutes, not its hours: long enough to log in and create a key, short for a stolen token.
      recentLoginSeconds: recentLogin === false ? false : duration(recentLogin, 0 as Duration, 'apiKeys.recentLogin', 3600),
    };
  }

  const passwordMaxAge = options.passwordMaxAge === undefined || options.passwordMaxAge === null ? null : duration(options.passwordMaxAge, 0 as Duration, 'passwordMaxAge');
  const sessionCacheMs = options.sessionCacheMs ?? 2000;
  if (!Number.isInteger(sessionCacheMs) || sessionCacheMs < 0 || sessionCacheMs > 60_000) {
    throw new TypeError('"sessionCacheMs" must be an integer from 0 to 60000.');
  }

  const deviceCookie = resolveDeviceCookie(options.deviceCookie);
  const cookies = resolveCookies(options.cookies);
  return {
    keys,
    deviceCookie,
    trustedDevices: resolveTrustedDevices(options.trustedDevices, cookies, deviceCookie),
    bcryptMaxQueueWaitMs: resolveQueueWait(options.bcryptMaxQueueWaitMs),
    maxSessionsPerUser: positiveInteger(options.maxSessionsPerUser, DEFAULT_MAX_SESSIONS_PER_USER, 'maxSessionsPerUser', 1000),
    maxTokenLifetimeSeconds,
    onEvent: resolveEventHandler(options.onEvent),
    issuer: optionalString(options.issuer, 'issuer') ?? defaults.issuer,
    audience: optionalString(options.audience, 'audience'),
    accessTokenTtlSeconds,
    rememberMeTtlSeconds,
    refreshTokenTtlSeconds,
    clockSkewSeconds,
    preset,
    users: options.users as UserStore,
    stateStore: options.stateStore,
    mailer: options.mailer,
    logger,
    clock: options.clock ?? systemClock,
    bcryptCost,
    passwordPolicy: resolvePasswordPolicy(plainObject(options.passwordPolicy, 'passwordPolicy', ['minLength', 'denylist', 'isBreached']) as PasswordPolicyOptions),
    passwordMaxAgeSeconds: passwordMaxAge,
    lockout,
    rateLimit,
    secondFactor,
    refresh: {
      issue: (refreshInput.issue as boolean | undefined) ?? defaults.issueRefreshTokens,
      rotate: (refreshInput.rotate as boolean | undefined) ?? defaults.rotateRefreshTokens,
      // Okta's window: long enough for tabs and retries racing one rotation, too short to be a thief's window.
      reuseGraceSeconds: refreshInput.reuseGrace === 0 ? 0 : duration(refreshInput.reuseGrace, '30s', 'refresh.reuseGrace', 300),
    },
    sessionCacheMs,
    passwordReset: resolvePasswordReset(options.passwordReset),
    registration: resolveRegistration(options.registration, options.users as UserStore, options.mailer, preset),
    apiKeys,
    externalIdentityProvider: resolveExternalIdp(options.externalIdentityProvider),
    cookies,
    passkeys: resolvePasskeys(options.passkeys, options.users as UserStore),
  };
}

// ---- defaults with their reasons ----

// A CDN and a load balancer: deeper chains exist, and say so with rateLimit.maxProxyHops.
const DEFAULT_MAX_PROXY_HOPS = 2;
// Enough for a user whose mail is slow to ask a few times; a password holder cannot mail-bomb the owner.
const DEFAULT_RESEND_LIMIT = { limit: 5, window: '15m' } as const;
// OWASP's device cookies live long enough to cover a user's usual gap between logins.
const DEFAULT_DEVICE_COOKIE = { name: '__Host-eak-device', ttl: '90d' } as const;
// About two seconds of bcrypt work: a user waits at most that long, the rest is told to come back (503).
const DEFAULT_BCRYPT_MAX_QUEUE_WAIT_MS = 2000;
// Phones, laptops, tablets and a few CLI sessions; each session costs a few hundred bytes of state.
const DEFAULT_MAX_SESSIONS_PER_USER = 20;
// Cookies are off unless configured: the CSRF defence needs the origins of the host's pages, which only the host knows.
// `__Host-` names (RFC 6265bis): Secure, Path=/ and no Domain, so a sibling subdomain can neither set nor shadow them.
// SameSite=Strict: a cross-site page cannot make the browser send them at all (OWASP CSRF cheat sheet).
const DEFAULT_COOKIES = {
  refreshCookieName: '__Host-eak-refresh',
  accessCookieName: '__Host-eak-access',
  insecureRefreshCookieName: 'eak-refresh',
  insecureAccessCookieName: 'eak-access',
  sameSite: 'strict',
} as const;

// OWASP's forgot-password cheat sheet: a reset token is short-lived; an hour covers a slow mail.
const MAX_RESET_TOKEN_TTL = '1h';

function resolvePasswordReset(value: unknown): ResolvedConfig['passwordReset'] {
  if (value === undefined) return false;
  const input = plainObject(value, 'passwordReset', ['urlTemplate', 'tokenTtl']);
  const template = input.urlTemplate;
  const wrong = () =>
    new TypeError('"passwordReset.urlTemplate" must be an absolute http(s) URL of your reset page, e.g. "https://app.example/reset?token={token}".');
  if (typeof template !== 'string') throw wrong();
  try {
    const url = new URL(template.replace(/\{token\}/g, 'x'));
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw wrong();
  } catch {
    throw wrong();
  }
  return { urlTemplate: template, tokenTtlSeconds: duration(input.tokenTtl, MAX_RESET_TOKEN_TTL, 'passwordReset.tokenTtl', 3600) };
}

// A day covers a slow mail and a user who signs up in the evening and verifies the next morning.
const DEFAULT_VERIFICATION_TOKEN_TTL = '24h';
const MAX_VERIFICATION_TOKEN_TTL_SECONDS = 7 * 86400;
// A few tries for a slow mail; an address's owner gets at most this many unasked mails an hour.
const DEFAULT_VERIFICATION_MAIL_LIMIT = { limit: 3, window: '1h' } as const;

function resolveRegistration(value: unknown, users: UserStore, mailer: Mailer | undefined, preset: Preset): ResolvedConfig['registration'] {
  if (value === undefined) return false;
  const input = plainObject(value, 'registration', ['urlTemplate', 'tokenTtl', 'resendLimit', 'authorities', 'onRegister']);
  const template = input.urlTemplate;
  const wrong = () =>
    new TypeError('"registration.urlTemplate" must be an absolute http(s) URL of your verification page, e.g. "https://app.example/verify-email?token={token}".');
  if (typeof template !== 'string') throw wrong();
  try {
    const url = new URL(template.replace(/\{token\}/g, 'x'));
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw wrong();
  } catch {
    throw wrong();
  }
  const authorities = input.authorities ?? ['ROLE_USER'];
  if (!Array.isArray(authorities) || !authorities.every((role) => typeof role === 'string' && role.length > 0)) {
    throw new TypeError('"registration.authorities" must be an array of role names, e.g. ["ROLE_USER"].');
  }
  if (input.onRegister !== undefined && typeof input.onRegister !== 'function') {
    throw new TypeError('"registration.onRegister" must be a function (attempt) => decision.');
  }
  if (typeof users.createUser !== 'function' || typeof users.markEmailVerified !== 'function') {
    throw new TypeError('"registration" needs a "users" store with createUser() and markEmailVerified() (MemoryUserStore and PostgresUserStore have them).');
  }
  if (typeof mailer?.sendVerificationLink !== 'function') {
    throw new TypeError('"registration" needs a "mailer" with sendVerificationLink() (MemoryMailer and NodemailerMailer have it).');
  }
  if (preset.routes.register == null || preset.routes.registerVerify == null) {
    throw new TypeError(`"registration" needs a preset with sign-up routes; "${preset.name}" has none (routes.register, routes.registerVerify).`);
  }
  return {
    urlTemplate: template,
    tokenTtlSeconds: duration(input.tokenTtl, DEFAULT_VERIFICATION_TOKEN_TTL, 'registration.tokenTtl', MAX_VERIFICATION_TOKEN_TTL_SECONDS),
    mailLimit: resolveLimit(input.resendLimit, DEFAULT_VERIFICATION_MAIL_LIMIT, 'registration.resendLimit'),
    authorities: [...(authorities as string[])],
    onRegister: input.onRegister as RegistrationHook | undefined,
  };
}

function resolveLimit(value: unknown, fallback: { limit: number; window: Duration }, name: string): { limit: number; windowSeconds: number } {
  const input = plainObject(value, name, ['limit', 'window']);
  return {
    limit: positiveInteger(input.limit, fallback.limit, `${name}.limit`, 10_000),
    windowSeconds: duration(input.window, fallback.window, `${name}.window`, 86400),
  };
}

function resolveDeviceCookie(value: unknown): ResolvedConfig['deviceCookie'] {
  if (value === false) return false;
  const input = plainObject(value, 'deviceCookie', ['name', 'ttl']);
  const name = optionalString(input.name, 'deviceCookie.name') ?? DEFAULT_DEVICE_COOKIE.name;
  // RFC 6265 token characters only: the name is written into Set-Cookie as is.
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) throw new TypeError('"deviceCookie.name" must be a cookie name (letters, digits and !#$%&\'*+-.^_`|~).');
  return { name, ttlSeconds: duration(input.ttl, DEFAULT_DEVICE_COOKIE.ttl, 'deviceCookie.ttl') };
}

// Keycloak's and better-auth's default: a month between second factors on a browser the user chose to trust.
const DEFAULT_TRUSTED_DEVICES = { lifetime: '30d', maxPerUser: 10, cookieName: '__Host-eak-trusted', insecureCookieName: 'eak-trusted' } as const;

function resolveTrustedDevices(value: unknown, cookies: ResolvedConfig['cookies'], deviceCookie: ResolvedConfig['deviceCookie']): ResolvedConfig['trustedDevices'] {
  if (value === undefined || value === false) return false;
  const input = value === true ? {} : plainObject(value, 'trustedDevices', ['lifetime', 'maxPerUser', 'cookieName']);
  // The same rule as the token cookies: Secure and `__Host-` unless the host opted into insecure development.
  const secure = cookies === false || cookies.secure;
  const name = cookieName(input.cookieName, secure ? DEFAULT_TRUSTED_DEVICES.cookieName : DEFAULT_TRUSTED_DEVICES.insecureCookieName, 'trustedDevices.cookieName', secure);
  const taken = [deviceCookie === false ? undefined : deviceCookie.name, cookies === false ? undefined : cookies.refreshCookieName, cookies === false ? undefined : cookies.accessCookieName];
  if (taken.includes(name)) throw new TypeError(`"trustedDevices.cookieName" must differ from the device and token cookies' names; got "${name}".`);
  return {
    lifetimeSeconds: duration(input.lifetime, DEFAULT_TRUSTED_DEVICES.lifetime, 'trustedDevices.lifetime'),
    maxPerUser: positiveInteger(input.maxPerUser, DEFAULT_TRUSTED_DEVICES.maxPerUser, 'trustedDevices.maxPerUser', 100),
    cookieName: name,
    secure,
  };
}

function resolveEventHandler(value: unknown): AuthEventHandler | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new TypeError('"onEvent" must be a function (event) => void.');
  return value as AuthEventHandler;
}

function resolveQueueWait(value: unknown): number | undefined {
  if (value === false) return undefined;
  const wait = value ?? DEFAULT_BCRYPT_MAX_QUEUE_WAIT_MS;
  if (typeof wait !== 'number' || !Number.isSafeInteger(wait) || wait < 1 || wait > 600_000) {
    throw new TypeError(`"bcryptMaxQueueWaitMs" must be an integer from 1 to 600000 (ms), or false for no bound; got ${JSON.stringify(value)}.`);
  }
  return wait;
}

function resolveExternalIdp(value: unknown): ResolvedConfig['externalIdentityProvider'] {
  if (value === undefined) return undefined;
  const input = plainObject(value, 'externalIdentityProvider', ['issuer', 'audience', 'jwksUri', 'algorithms', 'allowedSubjects', 'authorities', 'mapUser', 'timeoutMs', 'cooldownMs']);
  const issuer = optionalString(input.issuer, 'externalIdentityProvider.issuer');
  const audience = optionalString(input.audience, 'externalIdentityProvider.audience');
  const jwksUri = optionalString(input.jwksUri, 'externalIdentityProvider.jwksUri');
  if (!issuer || !audience || !jwksUri) {
    throw new TypeError('"externalIdentityProvider" needs "issuer", "audience" and "jwksUri".');
  }
  try {
    const url = new URL(jwksUri);
    // Whoever can answer the JWKS request can mint identity-provider logins (RFC 8725 §3.10): https only, except
    // on loopback (a local test or sidecar).
    const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) throw new Error('scheme');
  } catch {
    throw new TypeError('"externalIdentityProvider.jwksUri" must be an https URL (http only on localhost).');
  }
  const allowedSubjects = input.allowedSubjects as readonly string[] | undefined;
  const mapUser = input.mapUser as ExternalIdentityProviderOptions['mapUser'];
  if (allowedSubjects === undefined && mapUser === undefined) {
    throw new TypeError('"externalIdentityProvider" needs "allowedSubjects" or "mapUser": otherwise anyone with an account at the provider could log in.');
  }
  if (allowedSubjects !== undefined && (!Array.isArray(allowedSubjects) || allowedSubjects.some((s) => typeof s !== 'string' || s.length === 0))) {
    throw new TypeError('"externalIdentityProvider.allowedSubjects" must be an array of non-empty strings.');
  }
  if (mapUser !== undefined && typeof mapUser !== 'function') throw new TypeError('"externalIdentityProvider.mapUser" must be a function.');
  const algorithms = (input.algorithms as ExternalIdentityProviderOptions['algorithms']) ?? ['RS256'];
  if (!Array.isArray(algorithms) || algorithms.length === 0 || algorithms.some((a) => typeof a !== 'string' || a.startsWith('HS') || (a as string) === 'none')) {
    throw new TypeError('"externalIdentityProvider.algorithms" must list asymmetric algorithms such as "RS256" (never HS* or none).');
  }
  return {
    issuer,
    audience,
    jwksUri,
    algorithms,
    allowedSubjects,
    mapUser,
    authorities: (input.authorities as readonly string[] | undefined) ?? ['ROLE_USER'],
    timeoutMs: positiveInteger(input.timeoutMs, 5000, 'externalIdentityProvider.timeoutMs', 60_000),
    cooldownMs: positiveInteger(input.cooldownMs, 30_000, 'externalIdentityProvider.cooldownMs', 3_600_000),
  };
}

const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function cookieName(value: unknown, fallback: string, name: string, secure: boolean): string {
  const cookie = optionalString(value, name) ?? fallback;
  if (!COOKIE_NAME.test(cookie)) throw new TypeError(`"${name}" must be a cookie name (letters, digits and !#$%&'*+-.^_\`|~).`);
  if (secure && !cookie.startsWith('__Host-')) throw new TypeError(`"${name}" must start with "__Host-" (Secure, Path=/, no Domain); got "${cookie}".`);
  // Browsers refuse a prefixed cookie that is not Secure: it would silently never be stored.
  if (!secure && /^__(Host|Secure)-/i.test(cookie)) throw new TypeError(`"${name}" must not start with "__Host-" or "__Secure-" with "cookies.insecureDevelopment" (no Secure attribute).`);
  return cookie;
}

function trustedOrigin(value: unknown, index: number): string {
  const name = `cookies.trustedOrigins[${index}]`;
  const wrong = () => new TypeError(`"${name}" must be an origin like "https://app.example.com" (scheme://host[:port], no path, no "*"); got ${JSON.stringify(value)}.`);
  // scheme://host[:port] and nothing else: no path (not even "/"), query, fragment, user info or wildcard.
  if (typeof value !== 'string' || !/^https?:\/\/[^/?#@*\\\s]+$/i.test(value)) throw wrong();
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw wrong();
  }
  return url.origin;
}

function resolveCookies(value: unknown): ResolvedConfig['cookies'] {
  if (value === undefined || value === false) return false;
  const input = plainObject(value, 'cookies', ['trustedOrigins', 'refreshCookieName', 'sameSite', 'accessTokenCookie', 'insecureDevelopment']);
  if (input.insecureDevelopment !== undefined && typeof input.insecureDevelopment !== 'boolean') throw new TypeError('"cookies.insecureDevelopment" must be a boolean.');
  const insecure = input.insecureDevelopment === true;
  if (insecure && process.env.NODE_ENV === 'production') {
    throw new TypeError('"cookies.insecureDevelopment" is refused when NODE_ENV is "production": serve https (or localhost) and drop it.');
  }
  const origins = input.trustedOrigins;
  if (!Array.isArray(origins) || origins.length === 0) {
    throw new TypeError('"cookies.trustedOrigins" must list at least one origin of your pages, e.g. ["https://app.example.com"].');
  }
  const sameSite = input.sameSite ?? DEFAULT_COOKIES.sameSite;
  if (sameSite !== 'strict' && sameSite !== 'lax') throw new TypeError('"cookies.sameSite" must be "strict" or "lax" ("none" would send the cookies cross-site).');
  const access = input.accessTokenCookie;
  if (access !== undefined && typeof access !== 'boolean') plainObject(access, 'cookies.accessTokenCookie', ['name']);
  const refreshCookieName = cookieName(input.refreshCookieName, insecure ? DEFAULT_COOKIES.insecureRefreshCookieName : DEFAULT_COOKIES.refreshCookieName, 'cookies.refreshCookieName', !insecure);
  const accessCookieName =
    access === undefined || access === false
      ? undefined
      : cookieName(access === true ? undefined : (access as { name?: unknown }).name, insecure ? DEFAULT_COOKIES.insecureAccessCookieName : DEFAULT_COOKIES.accessCookieName, 'cookies.accessTokenCookie.name', !insecure);
  if (accessCookieName === refreshCookieName) throw new TypeError('"cookies.accessTokenCookie.name" must differ from "cookies.refreshCookieName".');
  return {
    refreshCookieName,
    accessCookieName,
    sameSite: sameSite === 'lax' ? 'Lax' : 'Strict',
    secure: !insecure,
    trustedOrigins: [...new Set(origins.map((origin, index) => trustedOrigin(origin, index)))],
  };
}
