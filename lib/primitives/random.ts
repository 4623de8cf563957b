// Secrets and identifiers from the CSPRNG, and the comparisons and hashes used to check them.
import { createHash, randomBytes, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';

/** A random identifier (UUID v4), for ids a route shows or a host may store: API keys, passkeys, trusted devices. */
export function newId(): string {
  return randomUUID();
}

/**
 * A random 128-bit identifier in base64url (22 characters, no padding): for the ids tokens carry (jti, session
 * families, session versions, challenges, devices), which are ours alone. As unguessable as a UUID v4 (122 bits) and
 * 14 characters shorter in every token.
 */
export function newTokenId(): string {
  return randomBytes(16).toString('base64url');
}

/** A numeric code of `digits` digits, uniform, leading zeros kept. */
export function newNumericCode(digits: number): string {
  let code = '';
  for (let i = 0; i < digits; i++) code += String(randomInt(10));
  return code;
}

/** `bytes` random bytes as base64url: for API-key secrets. */
export function newSecret(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

/** SHA-256 as hex: how API keys and one-time codes are kept at rest (they are high-entropy or short-lived). */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** Compares two strings in time that depends only on their lengths. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  if (left.length !== right.length) {
    // Still spend a comparison, so a length mismatch is not faster than a content mismatch.
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}
