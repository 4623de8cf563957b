// The README's quick start as a newcomer runs it: its server code (ES module and CommonJS) in a real process, with only
// PORT and JWT_SECRET set and `express-auth-kit` resolved to lib/, then its curl block run by bash against it:
// login → guarded route → refresh → guarded route → logout → the refreshed tokens refused.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { readDocBlock, REPOSITORY_ROOT } from '../helpers/doc-blocks';
import { freePort, waitForListening } from '../helpers/example-process';

const START_TIMEOUT_MS = 90_000;
jest.setTimeout(START_TIMEOUT_MS + 60_000);

const LIBRARY = path.join(REPOSITORY_ROOT, 'lib', 'index.ts');
// Inside the repository, so `express` resolves from its node_modules as it would from an app's.
const folder = mkdtempSync(path.join(REPOSITORY_ROOT, '.quick-start-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill();
  rmSync(folder, { recursive: true, force: true });
});

/** Writes the block with its import of the package pointed at lib/, and starts it like `node server.mjs` would. */
async function startServer(
  id: string,
  fileName: string,
): Promise<{ port: number; base: string; env: NodeJS.ProcessEnv }> {
  const code = readDocBlock('README.md', id);
  expect(code).toContain("'express-auth-kit'");
  const file = path.join(folder, fileName);
  writeFileSync(file, code.replaceAll("'express-auth-kit'", JSON.stringify(LIBRARY)));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    JWT_SECRET: randomBytes(32).toString('base64url'),
  };
  for (const variable of ['HOST', 'NODE_OPTIONS']) delete env[variable];
  const child = spawn(process.execPath, ['--import', 'tsx', file], {
    cwd: folder,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const base = await waitForListening(child, `README ${id}`, START_TIMEOUT_MS);
  return { port, base, env };
}

test('the ES module quick start answers the curl block: login → guarded → refresh → guarded → logout → refused', async () => {
  const { port, base, env } = await startServer('quick-start-esm', 'server.mjs');
  expect(base).toBe(`http://127.0.0.1:${port}`);

  const { stdout } = await promisify(execFile)(
    'bash',
    ['-euo', 'pipefail', '-c', readDocBlock('README.md', 'quick-start-curl')],
    { cwd: folder, env },
  );
  const lines = stdout.trim().split('\n');
  const answers = lines.map((line) => {
    const match = /^(.*?)\s*(\d{3})$/.exec(line);
    if (!match) throw new Error(`not "<body> <status>": ${line}`);
    return { status: Number(match[2]), body: match[1] === '' ? undefined : (JSON.parse(match[1]!) as unknown) };
  });
  expect(answers).toEqual([
    { status: 200, body: { userId: expect.any(String), authorities: ['ROLE_USER'] } }, // the guarded route, logged in
    { status: 200, body: { userId: expect.any(String), authorities: ['ROLE_USER'] } }, // with the refreshed token
    { status: 204, body: undefined }, // logout
    { status: 401, body: { error: 'token_revoked', message: expect.any(String) } }, // the refreshed access token
    { status: 401, body: { error: 'token_revoked', message: expect.any(String) } }, // the refreshed refresh token
  ]);
  const userIds = answers.slice(0, 2).map((answer) => (answer.body as { userId: string }).userId);
  expect(userIds[1]).toBe(userIds[0]);
});

test('the CommonJS quick start starts and answers a login and the guarded route', async () => {
  const { base } = await startServer('quick-start-cjs', 'server.cjs');
  const login = await fetch(`${base}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'alice', password: 'correct horse battery staple' }),
  });
  expect(login.status).toBe(200);
  const { accessToken } = (await login.json()) as { accessToken: string };
  expect((await fetch(`${base}/api/hello`)).status).toBe(401);
  const hello = await fetch(`${base}/api/hello`, { headers: { authorization: `Bearer ${accessToken}` } });
  expect(hello.status).toBe(200);
  expect(await hello.json()).toEqual({ userId: expect.any(String), authorities: ['ROLE_USER'] });
});
