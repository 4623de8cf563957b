// The answers there are: each by name, with the core result its formatter is given and the name its body has in the
// OpenAPI document. The one list of answer names: presets must answer each (a compile error otherwise), the edge asks
// for them by name, and the document names their bodies from here.
import type {
  ApiKeyCreated,
  ApiKeyRecord,
  AuthInfo,
  LoginSuccess,
  RecoveryCodes,
  RefreshSuccess,
  SecondFactorChallenge,
  SessionInfo,
  TotpEnrolment,
  TrustedDeviceInfo,
  User,
} from '../core/results';

/**
 * One kind of answer: `schemaName` names its body in the document's `components.schemas` (unless the schema carries
 * its own name); `R` is the result its formatter receives, held only by the type.
 */
export interface AnswerKind<R> {
  readonly schemaName: string;
  /** Never set: it carries `R` for {@link AnswerResult}. */
  readonly result?: (result: R) => void;
}

function kind<R>(schemaName: string): AnswerKind<R> {
  return { schemaName };
}

/** The login status: the credential's user and what the guard found. */
export interface LoginStatus {
  user: User;
  auth: AuthInfo;
}

export const ANSWER_KINDS = {
  login: kind<LoginSuccess>('LoginSuccess'),
  challenge: kind<SecondFactorChallenge>('SecondFactorChallenge'),
  refreshed: kind<RefreshSuccess>('RefreshSuccess'),
  loginStatus: kind<LoginStatus>('LoginStatus'),
  account: kind<User>('Account'),
  passwordChanged: kind<void>('PasswordChanged'),
  loggedOut: kind<void>('LoggedOut'),
  /** A second-factor code was sent again; it expires in `expiresInSeconds` (the challenge's life is not renewed). */
  tfaResent: kind<{ expiresInSeconds: number }>('CodeResent'),
  totpEnrolment: kind<TotpEnrolment>('TotpEnrolment'),
  /** An authenticator app was confirmed and is now the user's second factor. */
  totpConfirmed: kind<void>('TotpConfirmed'),
  apiKeyCreated: kind<ApiKeyCreated>('ApiKeyCreated'),
  apiKeyList: kind<readonly ApiKeyRecord[]>('ApiKeyList'),
  apiKeyDeleted: kind<void>('ApiKeyDeleted'),
  /** The caller's sessions, the current one marked. */
  sessionList: kind<readonly SessionInfo[]>('SessionList'),
  sessionEnded: kind<void>('SessionEnded'),
  /** A reset was asked for: the same answer for a known, unknown or disabled address. */
  passwordResetRequested: kind<void>('PasswordResetRequested'),
  /** The password was reset with a reset token. */
  passwordReset: kind<void>('PasswordReset'),
  /** A new set of recovery codes, shown this once. */
  recoveryCodes: kind<RecoveryCodes>('RecoveryCodes'),
  /** A sign-up (or a resend of its link) was accepted: the same answer whether or not the address was taken. */
  registrationAccepted: kind<void>('RegistrationAccepted'),
  /** A new user's address was verified: the user can log in. */
  registrationVerified: kind<void>('RegistrationVerified'),
  /** The caller's trusted devices, the current one marked. */
  trustedDeviceList: kind<readonly TrustedDeviceInfo[]>('TrustedDeviceList'),
  /** Every trusted device of the caller was ended. */
  trustedDevicesEnded: kind<void>('TrustedDevicesEnded'),
} as const;

/** The name of a successful answer. */
export type AnswerName = keyof typeof ANSWER_KINDS;

/** The core result the answer `N` is formatted from. */
export type AnswerResult<N extends AnswerName> = (typeof ANSWER_KINDS)[N] extends AnswerKind<infer R> ? R : never;

/** Every answer name, in the catalogue's order. */
export const ANSWER_NAMES: readonly AnswerName[] = Object.keys(ANSWER_KINDS).filter((name): name is AnswerName =>
  Object.hasOwn(ANSWER_KINDS, name),
);
