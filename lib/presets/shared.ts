// What several presets share, by name: the common defaults, the default preset's formatters and the JSON Schemas of
// their bodies. A preset that answers like the default one references these; nothing is inherited by spreading.
import { Kind, Type, TypeRegistry, type TNull, type TSchema, type TString, type TUnion } from '@sinclair/typebox';
import { AUTH_ERROR_CATALOGUE, type AuthError, type AuthErrorCode } from '../errors';
import type {
  ApiKeyCreated,
  ApiKeyRecord,
  AuthInfo,
  LoginSuccess,
  RecoveryCodes,
  SessionInfo,
  RefreshSuccess,
  SecondFactorChallenge,
  TotpEnrolment,
  TrustedDeviceInfo,
  User,
} from '../core/results';
import { named } from './types';
import type { AnswerSpec, PresetDefaults, PresetRoutes, Reply } from './types';

/**
 * Our defaults, with their reasons: 15-minute access tokens and 14-day refresh tokens (OWASP JWT cheat sheet);
 * 20 credential attempts a minute per IP, so the per-account lockout (10 failures in 10 minutes, for 10 minutes,
 * as UTMStack documents) is what an attacker on one account meets first.
 */
export const COMMON_DEFAULTS: PresetDefaults = {
  algorithm: 'HS256',
  issuer: undefined,
  accessTokenTtl: '15m',
  rememberMeTtl: '30d',
  refreshTokenTtl: '14d',
  issueRefreshTokens: true,
  rotateRefreshTokens: true,
  rateLimit: { limit: 20, windowSeconds: 60 },
  lockout: { maxFailures: 10, windowSeconds: 600, durationSeconds: 600 },
};

/** A preset that offers none of the optional routes; presets spread it and name what they serve. */
export const NO_ROUTES: Omit<PresetRoutes, 'login'> = {
  sessions: null,
  sessionEnd: null,
  passwordForgot: null,
  passwordReset: null,
  recoveryCodes: null,
  register: null,
  registerVerify: null,
  registerResend: null,
  loginStatus: null,
  account: null,
  changePassword: null,
  tfaVerify: null,
  tfaResend: null,
  tfaVerifyByQuery: null,
  tfaVerifyRawBody: null,
  tfaResendByGet: null,
  totpEnroll: null,
  totpConfirm: null,
  refresh: null,
  refreshMethod: 'post',
  logout: null,
  logoutAll: null,
  apiKeyCreate: null,
  apiKeyList: null,
  apiKeyDeleteById: null,
  apiKeyDeleteByText: null,
  logoutToken: null,
  tokenRenew: null,
  tokenIssue: null,
  passwordChangeByLogin: null,
};

export function isoOrNull(date: Date | null | undefined): string | null {
  return date ? date.toISOString() : null;
}

/** How a key is shown after creation: its prefix and an ellipsis, never the secret. */
export function maskedKey(record: ApiKeyRecord): string {
  return `${record.prefix}…`;
}

// ---- schema building blocks (standard JSON Schema 2020-12 keywords only: the OpenAPI 3.1 document embeds them) ----

const EXAMPLE_TIME = '2026-01-01T12:00:00.000Z';
const EXAMPLE_JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIiwidXNlZm9yIjoiYWNjZXNzIn0.c2lnbmF0dXJl';

/** A nullable schema: `anyOf [schema, null]`, described as a whole. */
export function nullable<T extends TSchema>(schema: T, description: string): TUnion<[T, TNull]> {
  return Type.Union([schema, Type.Null()], { description });
}

/** An ISO 8601 date-time string as `Date.toISOString()` writes it. */
export function dateTime(description: string): TString {
  return Type.String({ format: 'date-time', description, examples: [EXAMPLE_TIME] });
}

/** A signed JWT (three base64url segments). */
export function jwt(description: string): TString {
  return Type.String({ pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$', description, examples: [EXAMPLE_JWT] });
}

export const authoritiesSchema = Type.Array(Type.String({ examples: ['ROLE_ADMIN'] }), {
  description: 'The user\'s roles (authorities), as copied into access tokens.',
  examples: [['ROLE_ADMIN', 'ROLE_USER']],
});

export const secondFactorMethodSchema = named(
  'SecondFactorMethod',
  Type.Union([Type.Literal('EMAIL'), Type.Literal('TOTP')], {
    description: 'The second factor: a code mailed to the user (`EMAIL`) or from an authenticator app (`TOTP`).',
  }),
);

/**
 * Every AuthError code, as one string enum (what client generators turn into a union type), each code listed with its
 * status and message in the description (the catalogue in errors.ts).
 */
// TypeBox checks a Type.Unsafe schema only through a kind registered for it (its compiler answers "Unknown type"
// otherwise, e.g. for a host checking our error bodies): a code is a string of the catalogue. The symbol never
// reaches the JSON, so the document still says `{ type: 'string', enum }`.
const ERROR_CODE_KIND = 'ExpressAuthKit/ErrorCode';
if (!TypeRegistry.Has(ERROR_CODE_KIND)) {
  TypeRegistry.Set(ERROR_CODE_KIND, (_schema, value) => typeof value === 'string' && Object.hasOwn(AUTH_ERROR_CATALOGUE, value));
}

export const errorCodeSchema = named(
  'ErrorCode',
  Type.Unsafe<AuthErrorCode>({
    [Kind]: ERROR_CODE_KIND,
    type: 'string',
    enum: Object.keys(AUTH_ERROR_CATALOGUE),
    description: `The stable machine code of the error; the HTTP status is the code's:\n\n${(Object.keys(AUTH_ERROR_CATALOGUE) as AuthErrorCode[])
      .map((code) => `- \`${code}\` (${AUTH_ERROR_CATALOGUE[code].status})`)
      .join('\n')}`,
    examples: ['invalid_credentials'],
  }),
);

/** The text of an error, safe to show; never a token, a password or a stack. */
export const errorMessageSchema = Type.String({ description: 'A human-readable message, safe to show.', examples: ['The login or password is incorrect.'] });

// ---- the default preset's answers: formatter and schema side by side ----

const userProperties = {
  id: Type.String({ description: 'The user\'s stable id (the access token\'s `sub` in this preset).', examples: ['1'] }),
  login: Type.String({ description: 'The login name.', examples: ['admin'] }),
  email: Type.String({ description: 'The email address; second-factor codes go only here.', examples: ['admin@example.com'] }),
  authorities: authoritiesSchema,
};

/** The user as the default preset's login shows it. */
export const userSchema = named('User', Type.Object(userProperties, { additionalProperties: false, description: 'The user who logged in.' }));

export function publicUser(user: User): Record<string, unknown> {
  return { id: user.id, login: user.login, email: user.email, authorities: [...user.authorities] };
}

const sessionTokenProperties = {
  accessToken: jwt('The access token: send it as `Authorization: Bearer`.'),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ minimum: 0, description: 'Seconds until the access token expires.', examples: [900] }),
  refreshToken: Type.Optional(jwt('The refresh token, when the preset issues them (and, on refresh, when rotation is on).')),
  refreshExpiresIn: Type.Optional(Type.Integer({ minimum: 0, description: 'Seconds until the refresh token expires.', examples: [1_209_600] })),
};

export function formatLoginDefault({ user, access, refresh, firstLogin }: LoginSuccess): Reply {
  return {
    body: {
      accessToken: access.token,
      tokenType: 'Bearer',
      expiresIn: access.lifetime,
      ...(refresh ? { refreshToken: refresh.token, refreshExpiresIn: refresh.lifetime } : {}),
      firstLogin,
      user: publicUser(user),
    },
  };
}

export const loginDefaultAnswer: AnswerSpec = {
  status: 200,
  description: 'Logged in: an access token, a refresh token when the preset issues them, and the user.',
  schema: Type.Object(
    {
      ...sessionTokenProperties,
      firstLogin: Type.Boolean({ description: 'Whether this is the user\'s first login.' }),
      user: userSchema,
    },
    { additionalProperties: false },
  ),
};

export function formatChallengeDefault({ method, challenge, expiresInSeconds }: SecondFactorChallenge): Reply {
  return { body: { tfaRequired: true, method, challengeToken: challenge.token, expiresIn: expiresInSeconds } };
}

export const challengeDefaultAnswer: AnswerSpec = {
  status: 200,
  description: 'The password was right and a second factor is required: finish at the second-factor route.',
  schema: Type.Object(
    {
      tfaRequired: Type.Literal(true),
      method: secondFactorMethodSchema,
      challengeToken: jwt('A token good only for the second-factor routes: send it as `Authorization: Bearer`.'),
      expiresIn: Type.Integer({ minimum: 0, description: 'Seconds until the challenge (and its code) expires.', examples: [300] }),
    },
    { additionalProperties: false },
  ),
};

export function formatRefreshedDefault({ access, refresh }: RefreshSuccess): Reply {
  return {
    body: {
      accessToken: access.token,
      tokenType: 'Bearer',
      expiresIn: access.lifetime,
      ...(refresh ? { refreshToken: refresh.token, refreshExpiresIn: refresh.lifetime } : {}),
    },
  };
}

export const refreshedDefaultAnswer: AnswerSpec = {
  status: 200,
  description: 'A new access token, and the next refresh token when rotation is on.',
  schema: Type.Object(sessionTokenProperties, { additionalProperties: false }),
};

export function formatLoginStatusDefault(user: User, auth: AuthInfo): Reply {
  return { body: { login: user.login, authorities: [...auth.authorities], method: auth.method } };
}

export const loginStatusDefaultAnswer: AnswerSpec = {
  status: 200,
  description: 'Who the credential belongs to, and what it may do.',
  schema: Type.Object(
    {
      login: Type.String({ description: 'The login name.', examples: ['admin'] }),
      authorities: Type.Array(Type.String(), { description: 'The authorities this credential may use (an API key\'s may be fewer than its owner\'s).' }),
      method: Type.Union([Type.Literal('token'), Type.Literal('apiKey')], { description: 'How the request authenticated.' }),
    },
    { additionalProperties: false },
  ),
};

export function formatAccountDefault(user: User): Reply {
  return {
    body: {
      ...publicUser(user),
      firstName: user.firstName ?? null,
      lastName: user.lastName ?? null,
      imageUrl: user.imageUrl ?? null,
      langKey: user.langKey ?? null,
      activated: !user.disabled,
      secondFactor: user.secondFactor ?? null,
      passwordExpiresAt: isoOrNull(user.passwordExpiresAt),
      recoveryCodesRemaining: user.recoveryCodesRemaining ?? null,
    },
  };
}

export const accountDefaultAnswer: AnswerSpec = {
  status: 200,
  description: 'The current user\'s account.',
  schema: Type.Object(
    {
      ...userProperties,
      firstName: nullable(Type.String(), 'The first name, or null.'),
      lastName: nullable(Type.String(), 'The last name, or null.'),
      imageUrl: nullable(Type.String(), 'The URL of the user\'s picture, as stored, or null.'),
      langKey: nullable(Type.String(), 'The preferred language (e.g. "en"), or null.'),
      activated: Type.Boolean({ description: 'False for a disabled user.' }),
      secondFactor: nullable(secondFactorMethodSchema, 'The second factor the user has turned on, or null for none.'),
      passwordExpiresAt: nullable(dateTime('When the password expires.'), 'When the password stops being accepted, or null when it never does.'),
      recoveryCodesRemaining: nullable(Type.Integer({ minimum: 0, maximum: 10 }), 'Unused recovery codes, or null when none were ever made.'),
    },
    { additionalProperties: false },
  ),
};

/** 204 No Content: the default preset's answer to every action that has nothing to report. */
export function formatNoContent(): Reply {
  return { status: 204, body: null };
}

export function noContentAnswer(description: string): AnswerSpec {
  return { status: 204, schema: null, description };
}

export function formatTfaResentDefault({ expiresInSeconds }: { expiresInSeconds: number }): Reply {
  return { body: { sent: true, tfaExpiresInSeconds: expiresInSeconds } };
}

export const tfaResentDefaultAnswer: AnswerSpec = {
  status: 200,
  description: 'A new code was sent; it replaces the previous one. The challenge\'s life is not renewed.',
  schema: Type.Object(
    {
      sent: Type.Literal(true),
      tfaExpiresInSeconds: Type.Integer({ minimum: 0, description: 'Seconds until the challenge and the new code expire.', examples: [270] }),
    },
    { additionalProperties: false },
  ),
};

export function formatTotpEnrolmentDefault({ secret, uri, emailCodeSent }: TotpEnrolment): Reply {
  return { body: { secret, otpauthUri: uri, emailCodeSent } };
}

export const totpEnrolmentDefaultAnswer: AnswerSpec = {
  status: 200,
  description: 'A new authenticator-app secret, not in use until confirmed with a code from the app.',
  schema: Type.Object(
    {
      secret: Type.String({ pattern: '^[A-Z2-7]+=*$', description: 'The base32 secret, for typing into the app.', examples: ['JBSWY3DPEHPK3PXP'] }),
      otpauthUri: Type.String({
        format: 'uri',
        description: 'The otpauth:// URI, for a QR code.',
        examples: ['otpauth://totp/Example:admin?secret=JBSWY3DPEHPK3PXP&issuer=Example&algorithm=SHA1&digits=6&period=30'],
      }),
      emailCodeSent: Type.Boolean({ description: 'True when a code was mailed too: confirming then also needs it (`emailCode`).' }),
    },
    { additionalProperties: false },
  ),
};

export function formatTotpConfirmedDefault(): Reply {
  return { body: { secondFactor: 'TOTP' } };
}

export const totpConfirmedDefaultAnswer: AnswerSpec = {
  status: 200,
  description: 'The authenticator app is confirmed and is now the user\'s second factor.',
  schema: Type.Object({ secondFactor: Type.Literal('TOTP') }, { additionalProperties: false }),
};

export function apiKeySummary(record: ApiKeyRecord): Record<string, unknown> {
  return {
    id: record.id,
    name: record.name,
    key: maskedKey(record),
    roles: record.roles === null ? null : [...record.roles],
    createdAt: record.createdAt.toISOString(),
    expiresAt: isoOrNull(record.expiresAt),
    lastUsedAt: isoOrNull(record.lastUsedAt),
  };
}

const apiKeyProperties = {
  id: Type.String({ description: 'The key\'s id, for deleting it.' }),
  name: Type.String({ description: 'The name its owner gave it.', examples: ['production-api-key'] }),
  key: Type.String({ description: 'The key\'s first characters and an ellipsis; the key itself is shown only once.', examples: ['eak_AbCdEfGh…'] }),
  roles: nullable(Type.Array(Type.String()), 'The roles this key may use (a subset of its owner\'s), or null for all of them.'),
  createdAt: dateTime('When the key was created.'),
  expiresAt: nullable(dateTime('When the key expires.'), 'When the key stops working, or null when it never does.'),
  lastUsedAt: nullable(dateTime('When the key was last used.'), 'When the key was last used, or null if never.'),
};

export const apiKeySummarySchema = named('ApiKey', Type.Object(apiKeyProperties, { additionalProperties: false, description: 'An API key, masked.' }));

export function formatApiKeyCreatedDefault({ record, key }: ApiKeyCreated): Reply {
  return { status: 201, body: { ...apiKeySummary(record), key } };
}

export const apiKeyCreatedDefaultAnswer: AnswerSpec = {
  status: 201,
  description: 'The new key. `key` is the key itself, shown this once: it is stored only as a hash.',
  schema: Type.Object(
    {
      ...apiKeyProperties,
      key: Type.String({ description: 'The key: send it as `Authorization: Bearer`. Shown only now.', examples: ['eak_AbCdEfGhIjKlMnOpQrStUvWxYz012345'] }),
    },
    { additionalProperties: false },
  ),
};

export function formatApiKeyListDefault(records: ApiKeyRecord[]): Reply {
  return { body: records.map(apiKeySummary) };
}

export const apiKeyListDefaultAnswer: AnswerSpec = {
  status: 200,
  description: 'The caller\'s API keys, masked.',
  schema: Type.Array(apiKeySummarySchema),
};

export function formatErrorDefault(error: AuthError): Reply {
  return { status: error.status, body: { error: error.code, message: error.message } };
}

export const errorDefaultSchema = named(
  'Error',
  Type.Object(
    { error: errorCodeSchema, message: errorMessageSchema },
    { additionalProperties: false, description: 'A refusal: the stable code and a message; the status is the code\'s.' },
  ),
);

// ---- the account lifecycle (sessions, reset, recovery codes) ----

const clientSchema = named(
  'Client',
  Type.Object(
    {
      userAgent: nullable(Type.String({ maxLength: 200, examples: ['Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'] }), 'The user agent, cut to 200 characters.'),
      network: nullable(Type.String({ examples: ['203.0.113.0/24'] }), 'The network it came from: its IPv4 /24 or IPv6 /56.'),
    },
    { additionalProperties: false, description: 'The client that logged in (or was trusted), as far as it can be told.' },
  ),
);

const sessionSchema = named(
  'Session',
  Type.Object(
    {
      id: Type.String({ description: 'The session id, for DELETE …/sessions/{id}.', examples: ['s_3q2Xk9vR7mWb'] }),
      createdAt: dateTime('When the session was opened (the login).'),
      lastUsedAt: dateTime('When a token of the session was last refreshed (or the login, before any refresh).'),
      client: clientSchema,
      current: Type.Boolean({ description: 'Whether this is the session of the token that asked.' }),
    },
    { additionalProperties: false, description: 'One open session: one login (device) and its refresh tokens.' },
  ),
);

export function formatSessionListDefault(sessions: readonly SessionInfo[]): Reply {
  return {
    body: {
      sessions: sessions.map((session) => ({
        id: session.id,
        createdAt: session.createdAt.toISOString(),
        lastUsedAt: session.lastUsedAt.toISOString(),
        client: { userAgent: session.client.userAgent, network: session.client.network },
        current: session.current,
      })),
    },
  };
}

export const sessionListDefaultAnswer: AnswerSpec = {
  status: 200,
  schema: Type.Object({ sessions: Type.Array(sessionSchema) }, { additionalProperties: false }),
  description: "The caller's open sessions, newest first.",
};

export function formatAcceptedNoContent(): Reply {
  return { status: 202, body: null };
}

export const passwordResetRequestedDefaultAnswer: AnswerSpec = {
  status: 202,
  schema: null,
  description: 'Accepted, whether or not the address belongs to an account: a known, enabled one is mailed a reset link.',
};

export const registrationAcceptedDefaultAnswer: AnswerSpec = {
  status: 202,
  schema: null,
  description: 'Accepted, whether or not the address already has an account: a new one is mailed a verification link, a taken one a notice.',
};

export const registrationVerifiedDefaultAnswer: AnswerSpec = {
  status: 204,
  schema: null,
  description: 'The address is verified: the user can log in.',
};

export function formatRecoveryCodesDefault({ codes }: RecoveryCodes): Reply {
  return { body: { codes: [...codes] } };
}

export const recoveryCodesDefaultAnswer: AnswerSpec = {
  status: 200,
  schema: Type.Object(
    { codes: Type.Array(Type.String({ examples: ['7KQ4-M2XP-9WDF'] }), { minItems: 10, maxItems: 10, description: 'Shown this once; each works once.' }) },
    { additionalProperties: false },
  ),
  description: 'A new set of ten recovery codes, replacing any earlier set.',
};

// ---- trusted devices ----

const trustedDeviceSchema = named(
  'TrustedDevice',
  Type.Object(
    {
      id: Type.String({ description: 'The trusted device\'s id.' }),
      createdAt: dateTime('When the device was trusted (the second factor that asked for it).'),
      lastUsedAt: dateTime('When it last stood in for the second factor (or when it was trusted).'),
      expiresAt: dateTime('When the trust ends by itself.'),
      client: clientSchema,
      current: Type.Boolean({ description: 'Whether this is the browser that asked (its trusted-device cookie).' }),
    },
    { additionalProperties: false, description: 'A browser that skips the second factor at login.' },
  ),
);

export function formatTrustedDeviceListDefault(devices: readonly TrustedDeviceInfo[]): Reply {
  return {
    body: {
      trustedDevices: devices.map((device) => ({
        id: device.id,
        createdAt: device.createdAt.toISOString(),
        lastUsedAt: device.lastUsedAt.toISOString(),
        expiresAt: device.expiresAt.toISOString(),
        client: { userAgent: device.client.userAgent, network: device.client.network },
        current: device.current,
      })),
    },
  };
}

export const trustedDeviceListDefaultAnswer: AnswerSpec = {
  status: 200,
  schema: Type.Object({ trustedDevices: Type.Array(trustedDeviceSchema) }, { additionalProperties: false }),
  description: "The caller's trusted devices, newest first.",
};

export const TRUSTED_DEVICES_ENDED_DESCRIPTION = 'Every trusted device of the caller was ended: the next login from any browser asks for the second factor.';
