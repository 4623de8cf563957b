// POST login: a password login (or, with an identity provider configured, its JWT as bearer and no body).
import { Type } from '@sinclair/typebox';
import { loginWithExternalIdentity, loginWithPassword } from '../../core/login';
import { passwordField, usernameField } from '../fields';
import { measureLogin } from '../metrics';
import { bodyReader, clientGoneSignal, hasNoContent, readAuthorization } from '../request';
import { defineRoute } from '../route';
import { noCredential } from '../credentials';
import { trustedDeviceCookie } from '../trusted-device-cookie';
import { loginReply } from './login-reply';
import { answer } from '../reply';

const body = bodyReader(
  Type.Object(
    {
      username: usernameField,
      password: passwordField,
      rememberMe: Type.Optional(
        Type.Boolean({ description: 'A longer-lived session, where the preset offers one.', examples: [false] }),
      ),
    },
    { examples: [{ username: 'admin', password: 'admin-password' }] },
  ),
);

export const loginRoute = defineRoute({
  path: 'login',
  method: 'post',
  operationId: 'login',
  summary: 'Log in',
  description:
    'Logs in with a login name or an email address and a password. Answers a session (tokens), or a second-factor challenge to finish at the second-factor route. Wrong credentials: 401 `invalid_credentials`; too many: 403 `login_blocked`; an expired password: 403 `password_expired`.',
  tag: 'login',
  body,
  bodyOptional: (edge) => edge.core.externalIdentity !== undefined,
  credential: noCredential(),
  limiter: 'login',
  checksPassword: true,
  answers: ['login', 'challenge'],
  errors: [400, 401, 403, 413, 429, 503],
  async handle(edge, { req, res, deviceToken, fields }) {
    const { core } = edge;
    const bearer = readAuthorization(req, false);
    if (core.externalIdentity && bearer.kind === 'bearer' && hasNoContent(req)) {
      // datarhei: an identity provider's JWT as bearer and no body (or an empty one, as httpx sends) is a login too.
      return loginReply(edge, req, res, await loginWithExternalIdentity(core, bearer.value));
    }
    // No fields means no body was sent (allowed only for the identity provider's login): read it to say what is missing.
    const { username, password, rememberMe } = fields.username === undefined ? body.read(req) : fields;
    const outcome = await measureLogin(edge, () =>
      loginWithPassword(core, {
        username,
        password,
        rememberMe: rememberMe === true,
        deviceToken,
        trustedDeviceToken: trustedDeviceCookie(edge, req),
        signal: clientGoneSignal(res),
      }),
    );
    if (outcome.kind === 'challenge') return answer(edge, req, 'challenge', outcome);
    return loginReply(edge, req, res, outcome);
  },
});
