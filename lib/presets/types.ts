// What a preset is: a product's route paths, its documented defaults, and its answers, each one record of status,
// schema, description and formatter.
import type { TSchema } from '@sinclair/typebox';
import type { AuthError } from '../errors';
import type { Duration, HmacAlgorithm } from '../core/results';
import { ANSWER_NAMES, type AnswerName, type AnswerResult } from './answers';

export {
  ANSWER_KINDS,
  ANSWER_NAMES,
  type AnswerKind,
  type AnswerName,
  type AnswerResult,
  type LoginStatus,
} from './answers';

export type {
  ApiKeyCreated,
  LoginSuccess,
  RecoveryCodes,
  RefreshSuccess,
  SecondFactorChallenge,
  SessionInfo,
  TotpEnrolment,
} from '../core/results';

/** An HTTP answer: a JSON body (or text when `body` is a string), a status (default 200) and extra headers. */
export interface Reply {
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** Facts about the request being answered, for formatters that report them (Storm's `meta`). */
export interface ReplyContext {
  /** When the request arrived, in ms since the epoch. */
  startedAt: number;
  /** Now, in ms since the epoch (the configured clock). */
  now: number;
  /** `forceTfa` as configured, for formatters that report it. */
  forceSecondFactor: boolean;
  /** `passwords.maxAge` in seconds, or null when passwords never expire (bfore.ai's `PasswordExpiration`). */
  passwordMaxAgeSeconds: number | null;
}

/** Route paths relative to where the router is mounted; `null` leaves a route out. */
export interface PresetRoutes {
  login: string;
  loginStatus: string | null;
  account: string | null;
  changePassword: string | null;
  tfaVerify: string | null;
  tfaResend: string | null;
  /** Second-factor verify with the code as a `?code=` query parameter (GET; UTMStack v10's frontend). */
  tfaVerifyByQuery: string | null;
  /** Second-factor verify with the code as the whole body, text/plain or a JSON string (POST; UTMStack v11+'s frontend). */
  tfaVerifyRawBody: string | null;
  /** Second-factor resend by GET (UTMStack v11+'s frontend). */
  tfaResendByGet: string | null;
  totpEnroll: string | null;
  totpConfirm: string | null;
  refresh: string | null;
  /** The refresh route's method: datarhei's is GET. */
  refreshMethod: 'get' | 'post';
  logout: string | null;
  logoutAll: string | null;
  apiKeyCreate: string | null;
  apiKeyList: string | null;
  /** Deletes by id in the path: must contain `:id`. */
  apiKeyDeleteById: string | null;
  /** Deletes by the key's text in the body `{ text }` (bfore.ai). */
  apiKeyDeleteByText: string | null;
  /** Lists the caller's sessions (GET). */
  sessions: string | null;
  /** Ends one of the caller's sessions (DELETE): must contain `:id`. */
  sessionEnd: string | null;
  /** Asks for a password-reset mail (POST). */
  passwordForgot: string | null;
  /** Sets a new password with a reset token (POST). */
  passwordReset: string | null;
  /** Generates a new set of recovery codes (POST). */
  recoveryCodes: string | null;
  /** Passkeys (mounted with the `passkeys` option; absent or null: never). Registration options (POST). */
  passkeyRegisterOptions?: string | null;
  /** Finishes a passkey's registration (POST). */
  passkeyRegister?: string | null;
  /** Lists the caller's passkeys (GET). */
  passkeyList?: string | null;
  /** Renames one (PATCH): must contain `:id`. */
  passkeyRename?: string | null;
  /** Deletes one (DELETE): must contain `:id`. */
  passkeyDelete?: string | null;
  /** Sign-in options (POST). */
  passkeyLoginOptions?: string | null;
  /** Signs in with a passkey (POST). */
  passkeyLogin?: string | null;
  /** Ends the session of the access token sent (GET; bfore.ai's `user/logout`). Absent: none. */
  logoutToken?: string | null;
  /** A new access token of the sent one's lifetime, from now, in its session (GET; bfore.ai's `user/renew`). */
  tokenRenew?: string | null;
  /** A new access token of the lifetime asked, `?m=<minutes>` or `?d=<days>` (GET; bfore.ai's `user/token`). */
  tokenIssue?: string | null;
  /** Changes a password without a token, `{username, old, new, confirm}` (POST; bfore.ai's `user/password`). */
  passwordChangeByLogin?: string | null;
  /** Signs a user up (POST; the `registration` option). */
  register: string | null;
  /** Verifies a new user's address with the mailed token (POST). */
  registerVerify: string | null;
  /** Mails a new verification link (POST). */
  registerResend: string | null;
  /** Lists (GET) and ends (DELETE) the caller's trusted devices (with the `trustedDevices` option). Absent: none. */
  trustedDevices?: string | null;
}

/** The defaults a product documents; every one can be overridden by the options. */
export interface PresetDefaults {
  algorithm: HmacAlgorithm;
  issuer: string | undefined;
  accessTokenTtl: Duration;
  rememberMeTtl: Duration;
  refreshTokenTtl: Duration;
  /** Whether login also returns a refresh token. */
  issueRefreshTokens: boolean;
  /** Whether each refresh consumes its token and returns the next one. */
  rotateRefreshTokens: boolean;
  /** Per-IP limit on credential routes. */
  rateLimit: { limit: number; windowSeconds: number };
  lockout: { maxFailures: number; windowSeconds: number; durationSeconds: number };
  /**
   * What access tokens carry as `sub`: the user's id, or the login (UTMStack's and datarhei's tokens show it there;
   * the id then rides in `uid`). @default 'id'
   */
  subjectClaim?: 'id' | 'login';
  /**
   * How recent a login makes its access token enough proof to create an API key without the password, for products
   * whose key-creation body has no room for one (`apiKeys.recentLogin`). @default false
   */
  apiKeyRecentLogin?: Duration | false;
  /**
   * Whether each login keeps a session that logout ends even when no refresh token is issued (bfore.ai logs one
   * token out). Such sessions count towards `sessions.maxPerUser`. @default false
   */
  accessTokenSessions?: boolean;
  /**
   * Whether access tokens carry only what the guard reads: no `usefor`, `exi` or `jti` (the `typ: at+jwt` header says
   * the kind), and no `sv` while the user's session version is the initial one (absent means the same to the guard).
   * Products whose clients read those claims keep them. @default false
   */
  leanAccessTokens?: boolean;
}

/** How one answer looks on the wire: its status and the body's JSON Schema (null: no body). */
export interface AnswerSpec {
  status: number;
  /** A JSON Schema (TypeBox) of the body; `null` for an empty body (204, or a 200 with no content). */
  schema: TSchema | null;
  /** @default 'application/json'; 'text/plain' for a string body. */
  contentType?: 'application/json' | 'text/plain';
  description: string;
}

/** What a formatter makes: the body (JSON, text for a string, nothing for null) and any extra headers. */
export interface AnswerBody {
  body: unknown;
  headers?: Record<string, string>;
}

/**
 * One answer of a preset, as one record: its status, schema and description (the OpenAPI document is built from
 * them, and the tests check every reply against them) and the formatter that makes its body from the core's result.
 * The status is the record's alone, so a formatter and its spec cannot disagree on it.
 */
export interface Answer<R> extends AnswerSpec {
  format(result: R, context: ReplyContext): AnswerBody;
}

/** Every answer, each from its result: a preset that leaves one out does not compile. */
export type PresetAnswers = { readonly [N in AnswerName]: Answer<AnswerResult<N>> };

/** How a preset refuses: the body of every error (the status is the error's) and its JSON Schema. */
export interface ErrorAnswer {
  schema: TSchema;
  format(error: AuthError): AnswerBody;
}

/**
 * A wire format. Built in: `default`, `utmstack`, `storm`, `bforeai`, `datarhei`. A host can pass its own: build it
 * with {@link definePreset}, reusing a built-in preset's answers by name where they fit.
 */
export interface Preset {
  name: string;
  /** Where the product serves these routes from; examples and the README mount the router there. */
  mountPath: string;
  routes: PresetRoutes;
  defaults: PresetDefaults;
  /** Whether `Authorization` may carry a token or key without the `Bearer ` scheme (bfore.ai). */
  bareAuthorization: boolean;
  answers: PresetAnswers;
  error: ErrorAnswer;
}

/** The reply of answer `name` to `result`: the preset's body and headers, with the answer's status. */
export function formatAnswer<N extends AnswerName>(
  preset: Preset,
  name: N,
  result: AnswerResult<N>,
  context: ReplyContext,
): Reply {
  const answer: Answer<AnswerResult<N>> = preset.answers[name];
  return { ...answer.format(result, context), status: answer.status };
}

/** The reply to a refusal: the preset's body, with the error's status. */
export function formatError(preset: Preset, error: AuthError): Reply {
  return { ...preset.error.format(error), status: error.status };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/** Checks one answer record, or names what is wrong with it. */
function answerProblem(answer: unknown): string | undefined {
  if (!isRecord(answer)) return 'is missing: every preset gives every answer';
  if (typeof answer.format !== 'function')
    return 'must have a formatter function ("format"): every preset formats every answer';
  if (!Number.isInteger(answer.status) || answer.schema === undefined)
    return "must give the answer's status and schema (null for no body)";
  return undefined;
}

/**
 * Checks that `preset` gives every answer (status, schema and formatter) and its error answer, or throws a TypeError
 * naming the first one missing. Built-in presets are made with it; options run it on a host's own preset at start-up
 * (the compiler catches the same for a typed preset, but not for one from plain JavaScript).
 */
export function definePreset<P extends Preset>(preset: P): P {
  const where = (field: string) => `preset${typeof preset?.name === 'string' ? ` "${preset.name}"` : ''}: "${field}"`;
  if (!isRecord(preset)) throw new TypeError('"preset" must be a preset object or a built-in name.');
  for (const field of ['name', 'mountPath'] as const) {
    if (typeof preset[field] !== 'string') throw new TypeError(`${where(field)} must be a string.`);
  }
  for (const field of ['routes', 'defaults', 'answers', 'error'] as const) {
    if (!isRecord(preset[field])) throw new TypeError(`${where(field)} is missing.`);
  }
  for (const name of ANSWER_NAMES) {
    const problem = answerProblem(preset.answers[name]);
    if (problem !== undefined) throw new TypeError(`${where(`answers.${name}`)} ${problem}.`);
  }
  if (typeof preset.error.format !== 'function')
    throw new TypeError(`${where('error.format')} must be a formatter function.`);
  if (!isRecord(preset.error.schema)) throw new TypeError(`${where('error.schema')} is missing.`);
  return preset;
}

// Names for body schemas: the OpenAPI document lists a named schema once, in `components.schemas`, and refers to it
// by `$ref` wherever it appears, so client generators make one importable type of it (`User`, `Session`, `Error`).
// A symbol, like TypeBox's own markers: it survives TypeBox's spreads (`Type.Optional`) and never reaches the JSON.
const SCHEMA_NAME = Symbol.for('express-auth-kit/schema-name');

/**
 * Gives `schema` a name in the OpenAPI document's `components.schemas` (a copy; the schema itself is unchanged, and
 * validates as before). Two different schemas given one name in one document get `Name2`, `Name3`, … in the order met.
 */
export function named<T extends TSchema>(name: string, schema: T): T {
  return { ...schema, [SCHEMA_NAME]: name };
}

/** The name {@link named} gave `schema`, if any. */
export function schemaNameOf(schema: object): string | undefined {
  const name = (schema as { [SCHEMA_NAME]?: unknown })[SCHEMA_NAME];
  return typeof name === 'string' ? name : undefined;
}
