// Turns route declarations into an Express router (Express 4.21 and 5 alike): limiter, credential, body, handler.
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { inRequestScope } from '../core/request-scope';
import { apiKeyNotAcceptedMessage, AuthError, nameCredential, type CredentialPlaces, type ExpectedCredential } from '../errors';
import { requestScopeOf } from './client-summary';
import type { EdgeContext } from './context';
import { assertSameOriginCookieLogin, carriesAccessCookie, readCookie, sessionTokenFromCookie } from './cookies';
import { hasJsonContentType } from './csrf';
import { createGuard } from './guard';
import { credentialLimiter } from './rate-limit';
import { authErrorHandler, authResponseHeaders, sendReply } from './reply';
import { hasNoContent, parseJsonBody, readAuthorization, requireBearer } from './request';
import type { RouteDeclaration } from './route';
import { allRoutes } from './routes';

// One limiter per kind per instance, shared by every route of that kind whichever router factory mounts it.
const limitersByEdge = new WeakMap<EdgeContext, Map<string, RequestHandler>>();

function limiterFor(edge: EdgeContext, name: string): RequestHandler {
  let limiters = limitersByEdge.get(edge);
  if (!limiters) limitersByEdge.set(edge, (limiters = new Map()));
  let limiter = limiters.get(name);
  if (!limiter) limiters.set(name, (limiter = credentialLimiter(edge, name)));
  return limiter;
}

/** Whether `route` is mounted for this instance: its preset has a path for it, and its own condition holds. */
export function isMounted(edge: EdgeContext, route: RouteDeclaration<never>): boolean {
  return typeof edge.preset.routes[route.path] === 'string' && (route.mountedWhen?.(edge) ?? true);
}

export function routeMethod(edge: EdgeContext, route: RouteDeclaration<never>): 'get' | 'post' | 'delete' | 'patch' {
  return typeof route.method === 'function' ? route.method(edge) : route.method;
}

/** The guard a route's credential needs, or undefined when the handler takes a raw credential (or none). */
function credentialCheck(edge: EdgeContext, route: RouteDeclaration<never>): RequestHandler | undefined {
  switch (route.credential) {
    case 'access-token':
      // Keys are never enough here: a leaked key must not mint keys, enrol a factor or log out everywhere.
      return createGuard(edge, { allowApiKeys: false });
    case 'access-token-or-api-key':
      return createGuard(edge);
    case 'access-token-or-none': {
      const guard = createGuard(edge, { allowApiKeys: false });
      // With a token, the user is the token's; without one (an expired password cannot get a token), the body names it.
      return (req, res, next) => (hasNoAccessCredential(edge, req) ? next() : guard(req, res, next));
    }
    default:
      return undefined;
  }
}

/** The credential a route's token errors name; undefined for a route that takes none (a login's IdP token names itself). */
function expectedCredential(edge: EdgeContext, route: RouteDeclaration<never>): ExpectedCredential | undefined {
  switch (route.credential) {
    case 'none':
      return undefined;
    case 'access-token-or-none':
      return 'access-token';
    case 'access-token-or-api-key':
      return edge.settings.apiKeys === false ? 'access-token' : 'access-token-or-api-key';
    default:
      return route.credential;
  }
}

/** Where a route reads its credential: a refresh token also from the body (a POST) and the refresh cookie. */
function credentialPlaces(edge: EdgeContext, route: RouteDeclaration<never>): CredentialPlaces {
  const { apiKeys, cookies } = edge.settings;
  const refreshing = route.credential === 'refresh-token' || route.credential === 'session-token';
  return {
    body: refreshing && route.body !== undefined && routeMethod(edge, route) !== 'get',
    cookie: cookies !== false && (refreshing || cookies.accessCookieName !== undefined),
    apiKeyHeader: apiKeys !== false && apiKeys.header === 'x-api-key',
  };
}

/**
 * A raw token for the core, or `token_malformed` naming the route's credential when it is an API key of this instance
 * (a key is no JWT: the code is the one it got before the message named it).
 */
function refuseApiKey(edge: EdgeContext, credential: 'challenge-token' | 'refresh-token' | 'session-token', value: string): string {
  const { apiKeys } = edge.settings;
  if (apiKeys !== false && value.startsWith(apiKeys.prefix)) throw new AuthError('token_malformed', { message: apiKeyNotAcceptedMessage(credential) });
  return value;
}

/** Whether a request brings no access token at all: no Authorization header, and no access cookie where one is read. */
function hasNoAccessCredential(edge: EdgeContext, req: Request): boolean {
  return readAuthorization(req, edge.preset.bareAuthorization).kind === 'none' && !carriesAccessCookie(edge, req);
}

/** Answers 503 with Retry-After before any other work when a password check could not start within the bound. */
function refuseWhenPasswordWorkersAreFull(edge: EdgeContext): RequestHandler {
  return (_req, _res, next) => {
    try {
      edge.core.passwords.assertCapacity();
      next();
    } catch (error) {
      next(error);
    }
  };
}

/** Answers 403 `csrf_rejected` before any other work to a cookie-mode request from another site (login CSRF). */
function refuseCrossSiteCookieLogin(edge: EdgeContext): RequestHandler {
  return (req, _res, next) => {
    try {
      assertSameOriginCookieLogin(edge, req);
      next();
    } catch (error) {
      next(error);
    }
  };
}

/** Builds the router of `routes` for this instance. */
export function mountRoutes(edge: EdgeContext, routes: readonly RouteDeclaration<never>[]): Router {
  const { preset, settings } = edge;
  const router = Router();
  const headers = authResponseHeaders(settings.clock);
  for (const route of routes) {
    if (!isMounted(edge, route)) continue;
    const handlers: RequestHandler[] = [headers];
    // Routes that set (or clear) the token cookies in cookie mode, whatever their credential: a cross-site page must
    // not plant a session of its choosing (login CSRF), so it is refused before anything is counted.
    if (route.answers.includes('login') || route.credential === 'refresh-token' || route.credential === 'session-token') {
      handlers.push(refuseCrossSiteCookieLogin(edge));
    }
    if (route.checksPassword) handlers.push(refuseWhenPasswordWorkersAreFull(edge));
    if (route.limiter) handlers.push(limiterFor(edge, route.limiter));
    const check = credentialCheck(edge, route);
    if (check) handlers.push(check);
    if (route.body) handlers.push(parseJsonBody);
    handlers.push((req, res, next) => {
      // The core's events and session records see the request id and client summary through this scope.
      // A token error names the credential this route takes (and, when it is missing, where it goes).
      inRequestScope(requestScopeOf(edge, req), () => handleRoute(edge, route, req, res)).catch((error: unknown) => {
        const expected = expectedCredential(edge, route);
        next(expected === undefined ? error : nameCredential(error, expected, credentialPlaces(edge, route)));
      });
    });
    router[routeMethod(edge, route)](preset.routes[route.path] as string, ...handlers);
  }
  answerOtherMethods(edge, router, routes);
  router.use(authErrorHandler(preset, settings.logger));
  return router;
}

// ---- the library owns its paths: other methods answer 405 with Allow ----

const SERVED_METHODS = Symbol('express-auth-kit.servedMethods');
interface MethodsAtPath {
  /** Every method the instance's routes serve at the request's path (Express matched the paths for us). */
  methods: Set<string>;
  /** Whether one of those routes belongs to the router answering now. */
  own: boolean;
}
type MatchedRequest = Request & { [SERVED_METHODS]?: MethodsAtPath };

/**
 * After the routes: a request whose path one of the instance's routes serves, with a method none of them does (a
 * route only a sibling router of the instance mounts passes on to it), is answered 405 with Allow in the preset's
 * error shape; OPTIONS, when CORS middleware before us let it through, is answered 204 with Allow. Express answers
 * HEAD with a GET route, so Allow lists HEAD beside GET.
 */
function answerOtherMethods(edge: EdgeContext, router: Router, routes: readonly RouteDeclaration<never>[]): void {
  const own = new Set<RouteDeclaration<never>>(routes);
  const methodsByPath = new Map<string, { methods: Set<string>; own: boolean }>();
  for (const route of new Set([...routes, ...allRoutes])) {
    if (!isMounted(edge, route)) continue;
    const path = edge.preset.routes[route.path] as string;
    const entry = methodsByPath.get(path) ?? { methods: new Set<string>(), own: false };
    const method = routeMethod(edge, route).toUpperCase();
    entry.methods.add(method);
    if (method === 'GET') entry.methods.add('HEAD');
    entry.own ||= own.has(route);
    methodsByPath.set(path, entry);
  }
  if (methodsByPath.size === 0) return;
  // A request that no route answered starts with nothing noted (another router of ours may have noted its paths).
  router.use((req, _res, next) => {
    delete (req as MatchedRequest)[SERVED_METHODS];
    next();
  });
  for (const [path, entry] of methodsByPath) {
    router.all(path, (req, _res, next) => {
      const noted = ((req as MatchedRequest)[SERVED_METHODS] ??= { methods: new Set(), own: false });
      for (const method of entry.methods) noted.methods.add(method);
      noted.own ||= entry.own;
      next();
    });
  }
  const headers = authResponseHeaders(edge.settings.clock);
  router.use((req, res, next) => {
    const noted = (req as MatchedRequest)[SERVED_METHODS];
    if (!noted?.own || noted.methods.has(req.method)) return next();
    headers(req, res, () => {
      res.set('Allow', [...noted.methods].sort().join(', '));
      if (req.method === 'OPTIONS') res.status(204).end();
      else next(new AuthError('method_not_allowed'));
    });
  });
}

async function handleRoute(edge: EdgeContext, route: RouteDeclaration<never>, req: Request, res: Response): Promise<void> {
  const { preset, settings } = edge;
  // A token cookie is checked for CSRF before a non-JSON body is read: a cross-site form post is refused as such.
  const cookieFirst =
    (route.credential === 'refresh-token' || route.credential === 'session-token') && settings.cookies !== false && !hasJsonContentType(req)
      ? sessionTokenFromCookie(edge, req, route.credential)
      : undefined;
  const fields = route.body && !(route.bodyOptional?.(edge) && hasNoContent(req)) ? route.body.read(req) : {};
  let bearer: string | undefined;
  if (route.credential === 'challenge-token') bearer = refuseApiKey(edge, route.credential, requireBearer(req, preset.bareAuthorization));
  if (route.credential === 'refresh-token' || route.credential === 'session-token') {
    const fromBody = (fields as { refreshToken?: string }).refreshToken;
    // Body, then bearer, then (cookie transport) the cookie, which must pass the CSRF check before the core sees it.
    bearer = refuseApiKey(edge, route.credential, fromBody ?? cookieFirst ?? sessionTokenFromCookie(edge, req, route.credential) ?? requireBearer(req, preset.bareAuthorization));
  }
  const deviceToken = settings.deviceCookie === false ? undefined : readCookie(req, settings.deviceCookie.name);
  // Only what our own credential check established: a host's guard earlier in the chain does not choose the user.
  const checked =
    route.credential === 'access-token' ||
    route.credential === 'access-token-or-api-key' ||
    (route.credential === 'access-token-or-none' && !hasNoAccessCredential(edge, req));
  const reply = await route.handle(edge, { req, res, fields: fields as never, auth: checked ? req.auth : undefined, bearer, deviceToken });
  if (res.headersSent) throw new AuthError('internal');
  sendReply(res, reply);
}
