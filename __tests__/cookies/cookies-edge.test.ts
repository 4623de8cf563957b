// The cookie transport as functions of the request and the edge's settings: when an answer is in cookie mode, the
// exact Set-Cookie lines it writes and clears, which token a refresh or logout takes from a cookie (and that a cookie
// found must pass the CSRF check first), and the login-CSRF check of a request asking for cookies.
import type { Request, Response } from 'express';
import { AuthError } from '../../lib/errors';
import type { CookieTransportSettings, EdgeContext } from '../../lib/http/context';
import {
  assertSameOriginCookieLogin,
  carriesAccessCookie,
  clearTokenCookies,
  deliverTokensInCookies,
  isCrossSiteRequest,
  sessionTokenFromCookie,
  usesCookieTransport,
} from '../../lib/http/cookies';
import type { IssuedToken } from '../../lib/tokens/token-service';

const ORIGIN = 'https://app.example.com';
const REFRESH = '__Host-eak-refresh';
const ACCESS = '__Host-eak-access';
// 12:00:00.750 UTC: a clock between two seconds, so the cookie's Max-Age counts from the whole second.
const NOW_MS = Date.UTC(2026, 0, 1, 12, 0, 0) + 750;
const NOW = Math.floor(NOW_MS / 1000);

function settings(overrides: Partial<CookieTransportSettings> = {}): CookieTransportSettings {
  return {
    refreshCookieName: REFRESH,
    accessCookieName: undefined,
    sameSite: 'Strict',
    secure: true,
    trustedOrigins: new Set([ORIGIN]),
    ...overrides,
  };
}

function edge(cookies: CookieTransportSettings | false, bareAuthorization = false): EdgeContext {
  return { settings: { cookies, clock: () => NOW_MS }, preset: { bareAuthorization } } as unknown as EdgeContext;
}

function req(headers: Record<string, string | undefined> = {}): Request {
  return { headers, method: 'POST' } as unknown as Request;
}

/** A response that records the Set-Cookie lines appended to it. */
function res(): Response & { cookies: string[] } {
  const cookies: string[] = [];
  return {
    cookies,
    append: (name: string, value: string) => void (name === 'Set-Cookie' && cookies.push(value)),
  } as unknown as Response & { cookies: string[] };
}

const OPT_IN = { origin: ORIGIN, 'x-auth-transport': 'cookie' };

function issued(token: string, expiresAt: number): IssuedToken {
  return { token, jti: `jti-${token}`, issuedAt: NOW, expiresAt, lifetime: expiresAt - NOW };
}

function session(refresh: IssuedToken | undefined): {
  access: IssuedToken;
  refresh: IssuedToken | undefined;
  user: string;
} {
  return { access: issued('access.token.sig', NOW + 900), refresh, user: 'u-1' };
}

/** The AuthError code `fn` throws, or 'passed'. */
function verdict(fn: () => unknown): string {
  try {
    fn();
    return 'passed';
  } catch (error) {
    return error instanceof AuthError ? error.code : String(error);
  }
}

describe('usesCookieTransport', () => {
  it('is on for a request with the opt-in header, when the transport is on', () => {
    expect(usesCookieTransport(edge(settings()), req(OPT_IN))).toBe(true);
    expect(usesCookieTransport(edge(settings()), req({ 'x-auth-transport': 'cookie' }))).toBe(true);
  });

  it('is off without the opt-in header, and off whatever the request says when the transport is off', () => {
    expect(usesCookieTransport(edge(settings()), req({ origin: ORIGIN }))).toBe(false);
    expect(usesCookieTransport(edge(false), req(OPT_IN))).toBe(false);
  });

  it('is on, without the header, for a request a token cookie authenticated', () => {
    const cookieRequest = req({ origin: ORIGIN, 'content-type': 'application/json', cookie: `${REFRESH}=r.t.s` });
    expect(usesCookieTransport(edge(settings()), cookieRequest)).toBe(false);
    expect(sessionTokenFromCookie(edge(settings()), cookieRequest, 'refresh-token')).toBe('r.t.s');
    expect(usesCookieTransport(edge(settings()), cookieRequest)).toBe(true);
    // Another request of the same browser is not.
    expect(usesCookieTransport(edge(settings()), req({ origin: ORIGIN, 'content-type': 'application/json' }))).toBe(
      false,
    );
  });
});

describe('deliverTokensInCookies', () => {
  it('sets the refresh cookie (host-only, HttpOnly, Secure, SameSite) for the rest of its life and drops it from the result', () => {
    const response = res();
    const result = session(issued('refresh.token.sig', NOW + 3600));
    expect(deliverTokensInCookies(edge(settings()), req(OPT_IN), response, result)).toEqual({
      ...result,
      refresh: undefined,
    });
    expect(response.cookies).toEqual([
      `${REFRESH}=refresh.token.sig; Max-Age=3600; Path=/; HttpOnly; Secure; SameSite=Strict`,
    ]);
  });

  it('also sets the access cookie when one is configured; no Secure under insecureDevelopment; SameSite as configured', () => {
    const response = res();
    const cookies = settings({ accessCookieName: ACCESS, secure: false, sameSite: 'Lax' });
    deliverTokensInCookies(edge(cookies), req(OPT_IN), response, session(issued('refresh.token.sig', NOW + 7200)));
    expect(response.cookies).toEqual([
      `${REFRESH}=refresh.token.sig; Max-Age=7200; Path=/; HttpOnly; SameSite=Lax`,
      `${ACCESS}=access.token.sig; Max-Age=900; Path=/; HttpOnly; SameSite=Lax`,
    ]);
  });

  it('sets no refresh cookie when the answer has no new refresh token (no rotation): the cookie keeps the valid one', () => {
    const response = res();
    const result = session(undefined);
    expect(deliverTokensInCookies(edge(settings({ accessCookieName: ACCESS })), req(OPT_IN), response, result)).toEqual(
      result,
    );
    expect(response.cookies).toEqual([
      `${ACCESS}=access.token.sig; Max-Age=900; Path=/; HttpOnly; Secure; SameSite=Strict`,
    ]);
  });

  it('a token already expired gets Max-Age=0, never a negative age', () => {
    const response = res();
    deliverTokensInCookies(edge(settings()), req(OPT_IN), response, session(issued('old.token.sig', NOW - 5)));
    expect(response.cookies).toEqual([
      `${REFRESH}=old.token.sig; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Strict`,
    ]);
  });

  it('outside cookie mode (no opt-in, or the transport off) returns the result untouched and sets nothing', () => {
    for (const [cookies, headers] of [
      [settings({ accessCookieName: ACCESS }), { origin: ORIGIN }],
      [false, OPT_IN],
    ] as const) {
      const response = res();
      const result = session(issued('refresh.token.sig', NOW + 3600));
      expect(deliverTokensInCookies(edge(cookies), req(headers), response, result)).toBe(result);
      expect(response.cookies).toEqual([]);
    }
  });
});

describe('clearTokenCookies', () => {
  it('expires the refresh cookie, and the access cookie when configured, in cookie mode', () => {
    const response = res();
    clearTokenCookies(edge(settings()), req(OPT_IN), response);
    expect(response.cookies).toEqual([`${REFRESH}=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Strict`]);
    const both = res();
    clearTokenCookies(edge(settings({ accessCookieName: ACCESS })), req(OPT_IN), both);
    expect(both.cookies).toEqual([
      `${REFRESH}=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Strict`,
      `${ACCESS}=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Strict`,
    ]);
  });

  it('clears nothing outside cookie mode', () => {
    for (const [cookies, headers] of [
      [settings({ accessCookieName: ACCESS }), { origin: ORIGIN }],
      [false, OPT_IN],
    ] as const) {
      const response = res();
      clearTokenCookies(edge(cookies), req(headers), response);
      expect(response.cookies).toEqual([]);
    }
  });
});

describe('assertSameOriginCookieLogin', () => {
  it('refuses a request asking for cookies from an untrusted origin or an unknown source', () => {
    expect(
      verdict(() => assertSameOriginCookieLogin(edge(settings()), req({ ...OPT_IN, origin: 'https://evil.example' }))),
    ).toBe('csrf_rejected');
    expect(verdict(() => assertSameOriginCookieLogin(edge(settings()), req({ 'x-auth-transport': 'cookie' })))).toBe(
      'csrf_rejected',
    );
  });

  it('passes a request asking for cookies from a trusted origin', () => {
    expect(verdict(() => assertSameOriginCookieLogin(edge(settings()), req(OPT_IN)))).toBe('passed');
  });

  it('checks nothing for a request that does not ask for cookies, nor when the transport is off', () => {
    expect(verdict(() => assertSameOriginCookieLogin(edge(settings()), req({ origin: 'https://evil.example' })))).toBe(
      'passed',
    );
    expect(
      verdict(() => assertSameOriginCookieLogin(edge(false), req({ ...OPT_IN, origin: 'https://evil.example' }))),
    ).toBe('passed');
  });
});

describe('isCrossSiteRequest', () => {
  it('is Sec-Fetch-Site: cross-site only', () => {
    expect(isCrossSiteRequest(req({ 'sec-fetch-site': 'cross-site' }))).toBe(true);
    for (const site of ['same-site', 'same-origin', 'none', undefined])
      expect(isCrossSiteRequest(req({ 'sec-fetch-site': site }))).toBe(false);
  });
});

describe('sessionTokenFromCookie', () => {
  const cookies = settings({ accessCookieName: ACCESS });
  const from = (
    headers: Record<string, string | undefined>,
    credential: 'refresh-token' | 'session-token' = 'refresh-token',
    edgeContext = edge(cookies),
  ) =>
    verdict(() => {
      const token = sessionTokenFromCookie(edgeContext, req(headers), credential);
      throw new Error(`token ${String(token)}`);
    });

  it('takes the refresh cookie, once the request passes the CSRF check', () => {
    expect(
      from({ origin: ORIGIN, 'content-type': 'application/json', cookie: `${REFRESH}=r.t.s; ${ACCESS}=a.t.s` }),
    ).toBe('Error: token r.t.s');
    expect(
      from(
        { origin: ORIGIN, 'content-type': 'application/json', cookie: `${REFRESH}=r.t.s; ${ACCESS}=a.t.s` },
        'session-token',
      ),
    ).toBe('Error: token r.t.s');
  });

  it('refuses a cookie from an untrusted origin, or from a request a form could make', () => {
    expect(
      from({ origin: 'https://evil.example', 'content-type': 'application/json', cookie: `${REFRESH}=r.t.s` }),
    ).toBe('csrf_rejected');
    expect(from({ origin: ORIGIN, 'content-type': 'text/plain', cookie: `${REFRESH}=r.t.s` })).toBe('csrf_rejected');
    expect(
      from(
        { origin: 'https://evil.example', 'content-type': 'application/json', cookie: `${ACCESS}=a.t.s` },
        'session-token',
      ),
    ).toBe('csrf_rejected');
  });

  it('a logout (session-token) falls back to the access cookie; a refresh does not', () => {
    const headers = { origin: ORIGIN, 'content-type': 'application/json', cookie: `${ACCESS}=a.t.s` };
    expect(from(headers, 'session-token')).toBe('Error: token a.t.s');
    expect(from(headers, 'refresh-token')).toBe('Error: token undefined');
    // Without an access cookie configured, no other cookie is read in its place (not even one named "undefined").
    expect(from({ ...headers, cookie: `${ACCESS}=a.t.s; undefined=u.t.s` }, 'session-token', edge(settings()))).toBe(
      'Error: token undefined',
    );
  });

  it('no cookie: nothing, and no CSRF check (the token comes from the body)', () => {
    expect(from({ origin: 'https://evil.example', cookie: 'other=1' }, 'session-token')).toBe('Error: token undefined');
    expect(from({ origin: 'https://evil.example' })).toBe('Error: token undefined');
  });

  it('a bearer token wins: the cookie is not read, and not checked', () => {
    const headers = { origin: 'https://evil.example', cookie: `${REFRESH}=r.t.s; ${ACCESS}=a.t.s` };
    expect(from({ ...headers, authorization: 'Bearer b.t.s' }, 'session-token')).toBe('Error: token undefined');
    // A preset that reads a bare Authorization value as the token.
    expect(from({ ...headers, authorization: 'b.t.s' }, 'session-token', edge(cookies, true))).toBe(
      'Error: token undefined',
    );
    // Any other scheme is no bearer: the cookie is read and checked.
    expect(from({ ...headers, authorization: 'Basic dXNlcjpwYXNz' })).toBe('csrf_rejected');
    expect(from({ ...headers, authorization: 'b.t.s' })).toBe('csrf_rejected');
  });

  it('reads no cookie when the transport is off (not even one named "undefined")', () => {
    const cookie = `${REFRESH}=r.t.s; ${ACCESS}=a.t.s; undefined=u.t.s`;
    expect(from({ origin: ORIGIN, 'content-type': 'application/json', cookie }, 'refresh-token', edge(false))).toBe(
      'Error: token undefined',
    );
    expect(
      from(
        { 'sec-fetch-site': 'same-origin', 'content-type': 'application/json', cookie },
        'session-token',
        edge(false),
      ),
    ).toBe('Error: token undefined');
  });
});

describe('carriesAccessCookie', () => {
  it('is whether the configured access cookie is in the request', () => {
    expect(
      carriesAccessCookie(edge(settings({ accessCookieName: ACCESS })), req({ cookie: `x=1; ${ACCESS}=a.t.s` })),
    ).toBe(true);
    expect(carriesAccessCookie(edge(settings({ accessCookieName: ACCESS })), req({ cookie: `${REFRESH}=r.t.s` }))).toBe(
      false,
    );
    expect(carriesAccessCookie(edge(settings({ accessCookieName: ACCESS })), req({}))).toBe(false);
  });

  it('is false without an access cookie configured, or with the transport off', () => {
    expect(carriesAccessCookie(edge(settings()), req({ cookie: `${ACCESS}=a.t.s; undefined=u.t.s` }))).toBe(false);
    expect(carriesAccessCookie(edge(false), req({ cookie: `${ACCESS}=a.t.s` }))).toBe(false);
  });
});
