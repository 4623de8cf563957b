// Storm Streaming Server's wire format (seed 002): POST /api/auth/login, `{ data, meta, message }`, 900 s tokens.
import { Type, type TObject, type TSchema } from '@sinclair/typebox';
import { COMMON_DEFAULTS, jwt, NO_ROUTES, secondFactorMethodSchema } from './helpers';
import { defaultAnswers } from './default';
import type { AuthErrorCode } from '../errors';
import { definePreset, type Preset, type ReplyContext } from './types';

const SUCCESS = 'Authentication successful';

/** Storm's own wording where its documentation gives one. */
const STORM_MESSAGES: Partial<Record<AuthErrorCode, string>> = {
  invalid_credentials: 'Username or password is incorrect',
  rate_limited: 'Too many login attempts, please try again later',
};

function meta(context: ReplyContext): { executionTime: number; generatedAt: number } {
  return { executionTime: Math.max(0, context.now - context.startedAt), generatedAt: context.now };
}

/** Storm's envelope (seed 002, "Response Body"): the answer's `data`, timing `meta`, and the main status `message`. */
function envelope(data: TSchema, message: string): TObject {
  return Type.Object(
    {
      data,
      meta: Type.Object(
        {
          executionTime: Type.Integer({
            minimum: 0,
            description: 'Request processing time in milliseconds.',
            examples: [9],
          }),
          generatedAt: Type.Integer({
            description: 'Response generation timestamp (Unix timestamp in ms).',
            examples: [1763637178918],
          }),
        },
        { additionalProperties: false },
      ),
      message: Type.String({ description: 'Main response status message.', examples: [message] }),
    },
    { additionalProperties: false },
  );
}

export const stormPreset: Preset = definePreset({
  name: 'storm',
  mountPath: '/api',
  routes: {
    ...NO_ROUTES,
    login: '/auth/login',
    changePassword: '/auth/change-password',
    tfaVerify: '/auth/tfa/verify',
    tfaResend: '/auth/tfa/resend',
  },
  defaults: {
    ...COMMON_DEFAULTS,
    accessTokenTtl: 900,
    rememberMeTtl: 900,
    issueRefreshTokens: false,
    // "Maximum 5 login attempts per minute per IP address."
    rateLimit: { limit: 5, windowSeconds: 60 },
  },
  bareAuthorization: false,
  answers: {
    login: {
      status: 200,
      description: 'Authentication successful: a JWT to authorize subsequent requests.',
      schema: envelope(
        Type.Object(
          {
            accessToken: jwt('JWT access token for authorizing subsequent requests.'),
            tokenType: Type.Literal('Bearer', { description: 'Token type (always "Bearer").' }),
            expireDate: Type.Integer({
              description: 'Token expiration date (Unix timestamp in ms).',
              examples: [1763638078917],
            }),
            remainingTime: Type.Integer({
              minimum: 0,
              description: 'Token validity time remaining in milliseconds.',
              examples: [899999],
            }),
            username: Type.String({ description: 'Username of the authenticated user.', examples: ['john.doe'] }),
            message: Type.String({ description: 'Message confirming successful authentication.', examples: [SUCCESS] }),
          },
          { additionalProperties: false },
        ),
        SUCCESS,
      ),
      format: ({ user, access }, context) => ({
        body: {
          data: {
            accessToken: access.token,
            tokenType: 'Bearer',
            expireDate: access.expiresAt * 1000,
            remainingTime: Math.max(0, access.expiresAt * 1000 - context.now),
            username: user.login,
            message: SUCCESS,
          },
          meta: meta(context),
          message: SUCCESS,
        },
      }),
    },
    challenge: {
      status: 200,
      description: 'The password was right and a second factor is required: finish at /api/auth/tfa/verify.',
      schema: envelope(
        Type.Object(
          {
            challengeToken: jwt('A token good only for the second-factor routes: send it as `Authorization: Bearer`.'),
            tokenType: Type.Literal('Bearer'),
            method: secondFactorMethodSchema,
            expiresIn: Type.Integer({
              minimum: 0,
              description: 'Seconds until the challenge (and its code) expires.',
              examples: [300],
            }),
          },
          { additionalProperties: false },
        ),
        'Verification code required',
      ),
      format: ({ method, challenge, expiresInSeconds }, context) => ({
        body: {
          data: { challengeToken: challenge.token, tokenType: 'Bearer', method, expiresIn: expiresInSeconds },
          meta: meta(context),
          message: 'Verification code required',
        },
      }),
    },
    // Storm documents only its login. The answers below are the default preset's, named: for the routes this preset
    // serves (change password's `{ message }` aside) and for any a host adds.
    refreshed: defaultAnswers.refreshed,
    loginStatus: defaultAnswers.loginStatus,
    account: defaultAnswers.account,
    passwordChanged: {
      status: 200,
      description: 'The password was changed; every session of the user has ended.',
      schema: Type.Object(
        { message: Type.String({ description: 'Main response status message.', examples: ['Password changed'] }) },
        { additionalProperties: false },
      ),
      format: () => ({ body: { message: 'Password changed' } }),
    },
    loggedOut: defaultAnswers.loggedOut,
    // The default body, not Storm's envelope: Storm documents no resend, and its other answer beyond the login
    // (change password) is not enveloped either.
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
  error: {
    schema: Type.Object(
      {
        message: Type.String({
          description: 'Human-readable error message.',
          examples: ['Username or password is incorrect'],
        }),
      },
      { additionalProperties: false, description: 'Error response (4xx/5xx).' },
    ),
    format: (error) => ({ body: { message: STORM_MESSAGES[error.code] ?? error.message } }),
  },
});
