// The codes that prove a second factor, each checked and spent on its own: an emailed code (kept as a salted hash), an
// authenticator app's code (its time step spent once), a recovery code (used up). The order they are checked in, and
// what a wrong one costs, is step-up.ts's (proveFactor): nothing here counts an attempt.
import { AuthError } from '../errors';
import { constantTimeEqual, sha256Hex } from '../primitives/random';
import { matchTotp } from '../primitives/totp';
import type { User } from '../stores/types';
import type { AuthContext } from './context';
import { displayNameOf, mailOffThePath } from './notices';

export const CODE_DIGITS = 6;
const TOTP_PERIOD_SECONDS = 30;

const usedTotpStepKey = (userId: string, step: number): string => `tfa:totp-used:${userId}:${step}`;
const lastTotpStepKey = (userId: string): string => `tfa:totp-last:${userId}`;

// A mailed code is kept only as a hash, salted with what it belongs to (a challenge id, or a user's enrolment), so
// one code's hash says nothing about another's.
export function hashEmailedCode(salt: string, code: string): string {
  return sha256Hex(`${salt}:${code}`);
}

/** Whether `code` is the six-digit code whose hash is `codeHash`, compared in constant time. */
export function emailedCodeMatches(salt: string, code: string, codeHash: string | null): boolean {
  return /^\d{6}$/.test(code) && codeHash !== null && constantTimeEqual(hashEmailedCode(salt, code), codeHash);
}

/** The time step `code` is right for under `secret` (±1 step), or null. Spends nothing: see {@link consumeTotpStep}. */
export function matchAppCode(context: AuthContext, secret: string | null | undefined, code: string): number | null {
  return secret
    ? matchTotp(secret, code, context.config.clock(), { window: 1, periodSeconds: TOTP_PERIOD_SECONDS })
    : null;
}

/**
 * Marks `userId`'s TOTP time step `step` as used, or throws `tfa_invalid` when it, or a later step, was used before.
 * A time step's code is good once, and never after a later step's (RFC 6238 §5.2): the atomic per-step counter stops
 * concurrent replays, the last-step record stops older codes still inside the window. Enrolment spends its confirming
 * code too, so the code that confirmed an app cannot be replayed to log in.
 */
export async function consumeTotpStep(context: AuthContext, userId: string, step: number): Promise<void> {
  const { state } = context;
  // Long enough to outlive every step a ±1-step window still accepts.
  const ttlMs = TOTP_PERIOD_SECONDS * 4 * 1000;
  const lastStep = Number((await state.get(lastTotpStepKey(userId))) ?? -1);
  const use = await state.increment(usedTotpStepKey(userId, step), ttlMs);
  if (use.value > 1 || step <= lastStep) throw new AuthError('tfa_invalid');
  await state.set(lastTotpStepKey(userId), String(step), ttlMs);
}

// ---- recovery codes: one-time codes that stand in for the factor (generated in recovery-codes.ts) ----

// RFC 4648 base32: no 0/1/8/9, so a code read aloud or copied by hand is not mistaken for another letter.
export const RECOVERY_CODE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
// Three groups of four: 12 characters of 5 bits, 60 bits per code. Each code works once, counts toward the lockout
// like any code guess, and is hashed with the user's id, so an online guess has no realistic chance.
export const RECOVERY_CODE_GROUPS = 3;
export const RECOVERY_CODE_GROUP_LENGTH = 4;

/** The code as it is hashed (upper case, without dashes or spaces), or null when it cannot be a recovery code. */
export function normalizeRecoveryCode(input: string): string | null {
  const compact = input.replace(/[\s-]/g, '').toUpperCase();
  if (compact.length !== RECOVERY_CODE_GROUPS * RECOVERY_CODE_GROUP_LENGTH) return null;
  for (const char of compact) if (!RECOVERY_CODE_ALPHABET.includes(char)) return null;
  return compact;
}

/** The stored form of a code: SHA-256, salted with the user's id (60 random bits need no slow hash). */
export function recoveryCodeHash(userId: string, normalized: string): string {
  return sha256Hex(`recovery-code:${userId}:${normalized}`);
}

/**
 * Spends one of `user`'s recovery codes: true when it was one of theirs (it then never works again, even for a
 * concurrent request), false otherwise. The caller counts a false toward the lockout. The user is mailed a notice.
 */
export async function useRecoveryCode(context: AuthContext, user: User, code: string): Promise<boolean> {
  const consume = context.users.consumeRecoveryCode?.bind(context.users);
  const normalized = normalizeRecoveryCode(code);
  if (!consume || normalized === null) return false;
  const remaining = await consume(user.id, recoveryCodeHash(user.id, normalized));
  if (remaining === null) return false;
  context.events.emit('recovery_code.used', { userId: user.id, method: 'recovery_code' });
  const notify = context.config.mailer?.sendRecoveryCodeUsed?.bind(context.config.mailer);
  if (notify)
    mailOffThePath(context, 'a recovery-code notice', () =>
      notify({ to: user.email, displayName: displayNameOf(user), login: user.login, remaining }),
    );
  return true;
}
