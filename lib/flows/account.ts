// Account changes: a new password, checked against the policy, ends every other session.
import { AuthError } from '../errors';
import { checkPasswordPolicy } from '../passwords/policy';
import type { User } from '../stores/types';
import type { AuthContext } from './context';
import { checkPassword } from './login';

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
): Promise<void> {
  await checkPassword(context, user, attemptedName, currentPassword);
  const account = user as User;
  const failure = await checkPasswordPolicy(newPassword, context.config.passwordPolicy, account).catch((cause: unknown) => {
    throw new AuthError('unavailable', { cause });
  });
  if (failure) throw new AuthError('weak_password', { message: `${failure.message} (rule: ${failure.rule})` });
  if (newPassword === currentPassword) {
    throw new AuthError('weak_password', { message: 'The new password must differ from the current one. (rule: reused)' });
  }
  const hash = await context.passwords.hash(newPassword);
  const { passwordMaxAge, clock } = context.config;
  const expiresAt = passwordMaxAge === null ? null : new Date(clock() + passwordMaxAge * 1000);
  await context.users.updatePassword(account.id, hash, expiresAt);
  await context.sessions.endAll(account.id);
}
