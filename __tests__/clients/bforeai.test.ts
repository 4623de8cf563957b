// Replays of bfore.ai's published API samples, the Python scripts behind its API documentation, against the bforeai
// example: each test sends the bytes the sample sends (python-requests' default headers, `json=` bodies, `params=`
// query strings) and checks what the sample reads. Source: github.com/mikey-p-codes/rtd-bforeai at commit
// eb81541a0fbd0747a4917174799cb3632c30fd61, docs/source/pythonAPI/*.py (cited per test as file:line).
// The headers python-requests 2.34 sends by default were captured from a real run (User-Agent, Accept-Encoding,
// Accept, Connection, then Content-Length and Content-Type for a `json=` body).
import { decodeJwt } from 'jose';
import { buildExampleApp, DEMO_PASSWORDS } from '../../examples/shared/demo-server';
import { bforeaiTestRoutes } from '../../examples/shared/products';
import { listenRaw, type RawResponse, type RawServer } from '../helpers/raw-http';
import { quietExampleConsole, useExampleEnvironment } from '../helpers/example-env';

const saved = { ...process.env };

/** The headers every python-requests call carries, in its order. */
const REQUESTS_DEFAULTS = {
  'User-Agent': 'python-requests/2.34.2',
  'Accept-Encoding': 'gzip, deflate',
  Accept: '*/*',
  Connection: 'keep-alive',
};

/** Python's `json.dumps` of a flat object of strings: `", "` and `": "` separators, as requests' `json=` sends it. */
function pythonJsonDumps(object: Record<string, string>): Buffer {
  return Buffer.from(
    `{${Object.entries(object)
      .map(([key, value]) => `${JSON.stringify(key)}: ${JSON.stringify(value)}`)
      .join(', ')}}`,
    'utf8',
  );
}

/** `requests.get(url, headers=headers, params=params)`: the query in the dict's order, no body, no Content-Length. */
function requestsGet(
  server: RawServer,
  path: string,
  headers: Record<string, string> = {},
  params?: Record<string, string>,
): Promise<RawResponse> {
  const query = params ? `?${new URLSearchParams(params).toString()}` : '';
  return server.send({ method: 'GET', path: `${path}${query}`, headers: { ...REQUESTS_DEFAULTS, ...headers } });
}

/** `requests.post(url, headers=headers, json=body)`: Content-Type application/json unless the caller set one. */
function requestsPostJson(
  server: RawServer,
  path: string,
  body: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  return server.send({
    method: 'POST',
    path,
    headers: { ...REQUESTS_DEFAULTS, 'Content-Type': 'application/json', ...headers },
    body: pythonJsonDumps(body),
  });
}

/** What `response.json()` gives: every answer the samples touch is parsed, error or not, so every one must be JSON. */
function json(res: RawResponse): Record<string, unknown> {
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  return JSON.parse(res.text) as Record<string, unknown>;
}

async function startExample(): Promise<RawServer> {
  const { app } = await buildExampleApp({
    preset: 'bforeai',
    guardedRoute: '/api/protected',
    productRoutes: bforeaiTestRoutes,
    onEvent: () => undefined,
  });
  return listenRaw(app);
}

/** login.py: the token the other samples keep in config.TOKEN. */
async function login(server: RawServer, username = 'admin', password = DEMO_PASSWORDS.admin): Promise<string> {
  const res = await requestsPostJson(server, '/user/login', { username, password });
  expect(res.status).toBe(200);
  return json(res).Token as string;
}

let server: RawServer;

beforeEach(async () => {
  useExampleEnvironment('a-bforeai-example-secret-that-is-long-enough-0123456789abcdef', ['TRUST_PROXY']);
  quietExampleConsole();
  server = await startExample();
});

afterEach(async () => {
  await server.close();
  process.env = { ...saved };
  jest.restoreAllMocks();
});

test('login.py: POST user/login with json=AUTH answers 200 and the sample prints Username and Token', async () => {
  // login.py:10-15 — requests.post(url, json=AUTH); response.json().get("Username"), .get("Token")
  const res = await requestsPostJson(server, '/user/login', { username: 'admin', password: DEMO_PASSWORDS.admin });
  expect(res.status).toBe(200);
  const body = json(res);
  expect(body.Username).toBe('admin');
  expect(decodeJwt(body.Token as string)).toMatchObject({ usefor: 'access' });
  // login.py:16-18 — on a refusal it prints the status and still calls response.json().
  const refused = await requestsPostJson(server, '/user/login', { username: 'admin', password: 'wrong-password' });
  expect(refused.status).toBe(401);
  expect(json(refused)).toEqual({ message: expect.any(String) });
});

test('test_unsecure.py: GET test/unsecure without a token answers a JSON greeting', async () => {
  // test_unsecure.py:8-11 — requests.get(url) with no headers; print(response.json())
  const res = await requestsGet(server, '/test/unsecure');
  expect(res.status).toBe(200);
  expect(json(res)).toEqual({ message: expect.any(String) });
});

test('test_secure.py: GET test/secure with the bare token (no Bearer) and a Content-Type answers a greeting naming the user', async () => {
  const token = await login(server);
  // test_secure.py:10-17 — headers {"Authorization": TOKEN, "Content-Type": "application/json"}, GET without a body.
  const res = await requestsGet(server, '/test/secure', { Authorization: token, 'Content-Type': 'application/json' });
  expect(res.status).toBe(200);
  const body = json(res);
  expect(body.message).toMatch(/\badmin\b/);
  expect(body.Username).toBe('admin');
  // test_secure.py:18-20 — a bad token: the status is printed, then response.json() is still parsed.
  const refused = await requestsGet(server, '/test/secure', {
    Authorization: `${token}x`,
    'Content-Type': 'application/json',
  });
  expect(refused.status).toBe(401);
  expect(json(refused)).toEqual({ message: expect.any(String) });
});

test('renew_security_token.py: GET user/renew answers a new token of the same lifetime from now; the old one keeps its expiry', async () => {
  const token = await login(server);
  const old = decodeJwt(token);
  await new Promise((resolve) => setTimeout(resolve, 1100));
  // renew_security_token.py:9-15 — headers {"Authorization": f"Bearer {TOKEN}"}; pprint(response.json())
  const res = await requestsGet(server, '/user/renew', { Authorization: `Bearer ${token}` });
  expect(res.status).toBe(200);
  const body = json(res);
  expect(body.Username).toBe('admin');
  const renewed = decodeJwt(body.Token as string);
  expect(renewed.exp! - renewed.iat!).toBe(old.exp! - old.iat!);
  expect(renewed.exp!).toBeGreaterThan(old.exp!);
  // Both work: the renewed token, and the old one until its own expiry.
  expect((await requestsGet(server, '/test/secure', { Authorization: body.Token as string })).status).toBe(200);
  expect((await requestsGet(server, '/test/secure', { Authorization: token })).status).toBe(200);
});

test("request_new_token.py: GET user/token?m=|d= answers a token of that lifetime; the sample's own placeholders are a 400", async () => {
  const token = await login(server);
  const headers = { Authorization: `Bearer ${token}` };
  // request_new_token.py:12-21 — params {"m": "int", "d": "int"}, as published (placeholders): refused, in JSON.
  const template = await requestsGet(server, '/user/token', headers, { m: 'int', d: 'int' });
  expect(template.status).toBe(400);
  expect(json(template)).toEqual({ message: expect.any(String) });
  // Filled in as its comments say ("m: int, number of minutes", "or" "d: int, number of days").
  const minutes = await requestsGet(server, '/user/token', headers, { m: '90' });
  expect(minutes.status).toBe(200);
  const short = decodeJwt(json(minutes).Token as string);
  expect(short.exp! - short.iat!).toBe(90 * 60);
  const days = await requestsGet(server, '/user/token', headers, { d: '30' });
  expect(days.status).toBe(200);
  const long = decodeJwt(json(days).Token as string);
  expect(long.exp! - long.iat!).toBe(30 * 86400);
  expect((await requestsGet(server, '/test/secure', { Authorization: json(days).Token as string })).status).toBe(200);
  // Above the cap (maxTokenLifetime, 30 days by default), or both at once: 400.
  expect((await requestsGet(server, '/user/token', headers, { d: '31' })).status).toBe(400);
  expect((await requestsGet(server, '/user/token', headers, { m: '90', d: '1' })).status).toBe(400);
});

test("expire_security_token.py: GET user/logout ends that token's session (with its renewals), not a token from user/token", async () => {
  const token = await login(server);
  const renewed = json(await requestsGet(server, '/user/renew', { Authorization: `Bearer ${token}` })).Token as string;
  const separate = json(await requestsGet(server, '/user/token', { Authorization: `Bearer ${token}` }, { d: '1' }))
    .Token as string;
  const otherLogin = await login(server);
  // expire_security_token.py:7-16 — headers {"Authorization": f"Bearer {TOKEN}"}; print(response.json())
  const res = await requestsGet(server, '/user/logout', { Authorization: `Bearer ${token}` });
  expect(res.status).toBe(200);
  expect(json(res)).toEqual({ message: 'Success' });
  for (const ended of [token, renewed])
    expect((await requestsGet(server, '/test/secure', { Authorization: ended })).status).toBe(401);
  for (const alive of [separate, otherLogin])
    expect((await requestsGet(server, '/test/secure', { Authorization: alive })).status).toBe(200);
  // Run again with the ended token: a JSON 401.
  const again = await requestsGet(server, '/user/logout', { Authorization: `Bearer ${token}` });
  expect(again.status).toBe(401);
  expect(json(again)).toEqual({ message: expect.any(String) });
});

test('change_password.py: POST user/password {username, old, new, confirm} without a token answers 200 JSON and ends every session', async () => {
  const token = await login(server, 'guest', DEMO_PASSWORDS.guest);
  const change = {
    username: 'guest',
    old: DEMO_PASSWORDS.guest,
    new: 'a-brand-new-guest-passphrase',
    confirm: 'a-brand-new-guest-passphrase',
  };
  // change_password.py:13-20 — headers {"Content-Type": "application/json"}, json=CHANGE_PASSWORD; print(response.json())
  const res = await requestsPostJson(server, '/user/password', change, { 'Content-Type': 'application/json' });
  expect(res.status).toBe(200);
  expect(json(res)).toEqual({ message: 'Success' });
  expect((await requestsGet(server, '/test/secure', { Authorization: token })).status).toBe(401);
  expect(
    (await requestsPostJson(server, '/user/login', { username: 'guest', password: DEMO_PASSWORDS.guest })).status,
  ).toBe(401);
  await login(server, 'guest', change.new);
});

test('change_password.py: a wrong "old", an unknown user, "confirm" unlike "new", or a weak "new" are JSON refusals that change nothing', async () => {
  const strong = 'a-brand-new-admin-passphrase';
  const cases: Array<[Record<string, string>, number]> = [
    [{ username: 'admin', old: 'not-the-password', new: strong, confirm: strong }, 401],
    [{ username: 'nobody-at-all', old: 'not-the-password', new: strong, confirm: strong }, 401],
    [{ username: 'admin', old: DEMO_PASSWORDS.admin, new: strong, confirm: `${strong}!` }, 400],
    [{ username: 'admin', old: DEMO_PASSWORDS.admin, new: 'short', confirm: 'short' }, 400],
  ];
  const bodies: unknown[] = [];
  for (const [body, status] of cases) {
    // change_password.py:21-23 — on a refusal the sample prints the status, then parses response.json().
    const res = await requestsPostJson(server, '/user/password', body, { 'Content-Type': 'application/json' });
    expect({ body, status: res.status }).toEqual({ body, status });
    bodies.push(json(res));
  }
  // The unknown user and the wrong password get the same answer.
  expect(bodies[1]).toEqual(bodies[0]);
  await login(server);
});

test('the data samples (get_domain_info.py and the others) send "Authorization: Bearer TOKEN" with params=: the guard admits it', async () => {
  const token = await login(server);
  // get_domain_info.py:8-11 — headers {"Authorization": f"Bearer {TOKEN}"}, params {"d": "domain"}: the product's own
  // routes are the host's; the example's guarded route stands in for them.
  const res = await requestsGet(server, '/api/protected', { Authorization: `Bearer ${token}` }, { d: 'domain' });
  expect(res.status).toBe(200);
  expect(json(res)).toMatchObject({ method: 'token' });
});
