// Account changes: a new password, checked against the policy, ends every session of the user (the caller's too).
import { AuthError } from '../errors';
import { checkPasswordPolicy, normalizePassword, type PasswordRule } from '../passwords/policy';
import type { User } from '../stores/types';
import type { AuthContext } from './context';
import { isPasswordExpired, readAccount } from './login';
import { endAllSessions } from './session-tokens';
import { effectiveSecondFactor, reauthenticate, reauthenticateAccount } from './step-up';

export interface ChangePasswordRequest {
  currentPassword: string;
  newPassword: string;
  /** The device token the client presented (its device cookie), if any. */
  deviceToken?: string | undefined;
}

/**
 * Replaces the password of a logged-in `user` after checking the policy and then the current password (under the
 * lockout). A new password the policy refuses changes nothing, not even the attempt count. Ends every session.
 */
export async function changePassword(context: AuthContext, user: User, request: ChangePasswordRequest): Promise<void> {
  await checkNewPassword(context, user, request);
  await reauthenticate(context, user, passwordProof(request), { policy: 'password-only' });
  await storeNewPassword(context, user, request.newPassword);
}

/**
 * The way out of an expired password, which cannot get a token: the request names the user and proves only the
 * current password. Allowed for an expired password only, since it skips the second factor.
 */
export async function changeExpiredPassword(
  context: AuthContext,
  username: string,
  request: ChangePasswordRequest,
): Promise<void> {
  const { user } = await readAccount(context, username);
  const { user: account } = await reauthenticateAccount(context, user, username, passwordProof(request), {
    policy: 'password-only',
    // Checked after the password, so it reveals nothing about an account to whoever does not know it.
    afterPassword: (known) => {
      if (!isPasswordExpired(context, known)) {
        throw new AuthError('token_missing', {
          message: 'Log in and send your bearer token: only an expired password can be changed without one.',
        });
      }
    },
  });
  // After the password here: a policy's breach lookup is not something strangers may trigger at will.
  await checkNewPassword(context, account, request);
  await storeNewPassword(context, account, request.newPassword);
}

export interface ChangePasswordByLoginRequest extends ChangePasswordRequest {
  /** A login name or an email address. */
  username: string;
  /** The new password typed again: it must equal `newPassword`. */
  confirmation: string;
  /** The user of the access token sent along, if one was (it has passed the second factor). */
  tokenUserId?: string | undefined;
}

/**
 * bfore.ai's password change: the request names the user and proves the current password, like a login, under the
 * same lockout (unknown user, disabled user and wrong password answer alike, at a bcrypt comparison's cost). Without
 * a token it skips the second factor, so it is allowed only for a user whose login asks none or whose password has
 * expired; others send their access token along. Then the policy, and every session of the user ends.
 */
export async function changePasswordByLogin(
  context: AuthContext,
  request: ChangePasswordByLoginRequest,
): Promise<void> {
  // Checked first: it reveals nothing about any account, and a typo costs no attempt.
  if (request.newPassword !== request.confirmation) {
    throw new AuthError('invalid_request', { message: 'The fields "new" and "confirm" must be the same password.' });
  }
  const { user } = await readAccount(context, request.username);
  const { user: account } = await reauthenticateAccount(context, user, request.username, passwordProof(request), {
    policy: 'password-only',
    // After the password, so neither reveals anything about an account to whoever does not know its password.
    afterPassword: (known) => {
      if (request.tokenUserId !== undefined && request.tokenUserId !== known.id) {
        throw new AuthError('forbidden', { message: 'The token sent belongs to another user.' });
      }
      if (
        request.tokenUserId === undefined &&
        effectiveSecondFactor(context, known) !== null &&
        !isPasswordExpired(context, known)
      ) {
        throw new AuthError('token_missing', {
          message: 'This account has a second factor: log in and send your token along.',
        });
      }
    },
  });
  await checkNewPassword(context, account, request);
  await storeNewPassword(context, account, request.newPassword);
}

/** The current password (and device cookie) as step-up's proof: no factor is asked here (the 'password-only' policy). */
function passwordProof(request: ChangePasswordRequest): { password: string; deviceToken: string | undefined } {
  return { password: request.currentPassword, deviceToken: request.deviceToken };
}

async function checkNewPassword(context: AuthContext, user: User, request: ChangePasswordRequest): Promise<void> {
  const failure = await checkPasswordPolicy(request.newPassword, context.config.passwords.policy, user).catch(
    (cause: unknown) => {
      throw new AuthError('unavailable', { cause });
    },
  );
  if (failure) throw new AuthError('weak_password', { message: `${failure.message} (rule: ${failure.rule})` });
  // Compared in the form passwords are hashed in: a look-alike that normalises to the current password is the same.
  if (normalizePassword(request.newPassword) === normalizePassword(request.currentPassword)) {
    const rule: PasswordRule = 'reused';
    throw new AuthError('weak_password', {
      message: `The new password must differ from the current one. (rule: ${rule})`,
    });
  }
}

async function storeNewPassword(context: AuthContext, user: User, newPassword: string): Promise<void> {
  const hash = await context.passwords.hash(newPassword);
  const { clock } = context.config;
  const passwordMaxAge = context.config.passwords.maxAgeSeconds;
  const expiresAt = passwordMaxAge === null ? null : new Date(clock() + passwordMaxAge * 1000);
  await context.users.updatePassword(user.id, hash, expiresAt);
  await endAllSessions(context, user.id);
  context.events.emit('password.changed', { userId: user.id });
}
