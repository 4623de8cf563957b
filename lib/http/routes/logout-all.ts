// POST logout everywhere: ends every session of the caller.
import { endAllSessions } from '../../core/session-tokens';
import { defineRoute } from '../route';

export const logoutAllRoute = defineRoute({
  path: 'logoutAll',
  method: 'post',
  operationId: 'logoutEverywhere',
  summary: 'End every session of the caller, this one included.',
  tag: 'sessions',
  credential: 'access-token',
  answers: ['loggedOut'],
  errors: [401, 503],
  async handle(edge, { auth }) {
    await endAllSessions(edge.core, auth!.userId);
    return edge.preset.loggedOut();
  },
});
