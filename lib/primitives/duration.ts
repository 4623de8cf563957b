// Lifetimes given as '24h'-style strings or as seconds, turned into whole seconds.

/** A lifetime: whole seconds, or a string such as `'900s'`, `'15m'`, `'24h'`, `'30d'`. */
export type Duration = number | `${number}${'s' | 'm' | 'h' | 'd'}`;

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;

/** Seconds in a {@link Duration}, or undefined when it does not parse to a positive whole number. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = /^(\d{1,9})\s*([smhd])$/.exec(value.trim());
  if (!match) return undefined;
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
  return seconds > 0 ? seconds : undefined;
}
