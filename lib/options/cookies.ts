// The `cookies`, `deviceCookie` and `trustedDevices` groups: the cookies this library sets, their names and lifetimes.
import type { Duration } from '../primitives/duration';
import { cookieName, duration, optionalBoolean, plainObject, positiveInteger, type KnownKeys } from './validate';

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

/** Device cookies' settings (see {@link AuthOptions.deviceCookie}). */
export interface DeviceCookieOptions {
  /** The cookie's name. @default '__Host-eak-device' */
  name?: string;
  /** How long a device token lasts. @default '90d' */
  ttl?: Duration;
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

/** The cookie transport, resolved. Internal. */
export interface ResolvedCookies {
  refreshCookieName: string;
  accessCookieName: string | undefined;
  sameSite: 'Strict' | 'Lax';
  secure: boolean;
  /** Serialized origins (`new URL(o).origin`). */
  trustedOrigins: ReadonlySet<string>;
}

export interface ResolvedTrustedDevices {
  lifetimeSeconds: number;
  maxPerUser: number;
  cookieName: string;
  secure: boolean;
}

const COOKIES_KEYS: KnownKeys<CookieOptions> = {
  trustedOrigins: true,
  refreshCookieName: true,
  sameSite: true,
  accessTokenCookie: true,
  insecureDevelopment: true,
};
const ACCESS_COOKIE_KEYS: KnownKeys<{ name?: string }> = { name: true };
const DEVICE_COOKIE_KEYS: KnownKeys<DeviceCookieOptions> = { name: true, ttl: true };
const TRUSTED_DEVICES_KEYS: KnownKeys<TrustedDevicesOptions> = { lifetime: true, maxPerUser: true, cookieName: true };

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
// OWASP's device cookies live long enough to cover a user's usual gap between logins.
const DEFAULT_DEVICE_COOKIE = { name: '__Host-eak-device', ttl: '90d' } as const;
// Keycloak's and better-auth's default: a month between second factors on a browser the user chose to trust.
const DEFAULT_TRUSTED_DEVICES = {
  lifetime: '30d',
  maxPerUser: 10,
  cookieName: '__Host-eak-trusted',
  insecureCookieName: 'eak-trusted',
} as const;

export function resolveDeviceCookie(value: unknown): { name: string; ttlSeconds: number } | false {
  if (value === false) return false;
  const input = plainObject(value, 'deviceCookie', DEVICE_COOKIE_KEYS);
  return {
    name: cookieName(input.name, DEFAULT_DEVICE_COOKIE.name, 'deviceCookie.name', undefined),
    ttlSeconds: duration(input.ttl, DEFAULT_DEVICE_COOKIE.ttl, 'deviceCookie.ttl'),
  };
}

export function resolveTrustedDevices(
  value: unknown,
  cookies: ResolvedCookies | false,
  deviceCookie: { name: string } | false,
): ResolvedTrustedDevices | false {
  if (value === undefined || value === false) return false;
  const input = value === true ? {} : plainObject(value, 'trustedDevices', TRUSTED_DEVICES_KEYS);
  // The same rule as the token cookies: Secure and `__Host-` unless the host opted into insecure development.
  const secure = cookies === false || cookies.secure;
  const name = cookieName(
    input.cookieName,
    secure ? DEFAULT_TRUSTED_DEVICES.cookieName : DEFAULT_TRUSTED_DEVICES.insecureCookieName,
    'trustedDevices.cookieName',
    secure,
  );
  const taken = [
    deviceCookie === false ? undefined : deviceCookie.name,
    cookies === false ? undefined : cookies.refreshCookieName,
    cookies === false ? undefined : cookies.accessCookieName,
  ];
  if (taken.includes(name))
    throw new TypeError(
      `"trustedDevices.cookieName" must differ from the device and token cookies' names; got "${name}".`,
    );
  return {
    lifetimeSeconds: duration(input.lifetime, DEFAULT_TRUSTED_DEVICES.lifetime, 'trustedDevices.lifetime'),
    maxPerUser: positiveInteger(input.maxPerUser, DEFAULT_TRUSTED_DEVICES.maxPerUser, 'trustedDevices.maxPerUser', 100),
    cookieName: name,
    secure,
  };
}

function trustedOrigin(value: unknown, index: number): string {
  const name = `cookies.trustedOrigins[${index}]`;
  const wrong = () =>
    new TypeError(
      `"${name}" must be an origin like "https://app.example.com" (scheme://host[:port], no path, no "*"); got ${JSON.stringify(value)}.`,
    );
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

export function resolveCookies(value: unknown): ResolvedCookies | false {
  if (value === undefined || value === false) return false;
  const input = plainObject(value, 'cookies', COOKIES_KEYS);
  const insecure = optionalBoolean(input.insecureDevelopment, 'cookies.insecureDevelopment') === true;
  if (insecure && process.env.NODE_ENV === 'production') {
    throw new TypeError(
      '"cookies.insecureDevelopment" is refused when NODE_ENV is "production": serve https (or localhost) and drop it.',
    );
  }
  const origins = input.trustedOrigins;
  if (!Array.isArray(origins) || origins.length === 0) {
    throw new TypeError(
      '"cookies.trustedOrigins" must list at least one origin of your pages, e.g. ["https://app.example.com"].',
    );
  }
  const sameSite = input.sameSite ?? DEFAULT_COOKIES.sameSite;
  if (sameSite !== 'strict' && sameSite !== 'lax')
    throw new TypeError('"cookies.sameSite" must be "strict" or "lax" ("none" would send the cookies cross-site).');
  const access = input.accessTokenCookie;
  if (access !== undefined && typeof access !== 'boolean')
    plainObject(access, 'cookies.accessTokenCookie', ACCESS_COOKIE_KEYS);
  const refreshCookieName = cookieName(
    input.refreshCookieName,
    insecure ? DEFAULT_COOKIES.insecureRefreshCookieName : DEFAULT_COOKIES.refreshCookieName,
    'cookies.refreshCookieName',
    !insecure,
  );
  const accessCookieName =
    access === undefined || access === false
      ? undefined
      : cookieName(
          access === true ? undefined : (access as { name?: unknown }).name,
          insecure ? DEFAULT_COOKIES.insecureAccessCookieName : DEFAULT_COOKIES.accessCookieName,
          'cookies.accessTokenCookie.name',
          !insecure,
        );
  if (accessCookieName === refreshCookieName)
    throw new TypeError('"cookies.accessTokenCookie.name" must differ from "cookies.refreshCookieName".');
  return {
    refreshCookieName,
    accessCookieName,
    sameSite: sameSite === 'lax' ? 'Lax' : 'Strict',
    secure: !insecure,
    trustedOrigins: new Set(origins.map((origin, index) => trustedOrigin(origin, index))),
  };
}
