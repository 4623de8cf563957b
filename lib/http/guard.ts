// The bearer guard: an access token (or an API key) through the core, roles checked, req.auth set; the hot path
// stays synchronous when the core's caches answer.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { checkAccessSession, userIdOf, verifyAccessToken } from '../core/access';
import { authenticateApiKey } from '../core/api-keys';
import type { AuthInfo } from '../core/results';
import {
  apiKeyNotAcceptedMessage,
  AuthError,
  nameCredential,
  type CredentialPlaces,
  type ExpectedCredential,
} from '../errors';
import type { AccessClaims } from '../tokens/claims';
import type { CookieTransportSettings, EdgeContext, EdgeSettings } from './context';
import { readCookie } from './cookies';
import { assertSameOriginRequest, changesState } from './csrf';
import { measuredGuard } from './metrics';
import { credentialLimiter } from './rate-limit';
import { sendAuthError, toAuthError } from './reply';
import { readBearer } from './request';

/** Options of {@link requireAuth}. */
export interface RequireAuthOptions {
  /** The request needs at least one of these authorities (e.g. `['ROLE_ADMIN']`). @default [] (any authenticated user) */
  roles?: readonly string[];
  /** Whether API keys are accepted on this route, where keys are configured. @default true */
  allowApiKeys?: boolean;
}

// The split authority lists of the cached claims objects, so the common path allocates nothing for them.
const authoritiesOfClaims = new WeakMap<AccessClaims, readonly string[]>();

function authoritiesOf(claims: AccessClaims): readonly string[] {
  let authorities = authoritiesOfClaims.get(claims);
  if (authorities === undefined) {
    authorities = claims.auth === '' ? [] : Object.freeze(claims.auth.split(','));
    authoritiesOfClaims.set(claims, authorities);
  }
  return authorities;
}

// One failure budget per auth instance: a limiter per requireAuth() call would give every guarded route (and the
// account route) another `limit` key guesses per IP.
const keyFailureLimiters = new WeakMap<EdgeContext, RequestHandler>();
// Requests whose key the guard refused: only these stay counted, not a host route's own 4xx after an accepted key.
const refusedKeyRequests = new WeakSet<Request>();

function keyFailureLimiter(edge: EdgeContext): RequestHandler {
  let limiter = keyFailureLimiters.get(edge);
  if (limiter === undefined) {
    limiter = credentialLimiter(edge, 'api-key-failures', { counts: (req) => refusedKeyRequests.has(req) });
    keyFailureLimiters.set(edge, limiter);
  }
  return limiter;
}

/** One job of the guard, done with `value`: it hands on to the step it was built with, or refuses the request. */
type GuardStep<T> = (req: Request, res: Response, next: NextFunction, value: T) => void;

/** The options checked, with their defaults: a mistake in them is the host's bug, thrown at startup. */
function checkedOptions(options: RequireAuthOptions): { roles: readonly string[]; allowApiKeys: boolean } {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('requireAuth(options): options must be an object.');
  const roles = options.roles ?? [];
  if (!Array.isArray(roles) || roles.some((role) => typeof role !== 'string' || role.length === 0)) {
    throw new TypeError('requireAuth(): "roles" must be an array of non-empty strings.');
  }
  for (const key of Object.keys(options)) {
    if (key !== 'roles' && key !== 'allowApiKeys') throw new TypeError(`requireAuth(): unknown option "${key}".`);
  }
  return { roles, allowApiKeys: options.allowApiKeys !== false };
}

/** Answers the refusal in the preset's format, naming the credential this guard takes and where it goes. */
function refusal(edge: EdgeContext, apiKeys: EdgeSettings['apiKeys'], cookie: boolean): GuardStep<unknown> {
  const { preset, settings } = edge;
  const expected: ExpectedCredential = apiKeys === false ? 'access-token' : 'access-token-or-api-key';
  const places: CredentialPlaces = { cookie, apiKeyHeader: apiKeys !== false && apiKeys.header === 'x-api-key' };
  return (_req, res, _next, error) => {
    // The guard's refusals are our responses too, even on the host's routes: never let a browser sniff them.
    res.setHeader('X-Content-Type-Options', 'nosniff');
    sendAuthError(res, preset, toAuthError(nameCredential(error, expected, places), settings.logger));
  };
}

/** Admits the request: `req.auth` set, on to the route. */
const admit: GuardStep<AuthInfo> = (req, _res, next, auth) => {
  req.auth = auth;
  next();
};

/** Lets through only a caller with one of `roles` (any caller when there are none). */
function checkRoles(
  roles: readonly string[],
  refuse: GuardStep<unknown>,
  then: GuardStep<AuthInfo>,
): GuardStep<AuthInfo> {
  if (roles.length === 0) return then;
  return (req, res, next, auth) => {
    if (roles.some((role) => auth.authorities.includes(role))) return then(req, res, next, auth);
    refuse(req, res, next, new AuthError('forbidden'));
  };
}

function tokenAuth(claims: AccessClaims): AuthInfo {
  return { userId: userIdOf(claims), authorities: authoritiesOf(claims), method: 'token', claims, apiKeyId: undefined };
}

/** Verifies an access token and its session: synchronous when the core's caches answer, as they mostly do. */
function verifyToken(edge: EdgeContext, refuse: GuardStep<unknown>, then: GuardStep<AuthInfo>): GuardStep<string> {
  const { core } = edge;
  return (req, res, next, token) => {
    let claims: AccessClaims;
    let pending: void | Promise<void>;
    try {
      claims = verifyAccessToken(core, token);
      pending = checkAccessSession(core, claims);
    } catch (error) {
      // A synchronous refusal must still be answered in the preset's format, not by Express's default handler.
      return refuse(req, res, next, error);
    }
    if (pending === undefined) return then(req, res, next, tokenAuth(claims));
    pending.then(
      () => then(req, res, next, tokenAuth(claims)),
      (error: unknown) => refuse(req, res, next, error),
    );
  };
}

/** Authenticates an API key, its refusals counted per IP (too many: 429 before the store is asked). */
function verifyApiKey(edge: EdgeContext, refuse: GuardStep<unknown>, then: GuardStep<AuthInfo>): GuardStep<string> {
  const limiter = keyFailureLimiter(edge);
  return (req, res, next, key) => {
    limiter(req, res, (limitError?: unknown) => {
      if (limitError) return refuse(req, res, next, limitError);
      authenticateApiKey(edge.core, key).then(
        ({ owner, record, authorities }) =>
          then(req, res, next, {
            userId: owner.id,
            authorities,
            method: 'apiKey',
            claims: undefined,
            apiKeyId: record.id,
          }),
        (error: unknown) => {
          refusedKeyRequests.add(req);
          refuse(req, res, next, error);
        },
      );
    });
  };
}

/** No access token: `token_missing`, saying so when what came instead was an API key this guard refuses. */
function refuseMissing(refusedKeys: EdgeSettings['apiKeys'], refuse: GuardStep<unknown>): GuardStep<unknown> {
  const keyHeader = refusedKeys !== false && refusedKeys.header === 'x-api-key';
  return (req, res, next) => {
    const key = keyHeader ? req.headers['x-api-key'] : undefined;
    const refused = typeof key === 'string' && key !== '';
    refuse(
      req,
      res,
      next,
      refused
        ? new AuthError('token_missing', { message: apiKeyNotAcceptedMessage('access-token') })
        : new AuthError('token_missing'),
    );
  };
}

/** The access token from its HttpOnly cookie (never an API key); a state-changing request must pass the CSRF check. */
function readAccessCookie(
  cookies: CookieTransportSettings,
  name: string,
  refuse: GuardStep<unknown>,
  missing: GuardStep<unknown>,
  then: GuardStep<string>,
): GuardStep<unknown> {
  return (req, res, next) => {
    const token = readCookie(req, name);
    if (token === undefined) return missing(req, res, next, undefined);
    if (changesState(req)) {
      try {
        assertSameOriginRequest(req, cookies);
      } catch (error) {
        return refuse(req, res, next, error);
      }
    }
    then(req, res, next, token);
  };
}

/**
 * Reads the headers' credential and hands it to the step for its kind: an API key (X-API-Key, or Authorization with the
 * key prefix), a bearer token, or none. Tokens are read from headers only: a token in a query string ends up in logs
 * and Referer headers.
 */
function readCredential(
  edge: EdgeContext,
  apiKeys: EdgeSettings['apiKeys'],
  refuse: GuardStep<unknown>,
  to: { token: GuardStep<string>; key: GuardStep<string> | undefined; none: GuardStep<unknown> },
): GuardStep<unknown> {
  const { bareAuthorization } = edge.preset;
  const keyHeader = apiKeys !== false && apiKeys.header === 'x-api-key';
  const keyPrefix = apiKeys !== false && apiKeys.header === 'authorization' ? apiKeys.prefix : undefined;
  // Keys the instance issues but this guard refuses: one sent here is told so, not called a malformed token.
  const refusedKeys = apiKeys === false && edge.settings.apiKeys !== false ? edge.settings.apiKeys : undefined;
  const { token, key, none } = to;
  return (req, res, next) => {
    if (keyHeader && key !== undefined) {
      const value = req.headers['x-api-key'];
      if (typeof value === 'string' && value !== '') return key(req, res, next, value);
    }
    const value = readBearer(req, bareAuthorization);
    if (value === undefined) return none(req, res, next, undefined);
    if (keyPrefix !== undefined && key !== undefined && value.startsWith(keyPrefix)) return key(req, res, next, value);
    // Still token_malformed (what it was answered before the message named it): a key is no JWT.
    if (refusedKeys !== undefined && value.startsWith(refusedKeys.prefix)) {
      return refuse(
        req,
        res,
        next,
        new AuthError('token_malformed', { message: apiKeyNotAcceptedMessage('access-token') }),
      );
    }
    token(req, res, next, value);
  };
}

/**
 * The guard of `requireAuth()` and of the routes taking an access token: one-job steps (read the credential, verify
 * it, check roles, admit) composed once. The hot path (a bearer token the core's caches know) stays synchronous.
 */
export function createGuard(edge: EdgeContext, options: RequireAuthOptions = {}): RequestHandler {
  const { roles, allowApiKeys } = checkedOptions(options);
  const { settings } = edge;
  const apiKeys = allowApiKeys ? settings.apiKeys : false;
  // Only where configured does the guard look at cookies at all: bearer requests never pay for cookie parsing.
  const cookies = settings.cookies === false ? undefined : settings.cookies;
  const accessCookie = cookies?.accessCookieName;
  const refuse = refusal(edge, apiKeys, accessCookie !== undefined);
  // Built back to front, once: each step knows the one after it, so a request allocates no chain of its own.
  const authorized = checkRoles(roles, refuse, admit);
  const token = verifyToken(edge, refuse, authorized);
  const key = apiKeys === false ? undefined : verifyApiKey(edge, refuse, authorized);
  const missing = refuseMissing(apiKeys === false ? settings.apiKeys : false, refuse);
  const none =
    cookies === undefined || accessCookie === undefined
      ? missing
      : readAccessCookie(cookies, accessCookie, refuse, missing, token);
  const read = readCredential(edge, apiKeys, refuse, { token, key, none });
  return measuredGuard(edge, function requireAuth(req: Request, res: Response, next: NextFunction): void {
    read(req, res, next, undefined);
  });
}
