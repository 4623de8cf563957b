// Password reset by email: a mailed single-use token (stored only as its SHA-256, with a TTL) sets a new password,
// after the authenticator app's code for a user who has one; the reset ends every session and forgives the lockout.
import { Type, type Static } from '@sinclair/typebox';
import { AuthError } from '../errors';
import { warn } from '../logger';
import type { PasswordResetMail } from '../mailers/types';
import { checkPasswordPolicy } from '../passwords/policy';
import { constantTimeEqual, newSecret, sha256Hex } from '../primitives/random';
import { foldName } from '../stores/fold-name';
import { storedRecord } from '../stores/stored-record';
import type { User } from '../stores/types';
import type { AuthContext } from './context';
import { endAllSessionsAndKeys } from './api-keys';
import { attemptIdentity } from './devices';
import { displayNameOf, mailOffThePath } from './notices';
import { appOrRecoveryCode, completeRecovery, effectiveSecondFactor, proveFactor, type FactorBudget } from './step-up';
import { isActive } from './users';

// 32 bytes from the CSPRNG: 256 bits, base64url (OWASP asks for at least 128).
const TOKEN_BYTES = 32;
// Per address, counted for known and unknown addresses alike so the limit reveals nothing. Enough for a user whose
// mail is slow to ask a few times; past it the answer is the same but no mail goes out, so nobody can mail-bomb.
export const RESET_REQUEST_LIMIT = 5;
const RESET_REQUEST_WINDOW_SECONDS = 15 * 60;
// A reset's proofs (the token, then an app code or a recovery code) have their own budget, apart from the login
// lockout: a stranger's wrong logins must not block the owner's only way back, and the reset's own guesses are
// bounded anyway. Per token: wrong codes one mailed link survives, as many as a login challenge allows; then it is
// burned. Per user (or per device its cookie proves, as at login): wrong codes across tokens in a window, so that asking
// for new links renews nothing. Only a holder of a valid token (the mailbox) can spend either budget.
const RESET_PROOF_ATTEMPTS_PER_TOKEN = 5;
const RESET_PROOF_ATTEMPTS_PER_USER = 10;
const RESET_PROOF_WINDOW_SECONDS = 60 * 60;
// Longer than any base64url token of TOKEN_BYTES; a longer value is refused before it is hashed.
const MAX_TOKEN_LENGTH = 128;

const tokenKey = (tokenHash: string): string => `pwreset:token:${tokenHash}`;
const currentTokenKey = (userId: string): string => `pwreset:user:${userId}`;
const tokenAttemptsKey = (tokenHash: string): string => `pwreset:attempts:${tokenHash}`;
const userAttemptsKey = (identity: string): string => `pwreset:proof-attempts:${identity}`;
const requestsKey = (email: string): string => `pwreset:requests:${sha256Hex(foldName(email))}`;

// No store assigns it: for an unknown address the same reads and writes are made on this id, so they cost the same.
const UNKNOWN_USER_ID = '\u2060express-auth-kit:unknown';

const ResetTokenSchema = Type.Object({
  userId: Type.String(),
  /** A fingerprint of the password hash when the token was mailed: any password change since voids the token. */
  passwordFingerprint: Type.String(),
});
type ResetTokenRecord = Static<typeof ResetTokenSchema>;
const resetTokenRecord = storedRecord('password-reset token', ResetTokenSchema);

const fingerprint = (user: User): string => sha256Hex(`reset:${user.passwordHash}`).slice(0, 32);

function resetSettings(context: AuthContext): { urlTemplate: string; tokenTtlSeconds: number } {
  const settings = context.config.passwordReset;
  if (settings === false)
    throw new AuthError('not_found', { message: 'Password reset is not configured ("passwordReset").' });
  return settings;
}

const contextsWarnedOfNoResetMailer = new WeakSet<AuthContext>();

/** The mailer's `sendPasswordResetLink`, or 503 (and one coded warning per instance) when there is none. */
function resetMailer(context: AuthContext): (mail: PasswordResetMail) => Promise<void> {
  const mailer = context.config.mailer;
  const send = mailer?.sendPasswordResetLink?.bind(mailer);
  if (send) return send;
  if (!contextsWarnedOfNoResetMailer.has(context)) {
    contextsWarnedOfNoResetMailer.add(context);
    warn(
      context.config.logger,
      'NO_RESET_MAILER',
      `password reset was asked for, but ${mailer ? 'the "mailer" has no sendPasswordResetLink method' : 'no "mailer" is configured'}: the reset routes answer 503.`,
    );
  }
  throw new AuthError('unavailable', { message: 'Password reset by email is not available.' });
}

/** The link of `urlTemplate` with `token`: in place of `{token}`, else as the `token` query parameter. */
export function resetLink(urlTemplate: string, token: string): string {
  if (urlTemplate.includes('{token}')) return urlTemplate.replace(/\{token\}/g, encodeURIComponent(token));
  const url = new URL(urlTemplate);
  url.searchParams.set('token', token);
  return url.toString();
}

/**
 * Asks for a reset link for `email`. Answers the same, in about the same time, whether the address is known,
 * unknown or disabled: the same store reads and writes are made for all three, and the mail is sent off the
 * request path. A known, enabled user within the per-address limit gets a new token (replacing any earlier one) by
 * mail; past the limit nothing is sent.
 */
export async function requestPasswordReset(context: AuthContext, email: string): Promise<void> {
  const { tokenTtlSeconds, urlTemplate } = resetSettings(context);
  const send = resetMailer(context);
  const { state } = context;
  const requests = await state.increment(requestsKey(email), RESET_REQUEST_WINDOW_SECONDS * 1000);
  const found = await context.users.findByLogin(email);
  // Only the address: a login that happens to be typed here names nobody.
  const user = isActive(found) && foldName(found.email) === foldName(email) ? found : null;
  const issue = user !== null && requests.value <= RESET_REQUEST_LIMIT;
  const token = newSecret(TOKEN_BYTES);
  const tokenHash = sha256Hex(token);
  const owner = issue ? user.id : UNKNOWN_USER_ID;
  const ttlMs = issue ? tokenTtlSeconds * 1000 : 1000;
  // The newer token replaces the older one: the old one's record goes, and the user's current token changes.
  const previous = await state.get(currentTokenKey(owner));
  await state.delete(tokenKey(previous ?? tokenHash));
  const record: ResetTokenRecord = { userId: owner, passwordFingerprint: issue ? fingerprint(user) : '' };
  await state.set(tokenKey(issue ? tokenHash : UNKNOWN_USER_ID), resetTokenRecord.encode(record), ttlMs);
  await state.set(currentTokenKey(owner), tokenHash, ttlMs);
  if (!issue) return;
  context.events.emit('password.reset_requested', { userId: user.id });
  const mail: PasswordResetMail = {
    // Only ever the stored address.
    to: user.email,
    displayName: displayNameOf(user),
    login: user.login,
    url: resetLink(urlTemplate, token),
    expiresInSeconds: tokenTtlSeconds,
  };
  mailOffThePath(context, 'a password-reset link', () => send(mail));
}

export interface PasswordResetRequest {
  token: string;
  newPassword: string;
  /** A current code from the authenticator app, for a user who has one. */
  code?: string | undefined;
  /** One of the user's recovery codes, in place of `code`. */
  recoveryCode?: string | undefined;
  /** The client's device cookie: the reset's per-user budget is counted under the device it proves, as at login. */
  deviceToken?: string | undefined;
}

/** What a completed reset did beyond setting the password. */
export interface PasswordResetOutcome {
  /** The API keys it revoked (ids and names, never their text); empty when `apiKeys.keepOnReset` keeps them. */
  revokedApiKeys: { id: string; name: string }[];
}

/**
 * Sets a new password with a mailed token. The token must be the user's latest, unused and unexpired, and the
 * password unchanged since it was mailed; else 400 `reset_token_invalid`. A password the policy refuses (400
 * `weak_password`) and a missing (400 `tfa_required`) or wrong (401 `tfa_invalid`) authenticator code leave the token
 * usable, within the reset's own budget (not the login lockout, which a stranger can trigger): past
 * {@link RESET_PROOF_ATTEMPTS_PER_TOKEN} wrong codes the token is burned, past {@link RESET_PROOF_ATTEMPTS_PER_USER}
 * attempts per user (or device) in an hour the answer is 429. For a user whose factor is the emailed code, the mailed
 * link is the proof. The token is consumed atomically, so of concurrent uses exactly one succeeds; the reset then ends
 * every session, revokes the user's API keys (unless configured to keep them) and lifts the account's lockout.
 */
export async function resetPassword(
  context: AuthContext,
  request: PasswordResetRequest,
): Promise<PasswordResetOutcome> {
  resetSettings(context);
  resetMailer(context);
  const { state } = context;
  const { tokenHash, user } = await findResetTokenOwner(context, request.token);
  await refuseWeakPassword(context, request.newPassword, user);

  // The user's own authenticator app: whoever reads their mail must not also get past it. An emailed factor (the
  // user's own, or forced on everyone) is proven by the mailed link itself.
  const budget = attemptIdentity(context, user, user.login, request.deviceToken);
  if (effectiveSecondFactor(context, user) === 'TOTP') {
    if (request.code === undefined && request.recoveryCode === undefined) throw new AuthError('tfa_required');
    await proveFactor(context, user, resetBudget(context, user, tokenHash, budget), appOrRecoveryCode(request), {
      audit: true,
    });
  }

  // Single use: of concurrent resets with one token, only the one that takes it goes on.
  if ((await state.take(tokenKey(tokenHash))) === null) throw new AuthError('reset_token_invalid');
  await state.delete(currentTokenKey(user.id));
  await storeNewPassword(context, user, request.newPassword);
  // Whoever held a stolen token may have minted keys with it: they go with the sessions (unless configured to stay).
  const revokedApiKeys = await endAllSessionsAndKeys(context, user.id);
  // The owner proved the mailbox (and the app): earlier failed guesses, likely a stranger's, are forgiven.
  await completeRecovery(context, user, budget);
  await Promise.all([state.delete(userAttemptsKey(budget)), state.delete(tokenAttemptsKey(tokenHash))]);
  context.events.emit('password.reset_completed', { userId: user.id, revokedApiKeys });
  mailResetNotice(context, user, revokedApiKeys);
  return { revokedApiKeys };
}

/**
 * The hash of a mailed token and its user, when the token is the user's latest, unexpired and the password unchanged
 * since it was mailed; else 400 `reset_token_invalid`. Reads only: the token is consumed later, once every proof holds.
 */
async function findResetTokenOwner(context: AuthContext, token: string): Promise<{ tokenHash: string; user: User }> {
  const { state } = context;
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw new AuthError('reset_token_invalid');
  const tokenHash = sha256Hex(token);
  const record = resetTokenRecord.decode(await state.get(tokenKey(tokenHash)));
  if (record === undefined) throw new AuthError('reset_token_invalid');
  const current = await state.get(currentTokenKey(record.userId));
  const user = await context.users.findById(record.userId);
  if (
    current === null ||
    !constantTimeEqual(current, tokenHash) ||
    !isActive(user) ||
    fingerprint(user) !== record.passwordFingerprint
  ) {
    throw new AuthError('reset_token_invalid');
  }
  return { tokenHash, user };
}

/** 400 `weak_password` for a password the policy refuses (503 when the policy's check itself fails). */
async function refuseWeakPassword(context: AuthContext, newPassword: string, user: User): Promise<void> {
  const failure = await checkPasswordPolicy(newPassword, context.config.passwords.policy, user).catch(
    (cause: unknown) => {
      throw new AuthError('unavailable', { cause });
    },
  );
  if (failure) throw new AuthError('weak_password', { message: `${failure.message} (rule: ${failure.rule})` });
}

/** Hashes and stores the new password (with its expiry, if passwords age) and marks the mailed address verified. */
async function storeNewPassword(context: AuthContext, user: User, newPassword: string): Promise<void> {
  const hash = await context.passwords.hash(newPassword);
  const { clock } = context.config;
  const passwordMaxAgeSeconds = context.config.passwords.maxAgeSeconds;
  await context.users.updatePassword(
    user.id,
    hash,
    passwordMaxAgeSeconds === null ? null : new Date(clock() + passwordMaxAgeSeconds * 1000),
  );
  // The mailed link proves the address: an unverified sign-up (perhaps someone else's, with this address) is now the
  // owner's, and can log in.
  if (user.emailVerified === false) await context.users.markEmailVerified?.(user.id);
}

/** Tells the owner, off the request path, that the password was reset and which API keys went with it. */
function mailResetNotice(context: AuthContext, user: User, revokedApiKeys: { id: string; name: string }[]): void {
  const notify = context.config.mailer?.sendPasswordResetCompleted?.bind(context.config.mailer);
  if (!notify) return;
  const mail = {
    to: user.email,
    displayName: displayNameOf(user),
    login: user.login,
    revokedApiKeys: revokedApiKeys.map((key) => key.name),
  };
  mailOffThePath(context, 'a password-reset notice', () => notify(mail));
}

/**
 * The reset's own budget for the app's code (or a recovery code) of a TOTP user, not the login lockout: both counters
 * are taken before the code is compared, so a concurrent burst cannot check more codes than the budget allows; a wrong
 * code has already been counted by then.
 */
function resetBudget(context: AuthContext, user: User, tokenHash: string, identity: string): FactorBudget {
  const { state } = context;
  return {
    open: async () => {
      const perToken = await state.increment(
        tokenAttemptsKey(tokenHash),
        resetSettings(context).tokenTtlSeconds * 1000,
      );
      if (perToken.value > RESET_PROOF_ATTEMPTS_PER_TOKEN) {
        // Burned: its record goes, so no later code is ever checked with it. (The user's current-token pointer is left:
        // a newer token mailed meanwhile must stay usable; a pointer to a dead token is replaced by the next request.)
        await state.delete(tokenKey(tokenHash));
        throw new AuthError('reset_token_invalid');
      }
      const perUser = await state.increment(userAttemptsKey(identity), RESET_PROOF_WINDOW_SECONDS * 1000);
      if (perUser.value > RESET_PROOF_ATTEMPTS_PER_USER) {
        context.events.emit('tfa.failed', { userId: user.id, reason: 'rate_limited' });
        throw new AuthError('rate_limited', { retryAfterSeconds: Math.max(1, Math.ceil(perUser.ttlMs / 1000)) });
      }
    },
    charge: async () => {},
  };
}
