// The credentials a route can take, as values for the route table: each knows where it is read (header, body,
// cookie, with the cookie's CSRF rule), what checks it (the guard, or the core it is handed to raw), what the
// OpenAPI document says of it, and what the handler gets from it, typed, so no handler has to assert it is there.
import type { Request, RequestHandler } from 'express';
import type { AuthInfo } from '../core/results';
import { apiKeyNotAcceptedMessage, AuthError, type CredentialPlaces, type ExpectedCredential } from '../errors';
import type { EdgeContext } from './context';
import { carriesAccessCookie, sessionTokenFromCookie } from './cookies';
import { hasJsonContentType } from './csrf';
import { createGuard } from './guard';
import { readAuthorization, requireBearer } from './request';

/** What a handler behind an access-token credential gets: who is calling (the guard checked it). */
export interface AccessInput {
  auth: AuthInfo;
}

/** What a handler behind an optional access token gets: who is calling when a token came, else undefined. */
export interface OptionalAccessInput {
  auth: AuthInfo | undefined;
}

/** What a handler gets from a credential handed raw to the core (challenge, refresh or session token). */
export interface TokenInput {
  token: string;
}

/** What a handler gets from no credential: nothing. */
export type NoInput = Record<never, never>;

/** One OpenAPI security requirement: a scheme name and its scopes (none). */
export type SecurityRequirement = Record<string, string[]>;

/** A route's credential; `I` is what its handler gets from it. */
export interface Credential<I extends object = object> {
  /** The middleware that checks it before the body is read (the guard), or undefined when the core checks it. */
  guard(edge: EdgeContext): RequestHandler | undefined;
  /** A check before the body is read, throwing: a token cookie's CSRF check, so a cross-site form post is refused as such. */
  beforeBody(edge: EdgeContext, req: Request): void;
  /** What the handler gets from it, read once the body is (a refresh token may be in `fields`). */
  read(edge: EdgeContext, req: Request, fields: object): I;
  /** The credential its token errors name, or undefined for none. */
  expected(edge: EdgeContext): ExpectedCredential | undefined;
  /** Where it is read, for the message saying where a missing one goes; `body`: the route reads a body by POST. */
  places(edge: EdgeContext, body: boolean): CredentialPlaces;
  /**
   * Whether a route taking it sets or clears the session's cookies in cookie mode, so a request from another site is
   * refused first thing (login CSRF).
   */
  readonly setsSessionCookies: boolean;
  /** Its OpenAPI security requirements; anonymous access (`{}`) last, where it is allowed. */
  security(edge: EdgeContext): SecurityRequirement[];
  /** Whether a cookie can carry it, which makes 403 `csrf_rejected` one of its answers. */
  cookieCarried(edge: EdgeContext): boolean;
}

function apiKeyHeaderUsed(edge: EdgeContext): boolean {
  return edge.settings.apiKeys !== false && edge.settings.apiKeys.header === 'x-api-key';
}

function accessCookieName(edge: EdgeContext): string | undefined {
  return edge.settings.cookies === false ? undefined : edge.settings.cookies.accessCookieName;
}

/** The requirements with the cookie schemes added, before anonymous access ({}), which stays last. */
function withCookies(
  edge: EdgeContext,
  named: SecurityRequirement[],
  cookies: { refresh?: boolean; access: boolean },
  anonymous: boolean,
): SecurityRequirement[] {
  const extra: SecurityRequirement[] = [];
  if (edge.settings.cookies !== false) {
    if (cookies.refresh === true) extra.push({ refreshCookie: [] });
    if (cookies.access && accessCookieName(edge) !== undefined) extra.push({ accessCookie: [] });
  }
  return [...named, ...extra, ...(anonymous ? [{}] : [])];
}

/** Whether a request brings no access token at all: no Authorization header, and no access cookie where one is read. */
function hasNoAccessCredential(edge: EdgeContext, req: Request): boolean {
  return readAuthorization(req, edge.preset.bareAuthorization).kind === 'none' && !carriesAccessCookie(edge, req);
}

/** The user our own guard established (a host's guard earlier in the chain does not choose the user). */
function checkedAuth(req: Request): AuthInfo {
  // The guard ran before the handler and set it, or answered: without it the route was mounted wrongly.
  if (req.auth === undefined) throw new AuthError('internal');
  return req.auth;
}

/** No credential: a login, a registration, a reset by emailed token. */
export function noCredential(): Credential<NoInput> {
  return {
    guard: () => undefined,
    beforeBody: () => undefined,
    read: () => ({}),
    expected: () => undefined,
    places: () => ({}),
    setsSessionCookies: false,
    security: () => [],
    cookieCarried: () => false,
  };
}

/**
 * A login's access token, checked by the guard (bearer, or the access cookie where one is configured). With
 * `apiKeys: true`, an API key of this instance too; without, a key is refused: a leaked key must not mint keys, enrol a
 * factor or log out everywhere.
 */
export function accessToken(options: { apiKeys?: boolean } = {}): Credential<AccessInput> {
  const apiKeys = options.apiKeys === true;
  return {
    guard: (edge) => createGuard(edge, { allowApiKeys: apiKeys }),
    beforeBody: () => undefined,
    read: (_edge, req) => ({ auth: checkedAuth(req) }),
    expected: (edge) => (apiKeys && edge.settings.apiKeys !== false ? 'access-token-or-api-key' : 'access-token'),
    places: (edge) => ({ cookie: accessCookieName(edge) !== undefined, apiKeyHeader: apiKeyHeaderUsed(edge) }),
    setsSessionCookies: false,
    // The key scheme is listed for such routes whatever the instance: the document has always said so.
    security: (edge) =>
      withCookies(
        edge,
        apiKeys ? [{ accessToken: [] }, { apiKey: [] }] : [{ accessToken: [] }],
        { access: true },
        false,
      ),
    cookieCarried: (edge) => accessCookieName(edge) !== undefined,
  };
}

/**
 * An access token when one is sent, checked by the guard (never an API key); else none, and the body names the user
 * (change-password for an expired password, which cannot get a token).
 */
export function optionalAccessToken(): Credential<OptionalAccessInput> {
  const required = accessToken();
  return {
    ...required,
    guard(edge) {
      const guard = required.guard(edge) as RequestHandler;
      return (req, res, next) => (hasNoAccessCredential(edge, req) ? next() : guard(req, res, next));
    },
    read: (edge, req) => ({ auth: hasNoAccessCredential(edge, req) ? undefined : checkedAuth(req) }),
    security: (edge) => withCookies(edge, [{ accessToken: [] }], { access: true }, true),
  };
}

/**
 * A raw token for the core, or `token_malformed` naming the route's credential when it is an API key of this instance
 * (a key is no JWT: the code is the one it got before the message named it).
 */
function refuseApiKey(
  edge: EdgeContext,
  credential: 'challenge-token' | 'refresh-token' | 'session-token',
  value: string,
): string {
  const { apiKeys } = edge.settings;
  if (apiKeys !== false && value.startsWith(apiKeys.prefix))
    throw new AuthError('token_malformed', { message: apiKeyNotAcceptedMessage(credential) });
  return value;
}

/** A second-factor challenge token as bearer, handed raw to the core. */
export function challengeToken(): Credential<TokenInput> {
  return {
    guard: () => undefined,
    beforeBody: () => undefined,
    read: (edge, req) => ({
      token: refuseApiKey(edge, 'challenge-token', requireBearer(req, edge.preset.bareAuthorization)),
    }),
    expected: () => 'challenge-token',
    places: (edge) => ({ cookie: accessCookieName(edge) !== undefined, apiKeyHeader: apiKeyHeaderUsed(edge) }),
    setsSessionCookies: false,
    security: () => [{ challengeToken: [] }],
    cookieCarried: () => false,
  };
}

/** The body's `refreshToken` field, when the body has one. */
function refreshTokenField(fields: object): string | undefined {
  return 'refreshToken' in fields && typeof fields.refreshToken === 'string' ? fields.refreshToken : undefined;
}

/**
 * A session's token handed raw to the core: body `refreshToken`, else bearer, else (cookie transport) its cookie, which
 * must pass the CSRF check first. `session-token` also takes the session's access token (logout).
 */
function sessionCredential(kind: 'refresh-token' | 'session-token'): Credential<TokenInput> {
  return {
    guard: () => undefined,
    beforeBody(edge, req) {
      // A token cookie is checked for CSRF before a non-JSON body is read: a cross-site form post is refused as such.
      if (edge.settings.cookies !== false && !hasJsonContentType(req)) sessionTokenFromCookie(edge, req, kind);
    },
    read: (edge, req, fields) => ({
      token: refuseApiKey(
        edge,
        kind,
        refreshTokenField(fields) ??
          sessionTokenFromCookie(edge, req, kind) ??
          requireBearer(req, edge.preset.bareAuthorization),
      ),
    }),
    expected: () => kind,
    places: (edge, body) => ({ body, cookie: edge.settings.cookies !== false, apiKeyHeader: apiKeyHeaderUsed(edge) }),
    setsSessionCookies: true,
    security: (edge) =>
      withCookies(
        edge,
        kind === 'refresh-token' ? [{ refreshToken: [] }] : [{ refreshToken: [] }, { accessToken: [] }],
        { refresh: true, access: kind === 'session-token' },
        true,
      ),
    cookieCarried: (edge) => edge.settings.cookies !== false,
  };
}

/** A refresh token (body `refreshToken`, bearer, or the refresh cookie), handed raw to the core. */
export function refreshToken(): Credential<TokenInput> {
  return sessionCredential('refresh-token');
}

/** A refresh token or an access token of the session (body, bearer, or their cookies), handed raw to the core: logout. */
export function sessionToken(): Credential<TokenInput> {
  return sessionCredential('session-token');
}
