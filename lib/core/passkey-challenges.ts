// The passkey ceremonies' challenges: stored (by hash) for five minutes, each taken once, atomically, by the response
// made for it (passkeys.ts runs the ceremonies).
import { Type, type Static } from '@sinclair/typebox';
import { AuthError } from '../errors';
import { sha256Hex } from '../primitives/random';
import { storedRecord } from '../stores/stored-record';
import type { AuthContext } from './context';

// Five minutes: long enough to find the authenticator and touch it (WebAuthn's own default timeout), short enough
// that a challenge that leaked from a page is soon worthless.
export const CHALLENGE_TTL_MS = 5 * 60_000;

const ChallengeSchema = Type.Object({
  ceremony: Type.Union([Type.Literal('registration'), Type.Literal('authentication')]),
  /** The user a registration challenge was given to. */
  userId: Type.Optional(Type.String()),
  /** When it expires, in ms (also the state's TTL; checked here too, against the configured clock). */
  expiresAt: Type.Number(),
});
type ChallengeRecord = Static<typeof ChallengeSchema>;
type Ceremony = ChallengeRecord['ceremony'];
const challengeRecord = storedRecord('passkey challenge', ChallengeSchema);

const challengeKey = (challenge: string): string => `pk:challenge:${sha256Hex(challenge)}`;

export async function saveChallenge(
  context: AuthContext,
  challenge: string,
  record: Omit<ChallengeRecord, 'expiresAt'>,
): Promise<void> {
  const value: ChallengeRecord = { ...record, expiresAt: context.config.clock() + CHALLENGE_TTL_MS };
  await context.state.set(challengeKey(challenge), challengeRecord.encode(value), CHALLENGE_TTL_MS);
}

/**
 * Takes (atomically: single use across instances) the challenge a response was made for, checking that it was given
 * for this ceremony (and, for a registration, to this user) and has not expired. The challenge is read from the
 * response's client data, the only place it travels; the library checks it again with the signature.
 */
export async function takeChallenge(
  context: AuthContext,
  clientDataJSON: string,
  ceremony: Ceremony,
  userId?: string,
): Promise<string> {
  let clientData: unknown;
  try {
    clientData = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8'));
  } catch {
    clientData = undefined;
  }
  const challenge =
    typeof clientData === 'object' && clientData !== null && 'challenge' in clientData
      ? clientData.challenge
      : undefined;
  if (typeof challenge !== 'string' || challenge === '' || challenge.length > 512)
    throw new AuthError('passkey_invalid');
  const record = challengeRecord.decode(await context.state.take(challengeKey(challenge)));
  if (
    !record ||
    record.ceremony !== ceremony ||
    record.expiresAt <= context.config.clock() ||
    (userId !== undefined && record.userId !== userId)
  ) {
    throw new AuthError('passkey_invalid');
  }
  return challenge;
}
