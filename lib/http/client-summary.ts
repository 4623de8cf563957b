// The request scope the core sees: a request id and a short client summary (user agent, network), never a full IP.
import { randomUUID } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import type { Request } from 'express';
import type { ClientSummary, RequestScope } from '../core/request-scope';
import { clientAddressOf } from './client-address';
import type { EdgeContext } from './context';

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** An IPv4 address's /24 or an IPv6 address's /56, as text; null for anything else. */
export function networkOf(address: string | undefined): string | null {
  if (!address) return null;
  const mapped = address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
  if (isIPv4(mapped)) return `${mapped.split('.').slice(0, 3).join('.')}.0/24`;
  if (!isIPv6(mapped)) return null;
  // Expand "::" to the full eight groups, keep the first 56 bits (three groups and a half).
  const [head = '', tail = ''] = mapped.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const groups = mapped.includes('::')
    ? [...headGroups, ...Array(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups]
    : headGroups;
  const keep = groups.slice(0, 4).map((group) => parseInt(group || '0', 16));
  keep[3] = (keep[3] ?? 0) & 0xff00;
  return `${keep.map((group) => group.toString(16)).join(':')}::/56`;
}

export function requestScopeOf(edge: EdgeContext, req: Request): RequestScope {
  const given = req.headers['x-request-id'];
  const agent = req.headers['user-agent'];
  const { address, trusted } = clientAddressOf(edge, req);
  const network = networkOf(address);
  const client: ClientSummary = {
    userAgent: typeof agent === 'string' && agent !== '' ? agent.slice(0, 200) : null,
    network,
  };
  return {
    requestId: typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID(),
    client,
    networkTrusted: trusted && network !== null,
  };
}
