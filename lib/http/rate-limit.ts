// Per-IP limits on routes that take a credential, through express-rate-limit, answered in the preset's format.
import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { AuthError } from '../errors';
import { clientAddressOf } from './client-address';
import type { EdgeContext } from './context';

// IPv6 clients get whole /56 prefixes from their ISPs: bucket by prefix so rotating addresses buys nothing.
const IPV6_SUBNET = 56;

/**
 * A limiter for one kind of credential route; each has its own store, as express-rate-limit requires. With `counts`,
 * only the requests it picks stay counted (e.g. the guard's own refusals, not a host route's 404 after it).
 */
export function credentialLimiter(
  context: EdgeContext,
  name: string,
  options: { counts?: (req: Request) => boolean } = {},
): RequestHandler {
  const limits = context.settings.rateLimit;
  if (limits === false) return (_req, _res, next) => next();
  const counts = options.counts;
  const store = context.core.state.createRateLimitStore?.(name);
  return rateLimit({
    windowMs: limits.credentials.windowSeconds * 1000,
    limit: limits.credentials.limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    identifier: name,
    skipSuccessfulRequests: counts !== undefined,
    ...(counts ? { requestWasSuccessful: (req: Request) => !counts(req) } : {}),
    // The library's one rule for the client's address (a permissive `trust proxy` cannot choose the bucket).
    keyGenerator: (req) => ipKeyGenerator(clientAddressOf(context, req).address ?? 'unknown', IPV6_SUBNET),
    ...(store ? { store } : {}),
    // A limiter whose store is down must not let attempts through uncounted.
    passOnStoreError: false,
    // We make these checks ourselves, with our own coded warnings through the injected logger.
    validate: { trustProxy: false, xForwardedForHeader: false, ip: false },
    handler: (_req, res, next) => {
      const retryAfter = Number(res.getHeader('Retry-After'));
      next(
        new AuthError('rate_limited', {
          retryAfterSeconds:
            Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : limits.credentials.windowSeconds,
        }),
      );
    },
  });
}
