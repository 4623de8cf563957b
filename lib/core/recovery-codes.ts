// Recovery codes: ten one-time codes that stand in for the second factor when its device is lost. Shown once, kept
// only as hashes in the user store (they last until used or replaced, so no TTL-bound state store fits them).
// Spending one (at verify, at a reset or at step-up) is in factor-codes.ts, next to the codes it stands in for.
import { randomInt } from 'node:crypto';
import { AuthError } from '../errors';
import type { RecoveryCodes } from './results';
import type { User } from '../stores/types';
import type { AuthContext } from './context';
import {
  normalizeRecoveryCode,
  RECOVERY_CODE_ALPHABET as ALPHABET,
  RECOVERY_CODE_GROUP_LENGTH as GROUP_LENGTH,
  RECOVERY_CODE_GROUPS as GROUPS,
  recoveryCodeHash,
} from './factor-codes';
import { effectiveSecondFactor, reauthenticate } from './step-up';

/** How many codes a set holds (GitHub, Google and Okta give about ten). */
export const RECOVERY_CODE_COUNT = 10;

/** A new code, `XXXX-XXXX-XXXX`, from the CSPRNG. */
export function newRecoveryCode(): string {
  const groups: string[] = [];
  for (let g = 0; g < GROUPS; g++) {
    let group = '';
    for (let i = 0; i < GROUP_LENGTH; i++) group += ALPHABET[randomInt(ALPHABET.length)];
    groups.push(group);
  }
  return groups.join('-');
}

/** Whether the user store can keep recovery codes. */
export function recoveryCodesAvailable(context: AuthContext): boolean {
  return (
    typeof context.users.replaceRecoveryCodes === 'function' && typeof context.users.consumeRecoveryCode === 'function'
  );
}

/**
 * A new set of codes for a logged-in `user` who re-enters the password AND proves the second factor their login
 * demands: a user with an authenticator app sends a current code from it (`code`); for a user whose factor is the
 * emailed code, the access token is the proof (it came from a login that passed the emailed code) together with the
 * password. A user without a second factor gets 400: there is nothing to recover. The new set replaces the old one.
 */
export async function generateRecoveryCodes(
  context: AuthContext,
  user: User,
  request: { password: string; code?: string | undefined; deviceToken?: string | undefined },
): Promise<RecoveryCodes> {
  const replace = context.users.replaceRecoveryCodes?.bind(context.users);
  if (!replace || !recoveryCodesAvailable(context))
    throw new AuthError('not_found', { message: 'Recovery codes are not available: the user store cannot keep them.' });
  const factor = effectiveSecondFactor(context, user);
  if (factor === null)
    throw new AuthError('invalid_request', {
      message: 'Recovery codes stand in for a second factor: turn one on first.',
    });
  // The password and the factor a login demands (step-up.ts): the same budget, lockout and forgiveness as a login.
  await reauthenticate(
    context,
    user,
    { password: request.password, code: request.code, deviceToken: request.deviceToken },
    { policy: 'step-up' },
  );
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  await replace(
    user.id,
    codes.map((code) => recoveryCodeHash(user.id, normalizeRecoveryCode(code)!)),
  );
  return { codes };
}
