// RFC 6238 TOTP (authenticator apps) on node:crypto alone, returning the matched time step so replays can be refused.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * A new TOTP secret: 20 random bytes (160 bits, the length RFC 4226 recommends for HMAC-SHA1) as unpadded base32.
 *
 * @example
 * const secret = generateTotpSecret(); // 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'-like, 32 characters
 */
export function generateTotpSecret(): string {
  return base32Encode(randomBytes(20));
}

/**
 * Bytes as RFC 4648 base32, upper case, without `=` padding (authenticator apps expect it unpadded).
 *
 * @example
 * base32Encode(Buffer.from('foobar')); // 'MZXW6YTBOI'
 */
export function base32Encode(buf: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of buf) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1; // keep only the bits not yet written, so `value` never overflows
  }
  if (bits > 0) out += BASE32_ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/**
 * RFC 4648 base32 to bytes. Case-insensitive; whitespace and trailing `=` padding are ignored, because people copy
 * secrets in groups of four and in lower case. Throws a `TypeError` on any other character.
 *
 * @example
 * base32Decode('mzxw 6ytb oi======').toString(); // 'foobar'
 */
export function base32Decode(str: string): Buffer {
  const cleaned = str.replace(/\s+/g, '').replace(/=+$/, '').toUpperCase();
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (const char of cleaned) {
    const index = BASE32_ALPHABET.indexOf(char);
    // Never echo the input: it is a secret.
    if (index === -1) throw new TypeError('base32Decode: the value holds a character outside the base32 alphabet.');
    value = ((value << 5) | index) & 0xfff; // 12 bits are enough to hold the at most 12 pending bits
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  // Leftover bits (fewer than 8) are padding of the last quantum, not data (RFC 4648 §6).
  return Buffer.from(bytes);
}

/**
 * The TOTP code for one time step: HOTP (RFC 4226 dynamic truncation, HMAC-SHA1) with the step as the counter.
 * Leading zeros are kept, so the result always has `digits` characters.
 *
 * @param secretBase32 The shared secret, base32 as {@link generateTotpSecret} makes it.
 * @param timeStep `floor(unixSeconds / period)`, a non-negative integer.
 * @param digits 6 (what authenticator apps show) to 8. @default 6
 *
 * @example
 * totpCode(secret, Math.floor(Date.now() / 1000 / 30)); // '028749'
 */
export function totpCode(secretBase32: string, timeStep: number, digits = 6): string {
  if (!Number.isSafeInteger(timeStep) || timeStep < 0) {
    throw new TypeError('totpCode: "timeStep" must be a non-negative integer.');
  }
  if (!Number.isInteger(digits) || digits < 6 || digits > 8) {
    throw new TypeError('totpCode: "digits" must be an integer from 6 to 8.');
  }
  const key = base32Decode(secretBase32);
  if (key.length === 0) throw new TypeError('totpCode: the secret is empty.');
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(timeStep));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff; // the top bit is dropped so signed and unsigned readers agree
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** How {@link matchTotp} tolerates clock drift. */
export interface MatchTotpOptions {
  /**
   * How many steps before and after the current one are also accepted, 0 to 10 (each step widens the guessing
   * odds). @default 1 (±30 s, as RFC 6238 §5.2 suggests)
   */
  window?: number;
  /** The length of a time step in seconds; authenticator apps use 30. @default 30 */
  periodSeconds?: number;
}

/**
 * Checks a 6-digit code against the steps around `nowMs`. Returns the matched time step, or `null`.
 * Store the returned step and refuse any later code whose step is not greater: that is what makes a TOTP code
 * single-use (RFC 6238 §5.2), which a boolean answer could not do.
 *
 * Anything but exactly six ASCII digits is refused, without throwing: the code is untrusted input.
 *
 * @example
 * const step = matchTotp(user.totpSecret, body.code, Date.now());
 * if (step === null || step <= (user.lastTotpStep ?? -1)) throw new AuthError('tfa_invalid');
 * await users.update(user.id, { lastTotpStep: step });
 */
export function matchTotp(
  secretBase32: string,
  code: string,
  nowMs: number,
  options: MatchTotpOptions = {},
): number | null {
  const window = options.window ?? 1;
  const periodSeconds = options.periodSeconds ?? 30;
  if (!Number.isInteger(window) || window < 0 || window > 10) {
    throw new TypeError('matchTotp: "window" must be an integer from 0 to 10.');
  }
  if (!Number.isInteger(periodSeconds) || periodSeconds < 1) {
    throw new TypeError('matchTotp: "periodSeconds" must be a positive integer.');
  }
  if (!Number.isFinite(nowMs)) throw new TypeError('matchTotp: "nowMs" must be a finite number of milliseconds.');
  // [0-9] rather than \d, which some engines extend to other scripts' digits; the length check stops a DoS on HMAC.
  if (typeof code !== 'string' || !/^[0-9]{6}$/.test(code)) return null;

  const given = Buffer.from(code, 'ascii');
  const current = Math.floor(nowMs / 1000 / periodSeconds);
  let matched: number | null = null;
  // Every candidate is computed and compared, so the time taken does not say which step (if any) matched first.
  for (let step = current - window; step <= current + window; step++) {
    if (step < 0) continue;
    const expected = Buffer.from(totpCode(secretBase32, step), 'ascii');
    if (timingSafeEqual(expected, given) && matched === null) matched = step;
  }
  return matched;
}

/** What an authenticator app shows beside the codes. */
export interface TotpUriOptions {
  /** The base32 secret from {@link generateTotpSecret}. */
  secret: string;
  /** The user's name in the app, typically their e-mail or login. Must not contain `:`. */
  accountName: string;
  /** Your product's name. Must not contain `:`. */
  issuer: string;
}

/**
 * The `otpauth://` URI (Google Authenticator key URI format) to render as a QR code at enrolment.
 * The parameters are spelled out, not left to defaults, because some apps ignore defaults they do not expect.
 *
 * @example
 * totpUri({ secret, accountName: 'alice@example.com', issuer: 'ACME' });
 * // 'otpauth://totp/ACME:alice%40example.com?secret=...&issuer=ACME&algorithm=SHA1&digits=6&period=30'
 */
export function totpUri(options: TotpUriOptions): string {
  const { secret, accountName, issuer } = options;
  for (const [name, value] of [
    ['accountName', accountName],
    ['issuer', issuer],
  ] as const) {
    if (typeof value !== 'string' || value.length === 0) {
      throw new TypeError(`totpUri: "${name}" must be a non-empty string.`);
    }
    // The label is "issuer:account"; apps split it on the first colon, literal or %3A, so a colon inside either
    // part would show the wrong names.
    if (value.includes(':')) throw new TypeError(`totpUri: "${name}" must not contain ":".`);
  }
  if (typeof secret !== 'string') throw new TypeError('totpUri: "secret" must be a base32 string.');
  const normalizedSecret = base32Encode(base32Decode(secret)); // upper case, no spaces, no padding
  if (normalizedSecret.length === 0) throw new TypeError('totpUri: "secret" is empty.');

  // encodeURIComponent, not URLSearchParams: the latter writes a space as '+', which several apps show literally.
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(accountName)}`;
  return (
    `otpauth://totp/${label}?secret=${normalizedSecret}&issuer=${encodeURIComponent(issuer)}` +
    '&algorithm=SHA1&digits=6&period=30'
  );
}
