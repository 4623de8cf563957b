// Password login: lockout, constant-time failure for unknown and disabled users, expiry, then a session or a challenge.
import { AuthError } from '../errors';
import { reportError } from '../logger';
import { bcryptCostOf } from '../passwords/hasher';
import type { LoginSuccess, SecondFactorChallenge } from './results';
import type { User } from '../stores/types';
import type { AuthContext } from './context';
import { attemptIdentity } from './devices';
import { isExternalOnlyUser } from './external-identity';
import { startSecondFactor } from './second-factor';
import { openSession, readSessionIndex } from './session-tokens';
import { completeAuthentication, effectiveSecondFactor, reservePasswordAttempt, verifyPassword } from './step-up';
import { trustedDeviceOf } from './trusted-devices';

export type LoginOutcome = ({ kind: 'authenticated' } & LoginSuccess) | ({ kind: 'challenge' } & SecondFactorChallenge);

export interface PasswordLoginRequest {
  /** A login name or an email address. */
  username: string;
  password: string;
  rememberMe: boolean;
  /** The device token the client presented (its device cookie), if any. */
  deviceToken?: string | undefined;
  /** The client's trusted-device cookie, if any: with the right password, it stands in for the second factor. */
  trustedDeviceToken?: string | undefined;
  /** Fires when the client goes away: queued password work for it is dropped. */
  signal?: AbortSignal | undefined;
}

/** A user read for a credential check, with the session version read before the credentials were. */
export interface AccountSnapshot {
  user: User | null;
  /** The user's session version when the read began; a session opened from this read carries it. */
  sessionVersion: string | undefined;
}

/**
 * Reads the account behind `name` for a credential check. The session version is read BEFORE the credentials, so a
 * password change, reset or "log out everywhere" that lands while the check runs changes the version and the session
 * this read opens is refused; one that landed earlier is seen in the credentials themselves.
 */
export async function readAccount(context: AuthContext, name: string): Promise<AccountSnapshot> {
  const found = await context.users.findByLogin(name);
  if (found === null) {
    // The same reads as for a known name, so the answer takes as long.
    await Promise.all([context.sessions.current(UNKNOWN_USER_ID), context.users.findById(UNKNOWN_USER_ID)]);
    return { user: null, sessionVersion: undefined };
  }
  const sessionVersion = await context.sessions.current(found.id);
  return { user: await context.users.findById(found.id), sessionVersion };
}

// No store assigns it: ids are UUIDs or the host's own, never this.
const UNKNOWN_USER_ID = '\u2060express-auth-kit:unknown';

/**
 * Checks a password and opens a session, or starts the second factor. Every failure before the password is known
 * to be right looks the same from outside: unknown user, disabled user and wrong password all cost one bcrypt
 * comparison and answer `invalid_credentials`.
 */
export async function loginWithPassword(context: AuthContext, request: PasswordLoginRequest): Promise<LoginOutcome> {
  const attempt: { userId?: string } = {};
  try {
    const outcome = await passwordLogin(context, request, attempt);
    if (outcome.kind === 'authenticated') context.events.emit('login.succeeded', { userId: outcome.user.id });
    return outcome;
  } catch (error) {
    // The user id only when the name matched a user (the host's audit log may know it; a client never learns it).
    if (error instanceof AuthError) context.events.emit('login.failed', { reason: error.code, ...attempt });
    throw error;
  }
}

/**
 * Logs in with an identity provider's JWT (datarhei's Auth0-style login): the provider's user gets a session, and the
 * same events as a password login are emitted (`login.succeeded`, or `login.failed` with the code answered and the
 * user id only once the token named a user), never the token.
 */
export async function loginWithExternalIdentity(context: AuthContext, providerToken: string): Promise<LoginSuccess> {
  const attempt: { userId?: string } = {};
  try {
    const provider = context.externalIdentity;
    if (!provider) throw new AuthError('invalid_credentials');
    const user = await provider.userFor(providerToken);
    // A failure names a mapped local user; a bare subject may equal some local user's id, which it must not name.
    if (!isExternalOnlyUser(user)) attempt.userId = user.id;
    const success = await openSession(context, user, { rememberMe: false, identityProvider: provider.issuer });
    context.events.emit('login.succeeded', { userId: user.id });
    return success;
  } catch (error) {
    if (error instanceof AuthError) context.events.emit('login.failed', { reason: error.code, ...attempt });
    throw error;
  }
}

async function passwordLogin(
  context: AuthContext,
  request: PasswordLoginRequest,
  attempt: { userId?: string },
): Promise<LoginOutcome> {
  const found = await context.users.findByLogin(request.username);
  if (found) attempt.userId = found.id;
  const identity = attemptIdentity(context, found, request.username, request.deviceToken);
  // The attempt is reserved first (step-up.ts): full password workers answer 503 before anything is read. Then one
  // round trip to the state store before the password: the session version (read before the credentials, as
  // readAccount explains), the lockout's reservation, and the user's session list, which a session opened from this
  // login updates (a compare-and-set: if it changed meanwhile, the update reads it again). An unknown name costs the same.
  const reservation = reservePasswordAttempt(context, identity);
  const accountId = found?.id ?? UNKNOWN_USER_ID;
  const [sessionVersion, reserved, sessionIndex] = await Promise.all([
    context.sessions.current(accountId),
    reservation,
    readSessionIndex(context, accountId),
  ]);
  const user = await context.users.findById(accountId);
  await verifyPassword(context, found === null ? null : user, reserved, request.password, request.signal);
  const account = user as User;
  // Only after the right password: without it, an unverified account answers like any wrong password.
  if (account.emailVerified === false) throw new AuthError('email_unverified');
  if (isPasswordExpired(context, account)) throw new AuthError('password_expired');
  await rehashIfOutdated(context, account, request.password);
  const method = effectiveSecondFactor(context, account);
  // Only after the right password: a wrong one never learns whether the browser is trusted.
  const trustedDeviceId = method
    ? await trustedDeviceOf(context, account, request.trustedDeviceToken, sessionVersion)
    : undefined;
  if (trustedDeviceId !== undefined)
    context.events.emit('tfa.verified', { userId: account.id, method: 'trusted_device', trustedDeviceId });
  else if (method) {
    const challenge = await startSecondFactor(context, account, method, {
      rememberMe: request.rememberMe,
      sessionVersion,
      identity,
    });
    return { kind: 'challenge', ...challenge };
  }
  // Only a completed authentication forgives earlier failures (never a right password alone): the authentication is
  // complete here, so the forgiving goes out with the session's writes, in their round trip.
  const [success] = await Promise.all([
    openSession(context, account, {
      rememberMe: request.rememberMe,
      sessionVersion,
      deviceToken: request.deviceToken,
      sessionIndex,
    }),
    completeAuthentication(context, identity),
  ]);
  return { kind: 'authenticated', ...success };
}

export function isPasswordExpired(context: AuthContext, user: User): boolean {
  return user.passwordExpiresAt != null && user.passwordExpiresAt.getTime() <= context.config.clock();
}

/**
 * After a right password: a stored hash of another cost than the configured one is replaced by a hash at the
 * configured cost. A compare-and-set on the hash that was checked, because a plain write could race a password change
 * and restore the old password. Best effort: a failure is logged and the login goes on.
 */
async function rehashIfOutdated(context: AuthContext, user: User, password: string): Promise<void> {
  const replace = context.users.replacePasswordHash;
  if (typeof replace !== 'function' || bcryptCostOf(user.passwordHash) === context.passwords.cost) return;
  try {
    const hash = await context.passwords.hash(password);
    await replace.call(context.users, user.id, user.passwordHash, hash);
  } catch (error) {
    reportError(context.config.logger, 'rehashing a password failed', error);
  }
}
