// The user behind an authenticated request, loaded fresh: a deleted or disabled user's token stops here.
import type { Request } from 'express';
import { AuthError } from '../errors';
import type { AuthContext } from '../flows/context';
import type { User } from '../stores/types';

export async function currentUser(context: AuthContext, req: Request): Promise<User> {
  const auth = req.auth;
  if (!auth) throw new AuthError('token_missing');
  const user = await context.users.findById(auth.userId);
  if (!user || user.disabled) throw new AuthError('token_revoked');
  return user;
}
