// Issuing access/refresh pairs, refreshing them with rotation and reuse detection, and ending sessions.
import { AuthError } from '../errors';
import { nowSeconds } from '../primitives/clock';
import { newId } from '../primitives/random';
import type { User } from '../stores/types';
import type { IssuedToken } from '../tokens/token-service';
import type { AuthContext } from './context';
import { isExternalOnlyUser } from './external-identity';
import { familyKey } from './sessions';

export interface SessionTokens {
  access: IssuedToken;
  refresh: IssuedToken | undefined;
}

interface FamilyRecord {
  userId: string;
  /** The family's absolute end, in seconds: rotation never extends it. */
  expiresAt: number;
  /** The identity provider's issuer, for a session opened with its token. */
  idp?: string;
  /**
   * The authorities of an identity with no local user record (an identity provider's subject), kept here because
   * refresh has nowhere else to read them: such a session is never looked up in the UserStore, where "not found"
   * would mean "deleted", and where an id equal to the subject would be someone else's.
   */
  authorities?: string[];
}

// A refresh token is live while this key exists; revocation is keyed by jti and family, never by the token's text.
const liveTokenKey = (jti: string): string => `rt:live:${jti}`;

/** Signs an access token (and, where the preset issues them, a refresh token in a new family) for `user`. */
export async function issueSession(
  context: AuthContext,
  user: User,
  options: { rememberMe: boolean; identityProvider?: string },
): Promise<SessionTokens> {
  const { config, sessions, state } = context;
  const { identityProvider } = options;
  const external = identityProvider !== undefined && (await hasNoLocalRecord(context, user));
  const sv = await sessions.current(user.id, { external });
  let refresh: IssuedToken | undefined;
  let family: string | undefined;
  if (config.refresh.issue) {
    family = newId();
    const expiresAt = nowSeconds(config.clock) + config.refreshTokenTtl;
    const record: FamilyRecord = {
      userId: user.id,
      expiresAt,
      ...(identityProvider !== undefined ? { idp: identityProvider } : {}),
      ...(external ? { authorities: [...user.authorities] } : {}),
    };
    await state.set(familyKey(family), JSON.stringify(record), config.refreshTokenTtl * 1000);
    refresh = await signRefresh(context, user.id, family, sv, options.rememberMe, expiresAt);
  }
  const access = signAccess(context, user.id, user.authorities, { sv, family, rememberMe: options.rememberMe, identityProvider });
  return { access, refresh };
}

/**
 * Whether an identity provider's user has no local record. An allowed subject that equals a local user's id is
 * refused: every handler (ours and the host's) would read `req.auth.userId` as that local user and act as them.
 */
async function hasNoLocalRecord(context: AuthContext, user: User): Promise<boolean> {
  const local = await context.users.findById(user.id);
  if (!isExternalOnlyUser(user)) return local === null;
  if (local !== null) {
    context.config.logger.error(
      '[express-auth-kit] an identity-provider subject equals a local user\'s id: login refused. Map subjects to users with "mapUser" instead.',
    );
    throw new AuthError('invalid_credentials');
  }
  return true;
}

function signAccess(
  context: AuthContext,
  userId: string,
  authorities: readonly string[],
  options: { sv: string; family: string | undefined; rememberMe: boolean; identityProvider?: string | undefined },
): IssuedToken {
  const { config, tokens } = context;
  const lifetime = options.rememberMe ? config.rememberMeTtl : config.accessTokenTtl;
  return tokens.sign(
    'access',
    {
      sub: userId,
      auth: authorities.join(','),
      sv: options.sv,
      ...(options.family ? { fam: options.family } : {}),
      ...(options.rememberMe ? { rme: true } : {}),
      ...(options.identityProvider ? { idp: options.identityProvider } : {}),
    },
    lifetime,
  );
}

async function signRefresh(
  context: AuthContext,
  userId: string,
  family: string,
  sv: string,
  rememberMe: boolean,
  familyExpiresAt: number,
): Promise<IssuedToken> {
  const refresh = context.tokens.sign(
    'refresh',
    { sub: userId, fam: family, sv, ...(rememberMe ? { rme: true } : {}) },
    context.config.refreshTokenTtl,
    familyExpiresAt,
  );
  await context.state.set(liveTokenKey(refresh.jti), family, Math.max(1, refresh.lifetime) * 1000);
  return refresh;
}

/**
 * Exchanges a refresh token for a new access token (and, with rotation, the family's next refresh token).
 * With rotation, the token is consumed atomically: of concurrent refreshes with one token exactly one wins, and a
 * consumed token presented again revokes its whole family (it has been stolen, or the winner's copy was).
 */
export async function refreshSession(context: AuthContext, refreshToken: string): Promise<SessionTokens> {
  const { config, state, users, sessions } = context;
  const claims = context.tokens.verify(refreshToken, 'refresh');
  const familyJson = await state.get(familyKey(claims.fam));
  if (familyJson === null) throw new AuthError('token_revoked');
  const family = JSON.parse(familyJson) as FamilyRecord;
  if (family.userId !== claims.sub) throw new AuthError('token_invalid');

  const live = config.refresh.rotate ? await state.take(liveTokenKey(claims.jti)) : await state.get(liveTokenKey(claims.jti));
  if (live === null) {
    // The token was valid and its family alive, yet it is no longer live: it was used before. Reuse.
    await revokeFamily(context, claims.fam);
    throw new AuthError('token_revoked');
  }
  let authorities: readonly string[];
  if (family.authorities !== undefined) {
    authorities = family.authorities;
  } else {
    const user = await users.findById(claims.sub);
    if (!user || user.disabled) {
      await revokeFamily(context, claims.fam);
      throw new AuthError('token_revoked');
    }
    authorities = user.authorities;
  }
  try {
    await sessions.check(claims.sub, claims.sv);
  } catch (error) {
    // Ended everywhere (or the user went away): this family is finished too, not just this token.
    if (error instanceof AuthError && error.code === 'token_revoked') await revokeFamily(context, claims.fam);
    throw error;
  }

  const rememberMe = claims.rme === true;
  const sv = claims.sv ?? (await sessions.current(claims.sub));
  const access = signAccess(context, claims.sub, authorities, { sv, family: claims.fam, rememberMe, identityProvider: family.idp });
  const refresh = config.refresh.rotate ? await signRefresh(context, claims.sub, claims.fam, sv, rememberMe, family.expiresAt) : undefined;
  return { access, refresh };
}

/** Ends the session a token belongs to: its refresh-token family is revoked. */
export async function logoutSession(context: AuthContext, claims: { fam?: string | undefined }): Promise<void> {
  if (claims.fam) await revokeFamily(context, claims.fam);
}

async function revokeFamily(context: AuthContext, family: string): Promise<void> {
  await context.state.delete(familyKey(family));
  context.sessions.forgetFamily(family);
}
