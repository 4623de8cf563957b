// Passkeys: add one (the password again), list, rename, delete; sign in with one. Their answers are WebAuthn's own
// JSON (a W3C format, the same under every preset), so they are fixed (in passkey-wire.ts) rather than formatted by the preset; the
// sign-in answers exactly like a completed login, in the preset's format.
import { currentUser } from '../../core/access';
import {
  deletePasskey,
  listPasskeys,
  loginWithPasskey,
  passkeyLoginOptions,
  passkeyRegistrationOptions,
  registerPasskey,
  renamePasskey,
} from '../../core/passkeys';
import { AuthError } from '../../errors';
import { defineRoute } from '../route';
import { accessToken, noCredential } from '../credentials';
import { loginReply } from './login-reply';
import {
  passkeysOn,
  registerOptionsBody,
  registerBody,
  renameBody,
  loginOptionsBody,
  loginBody,
  creationOptionsAnswer,
  requestOptionsAnswer,
  createdAnswer,
  renamedAnswer,
  listAnswer,
  deletedAnswer,
  passkeyBody,
} from './passkey-wire';

// ---- the routes ----

export const passkeyRegisterOptionsRoute = defineRoute({
  path: 'passkeyRegisterOptions',
  method: 'post',
  operationId: 'passkeyRegistrationOptions',
  summary: 'Start adding a passkey',
  description:
    'Answers the options for `navigator.credentials.create()`. Needs the password again (and `code` or `recoveryCode` for a user with an authenticator app; the emailed factor is proven by the login behind the token), counted like a login.',
  tag: 'passkeys',
  body: registerOptionsBody,
  credential: accessToken(),
  limiter: 'second-factor',
  checksPassword: true,
  mountedWhen: passkeysOn,
  answers: [],
  fixedAnswers: [creationOptionsAnswer],
  errors: [400, 401, 403, 413, 429, 503],
  async handle(edge, { auth, fields, deviceToken }) {
    const { password, code, recoveryCode } = fields;
    if (code !== undefined && recoveryCode !== undefined)
      throw new AuthError('invalid_request', { message: 'Send "code" or "recoveryCode", not both.' });
    const user = await currentUser(edge.core, auth);
    return { body: await passkeyRegistrationOptions(edge.core, user, { password, code, recoveryCode, deviceToken }) };
  },
});

export const passkeyRegisterRoute = defineRoute({
  path: 'passkeyRegister',
  method: 'post',
  operationId: 'registerPasskey',
  summary: 'Finish adding a passkey',
  description:
    "Takes the browser's `RegistrationResponseJSON` (and an optional `name`). A bad, replayed or foreign answer: 400 `passkey_invalid`.",
  tag: 'passkeys',
  body: registerBody,
  credential: accessToken(),
  limiter: 'second-factor',
  mountedWhen: passkeysOn,
  answers: [],
  fixedAnswers: [createdAnswer],
  errors: [400, 401, 403, 413, 429, 503],
  async handle(edge, { auth, fields }) {
    const { name, response, ...credential } = fields;
    const user = await currentUser(edge.core, auth);
    const registration = {
      id: credential.id,
      rawId: credential.rawId,
      type: credential.type,
      response: {
        clientDataJSON: response.clientDataJSON,
        attestationObject: response.attestationObject,
        transports: response.transports as never,
      },
      clientExtensionResults: {},
      ...(credential.authenticatorAttachment ? { authenticatorAttachment: credential.authenticatorAttachment } : {}),
    };
    return { status: 201, body: passkeyBody(await registerPasskey(edge.core, user, registration, name)) };
  },
});

export const passkeyListRoute = defineRoute({
  path: 'passkeyList',
  method: 'get',
  operationId: 'listPasskeys',
  summary: "List the caller's passkeys",
  description: "The caller's passkeys: id, name, when added and last used.",
  tag: 'passkeys',
  credential: accessToken(),
  mountedWhen: passkeysOn,
  answers: [],
  fixedAnswers: [listAnswer],
  errors: [401, 403, 503],
  async handle(edge, { auth }) {
    const user = await currentUser(edge.core, auth);
    return { body: { passkeys: (await listPasskeys(edge.core, user.id)).map(passkeyBody) } };
  },
});

export const passkeyRenameRoute = defineRoute({
  path: 'passkeyRename',
  method: 'patch',
  operationId: 'renamePasskey',
  summary: 'Rename a passkey',
  description: "Renames one of the caller's passkeys; another user's answers like a missing one (404 `not_found`).",
  tag: 'passkeys',
  body: renameBody,
  credential: accessToken(),
  mountedWhen: passkeysOn,
  answers: [],
  fixedAnswers: [renamedAnswer],
  errors: [400, 401, 403, 404, 413, 503],
  async handle(edge, { req, auth, fields }) {
    const user = await currentUser(edge.core, auth);
    return { body: passkeyBody(await renamePasskey(edge.core, user.id, String(req.params.id), fields.name)) };
  },
});

export const passkeyDeleteRoute = defineRoute({
  path: 'passkeyDelete',
  method: 'delete',
  operationId: 'deletePasskey',
  summary: 'Delete a passkey',
  description: "Deletes one of the caller's passkeys; another user's answers like a missing one (404 `not_found`).",
  tag: 'passkeys',
  credential: accessToken(),
  mountedWhen: passkeysOn,
  answers: [],
  fixedAnswers: [deletedAnswer],
  errors: [401, 403, 404, 503],
  async handle(edge, { req, auth }) {
    const user = await currentUser(edge.core, auth);
    await deletePasskey(edge.core, user.id, String(req.params.id));
    return { status: 204, body: null };
  },
});

export const passkeyLoginOptionsRoute = defineRoute({
  path: 'passkeyLoginOptions',
  method: 'post',
  operationId: 'passkeyLoginOptions',
  summary: 'Start signing in with a passkey',
  description: 'No credentials, body `{}`: answers the options for `navigator.credentials.get()`.',
  tag: 'passkeys',
  body: loginOptionsBody,
  bodyOptional: () => true,
  credential: noCredential(),
  limiter: 'login',
  mountedWhen: passkeysOn,
  answers: [],
  fixedAnswers: [requestOptionsAnswer],
  errors: [400, 413, 429, 503],
  async handle(edge) {
    return { body: await passkeyLoginOptions(edge.core) };
  },
});

export const passkeyLoginRoute = defineRoute({
  path: 'passkeyLogin',
  method: 'post',
  operationId: 'loginWithPasskey',
  summary: 'Sign in with a passkey',
  description:
    "Takes the browser's `AuthenticationResponseJSON` and answers a completed login (no second factor: a passkey with user verification is two). A bad, replayed or foreign assertion, a counter that went backwards, or a disabled user: 400 `passkey_invalid`.",
  tag: 'passkeys',
  body: loginBody,
  credential: noCredential(),
  limiter: 'login',
  mountedWhen: passkeysOn,
  answers: ['login'],
  errors: [400, 403, 413, 429, 503],
  async handle(edge, { req, res, fields, deviceToken }) {
    // Login CSRF is the mount's: every route answering a login refuses a cross-site cookie-mode request first.
    const { response, ...credential } = fields;
    const assertion = {
      id: credential.id,
      rawId: credential.rawId,
      type: credential.type,
      response: {
        clientDataJSON: response.clientDataJSON,
        authenticatorData: response.authenticatorData,
        signature: response.signature,
        ...(response.userHandle !== undefined ? { userHandle: response.userHandle } : {}),
      },
      clientExtensionResults: {},
      ...(credential.authenticatorAttachment ? { authenticatorAttachment: credential.authenticatorAttachment } : {}),
    };
    return loginReply(edge, req, res, await loginWithPasskey(edge.core, assertion, deviceToken));
  },
});
