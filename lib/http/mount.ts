// Turns route declarations into an Express router (Express 4.21 and 5 alike): limiter, credential, body, handler.
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { inRequestScope } from '../core/request-scope';
import { AuthError, nameCredential } from '../errors';
import { requestScopeOf } from './client-summary';
import type { EdgeContext } from './context';
import { assertSameOriginCookieLogin, readCookie } from './cookies';
import { credentialLimiter } from './rate-limit';
import { authErrorHandler, authResponseHeaders, sendReply } from './reply';
import { hasNoContent, parseJsonBody } from './request';
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
    if (route.answers.includes('login') || route.credential.setsSessionCookies) {
      handlers.push(refuseCrossSiteCookieLogin(edge));
    }
    if (route.checksPassword) handlers.push(refuseWhenPasswordWorkersAreFull(edge));
    if (route.limiter) handlers.push(limiterFor(edge, route.limiter));
    const guard = route.credential.guard(edge);
    if (guard) handlers.push(guard);
    if (route.body) handlers.push(parseJsonBody);
    handlers.push((req, res, next) => {
      // The core's events and session records see the request id and client summary through this scope.
      // A token error names the credential this route takes (and, when it is missing, where it goes).
      inRequestScope(requestScopeOf(edge, req), () => handleRoute(edge, route, req, res)).catch((error: unknown) => {
        const { credential } = route;
        const expected = credential.expected(edge);
        next(
          expected === undefined
            ? error
            : nameCredential(
                error,
                expected,
                credential.places(edge, route.body !== undefined && routeMethod(edge, route) !== 'get'),
              ),
        );
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

async function handleRoute(
  edge: EdgeContext,
  route: RouteDeclaration<never>,
  req: Request,
  res: Response,
): Promise<void> {
  const { credential } = route;
  credential.beforeBody(edge, req);
  const fields: object = route.body && !(route.bodyOptional?.(edge) && hasNoContent(req)) ? route.body.read(req) : {};
  const deviceToken =
    edge.settings.deviceCookie === false ? undefined : readCookie(req, edge.settings.deviceCookie.name);
  // Widened here, as the route table is: each declaration's own types tie its handler's input to its body and credential.
  const reply = await route.handle(edge, {
    req,
    res,
    fields: fields as never,
    deviceToken,
    ...credential.read(edge, req, fields),
  });
  if (res.headersSent) throw new AuthError('internal');
  sendReply(res, reply);
}
