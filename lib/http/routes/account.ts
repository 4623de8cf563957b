// GET account: the caller's own account (an access token or an API key).
import { currentUser } from '../../core/access';
import { defineRoute } from '../route';
import { answer } from '../reply';
import { accessToken } from '../credentials';

export const accountRoute = defineRoute({
  path: 'account',
  method: 'get',
  operationId: 'getAccount',
  summary: "Get the caller's account",
  tag: 'account',
  credential: accessToken({ apiKeys: true }),
  answers: ['account'],
  errors: [401, 403, 429, 503],
  async handle(edge, { req, auth }) {
    return answer(edge, req, 'account', await currentUser(edge.core, auth));
  },
});
