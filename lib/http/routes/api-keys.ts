// API keys (bfore.ai's "auth headers"): create, list, delete; only with a login's access token, never with a key.
import { Type } from '@sinclair/typebox';
import { currentUser } from '../../core/access';
import { createApiKey, deleteApiKeyById, deleteApiKeyByText, listApiKeys } from '../../core/api-keys';
import { AuthError } from '../../errors';
import { codeField, expiresInField, keyNameField, keyTextField, passwordField, rolesField } from '../fields';
import { bodyReader } from '../request';
import { defineRoute, type RouteDeclaration } from '../route';
import { accessToken } from '../credentials';
import { recoveryCodeField } from './tfa-verify';
import { loginTime } from '../../tokens/claims';
import { answer } from '../reply';

const keysEnabled = (edge: Parameters<NonNullable<RouteDeclaration['mountedWhen']>>[0]) =>
  edge.settings.apiKeys !== false;

// Only these fields are read: an `owner` or `userId` in the body cannot choose whose key this is. The password (and
// code) are the step-up proof; bfore.ai's clients send only `{name}`, where a recent login's token is the proof.
const createBody = bodyReader(
  Type.Object(
    {
      name: keyNameField,
      expiresIn: Type.Optional(expiresInField),
      roles: Type.Optional(rolesField),
      password: Type.Optional({
        ...passwordField,
        description:
          'The current password: recent proof that it is still you (required unless apiKeys.recentLogin allows a fresh login instead).',
      }),
      code: Type.Optional({
        ...codeField,
        description: 'A current code from the authenticator app, with "password", for a user who has one.',
      }),
      recoveryCode: Type.Optional({
        ...recoveryCodeField,
        description: 'One of the recovery codes, in place of "code".',
      }),
    },
    { examples: [{ name: 'ci-deploy', expiresIn: 7_776_000, password: 'admin-password' }] },
  ),
);

export const apiKeyCreateRoute = defineRoute({
  path: 'apiKeyCreate',
  method: 'post',
  operationId: 'createApiKey',
  summary: 'Create an API key',
  description:
    'Mints an API key for the caller; its text is shown this once. Needs recent proof that it is still the user: `password` (and `code` or `recoveryCode` for a user with an authenticator app), counted like a login; or, where `apiKeys.recentLogin` allows it (bforeai), an access token from a login that recent. Else 403 `reauthentication_required`.',
  tag: 'API keys',
  body: createBody,
  credential: accessToken(),
  limiter: 'second-factor',
  mountedWhen: keysEnabled,
  answers: ['apiKeyCreated'],
  errors: [400, 401, 403, 413, 429, 503],
  async handle(edge, { req, auth, fields, deviceToken }) {
    const { name, expiresIn, roles, password, code, recoveryCode } = fields;
    if (code !== undefined && recoveryCode !== undefined)
      throw new AuthError('invalid_request', { message: 'Send "code" or "recoveryCode", not both.' });
    const owner = await currentUser(edge.core, auth);
    const authTime = auth.claims === undefined ? undefined : loginTime(auth.claims);
    const proof = { password, code, recoveryCode, deviceToken, authTime };
    return answer(
      edge,
      req,
      'apiKeyCreated',
      await createApiKey(edge.core, owner, { name, expiresInSeconds: expiresIn, roles }, proof),
    );
  },
});

export const apiKeyListRoute = defineRoute({
  path: 'apiKeyList',
  method: 'get',
  operationId: 'listApiKeys',
  summary: "List the caller's API keys",
  description: "The caller's API keys, masked.",
  tag: 'API keys',
  credential: accessToken(),
  mountedWhen: keysEnabled,
  answers: ['apiKeyList'],
  errors: [401, 403, 503],
  async handle(edge, { req, auth }) {
    return answer(edge, req, 'apiKeyList', await listApiKeys(edge.core, (await currentUser(edge.core, auth)).id));
  },
});

export const apiKeyDeleteByIdRoute = defineRoute({
  path: 'apiKeyDeleteById',
  method: 'delete',
  operationId: 'deleteApiKey',
  summary: 'Delete an API key',
  description:
    "Deletes one of the caller's API keys by id; another user's key answers like a missing one (404 `not_found`).",
  tag: 'API keys',
  credential: accessToken(),
  mountedWhen: keysEnabled,
  answers: ['apiKeyDeleted'],
  errors: [401, 403, 404, 503],
  async handle(edge, { req, auth }) {
    await deleteApiKeyById(edge.core, (await currentUser(edge.core, auth)).id, String(req.params.id));
    return answer(edge, req, 'apiKeyDeleted', undefined);
  },
});

const deleteByTextBody = bodyReader(
  Type.Object({ text: { ...keyTextField, description: "The key's text, or its id from the list." } }),
);

export const apiKeyDeleteByTextRoute = defineRoute({
  path: 'apiKeyDeleteByText',
  method: 'post',
  operationId: 'deleteApiKeyByText',
  summary: 'Delete an API key by its text',
  description: "Deletes one of the caller's API keys by its text or its id (bfore.ai).",
  tag: 'API keys',
  body: deleteByTextBody,
  credential: accessToken(),
  mountedWhen: keysEnabled,
  answers: ['apiKeyDeleted'],
  errors: [400, 401, 403, 404, 413, 503],
  async handle(edge, { req, auth, fields }) {
    const { text } = fields;
    await deleteApiKeyByText(edge.core, (await currentUser(edge.core, auth)).id, text);
    return answer(edge, req, 'apiKeyDeleted', undefined);
  },
});
