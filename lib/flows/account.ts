// Account changes: a new password, checked against the policy, ends every session of the user (the caller's too).
import { AuthError } from '../errors';
import { checkPasswordPolicy, type PasswordRule } from '../passwords/policy';
import type { User } from '../stores/types';
import type { AuthContext } from './context';
import { checkPassword, isPasswordExpired } from './login';

export interface ChangePasswordOptions {
  /**
   * The request carried no token, only a name and the current password: allowed only for an expired password,
   * which cannot get a token. @default false
   */
  withoutToken?: boolean;
}

/**
 * Replaces `user`'s password after checking the current one (under the lockout) and the policy. Also the way out
 * of an expired password: it needs no token, only the current password. Ends every existing session.
 */
export async function changePassword(
  context: AuthContext,
  user: User | null,
  attemptedName: string,
  currentPassword: string,
  newPassword: string,
  options: ChangePasswordOptions = {},
): Promise<void> {
  const withoutToken = options.withoutToken === true;
  // Without a token the password is the only proof: it must not forgive second-factor failures, or a password
  // holder could reset the lockout between rounds of code guesses.
  await checkPassword(context, user, attemptedName, currentPassword, { forgive: !withoutToken });
  const account = user as User;
  // Without a token the password is the only proof, which skips the second factor: someone who knows a 2FA user's
  // password could otherwise replace it and end the user's sessions. Checked after the password, so it reveals
  // nothing about an account to whoever does not know it.
  if (withoutToken && !isPasswordExpired(context, account)) {
    throw new AuthError('token_missing', { message: 'Log in and send your bearer token: only an expired password can be changed without one.' });
  }
  const failure = await checkPasswordPolicy(newPassword, context.config.passwordPolicy, account).catch((cause: unknown) => {
    throw new AuthError('unavailable', { cause });
  });
  if (failure) throw new AuthError('weak_password', { message: `${failure.message} (rule: ${failure.rule})` });
  if (newPassword === currentPassword) {
    const rule: PasswordRule = 'reused';
    throw new AuthError('weak_password', { message: `The new password must differ from the current one. (rule: ${rule})` });
  }
  const hash = await context.passwords.hash(newPassword);
  const { passwordMaxAge, clock } = context.config;
  const expiresAt = passwordMaxAge === null ? null : new Date(clock() + passwordMaxAge * 1000);
  await context.users.updatePassword(account.id, hash, expiresAt);
  await context.sessions.endAll(account.id);
}
