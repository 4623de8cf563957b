// Passkeys: add one (the password again), list, rename, delete; sign in with one. Their answers are WebAuthn's own
// JSON (a W3C format, the same under every preset), so they are fixed here rather than formatted by the preset; the
// sign-in answers exactly like a completed login, in the preset's format.
import { Type } from '@sinclair/typebox';
import { currentUser } from '../../core/access';
import {
  deletePasskey,
  listPasskeys,
  loginWithPasskey,
  passkeyLoginOptions,
  passkeyRegistrationOptions,
  registerPasskey,
  renamePasskey,
  type PasskeySummary,
} from '../../core/passkeys';
import { AuthError } from '../../errors';
import type { AnswerSpec } from '../../presets/types';
import { codeField, keyNameField, passwordField } from '../fields';
import { bodyReader } from '../request';
import { defineRoute, type RouteDeclaration } from '../route';
import { loginReply } from './login-reply';
import { recoveryCodeField } from './tfa-verify';

const passkeysOn = (edge: Parameters<NonNullable<RouteDeclaration['mountedWhen']>>[0]) => edge.core.config.passkeys !== false;

// Base64url values of a browser's answer; no NUL (PostgreSQL text cannot hold one), and never longer than a body can be.
const NO_NUL = '^[^\\u0000]*$';
const b64 = (description: string) => Type.String({ minLength: 1, maxLength: 16384, pattern: NO_NUL, description });
const passkeyNameField = { ...keyNameField, description: 'A name for the passkey, to tell it apart in the list.' };

const credentialFields = {
  id: b64('The credential id (base64url).'),
  rawId: b64('The credential id again (base64url).'),
  type: Type.Literal('public-key'),
  clientExtensionResults: Type.Optional(Type.Object({})),
  authenticatorAttachment: Type.Optional(Type.Union([Type.Literal('platform'), Type.Literal('cross-platform')])),
};

const registerOptionsBody = bodyReader(
  Type.Object({
    password: passwordField,
    code: Type.Optional({ ...codeField, description: 'A current code from the authenticator app, for a user who has one.' }),
    recoveryCode: Type.Optional({ ...recoveryCodeField, description: 'One of the recovery codes, in place of "code".' }),
  }),
);

const registerBody = bodyReader(
  Type.Object({
    ...credentialFields,
    response: Type.Object({
      clientDataJSON: b64('The client data (base64url JSON).'),
      attestationObject: b64('The attestation object (base64url CBOR).'),
      transports: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 32, pattern: NO_NUL }), { maxItems: 10 })),
    }),
    name: Type.Optional(passkeyNameField),
  }),
);

const renameBody = bodyReader(Type.Object({ name: passkeyNameField }));
const loginOptionsBody = bodyReader(Type.Object({}));

const loginBody = bodyReader(
  Type.Object({
    ...credentialFields,
    response: Type.Object({
      clientDataJSON: b64('The client data (base64url JSON).'),
      authenticatorData: b64('The authenticator data (base64url).'),
      signature: b64('The signature (base64url).'),
      userHandle: Type.Optional(b64('The user handle the passkey keeps (base64url).')),
    }),
  }),
);

// ---- the answers, one format under every preset ----

const passkeySchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
    lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { additionalProperties: false },
);
const descriptor = Type.Object({ id: Type.String(), type: Type.Literal('public-key'), transports: Type.Optional(Type.Array(Type.String())) });

const creationOptionsAnswer: AnswerSpec = {
  status: 200,
  description: 'PublicKeyCredentialCreationOptionsJSON for navigator.credentials.create(): a resident key, user verification preferred, existing passkeys excluded. The challenge works once, for 5 minutes.',
  schema: Type.Object({
    rp: Type.Object({ name: Type.String(), id: Type.Optional(Type.String()) }),
    user: Type.Object({ id: Type.String(), name: Type.String(), displayName: Type.String() }),
    challenge: Type.String(),
    pubKeyCredParams: Type.Array(Type.Object({ alg: Type.Integer(), type: Type.Literal('public-key') })),
    timeout: Type.Optional(Type.Integer()),
    excludeCredentials: Type.Optional(Type.Array(descriptor)),
    authenticatorSelection: Type.Optional(Type.Object({})),
    attestation: Type.Optional(Type.String()),
    hints: Type.Optional(Type.Array(Type.String())),
    extensions: Type.Optional(Type.Object({})),
  }),
};

const requestOptionsAnswer: AnswerSpec = {
  status: 200,
  description: 'PublicKeyCredentialRequestOptionsJSON for navigator.credentials.get(): no credentials listed (discoverable passkeys), user verification required. The challenge works once, for 5 minutes.',
  schema: Type.Object({
    challenge: Type.String(),
    timeout: Type.Optional(Type.Integer()),
    rpId: Type.Optional(Type.String()),
    allowCredentials: Type.Array(descriptor, { maxItems: 0 }),
    userVerification: Type.Optional(Type.String()),
    hints: Type.Optional(Type.Array(Type.String())),
    extensions: Type.Optional(Type.Object({})),
  }),
};

const createdAnswer: AnswerSpec = { status: 201, schema: passkeySchema, description: 'The passkey was added.' };
const renamedAnswer: AnswerSpec = { status: 200, schema: passkeySchema, description: 'The passkey was renamed.' };
const listAnswer: AnswerSpec = {
  status: 200,
  schema: Type.Object({ passkeys: Type.Array(passkeySchema) }, { additionalProperties: false }),
  description: "The caller's passkeys, oldest first.",
};
const deletedAnswer: AnswerSpec = { status: 204, schema: null, description: 'The passkey was deleted: it never signs in again.' };

function passkeyBody(passkey: PasskeySummary): Record<string, unknown> {
  return { id: passkey.id, name: passkey.name, createdAt: passkey.createdAt.toISOString(), lastUsedAt: passkey.lastUsedAt?.toISOString() ?? null };
}

// ---- the routes ----

export const passkeyRegisterOptionsRoute = defineRoute({
  path: 'passkeyRegisterOptions',
  method: 'post',
  operationId: 'passkeyRegistrationOptions',
  summary:
    'Start adding a passkey: the password again (and "code" or "recoveryCode" for a user with an authenticator app; the ' +
    'emailed factor is proven by the login behind the token), counted like a login. Answers the options for navigator.credentials.create().',
  tag: 'passkeys',
  body: registerOptionsBody,
  credential: 'access-token',
  limiter: 'second-factor',
  checksPassword: true,
  mountedWhen: passkeysOn,
  answers: [],
  fixedAnswers: [creationOptionsAnswer],
  errors: [400, 401, 403, 413, 429, 503],
  async handle(edge, { auth, fields, deviceToken }) {
    const { password, code, recoveryCode } = fields;
    if (code !== undefined && recoveryCode !== undefined) throw new AuthError('invalid_request', { message: 'Send "code" or "recoveryCode", not both.' });
    const user = await currentUser(edge.core, auth!);
    return { body: await passkeyRegistrationOptions(edge.core, user, { password, code, recoveryCode, deviceToken }) };
  },
});

export const passkeyRegisterRoute = defineRoute({
  path: 'passkeyRegister',
  method: 'post',
  operationId: 'registerPasskey',
  summary: "Finish adding a passkey with the browser's RegistrationResponseJSON (and an optional name). A bad, replayed or foreign answer is 400 passkey_invalid.",
  tag: 'passkeys',
  body: registerBody,
  credential: 'access-token',
  limiter: 'second-factor',
  mountedWhen: passkeysOn,
  answers: [],
  fixedAnswers: [createdAnswer],
  errors: [400, 401, 403, 413, 429, 503],
  async handle(edge, { auth, fields }) {
    const { name, response, ...credential } = fields;
    const user = await currentUser(edge.core, auth!);
    const registration = {
      id: credential.id,
      rawId: credential.rawId,
      type: credential.type,
      response: { clientDataJSON: response.clientDataJSON, attestationObject: response.attestationObject, transports: response.transports as never },
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
  summary: "The caller's passkeys: id, name, when added and last used.",
  tag: 'passkeys',
  credential: 'access-token',
  mountedWhen: passkeysOn,
  answers: [],
  fixedAnswers: [listAnswer],
  errors: [401, 403, 503],
  async handle(edge, { auth }) {
    const user = await currentUser(edge.core, auth!);
    return { body: { passkeys: (await listPasskeys(edge.core, user.id)).map(passkeyBody) } };
  },
});

export const passkeyRenameRoute = defineRoute({
  path: 'passkeyRename',
  method: 'patch',
  operationId: 'renamePasskey',
  summary: "Rename one of the caller's passkeys; another user's answers like a missing one (404).",
  tag: 'passkeys',
  body: renameBody,
  credential: 'access-token',
  mountedWhen: passkeysOn,
  answers: [],
  fixedAnswers: [renamedAnswer],
  errors: [400, 401, 403, 404, 413, 503],
  async handle(edge, { req, auth, fields }) {
    const user = await currentUser(edge.core, auth!);
    return { body: passkeyBody(await renamePasskey(edge.core, user.id, String(req.params.id), fields.name)) };
  },
});

export const passkeyDeleteRoute = defineRoute({
  path: 'passkeyDelete',
  method: 'delete',
  operationId: 'deletePasskey',
  summary: "Delete one of the caller's passkeys; another user's answers like a missing one (404).",
  tag: 'passkeys',
  credential: 'access-token',
  mountedWhen: passkeysOn,
  answers: [],
  fixedAnswers: [deletedAnswer],
  errors: [401, 403, 404, 503],
  async handle(edge, { req, auth }) {
    const user = await currentUser(edge.core, auth!);
    await deletePasskey(edge.core, user.id, String(req.params.id));
    return { status: 204, body: null };
  },
});

export const passkeyLoginOptionsRoute = defineRoute({
  path: 'passkeyLoginOptions',
  method: 'post',
  operationId: 'passkeyLoginOptions',
  summary: 'Start signing in with a passkey (no credentials; body {}): the options for navigator.credentials.get().',
  tag: 'passkeys',
  body: loginOptionsBody,
  bodyOptional: () => true,
  credential: 'none',
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
  summary:
    "Sign in with the browser's AuthenticationResponseJSON: a completed login (no second factor: a passkey with user " +
    'verification is two). A bad, replayed or foreign assertion, a counter that went backwards, or a disabled user: 400 passkey_invalid.',
  tag: 'passkeys',
  body: loginBody,
  credential: 'none',
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
