// The bearer guard: an access token (or an API key) through the core, roles checked, req.auth set; the hot path
// stays synchronous when the core's caches answer.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { checkAccessSession, userIdOf, verifyAccessToken } from '../core/access';
import { authenticateApiKey } from '../core/api-keys';
import type { AuthInfo } from '../core/results';
import { apiKeyNotAcceptedMessage, AuthError, nameCredential, type CredentialPlaces, type ExpectedCredential } from '../errors';
import type { AccessClaims } from '../tokens/claims';
import type { EdgeContext } from './context';
import { readCookie } from './cookies';
import { assertSameOriginRequest, changesState } from './csrf';
import { measuredGuard } from './metrics';
import { credentialLimiter } from './rate-limit';
import { sendAuthError, toAuthError } from './reply';
import { readAuthorization } from './request';

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

export function createGuard(edge: EdgeContext, options: RequireAuthOptions = {}): RequestHandler {
  if (typeof options !== 'object' || options === null) throw new TypeError('requireAuth(options): options must be an object.');
  const roles = options.roles ?? [];
  if (!Array.isArray(roles) || roles.some((role) => typeof role !== 'string' || role.length === 0)) {
    throw new TypeError('requireAuth(): "roles" must be an array of non-empty strings.');
  }
  for (const key of Object.keys(options)) {
    if (key !== 'roles' && key !== 'allowApiKeys') throw new TypeError(`requireAuth(): unknown option "${key}".`);
  }
  const { core, preset, settings } = edge;
  const apiKeys = options.allowApiKeys === false ? false : settings.apiKeys;
  const keyLimiter = apiKeys === false ? undefined : keyFailureLimiter(edge);
  // Only where configured does the guard look at cookies at all: bearer requests never pay for cookie parsing.
  const cookies = settings.cookies !== false && settings.cookies.accessCookieName !== undefined ? settings.cookies : undefined;
  // What the refusals name: the credential this guard takes, and where it goes.
  const expected: ExpectedCredential = apiKeys === false ? 'access-token' : 'access-token-or-api-key';
  const places: CredentialPlaces = { cookie: cookies !== undefined, apiKeyHeader: apiKeys !== false && apiKeys.header === 'x-api-key' };
  // Keys the instance issues but this guard refuses: one sent here is told so, not called a malformed token.
  const refusedKeys = apiKeys === false && settings.apiKeys !== false ? settings.apiKeys : undefined;

  function fail(res: Response, error: unknown): void {
    // The guard's refusals are our responses too, even on the host's routes: never let a browser sniff them.
    res.setHeader('X-Content-Type-Options', 'nosniff');
    sendAuthError(res, preset, toAuthError(nameCredential(error, expected, places), settings.logger));
  }

  /** No access token: `token_missing`, saying so when what came instead was an API key this route refuses. */
  function missing(req: Request): AuthError {
    const key = refusedKeys?.header === 'x-api-key' ? req.headers['x-api-key'] : undefined;
    return typeof key === 'string' && key !== '' ? new AuthError('token_missing', { message: apiKeyNotAcceptedMessage('access-token') }) : new AuthError('token_missing');
  }

  function admit(req: Request, res: Response, next: NextFunction, auth: AuthInfo): void {
    if (roles.length > 0 && !roles.some((role) => auth.authorities.includes(role))) return fail(res, new AuthError('forbidden'));
    req.auth = auth;
    next();
  }

  function admitToken(req: Request, res: Response, next: NextFunction, claims: AccessClaims): void {
    admit(req, res, next, { userId: userIdOf(claims), authorities: authoritiesOf(claims), method: 'token', claims, apiKeyId: undefined });
  }

  function useApiKey(req: Request, res: Response, next: NextFunction, key: string): void {
    (keyLimiter as RequestHandler)(req, res, (limitError?: unknown) => {
      if (limitError) return fail(res, limitError);
      authenticateApiKey(core, key).then(
        ({ owner, record, authorities }) => admit(req, res, next, { userId: owner.id, authorities, method: 'apiKey', claims: undefined, apiKeyId: record.id }),
        (error: unknown) => {
          refusedKeyRequests.add(req);
          fail(res, error);
        },
      );
    });
  }

  function useAccessToken(req: Request, res: Response, next: NextFunction, value: string): void {
    let claims: AccessClaims;
    let pending: void | Promise<void>;
    try {
      claims = verifyAccessToken(core, value);
      pending = checkAccessSession(core, claims);
    } catch (error) {
      // A synchronous refusal must still be answered in the preset's format, not by Express's default handler.
      return fail(res, error);
    }
    if (pending === undefined) return admitToken(req, res, next, claims);
    pending.then(
      () => admitToken(req, res, next, claims),
      (error: unknown) => fail(res, error),
    );
  }

  // The access token from its HttpOnly cookie (never an API key); a state-changing request must pass the CSRF check.
  function useAccessCookie(req: Request, res: Response, next: NextFunction, settingsOfCookies: NonNullable<typeof cookies>): void {
    const token = readCookie(req, settingsOfCookies.accessCookieName as string);
    if (token === undefined) return fail(res, missing(req));
    if (changesState(req)) {
      try {
        assertSameOriginRequest(req, settingsOfCookies);
      } catch (error) {
        return fail(res, error);
      }
    }
    useAccessToken(req, res, next, token);
  }

  return measuredGuard(edge, function requireAuth(req: Request, res: Response, next: NextFunction): void {
    if (apiKeys !== false && apiKeys.header === 'x-api-key') {
      const key = req.headers['x-api-key'];
      if (typeof key === 'string' && key !== '') return useApiKey(req, res, next, key);
    }
    // Tokens are read from the header only: a token in a query string ends up in logs and Referer headers.
    const credential = readAuthorization(req, preset.bareAuthorization);
    if (credential.kind !== 'bearer') {
      if (cookies !== undefined) return useAccessCookie(req, res, next, cookies);
      return fail(res, missing(req));
    }
    const value = credential.value;
    if (apiKeys !== false && apiKeys.header === 'authorization' && value.startsWith(apiKeys.prefix)) {
      return useApiKey(req, res, next, value);
    }
    // Still token_malformed (what it was answered before the message named it): a key is no JWT.
    if (refusedKeys !== undefined && value.startsWith(refusedKeys.prefix)) {
      return fail(res, new AuthError('token_malformed', { message: apiKeyNotAcceptedMessage('access-token') }));
    }
    useAccessToken(req, res, next, value);
  });
}
