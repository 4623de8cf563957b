// A handler type for routes behind requireAuth(): there `req.auth` is always set, so strict TypeScript needs no `!`.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { AuthInfo } from '../core/results';

/** A request that passed `requireAuth()`: `auth` is set. */
export type AuthenticatedRequest = Request & { auth: AuthInfo };

/**
 * Wraps a handler that runs behind `requireAuth()`, typing `req.auth` as set. A request that reaches it without
 * `req.auth` (the guard was left out by mistake) is passed to the error handler instead of running it.
 *
 * @example
 * app.get('/api/me', requireAuth(), authenticated((req, res) => res.json({ id: req.auth.userId })));
 */
export function authenticated(
  handler: (req: AuthenticatedRequest, res: Response, next: NextFunction) => unknown,
): RequestHandler {
  return (req, res, next) => {
    if (req.auth === undefined) return next(new TypeError('authenticated(): put requireAuth() before this handler.'));
    try {
      const result = handler(req as AuthenticatedRequest, res, next);
      if (result instanceof Promise) result.catch(next);
    } catch (error) {
      next(error);
    }
  };
}
