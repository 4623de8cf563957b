// Storm Streaming Server's wire format (seed 002): POST /api/auth/login, `{ data, meta, message }`, 900 s tokens.
import { COMMON_DEFAULTS, NO_ROUTES } from './shared';
import { defaultPreset } from './default';
import type { AuthErrorCode } from '../errors';
import type { Preset, ReplyContext } from './types';

const SUCCESS = 'Authentication successful';

/** Storm's own wording where its documentation gives one. */
const STORM_MESSAGES: Partial<Record<AuthErrorCode, string>> = {
  invalid_credentials: 'Username or password is incorrect',
  rate_limited: 'Too many login attempts, please try again later',
};

function meta(context: ReplyContext): { executionTime: number; generatedAt: number } {
  return { executionTime: Math.max(0, context.now - context.startedAt), generatedAt: context.now };
}

export const stormPreset: Preset = {
  ...defaultPreset,
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
  login: ({ user, access }, context) => ({
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
  challenge: ({ method, challenge, expiresInSeconds }, context) => ({
    body: {
      data: { challengeToken: challenge.token, tokenType: 'Bearer', method, expiresIn: expiresInSeconds },
      meta: meta(context),
      message: 'Verification code required',
    },
  }),
  passwordChanged: () => ({ body: { message: 'Password changed' } }),
  error: (error) => ({ status: error.status, body: { message: STORM_MESSAGES[error.code] ?? error.message } }),
};
