// The one "user exists and is not disabled" check, for every flow that acts on a user by id.
import { AuthError, type AuthErrorCode } from '../errors';
import type { User, UserStore } from '../stores/types';

/**
 * True for a user that exists and is not disabled. Any truthy `disabled` counts (a store in plain JavaScript may hand
 * back a database's 1 or "true"): an account is refused unless it is plainly enabled.
 */
export function isActive(user: User | null | undefined): user is User {
  return user != null && !user.disabled;
}

/** The user with `id` when it exists and is enabled; otherwise throws `refusal` (the caller's own answer for "gone"). */
// Takes the store, not the whole AuthContext, so that every core module (the context's own types included) can use
// isActive without an import cycle.
export async function activeUser(
  context: { users: Pick<UserStore, 'findById'> },
  id: string,
  refusal: AuthErrorCode,
): Promise<User> {
  const user = await context.users.findById(id);
  if (!isActive(user)) throw new AuthError(refusal);
  return user;
}
