// The parts the default preset's bodies are made of (the user, a token pair, an API key, a session, a trusted
// device, the error), each schema beside the function that writes it. Answers are made of them in default.ts.
import { Type } from '@sinclair/typebox';
import type { ApiKeyRecord, LoginSuccess, SessionInfo, TrustedDeviceInfo, User } from '../core/results';
import {
  authoritiesSchema,
  dateTime,
  errorCodeSchema,
  errorMessageSchema,
  isoOrNull,
  jwt,
  maskedKey,
  nullable,
} from './helpers';
import { named } from './types';

// ---- the user ----

export const userProperties = {
  id: Type.String({ description: "The user's stable id (the access token's `sub` in this preset).", examples: ['1'] }),
  login: Type.String({ description: 'The login name.', examples: ['admin'] }),
  email: Type.String({
    description: 'The email address; second-factor codes go only here.',
    examples: ['admin@example.com'],
  }),
  authorities: authoritiesSchema,
};

/** The user as the default preset's login shows it. */
export const userSchema = named(
  'User',
  Type.Object(userProperties, { additionalProperties: false, description: 'The user who logged in.' }),
);

export function publicUser(user: User): Record<string, unknown> {
  return { id: user.id, login: user.login, email: user.email, authorities: [...user.authorities] };
}

// ---- tokens ----

export const sessionTokenProperties = {
  accessToken: jwt('The access token: send it as `Authorization: Bearer`.'),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ minimum: 0, description: 'Seconds until the access token expires.', examples: [900] }),
  refreshToken: Type.Optional(
    jwt('The refresh token, when the preset issues them (and, on refresh, when rotation is on).'),
  ),
  refreshExpiresIn: Type.Optional(
    Type.Integer({ minimum: 0, description: 'Seconds until the refresh token expires.', examples: [1_209_600] }),
  ),
};

/** The access token and, when there is one, the refresh token, as {@link sessionTokenProperties} describes them. */
export function sessionTokens({ access, refresh }: Pick<LoginSuccess, 'access' | 'refresh'>): Record<string, unknown> {
  return {
    accessToken: access.token,
    tokenType: 'Bearer',
    expiresIn: access.lifetime,
    ...(refresh ? { refreshToken: refresh.token, refreshExpiresIn: refresh.lifetime } : {}),
  };
}

// ---- API keys ----

export const apiKeyProperties = {
  id: Type.String({ description: "The key's id, for deleting it." }),
  name: Type.String({ description: 'The name its owner gave it.', examples: ['production-api-key'] }),
  key: Type.String({
    description: "The key's first characters and an ellipsis; the key itself is shown only once.",
    examples: ['eak_AbCdEfGh…'],
  }),
  roles: nullable(
    Type.Array(Type.String()),
    "The roles this key may use (a subset of its owner's), or null for all of them.",
  ),
  createdAt: dateTime('When the key was created.'),
  expiresAt: nullable(dateTime('When the key expires.'), 'When the key stops working, or null when it never does.'),
  lastUsedAt: nullable(dateTime('When the key was last used.'), 'When the key was last used, or null if never.'),
};

export const apiKeySummarySchema = named(
  'ApiKey',
  Type.Object(apiKeyProperties, { additionalProperties: false, description: 'An API key, masked.' }),
);

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

// ---- sessions and trusted devices ----

const clientSchema = named(
  'Client',
  Type.Object(
    {
      userAgent: nullable(
        Type.String({
          maxLength: 200,
          examples: ['Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'],
        }),
        'The user agent, cut to 200 characters.',
      ),
      network: nullable(
        Type.String({ examples: ['203.0.113.0/24'] }),
        'The network it came from: its IPv4 /24 or IPv6 /56.',
      ),
    },
    {
      additionalProperties: false,
      description: 'The client that logged in (or was trusted), as far as it can be told.',
    },
  ),
);

export const sessionSchema = named(
  'Session',
  Type.Object(
    {
      id: Type.String({ description: 'The session id, for DELETE …/sessions/{id}.', examples: ['s_3q2Xk9vR7mWb'] }),
      createdAt: dateTime('When the session was opened (the login).'),
      lastUsedAt: dateTime('When a token of the session was last refreshed (or the login, before any refresh).'),
      client: clientSchema,
      current: Type.Boolean({ description: 'Whether this is the session of the token that asked.' }),
    },
    { additionalProperties: false, description: 'One open session: one login (device) and its refresh tokens.' },
  ),
);

export function sessionSummary(session: SessionInfo): Record<string, unknown> {
  return {
    id: session.id,
    createdAt: session.createdAt.toISOString(),
    lastUsedAt: session.lastUsedAt.toISOString(),
    client: { userAgent: session.client.userAgent, network: session.client.network },
    current: session.current,
  };
}

export const trustedDeviceSchema = named(
  'TrustedDevice',
  Type.Object(
    {
      id: Type.String({ description: "The trusted device's id." }),
      createdAt: dateTime('When the device was trusted (the second factor that asked for it).'),
      lastUsedAt: dateTime('When it last stood in for the second factor (or when it was trusted).'),
      expiresAt: dateTime('When the trust ends by itself.'),
      client: clientSchema,
      current: Type.Boolean({ description: 'Whether this is the browser that asked (its trusted-device cookie).' }),
    },
    { additionalProperties: false, description: 'A browser that skips the second factor at login.' },
  ),
);

export function trustedDeviceSummary(device: TrustedDeviceInfo): Record<string, unknown> {
  return {
    id: device.id,
    createdAt: device.createdAt.toISOString(),
    lastUsedAt: device.lastUsedAt.toISOString(),
    expiresAt: device.expiresAt.toISOString(),
    client: { userAgent: device.client.userAgent, network: device.client.network },
    current: device.current,
  };
}

// ---- errors ----

export const errorDefaultSchema = named(
  'Error',
  Type.Object(
    { error: errorCodeSchema, message: errorMessageSchema },
    { additionalProperties: false, description: "A refusal: the stable code and a message; the status is the code's." },
  ),
);
