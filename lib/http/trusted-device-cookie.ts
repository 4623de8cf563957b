// The trusted-device cookie ("remember this browser"): read at login, set after a second factor that asked for it.
import type { Request, Response } from 'express';
import { Type } from '@sinclair/typebox';
import type { EdgeContext } from './context';
import { readCookie } from './cookies';

/** The second-factor verify's opt-in, a body field of every preset's verify route. */
export const rememberDeviceField = Type.Boolean({
  description:
    'Trust this browser (where the server has trusted devices on): later logins from it with the right password skip the second factor, until the trust expires or is ended. Default false.',
  examples: [true],
});

/** The client's trusted-device cookie, when trusted devices are on and it sent one. */
export function trustedDeviceCookie(edge: EdgeContext, req: Request): string | undefined {
  const settings = edge.settings.trustedDevices;
  return settings === false ? undefined : readCookie(req, settings.cookieName);
}

/**
 * Sets the trusted-device cookie: HttpOnly (page script never sees it), Secure and host-only with Path=/ (a `__Host-`
 * name; not Secure only with `cookies.insecureDevelopment`), SameSite=Strict (a cross-site page never sends it).
 */
export function setTrustedDeviceCookie(
  edge: EdgeContext,
  res: Response,
  trusted: { token: string; lifetime: number },
): void {
  const settings = edge.settings.trustedDevices;
  if (settings === false) return;
  res.append(
    'Set-Cookie',
    `${settings.cookieName}=${trusted.token}; Max-Age=${trusted.lifetime}; Path=/; HttpOnly${settings.secure ? '; Secure' : ''}; SameSite=Strict`,
  );
}
