// POST logout everywhere: ends every session of the caller, and revokes their API keys unless configured to keep them.
import { endAllSessionsAndKeys } from '../../core/api-keys';
import { defineRoute } from '../route';
import { answer } from '../reply';
import { accessToken } from '../credentials';

export const logoutAllRoute = defineRoute({
  path: 'logoutAll',
  method: 'post',
  operationId: 'logoutEverywhere',
  summary: 'Log out everywhere',
  description:
    'Ends every session of the caller, this one included, and revokes their API keys (unless `apiKeys.revokeOnReset` is false).',
  tag: 'sessions',
  credential: accessToken(),
  answers: ['loggedOut'],
  errors: [401, 503],
  async handle(edge, { req, auth }) {
    await endAllSessionsAndKeys(edge.core, auth.userId);
    return answer(edge, req, 'loggedOut', undefined);
  },
});
