// A Redis of the test's own stopped mid-test: auth fails closed with 503, verified tokens keep working, login recovers.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import express, { type Express } from 'express';
import { createClient } from 'redis';
import request from 'supertest';
import {
  createAuth,
  MemoryMailer,
  MemoryStateStore,
  MemoryUserStore,
  RedisStateStore,
  type Auth,
  type AuthOptions,
  type StateStore,
} from '../../lib';
import {
  createFakeClock,
  createRecordingLogger,
  demoUsers,
  PASSWORDS,
  testAuthOptions,
  type FakeClock,
} from '../helpers/create-app';
import { freePort } from '../helpers/redis-postgres';

const skipReason = !process.env.REDIS_URL
  ? 'REDIS_URL is not set'
  : spawnSync('redis-server', ['--version']).status !== 0
    ? 'redis-server is not on the PATH'
    : undefined;
if (skipReason) process.stderr.write(`Skipping the Redis outage integration tests: ${skipReason}.\n`);
const describeWithRedis = skipReason ? describe.skip : describe;

/** A throwaway Redis: no persistence, so a restart comes back empty, like a failed-over node with no replica. */
async function startRedisServer(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmpdir()],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const onExit = (code: number | null) => reject(new Error(`redis-server exited (${code}): ${output}`));
    child.once('exit', onExit);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        child.off('exit', onExit);
        resolve();
      }
    });
  });
  return child;
}

async function stopRedisServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

/** Waits for a condition that an event outside the test's control brings about (a reconnect); never a timing check. */
async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 20) {
    if (waited > 15_000) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describeWithRedis('when Redis stops and comes back', () => {
  let port: number;
  let redis: ChildProcess;
  let client: ReturnType<typeof createClient>;
  let clock: FakeClock;
  const auths: Auth[] = [];

  beforeEach(async () => {
    port = await freePort();
    redis = await startRedisServer(port);
    // As production must: commands fail at once while disconnected instead of waiting in a queue.
    client = createClient({
      url: `redis://127.0.0.1:${port}`,
      disableOfflineQueue: true,
      socket: { reconnectStrategy: () => 50 },
    });
    client.on('error', () => undefined); // reconnect attempts report here; the test watches isReady instead
    await client.connect();
    clock = createFakeClock();
  });

  afterEach(async () => {
    for (const auth of auths.splice(0)) await auth.shutdown();
    client.destroy();
    await stopRedisServer(redis);
  });

  async function stopRedis(): Promise<void> {
    await stopRedisServer(redis);
    await waitFor(() => !client.isReady, 'the client notices Redis is gone');
  }

  async function restartRedis(): Promise<void> {
    redis = await startRedisServer(port);
    await waitFor(() => client.isReady, 'the client reconnects');
  }

  const redisState = () =>
    new RedisStateStore({ sendCommand: (...args) => client.sendCommand(args), prefix: 'eak-outage:' });

  async function startApp(options: Partial<AuthOptions> & { stateStore: StateStore }) {
    const users = new MemoryUserStore(await demoUsers(clock));
    const logger = createRecordingLogger();
    const mailer = new MemoryMailer();
    const auth = createAuth({
      ...testAuthOptions(users, clock, logger),
      mailer,
      ...options,
    });
    auths.push(auth);
    const app: Express = express();
    app.use(auth.preset.mountPath, auth.router);
    app.get('/api/protected', auth.requireAuth(), (req, res) => {
      res.json({ userId: req.auth?.userId });
    });
    return { app, users, logger, mailer };
  }

  const login = (app: Express, username: string, password: string) =>
    request(app).post('/auth/login').send({ username, password });
  const guarded = (app: Express, token: string) =>
    request(app).get('/api/protected').set('Authorization', `Bearer ${token}`);

  it('fails login closed with 503, keeps accepting verified tokens, and logs in again once Redis is back', async () => {
    const { app, logger, mailer } = await startApp({ stateStore: redisState() });
    const session = await login(app, 'admin', PASSWORDS.admin);
    expect(session.status).toBe(200);
    const accessToken = session.body.accessToken as string;
    expect((await guarded(app, accessToken)).status).toBe(200);
    const challenge = await login(app, 'user', PASSWORDS.user);
    expect(challenge.body).toMatchObject({ tfaRequired: true });

    await stopRedis();

    for (const password of [PASSWORDS.admin, 'wrong-password']) {
      const refused = await login(app, 'admin', password);
      expect(refused.status).toBe(503);
      expect(refused.body).toEqual({ error: 'unavailable', message: 'Authentication is temporarily unavailable.' });
    }
    const refresh = await request(app).post('/auth/token/refresh').send({ refreshToken: session.body.refreshToken });
    expect(refresh.status).toBe(503);
    const verify = await request(app)
      .post('/auth/tfa/verify')
      .set('Authorization', `Bearer ${challenge.body.challengeToken}`)
      .send({ code: mailer.last('user@example.com')?.code });
    expect(verify.status).toBe(503);

    // The access token needs no revocation lookup while its session version is cached...
    expect((await guarded(app, accessToken)).body).toEqual({ userId: '1' });
    // ...and once the cache is stale, the lookup fails and the last version seen still answers.
    clock.advance(60_000);
    expect((await guarded(app, accessToken)).body).toEqual({ userId: '1' });
    // An instance that never saw this user's session version cannot know whether it was revoked: it fails closed.
    const { app: coldApp } = await startApp({ stateStore: redisState() });
    expect((await guarded(coldApp, accessToken)).status).toBe(503);

    // One line per outage, naming the cause; never an "unexpected error" 500.
    expect(logger.errors).toHaveLength(1);
    expect(logger.errors[0]).toMatch(/state store unavailable: .*offline/i);
    expect(logger.errors.join('\n')).not.toContain(PASSWORDS.admin);

    await restartRedis();
    const again = await login(app, 'admin', PASSWORDS.admin);
    expect(again.status).toBe(200);
    expect((await guarded(app, again.body.accessToken)).status).toBe(200);
    expect(await redisState().get('lockout:fail:u:1')).toBeNull(); // a right password clears the counter it made
  });

  it('does not let rate-limited attempts through uncounted while the limit store is down', async () => {
    // Counters and challenges in memory, rate limits in Redis: only the limiter stands between a request and a login.
    const memory = new MemoryStateStore({ clock });
    const limits = redisState();
    const stateStore: StateStore = {
      get: (key) => memory.get(key),
      set: (key, value, ttlMs) => memory.set(key, value, ttlMs),
      delete: (key) => memory.delete(key),
      increment: (key, ttlMs) => memory.increment(key, ttlMs),
      take: (key) => memory.take(key),
      createRateLimitStore: (prefix) => limits.createRateLimitStore(prefix),
    };
    const { app, users } = await startApp({ stateStore });
    expect((await login(app, 'guest', 'wrong-password')).status).toBe(401);
    expect(await memory.get('lockout:fail:u:3')).toBe('1');

    await stopRedis();
    for (const password of [PASSWORDS.guest, 'wrong-password']) {
      const refused = await login(app, 'guest', password);
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ error: 'unavailable' });
    }
    // Neither attempt reached the password check: no login recorded, no failure counted.
    expect((await users.findById('3'))?.lastLoginAt ?? null).toBeNull();
    expect(await memory.get('lockout:fail:u:3')).toBe('1');

    await restartRedis();
    const counted = await login(app, 'guest', PASSWORDS.guest);
    expect(counted.status).toBe(200);
    expect(counted.headers.ratelimit).toMatch(/;\s*r=19\b/); // a fresh window on the emptied Redis
    await memory.shutdown();
  });

  it('starts counting once Redis is up when the limiters were created while it was down', async () => {
    await stopRedis();
    const { app, logger } = await startApp({ stateStore: redisState() });
    expect((await login(app, 'admin', PASSWORDS.admin)).status).toBe(503);
    expect(logger.errors.join('\n')).toMatch(/state store unavailable/);

    await restartRedis();
    const response = await login(app, 'admin', PASSWORDS.admin);
    expect(response.status).toBe(200);
    expect(response.headers.ratelimit).toMatch(/^"login";\s*r=19;/);
  });
});
