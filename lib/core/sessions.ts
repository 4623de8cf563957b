// Sessions: opening one at login (its tokens and its family), listing a user's, and ending one or all of them.
import { AuthError } from '../errors';
import { nowSeconds } from '../primitives/clock';
import { newTokenId } from '../primitives/random';
import type { User } from '../stores/types';
import type { IssuedToken } from '../tokens/token-service';
import type { AuthContext } from './context';
import { issueDeviceToken } from './devices';
import { isExternalOnlyUser } from './external-identity';
import {
  createFamily,
  listFamilies,
  readFamily,
  readFamilyList,
  removeAllFamilies,
  removeFamily,
  setLiveToken,
  type FamilyEntry,
  type FamilyListRead,
  type FamilyRecord,
} from './refresh-families';
import { currentRequest } from './request-scope';
import type { LoginSuccess, SessionInfo } from './results';
import { accessLifetime, sessionEnd, signAccess, signRefresh, type SessionTokens } from './session-signing';
import { untrustAllDevices } from './trusted-devices';

export interface IssueSessionOptions {
  rememberMe: boolean;
  /** The session version read before the credentials were checked; read now when absent. */
  sessionVersion?: string | undefined;
  identityProvider?: string | undefined;
  /** The user's session list as read earlier by {@link readSessionIndex}, saving a read when the session is listed. */
  sessionIndex?: SessionIndexRead | undefined;
}

/** The user's session list as read at some point: a compare-and-set that expects it saves reading it again. */
export type SessionIndexRead = FamilyListRead;

/**
 * Reads the session list of `userId` for a login about to open a session, so that listing the new session needs no
 * read of its own; undefined where logins open no session. A login of an unknown name reads the same way.
 */
export async function readSessionIndex(context: AuthContext, userId: string): Promise<SessionIndexRead | undefined> {
  if (!context.config.sessions.refresh.issue && !context.config.sessions.accessTokenSessions) return undefined;
  return readFamilyList(context.state, userId);
}

/** Signs an access token (and, where the preset issues them, a refresh token in a new family) for `user`. */
export async function issueSession(
  context: AuthContext,
  user: User,
  options: IssueSessionOptions,
): Promise<SessionTokens> {
  const { config, sessions } = context;
  const { identityProvider } = options;
  const external = identityProvider !== undefined && (await hasNoLocalRecord(context, user));
  const sv =
    options.sessionVersion !== undefined && !external
      ? options.sessionVersion
      : await sessions.current(user.id, { external });
  const opened =
    config.sessions.refresh.issue || config.sessions.accessTokenSessions
      ? await startFamily(context, user, sv, options, external)
      : undefined;
  // A new session is an authentication: its tokens carry the time of it (refreshes keep it, see refreshSession).
  const authTime = nowSeconds(config.clock);
  const access = signAccess(context, user, user.authorities, {
    sv,
    family: opened?.family,
    rememberMe: options.rememberMe,
    identityProvider,
    authTime,
  });
  return { access, refresh: opened?.refresh };
}

/**
 * A new session's family: its record, its list entry and, where the preset issues them, its first refresh token.
 * Without refresh tokens, a preset may still keep a session per login (bfore.ai's logout ends one token's session):
 * it then lives as long as the access token.
 */
async function startFamily(
  context: AuthContext,
  user: User,
  sv: string,
  options: IssueSessionOptions,
  external: boolean,
): Promise<{ family: string; refresh: IssuedToken | undefined }> {
  const { config } = context;
  const { identityProvider } = options;
  const family = newTokenId();
  const issueRefresh = config.sessions.refresh.issue;
  const endsAt = sessionEnd(
    context,
    issueRefresh ? config.tokens.refreshTtlSeconds : accessLifetime(context, options.rememberMe),
  );
  const refresh = issueRefresh ? signRefresh(context, user, family, sv, options.rememberMe, endsAt) : undefined;
  // The session's record, its list entry and its refresh token's, written at once (one round trip when the list was
  // read before); the refresh token works only once its family record exists, which a refresh reads first.
  await Promise.all([
    openFamily(
      context,
      family,
      {
        userId: user.id,
        endsAt,
        ...(identityProvider !== undefined ? { idp: identityProvider } : {}),
        ...(external ? { authorities: [...user.authorities] } : {}),
      },
      options.sessionIndex,
    ),
    refresh !== undefined
      ? setLiveToken(context.state, family, refresh.jti, { endsAt, now: config.clock() })
      : undefined,
  ]);
  return { family, refresh };
}

export interface OpenSessionOptions extends IssueSessionOptions {
  /** The device token the client presented: a device it proves keeps its id in the new one. */
  deviceToken?: string | undefined;
}

/**
 * Opens a session after a completed authentication: its tokens, a device token (OWASP device cookies; not for an
 * identity provider's login) and the login recorded. `firstLogin` is true when the user had never logged in.
 */
export async function openSession(
  context: AuthContext,
  user: User,
  options: OpenSessionOptions,
): Promise<LoginSuccess> {
  const firstLogin = user.lastLoginAt == null;
  const { access, refresh } = await issueSession(context, user, options);
  await context.users.recordLogin(user.id, new Date(context.config.clock()));
  const device =
    options.identityProvider === undefined ? issueDeviceToken(context, user.id, options.deviceToken) : undefined;
  return { user, access, refresh, firstLogin, rememberMe: options.rememberMe, ...(device ? { device } : {}) };
}

/** Stores a new session (family) record and lists it among the user's; the oldest past `sessions.maxPerUser` end. */
export async function openFamily(
  context: AuthContext,
  family: string,
  record: Pick<FamilyRecord, 'userId' | 'endsAt' | 'idp' | 'authorities'>,
  sessionIndex?: SessionIndexRead,
): Promise<void> {
  const now = context.config.clock();
  const client = currentRequest()?.client ?? { userAgent: null, network: null };
  const ended = await createFamily(
    context.state,
    family,
    { ...record, createdAt: now, lastUsedAt: now, client, recentlySpent: [] },
    { now, maxPerUser: context.config.sessions.maxPerUser, listRead: sessionIndex },
  );
  announceEnded(context, record.userId, ended);
}

function announceEnded(context: AuthContext, userId: string, ended: readonly FamilyEntry[]): void {
  for (const old of ended) {
    context.sessions.forgetFamily(old.family);
    context.events.emit('session.ended', { userId, sessionId: old.family });
  }
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

// ---- the sessions list ----

/** The open sessions of `userId`, newest first; `currentFamily` marks the caller's own. */
export async function listSessions(
  context: AuthContext,
  userId: string,
  currentFamily: string | undefined,
): Promise<SessionInfo[]> {
  const entries = await listFamilies(context.state, userId);
  const sessions: SessionInfo[] = [];
  for (const entry of entries) {
    const record = (await readFamily(context.state, entry.family))?.record;
    if (record === undefined || record.userId !== userId) continue;
    sessions.push({
      id: entry.family,
      createdAt: new Date(record.createdAt),
      lastUsedAt: new Date(record.lastUsedAt),
      client: record.client,
      current: entry.family === currentFamily,
    });
  }
  return sessions.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
}

/** Ends one of `userId`'s sessions; another user's session id answers exactly like a missing one (404). */
export async function endSession(context: AuthContext, userId: string, sessionId: string): Promise<void> {
  const entries = await listFamilies(context.state, userId);
  if (!entries.some((entry) => entry.family === sessionId)) throw new AuthError('not_found');
  await endFamily(context, userId, sessionId);
  context.events.emit('session.ended', { userId, sessionId });
}

/**
 * Ends the session a token belongs to (a refresh token, or an access token of the session): its refresh-token family
 * and everything it held are removed.
 */
export async function logout(context: AuthContext, token: string): Promise<void> {
  // Verified as the kind its header declares, so a refusal names what is wrong with that token (an expired access
  // token is "expired", not "not a refresh token"); a token of before explicit typing is tried as both.
  const declared = context.tokens.declaredKind(token);
  let claims: { sub: string; uid?: string | undefined; fam?: string | undefined };
  if (declared === 'access') claims = context.tokens.verify(token, 'access');
  else if (declared !== undefined) claims = context.tokens.verify(token, 'refresh');
  else {
    try {
      claims = context.tokens.verify(token, 'refresh');
    } catch {
      claims = context.tokens.verify(token, 'access');
    }
  }
  const userId = claims.uid ?? claims.sub;
  const family = claims.fam;
  if (family) {
    await endFamily(context, userId, family);
    context.events.emit('session.ended', { userId, sessionId: family });
  }
}

/**
 * Ends every session of `userId`: tokens issued before now are refused from now on (the session version), and the
 * families the user holds are removed from the store.
 */
export async function endAllSessions(
  context: AuthContext,
  userId: string,
  revokedApiKeys?: { id: string; name: string }[],
): Promise<void> {
  await context.sessions.endAll(userId);
  const ended = await removeAllFamilies(context.state, userId, context.config.clock());
  for (const entry of ended) context.sessions.forgetFamily(entry.family);
  await untrustAllDevices(context, userId);
  context.events.emit('sessions.ended_all', { userId, ...(revokedApiKeys !== undefined ? { revokedApiKeys } : {}) });
}

/** Ends one family of `userId` (no event: the caller names why). This instance's guard refuses its tokens at once. */
export async function endFamily(context: AuthContext, userId: string, family: string): Promise<void> {
  await removeFamily(context.state, userId, family, context.config.clock());
  context.sessions.forgetFamily(family);
}
