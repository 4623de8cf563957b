// The one error type an untrusted request can cause, and its catalogue of stable codes.
// A developer's misuse is a TypeError at start-up instead (see options.ts); the two are never mixed.

/** Every code an {@link AuthError} can carry, with the HTTP status and the message clients see. */
export const AUTH_ERROR_CATALOGUE = {
  invalid_request: { status: 400, message: 'The request is malformed.' },
  unsupported_media_type: { status: 400, message: 'The request body must be JSON (Content-Type: application/json).' },
  payload_too_large: { status: 413, message: 'The request body is too large.' },
  weak_password: { status: 400, message: 'The new password does not meet the password policy.' },
  reset_token_invalid: { status: 400, message: 'The password-reset link is invalid, used, replaced or expired: ask for a new one.' },
  verification_token_invalid: { status: 400, message: 'The verification link is invalid, used, replaced or expired: ask for a new one.' },
  passkey_invalid: { status: 400, message: 'The passkey could not be verified: ask for new options and try again.' },
  tfa_required: { status: 400, message: 'Send a code from your authenticator app ("code") or a recovery code ("recoveryCode").' },
  invalid_credentials: { status: 401, message: 'The login or password is incorrect.' },
  token_missing: { status: 401, message: 'No bearer token was sent.' },
  token_malformed: { status: 401, message: 'The bearer token is malformed.' },
  token_invalid: { status: 401, message: 'The token is invalid.' },
  token_expired: { status: 401, message: 'The token has expired.' },
  token_revoked: { status: 401, message: 'The token has been revoked.' },
  tfa_invalid: { status: 401, message: 'The verification code is incorrect or has expired.' },
  tfa_attempts_exceeded: { status: 401, message: 'Too many wrong verification codes: log in again.' },
  tfa_resend_too_soon: { status: 429, message: 'A new code was sent recently: wait before asking again.' },
  api_key_invalid: { status: 401, message: 'The API key is invalid.' },
  forbidden: { status: 403, message: 'You do not have the authority this requires.' },
  reauthentication_required: { status: 403, message: 'This needs recent proof that it is you: send your password (and your authenticator code, if you have one), or log in again.' },
  csrf_rejected: { status: 403, message: 'A cookie-authenticated request must come from a trusted origin and carry the X-Auth-Transport header or a JSON body.' },
  login_blocked: { status: 403, message: 'Login temporarily blocked after too many failed attempts.' },
  password_expired: { status: 403, message: 'The password has expired and must be changed.' },
  email_unverified: { status: 403, message: 'The email address is not verified yet: open the link mailed at sign-up (or ask for a new one).' },
  registration_refused: { status: 403, message: 'Sign-up was refused.' },
  not_found: { status: 404, message: 'Not found.' },
  method_not_allowed: { status: 405, message: 'This path does not serve this method: see the Allow header.' },
  username_taken: { status: 409, message: 'This username is taken: choose another.' },
  rate_limited: { status: 429, message: 'Too many requests: slow down.' },
  unavailable: { status: 503, message: 'Authentication is temporarily unavailable.' },
  internal: { status: 500, message: 'An unexpected error occurred.' },
} as const satisfies Record<string, { status: number; message: string }>;

/** The stable machine code of an {@link AuthError}; `switch` on it. */
export type AuthErrorCode = keyof typeof AUTH_ERROR_CATALOGUE;

/**
 * A request failed for a reason the client caused or must be told about.
 * `message` is safe to show: it never holds a token, a password or a stack.
 *
 * @example
 * if (err instanceof AuthError && err.code === 'login_blocked') retryLater(err.retryAfterSeconds);
 */
export class AuthError extends Error {
  override readonly name = 'AuthError';
  readonly code: AuthErrorCode;
  readonly status: number;
  /** Seconds until the client may try again (sent as `Retry-After`), where that is known. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: AuthErrorCode,
    options: { message?: string; cause?: unknown; retryAfterSeconds?: number } = {},
  ) {
    super(options.message ?? AUTH_ERROR_CATALOGUE[code].message, { cause: options.cause });
    this.code = code;
    this.status = AUTH_ERROR_CATALOGUE[code].status;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** True for an {@link AuthError}, also across copies of this package. */
export function isAuthError(value: unknown): value is AuthError {
  return value instanceof AuthError || (value instanceof Error && value.name === 'AuthError' && 'code' in value);
}
