// GET sessions: the caller's open sessions (devices), the current one marked.
import { listSessions } from '../../core/session-tokens';
import { defineRoute } from '../route';
import { answer } from '../reply';
import { accessToken } from '../credentials';

export const sessionsRoute = defineRoute({
  path: 'sessions',
  method: 'get',
  operationId: 'listSessions',
  summary: "List the caller's sessions",
  description: "The caller's open sessions, one per login (device), newest first; the current one is marked.",
  tag: 'sessions',
  credential: accessToken(),
  mountedWhen: (edge) => edge.core.config.sessions.refresh.issue,
  answers: ['sessionList'],
  errors: [401, 503],
  async handle(edge, { req, auth }) {
    return answer(edge, req, 'sessionList', await listSessions(edge.core, auth.userId, auth.claims?.fam));
  },
});
