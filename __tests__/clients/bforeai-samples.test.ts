// bfore.ai's published Python samples themselves, run unmodified with python3 and requests against the bforeai example.
// Their source is not part of this repository: set BFOREAI_SAMPLES to a folder holding docs/source/pythonAPI/*.py
// of github.com/mikey-p-codes/rtd-bforeai (checked at commit eb81541a0fbd0747a4917174799cb3632c30fd61). Each sample
// runs from a scratch folder beside a config.py written here (BASEURL, AUTH, TOKEN, CHANGE_PASSWORD, as the samples'
// own config.py names them). Skipped, saying why, without the folder, python3 or python3's requests.
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildExampleApp, DEMO_PASSWORDS } from '../../examples/shared/demo-server';
import { bforeaiTestRoutes } from '../../examples/shared/products';
import { quietExampleConsole, useExampleEnvironment } from '../helpers/example-env';

const SAMPLES = process.env.BFOREAI_SAMPLES
  ? path.join(process.env.BFOREAI_SAMPLES, 'docs/source/pythonAPI')
  : undefined;

function whyNot(): string | undefined {
  if (!SAMPLES) return 'BFOREAI_SAMPLES is not set (a checkout of mikey-p-codes/rtd-bforeai)';
  if (!existsSync(path.join(SAMPLES, 'login.py'))) return `no login.py in ${SAMPLES}`;
  try {
    execFileSync('python3', ['-c', 'import requests'], { stdio: 'ignore' });
  } catch {
    return 'python3 with requests is not available (Debian: python3-requests)';
  }
  return undefined;
}

const reason = whyNot();
if (reason) console.info(`bfore.ai's own samples are not run: ${reason}.`);
const describeIfRunnable = reason ? describe.skip : describe;

describeIfRunnable("bfore.ai's Python samples, unmodified", () => {
  const saved = { ...process.env };
  let server: Server;
  let baseUrl: string;
  let scratch: string;

  /**
   * Runs `sample` with config.py values; resolves with its stdout (a failed run rejects with its stderr). A sample that
   * only defines its function (request_new_token.py) is imported and the function called, as its reader would.
   */
  function run(
    sample: string,
    config: { token?: string; auth?: [string, string]; change?: Record<string, string>; call?: string } = {},
  ): Promise<string> {
    const [username, password] = config.auth ?? ['admin', DEMO_PASSWORDS.admin];
    const change = config.change ?? { username: 'x', old: 'x', new: 'x', confirm: 'x' };
    writeFileSync(
      path.join(scratch, 'config.py'),
      [
        `BASEURL = ${JSON.stringify(`${baseUrl}/`)}`,
        `AUTH = ${JSON.stringify({ username, password })}`,
        `TOKEN = ${JSON.stringify(config.token ?? '')}`,
        `CHANGE_PASSWORD = ${JSON.stringify(change)}`,
        '',
      ].join('\n'),
    );
    copyFileSync(path.join(SAMPLES!, sample), path.join(scratch, sample));
    return new Promise((resolve, reject) => {
      const args = config.call
        ? ['-c', `import ${sample.replace(/\.py$/, '')} as sample; sample.${config.call}()`]
        : [sample];
      execFile('python3', args, { cwd: scratch, timeout: 20_000 }, (error, stdout, stderr) =>
        error ? reject(new Error(`${sample}: ${stderr}`)) : resolve(stdout),
      );
    });
  }

  async function login(username = 'admin', password = DEMO_PASSWORDS.admin): Promise<string> {
    const out = await run('login.py', { auth: [username, password] });
    const token = /^Token: (\S+)$/m.exec(out)?.[1];
    expect(token).toMatch(/^ey/);
    return token!;
  }

  beforeEach(async () => {
    useExampleEnvironment('a-bforeai-example-secret-that-is-long-enough-0123456789abcdef', ['TRUST_PROXY']);
    quietExampleConsole();
    const { app } = await buildExampleApp({
      preset: 'bforeai',
      guardedRoute: '/api/protected',
      productRoutes: bforeaiTestRoutes,
      onEvent: () => undefined,
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    scratch = mkdtempSync(path.join(tmpdir(), 'bforeai-samples-'));
  });

  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(scratch, { recursive: true, force: true });
    process.env = { ...saved };
    jest.restoreAllMocks();
  });

  test('login.py prints the Username and a Token; test_unsecure.py and test_secure.py print their greetings', async () => {
    const token = await login();
    expect(await run('login.py')).toMatch(/^Username: admin$/m);
    expect(await run('test_unsecure.py')).toMatch(/^\{'message': '/m);
    expect(await run('test_secure.py', { token })).toMatch(/Hello admin/);
  });

  test('renew_security_token.py prints a new Token; request_new_token.py as published prints its 400', async () => {
    const token = await login();
    expect(await run('renew_security_token.py', { token })).toMatch(/'Token': 'ey/);
    // It only defines request_new_token(), whose params are the placeholders {"m": "int", "d": "int"}: it prints the status.
    expect(await run('request_new_token.py', { token, call: 'request_new_token' })).toMatch(/^Error: {2}400$/m);
  });

  test('expire_security_token.py ends the session: test_secure.py then prints 401', async () => {
    const token = await login();
    expect(await run('expire_security_token.py', { token })).toMatch(/^\{'message': 'Success'\}$/m);
    expect(await run('test_secure.py', { token })).toMatch(/^Error: {2}401$/m);
  });

  test('change_password.py changes the password: the old one then fails at login.py, the new one works', async () => {
    const change = {
      username: 'guest',
      old: DEMO_PASSWORDS.guest,
      new: 'a-brand-new-guest-passphrase',
      confirm: 'a-brand-new-guest-passphrase',
    };
    expect(await run('change_password.py', { change })).toMatch(/^\{'message': 'Success'\}$/m);
    expect(await run('login.py', { auth: ['guest', DEMO_PASSWORDS.guest] })).toMatch(/^Error: {2}401$/m);
    await login('guest', change.new);
  });
});
