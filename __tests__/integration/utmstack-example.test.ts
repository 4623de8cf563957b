// examples/utmstack.ts as a child process, mailing through a real in-process SMTP server: the UTMStack TFA flow end to end.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { extractCode, startSmtpServer, type TestSmtpServer } from '../helpers/smtp-server';
import { utmstackEmailChallenge } from '../helpers/utmstack';
import { freePort, waitForListening } from '../helpers/example-process';

const ROOT = path.resolve(__dirname, '../..');
const JWT_SECRET = 'utmstack-example-test-secret-0123456789-0123456789-0123456789-0123456789';
const START_TIMEOUT_MS = 60_000;

let smtp: TestSmtpServer;
let child: ChildProcess | undefined;
let baseUrl: string;
const output: string[] = [];

/** Starts the example and resolves with its URL once it prints `listening on http://...`. */
function startExample(port: number, smtpUrl: string): Promise<string> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    SMTP_URL: smtpUrl,
    JWT_SECRET,
  };
  for (const name of [
    'REDIS_URL',
    'DATABASE_URL',
    'TRUST_PROXY',
    'ADMIN_PASSWORD',
    'USER_PASSWORD',
    'GUEST_PASSWORD',
    'EXPIRED_PASSWORD',
  ])
    delete env[name];
  const started = spawn(process.execPath, ['--import', 'tsx', 'examples/utmstack.ts'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = started;
  return waitForListening(started, 'the example', START_TIMEOUT_MS, output);
}

beforeAll(async () => {
  smtp = await startSmtpServer();
  const port = await freePort();
  baseUrl = await startExample(port, smtp.url);
  expect(baseUrl).toBe(`http://127.0.0.1:${port}`);
}, START_TIMEOUT_MS + 5000);

afterAll(async () => {
  const running = child;
  if (running && running.exitCode === null && running.signalCode === null) {
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await exited;
  }
  await smtp?.close();
});

async function post(route: string, body: unknown, token?: string): Promise<Response> {
  return fetch(`${baseUrl}${route}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
}

async function get(route: string, token: string): Promise<Response> {
  return fetch(`${baseUrl}${route}`, { headers: { Authorization: `Bearer ${token}` } });
}

async function userChallenge(): Promise<{ challenge: string; code: string; body: Record<string, unknown> }> {
  const res = await post('/api/authenticate', { username: 'user', password: 'user-password', rememberMe: false });
  expect(res.status).toBe(200);
  expect(res.headers.get('authorization')).toBeNull();
  const body = (await res.json()) as Record<string, unknown>;
  const message = await smtp.waitForMessage((m) => m.to.includes('user@example.com'));
  expect(message.to).toEqual(['user@example.com']);
  expect(message.from).toBe('no-reply@example.com');
  const code = extractCode(message.raw);
  expect(code).toMatch(/^[0-9]{6}$/);
  return { challenge: body.token as string, code: code!, body };
}

describe('examples/utmstack.ts with SMTP_URL', () => {
  test('user logs in, reads the emailed code, verifies it and reaches /api/elasticsearch/search', async () => {
    const { challenge, code, body } = await userChallenge();
    expect(body).toEqual(utmstackEmailChallenge(expect.any(Boolean)));

    const verified = await post('/api/tfa/verify', { code }, challenge);
    expect(verified.status).toBe(200);
    const login = (await verified.json()) as Record<string, unknown>;
    expect(login).toEqual({
      token: expect.any(String),
      id_token: login.token,
      success: true,
      authenticated: true,
      method: null,
      tfaConfigured: true,
      forceTfa: false,
      tfaExpiresInSeconds: 0,
      firstLogin: body.firstLogin,
    });
    const token = login.token as string;
    expect(verified.headers.get('authorization')).toBe(`Bearer ${token}`);

    const search = await get('/api/elasticsearch/search', token);
    expect(search.status).toBe(200);
    expect(await search.json()).toEqual({
      message: 'You are authenticated.',
      user: '2',
      authorities: ['ROLE_USER'],
      method: 'token',
    });
    const account = await get('/api/account', token);
    expect(await account.json()).toMatchObject({
      id: 2,
      login: 'user',
      email: 'user@example.com',
      firstName: 'Demo',
      lastName: 'User',
      authorities: ['ROLE_USER'],
    });
    const status = await get('/api/authenticate', token);
    expect(status.status).toBe(200);
    expect(await status.text()).toBe('user');
  });

  test('the challenge opens nothing, a wrong code is 401 tfa_invalid, and a used code does not work twice', async () => {
    const { challenge, code } = await userChallenge();

    expect((await get('/api/elasticsearch/search', challenge)).status).toBe(401);
    expect((await get('/api/account', challenge)).status).toBe(401);
    const wrong = await post('/api/tfa/verify', { code: code === '000000' ? '000001' : '000000' }, challenge);
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: 'tfa_invalid' });

    expect((await post('/api/tfa/verify', { code }, challenge)).status).toBe(200);
    const again = await post('/api/tfa/verify', { code }, challenge);
    expect(again.status).toBe(401);
  });

  test('admin, who has no second factor, gets the token at once and no mail', async () => {
    const before = smtp.messages.length;
    const res = await post('/api/authenticate', { username: 'admin', password: 'admin-password' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ success: true, authenticated: true, method: null });
    expect((await get('/api/elasticsearch/search', body.token as string)).status).toBe(200);
    expect(smtp.messages.length).toBe(before);
  });
});
