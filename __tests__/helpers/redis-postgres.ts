// Several app instances on one real Redis (RedisStateStore) and one real PostgreSQL (PostgresUserStore), as behind a load balancer.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import { Pool } from 'pg';
import { createClient } from 'redis';
import { createAuth, MemoryMailer, PostgresUserStore, RedisStateStore, type Auth, type AuthOptions } from '../../lib';
import { createFakeClock, createRecordingLogger, demoUsers, testAuthOptions, type FakeClock } from './create-app';

export const REDIS_URL = process.env.REDIS_URL;
export const DATABASE_URL = process.env.DATABASE_URL;

/** Why tests that need both services must be skipped, or undefined when both are configured. */
export function sharedServicesSkipReason(): string | undefined {
  const missing = [REDIS_URL ? undefined : 'REDIS_URL', DATABASE_URL ? undefined : 'DATABASE_URL'].filter(Boolean);
  return missing.length > 0 ? `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set` : undefined;
}

/** The part of a node-redis client the helpers below use. */
interface RedisCommands {
  sendCommand(args: string[]): Promise<unknown>;
}

/** A TCP port nothing listens on right now, for a server the test starts itself. */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A node-redis client as production should configure it: commands fail at once while disconnected. */
export async function connectRedis(url: string, errors: string[] = []) {
  const client = createClient({ url, disableOfflineQueue: true });
  // Without a listener, a connection error would be thrown as an unhandled 'error' event.
  client.on('error', (error: Error) => errors.push(error.message));
  await client.connect();
  return client;
}

/** Every key under `prefix` (which must hold no glob characters). */
export async function scanRedisKeys(client: RedisCommands, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = (await client.sendCommand(['SCAN', cursor, 'MATCH', `${prefix}*`, 'COUNT', '1000'])) as [
      string,
      string[],
    ];
    cursor = String(next);
    found.push(...keys);
  } while (cursor !== '0');
  return found;
}

/** Deletes every key under `prefix` (which must hold no glob characters). */
export async function deleteRedisKeys(client: RedisCommands, prefix: string): Promise<void> {
  const keys = await scanRedisKeys(client, prefix);
  if (keys.length > 0) await client.sendCommand(['DEL', ...keys]);
}

/** One app instance: its own Redis client and pg pool, its own auth instance, the shared prefix and schema. */
export interface Instance {
  app: Express;
  auth: Auth;
  mailer: MemoryMailer;
  logger: ReturnType<typeof createRecordingLogger>;
  /** Where the preset's routes are mounted ('' for '/'). */
  base: string;
}

/** A deployment: the shared stores (for assertions) and a way to start instances on them. */
export interface Deployment {
  /** The Redis key prefix every instance writes under (unique to this deployment). */
  prefix: string;
  /** The PostgreSQL schema holding the users (unique to this deployment). */
  schema: string;
  /** One clock for every instance, as if their machines agreed on the time. */
  clock: FakeClock;
  /** The shared state, read through a connection of the test's own. */
  state: RedisStateStore;
  /** The shared users, read through a connection of the test's own. */
  users: PostgresUserStore;
  /** Every key under the prefix, without it. */
  keys(): Promise<string[]>;
  /**
   * An instance like createTestApp's (routes at the preset's path, GET /api/protected and /api/admin), with a
   * RedisStateStore and a PostgresUserStore of its own on the shared prefix and schema.
   */
  startInstance(options?: Partial<AuthOptions>): Promise<Instance>;
  /** Shuts every instance down, deletes the keys and drops the schema. */
  close(): Promise<void>;
}

const runId = `${process.pid}_${randomUUID().slice(0, 8)}`;
let deploymentCount = 0;

/** Creates a fresh schema with the demo users (ids 1-5, as createTestApp's) and a fresh key prefix. */
export async function startDeployment(): Promise<Deployment> {
  const id = `${runId}_${++deploymentCount}`;
  const prefix = `eak-test:deployment:${id}:`;
  const schema = `eak_test_deployment_${id}`;
  const clock = createFakeClock();
  const redis = await connectRedis(REDIS_URL as string);
  const pool = new Pool({ connectionString: DATABASE_URL, max: 2 });
  const closers: Array<() => Promise<unknown>> = [];

  // The schema name is generated here, so interpolating it is safe.
  await pool.query(`CREATE SCHEMA ${schema}`);
  const users = new PostgresUserStore({ pool, schema });
  await users.migrate();
  for (const user of await demoUsers(clock)) await users.addUser(user);
  const state = new RedisStateStore({ sendCommand: (...args) => redis.sendCommand(args), prefix });

  return {
    prefix,
    schema,
    clock,
    state,
    users,
    async keys() {
      return (await scanRedisKeys(redis, prefix)).map((key) => key.slice(prefix.length)).sort();
    },
    async startInstance(options = {}) {
      const instanceRedis = await connectRedis(REDIS_URL as string);
      const instancePool = new Pool({ connectionString: DATABASE_URL, max: 2 });
      const mailer = new MemoryMailer();
      const logger = createRecordingLogger();
      const auth = createAuth({
        ...testAuthOptions(new PostgresUserStore({ pool: instancePool, schema }), clock, logger),
        stateStore: new RedisStateStore({ sendCommand: (...args) => instanceRedis.sendCommand(args), prefix }),
        mailer,
        ...options,
      });
      closers.push(async () => {
        await auth.shutdown();
        await instanceRedis.close();
        await instancePool.end();
      });
      const app = express();
      app.disable('x-powered-by');
      const base = auth.preset.mountPath;
      app.use(base, auth.router);
      app.get('/api/protected', auth.requireAuth(), (req, res) => {
        res.json({ userId: req.auth?.userId, authorities: req.auth?.authorities });
      });
      app.get('/api/admin', auth.requireAuth({ roles: ['ROLE_ADMIN'] }), (req, res) => {
        res.json({ userId: req.auth?.userId });
      });
      return { app, auth, mailer, logger, base: base === '/' ? '' : base };
    },
    async close() {
      try {
        for (const close of closers) await close();
        await deleteRedisKeys(redis, prefix);
        await pool.query(`DROP SCHEMA ${schema} CASCADE`);
      } finally {
        await redis.close();
        await pool.end();
      }
    },
  };
}
