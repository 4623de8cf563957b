// Replays of datarhei's own SDKs against the datarhei example: each test sends the bytes the SDK sends and checks what
// the SDK reads and requires (pydantic models in Python, struct fields and checks in Go). Sources, cited per test:
// - github.com/datarhei/core-client-python at commit 9be77bcd97381dfdc7449263638647c29c7e8a43 (httpx; models in
//   core_client/base/models/): PY = core_client/__init__.py
// - github.com/datarhei/core-client-go at commit e2e1959213865fbc3cc533ade4e7d848b2d14356 (net/http): GO = client.go
// httpx 0.28 sends `Accept: */*`, `Accept-Encoding`, `Connection: keep-alive`, `User-Agent: python-httpx/…` by default
// and a `json=` body compact (separators "," and ":"); Go's net/http sends `User-Agent: Go-http-client/1.1` and
// `Accept-Encoding: gzip`, and json.Encoder ends the body with a newline.
import { decodeJwt } from 'jose';
import { buildExampleApp, DEMO_PASSWORDS } from '../../examples/shared/demo-server';
import { datarheiAboutRoute } from '../../examples/shared/products';
import { createTestApp } from '../helpers/create-app';
import { createIdpKey, signIdpToken, startJwksServer } from '../helpers/jwks-server';
import { listenRaw, type RawResponse, type RawServer } from '../helpers/raw-http';
import { quietExampleConsole, useExampleEnvironment } from '../helpers/example-env';

const saved = { ...process.env };

const HTTPX_DEFAULTS = {
  Accept: '*/*',
  'Accept-Encoding': 'gzip, deflate',
  Connection: 'keep-alive',
  'User-Agent': 'python-httpx/0.28.1',
};
/** core_client/__init__.py:33-36 — the headers every proxied call (and the refresh) starts from. */
const PY_CLIENT_HEADERS = { ...HTTPX_DEFAULTS, accept: 'application/json', 'content-type': 'application/json' };
const GO_DEFAULTS = { 'User-Agent': 'Go-http-client/1.1', 'Accept-Encoding': 'gzip' };

function json(res: RawResponse): Record<string, unknown> {
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  return JSON.parse(res.text) as Record<string, unknown>;
}

/** What pydantic's `About` (core_client/base/models/about.py:28-36) and `AboutVersion` (:6-12) require. */
function expectPydanticAbout(body: Record<string, unknown>): void {
  expect(typeof body.app).toBe('string');
  expect(
    body.auths === undefined || (Array.isArray(body.auths) && body.auths.every((a) => typeof a === 'string')),
  ).toBe(true);
  expect(typeof (body.version as { number?: unknown }).number).toBe('string');
  for (const field of ['id', 'name', 'created_at'] as const)
    if (body[field] !== undefined) expect(typeof body[field]).toBe('string');
  if (body.created_at !== undefined) expect(Number.isNaN(Date.parse(body.created_at as string))).toBe(false);
  if (body.uptime_seconds !== undefined) expect(Number.isInteger(body.uptime_seconds)).toBe(true);
}

/** What pydantic's `Error` (core_client/base/models/error.py:5-8) requires, and Go's `api.Error` (api/error.go:9-14) reads. */
function expectCoreError(res: RawResponse, status: number): void {
  const body = json(res);
  expect(res.status).toBe(status);
  expect(body).toEqual({ code: status, message: expect.any(String), details: expect.any(Array) });
  expect((body.details as unknown[]).every((detail) => typeof detail === 'string')).toBe(true);
}

/** Go's semver check (client.go:17-21, 178-199): a 16.x version, at least 16.7.2 once logged in. */
function expectGoSupportedVersion(number: string): void {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(number);
  expect(match).not.toBeNull();
  const [major, minor, patch] = match!.slice(1).map(Number) as [number, number, number];
  expect(major).toBe(16);
  expect(minor > 7 || (minor === 7 && patch >= 2)).toBe(true);
}

let server: RawServer;

beforeEach(async () => {
  useExampleEnvironment('a-datarhei-example-secret-that-is-long-enough-0123456789abcdef', [
    'TRUST_PROXY',
    'AUTH0_ISSUER',
    'AUTH0_AUDIENCE',
    'AUTH0_JWKS_URI',
    'AUTH0_USERS',
  ]);
  quietExampleConsole();
  const { app } = await buildExampleApp({
    preset: 'datarhei',
    guardedRoute: /^\/api\/v3(?:\/.*)?$/i,
    productRoutes: datarheiAboutRoute,
    onEvent: () => undefined,
  });
  server = await listenRaw(app);
});

afterEach(async () => {
  await server.close();
  process.env = { ...saved };
  jest.restoreAllMocks();
});

// ---- core-client-python ----

/** PY:75-96 `_basic_login`: httpx.post(url=".../api/login", json={username, password}) with httpx's own headers only. */
function pyBasicLogin(username = 'admin', password = DEMO_PASSWORDS.admin): Promise<RawResponse> {
  return server.send({
    method: 'POST',
    path: '/api/login',
    headers: { ...HTTPX_DEFAULTS, 'Content-Type': 'application/json' },
    body: Buffer.from(JSON.stringify({ username, password }), 'utf8'),
  });
}

/** PY:177-194 `_refresh_access_token`: GET /api/login/refresh, the client's headers plus the refresh token as bearer. */
function pyRefresh(refreshToken: string): Promise<RawResponse> {
  return server.send({
    method: 'GET',
    path: '/api/login/refresh',
    headers: { ...PY_CLIENT_HEADERS, authorization: `Bearer ${refreshToken}` },
  });
}

/** core_client/base/api/about_get.py:19-26 through the proxy (PY:277-287): GET /api with the client's headers and bearer. */
function pyAboutGet(accessToken: string): Promise<RawResponse> {
  return server.send({
    method: 'GET',
    path: '/api',
    headers: { ...PY_CLIENT_HEADERS, authorization: `Bearer ${accessToken}` },
  });
}

describe('core-client-python', () => {
  test('login() first reads GET /api without credentials: an About with "localjwt" in auths', async () => {
    // PY:233-240 — httpx.get(url=f"{base_url}/api"); About(**r_about.json()); `"localjwt" in about.auths`.
    const res = await server.send({ method: 'GET', path: '/api', headers: HTTPX_DEFAULTS });
    expect(res.status).toBe(200);
    const about = json(res);
    expectPydanticAbout(about);
    expect(about).toMatchObject({ app: 'datarhei-core', auths: expect.arrayContaining(['localjwt']) });
    expect(about.id).toBeUndefined();
  });

  test('_basic_login(): POST /api/login json= answers Token(access_token, refresh_token), each with an "exp" jwt.decode reads', async () => {
    // PY:75-92 — status 200, Token(**r_login.json()); PY:119-124 and 148-153 — jwt.decode(…, verify_signature False)["exp"].
    const res = await pyBasicLogin();
    expect(res.status).toBe(200);
    const body = json(res);
    expect(body).toEqual({ access_token: expect.any(String), refresh_token: expect.any(String) });
    expect(decodeJwt(body.access_token as string).exp).toEqual(expect.any(Number));
    expect(decodeJwt(body.refresh_token as string).exp).toEqual(expect.any(Number));
    // PY:95-96 — anything but 200 raises "Authorization failed"; the status is all it reads.
    expect((await pyBasicLogin('admin', 'wrong-password')).status).toBe(401);
  });

  test('a proxied call (about_get) with the bearer answers the About with the instance id', async () => {
    const { access_token: access } = json(await pyBasicLogin()) as { access_token: string };
    // about_get.py:29-35 — status 200: TypeAdapter(About).validate_python(response.json()).
    const res = await pyAboutGet(access);
    expect(res.status).toBe(200);
    const about = json(res);
    expectPydanticAbout(about);
    expect(about.id).toEqual(expect.any(String));
  });

  test('_refresh_access_token(): GET /api/login/refresh answers AccessToken(access_token) with an "exp"', async () => {
    const { refresh_token: refresh } = json(await pyBasicLogin()) as { refresh_token: string };
    // PY:187-190 — status 200: AccessToken(**json) (core_client/base/models/login.py:11-12: access_token required).
    const res = await pyRefresh(refresh);
    expect(res.status).toBe(200);
    const body = json(res);
    expect(body.access_token).toEqual(expect.any(String));
    expect(decodeJwt(body.access_token as string).exp).toEqual(expect.any(Number));
    expect((await pyAboutGet(body.access_token as string)).status).toBe(200);
  });

  test('a 401 is an Error(code=401) the proxy retries once after a refresh (PY:288-296)', async () => {
    const { access_token: access, refresh_token: refresh } = json(await pyBasicLogin()) as Record<string, string>;
    // The access token invalidated server-side (the comment at PY:290-291: "restart / secret rotation").
    const invalidated = `${access!.slice(0, -4)}AAAA`;
    const first = await pyAboutGet(invalidated);
    // about_get.py:33-35 — not 200: TypeAdapter(Error).validate_python(response.json()); PY:292 — result.code == 401.
    expectCoreError(first, 401);
    // PY:293-295 — access_token = None, so _get_headers (PY:196-210) refreshes with the refresh token, then calls again.
    const refreshed = json(await pyRefresh(refresh!));
    expect((await pyAboutGet(refreshed.access_token as string)).status).toBe(200);
    // The same through a guarded /api/v3 route (the product's calls): the 401 there has the same shape.
    expectCoreError(
      await server.send({
        method: 'GET',
        path: '/api/v3/process',
        headers: { ...PY_CLIENT_HEADERS, authorization: `Bearer ${invalidated}` },
      }),
      401,
    );
  });

  test('a refused refresh falls back to _basic_login (PY:191-194), which opens a new session', async () => {
    const { refresh_token: refresh } = json(await pyBasicLogin()) as Record<string, string>;
    const refused = await pyRefresh(`${refresh!.slice(0, -4)}AAAA`);
    // PY:187-192 — only the status is read: not 200 → _basic_login().
    expect(refused.status).toBe(401);
    expectCoreError(refused, 401);
    const again = json(await pyBasicLogin());
    expect((await pyAboutGet(again.access_token as string)).status).toBe(200);
  });

  test("_auth0_login(): POST /api/login with the provider's token, the JSON content type and httpx's Content-Length: 0 logs in", async () => {
    const key = await createIdpKey('idp-key');
    const jwks = await startJwksServer([key]);
    const issuer = 'https://tenant.idp.example/';
    const audience = 'https://core.example/api';
    const t = await createTestApp({
      preset: 'datarhei',
      externalIdentityProvider: { issuer, audience, jwksUri: jwks.url, allowedSubjects: ['auth0|alice'] },
    });
    const idp = await listenRaw(t.app);
    try {
      const now = Math.floor(t.clock() / 1000);
      const token = await signIdpToken(key, {
        iss: issuer,
        aud: audience,
        sub: 'auth0|alice',
        iat: now,
        exp: now + 3600,
      });
      // PY:98-106 — _headers = client headers + authorization; httpx.post(url, headers=_headers) with no content, so
      // httpx adds `content-length: 0` to the POST (httpx/_models.py, Request._prepare).
      const res = await idp.send({
        method: 'POST',
        path: '/api/login',
        headers: { ...PY_CLIENT_HEADERS, authorization: `Bearer ${token}` },
        body: Buffer.alloc(0),
      });
      // PY:107-113 — status 200: Token(**r_login.json()), and the access token's "exp".
      expect(res.status).toBe(200);
      const body = json(res);
      expect(body).toEqual({ access_token: expect.any(String), refresh_token: expect.any(String) });
      expect(decodeJwt(body.access_token as string)).toMatchObject({ sub: 'auth0|alice', exp: expect.any(Number) });
      // An empty body without the provider's token is still a login without credentials: 400.
      expectCoreError(
        await idp.send({ method: 'POST', path: '/api/login', headers: PY_CLIENT_HEADERS, body: Buffer.alloc(0) }),
        400,
      );
    } finally {
      await idp.close();
      await t.close();
      await jwks.close();
    }
  });

  test('missing credentials are a 400 and bad ones a 401, both in the Error shape', async () => {
    expectCoreError(
      await server.send({
        method: 'POST',
        path: '/api/login',
        headers: { ...HTTPX_DEFAULTS, 'Content-Type': 'application/json' },
        body: Buffer.from('{"username":"admin"}'),
      }),
      400,
    );
    expectCoreError(await pyBasicLogin('admin', 'wrong-password'), 401);
  });
});

// ---- core-client-go ----

/** GO:372-398 `info()`: GET /api, with the access token as bearer once it has one. */
function goInfo(accessToken?: string): Promise<RawResponse> {
  return server.send({
    method: 'GET',
    path: '/api',
    headers: { ...GO_DEFAULTS, ...(accessToken ? { Authorization: `Bearer ${accessToken}` } : {}) },
  });
}

/** GO:264-284 `login()`: json.NewEncoder(&buf).Encode(api.Login{…}) — a trailing newline — and Content-Type. */
function goLogin(username = 'admin', password = DEMO_PASSWORDS.admin): Promise<RawResponse> {
  return server.send({
    method: 'POST',
    path: '/api/login',
    headers: { ...GO_DEFAULTS, 'Content-Type': 'application/json' },
    body: Buffer.from(`${JSON.stringify({ username, password })}\n`, 'utf8'),
  });
}

/** GO:340-346 `refresh()`: GET /api/login/refresh with only the refresh token as bearer. */
function goRefresh(refreshToken: string): Promise<RawResponse> {
  return server.send({
    method: 'GET',
    path: '/api/login/refresh',
    headers: { ...GO_DEFAULTS, Authorization: `Bearer ${refreshToken}` },
  });
}

describe('core-client-go', () => {
  test('New(): GET /api answers app "datarhei-core", no id and a 16.x version, so the client goes on to log in', async () => {
    // GO:157-203 — about.App == "datarhei-core"; len(about.ID) == 0 → semver major must be 16 → r.login().
    const res = await goInfo();
    expect(res.status).toBe(200);
    const about = json(res) as { app: string; id?: string; auths: string[]; version: { number: string } };
    expect(about.app).toBe('datarhei-core');
    expect(about.id ?? '').toBe('');
    expectGoSupportedVersion(about.version.number);
    // GO:236-262 — "localjwt" among the auths, with a username and password, chooses the local login.
    expect(about.auths).toContain('localjwt');
  });

  test('login(): POST /api/login with the newline-ended JSON answers the JWT pair; info() with it then has an id', async () => {
    // GO:289-300 — status must be 200; json.Unmarshal into api.JWT{access_token, refresh_token} (api/jwt.go:4-7).
    const res = await goLogin();
    expect(res.status).toBe(200);
    const jwt = json(res) as { access_token: string; refresh_token: string };
    expect(jwt.access_token).toEqual(expect.any(String));
    expect(jwt.refresh_token).toEqual(expect.any(String));
    // GO:302-319 — info() again: len(about.ID) != 0 ("login to the API failed" otherwise), version ^16.7.2.
    const about = json(await goInfo(jwt.access_token)) as {
      id: string;
      uptime_seconds: number;
      created_at: string;
      version: { number: string };
    };
    expect(about.id.length).toBeGreaterThan(0);
    expectGoSupportedVersion(about.version.number);
    // api/about.go:4-12 — Uptime is a uint64, CreatedAt a string.
    expect(Number.isInteger(about.uptime_seconds) && about.uptime_seconds >= 0).toBe(true);
    expect(typeof about.created_at).toBe('string');
    // GO:289-291 — any other status: "wrong username and/or password".
    expect((await goLogin('admin', 'wrong-password')).status).toBe(401);
  });

  test('stream(): a 401 makes it refresh (GET /api/login/refresh → {access_token}) and repeat the call (GO:427-437)', async () => {
    const { access_token: access, refresh_token: refresh } = json(await goLogin()) as Record<string, string>;
    const invalidated = `${access!.slice(0, -4)}AAAA`;
    const call = (token: string) =>
      server.send({
        method: 'GET',
        path: '/api/v3/process',
        headers: { ...GO_DEFAULTS, Authorization: `Bearer ${token}` },
      });
    const first = await call(invalidated);
    expect(first.status).toBe(401);
    // GO:357-367 — status 200, json.Unmarshal into api.JWTRefresh{access_token} (api/jwt.go:9-11).
    const refreshed = await goRefresh(refresh!);
    expect(refreshed.status).toBe(200);
    const next = json(refreshed).access_token as string;
    expect(next).toEqual(expect.any(String));
    expect((await call(next)).status).toBe(200);
  });

  test('stream(): a refused refresh makes it log in again (GO:429-433)', async () => {
    const { refresh_token: refresh } = json(await goLogin()) as Record<string, string>;
    // GO:357-359 — any status but 200 is "invalid refresh token", and login() runs.
    expect((await goRefresh(`${refresh!.slice(0, -4)}AAAA`)).status).toBe(401);
    const again = json(await goLogin()) as Record<string, string>;
    expect(json(await goInfo(again.access_token)).id).toEqual(expect.any(String));
  });

  test('errors unmarshal into api.Error: code is the status as a number, details strings (GO:443-468)', async () => {
    expectCoreError(await goInfo('not-a-token'), 401);
    expectCoreError(await server.send({ method: 'GET', path: '/api/v3/process', headers: GO_DEFAULTS }), 401);
  });
});
