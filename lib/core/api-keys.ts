// API keys: minted after recent proof that it is the user, shown once, kept as SHA-256, acting with their owner's
// current roles, and revoked with the sessions when the owner takes the account back (a reset, "log out everywhere").
import { AuthError } from '../errors';
import { newId, newSecret, sha256Hex } from '../primitives/random';
import type { ApiKeyCreated } from './results';
import type { ApiKeyRecord, User, UserStore } from '../stores/types';
import type { AuthContext } from './context';
import { endAllSessions } from './session-tokens';
import { isRecentLogin, reauthenticate } from './step-up';
import { activeUser } from './users';

// 24 bytes = 192 bits from the CSPRNG: far past the 128 bits a key needs, so a plain hash is enough at rest.
const SECRET_BYTES = 24;
const SHOWN_PREFIX_LENGTH = 8;
export const MAX_API_KEY_LENGTH = 128;

type ApiKeyStore = Required<
  Pick<UserStore, 'createApiKey' | 'listApiKeys' | 'findApiKeyByHash' | 'deleteApiKey' | 'touchApiKey'>
>;

/** The user store's API-key methods, or a clear start-up error when it lacks them. */
function apiKeyStore(users: UserStore): ApiKeyStore {
  for (const method of ['createApiKey', 'listApiKeys', 'findApiKeyByHash', 'deleteApiKey', 'touchApiKey'] as const) {
    if (typeof users[method] !== 'function') {
      throw new TypeError(`"users.${method}" must be a function: API keys need a UserStore with the API-key methods.`);
    }
  }
  return users as UserStore & ApiKeyStore;
}

export interface CreateApiKeyRequest {
  name: string;
  expiresInSeconds: number | undefined;
  roles: readonly string[] | undefined;
}

/** Recent proof that the caller is the key's owner (step-up): the password (and factor), or a recent login. */
export interface ApiKeyProof {
  password?: string | undefined;
  code?: string | undefined;
  recoveryCode?: string | undefined;
  deviceToken?: string | undefined;
  /** The `auth_time` of the caller's access token: when its login happened, in seconds. */
  authTime?: number | undefined;
}

/**
 * Mints a key for `owner`, after recent proof that it is still them: the password in `proof` (and the app's code or a
 * recovery code where the user has an authenticator app), checked by step-up with the login's lockout; or, where
 * `apiKeys.recentLogin` allows it, an access token from a login that recent. Else 403 `reauthentication_required`.
 * A stolen access token alone therefore cannot mint a credential that outlives it.
 */
export async function createApiKey(
  context: AuthContext,
  owner: User,
  request: CreateApiKeyRequest,
  proof: ApiKeyProof = {},
): Promise<ApiKeyCreated> {
  const store = apiKeyStore(context.users);
  if (request.roles?.some((role) => !owner.authorities.includes(role))) {
    throw new AuthError('invalid_request', { message: 'A key can only be given roles its owner has.' });
  }
  const settings = context.config.apiKeys;
  if (settings === false) throw new AuthError('not_found');
  if (proof.password !== undefined) {
    await reauthenticate(context, owner, {
      password: proof.password,
      code: proof.code,
      recoveryCode: proof.recoveryCode,
      deviceToken: proof.deviceToken,
    });
  } else if (
    settings.recentLoginSeconds === false ||
    !isRecentLogin(context, proof.authTime, settings.recentLoginSeconds)
  ) {
    throw new AuthError('reauthentication_required');
  }
  const prefix = settings.prefix;
  const key = `${prefix}${newSecret(SECRET_BYTES)}`;
  const now = context.config.clock();
  const lifetime = request.expiresInSeconds ?? settings.defaultLifetimeSeconds;
  const record: ApiKeyRecord = {
    id: newId(),
    ownerId: owner.id,
    name: request.name,
    keyHash: sha256Hex(key),
    prefix: key.slice(0, prefix.length + SHOWN_PREFIX_LENGTH),
    roles: request.roles ? [...new Set(request.roles)] : null,
    createdAt: new Date(now),
    expiresAt: lifetime === null ? null : new Date(now + lifetime * 1000),
    lastUsedAt: null,
  };
  await store.createApiKey(record);
  context.events.emit('api_key.created', { userId: owner.id, apiKeyId: record.id });
  return { record, key };
}

export async function listApiKeys(context: AuthContext, ownerId: string): Promise<ApiKeyRecord[]> {
  return apiKeyStore(context.users).listApiKeys(ownerId);
}

/** Deletes the owner's key by id; someone else's key answers exactly like one that does not exist. */
export async function deleteApiKeyById(context: AuthContext, ownerId: string, id: string): Promise<void> {
  if (!(await apiKeyStore(context.users).deleteApiKey(ownerId, id))) throw new AuthError('not_found');
  context.events.emit('api_key.deleted', { userId: ownerId, apiKeyId: id });
}

/**
 * Deletes the owner's key given its text (bfore.ai). The text is hashed, never compared or stored as is. Since a
 * listing shows only ids and masked prefixes, the key's id is accepted too, so a client can list and then delete.
 */
export async function deleteApiKeyByText(context: AuthContext, ownerId: string, text: string): Promise<void> {
  const store = apiKeyStore(context.users);
  const record = await store.findApiKeyByHash(sha256Hex(text));
  const id = record ? record.id : text;
  if ((record && record.ownerId !== ownerId) || !(await store.deleteApiKey(ownerId, id)))
    throw new AuthError('not_found');
  context.events.emit('api_key.deleted', { userId: ownerId, apiKeyId: id });
}

/**
 * Deletes every key of `ownerId` and returns what was deleted (for the reset's notice and the events): in one step
 * where the store can, else by listing and deleting each. An `api_key.deleted` event per key.
 */
async function revokeApiKeysOf(context: AuthContext, ownerId: string): Promise<ApiKeyRecord[]> {
  const users = context.users;
  let revoked: ApiKeyRecord[];
  if (typeof users.deleteApiKeysOfOwner === 'function') {
    revoked = await users.deleteApiKeysOfOwner(ownerId);
  } else {
    const store = apiKeyStore(users);
    const listed = await store.listApiKeys(ownerId);
    const deleted = await Promise.all(listed.map((record) => store.deleteApiKey(ownerId, record.id)));
    revoked = listed.filter((_, index) => deleted[index]);
  }
  for (const record of revoked) context.events.emit('api_key.deleted', { userId: ownerId, apiKeyId: record.id });
  return revoked;
}

/**
 * Ends every session of `userId` ("log out everywhere") and, unless `apiKeys.revokeOnReset` is false, revokes their
 * API keys: what a thief minted with a stolen token goes with the sessions.
 */
export async function endAllSessionsAndKeys(
  context: AuthContext,
  userId: string,
): Promise<{ id: string; name: string }[]> {
  const settings = context.config.apiKeys;
  const revoked = settings !== false && settings.revokeOnReset ? await revokeApiKeysOf(context, userId) : [];
  const revokedApiKeys = revoked.map((key) => ({ id: key.id, name: key.name }));
  await endAllSessions(context, userId, revokedApiKeys);
  return revokedApiKeys;
}

/** Who a key acts for: its owner, with the owner's current roles (narrowed to the key's), or `api_key_invalid`. */
export async function authenticateApiKey(
  context: AuthContext,
  key: string,
): Promise<{ owner: User; record: ApiKeyRecord; authorities: readonly string[] }> {
  const store = apiKeyStore(context.users);
  const refuse = (record?: ApiKeyRecord): never => {
    // The key's id and owner when the key exists (expired, or its owner disabled); never the key's text.
    context.events.emit(
      'api_key.used_failed',
      record
        ? { userId: record.ownerId, apiKeyId: record.id, reason: 'api_key_invalid' }
        : { reason: 'api_key_invalid' },
    );
    throw new AuthError('api_key_invalid');
  };
  if (key.length > MAX_API_KEY_LENGTH) return refuse();
  // Looked up by hash: the database never sees the key, and a timing difference would only reveal a hash prefix.
  const record = await store.findApiKeyByHash(sha256Hex(key));
  const now = context.config.clock();
  if (!record || (record.expiresAt !== null && record.expiresAt.getTime() <= now)) return refuse(record ?? undefined);
  const owner = await activeUser(context, record.ownerId, 'api_key_invalid').catch((error: unknown) => {
    // A store outage stays a 503; only "owner gone or disabled" is a refused key.
    if (error instanceof AuthError && error.code === 'api_key_invalid') return refuse(record);
    throw error;
  });
  const authorities =
    record.roles === null ? owner.authorities : owner.authorities.filter((role) => record.roles!.includes(role));
  await store.touchApiKey(record.id, new Date(now));
  return { owner, record, authorities };
}
