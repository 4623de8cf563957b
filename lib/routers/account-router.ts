// Account info and change-password (which is also the way out of an expired password).
import { Router } from 'express';
import { changeExpiredPassword, changePassword } from '../flows/account';
import type { AuthContext } from '../flows/context';
import { createGuard } from '../guard/require-auth';
import { currentUser } from './current-user';
import { authErrorHandler, authResponseHeaders, jsonBody, parseJsonBody, readAuthorization, readCookie, route, sendReply, stringField } from './http';
import { credentialLimiter } from './rate-limit';

const MAX_PASSWORD_FIELD = 4096;

export function buildAccountRouter(context: AuthContext): Router {
  const { config } = context;
  const { preset } = config;
  const router = Router();
  const headers = authResponseHeaders(config.clock);
  const tokenGuard = createGuard(context, { allowApiKeys: false });

  if (preset.routes.account) {
    router.get(
      preset.routes.account,
      headers,
      createGuard(context),
      route(async (req, res) => sendReply(res, preset.account(await currentUser(context, req)))),
    );
  }

  if (preset.routes.changePassword) {
    const limiter = credentialLimiter(context, 'change-password');
    router.post(
      preset.routes.changePassword,
      headers,
      limiter,
      parseJsonBody,
      // With a token, the user is the token's; without one (an expired password cannot get a token), the body names it.
      (req, res, next) => (readAuthorization(req, preset.bareAuthorization).kind === 'none' ? next() : tokenGuard(req, res, next)),
      route(async (req, res) => {
        const body = jsonBody(req);
        const change = {
          currentPassword: stringField(body, 'currentPassword', true, MAX_PASSWORD_FIELD),
          newPassword: stringField(body, 'newPassword', true, MAX_PASSWORD_FIELD),
          deviceToken: config.deviceCookie === false ? undefined : readCookie(req, config.deviceCookie.name),
        };
        if (req.auth) await changePassword(context, await currentUser(context, req), change);
        else await changeExpiredPassword(context, stringField(body, 'username', true, 320), change);
        sendReply(res, preset.passwordChanged());
      }),
    );
  }

  router.use(authErrorHandler(preset, config.logger));
  return router;
}
