// examples/minimal.ts as a newcomer runs it (`PORT=... npx tsx examples/minimal.ts`), driven with the HTTP calls
// their curls make: login → guarded route → refresh → logout, and the logged-out refresh token refused.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort, waitForListening } from '../helpers/example-process';

const ROOT = path.resolve(__dirname, '../..');
const START_TIMEOUT_MS = 90_000;
jest.setTimeout(START_TIMEOUT_MS + 30_000);

let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill();
});

/** Starts the example with PORT as its only setting; resolves with its URL once it prints `listening on ...`. */
async function startMinimal(): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(await freePort()) };
  for (const variable of ['HOST', 'JWT_SECRET', 'REDIS_URL', 'DATABASE_URL', 'SMTP_URL', 'JWT_ALGORITHM'])
    delete env[variable];
  const started = spawn(process.execPath, ['--import', 'tsx', 'examples/minimal.ts'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = started;
  return waitForListening(started, 'examples/minimal.ts', START_TIMEOUT_MS);
}

/** curl -s -X METHOD url [-H 'Authorization: Bearer ...'] [-H 'Content-Type: application/json' -d '...'] */
async function curl(
  method: string,
  url: string,
  options: { bearer?: string; json?: unknown } = {},
): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = {};
  if (options.bearer !== undefined) headers.authorization = `Bearer ${options.bearer}`;
  if (options.json !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, {
    method,
    headers,
    body: options.json === undefined ? undefined : JSON.stringify(options.json),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

test('examples/minimal.ts: login → guarded route → refresh → logout, with nothing set but PORT', async () => {
  const base = await startMinimal();

  const login = await curl('POST', `${base}/auth/login`, {
    json: { username: 'alice', password: 'correct horse battery staple' },
  });
  expect(login.status).toBe(200);
  const { accessToken, refreshToken } = login.body as { accessToken: string; refreshToken: string };

  expect(await curl('GET', `${base}/api/hello`)).toMatchObject({ status: 401 });
  const hello = await curl('GET', `${base}/api/hello`, { bearer: accessToken });
  expect(hello).toMatchObject({ status: 200, body: { hello: expect.any(String), roles: ['ROLE_USER'] } });

  const refreshed = await curl('POST', `${base}/auth/token/refresh`, { json: { refreshToken } });
  expect(refreshed.status).toBe(200);
  const next = refreshed.body as { accessToken: string; refreshToken: string };
  expect(next.refreshToken).not.toBe(refreshToken);
  expect(await curl('GET', `${base}/api/hello`, { bearer: next.accessToken })).toMatchObject({ status: 200 });

  expect(await curl('POST', `${base}/auth/logout`, { json: { refreshToken: next.refreshToken } })).toEqual({
    status: 204,
    body: undefined,
  });
  expect(await curl('POST', `${base}/auth/token/refresh`, { json: { refreshToken: next.refreshToken } })).toMatchObject(
    { status: 401 },
  );
  expect(await curl('GET', `${base}/api/hello`, { bearer: next.accessToken })).toMatchObject({ status: 401 });
});
