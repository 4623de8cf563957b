// Refresh: a refresh token (body or bearer) for a new access token, rotating the refresh token where configured.
import { Type, type TObject, type TOptional, type TString } from '@sinclair/typebox';
import { refreshSession } from '../../core/session-tokens';
import { tokenField } from '../fields';
import { deliverTokensInCookies } from '../cookies';
import { measureRefresh } from '../metrics';
import { bodyReader, type BodyReader } from '../request';
import { defineRoute } from '../route';
import { answer } from '../reply';
import { refreshToken } from '../credentials';

/** The optional body of refresh and logout; the token may come as bearer instead. */
export const refreshBody: BodyReader<TObject<{ refreshToken: TOptional<TString> }>> = bodyReader(
  Type.Object(
    { refreshToken: Type.Optional({ ...tokenField, description: 'The refresh token; else send it as bearer.' }) },
    { examples: [{ refreshToken: tokenField.examples[0] }] },
  ),
);

export const refreshRoute = defineRoute({
  path: 'refresh',
  method: (edge) => edge.preset.routes.refreshMethod,
  operationId: 'refreshSession',
  summary: 'Refresh the access token',
  description:
    'Exchanges a refresh token (body `refreshToken`, or bearer) for a new access token; a reused refresh token ends the session (401 `token_revoked`).',
  tag: 'sessions',
  body: refreshBody,
  bodyOptional: () => true,
  credential: refreshToken(),
  limiter: 'refresh',
  mountedWhen: (edge) => edge.core.config.sessions.refresh.issue,
  answers: ['refreshed'],
  errors: [400, 401, 413, 429, 503],
  async handle(edge, { req, res, token }) {
    // Cookie transport: the rotated refresh token goes back in its cookie, never in the body.
    return answer(
      edge,
      req,
      'refreshed',
      deliverTokensInCookies(edge, req, res, await measureRefresh(edge, () => refreshSession(edge.core, token))),
    );
  },
});
