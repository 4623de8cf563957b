// datarhei Core's wire format (seed 004): POST /api/login (password or an identity provider's JWT), GET /api/login/refresh.
import { Type } from '@sinclair/typebox';
import {
  accountDefaultAnswer,
  apiKeyCreatedDefaultAnswer,
  apiKeyListDefaultAnswer,
  challengeDefaultAnswer,
  COMMON_DEFAULTS,
  errorCodeSchema,
  errorMessageSchema,
  formatAcceptedNoContent,
  formatAccountDefault,
  formatApiKeyCreatedDefault,
  formatApiKeyListDefault,
  formatChallengeDefault,
  formatLoginStatusDefault,
  formatNoContent,
  formatRecoveryCodesDefault,
  formatSessionListDefault,
  formatTfaResentDefault,
  formatTotpConfirmedDefault,
  formatTotpEnrolmentDefault,
  jwt,
  loginStatusDefaultAnswer,
  NO_ROUTES,
  noContentAnswer,
  passwordResetRequestedDefaultAnswer,
  recoveryCodesDefaultAnswer,
  registrationAcceptedDefaultAnswer,
  registrationVerifiedDefaultAnswer,
  sessionListDefaultAnswer,
  formatTrustedDeviceListDefault,
  trustedDeviceListDefaultAnswer,
  TRUSTED_DEVICES_ENDED_DESCRIPTION,
  tfaResentDefaultAnswer,
  totpConfirmedDefaultAnswer,
  totpEnrolmentDefaultAnswer,
} from './shared';
import { definePreset, type Preset, type RefreshSuccess, type Reply } from './types';

/** `{ access_token, refresh_token? }`: the login's answer, and the refresh's (with `refresh_token` only when rotating). */
function formatTokens({ access, refresh }: RefreshSuccess): Reply {
  return { body: { access_token: access.token, ...(refresh ? { refresh_token: refresh.token } : {}) } };
}

const accessTokenSchema = jwt('The access JWT for the /api/v3/ calls; its `exp` claim holds the expiry, `exi` the seconds it lasts.');
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
  login: formatTokens,
  // The answers datarhei Core does not have are the default preset's, named.
  challenge: formatChallengeDefault,
  refreshed: formatTokens,
  loginStatus: formatLoginStatusDefault,
  account: formatAccountDefault,
  passwordChanged: formatNoContent,
  loggedOut: formatNoContent,
  tfaResent: formatTfaResentDefault,
  totpEnrolment: formatTotpEnrolmentDefault,
  totpConfirmed: formatTotpConfirmedDefault,
  apiKeyCreated: formatApiKeyCreatedDefault,
  apiKeyList: formatApiKeyListDefault,
  apiKeyDeleted: formatNoContent,
  // datarhei Core's error body: the HTTP status as `code`, a message, and details (here: our stable error code).
  sessionList: formatSessionListDefault,
  sessionEnded: formatNoContent,
  passwordResetRequested: formatAcceptedNoContent,
  passwordReset: formatNoContent,
  recoveryCodes: formatRecoveryCodesDefault,
  registrationAccepted: formatAcceptedNoContent,
  registrationVerified: formatNoContent,
  trustedDeviceList: formatTrustedDeviceListDefault,
  trustedDevicesEnded: formatNoContent,
  error: (error) => ({ status: error.status, body: { code: error.status, message: error.message, details: [error.code] } }),
  answers: {
    login: {
      status: 200,
      description: 'Valid JWT access and refresh tokens to use for accessing the API.',
      schema: Type.Object(
        // Both, unless the host turns refresh tokens off (`refresh: { issue: false }`): then no `refresh_token`.
        { access_token: accessTokenSchema, refresh_token: Type.Optional(refreshTokenSchema) },
        { additionalProperties: false },
      ),
    },
    challenge: challengeDefaultAnswer,
    refreshed: {
      status: 200,
      description: 'A new access token; `refresh_token` too only when rotation is turned on (`refresh: { rotate: true }`).',
      schema: Type.Object(
        { access_token: accessTokenSchema, refresh_token: Type.Optional(refreshTokenSchema) },
        { additionalProperties: false },
      ),
    },
    loginStatus: loginStatusDefaultAnswer,
    account: accountDefaultAnswer,
    passwordChanged: noContentAnswer('The password was changed; every session of the user has ended.'),
    loggedOut: noContentAnswer('The session (or every session) has ended.'),
    tfaResent: tfaResentDefaultAnswer,
    totpEnrolment: totpEnrolmentDefaultAnswer,
    totpConfirmed: totpConfirmedDefaultAnswer,
    apiKeyCreated: apiKeyCreatedDefaultAnswer,
    apiKeyList: apiKeyListDefaultAnswer,
    apiKeyDeleted: noContentAnswer('The key was deleted and stops working at once.'),
    sessionList: sessionListDefaultAnswer,
    sessionEnded: noContentAnswer('The session has ended: its tokens stop working.'),
    passwordResetRequested: passwordResetRequestedDefaultAnswer,
    passwordReset: noContentAnswer('The password was reset; every session of the user has ended.'),
    recoveryCodes: recoveryCodesDefaultAnswer,
    registrationAccepted: registrationAcceptedDefaultAnswer,
    registrationVerified: registrationVerifiedDefaultAnswer,
    trustedDeviceList: trustedDeviceListDefaultAnswer,
    trustedDevicesEnded: noContentAnswer(TRUSTED_DEVICES_ENDED_DESCRIPTION),
  },
  errorSchema: Type.Object(
    {
      code: Type.Integer({ minimum: 400, maximum: 599, description: 'The HTTP status.', examples: [401] }),
      message: errorMessageSchema,
      details: Type.Array(errorCodeSchema, { minItems: 1, maxItems: 1, description: 'The stable machine code of the error.' }),
    },
    { additionalProperties: false, description: 'An error: missing credentials 400, bad ones 401.' },
  ),
});
