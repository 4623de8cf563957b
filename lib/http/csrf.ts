// The CSRF defence of cookie-authenticated state-changing requests: the request must come from a trusted origin
// (Origin, else Sec-Fetch-Site) and be one no cross-site HTML form can make (the opt-in header, or a JSON body).
import type { Request } from 'express';
import { AuthError } from '../errors';
import type { CookieTransportSettings } from './context';

/**
 * The request header a browser page sends to opt into the cookie transport. Not a CORS-safelisted header, so a
 * cross-site page can only send it after a preflight the host's CORS policy answers, and an HTML form never can.
 */
export const COOKIE_TRANSPORT_HEADER = 'X-Auth-Transport';
export const COOKIE_TRANSPORT_VALUE = 'cookie';

/** Whether the request carries `X-Auth-Transport: cookie` (value case-insensitive). */
export function optsIntoCookies(req: Request): boolean {
  const value = req.headers['x-auth-transport'];
  return typeof value === 'string' && value.trim().toLowerCase() === COOKIE_TRANSPORT_VALUE;
}

// application/json and application/*+json: types an HTML form cannot send (its enctypes are urlencoded, multipart, text).
export function hasJsonContentType(req: Request): boolean {
  const header = req.headers['content-type'];
  if (typeof header !== 'string') return false;
  const type = header.split(';', 1)[0]!.trim().toLowerCase();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

/**
 * Refuses (403 `csrf_rejected`) a cookie-authenticated request that may come from another site. Run before any work
 * the request asks for, so a refused request consumes nothing.
 *
 * - `Origin` present: it must be a trusted origin (`null`, sent by sandboxed frames and some redirects, never is).
 * - `Origin` absent: `Sec-Fetch-Site` must be `same-origin` or `none` (the user typed it); without either header the
 *   request's source is unknown and it is refused (OWASP CSRF cheat sheet, "Verifying origin with standard headers").
 * - And the request must carry the opt-in header or a JSON content type.
 */
export function assertSameOriginRequest(req: Request, cookies: CookieTransportSettings): void {
  const origin = req.headers.origin;
  if (origin !== undefined) {
    if (!cookies.trustedOrigins.has(origin)) throw new AuthError('csrf_rejected');
  } else {
    const site = req.headers['sec-fetch-site'];
    if (site !== 'same-origin' && site !== 'none') throw new AuthError('csrf_rejected');
  }
  if (!optsIntoCookies(req) && !hasJsonContentType(req)) throw new AuthError('csrf_rejected');
}

/** GET, HEAD and OPTIONS change nothing (RFC 9110 safe methods); every other method does. */
export function changesState(req: Request): boolean {
  const method = req.method;
  return method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS';
}
