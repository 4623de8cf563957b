// bfore.ai's token routes: GET logout (ends the sent token's session), GET renew (the same lifetime, from now) and
// GET token with a lifetime (`?m=<minutes>` or `?d=<days>`, capped by `tokens.maxLifetime`).
import type { Request } from 'express';
import { currentUser } from '../../core/access';
import type { AuthInfo } from '../../core/results';
import { endAccessTokenSession, issueAccessTokenFrom } from '../../core/session-tokens';
import { AuthError } from '../../errors';
import type { AccessClaims } from '../../tokens/claims';
import type { EdgeContext } from '../context';
import { defineRoute } from '../route';
import { accessToken } from '../credentials';
import type { Reply } from '../../presets/types';
import { answer } from '../reply';

/** The admitted access token's claims (the routes take an access token, never an API key). */
function claimsOf(auth: AuthInfo): AccessClaims {
  if (auth.claims === undefined) throw new AuthError('token_missing');
  return auth.claims;
}

/** A new token for the caller, answered as the preset answers a login (bfore.ai: the user with its `Token`). */
async function answerWithToken(
  edge: EdgeContext,
  req: Request,
  auth: AuthInfo,
  lifetimeSeconds: number,
  sameSession: boolean,
): Promise<Reply> {
  const claims = claimsOf(auth);
  const user = await currentUser(edge.core, auth);
  const access = await issueAccessTokenFrom(edge.core, user, claims, { lifetimeSeconds, sameSession });
  return answer(edge, req, 'login', {
    user,
    access,
    refresh: undefined,
    firstLogin: false,
    rememberMe: claims.rme === true,
  });
}

export const logoutTokenRoute = defineRoute({
  path: 'logoutToken',
  method: 'get',
  operationId: 'logoutToken',
  summary: 'Log out this token',
  description: 'Ends the session of the access token sent; other sessions (and tokens from the token route) go on.',
  tag: 'sessions',
  credential: accessToken(),
  answers: ['loggedOut'],
  errors: [400, 401, 503],
  async handle(edge, { req, auth }) {
    await endAccessTokenSession(edge.core, claimsOf(auth));
    return answer(edge, req, 'loggedOut', undefined);
  },
});

export const tokenRenewRoute = defineRoute({
  path: 'tokenRenew',
  method: 'get',
  operationId: 'renewToken',
  summary: 'Renew the access token',
  description:
    'A new access token in the same session, lasting as long as the one sent did, from now (which keeps its expiry).',
  tag: 'sessions',
  credential: accessToken(),
  answers: ['login'],
  errors: [401, 403, 503],
  async handle(edge, { req, auth }) {
    const claims = claimsOf(auth);
    // `exi` where the preset writes it; the same lifetime from exp and iat where it does not.
    return answerWithToken(edge, req, auth, claims.exi ?? claims.exp - claims.iat, true);
  },
});

const UNITS = { m: 60, d: 86400 } as const;

/** The lifetime asked for, in seconds: exactly one of `m` (minutes) and `d` (days), a whole number, within the cap. */
function askedLifetime(query: Request['query'], maxSeconds: number): number {
  const given = (['m', 'd'] as const).filter((name) => query[name] !== undefined);
  if (given.length !== 1)
    throw new AuthError('invalid_request', {
      message: 'Send either "m" (minutes) or "d" (days) as a query parameter.',
    });
  const name = given[0]!;
  const value = query[name];
  if (typeof value !== 'string' || !/^[1-9][0-9]{0,8}$/.test(value)) {
    throw new AuthError('invalid_request', { message: `The parameter "${name}" must be a whole number from 1.` });
  }
  const seconds = Number(value) * UNITS[name];
  if (seconds > maxSeconds) {
    throw new AuthError('invalid_request', {
      message: `The parameter "${name}" asks for more than the longest lifetime allowed, ${maxSeconds} seconds.`,
    });
  }
  return seconds;
}

export const tokenIssueRoute = defineRoute({
  path: 'tokenIssue',
  method: 'get',
  operationId: 'issueToken',
  summary: 'Issue an access token of a chosen lifetime',
  description:
    'A new access token of the lifetime asked (`?m=<minutes>` or `?d=<days>`, at most `tokens.maxLifetime`), in a session of its own.',
  tag: 'sessions',
  credential: accessToken(),
  queryParameters: [
    {
      name: 'm',
      in: 'query',
      required: false,
      description: 'The new token\'s lifetime in minutes (or send "d").',
      schema: { type: 'string', pattern: '^[1-9][0-9]{0,8}$', examples: ['90'] },
    },
    {
      name: 'd',
      in: 'query',
      required: false,
      description: 'The new token\'s lifetime in days (or send "m").',
      schema: { type: 'string', pattern: '^[1-9][0-9]{0,8}$', examples: ['7'] },
    },
  ],
  answers: ['login'],
  errors: [400, 401, 403, 503],
  async handle(edge, { req, auth }) {
    claimsOf(auth);
    return answerWithToken(
      edge,
      req,
      auth,
      askedLifetime(req.query, edge.core.config.tokens.maxLifetimeSeconds),
      false,
    );
  },
});
