// The answer to a completed login: the preset's body, and the device token in its HttpOnly cookie (never in a body).
import type { Request, Response } from 'express';
import type { LoginSuccess } from '../../core/results';
import type { Reply } from '../../presets/types';
import type { EdgeContext } from '../context';
import { setDeviceCookie } from '../request';

export function loginReply(edge: EdgeContext, req: Request, res: Response, success: LoginSuccess): Reply {
  const cookie = edge.settings.deviceCookie;
  if (cookie !== false && success.device) setDeviceCookie(res, cookie.name, success.device);
  return edge.preset.login(success, edge.replyContext(req));
}
