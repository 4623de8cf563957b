// Logging in over HTTP for tests, on any preset: the login route and the token fields are read from the instance's
// preset (where its router is mounted, what its login answers), so one helper serves every wire format.
import request from 'supertest';
import type { Auth } from '../../lib';
import { PASSWORDS } from './fixtures';

/** What the helpers need of an app: supertest's target, the auth instance, and where its router is mounted. */
export interface SessionTarget {
  app: Parameters<typeof request>[0];
  auth: Pick<Auth, 'preset'>;
  /** The mount path as `createTestApp` gives it: '' for the root. */
  base: string;
}

/** A demo user (fixtures.ts): admin, user (emailed code), guest, expired, disabled. */
export type DemoUser = keyof typeof PASSWORDS;

export interface LoginOptions {
  /** The password sent; default the demo user's. */
  password?: string;
  /** More fields of the login body, e.g. `{ rememberMe: true }`. */
  body?: Record<string, unknown>;
  /** Request headers, e.g. `{ 'User-Agent': 'Tab/1.0', 'X-Forwarded-For': '203.0.113.9' }`. */
  headers?: Record<string, string>;
}

/** A completed login: its tokens as the preset names them, and the answer they came in. */
export interface Session {
  accessToken: string;
  /** The refresh token; reading it from a login that issued none throws (the test asked for what is not there). */
  readonly refreshToken: string;
  /** Whether the login issued a refresh token. */
  hasRefreshToken: boolean;
  body: Record<string, unknown>;
  res: request.Response;
}

/** A login stopped at the second factor: the challenge token and the answer it came in. */
export interface Challenge {
  token: string;
  body: Record<string, unknown>;
  res: request.Response;
}

type Body = Record<string, unknown>;

/** Where each preset's login answer keeps its tokens; a custom preset is read as the default one. */
interface TokenFields {
  /** Whether the answer is a second-factor challenge rather than a completed login. */
  isChallenge(body: Body): boolean;
  access(body: Body): unknown;
  refresh(body: Body): unknown;
  challenge(body: Body): unknown;
}

const DEFAULT_FIELDS: TokenFields = {
  isChallenge: (body) => body.tfaRequired === true,
  access: (body) => body.accessToken,
  refresh: (body) => body.refreshToken,
  challenge: (body) => body.challengeToken,
};

const data = (body: Body): Body => (body.data ?? {}) as Body;

const FIELDS: Record<string, TokenFields> = {
  default: DEFAULT_FIELDS,
  // UTMStack answers both in `token`/`id_token`; a challenge is the answer that is not yet authenticated.
  utmstack: {
    isChallenge: (body) => body.authenticated === false,
    access: (body) => body.id_token,
    refresh: () => undefined,
    challenge: (body) => body.token,
  },
  bforeai: { ...DEFAULT_FIELDS, access: (body) => body.Token, refresh: () => undefined },
  datarhei: { ...DEFAULT_FIELDS, access: (body) => body.access_token, refresh: (body) => body.refresh_token },
  storm: {
    isChallenge: (body) => typeof data(body).challengeToken === 'string',
    access: (body) => data(body).accessToken,
    refresh: () => undefined,
    challenge: (body) => data(body).challengeToken,
  },
};

const fieldsOf = (t: SessionTarget): TokenFields => FIELDS[t.auth.preset.name] ?? DEFAULT_FIELDS;

/** The preset's path of `route`, where `t`'s router is mounted. */
export function routeOf(t: SessionTarget, route: 'login' | 'tfaVerify' | 'refresh'): string {
  const path = t.auth.preset.routes[route];
  if (path === null) throw new Error(`the ${t.auth.preset.name} preset has no ${route} route`);
  return `${t.base}${path}`;
}

/** POSTs a login of `who` and leaves the answer to the caller: nothing is asserted. */
export function postLogin(t: SessionTarget, who: string, options: LoginOptions = {}): request.Test {
  const password = options.password ?? (PASSWORDS as Record<string, string>)[who];
  return request(t.app)
    .post(routeOf(t, 'login'))
    .set(options.headers ?? {})
    .send({ username: who, password, ...options.body });
}

/** Posts a login and expects a 200 answering `expected`: a session, or a second-factor challenge. */
async function answeredLogin(t: SessionTarget, who: string, options: LoginOptions, expected: 'session' | 'challenge') {
  const res = await postLogin(t, who, options);
  expect(res.status).toBe(200);
  const fields = fieldsOf(t);
  const body = res.body as Body;
  expect(fields.isChallenge(body)).toBe(expected === 'challenge');
  return { res, body, fields };
}

/** Logs `who` in (default admin) and expects a completed login: 200 with an access token, no challenge. */
export async function login(t: SessionTarget, who: DemoUser = 'admin', options: LoginOptions = {}): Promise<Session> {
  const { res, body, fields } = await answeredLogin(t, who, options, 'session');
  const accessToken = fields.access(body);
  expect(accessToken).toEqual(expect.any(String));
  const refreshToken = fields.refresh(body);
  return {
    accessToken: accessToken as string,
    get refreshToken(): string {
      if (typeof refreshToken !== 'string') throw new Error(`the login of ${who} issued no refresh token`);
      return refreshToken;
    },
    hasRefreshToken: typeof refreshToken === 'string',
    body,
    res,
  };
}

/** The access token of a completed login of `who` (default admin). */
export async function loginToken(
  t: SessionTarget,
  who: DemoUser = 'admin',
  options: LoginOptions = {},
): Promise<string> {
  return (await login(t, who, options)).accessToken;
}

/** The password step of `who` (default user, whose second factor is the emailed code): expects a challenge. */
export async function challenge(
  t: SessionTarget,
  who: DemoUser = 'user',
  options: LoginOptions = {},
): Promise<Challenge> {
  const { res, body, fields } = await answeredLogin(t, who, options, 'challenge');
  const token = fields.challenge(body);
  expect(token).toEqual(expect.any(String));
  return { token: token as string, body, res };
}

/** The challenge token of the password step of `who` (default user). */
export async function challengeToken(
  t: SessionTarget,
  who: DemoUser = 'user',
  options: LoginOptions = {},
): Promise<string> {
  return (await challenge(t, who, options)).token;
}

/** POSTs `body` (e.g. `{ code }`) to the preset's second-factor verify route with the challenge token. */
export function verifyChallenge(t: SessionTarget, challengeToken: string, body: Record<string, unknown>): request.Test {
  return request(t.app).post(routeOf(t, 'tfaVerify')).set(bearer(challengeToken)).send(body);
}

/** The claims of a JWT, unverified: for asserting what a token says. */
export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** The header of a JWT, unverified. */
export function headerOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** The Authorization header of a bearer credential: `request(app).get(path).set(bearer(token))`. */
export function bearer(token: string): { Authorization: string } {
  return { Authorization: `Bearer ${token}` };
}

/** Waits for what a flow does after answering (mails, events, last-use writes) to land. */
export function settle(ms = 20): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
