// Per-IP limits on routes that take a credential, through express-rate-limit, answered in the preset's format.
import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { AuthError } from '../errors';
import { warn } from '../logger';
import type { AuthContext } from '../flows/context';

// IPv6 clients get whole /56 prefixes from their ISPs: bucket by prefix so rotating addresses buys nothing.
const IPV6_SUBNET = 56;

/**
 * The address to count a request under. With `trust proxy` set to `true`, Express believes the client's own
 * X-Forwarded-For, which would let every request choose its bucket; we refuse that and use the peer's address.
 */
function clientAddress(context: AuthContext, warned: { done: boolean }): (req: Request) => string {
  return (req) => {
    if (req.app.get('trust proxy') === true) {
      if (!warned.done) {
        warned.done = true;
        warn(
          context.config.logger,
          'PERMISSIVE_TRUST_PROXY',
          '"trust proxy" is true, which lets clients choose their address; rate limits use the connection\'s address instead. Set it to your proxy count or addresses.',
        );
      }
      return req.socket.remoteAddress ?? 'unknown';
    }
    return req.ip ?? req.socket.remoteAddress ?? 'unknown';
  };
}

/** A limiter for one kind of credential route; each has its own store, as express-rate-limit requires. */
export function credentialLimiter(context: AuthContext, name: string, options: { countOnlyFailures?: boolean } = {}): RequestHandler {
  const limits = context.config.rateLimit;
  if (limits === false) return (_req, _res, next) => next();
  const address = clientAddress(context, { done: false });
  const store = context.state.createRateLimitStore?.(name);
  return rateLimit({
    windowMs: limits.credentials.windowSeconds * 1000,
    limit: limits.credentials.limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    identifier: name,
    skipSuccessfulRequests: options.countOnlyFailures ?? false,
    keyGenerator: (req) => ipKeyGenerator(address(req), IPV6_SUBNET),
    ...(store ? { store } : {}),
    // A limiter whose store is down must not let attempts through uncounted.
    passOnStoreError: false,
    // We make these checks ourselves, with our own coded warnings through the injected logger.
    validate: { trustProxy: false, xForwardedForHeader: false, ip: false },
    handler: (_req, res, next) => {
      const retryAfter = Number(res.getHeader('Retry-After'));
      next(new AuthError('rate_limited', { retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : limits.credentials.windowSeconds }));
    },
  });
}
