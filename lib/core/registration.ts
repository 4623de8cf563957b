// Sign-up with email verification: a new, unverified user and a mailed single-use link (its token stored only as its
// SHA-256, with a TTL) that verifies the address; the same answer, for about the same work, when the address is taken.
import { Type, type Static } from '@sinclair/typebox';
import { AuthError } from '../errors';
import type { RegistrationNoticeMail, VerificationMail } from '../mailers/types';
import { checkPasswordPolicy } from '../passwords/policy';
import { constantTimeEqual, newSecret, sha256Hex } from '../primitives/random';
import { foldName, isStorableName } from '../stores/fold-name';
import { storedRecord } from '../stores/stored-record';
import type { NewUser, User } from '../stores/types';
import type { AuthContext } from './context';
import type { RegistrationSettings } from './registration-types';
import { resetLink } from './password-reset';
import { displayNameOf, mailOffThePath } from './second-factor';
import { isActive } from './users';

// 32 bytes from the CSPRNG: 256 bits, base64url (at least 128 asked).
const TOKEN_BYTES = 32;
// Longer than any base64url token of TOKEN_BYTES; a longer value is refused before it is hashed.
const MAX_TOKEN_LENGTH = 128;
// A login is a name, never an address: no `@`, so "login or email" can never resolve to someone else's account.
const MAX_USERNAME_LENGTH = 50;
// RFC 5321's path limit.
const MAX_EMAIL_LENGTH = 254;
const USERNAME_RULE = /^[^@\s\p{Cc}]+$/u;
const EMAIL_RULE = /^[^@\s\p{Cc}]+@[^@\s\p{Cc}]+\.[^@\s\p{Cc}]+$/u;

const tokenKey = (tokenHash: string): string => `signup:token:${tokenHash}`;
const currentTokenKey = (userId: string): string => `signup:user:${userId}`;
const mailsKey = (email: string): string => `signup:mails:${sha256Hex(foldName(email))}`;

// No store assigns it: for a taken or unknown address the same reads and writes are made on this id.
const UNKNOWN_USER_ID = '\u2060express-auth-kit:unknown';

export interface RegistrationRequest {
  username: string;
  email: string;
  password: string;
  profile?: Readonly<Record<string, string>> | undefined;
}

const VerificationTokenSchema = Type.Object({ userId: Type.String() });
type VerificationTokenRecord = Static<typeof VerificationTokenSchema>;
const verificationTokenRecord = storedRecord('verification token', VerificationTokenSchema);

function registrationSettings(context: AuthContext): RegistrationSettings {
  const settings = context.config.registration;
  if (settings === false) throw new AuthError('not_found', { message: 'Sign-up is not configured ("registration").' });
  return settings;
}

function checkUsername(username: string): void {
  if (username.length > MAX_USERNAME_LENGTH || !USERNAME_RULE.test(username) || !isStorableName(username)) {
    throw new AuthError('invalid_request', {
      message: `The field "username" must be 1 to ${MAX_USERNAME_LENGTH} characters without "@", spaces or control characters.`,
    });
  }
}

function checkEmail(email: string): void {
  if (email.length > MAX_EMAIL_LENGTH || !EMAIL_RULE.test(email) || !isStorableName(email)) {
    throw new AuthError('invalid_request', { message: 'The field "email" must be an email address.' });
  }
}

/**
 * Issues a verification token for `userId` (null: none, with the same store work), replacing the user's earlier one.
 * Returns the token.
 */
async function issueToken(context: AuthContext, userId: string | null, ttlSeconds: number): Promise<string> {
  const { state } = context;
  const token = newSecret(TOKEN_BYTES);
  const tokenHash = sha256Hex(token);
  const owner = userId ?? UNKNOWN_USER_ID;
  const ttlMs = userId === null ? 1000 : ttlSeconds * 1000;
  const previous = await state.get(currentTokenKey(owner));
  await state.delete(tokenKey(previous ?? tokenHash));
  const record: VerificationTokenRecord = { userId: owner };
  await state.set(
    tokenKey(userId === null ? UNKNOWN_USER_ID : tokenHash),
    verificationTokenRecord.encode(record),
    ttlMs,
  );
  await state.set(currentTokenKey(owner), tokenHash, ttlMs);
  return token;
}

function verificationMail(settings: RegistrationSettings, user: User, token: string): VerificationMail {
  return {
    to: user.email,
    displayName: displayNameOf(user),
    login: user.login,
    url: resetLink(settings.urlTemplate, token),
    expiresInSeconds: settings.tokenTtlSeconds,
  };
}

function sendVerification(context: AuthContext, mail: VerificationMail): void {
  const mailer = context.config.mailer;
  if (mailer?.sendVerificationLink)
    mailOffThePath(context, 'a verification link', () => mailer.sendVerificationLink!(mail));
}

function sendNotice(context: AuthContext, mail: RegistrationNoticeMail): void {
  const mailer = context.config.mailer;
  if (mailer?.sendRegistrationNotice)
    mailOffThePath(context, 'a sign-up notice', () => mailer.sendRegistrationNotice!(mail));
}

/**
 * Signs a user up: checks the names and the password policy, asks the host's hook, then creates an unverified user
 * and mails a verification link. A taken username is 409 `username_taken`; a taken email answers like a new one
 * (after the same password hashing and store work), and its owner is mailed a notice instead of a link. Within the
 * per-address mail limit only; past it the answer is the same and nothing is mailed.
 */
export async function registerUser(context: AuthContext, request: RegistrationRequest): Promise<void> {
  const settings = registrationSettings(context);
  const username = request.username.trim();
  const email = request.email.trim();
  checkUsername(username);
  checkEmail(email);
  const failure = await checkPasswordPolicy(request.password, context.config.passwords.policy, {
    login: username,
    email,
  }).catch((cause: unknown) => {
    throw new AuthError('unavailable', { cause });
  });
  if (failure) throw new AuthError('weak_password', { message: `${failure.message} (rule: ${failure.rule})` });

  const decision = settings.onRegister
    ? await settings.onRegister({ username, email, profile: { ...request.profile } })
    : undefined;
  if (decision && typeof decision.refuse === 'string')
    throw new AuthError('registration_refused', { message: decision.refuse || undefined });
  const profile = decision && decision.refuse === undefined ? decision : undefined;

  const existing = await context.users.findByLogin(username);
  if (existing !== null && foldName(existing.login) === foldName(username)) throw new AuthError('username_taken');

  context.passwords.assertCapacity();
  const passwordHash = await context.passwords.hash(request.password);
  const mails = await context.state.increment(mailsKey(email), settings.mailLimit.windowSeconds * 1000);
  const mailable = mails.value <= settings.mailLimit.limit;
  const newUser: NewUser = {
    login: username,
    email,
    passwordHash,
    authorities: [...(profile?.authorities ?? settings.authorities)],
    ...(profile?.firstName !== undefined ? { firstName: profile.firstName } : {}),
    ...(profile?.lastName !== undefined ? { lastName: profile.lastName } : {}),
    ...(profile?.imageUrl !== undefined ? { imageUrl: profile.imageUrl } : {}),
    ...(profile?.langKey !== undefined ? { langKey: profile.langKey } : {}),
    emailVerified: false,
  };
  const created = await context.users.createUser!(newUser);
  if ('taken' in created) {
    if (created.taken === 'login') throw new AuthError('username_taken');
    // The address is someone's: the same token work as for a new user, and the owner (only) hears of it.
    const owner = await context.users.findByLogin(email);
    await issueToken(context, null, settings.tokenTtlSeconds);
    if (mailable && isActive(owner) && foldName(owner.email) === foldName(email)) {
      sendNotice(context, { to: owner.email, displayName: displayNameOf(owner), login: owner.login });
    }
    return;
  }
  const { user } = created;
  const token = await issueToken(context, user.id, settings.tokenTtlSeconds);
  context.events.emit('user.registered', { userId: user.id });
  if (mailable) sendVerification(context, verificationMail(settings, user, token));
}

/**
 * Mails a new verification link to an unverified user's address, replacing the earlier link. The same answer, with
 * the same store work, for an unknown, verified or disabled address, and past the per-address mail limit (shared
 * with sign-up), when nothing is sent.
 */
export async function resendVerification(context: AuthContext, email: string): Promise<void> {
  const settings = registrationSettings(context);
  const mails = await context.state.increment(mailsKey(email), settings.mailLimit.windowSeconds * 1000);
  const found = await context.users.findByLogin(email);
  const user =
    isActive(found) && found.emailVerified === false && foldName(found.email) === foldName(email) ? found : null;
  const issue = user !== null && mails.value <= settings.mailLimit.limit;
  const token = await issueToken(context, issue ? user.id : null, settings.tokenTtlSeconds);
  if (issue) sendVerification(context, verificationMail(settings, user, token));
}

/**
 * Verifies the address of the user the token was mailed for: the token must be the user's latest, unused and
 * unexpired, and the user enabled and unverified; else 400 `verification_token_invalid`. Consumed atomically: of
 * concurrent uses exactly one succeeds.
 */
export async function verifyRegistration(context: AuthContext, token: string): Promise<void> {
  registrationSettings(context);
  const { state } = context;
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw new AuthError('verification_token_invalid');
  const tokenHash = sha256Hex(token);
  const record = verificationTokenRecord.decode(await state.get(tokenKey(tokenHash)));
  if (record === undefined) throw new AuthError('verification_token_invalid');
  const current = await state.get(currentTokenKey(record.userId));
  const user = await context.users.findById(record.userId);
  if (current === null || !constantTimeEqual(current, tokenHash) || !isActive(user) || user.emailVerified !== false) {
    throw new AuthError('verification_token_invalid');
  }
  if ((await state.take(tokenKey(tokenHash))) === null) throw new AuthError('verification_token_invalid');
  await state.delete(currentTokenKey(user.id));
  await context.users.markEmailVerified!(user.id);
  context.events.emit('user.verified', { userId: user.id });
}
