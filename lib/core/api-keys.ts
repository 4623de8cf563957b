// API keys: minted from a real login, shown once, kept as SHA-256, acting with their owner's current roles.
import { AuthError } from '../errors';
import { newId, newSecret, sha256Hex } from '../primitives/random';
import type { ApiKeyCreated } from './results';
import type { ApiKeyRecord, User, UserStore } from '../stores/types';
import type { AuthContext } from './context';
import { activeUser } from './users';

// 24 bytes = 192 bits from the CSPRNG: far past the 128 bits a key needs, so a plain hash is enough at rest.
const SECRET_BYTES = 24;
const SHOWN_PREFIX_LENGTH = 8;
export const MAX_API_KEY_LENGTH = 128;

type ApiKeyStore = Required<Pick<UserStore, 'createApiKey' | 'listApiKeys' | 'findApiKeyByHash' | 'deleteApiKey' | 'touchApiKey'>>;

/** The user store's API-key methods, or a clear start-up error when it lacks them. */
export function apiKeyStore(users: UserStore): ApiKeyStore {
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

export async function createApiKey(context: AuthContext, owner: User, request: CreateApiKeyRequest): Promise<ApiKeyCreated> {
  const store = apiKeyStore(context.users);
  if (request.roles?.some((role) => !owner.authorities.includes(role))) {
    throw new AuthError('invalid_request', { message: 'A key can only be given roles its owner has.' });
  }
  if (context.config.apiKeys === false) throw new AuthError('not_found');
  const prefix = context.config.apiKeys.prefix;
  const key = `${prefix}${newSecret(SECRET_BYTES)}`;
  const now = context.config.clock();
  const record: ApiKeyRecord = {
    id: newId(),
    ownerId: owner.id,
    name: request.name,
    keyHash: sha256Hex(key),
    prefix: key.slice(0, prefix.length + SHOWN_PREFIX_LENGTH),
    roles: request.roles ? [...new Set(request.roles)] : null,
    createdAt: new Date(now),
    expiresAt: request.expiresInSeconds === undefined ? null : new Date(now + request.expiresInSeconds * 1000),
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
  if ((record && record.ownerId !== ownerId) || !(await store.deleteApiKey(ownerId, id))) throw new AuthError('not_found');
  context.events.emit('api_key.deleted', { userId: ownerId, apiKeyId: id });
}

/** Who a key acts for: its owner, with the owner's current roles (narrowed to the key's), or `api_key_invalid`. */
export async function authenticateApiKey(
  context: AuthContext,
  key: string,
): Promise<{ owner: User; record: ApiKeyRecord; authorities: readonly string[] }> {
  const store = apiKeyStore(context.users);
  const refuse = (record?: ApiKeyRecord): never => {
    // The key's id and owner when the key exists (expired, or its owner disabled); never the key's text.
    context.events.emit('api_key.used_failed', record ? { userId: record.ownerId, apiKeyId: record.id, reason: 'api_key_invalid' } : { reason: 'api_key_invalid' });
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
  const authorities = record.roles === null ? owner.authorities : owner.authorities.filter((role) => record.roles!.includes(role));
  await store.touchApiKey(record.id, new Date(now));
  return { owner, record, authorities };
}
