// Passkeys (WebAuthn): add one with the password, list, rename, delete; sign in with a discoverable credential and user
// verification, which completes a login with no second factor. Every check of an attestation or an assertion is
// @simplewebauthn/server's (an optional peer, loaded on first use); here are the ceremonies and the rules
// (the challenges in passkey-challenges.ts, the store's methods in passkey-store.ts).
import { createHash } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { AuthError } from '../errors';
import { newId } from '../primitives/random';
import type { PasskeyRecord, User } from '../stores/types';
import type { AuthContext } from './context';
import { attemptIdentity } from './devices';
import { CHALLENGE_TTL_MS, saveChallenge, takeChallenge } from './passkey-challenges';
import { passkeyStore } from './passkey-store';
import type { LoginSuccess } from './results';
import { openSession } from './session-tokens';
import { completeAuthentication, reauthenticate, type StepUpProof } from './step-up';
import { isActive } from './users';

export type { AuthenticationResponseJSON, RegistrationResponseJSON };

/** A passkey as its owner sees it. */
export interface PasskeySummary {
  id: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

/** The relying party, as the core uses it. */
export interface PasskeySettings {
  rpId: string;
  rpName: string;
  origins: readonly string[];
}

const DEFAULT_PASSKEY_NAME = 'Passkey';

type WebAuthnServer = typeof import('@simplewebauthn/server');
let library: Promise<WebAuthnServer> | undefined;

/**
 * The optional peer, loaded once when passkeys are first used (a dynamic import: a `require` in the CommonJS build,
 * an `import()` in the ES module build). Its absence is a 503 with one clear line in the log, never a crash at load.
 */
function loadWebAuthn(context: AuthContext): Promise<WebAuthnServer> {
  library ??= import('@simplewebauthn/server').catch((cause: unknown) => {
    library = undefined;
    context.config.logger.error(
      '[express-auth-kit] "passkeys" needs the package @simplewebauthn/server (13.x): npm install @simplewebauthn/server',
    );
    throw new AuthError('unavailable', { cause });
  });
  return library;
}

function settingsOf(context: AuthContext): PasskeySettings {
  const settings = context.config.passkeys;
  if (!settings) throw new AuthError('not_found');
  return settings;
}

/** The user handle authenticators keep: a hash of our id, so the user's own id never leaves the server. */
function userHandle(userId: string): Uint8Array<ArrayBuffer> {
  return createHash('sha256').update(`express-auth-kit passkey user\0${userId}`, 'utf8').digest();
}

function summary(record: PasskeyRecord): PasskeySummary {
  return { id: record.id, name: record.name, createdAt: record.createdAt, lastUsedAt: record.lastUsedAt };
}

/**
 * Options for adding a passkey, after the step-up proof (the password, and the app's code for a user with one; for
 * the emailed factor, the login behind the token): a resident key, user verification preferred, the user's existing
 * passkeys excluded.
 */
export async function passkeyRegistrationOptions(
  context: AuthContext,
  user: User,
  proof: StepUpProof,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const settings = settingsOf(context);
  const passkeys = passkeyStore(context);
  await reauthenticate(context, user, proof);
  const webauthn = await loadWebAuthn(context);
  const existing = await passkeys.listPasskeys(user.id);
  const options = await webauthn.generateRegistrationOptions({
    rpName: settings.rpName,
    rpID: settings.rpId,
    userID: userHandle(user.id),
    userName: user.login,
    userDisplayName: user.login,
    timeout: CHALLENGE_TTL_MS,
    attestationType: 'none',
    excludeCredentials: existing.map((passkey) => ({
      id: passkey.credentialId,
      transports: passkey.transports as never,
    })),
    authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'preferred' },
  });
  await saveChallenge(context, options.challenge, { ceremony: 'registration', userId: user.id });
  return options;
}

/** Verifies the browser's answer to {@link passkeyRegistrationOptions} and stores the new passkey's public key. */
export async function registerPasskey(
  context: AuthContext,
  user: User,
  response: RegistrationResponseJSON,
  name: string | undefined,
): Promise<PasskeySummary> {
  const settings = settingsOf(context);
  const passkeys = passkeyStore(context);
  const challenge = await takeChallenge(context, response.response.clientDataJSON, 'registration', user.id);
  const webauthn = await loadWebAuthn(context);
  let verification: Awaited<ReturnType<WebAuthnServer['verifyRegistrationResponse']>>;
  try {
    verification = await webauthn.verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: [...settings.origins],
      expectedRPID: settings.rpId,
      requireUserVerification: false,
    });
  } catch {
    throw new AuthError('passkey_invalid');
  }
  const info = verification.registrationInfo;
  if (!verification.verified || !info) throw new AuthError('passkey_invalid');
  const credentialId = info.credential.id;
  if (await passkeys.findPasskeyByCredentialId(credentialId)) throw new AuthError('passkey_invalid');
  const record: PasskeyRecord = {
    id: newId(),
    userId: user.id,
    credentialId,
    publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
    counter: info.credential.counter,
    transports: [...(info.credential.transports ?? [])],
    name: name ?? DEFAULT_PASSKEY_NAME,
    createdAt: new Date(context.config.clock()),
    lastUsedAt: null,
  };
  await passkeys.createPasskey(record);
  context.events.emit('passkey.registered', { userId: user.id, passkeyId: record.id });
  return summary(record);
}

export async function listPasskeys(context: AuthContext, userId: string): Promise<PasskeySummary[]> {
  return (await passkeyStore(context).listPasskeys(userId)).map(summary);
}

/** Renames one of the user's passkeys; another user's answers exactly like a missing one (404). */
export async function renamePasskey(
  context: AuthContext,
  userId: string,
  id: string,
  name: string,
): Promise<PasskeySummary> {
  const passkeys = passkeyStore(context);
  if (!(await passkeys.renamePasskey(userId, id, name))) throw new AuthError('not_found');
  const renamed = (await passkeys.listPasskeys(userId)).find((passkey) => passkey.id === id);
  if (!renamed) throw new AuthError('not_found');
  return summary(renamed);
}

/** Deletes one of the user's passkeys: it never signs in again. Another user's answers like a missing one (404). */
export async function deletePasskey(context: AuthContext, userId: string, id: string): Promise<void> {
  if (!(await passkeyStore(context).deletePasskey(userId, id))) throw new AuthError('not_found');
  context.events.emit('passkey.deleted', { userId, passkeyId: id });
}

/** Options for signing in with a discoverable passkey: no credentials listed (the authenticator offers its own). */
export async function passkeyLoginOptions(context: AuthContext): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const settings = settingsOf(context);
  passkeyStore(context);
  const webauthn = await loadWebAuthn(context);
  const options = await webauthn.generateAuthenticationOptions({
    rpID: settings.rpId,
    allowCredentials: [],
    userVerification: 'required',
    timeout: CHALLENGE_TTL_MS,
  });
  await saveChallenge(context, options.challenge, { ceremony: 'authentication' });
  return options;
}

/**
 * Signs in with a passkey: the assertion must answer a live login challenge, come from one of our origins for our
 * RP ID, be signed by a stored passkey with user verification, and carry a signature counter that moved forward (a
 * counter that goes backwards means a cloned authenticator: refused and reported). A passkey with user verification
 * is two factors, so the answer is a completed login. Every refusal is 400 `passkey_invalid`.
 */
export async function loginWithPasskey(
  context: AuthContext,
  response: AuthenticationResponseJSON,
  deviceToken: string | undefined,
): Promise<LoginSuccess> {
  const attempt: { userId?: string } = {};
  try {
    const success = await passkeyLogin(context, response, deviceToken, attempt);
    context.events.emit('login.succeeded', { userId: success.user.id, method: 'passkey' });
    return success;
  } catch (error) {
    if (error instanceof AuthError)
      context.events.emit('login.failed', { reason: error.code, method: 'passkey', ...attempt });
    throw error;
  }
}

async function passkeyLogin(
  context: AuthContext,
  response: AuthenticationResponseJSON,
  deviceToken: string | undefined,
  attempt: { userId?: string },
): Promise<LoginSuccess> {
  const settings = settingsOf(context);
  const passkeys = passkeyStore(context);
  const challenge = await takeChallenge(context, response.response.clientDataJSON, 'authentication');
  if (response.id !== response.rawId || !/^[A-Za-z0-9_-]{1,1366}$/.test(response.id))
    throw new AuthError('passkey_invalid');
  const passkey = await passkeys.findPasskeyByCredentialId(response.id);
  if (!passkey) throw new AuthError('passkey_invalid');
  attempt.userId = passkey.userId;
  // Read before the user, as a password login does: a "log out everywhere" landing meanwhile ends this session too.
  const sessionVersion = await context.sessions.current(passkey.userId);
  const user = await context.users.findById(passkey.userId);
  if (!isActive(user)) throw new AuthError('passkey_invalid');
  // A discoverable credential names its user: it must be the passkey's owner.
  const handle = response.response.userHandle;
  if (handle !== undefined && handle !== Buffer.from(userHandle(user.id)).toString('base64url'))
    throw new AuthError('passkey_invalid');
  const webauthn = await loadWebAuthn(context);
  let verification: Awaited<ReturnType<WebAuthnServer['verifyAuthenticationResponse']>>;
  try {
    verification = await webauthn.verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: [...settings.origins],
      expectedRPID: settings.rpId,
      // The counter is compared below, after the signature, so that a regression is told apart and reported.
      credential: {
        id: passkey.credentialId,
        publicKey: Buffer.from(passkey.publicKey, 'base64url'),
        counter: 0,
        transports: passkey.transports as never,
      },
      requireUserVerification: true,
    });
  } catch {
    throw new AuthError('passkey_invalid');
  }
  if (!verification.verified) throw new AuthError('passkey_invalid');
  const counter = verification.authenticationInfo.newCounter;
  // W3C WebAuthn §6.1.1: a counter that does not move forward (when either side keeps one) signals a clone.
  if ((counter > 0 || passkey.counter > 0) && counter <= passkey.counter) {
    context.events.emit('passkey.counter_regressed', { userId: user.id, passkeyId: passkey.id });
    throw new AuthError('passkey_invalid');
  }
  const now = new Date(context.config.clock());
  if (!(await passkeys.updatePasskeyUse(passkey.id, passkey.counter, counter, now)))
    throw new AuthError('passkey_invalid');
  context.events.emit('passkey.used', { userId: user.id, passkeyId: passkey.id });
  const success = await openSession(context, user, { rememberMe: false, sessionVersion, deviceToken });
  // A completed authentication forgives earlier failures, as a login does.
  await completeAuthentication(context, attemptIdentity(context, user, user.login, deviceToken));
  return success;
}
