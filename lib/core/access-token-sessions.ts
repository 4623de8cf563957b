// Access tokens from an access token (bfore.ai's logout, renew and token with a lifetime): a new token in the same
// session or a session of its own, and ending the session a token belongs to. Sessions themselves are sessions.ts's.
import { AuthError } from '../errors';
import { newTokenId } from '../primitives/random';
import type { User } from '../stores/types';
import { loginTime, type AccessClaims } from '../tokens/claims';
import type { IssuedToken } from '../tokens/token-service';
import type { AuthContext } from './context';
import { extendFamily } from './refresh-families';
import { sessionEnd, signAccess } from './session-signing';
import { INITIAL_SESSION_VERSION } from './session-versions';
import { endFamily, openFamily } from './sessions';

/**
 * A new access token for `user`, the owner of `claims` (an access token the guard admitted), lasting `lifetimeSeconds`
 * from now. With `sameSession`, it joins the session of `claims` (logging out either ends both), whose end moves out
 * to cover it; else it opens a session of its own (where sessions are kept), which logging out the other leaves
 * alone. The token presented keeps its own expiry either way.
 */
export async function issueAccessTokenFrom(
  context: AuthContext,
  user: User,
  claims: AccessClaims,
  options: { lifetimeSeconds: number; sameSession: boolean },
): Promise<IssuedToken> {
  const { config } = context;
  // No `sv`: a lean token of a user never logged out everywhere (or one older than `sv`, which the guard admitted only
  // then). Not the version read now, which a "log out everywhere" since the guard's check may have changed.
  const sv = claims.sv ?? INITIAL_SESSION_VERSION;
  const endsAt = sessionEnd(context, options.lifetimeSeconds);
  let family: string | undefined;
  if (options.sameSession) {
    family = claims.fam;
    if (family !== undefined) {
      const outcome = await extendFamily(context.state, user.id, family, endsAt, config.clock());
      if (outcome === 'ended') throw new AuthError('token_revoked');
      if (outcome === 'foreign') throw new AuthError('token_invalid');
    }
  } else if (config.sessions.refresh.issue || config.sessions.accessTokenSessions) {
    family = newTokenId();
    await openFamily(context, family, { userId: user.id, endsAt });
  }
  // A renewed token is no new authentication: it keeps the login's time (API-key step-up reads it).
  return signAccess(context, user, user.authorities, {
    sv,
    family,
    rememberMe: claims.rme === true,
    lifetimeSeconds: options.lifetimeSeconds,
    authTime: loginTime(claims),
  });
}

/** Ends the session an admitted access token belongs to; a token of no session (none are kept) cannot be ended alone. */
export async function endAccessTokenSession(context: AuthContext, claims: AccessClaims): Promise<void> {
  const userId = claims.uid ?? claims.sub;
  if (claims.fam === undefined) {
    throw new AuthError('invalid_request', { message: 'This token belongs to no session that can be ended alone.' });
  }
  await endFamily(context, userId, claims.fam);
  context.events.emit('session.ended', { userId, sessionId: claims.fam });
}
