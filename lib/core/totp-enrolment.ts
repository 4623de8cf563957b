// Turning on an authenticator app: re-authentication with the password AND the factor a login would demand, a pending
// secret, and a first code that confirms it. A stolen token plus the password must not swap the user's factor.
import { Type, type Static } from '@sinclair/typebox';
import { AuthError } from '../errors';
import { generateTotpSecret, totpUri } from '../primitives/totp';
import { newNumericCode } from '../primitives/random';
import type { TotpEnrolment } from './results';
import { storedRecord } from '../stores/stored-record';
import type { User } from '../stores/types';
import type { AuthContext } from './context';
import { CODE_DIGITS, hashEmailedCode } from './factor-codes';
import { sendCode } from './second-factor';
import {
  completeAuthentication,
  lockoutBudget,
  proveFactor,
  reauthenticate,
  type FactorBudget,
  type FactorProof,
} from './step-up';

const ENROLMENT_TTL_MS = 10 * 60 * 1000;
// Wrong confirmations allowed per user in a window, across enrolments: a new enrolment renews nothing.
const MAX_CONFIRM_ATTEMPTS = 5;
const pendingKey = (userId: string): string => `tfa:totp-pending:${userId}`;
const attemptsKey = (userId: string): string => `tfa:totp-pending-attempts:${userId}`;

const PendingEnrolmentSchema = Type.Object({
  secret: Type.String(),
  /** For a user whose login demands the emailed code: the hash of a code mailed to the stored address, needed to confirm. */
  emailCodeHash: Type.Union([Type.String(), Type.Null()]),
  /** The attempt identity wrong confirmations are counted under. */
  identity: Type.String(),
});
type PendingEnrolment = Static<typeof PendingEnrolmentSchema>;
const pendingEnrolment = storedRecord('pending authenticator enrolment', PendingEnrolmentSchema);

function requireSecondFactorStore(context: AuthContext): NonNullable<AuthContext['users']['updateSecondFactor']> {
  const update = context.users.updateSecondFactor?.bind(context.users);
  if (!update)
    throw new AuthError('not_found', {
      message: 'Authenticator apps are not available: the user store cannot save them.',
    });
  return update;
}

/**
 * The account name shown in the app: the email, else the login. Apps split the label on its first colon (literal or
 * %3A), so a colon in the name would show the wrong names; it is replaced.
 */
function totpAccountName(user: User): string {
  return (user.email || user.login).replace(/:/g, '_') || 'account';
}

/**
 * Starts enrolment for a logged-in user who re-enters their password and proves the second factor their login
 * demands (the effective one): a user with an authenticator app sends a current code from it (`currentCode`); a user
 * whose login demands the emailed code (their own, or forced on everyone) is mailed a code, needed to confirm. Every
 * guess counts toward the account's lockout. The new secret stays pending until confirmed.
 */
export async function beginTotpEnrolment(
  context: AuthContext,
  user: User,
  request: { password: string; currentCode: string | undefined; deviceToken?: string | undefined },
): Promise<TotpEnrolment & { emailCodeSent: boolean }> {
  requireSecondFactorStore(context);
  // The password and the factor a login demands (step-up.ts); for the emailed factor a code is mailed below as well.
  const { factor, identity } = await reauthenticate(
    context,
    user,
    { password: request.password, code: request.currentCode, deviceToken: request.deviceToken },
    { policy: 'step-up', codeField: 'currentCode' },
  );
  const secret = generateTotpSecret();
  // Built before any mail goes out, so nothing is sent for an enrolment that cannot be shown.
  const uri = totpUri({ secret, accountName: totpAccountName(user), issuer: context.config.secondFactor.totpIssuer });
  let emailCodeHash: string | null = null;
  if (factor === 'EMAIL') {
    const code = newNumericCode(CODE_DIGITS);
    emailCodeHash = hashEmailedCode(user.id, code);
    await sendCode(context, user, code, ENROLMENT_TTL_MS / 1000);
  }
  const pending: PendingEnrolment = { secret, emailCodeHash, identity };
  await context.state.set(pendingKey(user.id), pendingEnrolment.encode(pending), ENROLMENT_TTL_MS);
  return { secret, uri, emailCodeSent: emailCodeHash !== null };
}

/**
 * Confirms enrolment with a first code from the app (and the emailed code, when one was sent), in step-up's order: a
 * locked identity is refused and the enrolment's own budget taken before either code is compared, a wrong pair counts
 * toward the lockout, the app code's step is spent, and only then is the whole authentication forgiven.
 */
export async function confirmTotpEnrolment(
  context: AuthContext,
  user: User,
  code: string,
  emailCode: string | undefined,
): Promise<void> {
  const update = requireSecondFactorStore(context);
  const pending = pendingEnrolment.decode(await context.state.get(pendingKey(user.id)));
  if (pending === undefined) throw new AuthError('tfa_invalid');
  const proofs: FactorProof[] = [{ kind: 'app-code', code, secret: pending.secret }];
  if (pending.emailCodeHash !== null)
    proofs.push({ kind: 'emailed-code', code: emailCode ?? '', salt: user.id, codeHash: pending.emailCodeHash });
  // The confirming code is spent like a login's, so whoever watched it being typed cannot log in with it.
  await proveFactor(context, user, enrolmentBudget(context, user, pending.identity), proofs);
  if ((await context.state.take(pendingKey(user.id))) === null) throw new AuthError('tfa_invalid');
  await context.state.delete(attemptsKey(user.id));
  await update(user.id, 'TOTP', pending.secret);
  // The password and the factor the login demands were both proven: a whole authentication.
  await completeAuthentication(context, pending.identity);
}

/** The login's lockout of `identity`, and past it the user's own confirmations: a new enrolment renews nothing. */
function enrolmentBudget(context: AuthContext, user: User, identity: string): FactorBudget {
  const lockout = lockoutBudget(context, identity);
  return {
    open: async () => {
      await lockout.open();
      const attempts = await context.state.increment(attemptsKey(user.id), ENROLMENT_TTL_MS);
      if (attempts.value > MAX_CONFIRM_ATTEMPTS) {
        await context.state.delete(pendingKey(user.id));
        throw new AuthError('tfa_attempts_exceeded');
      }
    },
    charge: lockout.charge,
  };
}
