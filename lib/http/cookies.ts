// The browsers' cookie transport: whether a request asked for it, the token cookies set, read and cleared.
import type { Request, Response } from 'express';
import type { IssuedToken } from '../core/results';
import type { CookieTransportSettings, EdgeContext } from './context';
import { assertSameOriginRequest, optsIntoCookies } from './csrf';
import { readAuthorization } from './request';

// Requests a token cookie authenticated: their answer is in cookie mode even without the opt-in header, so a rotated
// refresh token never lands in a body that page script can read.
const cookieAuthenticated = new WeakSet<Request>();

/** Whether the answer to `req` puts tokens in cookies: the transport is on and the page opted in (or used a cookie). */
export function usesCookieTransport(edge: EdgeContext, req: Request): boolean {
  return edge.settings.cookies !== false && (optsIntoCookies(req) || cookieAuthenticated.has(req));
}

function serializeCookie(cookies: CookieTransportSettings, name: string, value: string, maxAgeSeconds: number): string {
  // Host-only (no Domain) and Path=/: what a `__Host-` name requires; tokens are base64url and dots, cookie-safe as is.
  return `${name}=${value}; Max-Age=${maxAgeSeconds}; Path=/; HttpOnly${cookies.secure ? '; Secure' : ''}; SameSite=${cookies.sameSite}`;
}

function setTokenCookie(
  edge: EdgeContext,
  res: Response,
  cookies: CookieTransportSettings,
  name: string,
  token: IssuedToken,
): void {
  const remaining = Math.max(0, token.expiresAt - Math.floor(edge.settings.clock() / 1000));
  res.append('Set-Cookie', serializeCookie(cookies, name, token.token, remaining));
}

/**
 * In cookie mode, sets the refresh token (and, where configured, the access token) in their cookies and returns the
 * result without the refresh token, for the preset's formatter; otherwise returns the result untouched.
 */
export function deliverTokensInCookies<T extends { access: IssuedToken; refresh: IssuedToken | undefined }>(
  edge: EdgeContext,
  req: Request,
  res: Response,
  result: T,
): T {
  const cookies = edge.settings.cookies;
  if (cookies === false || !usesCookieTransport(edge, req)) return result;
  // Without rotation a refresh answers no new refresh token: the cookie already holds the one still valid.
  if (result.refresh) setTokenCookie(edge, res, cookies, cookies.refreshCookieName, result.refresh);
  if (cookies.accessCookieName !== undefined)
    setTokenCookie(edge, res, cookies, cookies.accessCookieName, result.access);
  return { ...result, refresh: undefined };
}

/**
 * Login CSRF: a request that asks for its session in cookies (login, second-factor verify, an identity provider's
 * login, and a refresh or logout whose token came in the body or as bearer) must pass the same origin check as a
 * cookie-authenticated one, or a cross-site page could log the browser into the attacker's account (or out of its
 * own). Run before the body is read and before any password work, so a refusal consumes nothing.
 */
export function assertSameOriginCookieLogin(edge: EdgeContext, req: Request): void {
  const cookies = edge.settings.cookies;
  if (cookies !== false && optsIntoCookies(req)) assertSameOriginRequest(req, cookies);
}

/**
 * Whether the browser says the request comes from another site (`Sec-Fetch-Site: cross-site`). Such a login gets no
 * device cookie: it would replace the owner's own (and with it the owner's exemption from the account lockout), and
 * a SameSite=Strict cookie is never sent on the cross-site requests that site makes anyway.
 */
export function isCrossSiteRequest(req: Request): boolean {
  return req.headers['sec-fetch-site'] === 'cross-site';
}

/** In cookie mode, tells the browser to drop the token cookies (logout). */
export function clearTokenCookies(edge: EdgeContext, req: Request, res: Response): void {
  const cookies = edge.settings.cookies;
  if (cookies === false || !usesCookieTransport(edge, req)) return;
  res.append('Set-Cookie', serializeCookie(cookies, cookies.refreshCookieName, '', 0));
  if (cookies.accessCookieName !== undefined)
    res.append('Set-Cookie', serializeCookie(cookies, cookies.accessCookieName, '', 0));
}

/**
 * The token of a refresh or logout from its cookie, when no bearer was sent: the refresh cookie (for logout, else the
 * access cookie). A cookie found must pass the CSRF check (which throws `csrf_rejected`) before the core sees it.
 */
export function sessionTokenFromCookie(
  edge: EdgeContext,
  req: Request,
  credential: 'refresh-token' | 'session-token',
): string | undefined {
  const cookies = edge.settings.cookies;
  if (cookies === false || readAuthorization(req, edge.preset.bareAuthorization).kind === 'bearer') return undefined;
  let token = readCookie(req, cookies.refreshCookieName);
  if (token === undefined && credential === 'session-token' && cookies.accessCookieName !== undefined)
    token = readCookie(req, cookies.accessCookieName);
  if (token === undefined) return undefined;
  assertSameOriginRequest(req, cookies);
  cookieAuthenticated.add(req);
  return token;
}

/** Whether the request carries the access-token cookie the guard may read (the option on, no check made here). */
export function carriesAccessCookie(edge: EdgeContext, req: Request): boolean {
  const cookies = edge.settings.cookies;
  return (
    cookies !== false &&
    cookies.accessCookieName !== undefined &&
    readCookie(req, cookies.accessCookieName) !== undefined
  );
}

/**
 * The value of cookie `name` in the Cookie header, or undefined: the guard's per-request lookup, so it scans for the name
 * instead of splitting the header (a browser sends every cookie of the host, the device and refresh cookies included).
 */
export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (typeof header !== 'string' || header.length > 8192) return undefined;
  for (let at = header.indexOf(name); at !== -1; at = header.indexOf(name, at + 1)) {
    const end = at + name.length;
    if (header.charCodeAt(end) !== 61 /* = */) continue;
    let before = at - 1;
    while (before >= 0 && (header.charCodeAt(before) === 32 || header.charCodeAt(before) === 9)) before -= 1;
    if (before >= 0 && header.charCodeAt(before) !== 59 /* ; */) continue;
    const stop = header.indexOf(';', end + 1);
    const value = header.slice(end + 1, stop === -1 ? header.length : stop).trim();
    return value === '' ? undefined : value;
  }
  return undefined;
}
