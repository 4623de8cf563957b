// UTMStack's wire format (seeds 000, 001): POST/GET /api/authenticate, GET /api/account, emailed second factor.
import { Type } from '@sinclair/typebox';
import {
  authoritiesSchema,
  COMMON_DEFAULTS,
  emptyAnswer,
  jwt,
  NO_ROUTES,
  nullable,
  secondFactorMethodSchema,
} from './helpers';
import { defaultAnswers, defaultError } from './default';
import { definePreset, type Preset } from './types';

/** JHipster numbers its users; a numeric id is sent as a number, as UTMStack's clients expect. */
function jhipsterId(id: string): string | number {
  return /^\d{1,15}$/.test(id) ? Number(id) : id;
}

/**
 * The `X-UtmStack-error` header UTMStack's backend puts on every failure (JHipster's `HeaderUtil.createFailureAlert`,
 * through `UtilResponse.buildErrorResponse`): the controller's context and the failure. UTMStack's login page reads it
 * on every failed login (and throws when it is missing); a value containing "UserJWTController.authorize: blocked" shows
 * its "Login blocked" message, anything else "Login fail". Printable ASCII only: a header carries no user input.
 */
function utmstackErrorHeader(code: string, message: string): string {
  let text: string;
  if (code === 'invalid_credentials') text = 'UserJWTController.authorize: Bad credentials';
  else if (code === 'login_blocked') text = `UserJWTController.authorize: blocked: ${message}`;
  else text = `${code}: ${message}`;
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 300);
}

/** A 200 with no body: JHipster's answer to an action that has nothing to report. */
const emptyOkAnswer = (description: string) => emptyAnswer(200, description);

// The seed's field descriptions (seed 001, "Response").
const authenticateProperties = {
  tfaConfigured: Type.Boolean({ description: 'Whether two-factor authentication is configured.' }),
  forceTfa: Type.Boolean({ description: 'Whether TFA is required for this login.' }),
  firstLogin: Type.Boolean({ description: "Whether this is the user's first login." }),
};

export const utmstackPreset: Preset = definePreset({
  name: 'utmstack',
  mountPath: '/api',
  routes: {
    ...NO_ROUTES,
    login: '/authenticate',
    // Account recovery as JHipster clients call it: the email as a bare string, then { key, newPassword }.
    passwordForgot: '/account/reset-password/init',
    passwordReset: '/account/reset-password/finish',
    loginStatus: '/authenticate',
    account: '/account',
    // JHipster's change-password path; also how a user with an expired password sets a new one.
    changePassword: '/account/change-password',
    tfaVerify: '/tfa/verify',
    tfaResend: '/tfa/resend',
    // Where UTMStack's own frontends send the code and ask for a new one (docs/presets.md: "UTMStack's own frontends").
    tfaVerifyByQuery: '/tfa/verifyCode',
    tfaVerifyRawBody: '/tfa/verify-code',
    tfaResendByGet: '/tfa/refresh',
    totpEnroll: '/tfa/totp/enroll',
    totpConfirm: '/tfa/totp/confirm',
    logoutAll: '/account/logout-all',
  },
  defaults: {
    ...COMMON_DEFAULTS,
    algorithm: 'HS512',
    accessTokenTtl: '24h',
    rememberMeTtl: '30d',
    // UTMStack issues no refresh tokens: a client logs in again when its token expires.
    issueRefreshTokens: false,
    // The seed's token decodes to {"sub":"admin","auth":"ROLE_ADMIN",…}: the login, as JHipster writes it.
    subjectClaim: 'login',
  },
  bareAuthorization: false,
  answers: {
    login: {
      status: 200,
      description: 'Authentication successful. The token is also sent as an `Authorization: Bearer` response header.',
      schema: Type.Object(
        {
          token: jwt('The JWT access token: send it as `Authorization: Bearer`.'),
          id_token: jwt("The same token again, where UTMStack's frontends read it."),
          success: Type.Literal(true, { description: 'Whether authentication was successful.' }),
          authenticated: Type.Literal(true, {
            description: 'Whether the user is now authenticated (false while a second factor is pending).',
          }),
          method: Type.Null({ description: 'Two-factor authentication method: null, none was needed.' }),
          ...authenticateProperties,
          tfaExpiresInSeconds: Type.Literal(0, {
            description: 'TFA challenge expiration time in seconds: 0, no challenge.',
          }),
        },
        { additionalProperties: false },
      ),
      format: ({ user, access, firstLogin }, { forceSecondFactor }) => ({
        headers: { Authorization: `Bearer ${access.token}` },
        body: {
          token: access.token,
          // UTMStack's frontends store `id_token` (the backend's JWTToken); v11+ also reads `token` at login.
          id_token: access.token,
          success: true,
          authenticated: true,
          method: null,
          tfaConfigured: Boolean(user.secondFactor),
          forceTfa: forceSecondFactor,
          tfaExpiresInSeconds: 0,
          firstLogin,
        },
      }),
    },
    challenge: {
      status: 200,
      description:
        'The password was right and a second factor is required: a code was sent; finish at /api/tfa/verify (or ' +
        "/api/tfa/verifyCode, /api/tfa/verify-code, as UTMStack's frontends do).",
      schema: Type.Object(
        {
          token: jwt('A challenge token, good only for the second-factor routes: send it as `Authorization: Bearer`.'),
          id_token: jwt("The same challenge token again, where UTMStack's frontends read it."),
          success: Type.Literal(true, {
            description: "True, as UTMStack's backend answers a challenge: the password was right.",
          }),
          authenticated: Type.Literal(false, {
            description: 'False: complete the second factor with the code sent by email.',
          }),
          method: secondFactorMethodSchema,
          ...authenticateProperties,
          forceTfa: Type.Literal(true, { description: 'True: this login needs the second factor.' }),
          tfaExpiresInSeconds: Type.Integer({
            minimum: 0,
            description: 'TFA challenge expiration time in seconds.',
            examples: [300],
          }),
        },
        { additionalProperties: false },
      ),
      // As UTMStack's backend answers a challenge: success and forceTfa true (v11+'s frontend keeps the method and
      // expiry only when forceTfa is true), authenticated false until the code is verified.
      format: ({ user, method, challenge, expiresInSeconds, firstLogin }) => ({
        body: {
          token: challenge.token,
          id_token: challenge.token,
          success: true,
          authenticated: false,
          method,
          tfaConfigured: Boolean(user.secondFactor),
          forceTfa: true,
          tfaExpiresInSeconds: expiresInSeconds,
          firstLogin,
        },
      }),
    },
    // UTMStack has no refresh route; a host that adds one gets the default preset's answer.
    refreshed: defaultAnswers.refreshed,
    // GET /api/authenticate answers the login as plain text.
    loginStatus: {
      status: 200,
      contentType: 'text/plain',
      description: 'The login of the authenticated user, as text.',
      schema: Type.String({ description: 'The login.', examples: ['admin'] }),
      format: ({ user }) => ({ body: user.login }),
    },
    account: {
      status: 200,
      description: "The current authenticated user's account information.",
      schema: Type.Object(
        {
          id: Type.Union([Type.Integer(), Type.String()], {
            description:
              "The user's id: a number when the store's id is numeric (as JHipster numbers users), else the id as a string.",
            examples: [1],
          }),
          login: Type.String({ examples: ['admin'] }),
          firstName: nullable(Type.String(), 'The first name, or null.'),
          lastName: nullable(Type.String(), 'The last name, or null.'),
          email: Type.String({ examples: ['admin@example.com'] }),
          imageUrl: nullable(Type.String(), "The URL of the user's picture, as stored, or null."),
          activated: Type.Boolean({ description: 'False for a disabled user.' }),
          langKey: Type.String({ description: 'The preferred language; "en" when none is stored.', examples: ['en'] }),
          authorities: authoritiesSchema,
        },
        { additionalProperties: false },
      ),
      format: (user) => ({
        body: {
          id: jhipsterId(user.id),
          login: user.login,
          firstName: user.firstName ?? null,
          lastName: user.lastName ?? null,
          email: user.email,
          imageUrl: user.imageUrl ?? null,
          activated: !user.disabled,
          langKey: user.langKey ?? 'en',
          authorities: [...user.authorities],
        },
      }),
    },
    passwordChanged: emptyOkAnswer('The password was changed; every session of the user has ended.'),
    loggedOut: emptyOkAnswer('Every session of the user has ended.'),
    tfaResent: defaultAnswers.tfaResent,
    totpEnrolment: defaultAnswers.totpEnrolment,
    totpConfirmed: defaultAnswers.totpConfirmed,
    // UTMStack documents no API-key routes; a host that adds them gets the default preset's answers.
    apiKeyCreated: defaultAnswers.apiKeyCreated,
    apiKeyList: defaultAnswers.apiKeyList,
    apiKeyDeleted: defaultAnswers.apiKeyDeleted,
    sessionList: defaultAnswers.sessionList,
    sessionEnded: defaultAnswers.sessionEnded,
    // JHipster answers both steps of a reset with an empty 200.
    passwordResetRequested: emptyOkAnswer(
      'Accepted, whether or not the address belongs to an account: a known, enabled one is mailed a reset key.',
    ),
    passwordReset: emptyOkAnswer('The password was reset; every session of the user has ended.'),
    recoveryCodes: defaultAnswers.recoveryCodes,
    registrationAccepted: defaultAnswers.registrationAccepted,
    registrationVerified: defaultAnswers.registrationVerified,
    trustedDeviceList: defaultAnswers.trustedDeviceList,
    trustedDevicesEnded: defaultAnswers.trustedDevicesEnded,
  },
  // Our error body, with the header UTMStack's login page reads.
  error: {
    schema: defaultError.schema,
    format: (error) => {
      const { body, headers } = defaultError.format(error);
      return { body, headers: { ...headers, 'X-UtmStack-error': utmstackErrorHeader(error.code, error.message) } };
    },
  },
});
