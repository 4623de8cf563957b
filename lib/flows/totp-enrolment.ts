// Turning on an authenticator app: re-authentication, a pending secret, and a first code that confirms it.
import { AuthError } from '../errors';
import { generateTotpSecret, matchTotp, totpUri } from '../primitives/totp';
import type { TotpEnrolment } from '../presets/types';
import type { User } from '../stores/types';
import type { AuthContext } from './context';
import { checkPassword } from './login';
import { consumeTotpStep } from './second-factor';

const ENROLMENT_TTL_MS = 10 * 60 * 1000;
const pendingKey = (userId: string): string => `tfa:totp-pending:${userId}`;

function requireSecondFactorStore(context: AuthContext): NonNullable<AuthContext['users']['updateSecondFactor']> {
  const update = context.users.updateSecondFactor?.bind(context.users);
  if (!update) throw new AuthError('not_found', { message: 'Authenticator apps are not available: the user store cannot save them.' });
  return update;
}

/** Starts enrolment for a logged-in user who re-enters their password; the secret is kept pending until confirmed. */
export async function beginTotpEnrolment(context: AuthContext, user: User, password: string): Promise<TotpEnrolment> {
  requireSecondFactorStore(context);
  await checkPassword(context, user, user.login, password);
  const secret = generateTotpSecret();
  await context.state.set(pendingKey(user.id), secret, ENROLMENT_TTL_MS);
  return { secret, uri: totpUri({ secret, accountName: user.email, issuer: context.config.secondFactor.totpIssuer }) };
}

/** Confirms enrolment with a first code from the app; from then on login asks for a TOTP code. */
export async function confirmTotpEnrolment(context: AuthContext, user: User, code: string): Promise<void> {
  const update = requireSecondFactorStore(context);
  const secret = await context.state.get(pendingKey(user.id));
  const step = secret === null ? null : matchTotp(secret, code, context.config.clock());
  if (secret === null || step === null) throw new AuthError('tfa_invalid');
  if ((await context.state.take(pendingKey(user.id))) === null) throw new AuthError('tfa_invalid');
  // The confirming code is spent like a login's, so whoever watched it being typed cannot log in with it.
  await consumeTotpStep(context, user.id, step);
  await update(user.id, 'TOTP', secret);
}
