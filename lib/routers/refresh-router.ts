// Refresh (with rotation and reuse detection), logout (ends the session's family) and log out everywhere.
import { Router, type Request } from 'express';
import { AuthError } from '../errors';
import type { AuthContext } from '../flows/context';
import { endAllSessions, logoutSession, refreshSession } from '../flows/session-tokens';
import { createGuard } from '../guard/require-auth';
import { authErrorHandler, authResponseHeaders, parseJsonBody, readAuthorization, replyContext, route, sendReply } from './http';
import { credentialLimiter } from './rate-limit';

/** The refresh token from `{ refreshToken }` in a JSON body, else from the bearer header. */
function presentedToken(req: Request, bare: boolean): string {
  const body: unknown = req.body;
  if (typeof body === 'object' && body !== null && !Array.isArray(body) && 'refreshToken' in body) {
    const value = (body as { refreshToken: unknown }).refreshToken;
    if (typeof value !== 'string' || value === '') throw new AuthError('invalid_request', { message: 'The field "refreshToken" must be a string.' });
    return value;
  }
  const credential = readAuthorization(req, bare);
  if (credential.kind !== 'bearer') throw new AuthError('token_missing');
  return credential.value;
}

export function buildRefreshRouter(context: AuthContext): Router {
  const { config } = context;
  const { preset } = config;
  const routes = preset.routes;
  const router = Router();
  const headers = authResponseHeaders(config.clock);

  if (routes.refresh && config.refresh.issue) {
    const limiter = credentialLimiter(context, 'refresh');
    router[routes.refreshMethod](
      routes.refresh,
      headers,
      limiter,
      parseJsonBody,
      route(async (req, res) => {
        const tokens = await refreshSession(context, presentedToken(req, preset.bareAuthorization));
        sendReply(res, preset.refreshed(tokens, replyContext(req, config.clock, config.secondFactor.force)));
      }),
    );
  }

  if (routes.logout) {
    router.post(
      routes.logout,
      headers,
      parseJsonBody,
      route(async (req, res) => {
        const token = presentedToken(req, preset.bareAuthorization);
        // A refresh token or an access token of the session both name its family.
        let claims: { sub: string; fam?: string | undefined };
        try {
          claims = context.tokens.verify(token, 'refresh');
        } catch {
          claims = context.tokens.verify(token, 'access');
        }
        await logoutSession(context, claims);
        sendReply(res, preset.loggedOut());
      }),
    );
  }

  if (routes.logoutAll) {
    router.post(
      routes.logoutAll,
      headers,
      createGuard(context, { allowApiKeys: false }),
      route(async (req, res) => {
        await endAllSessions(context, req.auth!.userId);
        sendReply(res, preset.loggedOut());
      }),
    );
  }

  router.use(authErrorHandler(preset, config.logger));
  return router;
}
