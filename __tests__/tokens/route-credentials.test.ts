// The route table's credential values: what a handler gets follows its credential in the types (checked by
// `npm run typecheck`, which covers this file), and each value documents where it is read.
import { silentLogger } from '../../lib';
import type { AuthInfo } from '../../lib/core/results';
import type { EdgeContext, EdgeSettings } from '../../lib/http/context';
import {
  accessToken,
  challengeToken,
  noCredential,
  optionalAccessToken,
  refreshToken,
  sessionToken,
} from '../../lib/http/credentials';
import { defineRoute } from '../../lib/http/route';

const declared = {
  path: 'account',
  method: 'get',
  operationId: 'typeCheck',
  summary: 'Type check',
  tag: 'account',
  answers: [],
  errors: [],
} as const;

// Never called: the handlers are there for the compiler, which must accept and refuse what the comments say.
export const typedRoutes = [
  defineRoute({
    ...declared,
    credential: accessToken(),
    async handle(edge, { auth }) {
      const user: AuthInfo = auth;
      return { body: { id: user.userId } };
    },
  }),
  defineRoute({
    ...declared,
    credential: accessToken({ apiKeys: true }),
    async handle(edge, input) {
      const user: AuthInfo = input.auth;
      // @ts-expect-error An access-token route gets no raw token.
      void input.token;
      return { body: { id: user.userId } };
    },
  }),
  defineRoute({
    ...declared,
    credential: optionalAccessToken(),
    async handle(edge, { auth }) {
      // @ts-expect-error Without a token there is no user: the handler must look.
      const user: AuthInfo = auth;
      return { body: { id: user.userId } };
    },
  }),
  defineRoute({
    ...declared,
    credential: challengeToken(),
    async handle(edge, input) {
      const token: string = input.token;
      // @ts-expect-error A raw token is no checked user.
      void input.auth;
      return { body: { id: token } };
    },
  }),
  defineRoute({
    ...declared,
    credential: noCredential(),
    async handle(edge, input) {
      // @ts-expect-error No credential, no token.
      void input.token;
      // @ts-expect-error No credential, no user.
      void input.auth;
      return { body: { id: 'nobody' } };
    },
  }),
];

function edgeWith(settings: Partial<EdgeSettings>): EdgeContext {
  const defaults: EdgeSettings = {
    clock: Date.now,
    logger: silentLogger,
    rateLimit: false,
    apiKeys: false,
    deviceCookie: false,
    trustedDevices: false,
    secondFactor: { force: false },
    passwords: { maxAgeSeconds: null },
    cookies: false,
  };
  return { settings: { ...defaults, ...settings } } as EdgeContext;
}

const cookies: EdgeSettings['cookies'] = {
  refreshCookieName: 'rt',
  accessCookieName: 'at',
  sameSite: 'Strict',
  secure: true,
  trustedOrigins: new Set(),
};

describe('route credentials', () => {
  test('without cookies, each documents its header scheme, anonymous access last where allowed', () => {
    const edge = edgeWith({});
    expect(noCredential().security(edge)).toEqual([]);
    expect(accessToken().security(edge)).toEqual([{ accessToken: [] }]);
    expect(accessToken({ apiKeys: true }).security(edge)).toEqual([{ accessToken: [] }, { apiKey: [] }]);
    expect(optionalAccessToken().security(edge)).toEqual([{ accessToken: [] }, {}]);
    expect(challengeToken().security(edge)).toEqual([{ challengeToken: [] }]);
    expect(refreshToken().security(edge)).toEqual([{ refreshToken: [] }, {}]);
    expect(sessionToken().security(edge)).toEqual([{ refreshToken: [] }, { accessToken: [] }, {}]);
    expect([accessToken(), refreshToken(), sessionToken()].map((credential) => credential.cookieCarried(edge))).toEqual(
      [false, false, false],
    );
  });

  test('with the cookie transport, the cookies a credential may come in are listed before anonymous access', () => {
    const edge = edgeWith({ cookies });
    expect(accessToken().security(edge)).toEqual([{ accessToken: [] }, { accessCookie: [] }]);
    expect(optionalAccessToken().security(edge)).toEqual([{ accessToken: [] }, { accessCookie: [] }, {}]);
    expect(refreshToken().security(edge)).toEqual([{ refreshToken: [] }, { refreshCookie: [] }, {}]);
    expect(sessionToken().security(edge)).toEqual([
      { refreshToken: [] },
      { accessToken: [] },
      { refreshCookie: [] },
      { accessCookie: [] },
      {},
    ]);
    expect(challengeToken().security(edge)).toEqual([{ challengeToken: [] }]);
    expect(
      [accessToken(), challengeToken(), refreshToken()].map((credential) => credential.cookieCarried(edge)),
    ).toEqual([true, false, true]);
  });

  test('only the session credentials set or clear the session cookies, and name themselves in token errors', () => {
    const edge = edgeWith({ apiKeys: { header: 'x-api-key', prefix: 'eak_' } });
    const all = [
      noCredential(),
      accessToken(),
      accessToken({ apiKeys: true }),
      optionalAccessToken(),
      challengeToken(),
      refreshToken(),
      sessionToken(),
    ];
    expect(all.map((credential) => credential.setsSessionCookies)).toEqual([
      false,
      false,
      false,
      false,
      false,
      true,
      true,
    ]);
    expect(all.map((credential) => credential.expected(edge))).toEqual([
      undefined,
      'access-token',
      'access-token-or-api-key',
      'access-token',
      'challenge-token',
      'refresh-token',
      'session-token',
    ]);
    expect(accessToken({ apiKeys: true }).expected(edgeWith({}))).toBe('access-token');
  });
});
