// Password login: lockout, constant-time failure for unknown and disabled users, expiry, then a session or a challenge.
import { AuthError } from '../errors';
import type { LoginSuccess, SecondFactorChallenge } from '../presets/types';
import type { User } from '../stores/types';
import type { AuthContext } from './context';
import { lockoutIdentity } from './lockout';
import { startSecondFactor } from './second-factor';
import { issueSession } from './session-tokens';

export type LoginOutcome = ({ kind: 'authenticated' } & LoginSuccess) | ({ kind: 'challenge' } & SecondFactorChallenge);

export interface PasswordLoginRequest {
  /** A login name or an email address. */
  username: string;
  password: string;
  rememberMe: boolean;
}

/**
 * Checks a password and opens a session, or starts the second factor. Every failure before the password is known
 * to be right looks the same from outside: unknown user, disabled user and wrong password all cost one bcrypt
 * comparison and answer `invalid_credentials`.
 */
export async function loginWithPassword(context: AuthContext, request: PasswordLoginRequest): Promise<LoginOutcome> {
  const user = await context.users.findByLogin(request.username);
  // With a second factor ahead, the right password alone forgives nothing: failures are forgiven when the
  // whole login completes, so alternating right passwords with wrong codes still reaches the lockout.
  await checkPassword(context, user, request.username, request.password, { forgive: !needsSecondFactor(context, user) });
  const account = user as User;
  if (isPasswordExpired(context, account)) throw new AuthError('password_expired');
  return completePasswordLogin(context, account, request.rememberMe);
}

/**
 * Verifies `password` for `user` (null when the name matched nobody) under the lockout, or throws
 * `invalid_credentials` / `login_blocked`. Shared by login and change-password, so both count toward one lockout.
 */
export async function checkPassword(
  context: AuthContext,
  user: User | null,
  attemptedName: string,
  password: string,
  options: { forgive: boolean } = { forgive: true },
): Promise<void> {
  const identity = lockoutIdentity(user, attemptedName);
  const attempt = await context.throttle.reserveAttempt(identity);
  let matches = false;
  if (user) matches = await context.passwords.verify(password, user.passwordHash);
  else await context.passwords.burnComparison(password);
  if (!matches || !user || user.disabled) {
    await context.throttle.recordFailure(identity, attempt);
    throw new AuthError('invalid_credentials');
  }
  if (options.forgive) await context.throttle.recordSuccess(identity);
}

function needsSecondFactor(context: AuthContext, user: User | null): boolean {
  return user !== null && (Boolean(user.secondFactor) || context.config.secondFactor.force);
}

export function isPasswordExpired(context: AuthContext, user: User): boolean {
  return user.passwordExpiresAt != null && user.passwordExpiresAt.getTime() <= context.config.clock();
}

/** After a right password: the second factor when the user has one (or it is forced), else a session. */
async function completePasswordLogin(context: AuthContext, user: User, rememberMe: boolean): Promise<LoginOutcome> {
  const method = user.secondFactor ?? (context.config.secondFactor.force ? 'EMAIL' : null);
  if (method) return { kind: 'challenge', ...(await startSecondFactor(context, user, method, rememberMe)) };
  return { kind: 'authenticated', ...(await openSession(context, user, rememberMe)) };
}

/** Issues the session's tokens and records the login; `firstLogin` is true when the user had never logged in. */
export async function openSession(
  context: AuthContext,
  user: User,
  rememberMe: boolean,
  identityProvider?: string,
): Promise<LoginSuccess> {
  const firstLogin = user.lastLoginAt == null;
  const { access, refresh } = await issueSession(context, user, { rememberMe, ...(identityProvider ? { identityProvider } : {}) });
  await context.users.recordLogin(user.id, new Date(context.config.clock()));
  return { user, access, refresh, firstLogin, rememberMe };
}
