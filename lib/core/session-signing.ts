// Signing a session's tokens: what an access or refresh token of a session carries, and how long it lives.
import { nowSeconds } from '../primitives/clock';
import type { User } from '../stores/types';
import type { IssuedToken } from '../tokens/token-service';
import type { AuthContext } from './context';
import { INITIAL_SESSION_VERSION } from './session-versions';

export interface SessionTokens {
  access: IssuedToken;
  refresh: IssuedToken | undefined;
}

/** The preset decides what `sub` holds; where it is the login, the stable id rides along in `uid`. */
function subjectClaims(context: AuthContext, user: Pick<User, 'id' | 'login'>): { sub: string; uid?: string } {
  return context.config.tokens.subjectClaim === 'login' ? { sub: user.login, uid: user.id } : { sub: user.id };
}

export interface AccessTokenOptions {
  sv: string;
  family: string | undefined;
  rememberMe: boolean;
  identityProvider?: string | undefined;
  /** The login's time, in seconds (the token's `auth_time`). */
  authTime?: number | undefined;
  lifetimeSeconds?: number;
}

export function signAccess(
  context: AuthContext,
  user: Pick<User, 'id' | 'login'>,
  authorities: readonly string[],
  options: AccessTokenOptions,
): IssuedToken {
  const lifetime = options.lifetimeSeconds ?? accessLifetime(context, options.rememberMe);
  return context.tokens.sign(
    'access',
    {
      ...subjectClaims(context, user),
      auth: authorities.join(','),
      // A lean token leaves out the initial version: the guard admits a token without `sv` exactly when it would
      // admit "0" (no "log out everywhere" yet), and refuses both once there was one.
      ...(context.config.tokens.leanAccessTokens && options.sv === INITIAL_SESSION_VERSION ? {} : { sv: options.sv }),
      ...(options.family ? { fam: options.family } : {}),
      ...(options.rememberMe ? { rme: true } : {}),
      ...(options.identityProvider ? { idp: options.identityProvider } : {}),
      ...(options.authTime !== undefined ? { auth_time: options.authTime } : {}),
    },
    lifetime,
  );
}

/**
 * When a session lasting `lifetimeSeconds` from now ends, in ms: on a whole second, the `exp` of its tokens (the one
 * place a session's end turns from the tokens' seconds into the store's milliseconds).
 */
export function sessionEnd(context: AuthContext, lifetimeSeconds: number): number {
  return (nowSeconds(context.config.clock) + lifetimeSeconds) * 1000;
}

/** How long an access token lives, in seconds. */
export function accessLifetime(context: AuthContext, rememberMe: boolean): number {
  return rememberMe ? context.config.tokens.rememberMeTtlSeconds : context.config.tokens.accessTtlSeconds;
}

/**
 * Signs the next refresh token of `family`, which never outlives the family's end (`familyEndsAt`, ms). Its jti is
 * what the family's live-token record must then hold (the caller writes it).
 */
export function signRefresh(
  context: AuthContext,
  user: Pick<User, 'id' | 'login'>,
  family: string,
  sv: string,
  rememberMe: boolean,
  familyEndsAt: number,
): IssuedToken & { jti: string } {
  const refresh = context.tokens.sign(
    'refresh',
    { ...subjectClaims(context, user), fam: family, sv, ...(rememberMe ? { rme: true } : {}) },
    context.config.tokens.refreshTtlSeconds,
    Math.floor(familyEndsAt / 1000),
  );
  // Every token but an access token has a jti.
  const { jti } = refresh;
  if (jti === undefined) throw new Error('express-auth-kit: a refresh token was signed without a jti.');
  return { ...refresh, jti };
}
