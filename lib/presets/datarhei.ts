// datarhei Core's wire format (seed 004): POST /api/login (password or an identity provider's JWT), GET /api/login/refresh.
import { COMMON_DEFAULTS, NO_ROUTES } from './shared';
import { defaultPreset } from './default';
import type { Preset } from './types';

export const datarheiPreset: Preset = {
  ...defaultPreset,
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
  },
  login: ({ access, refresh }) => ({
    body: { access_token: access.token, ...(refresh ? { refresh_token: refresh.token } : {}) },
  }),
  refreshed: ({ access, refresh }) => ({
    body: { access_token: access.token, ...(refresh ? { refresh_token: refresh.token } : {}) },
  }),
  error: (error) => ({ status: error.status, body: { code: error.status, message: error.message, details: [error.code] } }),
};
