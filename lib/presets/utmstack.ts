// UTMStack's wire format (seeds 000, 001): POST/GET /api/authenticate, GET /api/account, emailed second factor.
import { COMMON_DEFAULTS, NO_ROUTES } from './shared';
import { defaultPreset } from './default';
import type { Preset } from './types';

/** JHipster numbers its users; a numeric id is sent as a number, as UTMStack's clients expect. */
function jhipsterId(id: string): string | number {
  return /^\d{1,15}$/.test(id) ? Number(id) : id;
}

export const utmstackPreset: Preset = {
  ...defaultPreset,
  name: 'utmstack',
  mountPath: '/api',
  routes: {
    ...NO_ROUTES,
    login: '/authenticate',
    loginStatus: '/authenticate',
    account: '/account',
    // JHipster's change-password path; also how a user with an expired password sets a new one.
    changePassword: '/account/change-password',
    tfaVerify: '/tfa/verify',
    tfaResend: '/tfa/resend',
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
  },
  login: ({ user, access, firstLogin }, { forceSecondFactor }) => ({
    headers: { Authorization: `Bearer ${access.token}` },
    body: {
      token: access.token,
      success: true,
      authenticated: true,
      method: null,
      tfaConfigured: Boolean(user.secondFactor),
      forceTfa: forceSecondFactor,
      tfaExpiresInSeconds: 0,
      firstLogin,
    },
  }),
  challenge: ({ user, method, challenge, expiresInSeconds, firstLogin }, { forceSecondFactor }) => ({
    body: {
      token: challenge.token,
      success: false,
      authenticated: false,
      method,
      tfaConfigured: Boolean(user.secondFactor),
      forceTfa: forceSecondFactor,
      tfaExpiresInSeconds: expiresInSeconds,
      firstLogin,
    },
  }),
  // GET /api/authenticate answers the login as plain text.
  loginStatus: (user) => ({ body: user.login }),
  account: (user) => ({
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
  passwordChanged: () => ({ status: 200, body: null }),
  loggedOut: () => ({ status: 200, body: null }),
};
