// The answer to a completed login: the preset's body, the device token in its HttpOnly cookie (never in a body), and in
// cookie transport the refresh token in its own.
import type { Request, Response } from 'express';
import type { LoginSuccess } from '../../core/results';
import type { Reply } from '../../presets/types';
import type { EdgeContext } from '../context';
import { deliverTokensInCookies, isCrossSiteRequest } from '../cookies';
import { setDeviceCookie } from '../request';
import { setTrustedDeviceCookie } from '../trusted-device-cookie';
import { answer } from '../reply';

export function loginReply(edge: EdgeContext, req: Request, res: Response, success: LoginSuccess): Reply {
  const cookie = edge.settings.deviceCookie;
  // A cross-site answer plants no device cookie, nor a trusted-device one (see isCrossSiteRequest).
  if (cookie !== false && success.device && !isCrossSiteRequest(req)) setDeviceCookie(res, cookie.name, success.device);
  if (success.trustedDevice && !isCrossSiteRequest(req)) setTrustedDeviceCookie(edge, res, success.trustedDevice);
  // Cookie transport: the refresh token goes in its HttpOnly cookie and the formatter sees none.
  return answer(edge, req, 'login', deliverTokensInCookies(edge, req, res, success));
}
