// What several presets build their answers from: the common defaults, the "no such route" paths, and small schema
// and format helpers. No answer lives here: each preset's answers are its own records (the default preset's too).
import { Kind, Type, TypeRegistry, type TNull, type TSchema, type TString, type TUnion } from '@sinclair/typebox';
import { AUTH_ERROR_CATALOGUE, type AuthErrorCode } from '../errors';
import type { ApiKeyRecord } from '../core/results';
import { named } from './types';
import type { Answer, PresetDefaults, PresetRoutes } from './types';

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
  sessions: null,
  sessionEnd: null,
  passwordForgot: null,
  passwordReset: null,
  recoveryCodes: null,
  register: null,
  registerVerify: null,
  registerResend: null,
  loginStatus: null,
  account: null,
  changePassword: null,
  tfaVerify: null,
  tfaResend: null,
  tfaVerifyByQuery: null,
  tfaVerifyRawBody: null,
  tfaResendByGet: null,
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
  logoutToken: null,
  tokenRenew: null,
  tokenIssue: null,
  passwordChangeByLogin: null,
};

export function isoOrNull(date: Date | null | undefined): string | null {
  return date ? date.toISOString() : null;
}

/** How a key is shown after creation: its prefix and an ellipsis, never the secret. */
export function maskedKey(record: ApiKeyRecord): string {
  return `${record.prefix}…`;
}

// ---- schema building blocks (standard JSON Schema 2020-12 keywords only: the OpenAPI 3.1 document embeds them) ----

const EXAMPLE_TIME = '2026-01-01T12:00:00.000Z';
const EXAMPLE_JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIiwidXNlZm9yIjoiYWNjZXNzIn0.c2lnbmF0dXJl';

/** A nullable schema: `anyOf [schema, null]`, described as a whole. */
export function nullable<T extends TSchema>(schema: T, description: string): TUnion<[T, TNull]> {
  return Type.Union([schema, Type.Null()], { description });
}

/** An ISO 8601 date-time string as `Date.toISOString()` writes it. */
export function dateTime(description: string): TString {
  return Type.String({ format: 'date-time', description, examples: [EXAMPLE_TIME] });
}

/** A signed JWT (three base64url segments). */
export function jwt(description: string): TString {
  return Type.String({
    pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$',
    description,
    examples: [EXAMPLE_JWT],
  });
}

export const authoritiesSchema = Type.Array(Type.String({ examples: ['ROLE_ADMIN'] }), {
  description: "The user's roles (authorities), as copied into access tokens.",
  examples: [['ROLE_ADMIN', 'ROLE_USER']],
});

export const secondFactorMethodSchema = named(
  'SecondFactorMethod',
  Type.Union([Type.Literal('EMAIL'), Type.Literal('TOTP')], {
    description: 'The second factor: a code mailed to the user (`EMAIL`) or from an authenticator app (`TOTP`).',
  }),
);

/**
 * Every AuthError code, as one string enum (what client generators turn into a union type), each code listed with its
 * status and message in the description (the catalogue in errors.ts).
 */
// TypeBox checks a Type.Unsafe schema only through a kind registered for it (its compiler answers "Unknown type"
// otherwise, e.g. for a host checking our error bodies): a code is a string of the catalogue. The symbol never
// reaches the JSON, so the document still says `{ type: 'string', enum }`.
const ERROR_CODE_KIND = 'ExpressAuthKit/ErrorCode';
if (!TypeRegistry.Has(ERROR_CODE_KIND)) {
  TypeRegistry.Set(
    ERROR_CODE_KIND,
    (_schema, value) => typeof value === 'string' && Object.hasOwn(AUTH_ERROR_CATALOGUE, value),
  );
}

export const errorCodeSchema = named(
  'ErrorCode',
  Type.Unsafe<AuthErrorCode>({
    [Kind]: ERROR_CODE_KIND,
    type: 'string',
    enum: Object.keys(AUTH_ERROR_CATALOGUE),
    description: `The stable machine code of the error; the HTTP status is the code's:\n\n${(
      Object.keys(AUTH_ERROR_CATALOGUE) as AuthErrorCode[]
    )
      .map((code) => `- \`${code}\` (${AUTH_ERROR_CATALOGUE[code].status})`)
      .join('\n')}`,
    examples: ['invalid_credentials'],
  }),
);

/** The text of an error, safe to show; never a token, a password or a stack. */
export const errorMessageSchema = Type.String({
  description: 'A human-readable message, safe to show.',
  examples: ['The login or password is incorrect.'],
});

/** An answer with no body (204 No Content, 202 Accepted, JHipster's empty 200): its status and description. */
export function emptyAnswer(status: number, description: string): Answer<void> {
  return { status, schema: null, description, format: () => ({ body: null }) };
}
