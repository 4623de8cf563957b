// One rule for the client's address, everywhere the library names a client: rate limits, client summaries, events,
// the sessions list and the rotation grace window.
import type { Request } from 'express';
import { warn } from '../logger';
import type { EdgeContext } from './context';

// The library's default for rateLimit.maxProxyHops, used when rate limits are off and the option is not resolved.
const DEFAULT_MAX_PROXY_HOPS = 2;

/** The address a request is attributed to, and whether it is the client's own. */
export interface ClientAddress {
  /** Express's `req.ip` when `trust proxy` is sound; the connection's own address when it is permissive. */
  address: string | undefined;
  /**
   * False when the app's `trust proxy` believes every X-Forwarded-For (the connection's address is then used, which
   * behind a proxy is the proxy's, shared by every client) or when no address is known: the address cannot tell two
   * clients apart.
   */
  trusted: boolean;
}

// Express compiles the setting into a new function whenever it changes, so the verdict is cached per function.
const verdictByTrustFn = new WeakMap<object, boolean>();

/**
 * Whether the app's `trust proxy` setting believes any address, however many hops away: `true`, but also a CIDR
 * list covering everything (`'0.0.0.0/0'`), an absurd hop count, or a function that says yes to all. Express then
 * takes the client's own X-Forwarded-For as its address, which would let every request choose its address.
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

// One warning per auth instance, however many routes and limiters it has.
const warnedContexts = new WeakSet<EdgeContext>();

/**
 * The client's address: Express's `req.ip`, which honours `trust proxy`. When that setting trusts everyone, a
 * client-supplied X-Forwarded-For would choose it; we refuse it, take the connection's own address, mark it
 * untrusted, and warn once.
 */
export function clientAddressOf(edge: EdgeContext, req: Request): ClientAddress {
  const limits = edge.settings.rateLimit;
  if (trustsEveryone(req, limits === false ? DEFAULT_MAX_PROXY_HOPS : limits.maxProxyHops)) {
    if (!warnedContexts.has(edge)) {
      warnedContexts.add(edge);
      warn(
        edge.settings.logger,
        'PERMISSIVE_TRUST_PROXY',
        '"trust proxy" trusts every address, which lets clients choose their address; rate limits, sessions and events use the connection\'s address instead, and the rotation grace window is off. Set it to your proxy count or addresses.',
      );
    }
    return { address: req.socket.remoteAddress, trusted: false };
  }
  const address = req.ip ?? req.socket.remoteAddress;
  return { address, trusted: address !== undefined };
}
