// Comparing answers as a client sees them, for the "no enumeration" tests: two answers must not differ in anything
// but the headers that differ between any two requests.
import type { Response } from 'supertest';

/** What a client can observe of a response: status, text and headers, minus Date and the headers named. */
export function observable(
  res: Response,
  ...alsoIgnored: string[]
): { status: number; text: string; headers: Record<string, unknown> } {
  const headers: Record<string, unknown> = { ...(res.headers as Record<string, unknown>) };
  for (const name of ['date', ...alsoIgnored]) delete headers[name];
  return { status: res.status, text: res.text, headers };
}
