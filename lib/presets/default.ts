// Our own wire format: plain camelCase JSON, `{ error, message }` errors, refresh tokens with rotation. Its answers
// are records like every preset's; presets that answer some things as we do name those records (`defaultAnswers.x`).
import { Type } from '@sinclair/typebox';
import { COMMON_DEFAULTS, dateTime, emptyAnswer, jwt, nullable, secondFactorMethodSchema, isoOrNull } from './helpers';
import {
  apiKeyProperties,
  apiKeySummary,
  apiKeySummarySchema,
  errorDefaultSchema,
  publicUser,
  sessionSchema,
  sessionSummary,
  sessionTokenProperties,
  sessionTokens,
  trustedDeviceSchema,
  trustedDeviceSummary,
  userProperties,
  userSchema,
} from './schemas';
import { definePreset, type ErrorAnswer, type Preset, type PresetAnswers } from './types';

/** Our error body: the stable code and a message. */
export const defaultError: ErrorAnswer = {
  schema: errorDefaultSchema,
  format: (error) => ({ body: { error: error.code, message: error.message } }),
};

export const defaultAnswers: PresetAnswers = {
  login: {
    status: 200,
    description: 'Logged in: an access token, a refresh token when the preset issues them, and the user.',
    schema: Type.Object(
      {
        ...sessionTokenProperties,
        firstLogin: Type.Boolean({ description: "Whether this is the user's first login." }),
        user: userSchema,
      },
      { additionalProperties: false },
    ),
    format: (result) => ({
      body: { ...sessionTokens(result), firstLogin: result.firstLogin, user: publicUser(result.user) },
    }),
  },
  challenge: {
    status: 200,
    description: 'The password was right and a second factor is required: finish at the second-factor route.',
    schema: Type.Object(
      {
        tfaRequired: Type.Literal(true),
        method: secondFactorMethodSchema,
        challengeToken: jwt('A token good only for the second-factor routes: send it as `Authorization: Bearer`.'),
        expiresIn: Type.Integer({
          minimum: 0,
          description: 'Seconds until the challenge (and its code) expires.',
          examples: [300],
        }),
      },
      { additionalProperties: false },
    ),
    format: ({ method, challenge, expiresInSeconds }) => ({
      body: { tfaRequired: true, method, challengeToken: challenge.token, expiresIn: expiresInSeconds },
    }),
  },
  refreshed: {
    status: 200,
    description: 'A new access token, and the next refresh token when rotation is on.',
    schema: Type.Object(sessionTokenProperties, { additionalProperties: false }),
    format: (result) => ({ body: sessionTokens(result) }),
  },
  loginStatus: {
    status: 200,
    description: 'Who the credential belongs to, and what it may do.',
    schema: Type.Object(
      {
        login: Type.String({ description: 'The login name.', examples: ['admin'] }),
        authorities: Type.Array(Type.String(), {
          description: "The authorities this credential may use (an API key's may be fewer than its owner's).",
        }),
        method: Type.Union([Type.Literal('token'), Type.Literal('apiKey')], {
          description: 'How the request authenticated.',
        }),
      },
      { additionalProperties: false },
    ),
    format: ({ user, auth }) => ({
      body: { login: user.login, authorities: [...auth.authorities], method: auth.method },
    }),
  },
  account: {
    status: 200,
    description: "The current user's account.",
    schema: Type.Object(
      {
        ...userProperties,
        firstName: nullable(Type.String(), 'The first name, or null.'),
        lastName: nullable(Type.String(), 'The last name, or null.'),
        imageUrl: nullable(Type.String(), "The URL of the user's picture, as stored, or null."),
        langKey: nullable(Type.String(), 'The preferred language (e.g. "en"), or null.'),
        activated: Type.Boolean({ description: 'False for a disabled user.' }),
        secondFactor: nullable(secondFactorMethodSchema, 'The second factor the user has turned on, or null for none.'),
        passwordExpiresAt: nullable(
          dateTime('When the password expires.'),
          'When the password stops being accepted, or null when it never does.',
        ),
        recoveryCodesRemaining: nullable(
          Type.Integer({ minimum: 0, maximum: 10 }),
          'Unused recovery codes, or null when none were ever made.',
        ),
      },
      { additionalProperties: false },
    ),
    format: (user) => ({
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
    }),
  },
  passwordChanged: emptyAnswer(204, 'The password was changed; every session of the user has ended.'),
  loggedOut: emptyAnswer(204, 'The session (or every session) has ended.'),
  tfaResent: {
    status: 200,
    description: "A new code was sent; it replaces the previous one. The challenge's life is not renewed.",
    schema: Type.Object(
      {
        sent: Type.Literal(true),
        tfaExpiresInSeconds: Type.Integer({
          minimum: 0,
          description: 'Seconds until the challenge and the new code expire.',
          examples: [270],
        }),
      },
      { additionalProperties: false },
    ),
    format: ({ expiresInSeconds }) => ({ body: { sent: true, tfaExpiresInSeconds: expiresInSeconds } }),
  },
  totpEnrolment: {
    status: 200,
    description: 'A new authenticator-app secret, not in use until confirmed with a code from the app.',
    schema: Type.Object(
      {
        secret: Type.String({
          pattern: '^[A-Z2-7]+=*$',
          description: 'The base32 secret, for typing into the app.',
          examples: ['JBSWY3DPEHPK3PXP'],
        }),
        otpauthUri: Type.String({
          format: 'uri',
          description: 'The otpauth:// URI, for a QR code.',
          examples: [
            'otpauth://totp/Example:admin?secret=JBSWY3DPEHPK3PXP&issuer=Example&algorithm=SHA1&digits=6&period=30',
          ],
        }),
        emailCodeSent: Type.Boolean({
          description: 'True when a code was mailed too: confirming then also needs it (`emailCode`).',
        }),
      },
      { additionalProperties: false },
    ),
    format: ({ secret, uri, emailCodeSent }) => ({ body: { secret, otpauthUri: uri, emailCodeSent } }),
  },
  totpConfirmed: {
    status: 200,
    description: "The authenticator app is confirmed and is now the user's second factor.",
    schema: Type.Object({ secondFactor: Type.Literal('TOTP') }, { additionalProperties: false }),
    format: () => ({ body: { secondFactor: 'TOTP' } }),
  },
  apiKeyCreated: {
    status: 201,
    description: 'The new key. `key` is the key itself, shown this once: it is stored only as a hash.',
    schema: Type.Object(
      {
        ...apiKeyProperties,
        key: Type.String({
          description: 'The key: send it as `Authorization: Bearer`. Shown only now.',
          examples: ['eak_AbCdEfGhIjKlMnOpQrStUvWxYz012345'],
        }),
      },
      { additionalProperties: false },
    ),
    format: ({ record, key }) => ({ body: { ...apiKeySummary(record), key } }),
  },
  apiKeyList: {
    status: 200,
    description: "The caller's API keys, masked.",
    schema: Type.Array(apiKeySummarySchema),
    format: (records) => ({ body: records.map(apiKeySummary) }),
  },
  apiKeyDeleted: emptyAnswer(204, 'The key was deleted and stops working at once.'),
  sessionList: {
    status: 200,
    schema: Type.Object({ sessions: Type.Array(sessionSchema) }, { additionalProperties: false }),
    description: "The caller's open sessions, newest first.",
    format: (sessions) => ({ body: { sessions: sessions.map(sessionSummary) } }),
  },
  sessionEnded: emptyAnswer(204, 'The session has ended: its tokens stop working.'),
  passwordResetRequested: emptyAnswer(
    202,
    'Accepted, whether or not the address belongs to an account: a known, enabled one is mailed a reset link.',
  ),
  passwordReset: emptyAnswer(204, 'The password was reset; every session of the user has ended.'),
  recoveryCodes: {
    status: 200,
    schema: Type.Object(
      {
        codes: Type.Array(Type.String({ examples: ['7KQ4-M2XP-9WDF'] }), {
          minItems: 10,
          maxItems: 10,
          description: 'Shown this once; each works once.',
        }),
      },
      { additionalProperties: false },
    ),
    description: 'A new set of ten recovery codes, replacing any earlier set.',
    format: ({ codes }) => ({ body: { codes: [...codes] } }),
  },
  registrationAccepted: emptyAnswer(
    202,
    'Accepted, whether or not the address already has an account: a new one is mailed a verification link, a taken one a notice.',
  ),
  registrationVerified: emptyAnswer(204, 'The address is verified: the user can log in.'),
  trustedDeviceList: {
    status: 200,
    schema: Type.Object({ trustedDevices: Type.Array(trustedDeviceSchema) }, { additionalProperties: false }),
    description: "The caller's trusted devices, newest first.",
    format: (devices) => ({ body: { trustedDevices: devices.map(trustedDeviceSummary) } }),
  },
  trustedDevicesEnded: emptyAnswer(
    204,
    'Every trusted device of the caller was ended: the next login from any browser asks for the second factor.',
  ),
};

export const defaultPreset: Preset = definePreset({
  name: 'default',
  mountPath: '/auth',
  routes: {
    login: '/login',
    loginStatus: '/session',
    account: '/account',
    changePassword: '/account/password',
    tfaVerify: '/tfa/verify',
    tfaResend: '/tfa/resend',
    tfaVerifyByQuery: null,
    tfaVerifyRawBody: null,
    tfaResendByGet: null,
    totpEnroll: '/tfa/totp/enroll',
    totpConfirm: '/tfa/totp/confirm',
    refresh: '/token/refresh',
    refreshMethod: 'post',
    logout: '/logout',
    logoutAll: '/logout/all',
    apiKeyCreate: '/api-keys',
    apiKeyList: '/api-keys',
    apiKeyDeleteById: '/api-keys/:id',
    apiKeyDeleteByText: null,
    sessions: '/sessions',
    sessionEnd: '/sessions/:id',
    passwordForgot: '/password/forgot',
    passwordReset: '/password/reset',
    recoveryCodes: '/tfa/recovery-codes',
    // bfore.ai's token routes: POST /logout and /account/password cover them here.
    logoutToken: null,
    tokenRenew: null,
    tokenIssue: null,
    passwordChangeByLogin: null,
    register: '/register',
    registerVerify: '/register/verify',
    registerResend: '/register/resend',
    passkeyRegisterOptions: '/passkeys/register/options',
    passkeyRegister: '/passkeys/register',
    passkeyList: '/passkeys',
    passkeyRename: '/passkeys/:id',
    passkeyDelete: '/passkeys/:id',
    passkeyLoginOptions: '/passkeys/login/options',
    passkeyLogin: '/passkeys/login',
    trustedDevices: '/trusted-devices',
  },
  // Our own API: short tokens (HS256 under 256 characters for a short user id), no product client reads more.
  defaults: { ...COMMON_DEFAULTS, leanAccessTokens: true },
  bareAuthorization: false,
  answers: defaultAnswers,
  error: defaultError,
});
