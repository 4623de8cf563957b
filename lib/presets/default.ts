// Our own wire format: plain camelCase JSON, `{ error, message }` errors, refresh tokens with rotation.
import { apiKeySummary, COMMON_DEFAULTS, publicUser } from './shared';
import type { Preset } from './types';

export const defaultPreset: Preset = {
  name: 'default',
  mountPath: '/auth',
  routes: {
    login: '/login',
    loginStatus: '/session',
    account: '/account',
    changePassword: '/account/password',
    tfaVerify: '/tfa/verify',
    tfaResend: '/tfa/resend',
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
  },
  defaults: COMMON_DEFAULTS,
  bareAuthorization: false,
  login: ({ user, access, refresh, firstLogin }) => ({
    body: {
      accessToken: access.token,
      tokenType: 'Bearer',
      expiresIn: access.lifetime,
      ...(refresh ? { refreshToken: refresh.token, refreshExpiresIn: refresh.lifetime } : {}),
      firstLogin,
      user: publicUser(user),
    },
  }),
  challenge: ({ method, challenge, expiresInSeconds }) => ({
    body: { tfaRequired: true, method, challengeToken: challenge.token, expiresIn: expiresInSeconds },
  }),
  refreshed: ({ access, refresh }) => ({
    body: {
      accessToken: access.token,
      tokenType: 'Bearer',
      expiresIn: access.lifetime,
      ...(refresh ? { refreshToken: refresh.token, refreshExpiresIn: refresh.lifetime } : {}),
    },
  }),
  loginStatus: (user, auth) => ({ body: { login: user.login, authorities: [...auth.authorities], method: auth.method } }),
  account: (user) => ({
    body: {
      ...publicUser(user),
      firstName: user.firstName ?? null,
      lastName: user.lastName ?? null,
      imageUrl: user.imageUrl ?? null,
      langKey: user.langKey ?? null,
      activated: !user.disabled,
      secondFactor: user.secondFactor ?? null,
      passwordExpiresAt: user.passwordExpiresAt ? user.passwordExpiresAt.toISOString() : null,
    },
  }),
  passwordChanged: () => ({ status: 204, body: null }),
  loggedOut: () => ({ status: 204, body: null }),
  totpEnrolment: ({ secret, uri, emailCodeSent }) => ({ body: { secret, otpauthUri: uri, emailCodeSent } }),
  apiKeyCreated: ({ record, key }) => ({ status: 201, body: { ...apiKeySummary(record), key } }),
  apiKeyList: (records) => ({ body: records.map(apiKeySummary) }),
  apiKeyDeleted: () => ({ status: 204, body: null }),
  error: (error) => ({ status: error.status, body: { error: error.code, message: error.message } }),
};
