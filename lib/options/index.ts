// The public options of createAuth()/createAuthRouter(), grouped by feature. Services sit at the top; each group has
// its own file with its type, its defaults and their reasons, and its resolver. This file composes them into the one
// resolved shape the core and the edge read slices of.
import type { CoreSettings } from '../core/context';
import type { AuthEventHandler } from '../core/events';
import type { EdgeSettings } from '../http/context';
import { consoleLogger, type Logger } from '../logger';
import type { Mailer } from '../mailers/types';
import { systemClock, type Clock } from '../primitives/clock';
import { presets, type PresetName } from '../presets';
import { definePreset, type Preset } from '../presets/types';
import type { StateStore, UserStore } from '../stores/types';
import type { PreparedKeys, SecretOption } from '../tokens/keys';
import { resolveApiKeys, type ApiKeysOptions, type ResolvedApiKeys } from './api-keys';
import {
  resolveCookies,
  resolveDeviceCookie,
  resolveTrustedDevices,
  type CookieOptions,
  type DeviceCookieOptions,
  type TrustedDevicesOptions,
} from './cookies';
import {
  resolveExternalIdp,
  type ExternalIdentityProviderOptions,
  type ResolvedExternalIdentityProvider,
} from './external-identity';
import {
  resolvePasswordReset,
  resolveRegistration,
  type PasswordResetOptions,
  type RegistrationOptions,
} from './mail-links';
import { resolvePasskeys, type PasskeyOptions } from './passkeys';
import { resolvePasswords, type PasswordsOptions } from './passwords';
import { resolveSecondFactor, type SecondFactorOptions } from './second-factor';
import { resolveSessions, type SessionsOptions } from './sessions';
import {
  resolveLockout,
  resolveRateLimit,
  type LockoutOptions,
  type RateLimitOptions,
  type ResolvedLockout,
} from './throttling';
import { resolveKeys, resolveTokens, type TokensOptions } from './tokens';
import { plainObject, type KnownKeys } from './validate';

export type { ApiKeysOptions, ResolvedApiKeys } from './api-keys';
export type { CookieOptions, DeviceCookieOptions, ResolvedCookies, TrustedDevicesOptions } from './cookies';
export type { ExternalIdentityProviderOptions } from './external-identity';
export type { PasswordResetOptions, RegistrationOptions } from './mail-links';
export type { PasskeyOptions, ResolvedPasskeys } from './passkeys';
export type { PasswordsOptions } from './passwords';
export type { RateLimitOption, SecondFactorOptions } from './second-factor';
export type { RefreshOptions, SessionsOptions } from './sessions';
export type { LockoutOptions, RateLimitOptions } from './throttling';
export type { TokensOptions } from './tokens';

/** Options of {@link createAuth} and {@link createAuthRouter}. Only `secret` and `users` are required. */
export interface AuthOptions {
  // ---- services and identity ----
  /**
   * The token keys: an HMAC key (string, UTF-8, or Buffer; at least 32 bytes for HS256, 48 for HS384, 64 for HS512);
   * HMAC keys `[newest, ...older]` (the first signs, all verify: rotation); an asymmetric key pair
   * `{ algorithm: 'EdDSA' | 'ES256' | 'RS256', privateKey, publicKey, kid }`; a key set `{ keys, signingKid?, rotation? }`;
   * or a `KeySet` shared by several instances (e.g. `loadKeySetFromDirectory('keys/')`).
   */
  secret: SecretOption;
  /** Where users live. */
  users: UserStore;
  /** The wire format: a built-in preset's name or a preset object. @default 'default' */
  preset?: PresetName | Preset;
  /** Where counters, challenges and token families live. @default a new MemoryStateStore (one process only) */
  stateStore?: StateStore;
  /** Sends second-factor codes. Required when any user has the EMAIL factor or `secondFactor.force` is set. @default none */
  mailer?: Mailer;
  /** Where warnings go. @default process warnings and stderr */
  logger?: Logger;
  /** The time source, in ms since the epoch; tests pass a fake one. @default Date.now */
  clock?: Clock;
  /**
   * Receives every audit event (`login.succeeded`, `login.failed`, `lockout.started`, …; see docs/events.md),
   * without secrets. Delivered after the request's work; a handler that throws or never resolves changes no answer.
   * @default none
   */
  onEvent?: AuthEventHandler;
  // ---- groups ----
  /** Access and refresh tokens: lifetimes, issuer, audience, clock skew, HMAC algorithm. @default the preset's */
  tokens?: TokensOptions;
  /** Passwords: bcrypt's cost and queue bound, the policy, the maximum age. @default { bcryptCost: 10, policy: { minLength: 8 } } */
  passwords?: PasswordsOptions;
  /** Sessions: how many per user, the guard's cache, refresh-token issue and rotation. @default { maxPerUser: 20, cacheMs: 2000 } */
  sessions?: SessionsOptions;
  /** The second factor. */
  secondFactor?: SecondFactorOptions;
  /** Per-account lockout after failed logins, or false to turn it off. @default the preset's (10 failures in '10m', for '10m') */
  lockout?: LockoutOptions | false;
  /** Per-IP limits on routes that take a credential, or false to turn them off. @default the preset's (20 a minute; storm 5) */
  rateLimit?: RateLimitOptions | false;
  /**
   * OWASP device cookies: a completed login gives the client a signed device token in an HttpOnly cookie; a later
   * login carrying it is counted and locked per device, so a stranger's failed guesses cannot lock the owner out.
   * Clients without one still meet the account lockout. `false` turns them off.
   * @default { name: '__Host-eak-device', ttl: '90d' }
   */
  deviceCookie?: DeviceCookieOptions | false;
  /**
   * Trusted devices ("remember this browser"): a second-factor verify with `rememberDevice: true` gives the client an
   * opaque random cookie (HttpOnly, Secure, SameSite=Strict, `__Host-`), recorded server-side (only its hash), with
   * which a later login with the right password skips the second factor. A password change, a reset, "log out
   * everywhere" and `DELETE …/trusted-devices` end every trusted device of the user. A cookie of its own, not the
   * device cookie: see docs/sessions.md. `true` takes the defaults.
   * @default false (off); on: { lifetime: '30d', maxPerUser: 10, cookieName: '__Host-eak-trusted' ('eak-trusted' with cookies.insecureDevelopment) }
   */
  trustedDevices?: TrustedDevicesOptions | boolean;
  /** API keys: which header carries them, or false to refuse keys in the guard. @default { header: 'authorization' } */
  apiKeys?: ApiKeysOptions | false;
  /**
   * Password reset by email (`POST …/password/forgot`, then `…/password/reset` with the mailed token). Off (those routes
   * not mounted) unless `urlTemplate` is given. Needs a mailer with `sendPasswordResetLink` (else the routes answer 503).
   */
  passwordReset?: PasswordResetOptions;
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

/** The options, checked and with every default filled in: the one resolved shape. The core and the edge read slices of it. Internal. */
export interface ResolvedConfig extends CoreSettings, EdgeSettings {
  keys: PreparedKeys;
  preset: Preset;
  users: UserStore;
  stateStore: StateStore | undefined;
  onEvent: AuthEventHandler | undefined;
  lockout: ResolvedLockout | false;
  tokens: CoreSettings['tokens'];
  passwords: CoreSettings['passwords'];
  secondFactor: CoreSettings['secondFactor'];
  apiKeys: ResolvedApiKeys | false;
  deviceCookie: { name: string; ttlSeconds: number } | false;
  trustedDevices: { lifetimeSeconds: number; maxPerUser: number; cookieName: string; secure: boolean } | false;
  externalIdentityProvider: ResolvedExternalIdentityProvider | undefined;
}

/** Every top-level option, held to {@link AuthOptions} by the compiler: adding a field without listing it fails to build. */
const TOP_LEVEL_KEYS: KnownKeys<AuthOptions> = {
  secret: true,
  users: true,
  preset: true,
  stateStore: true,
  mailer: true,
  logger: true,
  clock: true,
  onEvent: true,
  tokens: true,
  passwords: true,
  sessions: true,
  secondFactor: true,
  lockout: true,
  rateLimit: true,
  deviceCookie: true,
  trustedDevices: true,
  apiKeys: true,
  passwordReset: true,
  registration: true,
  externalIdentityProvider: true,
  cookies: true,
  passkeys: true,
};

/** `group.key` for every key of every object group: where a moved option now lives, checked by the compiler. */
type OptionPath =
  `tokens.${keyof TokensOptions}` | `passwords.${keyof PasswordsOptions}` | `sessions.${keyof SessionsOptions}`;

/** The flat options of 0.x before grouping, and where each lives now (issue 19). */
const MOVED_OPTIONS: Readonly<Record<string, OptionPath>> = {
  algorithm: 'tokens.algorithm',
  issuer: 'tokens.issuer',
  audience: 'tokens.audience',
  accessTokenTtl: 'tokens.accessTtl',
  rememberMeTtl: 'tokens.rememberMeTtl',
  refreshTokenTtl: 'tokens.refreshTtl',
  clockSkewSeconds: 'tokens.clockSkewSeconds',
  maxTokenLifetime: 'tokens.maxLifetime',
  bcryptCost: 'passwords.bcryptCost',
  passwordPolicy: 'passwords.policy',
  passwordMaxAge: 'passwords.maxAge',
  bcryptMaxQueueWaitMs: 'passwords.maxQueueWaitMs',
  maxSessionsPerUser: 'sessions.maxPerUser',
  sessionCacheMs: 'sessions.cacheMs',
  refresh: 'sessions.refresh',
};

/** Checks `options` and fills in every default, without touching the caller's object. */
export function resolveOptions(input: AuthOptions): ResolvedConfig {
  const options = plainObject(input, 'options');
  for (const key of Object.keys(options)) {
    if (Object.hasOwn(MOVED_OPTIONS, key)) throw new TypeError(`Option "${key}" has moved: use ${MOVED_OPTIONS[key]}.`);
    if (!Object.hasOwn(TOP_LEVEL_KEYS, key))
      throw new TypeError(`Unknown option "${key}" (known: ${Object.keys(TOP_LEVEL_KEYS).join(', ')}).`);
  }
  const services = resolveServices(options);
  const { preset, users, mailer, logger } = services;
  const tokens = resolveTokens(options.tokens, preset);
  const deviceCookie = resolveDeviceCookie(options.deviceCookie);
  const cookies = resolveCookies(options.cookies);
  return {
    ...services,
    keys: resolveKeys(options.secret as SecretOption, tokens, preset, options.clock as Clock | undefined),
    tokens,
    passwords: resolvePasswords(options.passwords),
    sessions: resolveSessions(options.sessions, preset),
    secondFactor: resolveSecondFactor(options.secondFactor, preset, mailer),
    lockout: resolveLockout(options.lockout, preset),
    rateLimit: resolveRateLimit(options.rateLimit, preset),
    deviceCookie,
    cookies,
    trustedDevices: resolveTrustedDevices(options.trustedDevices, cookies, deviceCookie),
    passwordReset: resolvePasswordReset(options.passwordReset),
    registration: resolveRegistration(options.registration, users, mailer, preset),
    apiKeys: resolveApiKeys(options.apiKeys, preset, users, logger),
    externalIdentityProvider: resolveExternalIdp(options.externalIdentityProvider),
    passkeys: resolvePasskeys(options.passkeys, users),
  };
}

/** The services at the top: the preset, the stores, the mailer, the logger, the clock and the event handler. */
function resolveServices(options: Record<string, unknown>) {
  const logger = (options.logger ?? consoleLogger) as Logger;
  if (typeof logger.warn !== 'function' || typeof logger.error !== 'function') {
    throw new TypeError('"logger" must have warn(message) and error(message) functions.');
  }
  if (options.clock !== undefined && typeof options.clock !== 'function') {
    throw new TypeError('"clock" must be a function returning milliseconds since the epoch.');
  }
  if (options.onEvent !== undefined && typeof options.onEvent !== 'function')
    throw new TypeError('"onEvent" must be a function (event) => void.');
  requireMethods(options.users, 'users', 'UserStore', ['findByLogin', 'findById', 'recordLogin', 'updatePassword']);
  const stateStore = options.stateStore as StateStore | undefined;
  if (stateStore !== undefined)
    requireMethods(stateStore, 'stateStore', 'StateStore', ['get', 'set', 'delete', 'increment', 'take']);
  if (stateStore?.compareAndSet !== undefined)
    requireMethods(stateStore, 'stateStore', 'StateStore', ['compareAndSet']);
  if (options.mailer !== undefined) requireMethods(options.mailer, 'mailer', 'Mailer', ['sendSecondFactorCode']);
  return {
    preset: resolvePreset(options.preset),
    users: options.users as UserStore,
    stateStore,
    mailer: options.mailer as Mailer | undefined,
    logger,
    clock: (options.clock as Clock | undefined) ?? systemClock,
    onEvent: options.onEvent as AuthEventHandler | undefined,
  };
}

function requireMethods(value: unknown, name: string, typeName: string, methods: readonly string[]): void {
  if (typeof value !== 'object' || value === null)
    throw new TypeError(`"${name}" must be an object with ${methods.join(', ')}.`);
  for (const method of methods) {
    if (typeof (value as Record<string, unknown>)[method] !== 'function') {
      throw new TypeError(`"${name}.${method}" must be a function: "${name}" does not look like a ${typeName}.`);
    }
  }
}

function resolvePreset(value: unknown): Preset {
  if (value === undefined) return presets.default;
  if (typeof value === 'string') {
    if (!Object.hasOwn(presets, value)) {
      throw new TypeError(
        `"preset" must be one of ${Object.keys(presets).join(', ')} or a preset object; got "${value}".`,
      );
    }
    return presets[value as PresetName];
  }
  plainObject(value, 'preset');
  return definePreset(value as Preset);
}
