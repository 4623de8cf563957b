// The checks every group's resolver shares: each throws a TypeError naming the option (its full path) and the rule.
import { parseDuration, type Duration } from '../primitives/duration';

/** The keys a group accepts, as a record the compiler holds to the group's type: a new field that is missing here fails to build. */
export type KnownKeys<T> = Record<keyof Required<T>, true>;

const MAX_DURATION_SECONDS = 400 * 86400;

export function duration(value: unknown, fallback: Duration, name: string, maxSeconds = MAX_DURATION_SECONDS): number {
  const seconds = parseDuration(value === undefined ? fallback : value);
  if (seconds === undefined || seconds > maxSeconds) {
    throw new TypeError(
      `"${name}" must be a positive whole number of seconds or a string like '900s', '15m', '24h', '30d'` +
        `${maxSeconds < MAX_DURATION_SECONDS ? ` of at most ${maxSeconds} seconds` : ''}; got ${JSON.stringify(value)}.`,
    );
  }
  return seconds;
}

export function positiveInteger(value: unknown, fallback: number, name: string, max = 1_000_000): number {
  const resolved = value === undefined ? fallback : value;
  if (typeof resolved !== 'number' || !Number.isSafeInteger(resolved) || resolved < 1 || resolved > max) {
    throw new TypeError(`"${name}" must be an integer from 1 to ${max}; got ${JSON.stringify(value)}.`);
  }
  return resolved;
}

export function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0) throw new TypeError(`"${name}" must be a non-empty string.`);
  return value;
}

export function optionalBoolean(value: unknown, name: string): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') throw new TypeError(`"${name}" must be a boolean.`);
  return value as boolean | undefined;
}

/**
 * The object option `name` (`{}` when undefined), or a TypeError. With `known`, a key it does not list is refused too:
 * a misspelt nested option (`lockout: { maxFailure: 3 }`) would otherwise run silently on the default.
 */
export function plainObject(
  value: unknown,
  name: string,
  known?: Readonly<Record<string, true>>,
): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TypeError(`"${name}" must be an object.`);
  if (known) {
    for (const key of Object.keys(value)) {
      if (!Object.hasOwn(known, key))
        throw new TypeError(`Unknown option "${name}.${key}" (known: ${Object.keys(known).join(', ')}).`);
    }
  }
  return value as Record<string, unknown>;
}

const LIMIT_KEYS: KnownKeys<{ limit: number; window: Duration }> = { limit: true, window: true };

/** A `{ limit, window }` option, with the window at most a day. */
export function resolveLimit(
  value: unknown,
  fallback: { limit: number; window: Duration },
  name: string,
): { limit: number; windowSeconds: number } {
  const input = plainObject(value, name, LIMIT_KEYS);
  return {
    limit: positiveInteger(input.limit, fallback.limit, `${name}.limit`, 10_000),
    windowSeconds: duration(input.window, fallback.window, `${name}.window`, 86400),
  };
}

/** An absolute http(s) URL with an optional `{token}` placeholder: a page of the host's app that a mail links to. */
export function linkTemplate(value: unknown, name: string, example: string): string {
  const wrong = () => new TypeError(`"${name}" must be an absolute http(s) URL of your ${example}.`);
  if (typeof value !== 'string') throw wrong();
  try {
    const url = new URL(value.replace(/\{token\}/g, 'x'));
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw wrong();
  } catch {
    throw wrong();
  }
  return value;
}

// RFC 6265 token characters only: the name is written into Set-Cookie as is.
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export function cookieName(value: unknown, fallback: string, name: string, secure: boolean | undefined): string {
  const cookie = optionalString(value, name) ?? fallback;
  if (!COOKIE_NAME.test(cookie))
    throw new TypeError(`"${name}" must be a cookie name (letters, digits and !#$%&'*+-.^_\`|~).`);
  if (secure === undefined) return cookie;
  if (secure && !cookie.startsWith('__Host-'))
    throw new TypeError(`"${name}" must start with "__Host-" (Secure, Path=/, no Domain); got "${cookie}".`);
  // Browsers refuse a prefixed cookie that is not Secure: it would silently never be stored.
  if (!secure && /^__(Host|Secure)-/i.test(cookie))
    throw new TypeError(
      `"${name}" must not start with "__Host-" or "__Secure-" with "cookies.insecureDevelopment" (no Secure attribute).`,
    );
  return cookie;
}
