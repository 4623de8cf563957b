// GET login status: who the access token is.
import { currentUser } from '../../core/access';
import { defineRoute } from '../route';
import { answer } from '../reply';
import { accessToken } from '../credentials';

export const loginStatusRoute = defineRoute({
  path: 'loginStatus',
  method: 'get',
  operationId: 'getLoginStatus',
  summary: 'Who is logged in',
  description: 'Who the bearer of this access token (or API key) is, and what it may do.',
  tag: 'login',
  credential: accessToken(),
  answers: ['loginStatus'],
  errors: [401, 403, 503],
  async handle(edge, { req, auth }) {
    return answer(edge, req, 'loginStatus', { user: await currentUser(edge.core, auth), auth: auth });
  },
});
