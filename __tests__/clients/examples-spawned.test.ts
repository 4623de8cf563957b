// examples/bforeai.ts and examples/datarhei.ts as child processes, as a user runs them: the product routes their
// clients call first are mounted by the example files themselves (the replays in this folder build the same app
// in-process). datarhei: core-client-go client.go:157-203 and core-client-python core_client/__init__.py:233-240 read
// GET /api before anything else; bfore.ai: docs/source/pythonAPI/login.py and test_secure.py (see the replays).
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort, waitForListening } from '../helpers/example-process';

const ROOT = path.resolve(__dirname, '../..');
const START_TIMEOUT_MS = 60_000;

const children: ChildProcess[] = [];

/** Starts examples/<name>.ts on a free port and resolves with its URL once it prints `listening on http://...`. */
async function startExample(name: string): Promise<string> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    JWT_SECRET: `${name}-example-test-secret-0123456789-0123456789-0123456789`,
  };
  for (const variable of [
    'REDIS_URL',
    'DATABASE_URL',
    'SMTP_URL',
    'TRUST_PROXY',
    'JWT_ALGORITHM',
    'ADMIN_PASSWORD',
    'AUTH0_ISSUER',
    'AUTH0_AUDIENCE',
    'AUTH0_JWKS_URI',
    'AUTH0_USERS',
  ]) {
    delete env[variable];
  }
  const child = spawn(process.execPath, ['--import', 'tsx', `examples/${name}.ts`], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return waitForListening(child, `examples/${name}.ts`, START_TIMEOUT_MS);
}

afterAll(() => {
  for (const child of children) child.kill();
});

test(
  "examples/datarhei.ts serves Core's about at GET /api, with the instance id once logged in",
  async () => {
    const base = await startExample('datarhei');
    const about = await fetch(`${base}/api`);
    expect(about.status).toBe(200);
    const anonymous = (await about.json()) as Record<string, unknown>;
    expect(anonymous).toMatchObject({
      app: 'datarhei-core',
      auths: ['localjwt'],
      version: { number: expect.stringMatching(/^16\.\d+\.\d+$/) },
    });
    expect(anonymous.id).toBeUndefined();
    const login = await fetch(`${base}/api/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'admin-password' }),
    });
    const { access_token: access } = (await login.json()) as { access_token: string };
    const known = (await (
      await fetch(`${base}/api`, { headers: { Authorization: `Bearer ${access}` } })
    ).json()) as Record<string, unknown>;
    expect(known.id).toEqual(expect.any(String));
  },
  START_TIMEOUT_MS + 10_000,
);

test(
  'examples/bforeai.ts serves /test/secure (a bare token, a greeting naming the user) and /test/unsecure',
  async () => {
    const base = await startExample('bforeai');
    expect((await fetch(`${base}/test/unsecure`)).status).toBe(200);
    const login = await fetch(`${base}/user/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'admin-password' }),
    });
    const { Token: token } = (await login.json()) as { Token: string };
    const secure = await fetch(`${base}/test/secure`, {
      headers: { Authorization: token, 'Content-Type': 'application/json' },
    });
    expect(secure.status).toBe(200);
    expect(((await secure.json()) as { message: string }).message).toMatch(/\badmin\b/);
  },
  START_TIMEOUT_MS + 10_000,
);
