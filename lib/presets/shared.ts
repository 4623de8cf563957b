// Pieces several presets share: the common defaults, and the neutral JSON shapes of the default preset.
import type { ApiKeyRecord, User } from '../stores/types';
import type { PresetDefaults, PresetRoutes, Reply } from './types';

/**
 * Our defaults, with their reasons: 15-minute access tokens and 14-day refresh tokens (OWASP JWT cheat sheet);
 * 20 credential attempts a minute per IP, so the per-account lockout (10 failures in 10 minutes, for 10 minutes,
 * as UTMStack documents) is what an attacker on one account meets first.
 */
export const COMMON_DEFAULTS: PresetDefaults = {
  algorithm: 'HS256',
  issuer: undefined,
  accessTokenTtl: '15m',
  rememberMeTtl: '30d',
  refreshTokenTtl: '14d',
  issueRefreshTokens: true,
  rotateRefreshTokens: true,
  rateLimit: { limit: 20, windowSeconds: 60 },
  lockout: { maxFailures: 10, windowSeconds: 600, durationSeconds: 600 },
};

/** A preset that offers none of the optional routes; presets spread it and name what they serve. */
export const NO_ROUTES: Omit<PresetRoutes, 'login'> = {
  loginStatus: null,
  account: null,
  changePassword: null,
  tfaVerify: null,
  tfaResend: null,
  totpEnroll: null,
  totpConfirm: null,
  refresh: null,
  refreshMethod: 'post',
  logout: null,
  logoutAll: null,
  apiKeyCreate: null,
  apiKeyList: null,
  apiKeyDeleteById: null,
  apiKeyDeleteByText: null,
};

export function isoOrNull(date: Date | null | undefined): string | null {
  return date ? date.toISOString() : null;
}

/** How a key is shown after creation: its prefix and an ellipsis, never the secret. */
export function maskedKey(record: ApiKeyRecord): string {
  return `${record.prefix}…`;
}

export function publicUser(user: User): Record<string, unknown> {
  return { id: user.id, login: user.login, email: user.email, authorities: [...user.authorities] };
}

export function apiKeySummary(record: ApiKeyRecord): Record<string, unknown> {
  return {
    id: record.id,
    name: record.name,
    key: maskedKey(record),
    roles: record.roles === null ? null : [...record.roles],
    createdAt: record.createdAt.toISOString(),
    expiresAt: isoOrNull(record.expiresAt),
    lastUsedAt: isoOrNull(record.lastUsedAt),
  };
}

export const OK_MESSAGE: Reply = { body: { message: 'Success' } };
