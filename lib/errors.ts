// The one error type an untrusted request can cause, and its catalogue of stable codes.
// A developer's misuse is a TypeError at start-up instead (see options.ts); the two are never mixed.

/** Every code an {@link AuthError} can carry, with the HTTP status and the message clients see. */
export const AUTH_ERROR_CATALOGUE = {
  invalid_request: { status: 400, message: 'The request is malformed.' },
  unsupported_media_type: { status: 400, message: 'The request body must be JSON (Content-Type: application/json).' },
  payload_too_large: { status: 413, message: 'The request body is too large.' },
  weak_password: { status: 400, message: 'The new password does not meet the password policy.' },
  reset_token_invalid: {
    status: 400,
    message: 'The password-reset link is invalid, used, replaced or expired: ask for a new one.',
  },
  verification_token_invalid: {
    status: 400,
    message: 'The verification link is invalid, used, replaced or expired: ask for a new one.',
  },
  passkey_invalid: { status: 400, message: 'The passkey could not be verified: ask for new options and try again.' },
  tfa_required: {
    status: 400,
    message: 'Send a code from your authenticator app ("code") or a recovery code ("recoveryCode").',
  },
  invalid_credentials: { status: 401, message: 'The login or password is incorrect.' },
  token_missing: { status: 401, message: 'No token was sent.' },
  token_malformed: { status: 401, message: 'The token is malformed.' },
  token_invalid: { status: 401, message: 'The token is invalid.' },
  token_expired: { status: 401, message: 'The token has expired.' },
  token_revoked: { status: 401, message: 'The token has been revoked.' },
  tfa_invalid: { status: 401, message: 'The verification code is incorrect or has expired.' },
  tfa_attempts_exceeded: { status: 401, message: 'Too many wrong verification codes: log in again.' },
  tfa_resend_too_soon: { status: 429, message: 'A new code was sent recently: wait before asking again.' },
  api_key_invalid: { status: 401, message: 'The API key is invalid.' },
  forbidden: { status: 403, message: 'You do not have the authority this requires.' },
  reauthentication_required: {
    status: 403,
    message:
      'This needs recent proof that it is you: send your password (and your authenticator code, if you have one), or log in again.',
  },
  csrf_rejected: {
    status: 403,
    message:
      'A cookie-authenticated request must come from a trusted origin and carry the X-Auth-Transport header or a JSON body.',
  },
  login_blocked: { status: 403, message: 'Login temporarily blocked after too many failed attempts.' },
  password_expired: { status: 403, message: 'The password has expired and must be changed.' },
  email_unverified: {
    status: 403,
    message: 'The email address is not verified yet: open the link mailed at sign-up (or ask for a new one).',
  },
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

  constructor(code: AuthErrorCode, options: { message?: string; cause?: unknown; retryAfterSeconds?: number } = {}) {
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

// ---- messages that name the credential a route expects ----
// The codes above stay what clients switch on; the edge replaces a token error's catalogue message with one naming
// the credential the route takes and what was wrong with it (credentialMessage), and the token service names the kind
// a token of another kind is (wrongTokenKindMessage). Printable ASCII without double quotes: these messages also go in
// WWW-Authenticate's quoted error_description and in UTMStack's X-UtmStack-error header.

/** The kinds of token we issue, as their `typ` header tells them apart. */
export type TokenKind = 'access' | 'refresh' | 'tfa' | 'device';

const TOKEN_KIND_NAMES: Readonly<Record<TokenKind, string>> = {
  access: 'an access token',
  refresh: 'a refresh token',
  tfa: 'a second-factor challenge token',
  device: 'a device token',
};

/** A token of another kind than the one expected ("This is a refresh token, not an access token."). */
export function wrongTokenKindMessage(expected: TokenKind, found: TokenKind | undefined): string {
  return found === undefined
    ? `This is not ${TOKEN_KIND_NAMES[expected]}.`
    : `This is ${TOKEN_KIND_NAMES[found]}, not ${TOKEN_KIND_NAMES[expected]}.`;
}

/** The credential a route expects, as its messages name it. */
export type ExpectedCredential =
  'access-token' | 'access-token-or-api-key' | 'refresh-token' | 'session-token' | 'challenge-token';

/** The token codes whose catalogue message a route replaces with one naming its credential. */
export type CredentialErrorCode =
  'token_missing' | 'token_malformed' | 'token_invalid' | 'token_expired' | 'token_revoked';

/** Where a route reads its credential, for the message saying where to put a missing one. */
export interface CredentialPlaces {
  /** The body's `refreshToken` field (refresh and logout sent with a body). */
  body?: boolean;
  /** The cookie the browsers' cookie transport uses for it. */
  cookie?: boolean;
  /** API keys go in the X-API-Key header rather than in Authorization. */
  apiKeyHeader?: boolean;
}

const CREDENTIAL_NAMES: Readonly<Record<ExpectedCredential, string>> = {
  'access-token': 'access token',
  // A value that is not a key (by its prefix) is read as an access token, so that is what its faults are named for.
  'access-token-or-api-key': 'access token',
  'refresh-token': 'refresh token',
  'session-token': 'refresh or access token',
  'challenge-token': 'second-factor challenge token',
};

const AFTER_THE_FACT: Partial<Record<ExpectedCredential, string>> = {
  'refresh-token': ': log in again',
  'session-token': ': log in again',
  'challenge-token': ': log in again',
};

function listed(places: readonly string[]): string {
  return places.length <= 1 ? (places[0] ?? '') : `${places.slice(0, -1).join(', ')} or ${places.at(-1) as string}`;
}

function missingMessage(expected: ExpectedCredential, places: CredentialPlaces): string {
  const header = 'the Authorization header (Bearer <token>)';
  switch (expected) {
    case 'access-token':
      return `No access token was sent: put it in ${listed([header, ...(places.cookie ? ['the access cookie'] : [])])}.`;
    case 'access-token-or-api-key':
      return places.apiKeyHeader
        ? `No access token or API key was sent: put a token in ${listed([header, ...(places.cookie ? ['the access cookie'] : [])])}, or a key in the X-API-Key header.`
        : `No access token or API key was sent: put one in ${listed(['the Authorization header (Bearer <token or key>)', ...(places.cookie ? ['the access cookie'] : [])])}.`;
    case 'refresh-token':
    case 'session-token': {
      const where = [
        ...(places.body ? ["the body's refreshToken field"] : []),
        header,
        ...(places.cookie ? ['the refresh cookie'] : []),
      ];
      return expected === 'refresh-token'
        ? `No refresh token was sent: put it in ${listed(where)}.`
        : `No refresh token (or access token) was sent: put it in ${listed(where)}.`;
    }
    case 'challenge-token':
      return `No second-factor challenge token was sent: put the one the login answered in ${header}.`;
  }
}

/**
 * The message of a token error on a route expecting `expected`: what was missing and where it goes, or what is wrong
 * with the credential, named.
 */
function credentialMessage(
  expected: ExpectedCredential,
  code: CredentialErrorCode,
  places: CredentialPlaces = {},
): string {
  const name = CREDENTIAL_NAMES[expected];
  const after = AFTER_THE_FACT[expected] ?? '';
  switch (code) {
    case 'token_missing':
      return missingMessage(expected, places);
    case 'token_malformed':
      return `The ${name} is malformed.`;
    case 'token_invalid':
      return `The ${name} is invalid.`;
    case 'token_expired':
      return `The ${name} has expired${after}.`;
    case 'token_revoked':
      return `The ${name} has been revoked${after || ': log in again'}.`;
  }
}

/** An API key sent where the route takes a token ("This route takes an access token, not an API key."). */
export function apiKeyNotAcceptedMessage(expected: Exclude<ExpectedCredential, 'access-token-or-api-key'>): string {
  const article = expected === 'access-token' ? 'an' : 'a';
  return `This route takes ${article} ${CREDENTIAL_NAMES[expected]}, not an API key.`;
}

/**
 * The error renamed for the credential `expected`: a token error still carrying its catalogue message gets one naming
 * the credential; any other error (or a token error with a message of its own) is returned as it is.
 */
export function nameCredential(error: unknown, expected: ExpectedCredential, places: CredentialPlaces = {}): unknown {
  if (
    !(error instanceof AuthError) ||
    !isCredentialErrorCode(error.code) ||
    error.message !== AUTH_ERROR_CATALOGUE[error.code].message
  )
    return error;
  return new AuthError(error.code, {
    message: credentialMessage(expected, error.code, places),
    cause: error.cause,
    retryAfterSeconds: error.retryAfterSeconds,
  });
}

function isCredentialErrorCode(code: AuthErrorCode): code is CredentialErrorCode {
  return (
    code === 'token_missing' ||
    code === 'token_malformed' ||
    code === 'token_invalid' ||
    code === 'token_expired' ||
    code === 'token_revoked'
  );
}
