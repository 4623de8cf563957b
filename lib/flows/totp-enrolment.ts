// Turning on an authenticator app: re-authentication with the password AND the current second factor, a pending
// secret, and a first code that confirms it. A stolen token plus the password must not swap the user's factor.
import { AuthError } from '../errors';
import { generateTotpSecret, matchTotp, totpUri } from '../primitives/totp';
import { newNumericCode } from '../primitives/random';
import type { TotpEnrolment } from '../presets/types';
import type { User } from '../stores/types';
import type { AuthContext } from './context';
import { checkPassword } from './login';
import { CODE_DIGITS, consumeTotpStep, emailedCodeMatches, hashEmailedCode, sendCode } from './second-factor';

const ENROLMENT_TTL_MS = 10 * 60 * 1000;
// Wrong confirmations allowed per pending enrolment: the emailed code is 6 digits.
const MAX_CONFIRM_ATTEMPTS = 5;
const pendingKey = (userId: string): string => `tfa:totp-pending:${userId}`;
const attemptsKey = (userId: string): string => `tfa:totp-pending-attempts:${userId}`;

interface PendingEnrolment {
  secret: string;
  /** For a user with the EMAIL factor: the hash of a code mailed to the stored address, needed to confirm. */
  emailCodeHash: string | null;
}

function requireSecondFactorStore(context: AuthContext): NonNullable<AuthContext['users']['updateSecondFactor']> {
  const update = context.users.updateSecondFactor?.bind(context.users);
  if (!update) throw new AuthError('not_found', { message: 'Authenticator apps are not available: the user store cannot save them.' });
  return update;
}

/**
 * Starts enrolment for a logged-in user who re-enters their password, and proves their current factor: a user who
 * already has an authenticator app sends a current code from it (`currentCode`); a user with the EMAIL factor is
 * mailed a code, needed to confirm. The new secret stays pending until confirmed.
 */
export async function beginTotpEnrolment(
  context: AuthContext,
  user: User,
  password: string,
  currentCode: string | undefined,
): Promise<TotpEnrolment & { emailCodeSent: boolean }> {
  requireSecondFactorStore(context);
  await checkPassword(context, user, user.login, password);
  if (user.secondFactor === 'TOTP') {
    const step = user.totpSecret && currentCode ? matchTotp(user.totpSecret, currentCode, context.config.clock()) : null;
    if (step === null) throw new AuthError('tfa_invalid', { message: 'Send a current code from your authenticator app as "currentCode".' });
    await consumeTotpStep(context, user.id, step);
  }
  const secret = generateTotpSecret();
  let emailCodeHash: string | null = null;
  if (user.secondFactor === 'EMAIL') {
    const code = newNumericCode(CODE_DIGITS);
    emailCodeHash = hashEmailedCode(user.id, code);
    await sendCode(context, user, code, ENROLMENT_TTL_MS / 1000);
  }
  const pending: PendingEnrolment = { secret, emailCodeHash };
  await context.state.set(pendingKey(user.id), JSON.stringify(pending), ENROLMENT_TTL_MS);
  await context.state.delete(attemptsKey(user.id));
  return {
    secret,
    uri: totpUri({ secret, accountName: user.email, issuer: context.config.secondFactor.totpIssuer }),
    emailCodeSent: emailCodeHash !== null,
  };
}

/** Confirms enrolment with a first code from the app (and the emailed code, when one was sent). */
export async function confirmTotpEnrolment(context: AuthContext, user: User, code: string, emailCode: string | undefined): Promise<void> {
  const update = requireSecondFactorStore(context);
  const attempts = await context.state.increment(attemptsKey(user.id), ENROLMENT_TTL_MS);
  if (attempts.value > MAX_CONFIRM_ATTEMPTS) {
    await context.state.delete(pendingKey(user.id));
    throw new AuthError('tfa_attempts_exceeded');
  }
  const json = await context.state.get(pendingKey(user.id));
  const pending = json === null ? null : (JSON.parse(json) as PendingEnrolment);
  const step = pending === null ? null : matchTotp(pending.secret, code, context.config.clock());
  const emailProven =
    pending !== null &&
    (pending.emailCodeHash === null || (emailCode !== undefined && emailedCodeMatches(user.id, emailCode, pending.emailCodeHash)));
  if (pending === null || step === null || !emailProven) throw new AuthError('tfa_invalid');
  if ((await context.state.take(pendingKey(user.id))) === null) throw new AuthError('tfa_invalid');
  // The confirming code is spent like a login's, so whoever watched it being typed cannot log in with it.
  await consumeTotpStep(context, user.id, step);
  await update(user.id, 'TOTP', pending.secret);
}
