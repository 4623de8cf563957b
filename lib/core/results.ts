// What the core answers: the result types presets format. Presets import only this file (and errors).
import type { ApiKeyRecord, SecondFactorMethod, User } from '../stores/types';
import type { AccessClaims } from '../tokens/claims';
import type { IssuedToken } from '../tokens/token-service';

// Re-exported so presets need nothing but this file to describe what they format.
export type { ApiKeyRecord, SecondFactorMethod, User } from '../stores/types';
export type { IssuedToken } from '../tokens/token-service';
export type { Duration } from '../primitives/duration';
export type { HmacAlgorithm } from '../tokens/keys';

export interface LoginSuccess {
  user: User;
  access: IssuedToken;
  /** Present when the preset issues refresh tokens. */
  refresh: IssuedToken | undefined;
  firstLogin: boolean;
  rememberMe: boolean;
  /** A device token for the client's device cookie (set by the edge as an HttpOnly cookie, never in a body). */
  device?: IssuedToken;
  /** The trusted-device cookie's value, when the client asked to be remembered (set by the edge, never in a body). */
  trustedDevice?: { token: string; lifetime: number };
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

/** Who made a request, as the guard established it (`req.auth`). */
export interface AuthInfo {
  /** The user's id (the token's `uid`, else its `sub`; or the API key's owner). */
  userId: string;
  /** The authorities this request may use: the token's, or the key's subset of its owner's current roles. */
  authorities: readonly string[];
  /** How the request authenticated. */
  method: 'token' | 'apiKey';
  /** The access token's claims, when `method` is `token`. */
  claims: AccessClaims | undefined;
  /** The API key's id, when `method` is `apiKey`. */
  apiKeyId: string | undefined;
}

/** One open session (a refresh family) of a user, as the sessions list shows it. */
export interface SessionInfo {
  id: string;
  createdAt: Date;
  lastUsedAt: Date;
  /** A short summary of the client that opened it: its user agent (cut short) and its network (IP /24 or /56). */
  client: { userAgent: string | null; network: string | null };
  /** Whether the request asking is made with this session's tokens. */
  current: boolean;
}

/** A new set of recovery codes: shown once, stored only as hashes. */
export interface RecoveryCodes {
  codes: readonly string[];
}

/** One trusted device ("remember this browser") of a user, as the list shows it. */
export interface TrustedDeviceInfo {
  id: string;
  createdAt: Date;
  /** When it last stood in for the second factor (or when it was trusted). */
  lastUsedAt: Date;
  expiresAt: Date;
  /** The client that was trusted: its user agent (cut short) and its network. */
  client: { userAgent: string | null; network: string | null };
  /** Whether this is the device (cookie) of the request asking. */
  current: boolean;
}
