// POST logout: ends the session a refresh token or an access token (body or bearer) belongs to.
import { logout } from '../../core/session-tokens';
import { clearTokenCookies } from '../cookies';
import { defineRoute } from '../route';
import { sessionToken } from '../credentials';
import { refreshBody } from './refresh';
import { answer } from '../reply';

export const logoutRoute = defineRoute({
  path: 'logout',
  method: 'post',
  operationId: 'logout',
  summary: 'Log out',
  description: 'Ends the session of a refresh token or an access token (body `refreshToken`, or bearer).',
  tag: 'sessions',
  body: refreshBody,
  bodyOptional: () => true,
  credential: sessionToken(),
  answers: ['loggedOut'],
  errors: [400, 401, 413, 503],
  async handle(edge, { req, res, token }) {
    // Cookie transport: the browser forgets the cookies whatever the store answers (the CSRF check has passed).
    clearTokenCookies(edge, req, res);
    await logout(edge.core, token);
    return answer(edge, req, 'loggedOut', undefined);
  },
});
