// Metrics: after a login storm, each counter of auth.metrics() holds what happened, labels come only from fixed sets
// (never a user, a login or an address), the latency histograms have counts; registering twice is clear; and an
// instance whose metrics() is never called works without prom-client, which it never loads.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import request from 'supertest';
import { Registry } from 'prom-client';
import { createTestApp, PASSWORDS, type TestApp } from '../helpers/create-app';
import { postLogin, settle } from '../helpers/session';

const ROOT = path.resolve(__dirname, '../..');
const URL_TEMPLATE = 'https://app.example/reset?token={token}';

// Every label a metric may carry, and every value it may take.
const ALLOWED_LABELS: Record<string, readonly string[]> = {
  outcome: ['succeeded', 'challenged', 'failed', 'blocked', 'error'],
  result: ['succeeded', 'failed', 'refused', 'error', 'accepted', 'admitted'],
  method: ['email', 'totp', 'recovery_code', 'other'],
  scope: ['account', 'device'],
  stage: ['requested', 'completed'],
};

let t: TestApp;
let registry: Registry;

afterEach(async () => {
  await t?.close();
});

async function setup(): Promise<void> {
  t = await createTestApp({
    rateLimit: false,
    lockout: { maxFailures: 3 },
    passwordReset: { urlTemplate: URL_TEMPLATE },
  });
  registry = new Registry();
  t.auth.metrics(registry);
  t.app.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
}

/** `name{labels} value` lines of the exposition, as a map from the series (name and labels as written) to its value. */
function series(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    values.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return values;
}

test('after a login storm, /metrics shows each counter with its value, fixed labels only, and latency counts', async () => {
  await setup();
  // Two logins that succeed at once.
  const admin = await postLogin(t, 'admin');
  expect(admin.status).toBe(200);
  expect((await postLogin(t, 'admin')).status).toBe(200);
  // Three wrong passwords lock guest's account; the right password is then blocked.
  for (let i = 0; i < 3; i += 1)
    expect((await postLogin(t, 'guest', { password: `wrong-password-${i}` })).status).toBe(401);
  expect((await postLogin(t, 'guest')).status).toBe(403);
  // user's emailed second factor: a challenge, a wrong code, the right one (a login that succeeds).
  const challenge = await postLogin(t, 'user');
  expect(challenge.body).toMatchObject({ tfaRequired: true });
  const verify = () =>
    request(t.app).post('/auth/tfa/verify').set('Authorization', `Bearer ${challenge.body.challengeToken}`);
  await verify().send({ code: '000000' }).expect(401);
  await verify()
    .send({ code: t.mailer.last('user@example.com')?.code })
    .expect(200);
  // A refresh, then the rotated token again: reuse detected, the refresh refused.
  await request(t.app).post('/auth/token/refresh').send({ refreshToken: admin.body.refreshToken }).expect(200);
  t.clock.advance(31_000);
  await request(t.app).post('/auth/token/refresh').send({ refreshToken: admin.body.refreshToken }).expect(401);
  // An API key accepted by the guard, and an unknown one refused.
  const fresh = await postLogin(t, 'admin');
  const created = await request(t.app)
    .post('/auth/api-keys')
    .set('Authorization', `Bearer ${fresh.body.accessToken}`)
    .send({ name: 'ci', password: PASSWORDS.admin })
    .expect(201);
  await request(t.app).get('/api/protected').set('Authorization', `Bearer ${created.body.key}`).expect(200);
  await request(t.app)
    .get('/api/protected')
    .set('Authorization', `Bearer eak_${'A'.repeat(32)}`)
    .expect(401);
  // A guarded call with a token, and one without.
  await request(t.app).get('/api/protected').set('Authorization', `Bearer ${fresh.body.accessToken}`).expect(200);
  await request(t.app).get('/api/protected').expect(401);
  // A password reset, requested and completed.
  await request(t.app).post('/auth/password/forgot').send({ email: 'admin@example.com' }).expect(202);
  await settle(30);
  const token = new URL(t.mailer.resetLinks.at(-1)!.url).searchParams.get('token');
  await request(t.app).post('/auth/password/reset').send({ token, newPassword: 'a-new-admin-password' }).expect(204);

  const res = await request(t.app).get('/metrics').expect(200);
  // Express 4 sorts the parameters (charset first): the same type.
  expect(res.headers['content-type']?.split(/;\s*/).sort()).toEqual(['charset=utf-8', 'text/plain', 'version=0.0.4']);
  const values = series(res.text);
  const expected: Record<string, number> = {
    'express_auth_logins_total{outcome="succeeded"}': 4, // admin ×3, user after the second factor
    'express_auth_logins_total{outcome="challenged"}': 1,
    'express_auth_logins_total{outcome="failed"}': 3,
    'express_auth_logins_total{outcome="blocked"}': 1,
    'express_auth_logins_total{outcome="error"}': 0,
    'express_auth_second_factor_total{result="succeeded",method="email"}': 1,
    'express_auth_second_factor_total{result="failed",method="email"}': 1,
    'express_auth_second_factor_total{result="succeeded",method="totp"}': 0,
    'express_auth_lockouts_total{scope="account"}': 1,
    'express_auth_lockouts_total{scope="device"}': 0,
    'express_auth_refreshes_total{result="succeeded"}': 1,
    'express_auth_refreshes_total{result="refused"}': 1,
    express_auth_refresh_reuse_detected_total: 1,
    'express_auth_password_resets_total{stage="requested"}': 1,
    'express_auth_password_resets_total{stage="completed"}': 1,
    'express_auth_api_key_uses_total{result="accepted"}': 1,
    'express_auth_api_key_uses_total{result="refused"}': 1,
    // The login route's first step: admin ×3 at once, user's challenge, guest's three wrong passwords and one block.
    'express_auth_login_duration_seconds_count{outcome="succeeded"}': 3,
    'express_auth_login_duration_seconds_count{outcome="challenged"}': 1,
    'express_auth_login_duration_seconds_count{outcome="failed"}': 3,
    'express_auth_login_duration_seconds_count{outcome="blocked"}': 1,
  };
  for (const [name, value] of Object.entries(expected)) expect(`${name} ${values.get(name)}`).toBe(`${name} ${value}`);
  // The guard: three admitted requests on /api/protected and the api-keys route's own check; two refused.
  expect(values.get('express_auth_guard_duration_seconds_count{result="admitted"}')).toBeGreaterThanOrEqual(3);
  expect(values.get('express_auth_guard_duration_seconds_count{result="refused"}')).toBe(2);
  expect(values.get('express_auth_guard_duration_seconds_sum{result="admitted"}')).toBeGreaterThan(0);
  expect(values.get('express_auth_login_duration_seconds_sum{outcome="failed"}')).toBeGreaterThan(0);

  // Labels: only the fixed sets (and `le` on histogram buckets); nothing of a user, a login, an email or an address.
  for (const name of values.keys()) {
    for (const [, label, value] of name.matchAll(/(\w+)="([^"]*)"/g)) {
      if (label === 'le' || label === undefined) continue;
      expect(`${label}=${ALLOWED_LABELS[label]?.includes(value as string) ? 'allowed' : value}`).toBe(
        `${label}=allowed`,
      );
    }
  }
  for (const personal of ['admin', 'guest', 'example.com', '127.0.0.1', '::1'])
    expect(`${personal}: ${res.text.includes(personal)}`).toBe(`${personal}: false`);
});

test('every series exists at zero from registration, before anything happened', async () => {
  await setup();
  const values = series(await registry.metrics());
  expect(values.get('express_auth_logins_total{outcome="blocked"}')).toBe(0);
  expect(values.get('express_auth_refresh_reuse_detected_total')).toBe(0);
  expect(values.get('express_auth_guard_duration_seconds_count{result="refused"}')).toBe(0);
  expect(values.get('express_auth_login_duration_seconds_count{outcome="challenged"}')).toBe(0);
});

test('registering again on the same registry does nothing; another instance there needs its own prefix', async () => {
  await setup();
  expect((await postLogin(t, 'admin')).status).toBe(200);
  t.auth.metrics(registry);
  expect(series(await registry.metrics()).get('express_auth_logins_total{outcome="succeeded"}')).toBe(1);
  expect(() => t.auth.metrics(new Registry())).toThrow(/already called for this instance/);

  const second = await createTestApp({ rateLimit: false });
  try {
    expect(() => second.auth.metrics(registry)).toThrow(
      new TypeError(
        'auth.metrics(): the registry already has a metric named "express_auth_logins_total" (another auth instance?): give each instance its own "prefix".',
      ),
    );
    second.auth.metrics(registry, { prefix: 'second_auth_' });
    await request(second.app).post('/auth/login').send({ username: 'guest', password: PASSWORDS.guest }).expect(200);
    const values = series(await registry.metrics());
    expect(values.get('second_auth_logins_total{outcome="succeeded"}')).toBe(1);
    expect(values.get('express_auth_logins_total{outcome="succeeded"}')).toBe(1);
  } finally {
    await second.close();
  }
});

test('a wrong registry or option is a TypeError naming it', async () => {
  t = await createTestApp({ rateLimit: false });
  expect(() => t.auth.metrics({} as never)).toThrow(/"registry" must be a prom-client Registry/);
  expect(() => t.auth.metrics(new Registry(), { prefix: '9bad' })).toThrow(
    /"prefix" must start a Prometheus metric name/,
  );
  expect(() => t.auth.metrics(new Registry(), { prefx: 'a_' } as never)).toThrow(
    'auth.metrics(): unknown option "prefx".',
  );
});

test('the router of createAuthRouter reaches metrics() through router.auth', async () => {
  t = await createTestApp({ rateLimit: false });
  const { createAuthRouter } = await import('../../lib');
  const router = createAuthRouter({
    secret: 'x'.repeat(64),
    users: t.users,
    logger: t.logger,
    passwords: { bcryptCost: 4 },
  });
  const own = new Registry();
  router.auth.metrics(own);
  expect(await own.getSingleMetricAsString('express_auth_logins_total')).toContain('outcome="succeeded"} 0');
  await router.auth.shutdown();
});

/** The probe in a child process, optionally with prom-client unresolvable. */
function runProbe(
  hidePromClient: boolean,
): Promise<{ login: number; guarded: number; refused: number; promClientLoaded: boolean; metricsError?: string }> {
  const tsx = pathToFileURL(require.resolve('tsx', { paths: [ROOT] })).href;
  // After tsx, which has its own resolver: the hook must wrap it.
  const hide = hidePromClient
    ? ['--import', pathToFileURL(path.join(ROOT, '__tests__/helpers/hide-prom-client.mjs')).href]
    : [];
  const child = spawn(
    process.execPath,
    ['--import', tsx, ...hide, path.join(ROOT, '__tests__/helpers/metrics-probe.ts')],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`probe exited ${code}: ${err}`));
      resolve(JSON.parse(out.trim().split('\n').at(-1) as string));
    });
  });
}

test('without metrics(), logins and the guard work and prom-client is never loaded', async () => {
  t = await createTestApp({ rateLimit: false });
  const result = await runProbe(false);
  expect(result).toEqual({ login: 200, guarded: 200, refused: 401, promClientLoaded: false });
}, 30_000);

test('without prom-client installed, everything works and metrics() says to install it', async () => {
  t = await createTestApp({ rateLimit: false });
  const result = await runProbe(true);
  expect(result).toEqual({
    login: 200,
    guarded: 200,
    refused: 401,
    promClientLoaded: false,
    metricsError:
      'TypeError: auth.metrics() needs the optional peer dependency "prom-client", which is not installed: run `npm install prom-client`.',
  });
}, 30_000);
