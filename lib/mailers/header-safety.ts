// What a mail header may hold. Every value that reaches a header (the recipient's address and display name, the
// subject, the sender) is checked here first: a line break in any of them would let its author write headers of
// their own (another recipient, another body).

/**
 * C0 and C1 controls, DEL, and the Unicode line and paragraph separators: anything a header writer or a mail client
 * might treat as the end of a line. A loop, not a regex: a regex of control characters trips `no-control-regex`.
 */
export function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029) return true;
  }
  return false;
}

/** A non-empty one-line string, as a subject must be. */
export function isOneLine(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && !hasControlCharacter(value);
}

/**
 * One `local@domain` address and nothing else: no spaces, no list separators, no brackets, no quotes. Stricter than
 * RFC 5322 on purpose: a comma or an angle bracket would let one value name several recipients.
 */
export function isSingleAddress(value: string): boolean {
  if (value.length > 254 || hasControlCharacter(value)) return false;
  return /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+$/.test(value);
}

/** `address` or `Display Name <address>`; the name may be quoted. */
export function isPlausibleFrom(value: string): boolean {
  if (hasControlCharacter(value)) return false;
  const trimmed = value.trim();
  const named = /^(?<name>.*)<(?<address>[^<>]+)>$/.exec(trimmed);
  if (!named) return isSingleAddress(trimmed);
  // Both groups always take part in a match; the fallbacks only satisfy the type of `groups`.
  const { name = '', address = '' } = named.groups ?? {};
  return !/[<>]/.test(name) && isSingleAddress(address.trim());
}
