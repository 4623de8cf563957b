// What the core may know of the request it serves, without knowing HTTP: a request id and a short client summary,
// carried from the edge through AsyncLocalStorage so that events and session records can name them.
import { AsyncLocalStorage } from 'node:async_hooks';

/** A short, privacy-minded summary of a client: its user agent (cut short) and its network, never its full address. */
export interface ClientSummary {
  userAgent: string | null;
  /** The IPv4 /24 or IPv6 /56 the request came from, e.g. `203.0.113.0/24`. */
  network: string | null;
}

export interface RequestScope {
  requestId: string;
  client: ClientSummary;
  /**
   * Whether `client.network` is the client's own. False when the edge could not trust the address (a `trust proxy`
   * that believes every X-Forwarded-For leaves only the connection's address, a proxy's for every client) or knows
   * none: the network then cannot tell two clients apart, and the rotation grace window hands out no successor.
   */
  networkTrusted: boolean;
}

const scope = new AsyncLocalStorage<RequestScope>();

/** Runs `work` with `request` as the current request scope. */
export function inRequestScope<T>(request: RequestScope, work: () => T): T {
  return scope.run(request, work);
}

/** The request being served, or undefined outside one (a host calling the core directly, a timer). */
export function currentRequest(): RequestScope | undefined {
  return scope.getStore();
}
