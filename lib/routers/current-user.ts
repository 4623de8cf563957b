// The user behind an authenticated request, loaded fresh: a deleted or disabled user's token stops here.
import type { Request } from 'express';
import { AuthError } from '../errors';
import type { AuthContext } from '../flows/context';
import { isExternalSession } from '../flows/sessions';
import type { User } from '../stores/types';

export async function currentUser(context: AuthContext, req: Request): Promise<User> {
  const auth = req.auth;
  if (!auth) throw new AuthError('token_missing');
  // An identity provider's subject has no local account, even if a local user's id happens to equal it.
  if (isExternalSession(auth.claims?.sv)) throw new AuthError('forbidden');
  const user = await context.users.findById(auth.userId);
  if (!user || user.disabled) throw new AuthError('token_revoked');
  return user;
}
