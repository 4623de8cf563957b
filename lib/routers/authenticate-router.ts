// Login (password or an identity provider's JWT), login status, and the second-factor routes.
import { Router, type Request, type Response } from 'express';
import type { AuthContext } from '../flows/context';
import { loginWithPassword, openSession } from '../flows/login';
import { resendSecondFactor, verifySecondFactor } from '../flows/second-factor';
import { beginTotpEnrolment, confirmTotpEnrolment } from '../flows/totp-enrolment';
import { createGuard } from '../guard/require-auth';
import type { LoginSuccess } from '../presets/types';
import {
  authErrorHandler,
  authResponseHeaders,
  booleanField,
  clientGoneSignal,
  jsonBody,
  parseJsonBody,
  readAuthorization,
  readCookie,
  replyContext,
  requireBearer,
  route,
  sendReply,
  setDeviceCookie,
  stringField,
} from './http';
import { credentialLimiter } from './rate-limit';
import { currentUser } from './current-user';

// Long enough for any passphrase; bcrypt only reads 72 bytes, and longer ones are refused rather than truncated.
const MAX_PASSWORD_FIELD = 4096;

function hasNoBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return (length === undefined || length === '0') && req.headers['transfer-encoding'] === undefined;
}

export function buildAuthenticateRouter(context: AuthContext): Router {
  const { config } = context;
  const { preset, clock } = config;
  const routes = preset.routes;
  const router = Router();
  const headers = authResponseHeaders(clock);
  const loginLimiter = credentialLimiter(context, 'login');
  const tfaLimiter = credentialLimiter(context, 'second-factor');
  const tokenGuard = createGuard(context, { allowApiKeys: false });
  const reply = (req: Request) => replyContext(req, clock, config.secondFactor.force);
  const deviceCookie = config.deviceCookie;
  const deviceToken = (req: Request) => (deviceCookie === false ? undefined : readCookie(req, deviceCookie.name));
  /** Answers a completed login; the device token goes into its HttpOnly cookie, never into a body. */
  const sendLogin = (req: Request, res: Response, success: LoginSuccess) => {
    if (deviceCookie !== false && success.device) setDeviceCookie(res, deviceCookie.name, success.device);
    sendReply(res, preset.login(success, reply(req)));
  };

  router.post(
    routes.login,
    headers,
    loginLimiter,
    parseJsonBody,
    route(async (req, res) => {
      const bearer = readAuthorization(req, false);
      if (context.externalIdentity && bearer.kind === 'bearer' && hasNoBody(req)) {
        // datarhei: an identity provider's JWT as bearer and no body is a login too.
        const user = await context.externalIdentity.userFor(bearer.value);
        sendLogin(req, res, await openSession(context, user, { rememberMe: false, identityProvider: context.externalIdentity.issuer }));
        return;
      }
      const body = jsonBody(req);
      const outcome = await loginWithPassword(context, {
        username: stringField(body, 'username', true, 320),
        password: stringField(body, 'password', true, MAX_PASSWORD_FIELD),
        rememberMe: booleanField(body, 'rememberMe'),
        deviceToken: deviceToken(req),
        signal: clientGoneSignal(res),
      });
      if (outcome.kind === 'authenticated') sendLogin(req, res, outcome);
      else sendReply(res, preset.challenge(outcome, reply(req)));
    }),
  );

  if (routes.loginStatus) {
    router.get(
      routes.loginStatus,
      headers,
      tokenGuard,
      route(async (req, res) => {
        sendReply(res, preset.loginStatus(await currentUser(context, req), req.auth!));
      }),
    );
  }

  if (routes.tfaVerify) {
    router.post(
      routes.tfaVerify,
      headers,
      tfaLimiter,
      parseJsonBody,
      route(async (req, res) => {
        const claims = context.tokens.verify(requireBearer(req, preset.bareAuthorization), 'tfa');
        const code = stringField(jsonBody(req), 'code', true, 16);
        sendLogin(req, res, await verifySecondFactor(context, claims, code, deviceToken(req)));
      }),
    );
  }

  if (routes.tfaResend) {
    router.post(
      routes.tfaResend,
      headers,
      tfaLimiter,
      route(async (req, res) => {
        const claims = context.tokens.verify(requireBearer(req, preset.bareAuthorization), 'tfa');
        const { expiresInSeconds } = await resendSecondFactor(context, claims);
        sendReply(res, { body: { sent: true, tfaExpiresInSeconds: expiresInSeconds } });
      }),
    );
  }

  if (routes.totpEnroll && routes.totpConfirm && context.users.updateSecondFactor) {
    router.post(
      routes.totpEnroll,
      headers,
      tfaLimiter,
      tokenGuard,
      parseJsonBody,
      route(async (req, res) => {
        const body = jsonBody(req);
        const password = stringField(body, 'password', true, MAX_PASSWORD_FIELD);
        const currentCode = stringField(body, 'currentCode', false, 16);
        const enrolment = await beginTotpEnrolment(context, await currentUser(context, req), { password, currentCode, deviceToken: deviceToken(req) });
        sendReply(res, preset.totpEnrolment(enrolment));
      }),
    );
    router.post(
      routes.totpConfirm,
      headers,
      tfaLimiter,
      tokenGuard,
      parseJsonBody,
      route(async (req, res) => {
        const body = jsonBody(req);
        const code = stringField(body, 'code', true, 16);
        await confirmTotpEnrolment(context, await currentUser(context, req), code, stringField(body, 'emailCode', false, 16));
        sendReply(res, { body: { secondFactor: 'TOTP' } });
      }),
    );
  }

  router.use(authErrorHandler(preset, config.logger));
  return router;
}
