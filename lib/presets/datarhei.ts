// datarhei Core's wire format (seed 004): POST /api/login (password or an identity provider's JWT), GET /api/login/refresh.
import { Type } from '@sinclair/typebox';
import { COMMON_DEFAULTS, errorCodeSchema, errorMessageSchema, jwt, NO_ROUTES } from './helpers';
import { defaultAnswers } from './default';
import { definePreset, type AnswerBody, type Preset, type RefreshSuccess } from './types';

/** `{ access_token, refresh_token? }`: the login's answer, and the refresh's (with `refresh_token` only when rotating). */
function formatTokens({ access, refresh }: RefreshSuccess): AnswerBody {
  return { body: { access_token: access.token, ...(refresh ? { refresh_token: refresh.token } : {}) } };
}

const accessTokenSchema = jwt(
  'The access JWT for the /api/v3/ calls; its `exp` claim holds the expiry, `exi` the seconds it lasts.',
);
const refreshTokenSchema = jwt('The refresh JWT, for GET /api/login/refresh.');

export const datarheiPreset: Preset = definePreset({
  name: 'datarhei',
  mountPath: '/api',
  routes: {
    ...NO_ROUTES,
    login: '/login',
    refresh: '/login/refresh',
    refreshMethod: 'get',
    // datarhei Core has no second factor; these let a user who has one finish logging in (default preset's shape).
    tfaVerify: '/login/tfa/verify',
    tfaResend: '/login/tfa/resend',
    logout: '/login/logout',
    logoutAll: '/login/logout-all',
  },
  defaults: {
    ...COMMON_DEFAULTS,
    issuer: 'datarhei-core',
    accessTokenTtl: '10m',
    rememberMeTtl: '10m',
    refreshTokenTtl: '24h',
    // The product re-uses one refresh token for its whole day and its clients never expect a new one, so rotation is
    // off by default here. The trade-off: a stolen refresh token works for the rest of its 24 hours, and reuse cannot
    // be detected. `refresh: { rotate: true }` turns rotation on; the refresh answer then carries `refresh_token` too.
    rotateRefreshTokens: false,
    // datarhei Core's claims carry the username as `sub`.
    subjectClaim: 'login',
  },
  bareAuthorization: false,
  answers: {
    login: {
      status: 200,
      description: 'Valid JWT access and refresh tokens to use for accessing the API.',
      schema: Type.Object(
        // Both, unless the host turns refresh tokens off (`refresh: { issue: false }`): then no `refresh_token`.
        { access_token: accessTokenSchema, refresh_token: Type.Optional(refreshTokenSchema) },
        { additionalProperties: false },
      ),
      format: formatTokens,
    },
    // The answers datarhei Core does not have are the default preset's, named.
    challenge: defaultAnswers.challenge,
    refreshed: {
      status: 200,
      description:
        'A new access token; `refresh_token` too only when rotation is turned on (`refresh: { rotate: true }`).',
      schema: Type.Object(
        { access_token: accessTokenSchema, refresh_token: Type.Optional(refreshTokenSchema) },
        { additionalProperties: false },
      ),
      format: formatTokens,
    },
    loginStatus: defaultAnswers.loginStatus,
    account: defaultAnswers.account,
    passwordChanged: defaultAnswers.passwordChanged,
    loggedOut: defaultAnswers.loggedOut,
    tfaResent: defaultAnswers.tfaResent,
    totpEnrolment: defaultAnswers.totpEnrolment,
    totpConfirmed: defaultAnswers.totpConfirmed,
    apiKeyCreated: defaultAnswers.apiKeyCreated,
    apiKeyList: defaultAnswers.apiKeyList,
    apiKeyDeleted: defaultAnswers.apiKeyDeleted,
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
  // datarhei Core's error body: the HTTP status as `code`, a message, and details (here: our stable error code).
  error: {
    schema: Type.Object(
      {
        code: Type.Integer({ minimum: 400, maximum: 599, description: 'The HTTP status.', examples: [401] }),
        message: errorMessageSchema,
        details: Type.Array(errorCodeSchema, {
          minItems: 1,
          maxItems: 1,
          description: 'The stable machine code of the error.',
        }),
      },
      { additionalProperties: false, description: 'An error: missing credentials 400, bad ones 401.' },
    ),
    format: (error) => ({ body: { code: error.status, message: error.message, details: [error.code] } }),
  },
});
