// The second factor: a challenge after the right password, an emailed or TOTP code, a capped number of guesses.
import { Type, type Static } from '@sinclair/typebox';
import { AuthError } from '../errors';
import { warn } from '../logger';
import { newNumericCode, newTokenId } from '../primitives/random';
import type { LoginSuccess, SecondFactorChallenge } from './results';
import { storedRecord } from '../stores/stored-record';
import type { SecondFactorMethod, User } from '../stores/types';
import type { ChallengeClaims } from '../tokens/claims';
import type { AuthContext } from './context';
import { CODE_DIGITS, hashEmailedCode } from './factor-codes';
import { lockoutIdentity } from './lockout';
import { openSession } from './session-tokens';
import { completeAuthentication, proveFactor, type FactorProof } from './step-up';
import { trustDevice } from './trusted-devices';
import { updateState } from './state-update';
import { activeUser } from './users';

// Moved to factor-codes.ts and notices.ts; still importable from here under the names tests and registration.ts use.
export { recoveryCodeHash } from './factor-codes';
export { displayNameOf, mailOffThePath } from './notices';

/** What the state store keeps per challenge; the code only as a hash. */
const ChallengeSchema = Type.Object({
  userId: Type.String(),
  // Built from a SecondFactorMethod (startSecondFactor): a method added there fails to compile until it is added here.
  method: Type.Union([Type.Literal('EMAIL'), Type.Literal('TOTP')]),
  codeHash: Type.Union([Type.String(), Type.Null()]),
  rememberMe: Type.Boolean(),
  /** ms since the epoch; resends never move it. */
  expiresAt: Type.Number(),
  /** The user's session version when the password was checked: a change since then voids the challenge. */
  sessionVersion: Type.Optional(Type.String()),
  /** The identity the password step was counted under (the device or the account); code guesses count there too. */
  identity: Type.Optional(Type.String()),
});
type ChallengeRecord = Static<typeof ChallengeSchema>;
const challengeRecord = storedRecord('second-factor challenge', ChallengeSchema);

const challengeKey = (id: string): string => `tfa:challenge:${id}`;
const attemptsKey = (id: string): string => `tfa:attempts:${id}`;
const resendKey = (id: string): string => `tfa:resend:${id}`;
const accountResendsKey = (userId: string): string => `tfa:resends:${userId}`;
// The account's open challenges, oldest first: bounds what one password holder can keep in the store.
const openChallengesKey = (userId: string): string => `tfa:open:${userId}`;

/** Starts a challenge: stores it, sends the code (email), and signs a token good only for the second-factor routes. */
export async function startSecondFactor(
  context: AuthContext,
  user: User,
  method: SecondFactorMethod,
  options: { rememberMe: boolean; sessionVersion: string | undefined; identity: string },
): Promise<SecondFactorChallenge> {
  const { config, state, tokens } = context;
  const ttl = config.secondFactor.codeTtlSeconds;
  const challengeId = newTokenId();
  const code = method === 'EMAIL' ? newNumericCode(CODE_DIGITS) : null;
  const record: ChallengeRecord = {
    userId: user.id,
    method,
    codeHash: code === null ? null : hashEmailedCode(challengeId, code),
    rememberMe: options.rememberMe,
    expiresAt: config.clock() + ttl * 1000,
    sessionVersion: options.sessionVersion,
    identity: options.identity,
  };
  await state.set(challengeKey(challengeId), challengeRecord.encode(record), ttl * 1000);
  await registerOpenChallenge(context, user.id, challengeId, record.expiresAt);
  if (code !== null) {
    // The cooldown runs from the first code too: otherwise a resend right after login mails a second code at once.
    await state.set(resendKey(challengeId), '1', config.secondFactor.resendCooldownSeconds * 1000);
    await sendCode(context, user, code, ttl);
    context.events.emit('tfa.sent', { userId: user.id, method });
  }
  const challenge = tokens.sign('tfa', { sub: user.id, cid: challengeId }, ttl);
  return { user, method, challenge, expiresInSeconds: ttl, firstLogin: user.lastLoginAt == null };
}

/**
 * Checks a code (or one of the user's recovery codes) against the challenge the token stands for. Every attempt is
 * counted atomically before the code is compared, so a concurrent burst evaluates at most `maxAttempts` codes; a right
 * code is single use, and a recovery code works once ever.
 */
export async function verifySecondFactor(
  context: AuthContext,
  request: {
    challengeToken: string;
    code?: string | undefined;
    recoveryCode?: string | undefined;
    deviceToken?: string | undefined;
    /** Trust this browser: later logins from it with the right password skip the second factor (when the option is on). */
    rememberDevice?: boolean | undefined;
  },
): Promise<LoginSuccess> {
  const { code, recoveryCode, deviceToken } = request;
  if ((code === undefined) === (recoveryCode === undefined)) {
    throw new AuthError('invalid_request', { message: 'Send either "code" or "recoveryCode".' });
  }
  const claims = context.tokens.verify(request.challengeToken, 'tfa');
  await countChallengeAttempt(context, claims);
  const record = await readChallenge(context, claims);
  const user = await activeUser(context, record.userId, 'tfa_invalid');
  const identity = record.identity ?? lockoutIdentity(user, user.login);
  // The lockout of the identity the password step counted under (step-up.ts): a locked identity's challenges are
  // frozen too, since the lockout bounds code guesses across challenges; a wrong code counts there; a TOTP step is spent.
  await proveFactor(context, user, identity, challengeProof(record, claims, request), {
    audit: true,
    // A password change, reset or "log out everywhere" since the password step voids the challenge.
    beforeCompare: async () => {
      if (record.sessionVersion !== undefined && (await context.sessions.current(user.id)) !== record.sessionVersion) {
        await deleteChallenge(context, claims.cid);
        throw new AuthError('token_revoked');
      }
    },
  });
  const method = recoveryCode !== undefined ? 'recovery_code' : record.method;
  await consumeChallenge(context, claims.cid);
  // The session's lifetime is the one asked for at the password step; verifying cannot upgrade it.
  const success = await openSession(context, user, {
    rememberMe: record.rememberMe,
    sessionVersion: record.sessionVersion,
    deviceToken,
  });
  if (request.rememberDevice === true) {
    const trusted = await trustDevice(
      context,
      user,
      record.sessionVersion ?? (await context.sessions.current(user.id)),
    );
    if (trusted) success.trustedDevice = trusted;
  }
  // The whole authentication is complete: only now are earlier failures forgiven.
  await completeAuthentication(context, identity);
  context.events.emit('tfa.verified', { userId: user.id, method });
  // The login is complete only now: the same event as a login without a second factor.
  context.events.emit('login.succeeded', { userId: user.id });
  return success;
}

/**
 * Counts an attempt at the challenge before any code is compared; past `maxAttempts` the challenge is ended and the
 * answer is 429 `tfa_attempts_exceeded`.
 */
async function countChallengeAttempt(context: AuthContext, claims: ChallengeClaims): Promise<void> {
  const { config, state } = context;
  const attempts = await state.increment(attemptsKey(claims.cid), config.secondFactor.codeTtlSeconds * 1000);
  if (attempts.value > config.secondFactor.maxAttempts) {
    await deleteChallenge(context, claims.cid);
    context.events.emit('tfa.failed', { userId: claims.sub, reason: 'tfa_attempts_exceeded' });
    throw new AuthError('tfa_attempts_exceeded');
  }
}

/** Spends a proven challenge, atomically: of two right answers racing, only the one that takes it goes on. */
async function consumeChallenge(context: AuthContext, challengeId: string): Promise<void> {
  const { state } = context;
  if ((await state.take(challengeKey(challengeId))) === null) throw new AuthError('tfa_invalid');
  await state.delete(attemptsKey(challengeId));
  await state.delete(resendKey(challengeId));
}

/**
 * Lists a new challenge among the account's open ones; past `maxOpenChallenges` the oldest are ended. Replacing, not
 * refusing: a refusal would let whoever holds the password keep the owner from starting a login at all, while a
 * replacement leaves the owner's newest challenge standing until a stranger opens that many more, each behind a
 * password check. One atomic update of the list, so racing logins cannot exceed the bound together.
 */
async function registerOpenChallenge(
  context: AuthContext,
  userId: string,
  challengeId: string,
  expiresAt: number,
): Promise<void> {
  const replaced = await updateState(context.state, openChallengesKey(userId), (json) => {
    const now = context.config.clock();
    const open = (openChallenges.decode(json) ?? []).filter((known) => known.expiresAt > now);
    open.push({ id: challengeId, expiresAt });
    const result = open.splice(0, Math.max(0, open.length - context.config.secondFactor.maxOpenChallenges));
    const lastEnd = Math.max(...open.map((known) => known.expiresAt));
    return { result, write: { value: openChallenges.encode(open), ttlMs: Math.max(1, lastEnd - now) } };
  });
  await Promise.all(replaced.map((old) => deleteChallenge(context, old.id)));
}

const OpenChallengeSchema = Type.Object({
  id: Type.String(),
  /** ms since the epoch. */
  expiresAt: Type.Number(),
});
const openChallenges = storedRecord('open second-factor challenges', Type.Array(OpenChallengeSchema));

/** Ends a challenge. Its attempt counter is left to expire: deleting it would renew the budget of racing guesses. */
async function deleteChallenge(context: AuthContext, challengeId: string): Promise<void> {
  await Promise.all([challengeKey, resendKey].map((key) => context.state.delete(key(challengeId))));
}

/** What the request sent (exactly one of the two), as the proof of the challenge's factor. */
function challengeProof(
  record: ChallengeRecord,
  claims: ChallengeClaims,
  sent: { code?: string | undefined; recoveryCode?: string | undefined },
): FactorProof {
  if (sent.recoveryCode !== undefined) return { kind: 'recovery-code', code: sent.recoveryCode };
  const code = sent.code ?? '';
  return record.method === 'EMAIL'
    ? { kind: 'emailed-code', code, salt: claims.cid, codeHash: record.codeHash }
    : { kind: 'app-code', code };
}

/** Sends a new code that replaces the old one; neither the attempt budget nor the challenge's life is renewed. */
export async function resendSecondFactor(
  context: AuthContext,
  challengeToken: string,
): Promise<{ expiresInSeconds: number }> {
  const { config, state } = context;
  const claims = context.tokens.verify(challengeToken, 'tfa');
  const record = await readChallenge(context, claims);
  const remainingMs = record.expiresAt - config.clock();
  if (record.method !== 'EMAIL' || remainingMs <= 0) throw new AuthError('tfa_invalid');
  const user = await activeUser(context, record.userId, 'tfa_invalid');
  // A locked account is sent nothing: whoever knows the password cannot mail the owner while locked out.
  await context.throttle.assertNotLocked(record.identity ?? lockoutIdentity(user, user.login));
  const cooldown = await state.increment(resendKey(claims.cid), config.secondFactor.resendCooldownSeconds * 1000);
  if (cooldown.value > 1) {
    throw new AuthError('tfa_resend_too_soon', { retryAfterSeconds: Math.max(1, Math.ceil(cooldown.ttlMs / 1000)) });
  }
  // Every challenge has its own cooldown; the account's budget bounds the mails of many challenges together.
  const { limit, windowSeconds } = config.secondFactor.resendLimit;
  const sent = await state.increment(accountResendsKey(user.id), windowSeconds * 1000);
  if (sent.value > limit) {
    throw new AuthError('tfa_resend_too_soon', { retryAfterSeconds: Math.max(1, Math.ceil(sent.ttlMs / 1000)) });
  }
  const code = newNumericCode(CODE_DIGITS);
  await state.set(
    challengeKey(claims.cid),
    challengeRecord.encode({ ...record, codeHash: hashEmailedCode(claims.cid, code) }),
    remainingMs,
  );
  await sendCode(context, user, code, Math.ceil(remainingMs / 1000));
  context.events.emit('tfa.sent', { userId: user.id, method: 'EMAIL' });
  return { expiresInSeconds: Math.ceil(remainingMs / 1000) };
}

async function readChallenge(context: AuthContext, claims: ChallengeClaims): Promise<ChallengeRecord> {
  const record = challengeRecord.decode(await context.state.get(challengeKey(claims.cid)));
  if (record === undefined) throw new AuthError('tfa_invalid');
  if (record.userId !== claims.sub) throw new AuthError('tfa_invalid');
  return record;
}

const contextsWarnedOfNoMailer = new WeakSet<AuthContext>();

export async function sendCode(
  context: AuthContext,
  user: User,
  code: string,
  expiresInSeconds: number,
): Promise<void> {
  const mailer = context.config.mailer;
  if (!mailer) {
    // Which users have the EMAIL factor is only known when one logs in: warned then, once per instance.
    if (!contextsWarnedOfNoMailer.has(context)) {
      contextsWarnedOfNoMailer.add(context);
      warn(
        context.config.logger,
        'NO_MAILER',
        'a user with the EMAIL second factor tried to log in, but no "mailer" is configured: such logins answer 503.',
      );
    }
    throw new AuthError('unavailable');
  }
  const displayName = [user.firstName, user.lastName].filter(Boolean).join(' ') || user.login;
  try {
    // Only ever the stored address: nothing from the request decides where a code goes.
    await mailer.sendSecondFactorCode({ to: user.email, displayName, login: user.login, code, expiresInSeconds });
  } catch (cause) {
    context.config.logger.error(
      `[express-auth-kit] sending a second-factor code failed: ${cause instanceof Error ? cause.message : 'unknown error'}`,
    );
    throw new AuthError('unavailable', { cause });
  }
}
