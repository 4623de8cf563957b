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
import { named } from '../../presets/types';
import type { AnswerSpec } from '../../presets/types';
import { codeField, keyNameField, passwordField } from '../fields';
import { bodyReader } from '../request';
import { defineRoute, type RouteDeclaration } from '../route';
import { accessToken, noCredential } from '../credentials';
import { loginReply } from './login-reply';
import { recoveryCodeField } from './tfa-verify';

const passkeysOn = (edge: Parameters<NonNullable<RouteDeclaration['mountedWhen']>>[0]) =>
  edge.core.config.passkeys !== false;

// Base64url values of a browser's answer; no NUL (PostgreSQL text cannot hold one), and never longer than a body can be.
const NO_NUL = '^[^\\u0000]*$';
const b64 = (description: string, example: string) =>
  Type.String({ minLength: 1, maxLength: 16384, pattern: NO_NUL, description, examples: [example] });
// What a browser sends, shortened: real values come from navigator.credentials and are far longer.
const CREDENTIAL_ID = 'KEbWNCc7NgaYnUyrNeFGX9_3Y-8oJ3KwzjnaiD1d1OQ';
const passkeyNameField = {
  ...keyNameField,
  description: 'A name for the passkey, to tell it apart in the list.',
  examples: ['MacBook Touch ID'],
};

const credentialFields = {
  id: b64('The credential id (base64url).', CREDENTIAL_ID),
  rawId: b64('The credential id again (base64url).', CREDENTIAL_ID),
  type: Type.Literal('public-key'),
  clientExtensionResults: Type.Optional(Type.Object({})),
  authenticatorAttachment: Type.Optional(
    Type.Union([Type.Literal('platform'), Type.Literal('cross-platform')], { examples: ['platform'] }),
  ),
};

const registerOptionsBody = bodyReader(
  Type.Object({
    password: passwordField,
    code: Type.Optional({
      ...codeField,
      description: 'A current code from the authenticator app, for a user who has one.',
    }),
    recoveryCode: Type.Optional({
      ...recoveryCodeField,
      description: 'One of the recovery codes, in place of "code".',
    }),
  }),
);

const registerBody = bodyReader(
  Type.Object({
    ...credentialFields,
    response: Type.Object({
      clientDataJSON: b64(
        'The client data (base64url JSON).',
        'eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIiwiY2hhbGxlbmdlIjoiLi4uIn0',
      ),
      attestationObject: b64(
        'The attestation object (base64url CBOR).',
        'o2NmbXRkbm9uZWdhdHRTdG10oGhhdXRoRGF0YVikSZYN5YgO',
      ),
      transports: Type.Optional(
        Type.Array(Type.String({ minLength: 1, maxLength: 32, pattern: NO_NUL }), {
          maxItems: 10,
          examples: [['internal', 'hybrid']],
        }),
      ),
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
      clientDataJSON: b64(
        'The client data (base64url JSON).',
        'eyJ0eXBlIjoid2ViYXV0aG4uZ2V0IiwiY2hhbGxlbmdlIjoiLi4uIn0',
      ),
      authenticatorData: b64(
        'The authenticator data (base64url).',
        'SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MFAAAAAQ',
      ),
      signature: b64('The signature (base64url).', 'MEUCIQDxvZ6b2W6o3a8n0vV1yJ8n2cU1eVx5fQ'),
      userHandle: Type.Optional(b64('The user handle the passkey keeps (base64url).', 'MQ')),
    }),
  }),
);

// ---- the answers, one format under every preset ----

const passkeySchema = named(
  'Passkey',
  Type.Object(
    {
      id: Type.String({ description: "The passkey's id, for renaming or deleting it." }),
      name: Type.String({ description: 'The name its owner gave it.', examples: ['MacBook Touch ID'] }),
      createdAt: Type.String({
        format: 'date-time',
        description: 'When it was added.',
        examples: ['2026-01-01T12:00:00.000Z'],
      }),
      lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
        description: 'When it last signed in, or null if never.',
      }),
    },
    { additionalProperties: false, description: 'A passkey of the caller.' },
  ),
);
const descriptor = named(
  'PublicKeyCredentialDescriptorJSON',
  Type.Object({
    id: Type.String(),
    type: Type.Literal('public-key'),
    transports: Type.Optional(Type.Array(Type.String())),
  }),
);

const creationOptionsAnswer: AnswerSpec = {
  status: 200,
  description:
    'PublicKeyCredentialCreationOptionsJSON for navigator.credentials.create(): a resident key, user verification preferred, existing passkeys excluded. The challenge works once, for 5 minutes.',
  schema: named(
    'PublicKeyCredentialCreationOptionsJSON',
    Type.Object({
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
  ),
};

const requestOptionsAnswer: AnswerSpec = {
  status: 200,
  description:
    'PublicKeyCredentialRequestOptionsJSON for navigator.credentials.get(): no credentials listed (discoverable passkeys), user verification required. The challenge works once, for 5 minutes.',
  schema: named(
    'PublicKeyCredentialRequestOptionsJSON',
    Type.Object({
      challenge: Type.String(),
      timeout: Type.Optional(Type.Integer()),
      rpId: Type.Optional(Type.String()),
      allowCredentials: Type.Array(descriptor, { maxItems: 0 }),
      userVerification: Type.Optional(Type.String()),
      hints: Type.Optional(Type.Array(Type.String())),
      extensions: Type.Optional(Type.Object({})),
    }),
  ),
};

const createdAnswer: AnswerSpec = { status: 201, schema: passkeySchema, description: 'The passkey was added.' };
const renamedAnswer: AnswerSpec = { status: 200, schema: passkeySchema, description: 'The passkey was renamed.' };
const listAnswer: AnswerSpec = {
  status: 200,
  schema: named('PasskeyList', Type.Object({ passkeys: Type.Array(passkeySchema) }, { additionalProperties: false })),
  description: "The caller's passkeys, oldest first.",
};
const deletedAnswer: AnswerSpec = {
  status: 204,
  schema: null,
  description: 'The passkey was deleted: it never signs in again.',
};

function passkeyBody(passkey: PasskeySummary): Record<string, unknown> {
  return {
    id: passkey.id,
    name: passkey.name,
    createdAt: passkey.createdAt.toISOString(),
    lastUsedAt: passkey.lastUsedAt?.toISOString() ?? null,
  };
}

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
