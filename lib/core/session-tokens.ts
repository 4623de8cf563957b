// Issuing access/refresh pairs, refreshing them with rotation and reuse detection, and ending sessions.
import { AuthError } from '../errors';
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { nowSeconds } from '../primitives/clock';
import { newTokenId } from '../primitives/random';
import type { User } from '../stores/types';
import { loginTime, type AccessClaims } from '../tokens/claims';
import type { IssuedToken } from '../tokens/token-service';
import type { AuthContext } from './context';
import { issueDeviceToken } from './devices';
import { isExternalOnlyUser } from './external-identity';
import { currentRequest, type ClientSummary } from './request-scope';
import type { LoginSuccess, SessionInfo } from './results';
import { familyKey, INITIAL_SESSION_VERSION } from './sessions';
import { untrustAllDevices } from './trusted-devices';
import { updateState } from './state-update';
import { activeUser } from './users';

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
  /** When the session was opened and last refreshed, in ms; and who opened it. Shown in the sessions list. */
  createdAt?: number;
  lastUsedAt?: number;
  client?: ClientSummary;
  /** Tokens spent within the grace window (jti, and until when in ms): their records go when the family does. */
  recentlySpent?: { jti: string; until: number }[];
}

// The family's one live refresh token: its jti. Rotation takes it atomically and writes the successor's; revocation
// deletes it with the family, so nothing a session held outlives its end.
const liveTokenKey = (family: string): string => `rt:live:${family}`;
// The open families of a user, oldest first: bounds one user's share of the store, and lets "log out everywhere"
// remove what it ends.
const userFamiliesKey = (userId: string): string => `rt:families:${userId}`;

interface UserFamilyEntry {
  family: string;
  /** The family's absolute end, in seconds. */
  expiresAt: number;
}

export interface IssueSessionOptions {
  rememberMe: boolean;
  /** The session version read before the credentials were checked; read now when absent. */
  sessionVersion?: string | undefined;
  identityProvider?: string | undefined;
  /** The user's session list as read earlier by {@link readSessionIndex}, saving a read when the session is listed. */
  sessionIndex?: SessionIndexRead | undefined;
}

/** The user's session list as read at some point: a compare-and-set that expects it saves reading it again. */
export interface SessionIndexRead {
  value: string | null;
}

/**
 * Reads the session list of `userId` for a login about to open a session, so that listing the new session needs no
 * read of its own; undefined where logins open no session. A login of an unknown name reads the same way.
 */
export async function readSessionIndex(context: AuthContext, userId: string): Promise<SessionIndexRead | undefined> {
  if (!context.config.sessions.refresh.issue && !context.config.sessions.accessTokenSessions) return undefined;
  return { value: await context.state.get(userFamiliesKey(userId)) };
}

/** Signs an access token (and, where the preset issues them, a refresh token in a new family) for `user`. */
export async function issueSession(context: AuthContext, user: User, options: IssueSessionOptions): Promise<SessionTokens> {
  const { config, sessions } = context;
  const { identityProvider } = options;
  const external = identityProvider !== undefined && (await hasNoLocalRecord(context, user));
  const sv = options.sessionVersion !== undefined && !external ? options.sessionVersion : await sessions.current(user.id, { external });
  let refresh: IssuedToken | undefined;
  let family: string | undefined;
  // Without refresh tokens, a preset may still keep a session per login (bfore.ai's logout ends one token's session):
  // it then lives as long as the access token.
  if (config.sessions.refresh.issue || config.sessions.accessTokenSessions) {
    family = newTokenId();
    const familySeconds = config.sessions.refresh.issue ? config.tokens.refreshTtlSeconds : accessLifetime(context, options.rememberMe);
    const expiresAt = nowSeconds(config.clock) + familySeconds;
    // The session's record, its list entry and its refresh token's, written at once (one round trip when the list was
    // read before); the refresh token works only once its family record exists, which a refresh reads first.
    const [, signed] = await Promise.all([
      createFamily(
        context,
        family,
        {
          userId: user.id,
          expiresAt,
          ...(identityProvider !== undefined ? { idp: identityProvider } : {}),
          ...(external ? { authorities: [...user.authorities] } : {}),
        },
        familySeconds * 1000,
        options.sessionIndex,
      ),
      config.sessions.refresh.issue ? signRefresh(context, user, family, sv, options.rememberMe, expiresAt) : undefined,
    ]);
    refresh = signed;
  }
  // A new session is an authentication: its tokens carry the time of it (refreshes keep it, see refreshSession).
  const authTime = nowSeconds(config.clock);
  const access = signAccess(context, user, user.authorities, { sv, family, rememberMe: options.rememberMe, identityProvider, authTime });
  return { access, refresh };
}

export interface OpenSessionOptions extends IssueSessionOptions {
  /** The device token the client presented: a device it proves keeps its id in the new one. */
  deviceToken?: string | undefined;
}

/**
 * Opens a session after a completed authentication: its tokens, a device token (OWASP device cookies; not for an
 * identity provider's login) and the login recorded. `firstLogin` is true when the user had never logged in.
 */
export async function openSession(context: AuthContext, user: User, options: OpenSessionOptions): Promise<LoginSuccess> {
  const firstLogin = user.lastLoginAt == null;
  const { access, refresh } = await issueSession(context, user, options);
  await context.users.recordLogin(user.id, new Date(context.config.clock()));
  const device = options.identityProvider === undefined ? issueDeviceToken(context, user.id, options.deviceToken) : undefined;
  return { user, access, refresh, firstLogin, rememberMe: options.rememberMe, ...(device ? { device } : {}) };
}

/** Stores a new session (family) record, open until `record.expiresAt`, and lists it among the user's. */
async function createFamily(
  context: AuthContext,
  family: string,
  record: Pick<FamilyRecord, 'userId' | 'expiresAt' | 'idp' | 'authorities'>,
  ttlMs = record.expiresAt * 1000 - context.config.clock(),
  sessionIndex?: SessionIndexRead,
): Promise<void> {
  const now = context.config.clock();
  const full: FamilyRecord = { ...record, createdAt: now, lastUsedAt: now, client: currentRequest()?.client ?? { userAgent: null, network: null } };
  // The record first, then the list, each written before the next is sent: a login racing this one that finds the
  // entry and ends it (past sessions.maxPerUser) deletes a record that exists, and "log out everywhere" either finds
  // the entry or misses a family it never listed, whose tokens its new session version refuses. Sent together, they
  // may land in either order on a Redis Cluster (two nodes, two connections): an ended session's record written after
  // its deletion stayed open, unlisted (integration/session-index-race.test.ts). With a list read earlier, the
  // compare-and-set needs no read of its own.
  await context.state.set(familyKey(family), JSON.stringify(full), Math.max(1, ttlMs));
  await addUserFamily(context, record.userId, { family, expiresAt: record.expiresAt }, sessionIndex !== undefined && context.state.compareAndSet ? sessionIndex : undefined);
}

/**
 * Lists `family` among the user's open ones; past `sessions.maxPerUser`, the oldest are ended. One atomic update of the
 * list (compare-and-set), so racing logins neither drop each other's entries nor exceed the cap together.
 */
async function addUserFamily(context: AuthContext, userId: string, entry: UserFamilyEntry, readEarlier?: SessionIndexRead): Promise<void> {
  const ended = await updateState(context.state, userFamiliesKey(userId), (json) => {
    const now = nowSeconds(context.config.clock);
    const open = parseUserFamilies(json).filter((known) => known.expiresAt > now);
    open.push(entry);
    const result = open.splice(0, Math.max(0, open.length - context.config.sessions.maxPerUser));
    return { result, write: userFamiliesWrite(context, open) };
  }, readEarlier);
  await Promise.all(ended.map((old) => deleteFamily(context, old.family)));
  for (const old of ended) context.events.emit('session.ended', { userId, sessionId: old.family });
}

async function readUserFamilies(context: AuthContext, userId: string): Promise<UserFamilyEntry[]> {
  return parseUserFamilies(await context.state.get(userFamiliesKey(userId)));
}

function parseUserFamilies(json: string | null): UserFamilyEntry[] {
  return json === null ? [] : (JSON.parse(json) as UserFamilyEntry[]);
}

/** The list as stored: kept until its last session ends; an empty list is deleted. */
function userFamiliesWrite(context: AuthContext, entries: UserFamilyEntry[]): { value: string | null; ttlMs: number } {
  if (entries.length === 0) return { value: null, ttlMs: 1 };
  const lastEndMs = Math.max(...entries.map((entry) => entry.expiresAt)) * 1000;
  return { value: JSON.stringify(entries), ttlMs: Math.max(1, lastEndMs - context.config.clock()) };
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

/** The preset decides what `sub` holds; where it is the login, the stable id rides along in `uid`. */
function subjectClaims(context: AuthContext, user: Pick<User, 'id' | 'login'>): { sub: string; uid?: string } {
  return context.config.tokens.subjectClaim === 'login' ? { sub: user.login, uid: user.id } : { sub: user.id };
}

function signAccess(
  context: AuthContext,
  user: Pick<User, 'id' | 'login'>,
  authorities: readonly string[],
  options: { sv: string; family: string | undefined; rememberMe: boolean; identityProvider?: string | undefined; authTime?: number | undefined; lifetimeSeconds?: number },
): IssuedToken {
  const { tokens } = context;
  const lifetime = options.lifetimeSeconds ?? accessLifetime(context, options.rememberMe);
  return tokens.sign(
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

function accessLifetime(context: AuthContext, rememberMe: boolean): number {
  return rememberMe ? context.config.tokens.rememberMeTtlSeconds : context.config.tokens.accessTtlSeconds;
}

async function signRefresh(
  context: AuthContext,
  user: Pick<User, 'id' | 'login'>,
  family: string,
  sv: string,
  rememberMe: boolean,
  familyExpiresAt: number,
): Promise<IssuedToken> {
  const refresh = context.tokens.sign(
    'refresh',
    { ...subjectClaims(context, user), fam: family, sv, ...(rememberMe ? { rme: true } : {}) },
    context.config.tokens.refreshTtlSeconds,
    familyExpiresAt,
  );
  // Every token but an access token has a jti.
  await context.state.set(liveTokenKey(family), refresh.jti as string, Math.max(1, refresh.lifetime) * 1000);
  return refresh;
}

/**
 * Exchanges a refresh token for a new access token (and, with rotation, the family's next refresh token).
 * Everything that can fail is checked before the token is spent, so a store error (503) leaves the token usable for
 * the client's retry. With rotation, the token is consumed atomically: of concurrent refreshes with one token exactly
 * one wins, and a consumed token presented again revokes its whole family (it has been stolen, or the winner's copy
 * was).
 */
export async function refreshSession(context: AuthContext, refreshToken: string): Promise<SessionTokens> {
  const { config, state, sessions } = context;
  const claims = context.tokens.verify(refreshToken, 'refresh');
  const userId = claims.uid ?? claims.sub;
  const familyJson = await state.get(familyKey(claims.fam));
  if (familyJson === null) throw new AuthError('token_revoked');
  const family = JSON.parse(familyJson) as FamilyRecord;
  if (family.userId !== userId) throw new AuthError('token_invalid');

  let subject: Pick<User, 'id' | 'login' | 'authorities'>;
  if (family.authorities !== undefined) {
    // An identity provider's subject with no local record: its login is its subject.
    subject = { id: userId, login: claims.sub, authorities: family.authorities };
  } else {
    try {
      subject = await activeUser(context, userId, 'token_revoked');
    } catch (error) {
      if (error instanceof AuthError && error.code === 'token_revoked') await revokeFamily(context, userId, claims.fam);
      throw error;
    }
  }
  try {
    await sessions.check(userId, claims.sv);
  } catch (error) {
    // Ended everywhere (or the user went away): this family is finished too, not just this token.
    if (error instanceof AuthError && error.code === 'token_revoked') await revokeFamily(context, userId, claims.fam);
    throw error;
  }

  const graceMs = config.sessions.refresh.rotate ? config.sessions.refresh.reuseGraceSeconds * 1000 : 0;
  if (graceMs > 0) {
    // The first to spend this token rotates; any later presentation within the window (another tab, a retry) gets the
    // successor that rotation issued, from the same client only. Counted atomically, so this holds across instances.
    const spent = await state.increment(spentKey(claims.jti), graceMs);
    if (spent.value > 1) return successorForRepeat(context, userId, claims.fam, claims.jti, refreshToken);
  }
  const live = config.sessions.refresh.rotate ? await state.take(liveTokenKey(claims.fam)) : await state.get(liveTokenKey(claims.fam));
  if (live !== claims.jti) {
    // The token was valid and its family alive, yet it is not the family's live token: it was used before. Reuse.
    await revokeForReuse(context, userId, claims.fam);
    throw new AuthError('token_revoked');
  }

  const rememberMe = claims.rme === true;
  const sv = claims.sv ?? (await sessions.current(userId));
  // The login's time, not this refresh's: a refreshed token is no fresher proof of the user than the login was.
  const authTime = family.createdAt === undefined ? undefined : Math.floor(family.createdAt / 1000);
  const access = signAccess(context, subject, subject.authorities, { sv, family: claims.fam, rememberMe, identityProvider: family.idp, authTime });
  const refresh = config.sessions.refresh.rotate ? await signRefresh(context, subject, claims.fam, sv, rememberMe, family.expiresAt) : undefined;
  await touchFamily(context, claims.fam, family, graceMs > 0 ? claims.jti : undefined, graceMs);
  if (graceMs > 0 && refresh) await rememberSuccessor(context, claims.jti, refreshToken, { access, refresh }, graceMs);
  return { access, refresh };
}

// ---- the rotation grace window ----

// A refresh token's jti is "spent" from its first use for the grace window; its successor is kept that long, sealed.
const spentKey = (jti: string): string => `rt:spent:${jti}`;
const successorKey = (jti: string): string => `rt:successor:${jti}`;

interface SealedSuccessor {
  /** The client that rotated: only the same client summary gets the successor. */
  client: ClientSummary | null;
  /** AES-256-GCM of the successor pair under a key derived from the spent token, which the store never sees. */
  sealed: string;
}

function sealingKey(spentToken: string): Buffer {
  return createHash('sha256').update(`express-auth-kit rotation grace:${spentToken}`).digest();
}

async function rememberSuccessor(context: AuthContext, jti: string, spentToken: string, successor: SessionTokens, graceMs: number): Promise<void> {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealingKey(spentToken), iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(successor), 'utf8'), cipher.final()]);
  const record: SealedSuccessor = {
    client: currentRequest()?.client ?? null,
    sealed: Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url'),
  };
  await context.state.set(successorKey(jti), JSON.stringify(record), graceMs);
}

function openSuccessor(record: SealedSuccessor, spentToken: string): SessionTokens | null {
  try {
    const raw = Buffer.from(record.sealed, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', sealingKey(spentToken), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')) as SessionTokens;
  } catch {
    return null;
  }
}

const sameClient = (a: ClientSummary | null | undefined, b: ClientSummary | null | undefined): boolean =>
  (a?.userAgent ?? null) === (b?.userAgent ?? null) && (a?.network ?? null) === (b?.network ?? null);

// How long a repeat waits for the rotation it raced to publish its successor.
const SUCCESSOR_WAIT_MS = 2000;
const SUCCESSOR_POLL_MS = 20;

/** A token presented again within the grace window: the same successor for the same client, else reuse. */
async function successorForRepeat(context: AuthContext, userId: string, family: string, jti: string, spentToken: string): Promise<SessionTokens> {
  const deadline = Date.now() + SUCCESSOR_WAIT_MS;
  let json = await context.state.get(successorKey(jti));
  // Tabs racing the rotation arrive before its successor is written: wait for it, briefly, in real time.
  while (json === null && Date.now() < deadline && (await context.state.get(familyKey(family))) !== null) {
    await new Promise((resolve) => setTimeout(resolve, SUCCESSOR_POLL_MS));
    json = await context.state.get(successorKey(jti));
  }
  const record = json === null ? null : (JSON.parse(json) as SealedSuccessor);
  // Only a client the network can tell apart gets it: an untrusted address (a permissive `trust proxy`, or none at all)
  // makes a thief with the victim's agent look the same, so the repeat is treated as reuse, as with `reuseGrace: 0`.
  const here = currentRequest();
  const successor = record && here?.networkTrusted === true && sameClient(record.client, here.client) ? openSuccessor(record, spentToken) : null;
  if (successor === null || (await context.state.get(familyKey(family))) === null) {
    await revokeForReuse(context, userId, family);
    throw new AuthError('token_revoked');
  }
  return successor;
}

async function revokeForReuse(context: AuthContext, userId: string, family: string): Promise<void> {
  await revokeFamily(context, userId, family);
  context.events.emit('refresh.reuse_detected', { userId, sessionId: family });
}

/** Notes the session's last use (shown in the sessions list) and the token it just spent (removed with the family). */
async function touchFamily(context: AuthContext, family: string, record: FamilyRecord, spentJti: string | undefined, graceMs: number): Promise<void> {
  const now = context.config.clock();
  const remainingMs = record.expiresAt * 1000 - now;
  if (remainingMs <= 0) return;
  const recentlySpent = (record.recentlySpent ?? []).filter((spent) => spent.until > now);
  if (spentJti !== undefined) recentlySpent.push({ jti: spentJti, until: now + graceMs });
  await context.state.set(familyKey(family), JSON.stringify({ ...record, lastUsedAt: now, recentlySpent }), remainingMs);
}

// ---- access tokens from an access token (bfore.ai's logout, renew and token with a lifetime) ----

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
  const expiresAt = nowSeconds(config.clock) + options.lifetimeSeconds;
  let family: string | undefined;
  if (options.sameSession) {
    family = claims.fam;
    if (family !== undefined) await extendFamily(context, user.id, family, expiresAt);
  } else if (config.sessions.refresh.issue || config.sessions.accessTokenSessions) {
    family = newTokenId();
    await createFamily(context, family, { userId: user.id, expiresAt });
  }
  // A renewed token is no new authentication: it keeps the login's time (API-key step-up reads it).
  return signAccess(context, user, user.authorities, {
    sv, family, rememberMe: claims.rme === true, lifetimeSeconds: options.lifetimeSeconds, authTime: loginTime(claims),
  });
}

/** Ends the session an admitted access token belongs to; a token of no session (none are kept) cannot be ended alone. */
export async function endAccessTokenSession(context: AuthContext, claims: AccessClaims): Promise<void> {
  const userId = claims.uid ?? claims.sub;
  if (claims.fam === undefined) {
    throw new AuthError('invalid_request', { message: 'This token belongs to no session that can be ended alone.' });
  }
  await revokeFamily(context, userId, claims.fam);
  context.events.emit('session.ended', { userId, sessionId: claims.fam });
}

/** Moves a session's end out to `expiresAt` (never in), or refuses when the session has ended meanwhile. */
async function extendFamily(context: AuthContext, userId: string, family: string, expiresAt: number): Promise<void> {
  const json = await context.state.get(familyKey(family));
  if (json === null) throw new AuthError('token_revoked');
  const record = JSON.parse(json) as FamilyRecord;
  if (record.userId !== userId) throw new AuthError('token_invalid');
  if (record.expiresAt >= expiresAt) return;
  const now = context.config.clock();
  await context.state.set(familyKey(family), JSON.stringify({ ...record, expiresAt, lastUsedAt: now }), expiresAt * 1000 - now);
  await updateState(context.state, userFamiliesKey(userId), (json) => ({
    result: undefined,
    write: userFamiliesWrite(context, parseUserFamilies(json).map((entry) => (entry.family === family ? { ...entry, expiresAt } : entry))),
  }));
}

// ---- the sessions list ----

/** The open sessions of `userId`, newest first; `currentFamily` marks the caller's own. */
export async function listSessions(context: AuthContext, userId: string, currentFamily: string | undefined): Promise<SessionInfo[]> {
  const entries = await readUserFamilies(context, userId);
  const sessions: SessionInfo[] = [];
  for (const entry of entries) {
    const json = await context.state.get(familyKey(entry.family));
    if (json === null) continue;
    const record = JSON.parse(json) as FamilyRecord;
    if (record.userId !== userId) continue;
    sessions.push({
      id: entry.family,
      createdAt: new Date(record.createdAt ?? 0),
      lastUsedAt: new Date(record.lastUsedAt ?? record.createdAt ?? 0),
      client: record.client ?? { userAgent: null, network: null },
      current: entry.family === currentFamily,
    });
  }
  return sessions.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
}

/** Ends one of `userId`'s sessions; another user's session id answers exactly like a missing one (404). */
export async function endSession(context: AuthContext, userId: string, sessionId: string): Promise<void> {
  const entries = await readUserFamilies(context, userId);
  if (!entries.some((entry) => entry.family === sessionId)) throw new AuthError('not_found');
  await revokeFamily(context, userId, sessionId);
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
    await revokeFamily(context, userId, family);
    context.events.emit('session.ended', { userId, sessionId: family });
  }
}

/**
 * Ends every session of `userId`: tokens issued before now are refused from now on (the session version), and the
 * families the user holds are removed from the store.
 */
export async function endAllSessions(context: AuthContext, userId: string, revokedApiKeys?: { id: string; name: string }[]): Promise<void> {
  await context.sessions.endAll(userId);
  // Taken, not read then deleted: a login racing this keeps its entry or has its family ended, never neither.
  const families = parseUserFamilies(await context.state.take(userFamiliesKey(userId)));
  await Promise.all(families.map((entry) => deleteFamily(context, entry.family)));
  await untrustAllDevices(context, userId);
  context.events.emit('sessions.ended_all', { userId, ...(revokedApiKeys !== undefined ? { revokedApiKeys } : {}) });
}

async function revokeFamily(context: AuthContext, userId: string, family: string): Promise<void> {
  await deleteFamily(context, family);
  await updateState(context.state, userFamiliesKey(userId), (json) => {
    const families = parseUserFamilies(json);
    const remaining = families.filter((entry) => entry.family !== family);
    return { result: undefined, ...(remaining.length !== families.length ? { write: userFamiliesWrite(context, remaining) } : {}) };
  });
}

async function deleteFamily(context: AuthContext, family: string): Promise<void> {
  const json = await context.state.get(familyKey(family));
  const spent = json === null ? [] : ((JSON.parse(json) as FamilyRecord).recentlySpent ?? []);
  await Promise.all([
    context.state.delete(familyKey(family)),
    context.state.delete(liveTokenKey(family)),
    ...spent.flatMap(({ jti }) => [context.state.delete(spentKey(jti)), context.state.delete(successorKey(jti))]),
  ]);
  context.sessions.forgetFamily(family);
}
