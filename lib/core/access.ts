// Who an authenticated request is: access tokens for the guard (a synchronous fast path), and the user behind them.
import { AuthError } from '../errors';
import type { User } from '../stores/types';
import type { AccessClaims } from '../tokens/claims';
import type { AuthContext } from './context';
import type { AuthInfo } from './results';
import { isExternalSession } from './session-versions';
import { activeUser } from './users';

/** The claims of a valid access token, or throws `token_*`. Synchronous: verified tokens are cached. */
export function verifyAccessToken(context: AuthContext, token: string): AccessClaims {
  try {
    return context.tokens.verifyAccess(token);
  } catch (error) {
    throw error instanceof AuthError ? error : new AuthError('token_invalid', { cause: error });
  }
}

/**
 * Resolves when the token's session is still open: its session version is the user's, the user is active, and the
 * refresh family it was issued with has not been logged out. Returns `undefined` synchronously when a short cache
 * answers, so the guard's common case costs no store round trip.
 */
export function checkAccessSession(context: AuthContext, claims: AccessClaims): void | Promise<void> {
  const { sessions } = context;
  const userId = userIdOf(claims);
  const session = sessions.check(userId, claims.sv);
  // A token issued with a refresh family dies with it: logout ends the access token too, not only refresh.
  const family = claims.fam === undefined ? undefined : sessions.checkFamily(claims.fam);
  if (family === undefined) return session;
  return session === undefined ? family : Promise.all([session, family]).then(() => undefined);
}

/** The stable user id an access token stands for: `uid` where `sub` holds the login (UTMStack, datarhei), else `sub`. */
export function userIdOf(claims: AccessClaims): string {
  return claims.uid ?? claims.sub;
}

/** The user behind an authenticated request, loaded fresh: a deleted or disabled user's token stops here. */
export async function currentUser(context: AuthContext, auth: AuthInfo): Promise<User> {
  // An identity provider's subject has no local account, even if a local user's id happens to equal it.
  if (isExternalSession(auth.claims?.sv)) throw new AuthError('forbidden');
  return activeUser(context, auth.userId, 'token_revoked');
}
