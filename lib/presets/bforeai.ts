// bfore.ai PreCrime's wire format (seed 003): POST /user/login with a PascalCase user, and /authheader API keys.
import { Type } from '@sinclair/typebox';
import type { User } from '../core/results';
import { COMMON_DEFAULTS, dateTime, isoOrNull, jwt, maskedKey, NO_ROUTES, nullable } from './helpers';
import { defaultAnswers } from './default';
import { definePreset, named, type Answer, type Preset } from './types';

/** The PascalCase user of `/user/login` and `/user/me`, without its token. */
function pascalUser(user: User): Record<string, unknown> {
  return {
    Id: user.id,
    Created: isoOrNull(user.createdAt),
    Username: user.login,
    Email: user.email,
    Firstname: user.firstName ?? null,
    Lastname: user.lastName ?? null,
  };
}

/**
 * When the password expires: the stored expiry, else null. (A policy-based expiry would need when the password was
 * last changed, which users do not record; `passwords.maxAge` is applied as an expiry stored at each change instead.)
 */
function passwordExpiration(user: User): string | null {
  return isoOrNull(user.passwordExpiresAt);
}

const successSchema = named(
  'Success',
  Type.Object({ message: Type.Literal('Success', { examples: ['Success'] }) }, { additionalProperties: false }),
);

/** `{ message: "Success" }`: bfore.ai's confirmation. */
function successAnswer(description: string): Answer<void> {
  return { status: 200, description, schema: successSchema, format: () => ({ body: { message: 'Success' } }) };
}

// The seed's fields (seed 003, POST /user/login, 200); every one is always sent, null where the store has no value.
const pascalUserProperties = {
  Id: Type.String({
    description: "The user's id (a UUID in bfore.ai; the user store's id here).",
    examples: ['12345678-1234-1234-1234-123456789abc'],
  }),
  Created: nullable(
    dateTime('When the user was created.'),
    'When the user was created, or null when the store does not record it.',
  ),
  Username: Type.String({ description: 'The username.', examples: ['john.doe'] }),
  Email: Type.String({ examples: ['john.doe@example.com'] }),
  Firstname: nullable(Type.String({ examples: ['John'] }), 'The first name, or null.'),
  Lastname: nullable(Type.String({ examples: ['Doe'] }), 'The last name, or null.'),
};

const passwordExpirationSchema = nullable(
  dateTime('When the password expires.'),
  'When the password expires (after which login answers 403); null when the user has no stored expiry.',
);

// The seed's fields (POST /authheader/add and GET /authheader/list, 200).
const authHeaderProperties = {
  id: Type.String({ description: 'Auth header ID.' }),
  name: Type.String({ description: 'Auth header name.', examples: ['production-api-key'] }),
  created: dateTime('Creation timestamp.'),
};

export const bforeaiPreset: Preset = definePreset({
  name: 'bforeai',
  mountPath: '/',
  routes: {
    ...NO_ROUTES,
    login: '/user/login',
    account: '/user/me',
    // bfore.ai's own samples (mikey-p-codes/rtd-bforeai docs/source/pythonAPI) change a password without a token,
    // naming the user: `{username, old, new, confirm}`. Their route wins the path; a token may come along.
    passwordChangeByLogin: '/user/password',
    logoutToken: '/user/logout',
    tokenRenew: '/user/renew',
    tokenIssue: '/user/token',
    tfaVerify: '/user/tfa/verify',
    tfaResend: '/user/tfa/resend',
    apiKeyCreate: '/authheader/add',
    apiKeyList: '/authheader/list',
    apiKeyDeleteByText: '/authheader/delete',
    apiKeyDeleteById: '/authheader/:id',
  },
  // Its clients send `POST /authheader/add {name}` with only the JWT: a fresh login's token is the proof (docs/api-keys.md).
  // No refresh tokens, but a session per login: GET /user/logout ends the token's own session.
  defaults: {
    ...COMMON_DEFAULTS,
    accessTokenTtl: '1h',
    issueRefreshTokens: false,
    apiKeyRecentLogin: '5m',
    accessTokenSessions: true,
  },
  // "The Authorization header takes the JWT or an API key, with or without Bearer."
  bareAuthorization: true,
  answers: {
    login: {
      status: 200,
      description: 'Successful authentication.',
      schema: Type.Object(
        {
          ...pascalUserProperties,
          Token: jwt('JWT token for authentication: send it in `Authorization`, with or without `Bearer `.'),
          PasswordExpiration: passwordExpirationSchema,
        },
        { additionalProperties: false },
      ),
      format: ({ user, access }) => ({
        body: { ...pascalUser(user), Token: access.token, PasswordExpiration: passwordExpiration(user) },
      }),
    },
    // bfore.ai documents no second factor, refresh or session route: these are the default preset's answers, named.
    challenge: defaultAnswers.challenge,
    refreshed: defaultAnswers.refreshed,
    loginStatus: defaultAnswers.loginStatus,
    account: {
      status: 200,
      description: 'The current user, as the login answers it but without a token.',
      schema: Type.Object(
        { ...pascalUserProperties, PasswordExpiration: passwordExpirationSchema },
        { additionalProperties: false },
      ),
      format: (user) => ({ body: { ...pascalUser(user), PasswordExpiration: passwordExpiration(user) } }),
    },
    passwordChanged: successAnswer('The password was changed; every session of the user has ended.'),
    loggedOut: successAnswer('The session (or every session) has ended.'),
    tfaResent: defaultAnswers.tfaResent,
    totpEnrolment: defaultAnswers.totpEnrolment,
    totpConfirmed: defaultAnswers.totpConfirmed,
    apiKeyCreated: {
      status: 200,
      description: 'Auth header created successfully. `token` is shown this once: it is stored only as a hash.',
      schema: Type.Object(
        {
          ...authHeaderProperties,
          token: Type.String({
            description: 'Auth header token value: send it as `Authorization`. Shown only now.',
            examples: ['eak_AbCdEfGhIjKlMnOpQrStUvWxYz012345'],
          }),
        },
        { additionalProperties: false },
      ),
      format: ({ record, key }) => ({
        body: { id: record.id, name: record.name, token: key, created: record.createdAt.toISOString() },
      }),
    },
    apiKeyList: {
      status: 200,
      description: "List of auth headers (the caller's), with masked tokens.",
      schema: Type.Array(
        named(
          'AuthHeader',
          Type.Object(
            {
              ...authHeaderProperties,
              token: Type.String({
                description: "The token's first characters and an ellipsis; the token itself was shown once.",
                examples: ['eak_AbCdEfGh…'],
              }),
              expires: nullable(
                dateTime('When the key expires.'),
                'When the key stops working, or null when it never does.',
              ),
              lastUsed: nullable(
                dateTime('When the key was last used.'),
                'When the key was last used, or null if never.',
              ),
            },
            { additionalProperties: false, description: 'An auth header (API key), masked.' },
          ),
        ),
      ),
      // The list's `token` field shows the masked prefix: the secret was shown once, at creation.
      format: (records) => ({
        body: records.map((record) => ({
          id: record.id,
          name: record.name,
          token: maskedKey(record),
          created: record.createdAt.toISOString(),
          expires: isoOrNull(record.expiresAt),
          lastUsed: isoOrNull(record.lastUsedAt),
        })),
      }),
    },
    apiKeyDeleted: successAnswer('Auth header deleted successfully; it stops working at once.'),
    sessionList: defaultAnswers.sessionList,
    sessionEnded: defaultAnswers.sessionEnded,
    passwordResetRequested: defaultAnswers.passwordResetRequested,
    passwordReset: defaultAnswers.passwordReset,
    recoveryCodes: defaultAnswers.recoveryCodes,
    registrationAccepted: defaultAnswers.registrationAccepted,
    registrationVerified: defaultAnswers.registrationVerified,
    trustedDeviceList: defaultAnswers.trustedDeviceList,
    trustedDevicesEnded: defaultAnswers.trustedDevicesEnded,
  },
  error: {
    schema: Type.Object(
      {
        message: Type.String({
          description: 'A human-readable message, safe to show.',
          examples: ['The login or password is incorrect.'],
        }),
      },
      {
        additionalProperties: false,
        description: 'A refusal: 401 incorrect credentials, 403 password expired, and so on.',
      },
    ),
    format: (error) => ({ body: { message: error.message } }),
  },
});
