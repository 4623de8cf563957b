// Step-up: recent proof that it is still the user (the password, and the second factor their login demands) before a
// sensitive change, with the attempt budget, lockout counting and forgiveness every flow shares. Also the one place
// a second-factor code or recovery code is checked outside a login challenge.
import { AuthError } from '../errors';
import { matchTotp } from '../primitives/totp';
import type { SecondFactorMethod, User } from '../stores/types';
import type { AuthContext } from './context';
import { attemptIdentity } from './devices';
import { checkPassword, effectiveSecondFactor } from './login';
import { consumeTotpStep, useRecoveryCode } from './second-factor';

export interface StepUpProof {
  /** The user's current password. */
  password: string;
  /** A current code from the authenticator app, for a user whose factor is one. */
  code?: string | undefined;
  /** One of the user's recovery codes, in place of `code`. */
  recoveryCode?: string | undefined;
  /** The client's device cookie: attempts are counted under the device it proves, as at login. */
  deviceToken?: string | undefined;
}

export interface StepUpResult {
  /** The second factor the user's login demands (null: none). For EMAIL, the proof is the login behind the caller's token. */
  factor: SecondFactorMethod | null;
  /** The identity attempts were counted under (the device, or the account). */
  identity: string;
}

/**
 * Checks that a logged-in `user` is still who the token says: the password, and — for a user with an authenticator
 * app — a current code from it (or a recovery code). For a user whose factor is the emailed code, the caller's access
 * token is the proof of that factor (it came from a login that passed it). Every attempt counts toward the lockout of
 * the account (or of the device its cookie proves), exactly as a login does; a whole proof forgives earlier failures.
 * Throws `invalid_credentials`, `login_blocked`, `tfa_invalid`, or 503 when the password workers are full.
 *
 * `codeField` names the body field the caller reads the app's code from, for the error message.
 */
export async function reauthenticate(
  context: AuthContext,
  user: User,
  proof: StepUpProof,
  options: { codeField?: string } = {},
): Promise<StepUpResult> {
  const identity = attemptIdentity(context, user, user.login, proof.deviceToken);
  await checkPassword(context, user, identity, proof.password);
  const factor = effectiveSecondFactor(context, user);
  if (factor === 'TOTP') {
    if (!(await proveSecondFactor(context, user, proof))) {
      await context.throttle.recordSecondFactorFailure(identity);
      throw new AuthError('tfa_invalid', { message: `Send a current code from your authenticator app as "${options.codeField ?? 'code'}".` });
    }
  }
  // The password and the app's code, or the password alone where no factor is demanded: a whole authentication. For
  // the emailed factor, nothing is forgiven on the password alone (the mailbox was not proven just now).
  if (factor !== 'EMAIL') await context.throttle.recordSuccess(identity);
  return { factor, identity };
}

/**
 * Whether `code` (the authenticator app's) or `recoveryCode` proves `user`'s second factor. A right app code is spent
 * (its time step never works again); a right recovery code is used up. Counts nothing: the caller owns the budget.
 */
export async function proveSecondFactor(
  context: AuthContext,
  user: User,
  proof: { code?: string | undefined; recoveryCode?: string | undefined },
): Promise<boolean> {
  if (proof.code !== undefined) {
    const step = user.totpSecret ? matchTotp(user.totpSecret, proof.code, context.config.clock()) : null;
    if (step === null) return false;
    await consumeTotpStep(context, user.id, step);
    return true;
  }
  if (proof.recoveryCode !== undefined) return useRecoveryCode(context, user, proof.recoveryCode);
  return false;
}

/**
 * Whether the caller's access token comes from a login no older than `maxAgeSeconds` (its `auth_time`, which a
 * refreshed or renewed token carries over from the login, never its own `iat`). A token without one never counts.
 */
export function isRecentLogin(context: AuthContext, authTime: number | undefined, maxAgeSeconds: number): boolean {
  if (authTime === undefined || !Number.isFinite(authTime)) return false;
  const ageMs = context.config.clock() - authTime * 1000;
  return ageMs >= -60_000 && ageMs <= maxAgeSeconds * 1000;
}
