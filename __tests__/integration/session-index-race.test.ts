// Racing logins of one user: the per-user session list is updated atomically, so no open session is missing from it
// and the user never holds more than maxSessionsPerUser, on memory, Redis and Redis Cluster (two instances each).
import { randomUUID } from 'node:crypto';
import express, { type Express } from 'express';
import { Cluster, Redis } from 'ioredis';
import request from 'supertest';
import { createAuth, MemoryStateStore, MemoryUserStore, RedisStateStore, type Auth, type StateStore } from '../../lib';
import {
  createFakeClock,
  createRecordingLogger,
  demoUsers,
  PASSWORDS,
  TEST_COST,
  TEST_SECRET,
  testAuthOptions,
  type FakeClock,
} from '../helpers/create-app';
import { deleteClusterKeys, REDIS_CLUSTER_NODES } from '../helpers/redis-cluster';
import { claimsOf } from '../helpers/session';

const CAP = 5;
const LOGINS = 24;
const REDIS_URL = process.env.REDIS_URL;
const runPrefix = `eak-test:session-race:${process.pid}:${randomUUID().slice(0, 8)}:`;

interface Backend {
  /** A store per instance, all sharing one backend. */
  stores(clock: FakeClock): StateStore[];
  close(): Promise<void>;
}

const clusterNodes = (REDIS_CLUSTER_NODES ?? '')
  .split(',')
  .filter(Boolean)
  .map((node) => {
    const [host, port] = node.split(':');
    return { host: host as string, port: Number(port) };
  });

/**
 * The memory store with every call answered a macrotask late, as a networked store would: other requests run in
 * between, which is when a read-modify-write loses an update. Its methods, optional ones included, are the store's own.
 */
function late(store: StateStore): StateStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || property === 'createRateLimitStore' || property === 'shutdown') return value;
      return async (...args: unknown[]) => {
        await new Promise((resolve) => setImmediate(resolve));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

const backends: [string, boolean, () => Promise<Backend>][] = [
  [
    'memory (one instance)',
    true,
    async () => ({ stores: (clock) => [new MemoryStateStore({ clock })], close: async () => undefined }),
  ],
  [
    'memory, every call a tick late (one instance)',
    true,
    async () => ({ stores: (clock) => [late(new MemoryStateStore({ clock }))], close: async () => undefined }),
  ],
  [
    'Redis (two instances)',
    REDIS_URL !== undefined,
    async () => {
      const client = new Redis(REDIS_URL as string);
      const prefix = `${runPrefix}redis:`;
      const send = (command: string, ...args: string[]) => client.call(command, ...args);
      return {
        stores: () => [
          new RedisStateStore({ sendCommand: send, prefix }),
          new RedisStateStore({ sendCommand: send, prefix }),
        ],
        close: async () => {
          const keys = await client.keys(`${prefix}*`);
          if (keys.length > 0) await client.del(...keys);
          await client.quit();
        },
      };
    },
  ],
  [
    'Redis Cluster (two instances)',
    clusterNodes.length > 0,
    async () => {
      const cluster = new Cluster(clusterNodes, { enableOfflineQueue: false });
      await new Promise<void>((resolve) => cluster.once('ready', resolve));
      const prefix = `${runPrefix}cluster:`;
      const send = (command: string, ...args: string[]) => cluster.call(command, ...args);
      return {
        stores: () => [
          new RedisStateStore({ sendCommand: send, prefix }),
          new RedisStateStore({ sendCommand: send, prefix }),
        ],
        close: async () => {
          await deleteClusterKeys(clusterNodes, prefix);
          await cluster.quit();
        },
      };
    },
  ],
];

function familyOf(token: string): string {
  return claimsOf(token).fam as string;
}

describe.each(backends)('%s', (name, available, start) => {
  const maybe = available ? test : test.skip;
  if (!available) process.stderr.write(`Skipping the session-list race on ${name}: no server configured.\n`);
  let backend: Backend;
  const auths: Auth[] = [];

  afterEach(async () => {
    for (const auth of auths.splice(0)) await auth.shutdown();
    await backend?.close();
  });

  maybe(`${LOGINS} concurrent logins leave exactly ${CAP} open sessions, every one of them in the list`, async () => {
    backend = await start();
    const clock = createFakeClock();
    const users = new MemoryUserStore(await demoUsers(clock));
    const apps: Express[] = backend.stores(clock).map((stateStore) => {
      const auth = createAuth({
        ...testAuthOptions(users, clock),
        stateStore,
        rateLimit: false,
        lockout: false,
        sessions: { maxPerUser: CAP },
      });
      auths.push(auth);
      const app = express();
      app.use(auth.preset.mountPath, auth.router);
      return app;
    });
    const logins = await Promise.all(
      Array.from({ length: LOGINS }, (_, i) =>
        request(apps[i % apps.length] as Express)
          .post('/auth/login')
          .send({ username: 'admin', password: PASSWORDS.admin }),
      ),
    );
    for (const login of logins) expect(login.status).toBe(200);

    // Which sessions are still open: their refresh token still works.
    const open: string[] = [];
    let access = '';
    for (const login of logins) {
      const refreshed = await request(apps[0] as Express)
        .post('/auth/token/refresh')
        .send({ refreshToken: login.body.refreshToken as string });
      if (refreshed.status === 200) {
        open.push(familyOf(login.body.refreshToken as string));
        access = refreshed.body.accessToken as string;
      } else {
        expect(refreshed.status).toBe(401);
      }
    }
    expect(open).toHaveLength(CAP);
    const listed = await request(apps[apps.length - 1] as Express)
      .get('/auth/sessions')
      .set('Authorization', `Bearer ${access}`)
      .expect(200);
    const ids = (listed.body.sessions as { id: string }[]).map((session) => session.id);
    expect(ids.sort()).toEqual(open.sort());
  });
});

test("a host's store without compareAndSet still works: one login after another keeps the cap (the documented fallback)", async () => {
  const memory = new MemoryStateStore();
  const hostStore: StateStore = {
    get: (key) => memory.get(key),
    set: (key, value, ttlMs) => memory.set(key, value, ttlMs),
    delete: (key) => memory.delete(key),
    increment: (key, ttlMs) => memory.increment(key, ttlMs),
    take: (key) => memory.take(key),
  };
  const auth = createAuth({
    secret: TEST_SECRET,
    users: new MemoryUserStore(await demoUsers(Date.now)),
    stateStore: hostStore,
    logger: createRecordingLogger(),
    passwords: { bcryptCost: TEST_COST },
    rateLimit: false,
    sessions: { maxPerUser: 2 },
  });
  const app = express();
  app.use(auth.preset.mountPath, auth.router);
  const tokens: string[] = [];
  for (let i = 0; i < 4; i += 1)
    tokens.push(
      (await request(app).post('/auth/login').send({ username: 'admin', password: PASSWORDS.admin }).expect(200)).body
        .refreshToken as string,
    );
  const statuses = [];
  for (const refreshToken of tokens)
    statuses.push((await request(app).post('/auth/token/refresh').send({ refreshToken })).status);
  expect(statuses).toEqual([401, 401, 200, 200]);
  await auth.shutdown();
  await memory.shutdown();
});
