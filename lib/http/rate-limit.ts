// Per-IP limits on routes that take a credential, through express-rate-limit, answered in the preset's format.
import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { AuthError } from '../errors';
import { warn } from '../logger';
import type { EdgeContext } from './context';

// IPv6 clients get whole /56 prefixes from their ISPs: bucket by prefix so rotating addresses buys nothing.
const IPV6_SUBNET = 56;

// Express compiles the setting into a new function whenever it changes, so the verdict is cached per function.
const verdictByTrustFn = new WeakMap<object, boolean>();

/**
 * Whether the app's `trust proxy` setting believes any address, however many hops away: `true`, but also a CIDR
 * list covering everything (`'0.0.0.0/0'`), an absurd hop count, or a function that says yes to all. Express then
 * takes the client's own X-Forwarded-For as its address, which would let every request choose its bucket.
 */
function trustsEveryone(req: Request, maxProxyHops: number): boolean {
  if (req.app.get('trust proxy') === true) return true;
  const trust: unknown = req.app.get('trust proxy fn');
  if (typeof trust !== 'function') return false;
  let verdict = verdictByTrustFn.get(trust);
  if (verdict === undefined) {
    const probe = trust as (address: string, hop: number) => boolean;
    // Documentation addresses (RFC 5737, RFC 3849) stand for "any stranger on the internet". Hops are counted from 0
    // (the connection's own address): trusting a stranger at hop `maxProxyHops`, one past the deepest real proxy,
    // means believing an entry the client wrote itself.
    verdict = probe('198.51.100.7', maxProxyHops) === true || probe('2001:db8::7', maxProxyHops) === true;
    verdictByTrustFn.set(trust, verdict);
  }
  return verdict;
}

// One warning per auth instance, however many limiters it has.
const warnedContexts = new WeakSet<EdgeContext>();

/**
 * The address to count a request under: Express's `req.ip`, which honours `trust proxy`. When that setting trusts
 * everyone, a client-supplied X-Forwarded-For would choose the bucket; we refuse it, count the connection's own
 * address, and warn once.
 */
function clientAddress(context: EdgeContext, maxProxyHops: number): (req: Request) => string {
  return (req) => {
    if (trustsEveryone(req, maxProxyHops)) {
      if (!warnedContexts.has(context)) {
        warnedContexts.add(context);
        warn(
          context.settings.logger,
          'PERMISSIVE_TRUST_PROXY',
          '"trust proxy" trusts every address, which lets clients choose their address; rate limits use the connection\'s address instead. Set it to your proxy count or addresses.',
        );
      }
      return req.socket.remoteAddress ?? 'unknown';
    }
    return req.ip ?? req.socket.remoteAddress ?? 'unknown';
  };
}

/**
 * A limiter for one kind of credential route; each has its own store, as express-rate-limit requires. With `counts`,
 * only the requests it picks stay counted (e.g. the guard's own refusals, not a host route's 404 after it).
 */
export function credentialLimiter(context: EdgeContext, name: string, options: { counts?: (req: Request) => boolean } = {}): RequestHandler {
  const limits = context.settings.rateLimit;
  if (limits === false) return (_req, _res, next) => next();
  const address = clientAddress(context, limits.maxProxyHops);
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
