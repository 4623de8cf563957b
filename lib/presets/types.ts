// What a preset is: a product's route paths, its documented defaults, and formatters from flow results to replies.
import type { AuthError } from '../errors';
import type { AuthInfo } from '../guard/auth-info';
import type { Duration } from '../primitives/duration';
import type { ApiKeyRecord, SecondFactorMethod, User } from '../stores/types';
import type { HmacAlgorithm } from '../tokens/keys';
import type { IssuedToken } from '../tokens/token-service';

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
}

export interface LoginSuccess {
  user: User;
  access: IssuedToken;
  /** Present when the preset issues refresh tokens. */
  refresh: IssuedToken | undefined;
  firstLogin: boolean;
  rememberMe: boolean;
  /** A device token for the client's device cookie (set by the edge as an HttpOnly cookie, never in a body). */
  device?: IssuedToken;
}

export interface SecondFactorChallenge {
  user: User;
  method: SecondFactorMethod;
  /** A token good only for the second-factor routes. */
  challenge: IssuedToken;
  expiresInSeconds: number;
  firstLogin: boolean;
}

export interface RefreshSuccess {
  access: IssuedToken;
  /** The rotated refresh token; absent when rotation is off. */
  refresh: IssuedToken | undefined;
}

export interface ApiKeyCreated {
  record: ApiKeyRecord;
  /** The key's text: shown this once, never stored. */
  key: string;
}

export interface TotpEnrolment {
  secret: string;
  uri: string;
  /** True when a code was mailed to the user's stored address: confirming then also needs it (`emailCode`). */
  emailCodeSent: boolean;
}

/** Route paths relative to where the router is mounted; `null` leaves a route out. */
export interface PresetRoutes {
  login: string;
  loginStatus: string | null;
  account: string | null;
  changePassword: string | null;
  tfaVerify: string | null;
  tfaResend: string | null;
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
}

/**
 * A wire format. Built in: `default`, `utmstack`, `storm`, `bforeai`, `datarhei`. A host can pass its own,
 * usually by spreading a built-in one and overriding what differs.
 */
export interface Preset {
  name: string;
  /** Where the product serves these routes from; examples and the README mount the router there. */
  mountPath: string;
  routes: PresetRoutes;
  defaults: PresetDefaults;
  /** Whether `Authorization` may carry a token or key without the `Bearer ` scheme (bfore.ai). */
  bareAuthorization: boolean;
  login(result: LoginSuccess, context: ReplyContext): Reply;
  challenge(result: SecondFactorChallenge, context: ReplyContext): Reply;
  refreshed(result: RefreshSuccess, context: ReplyContext): Reply;
  loginStatus(user: User, auth: AuthInfo): Reply;
  account(user: User): Reply;
  passwordChanged(): Reply;
  loggedOut(): Reply;
  totpEnrolment(enrolment: TotpEnrolment): Reply;
  apiKeyCreated(created: ApiKeyCreated): Reply;
  apiKeyList(records: ApiKeyRecord[]): Reply;
  apiKeyDeleted(): Reply;
  error(error: AuthError): Reply;
}
