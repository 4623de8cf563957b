// API keys (bfore.ai's "auth headers"): create, list, delete; only with a login's access token, never with a key.
import { Type } from '@sinclair/typebox';
import { currentUser } from '../../core/access';
import { createApiKey, deleteApiKeyById, deleteApiKeyByText, listApiKeys } from '../../core/api-keys';
import { expiresInField, keyNameField, keyTextField, rolesField } from '../fields';
import { bodyReader } from '../request';
import { defineRoute, type RouteDeclaration } from '../route';

const keysEnabled = (edge: Parameters<NonNullable<RouteDeclaration['mountedWhen']>>[0]) => edge.settings.apiKeys !== false;

// Only these fields are read: an `owner` or `userId` in the body cannot choose whose key this is.
const createBody = bodyReader(Type.Object({ name: keyNameField, expiresIn: Type.Optional(expiresInField), roles: Type.Optional(rolesField) }));

export const apiKeyCreateRoute = defineRoute({
  path: 'apiKeyCreate',
  method: 'post',
  operationId: 'createApiKey',
  summary: 'Mint an API key for the caller; its text is shown this once.',
  tag: 'API keys',
  body: createBody,
  credential: 'access-token',
  mountedWhen: keysEnabled,
  answers: ['apiKeyCreated'],
  errors: [400, 401, 403, 413, 503],
  async handle(edge, { auth, fields }) {
    const { name, expiresIn, roles } = fields;
    const owner = await currentUser(edge.core, auth!);
    return edge.preset.apiKeyCreated(await createApiKey(edge.core, owner, { name, expiresInSeconds: expiresIn, roles }));
  },
});

export const apiKeyListRoute = defineRoute({
  path: 'apiKeyList',
  method: 'get',
  operationId: 'listApiKeys',
  summary: "The caller's API keys, masked.",
  tag: 'API keys',
  credential: 'access-token',
  mountedWhen: keysEnabled,
  answers: ['apiKeyList'],
  errors: [401, 403, 503],
  async handle(edge, { auth }) {
    return edge.preset.apiKeyList(await listApiKeys(edge.core, (await currentUser(edge.core, auth!)).id));
  },
});

export const apiKeyDeleteByIdRoute = defineRoute({
  path: 'apiKeyDeleteById',
  method: 'delete',
  operationId: 'deleteApiKey',
  summary: "Delete one of the caller's API keys by id; another user's key answers like a missing one.",
  tag: 'API keys',
  credential: 'access-token',
  mountedWhen: keysEnabled,
  answers: ['apiKeyDeleted'],
  errors: [401, 403, 404, 503],
  async handle(edge, { req, auth }) {
    await deleteApiKeyById(edge.core, (await currentUser(edge.core, auth!)).id, String(req.params.id));
    return edge.preset.apiKeyDeleted();
  },
});

const deleteByTextBody = bodyReader(Type.Object({ text: { ...keyTextField, description: "The key's text, or its id from the list." } }));

export const apiKeyDeleteByTextRoute = defineRoute({
  path: 'apiKeyDeleteByText',
  method: 'post',
  operationId: 'deleteApiKeyByText',
  summary: "Delete one of the caller's API keys by its text or id (bfore.ai).",
  tag: 'API keys',
  body: deleteByTextBody,
  credential: 'access-token',
  mountedWhen: keysEnabled,
  answers: ['apiKeyDeleted'],
  errors: [400, 401, 403, 404, 413, 503],
  async handle(edge, { auth, fields }) {
    const { text } = fields;
    await deleteApiKeyByText(edge.core, (await currentUser(edge.core, auth!)).id, text);
    return edge.preset.apiKeyDeleted();
  },
});
