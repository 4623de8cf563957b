// The passkey routes' wire format (routes/passkeys.ts declares the routes): the bodies a browser sends and the
// WebAuthn answers, one format under every preset.
import { Type, type TString } from '@sinclair/typebox';
import type { PasskeySummary } from '../../core/passkeys';
import { named } from '../../presets/types';
import type { AnswerSpec } from '../../presets/types';
import { codeField, keyNameField, passwordField } from '../fields';
import { bodyReader } from '../request';
import type { RouteDeclaration } from '../route';
import { recoveryCodeField } from './tfa-verify';

export const passkeysOn = (edge: Parameters<NonNullable<RouteDeclaration['mountedWhen']>>[0]) =>
  edge.core.config.passkeys !== false;

// Base64url values of a browser's answer; no NUL (PostgreSQL text cannot hold one), and never longer than a body can be.
const NO_NUL = '^[^\\u0000]*$';
const b64 = (description: string, example: string) =>
  Type.String({ minLength: 1, maxLength: 16384, pattern: NO_NUL, description, examples: [example] });
// What a browser sends, shortened: real values come from navigator.credentials and are far longer.
const CREDENTIAL_ID = 'KEbWNCc7NgaYnUyrNeFGX9_3Y-8oJ3KwzjnaiD1d1OQ';
// Typed as the string schemas they are: the declaration build cannot name the anonymous type of a spread schema.
const passkeyNameField: TString = {
  ...keyNameField,
  description: 'A name for the passkey, to tell it apart in the list.',
  examples: ['MacBook Touch ID'],
};

/** `field` with its own description. */
const described = (field: TString, description: string): TString => ({ ...field, description });

const credentialFields = {
  id: b64('The credential id (base64url).', CREDENTIAL_ID),
  rawId: b64('The credential id again (base64url).', CREDENTIAL_ID),
  type: Type.Literal('public-key'),
  clientExtensionResults: Type.Optional(Type.Object({})),
  authenticatorAttachment: Type.Optional(
    Type.Union([Type.Literal('platform'), Type.Literal('cross-platform')], { examples: ['platform'] }),
  ),
};

export const registerOptionsBody = bodyReader(
  Type.Object({
    password: passwordField,
    code: Type.Optional(described(codeField, 'A current code from the authenticator app, for a user who has one.')),
    recoveryCode: Type.Optional(described(recoveryCodeField, 'One of the recovery codes, in place of "code".')),
  }),
);

export const registerBody = bodyReader(
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

export const renameBody = bodyReader(Type.Object({ name: passkeyNameField }));
export const loginOptionsBody = bodyReader(Type.Object({}));

export const loginBody = bodyReader(
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

export const creationOptionsAnswer: AnswerSpec = {
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

export const requestOptionsAnswer: AnswerSpec = {
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

export const createdAnswer: AnswerSpec = { status: 201, schema: passkeySchema, description: 'The passkey was added.' };
export const renamedAnswer: AnswerSpec = {
  status: 200,
  schema: passkeySchema,
  description: 'The passkey was renamed.',
};
export const listAnswer: AnswerSpec = {
  status: 200,
  schema: named('PasskeyList', Type.Object({ passkeys: Type.Array(passkeySchema) }, { additionalProperties: false })),
  description: "The caller's passkeys, oldest first.",
};
export const deletedAnswer: AnswerSpec = {
  status: 204,
  schema: null,
  description: 'The passkey was deleted: it never signs in again.',
};

export function passkeyBody(passkey: PasskeySummary): Record<string, unknown> {
  return {
    id: passkey.id,
    name: passkey.name,
    createdAt: passkey.createdAt.toISOString(),
    lastUsedAt: passkey.lastUsedAt?.toISOString() ?? null,
  };
}
