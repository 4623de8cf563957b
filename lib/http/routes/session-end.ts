// DELETE one session: its refresh token stops at once, its access tokens at the guard within sessions.cacheMs.
import { endSession } from '../../core/session-tokens';
import { defineRoute } from '../route';
import { answer } from '../reply';
import { accessToken } from '../credentials';

export const sessionEndRoute = defineRoute({
  path: 'sessionEnd',
  method: 'delete',
  operationId: 'endSession',
  summary: 'End a session',
  description:
    "Ends one of the caller's sessions: its tokens stop working. Another user's session id answers like a missing one (404 `not_found`).",
  tag: 'sessions',
  credential: accessToken(),
  mountedWhen: (edge) => edge.core.config.sessions.refresh.issue,
  answers: ['sessionEnded'],
  errors: [401, 404, 503],
  async handle(edge, { req, auth }) {
    await endSession(edge.core, auth.userId, String(req.params.id));
    return answer(edge, req, 'sessionEnded', undefined);
  },
});
