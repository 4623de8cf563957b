// The one "user exists and is not disabled" check, for every flow that acts on a user by id.
import { AuthError, type AuthErrorCode } from '../errors';
import type { User } from '../stores/types';
import type { AuthContext } from './context';

/** True for a user that exists and is not disabled. */
export function isActive(user: User | null | undefined): user is User {
  return user != null && user.disabled !== true;
}

/** The user with `id` when it exists and is enabled; otherwise throws `refusal` (the caller's own answer for "gone"). */
export async function activeUser(context: AuthContext, id: string, refusal: AuthErrorCode): Promise<User> {
  const user = await context.users.findById(id);
  if (!isActive(user)) throw new AuthError(refusal);
  return user;
}
