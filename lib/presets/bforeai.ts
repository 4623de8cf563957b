// bfore.ai PreCrime's wire format (seed 003): POST /user/login with a PascalCase user, and /authheader API keys.
import { COMMON_DEFAULTS, isoOrNull, maskedKey, NO_ROUTES, OK_MESSAGE } from './shared';
import { defaultPreset } from './default';
import type { Preset } from './types';

export const bforeaiPreset: Preset = {
  ...defaultPreset,
  name: 'bforeai',
  mountPath: '/',
  routes: {
    ...NO_ROUTES,
    login: '/user/login',
    account: '/user/me',
    changePassword: '/user/password',
    tfaVerify: '/user/tfa/verify',
    tfaResend: '/user/tfa/resend',
    apiKeyCreate: '/authheader/add',
    apiKeyList: '/authheader/list',
    apiKeyDeleteByText: '/authheader/delete',
    apiKeyDeleteById: '/authheader/:id',
  },
  defaults: { ...COMMON_DEFAULTS, accessTokenTtl: '1h', issueRefreshTokens: false },
  // "The Authorization header takes the JWT or an API key, with or without Bearer."
  bareAuthorization: true,
  login: ({ user, access }) => ({
    body: {
      Id: user.id,
      Created: isoOrNull(user.createdAt),
      Username: user.login,
      Email: user.email,
      Firstname: user.firstName ?? null,
      Lastname: user.lastName ?? null,
      Token: access.token,
      PasswordExpiration: isoOrNull(user.passwordExpiresAt),
    },
  }),
  account: (user) => ({
    body: {
      Id: user.id,
      Created: isoOrNull(user.createdAt),
      Username: user.login,
      Email: user.email,
      Firstname: user.firstName ?? null,
      Lastname: user.lastName ?? null,
      PasswordExpiration: isoOrNull(user.passwordExpiresAt),
    },
  }),
  passwordChanged: () => OK_MESSAGE,
  loggedOut: () => OK_MESSAGE,
  apiKeyCreated: ({ record, key }) => ({
    body: { id: record.id, name: record.name, token: key, created: record.createdAt.toISOString() },
  }),
  // The list's `token` field shows the masked prefix: the secret was shown once, at creation.
  apiKeyList: (records) => ({
    body: records.map((record) => ({
      id: record.id,
      name: record.name,
      token: maskedKey(record),
      created: record.createdAt.toISOString(),
      expires: isoOrNull(record.expiresAt),
      lastUsed: isoOrNull(record.lastUsedAt),
    })),
  }),
  apiKeyDeleted: () => OK_MESSAGE,
  error: (error) => ({ status: error.status, body: { message: error.message } }),
};
