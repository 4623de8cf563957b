// examples/production.ts as a black box: spawned on the real Redis and PostgreSQL, mail to an in-process SMTP server.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import path from 'node:path';
import { Pool } from 'pg';
import request from 'supertest';
import { PostgresUserStore } from '../../lib';
import { TEST_SECRET } from '../helpers/create-app';
import {
  connectRedis,
  deleteRedisKeys,
  freePort,
  scanRedisKeys,
  sharedServicesSkipReason,
} from '../helpers/redis-postgres';
import { extractCode, startSmtpServer, type TestSmtpServer } from '../helpers/smtp-server';

const ROOT = path.resolve(__dirname, '../..');
const STARTUP_MS = 60_000; // npx, tsx and four bcrypt hashes at cost 10, on a machine shared with other test runs

interface Example {
  child: ChildProcess;
  output(): string;
  /** npx's exit code. */
  exited: Promise<number | null>;
  /** Resolves once every process holding the output pipes (npx, tsx, the server) has ended. */
  closed: Promise<unknown>;
}

/** `npx tsx examples/production.ts` in a process group of its own, so stopping it reaches tsx's node child too. */
function spawnExample(env: NodeJS.ProcessEnv): Example {
  const child = spawn('npx', ['tsx', 'examples/production.ts'], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, output: () => output, exited, closed: once(child, 'close') };
}

async function waitForListening(example: Example): Promise<void> {
  const listening = new Promise<void>((resolve) => {
    const check = () => example.output().includes('listening on') && resolve();
    example.child.stdout?.on('data', check);
    check();
  });
  const exited = example.exited.then((code) => {
    throw new Error(`the example exited (${code}) before listening:\n${example.output()}`);
  });
  await Promise.race([listening, exited]);
}

/**
 * Sends SIGTERM to the example's process group (npx dies of it; the server shuts down) and waits until every process
 * of the group has closed the output pipes; a group that lingers past 15 s is killed so the run can end.
 */
async function stopExample(example: Example): Promise<void> {
  const { pid } = example.child;
  if (pid === undefined) return;
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // the group has already ended
    }
  };
  signalGroup('SIGTERM');
  const timer = setTimeout(() => signalGroup('SIGKILL'), 15_000);
  await example.closed;
  clearTimeout(timer);
}

describe('examples/production.ts', () => {
  it(
    'refuses to start without its services, naming each missing variable',
    async () => {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        DATABASE_URL: 'postgres://127.0.0.1:1/unused',
        PORT: String(await freePort()),
      };
      delete env.REDIS_URL;
      delete env.SMTP_URL;
      const example = spawnExample(env);
      expect(await example.exited).toBe(1);
      expect(example.output()).toContain('cannot start: REDIS_URL, SMTP_URL are not set');
      expect(example.output()).not.toContain('listening on');
    },
    STARTUP_MS,
  );

  const skipReason = sharedServicesSkipReason();
  if (skipReason) process.stderr.write(`Skipping the production example's integration tests: ${skipReason}.\n`);
  (skipReason ? describe.skip : describe)('on Redis, PostgreSQL and SMTP', () => {
    const id = `${process.pid}_${randomUUID().slice(0, 8)}`;
    const prefix = `eak-test:production:${id}:`;
    const schema = `eak_test_production_${id}`;
    let smtp: TestSmtpServer;
    let pool: Pool;
    let redis: Awaited<ReturnType<typeof connectRedis>>;
    let example: Example;
    let baseUrl: string;

    // One server for the file: starting it costs seconds, and each test logs in its own user.
    beforeAll(async () => {
      smtp = await startSmtpServer();
      redis = await connectRedis(process.env.REDIS_URL as string);
      pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
      await pool.query(`CREATE SCHEMA ${schema}`); // generated above, so safe to interpolate
      const port = await freePort();
      baseUrl = `http://127.0.0.1:${port}`;
      // REDIS_URL and DATABASE_URL come from the environment; the prefix and schema keep this run to itself.
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        SMTP_URL: smtp.url,
        REDIS_PREFIX: prefix,
        DATABASE_SCHEMA: schema,
        JWT_SECRET: TEST_SECRET,
      };
      for (const name of ['TRUST_PROXY', 'ADMIN_PASSWORD', 'USER_PASSWORD', 'GUEST_PASSWORD', 'EXPIRED_PASSWORD'])
        delete env[name];
      example = spawnExample(env);
      await waitForListening(example);
    }, STARTUP_MS);

    afterAll(async () => {
      try {
        if (example) await stopExample(example);
        await deleteRedisKeys(redis, prefix);
        await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await Promise.all([redis?.close(), pool?.end(), smtp?.close()]);
      }
      // On SIGTERM the server closed its Redis client, pool and mailer before exiting.
      expect(example?.output()).toContain('stopped: connections to Redis, PostgreSQL and SMTP closed');
    });

    it('logs in as admin and reaches /api/protected, keeping state in Redis and users in PostgreSQL', async () => {
      const login = await request(baseUrl).post('/auth/login').send({ username: 'admin', password: 'admin-password' });
      expect(login.status).toBe(200);
      expect(login.body).toMatchObject({ tokenType: 'Bearer', user: { login: 'admin' } });

      const reached = await request(baseUrl)
        .get('/api/protected')
        .set('Authorization', `Bearer ${login.body.accessToken}`);
      expect(reached.status).toBe(200);
      expect(reached.body).toMatchObject({
        message: 'You are authenticated.',
        authorities: ['ROLE_ADMIN', 'ROLE_USER'],
      });

      const keys = (await scanRedisKeys(redis, prefix)).map((key) => key.slice(prefix.length));
      expect(keys).toEqual(
        expect.arrayContaining([expect.stringMatching(/^rt:family:/), expect.stringMatching(/^rl:login:/)]),
      );
      const admin = await new PostgresUserStore({ pool, schema }).findByLogin('admin');
      expect(admin?.lastLoginAt).toBeInstanceOf(Date);
    });

    it('sends the second-factor code through SMTP_URL', async () => {
      const challenge = await request(baseUrl)
        .post('/auth/login')
        .send({ username: 'user', password: 'user-password' });
      expect(challenge.body).toMatchObject({ tfaRequired: true, method: 'EMAIL' });
      const mail = await smtp.waitForMessage((message) => message.to.includes('user@example.com'));
      const verified = await request(baseUrl)
        .post('/auth/tfa/verify')
        .set('Authorization', `Bearer ${challenge.body.challengeToken}`)
        .send({ code: extractCode(mail.raw) });
      expect(verified.status).toBe(200);
      const reached = await request(baseUrl)
        .get('/api/protected')
        .set('Authorization', `Bearer ${verified.body.accessToken}`);
      expect(reached.body).toMatchObject({ authorities: ['ROLE_USER'] });
    });

    it('answers GET /metrics in Prometheus text, its counters moved by a few logins', async () => {
      const read = async (): Promise<Map<string, number>> => {
        const res = await request(baseUrl).get('/metrics');
        expect(res.status).toBe(200);
        // Express 4 sorts the parameters (charset first): the same type.
        expect(res.headers['content-type']?.split(/;\s*/).sort()).toEqual([
          'charset=utf-8',
          'text/plain',
          'version=0.0.4',
        ]);
        expect(res.text).toContain('# TYPE express_auth_logins_total counter');
        expect(res.text).toContain('# TYPE express_auth_guard_duration_seconds histogram');
        expect(res.text).toContain('process_cpu_user_seconds_total');
        const values = new Map<string, number>();
        for (const line of res.text.split('\n')) {
          if (line === '' || line.startsWith('#')) continue;
          const at = line.lastIndexOf(' ');
          values.set(line.slice(0, at), Number(line.slice(at + 1)));
        }
        return values;
      };
      const before = await read();
      const login = await request(baseUrl).post('/auth/login').send({ username: 'guest', password: 'guest-password' });
      expect(login.status).toBe(200);
      await request(baseUrl).post('/auth/login').send({ username: 'guest', password: 'not-the-password' }).expect(401);
      await request(baseUrl).post('/auth/login').send({ username: 'user', password: 'user-password' }).expect(200);
      await request(baseUrl).get('/api/protected').set('Authorization', `Bearer ${login.body.accessToken}`).expect(200);
      await request(baseUrl).get('/api/protected').expect(401);
      await request(baseUrl).post('/auth/token/refresh').send({ refreshToken: login.body.refreshToken }).expect(200);
      const after = await read();
      const moved = (name: string): number => (after.get(name) ?? NaN) - (before.get(name) ?? NaN);
      expect({
        succeeded: moved('express_auth_logins_total{outcome="succeeded"}'),
        failed: moved('express_auth_logins_total{outcome="failed"}'),
        challenged: moved('express_auth_logins_total{outcome="challenged"}'),
        refreshed: moved('express_auth_refreshes_total{result="succeeded"}'),
        admitted: moved('express_auth_guard_duration_seconds_count{result="admitted"}'),
        refused: moved('express_auth_guard_duration_seconds_count{result="refused"}'),
        timedLogins: moved('express_auth_login_duration_seconds_count{outcome="succeeded"}'),
      }).toEqual({ succeeded: 1, failed: 1, challenged: 1, refreshed: 1, admitted: 1, refused: 1, timedLogins: 1 });
    });
  });
});
