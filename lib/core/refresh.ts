// Refreshing a session: a refresh token exchanged for new tokens, with rotation, reuse detection and the rotation
// grace window (a token presented again shortly after, by the same client, gets the same successor).
import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { AuthError } from '../errors';
import type { User } from '../stores/types';
import type { AuthContext } from './context';
import {
  countSpending,
  familyIsOpen,
  liveToken,
  readFamily,
  readSuccessor,
  setLiveToken,
  storeSuccessor,
  touchFamily,
  type SealedSuccessor,
} from './refresh-families';
import { currentRequest, type ClientSummary } from './request-scope';
import { signAccess, signRefresh, type SessionTokens } from './session-signing';
import { endFamily } from './sessions';
import { activeUser } from './users';

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
  const read = await readFamily(state, claims.fam);
  if (read === undefined) throw new AuthError('token_revoked');
  const family = read.record;
  if (family.userId !== userId) throw new AuthError('token_invalid');

  const subject = await refreshSubject(context, userId, claims.sub, claims.fam, family.authorities);
  await checkSessionVersion(context, userId, claims.fam, claims.sv);

  const { rotate } = config.sessions.refresh;
  const graceMs = rotate ? config.sessions.refresh.reuseGraceSeconds * 1000 : 0;
  if (graceMs > 0) {
    // The first to spend this token rotates; any later presentation within the window (another tab, a retry) gets the
    // successor that rotation issued, from the same client only. Counted atomically, so this holds across instances.
    if ((await countSpending(state, claims.jti, graceMs)) > 1)
      return successorForRepeat(context, userId, claims.fam, claims.jti, refreshToken);
  }
  if ((await liveToken(state, claims.fam, { take: rotate })) !== claims.jti) {
    // The token was valid and its family alive, yet it is not the family's live token: it was used before. Reuse.
    await revokeForReuse(context, userId, claims.fam);
    throw new AuthError('token_revoked');
  }

  const rememberMe = claims.rme === true;
  const sv = claims.sv ?? (await sessions.current(userId));
  // The login's time, not this refresh's: a refreshed token is no fresher proof of the user than the login was.
  const authTime = Math.floor(family.createdAt / 1000);
  const access = signAccess(context, subject, subject.authorities, {
    sv,
    family: claims.fam,
    rememberMe,
    identityProvider: family.idp,
    authTime,
  });
  const refresh = rotate ? signRefresh(context, subject, claims.fam, sv, rememberMe, family.endsAt) : undefined;
  const now = config.clock();
  // The successor's live token, the session's last use and the token spent (removed with the family), and the sealed
  // successor for a repeat: independent keys, written at once.
  await Promise.all([
    refresh !== undefined ? setLiveToken(state, claims.fam, refresh.jti, { endsAt: family.endsAt, now }) : undefined,
    touchFamily(state, claims.fam, read, now, graceMs > 0 ? { jti: claims.jti, until: now + graceMs } : undefined),
    graceMs > 0 && refresh !== undefined
      ? rememberSuccessor(context, claims.jti, refreshToken, { access, refresh }, graceMs)
      : undefined,
  ]);
  return { access, refresh };
}

type RefreshSubject = Pick<User, 'id' | 'login' | 'authorities'>;

/**
 * Whom the refreshed tokens are for: an identity provider's subject as its family recorded it, else the local user,
 * who must still be active (if not, 401 `token_revoked` and the family is ended).
 */
async function refreshSubject(
  context: AuthContext,
  userId: string,
  login: string,
  family: string,
  providerAuthorities: string[] | undefined,
): Promise<RefreshSubject> {
  // An identity provider's subject with no local record: its login is its subject.
  if (providerAuthorities !== undefined) return { id: userId, login, authorities: providerAuthorities };
  try {
    return await activeUser(context, userId, 'token_revoked');
  } catch (error) {
    if (error instanceof AuthError && error.code === 'token_revoked') await endFamily(context, userId, family);
    throw error;
  }
}

/** The token's session version must still be current; if the sessions were ended, its family ends too. */
async function checkSessionVersion(
  context: AuthContext,
  userId: string,
  family: string,
  sessionVersion: string | undefined,
): Promise<void> {
  try {
    await context.sessions.check(userId, sessionVersion);
  } catch (error) {
    // Ended everywhere (or the user went away): this family is finished too, not just this token.
    if (error instanceof AuthError && error.code === 'token_revoked') await endFamily(context, userId, family);
    throw error;
  }
}

// ---- the rotation grace window ----

function sealingKey(spentToken: string): Buffer {
  return createHash('sha256').update(`express-auth-kit rotation grace:${spentToken}`).digest();
}

const IssuedTokenSchema = Type.Object({
  token: Type.String(),
  jti: Type.Optional(Type.String()),
  issuedAt: Type.Number(),
  expiresAt: Type.Number(),
  lifetime: Type.Number(),
});
const sealedPair = TypeCompiler.Compile(
  Type.Object({ access: IssuedTokenSchema, refresh: Type.Optional(IssuedTokenSchema) }),
);

async function rememberSuccessor(
  context: AuthContext,
  jti: string,
  spentToken: string,
  successor: SessionTokens,
  graceMs: number,
): Promise<void> {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealingKey(spentToken), iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(successor), 'utf8'), cipher.final()]);
  const record: SealedSuccessor = {
    client: currentRequest()?.client ?? null,
    // AES-256-GCM of the successor pair under a key derived from the spent token, which the store never sees.
    sealed: Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url'),
  };
  await storeSuccessor(context.state, jti, record, graceMs);
}

function openSuccessor(record: SealedSuccessor, spentToken: string): SessionTokens | null {
  let pair: unknown;
  try {
    const raw = Buffer.from(record.sealed, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', sealingKey(spentToken), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    pair = JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8'));
  } catch {
    return null;
  }
  return sealedPair.Check(pair)
    ? { access: { jti: undefined, ...pair.access }, refresh: pair.refresh && { jti: undefined, ...pair.refresh } }
    : null;
}

const sameClient = (a: ClientSummary | null | undefined, b: ClientSummary | null | undefined): boolean =>
  (a?.userAgent ?? null) === (b?.userAgent ?? null) && (a?.network ?? null) === (b?.network ?? null);

// How long a repeat waits for the rotation it raced to publish its successor.
const SUCCESSOR_WAIT_MS = 2000;
const SUCCESSOR_POLL_MS = 20;

/** A token presented again within the grace window: the same successor for the same client, else reuse. */
async function successorForRepeat(
  context: AuthContext,
  userId: string,
  family: string,
  jti: string,
  spentToken: string,
): Promise<SessionTokens> {
  const { state } = context;
  const deadline = Date.now() + SUCCESSOR_WAIT_MS;
  let record = await readSuccessor(state, jti);
  // Tabs racing the rotation arrive before its successor is written: wait for it, briefly, in real time.
  while (record === undefined && Date.now() < deadline && (await familyIsOpen(state, family))) {
    await new Promise((resolve) => setTimeout(resolve, SUCCESSOR_POLL_MS));
    record = await readSuccessor(state, jti);
  }
  // Only a client the network can tell apart gets it: an untrusted address (a permissive `trust proxy`, or none at all)
  // makes a thief with the victim's agent look the same, so the repeat is treated as reuse, as with `reuseGrace: 0`.
  const here = currentRequest();
  const successor =
    record && here?.networkTrusted === true && sameClient(record.client, here.client)
      ? openSuccessor(record, spentToken)
      : null;
  if (successor === null || !(await familyIsOpen(state, family))) {
    await revokeForReuse(context, userId, family);
    throw new AuthError('token_revoked');
  }
  return successor;
}

async function revokeForReuse(context: AuthContext, userId: string, family: string): Promise<void> {
  await endFamily(context, userId, family);
  context.events.emit('refresh.reuse_detected', { userId, sessionId: family });
}
