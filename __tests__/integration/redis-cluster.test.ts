// RedisStateStore on a real three-master Redis Cluster: the contract through ioredis and node-redis, two instances, a node crash.
import { randomUUID } from 'node:crypto';
import type { Options as RateLimitOptions } from 'express-rate-limit';
import express, { type Express } from 'express';
import { Cluster } from 'ioredis';
import { createCluster } from 'redis';
import request from 'supertest';
import { createAuth, MemoryMailer, MemoryUserStore, RedisStateStore, type Auth, type AuthOptions } from '../../lib';
import type { RedisStateStoreOptions } from '../../lib/stores/redis-state-store';
import { describeStateStoreContract } from '../contracts/state-store-contract';
import { createFakeClock, createRecordingLogger, demoUsers, PASSWORDS, testAuthOptions } from '../helpers/create-app';
import {
  deleteClusterKeys,
  ownClusterSkipReason,
  redisClusterSkipReason,
  sendToNode,
  startRedisCluster,
  useRedisCluster,
  type ClusterNode,
  type RedisCluster,
} from '../helpers/redis-cluster';

const skipReason = redisClusterSkipReason();
if (skipReason) process.stderr.write(`Skipping the Redis Cluster integration tests: ${skipReason}.\n`);
const describeWithCluster = skipReason ? describe.skip : describe;
const outageSkipReason = skipReason ?? ownClusterSkipReason();
if (outageSkipReason && !skipReason)
  process.stderr.write(`Skipping the Redis Cluster node-restart tests: ${outageSkipReason}.\n`);
const describeWithOwnCluster = outageSkipReason ? describe.skip : describe;

const runPrefix = `eak-test:cluster:${process.pid}:${randomUUID().slice(0, 8)}:`;

// One cluster for the file: CI's (REDIS_CLUSTER_NODES) or one started here, which the crash test then reuses.
const clusters: Array<Promise<RedisCluster>> = [];
const fileCluster = () => (clusters[0] ??= useRedisCluster());
afterAll(async () => {
  for (const cluster of await Promise.allSettled(clusters))
    if (cluster.status === 'fulfilled') await cluster.value.close();
});

/** A cluster client as a user connects it, and the store options the class JSDoc tells that user to write. */
interface ClusterConnection {
  storeOptions: Pick<RedisStateStoreOptions, 'sendCommand' | 'sendCommandCluster'>;
  close(): Promise<void>;
}

// Both set to fail at once while a node is unreachable, as production must, and to find a restarted node again quickly.
const connectors: Record<string, (nodes: ClusterNode[]) => Promise<ClusterConnection>> = {
  'ioredis Cluster': async (nodes) => {
    const cluster = new Cluster(nodes, {
      enableOfflineQueue: false,
      redisOptions: { maxRetriesPerRequest: 0 },
      // A command for a crashed master is retried maxRedirections (16) times before it rejects, 100 ms apart by
      // default (about 1.7 s per 503); shorter delays keep this test quick without changing the behaviour.
      retryDelayOnFailover: 20,
      retryDelayOnClusterDown: 20,
      clusterRetryStrategy: () => 100,
    });
    cluster.on('error', () => undefined); // a crashed node reports here; the tests watch statuses instead
    await new Promise<void>((resolve, reject) => {
      cluster.once('ready', resolve);
      cluster.once('end', () => reject(new Error('ioredis Cluster could not connect')));
    });
    return {
      storeOptions: { sendCommand: (command, ...args) => cluster.call(command, ...args) },
      close: async () => {
        cluster.disconnect();
      },
    };
  },
  'node-redis createCluster': async (nodes) => {
    const cluster = createCluster({
      rootNodes: nodes.map((node) => ({ socket: node })),
      defaults: { disableOfflineQueue: true, socket: { reconnectStrategy: () => 100, connectTimeout: 1000 } },
    });
    cluster.on('error', () => undefined);
    await cluster.connect();
    return {
      storeOptions: {
        sendCommandCluster: ({ key, isReadOnly, command }) => cluster.sendCommand(key, isReadOnly, command),
      },
      close: async () => {
        cluster.destroy();
      },
    };
  },
};

/** An app like the other integration tests': the preset's routes plus GET /api/protected. */
function mountApp(auth: Auth): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(auth.preset.mountPath, auth.router);
  app.get('/api/protected', auth.requireAuth(), (req, res) => {
    res.json({ userId: req.auth?.userId });
  });
  return app;
}

const login = (app: Express, username: string, password: string) =>
  request(app).post('/auth/login').send({ username, password });
const refresh = (app: Express, refreshToken: string) => request(app).post('/auth/token/refresh').send({ refreshToken });

describeWithCluster('RedisStateStore on a Redis Cluster', () => {
  let cluster: RedisCluster;

  beforeAll(async () => {
    cluster = await fileCluster();
  }, 30_000);

  describe.each(Object.keys(connectors))('through %s', (clientName) => {
    let connection: ClusterConnection;
    let storeCount = 0;
    const clientPrefix = `${runPrefix}${clientName.replace(/\W+/g, '-')}:`;
    const newStore = (prefix: string) => new RedisStateStore({ ...connection.storeOptions, prefix });

    beforeAll(async () => {
      connection = await (connectors[clientName] as (typeof connectors)[string])(cluster.nodes);
    });
    afterAll(async () => {
      await deleteClusterKeys(cluster.nodes, clientPrefix);
      await connection?.close();
    });

    describeStateStoreContract(`RedisStateStore (${clientName})`, async () => {
      const prefix = `${clientPrefix}${++storeCount}:`;
      // Each store has a prefix of its own and every key a TTL; afterAll deletes them all in one pass.
      return { store: newStore(prefix), cleanup: async () => undefined };
    });

    it('spreads its keys over every master, so the test above really crossed slots and nodes', async () => {
      const prefix = `${clientPrefix}spread:`;
      const store = newStore(prefix);
      for (let i = 0; i < 30; i++) await store.set(`k${i}`, 'v', 60_000);
      const owners = new Set<number>();
      for (let i = 0; i < 30; i++) owners.add((await cluster.masterFor(`${prefix}k${i}`)).port);
      expect(owners.size).toBe(cluster.nodes.length);
      expect(await Promise.all(Array.from({ length: 30 }, (_, i) => store.get(`k${i}`)))).toEqual(Array(30).fill('v'));
    });

    it('runs the increment script on a master whose script cache is empty (NOSCRIPT on another node)', async () => {
      const store = newStore(`${clientPrefix}noscript:`);
      for (let i = 0; i < 6; i++) expect((await store.increment(`n${i}`, 60_000)).value).toBe(1);
      for (const node of cluster.nodes) await sendToNode(node, ['SCRIPT', 'FLUSH']);
      for (let i = 0; i < 6; i++) expect((await store.increment(`n${i}`, 60_000)).value).toBe(2);
    });

    it('counts express-rate-limit hits on every master, even when only one node has its scripts loaded', async () => {
      // Each round starts with empty script caches, as on a new or restarted cluster; rate-limit-redis loads its
      // scripts on whichever node a keyless SCRIPT LOAD reaches, and the keys below live on all three.
      for (let round = 0; round < 3; round++) {
        await Promise.all(cluster.nodes.map((node) => sendToNode(node, ['SCRIPT', 'FLUSH'])));
        const limiter = newStore(`${clientPrefix}rl:`).createRateLimitStore(`login${round}`);
        await limiter.init?.({ windowMs: 60_000 } as RateLimitOptions);
        const clients = Array.from({ length: 9 }, (_, i) => `203.0.113.${i}`);
        for (const client of clients) expect((await limiter.increment(client)).totalHits).toBe(1);
        for (const client of clients) expect((await limiter.increment(client)).totalHits).toBe(2);
        expect((await limiter.get?.(clients[0] as string))?.totalHits).toBe(2);
        await limiter.decrement(clients[1] as string);
        await limiter.resetKey(clients[2] as string);
        expect((await limiter.increment(clients[1] as string)).totalHits).toBe(2);
        expect((await limiter.increment(clients[2] as string)).totalHits).toBe(1);
      }
    });
  });

  describe('two instances, one on each client, sharing the cluster', () => {
    let connections: ClusterConnection[] = [];
    const auths: Auth[] = [];
    let deploymentCount = 0;

    afterEach(async () => {
      for (const auth of auths.splice(0)) await auth.shutdown();
      for (const connection of connections.splice(0)) await connection.close();
    });

    /** Instance a uses ioredis, b node-redis; one user store and one clock stand for the shared database and time. */
    async function startPair(options: Partial<AuthOptions> = {}): Promise<[Express, Express, MemoryMailer]> {
      const prefix = `${runPrefix}pair${++deploymentCount}:`;
      const clock = createFakeClock();
      const users = new MemoryUserStore(await demoUsers(clock));
      const mailer = new MemoryMailer();
      connections = await Promise.all(Object.values(connectors).map((connect) => connect(cluster.nodes)));
      const apps = connections.map((connection) => {
        const auth = createAuth({
          ...testAuthOptions(users, clock),
          stateStore: new RedisStateStore({ ...connection.storeOptions, prefix }),
          mailer,
          ...options,
        });
        auths.push(auth);
        return mountApp(auth);
      });
      return [apps[0] as Express, apps[1] as Express, mailer];
    }

    afterAll(async () => {
      await deleteClusterKeys(cluster.nodes, runPrefix);
    });

    it('locks an account after failures counted on both instances', async () => {
      const [a, b] = await startPair({ lockout: { maxFailures: 4, window: '10m', duration: '10m' } });
      for (const app of [a, b, a, b]) expect((await login(app, 'admin', 'wrong-password')).status).toBe(401);
      for (const app of [a, b]) {
        const blocked = await login(app, 'admin', PASSWORDS.admin);
        expect(blocked.status).toBe(403);
        expect(blocked.body).toMatchObject({ error: 'login_blocked' });
        expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
      }
      // Another user is not affected: the lockout is per account.
      expect((await login(b, 'guest', PASSWORDS.guest)).status).toBe(200);
    });

    it('completes a second-factor challenge started on one instance on the other, once', async () => {
      const [a, b, mailer] = await startPair();
      const challenge = await login(a, 'user', PASSWORDS.user);
      expect(challenge.status).toBe(200);
      expect(challenge.body).toMatchObject({ tfaRequired: true, method: 'EMAIL' });
      const code = mailer.last('user@example.com')?.code as string;
      expect(code).toMatch(/^\d{6}$/);
      const verify = (app: Express) =>
        request(app)
          .post('/auth/tfa/verify')
          .set('Authorization', `Bearer ${challenge.body.challengeToken}`)
          .send({ code });

      const verified = await verify(b);
      expect(verified.status).toBe(200);
      const me = await request(a).get('/api/protected').set('Authorization', `Bearer ${verified.body.accessToken}`);
      expect(me.body).toEqual({ userId: '2' });
      const replayed = await verify(a);
      expect(replayed.status).toBe(401);
      expect(replayed.body).toMatchObject({ error: 'tfa_invalid' });
    });

    it('detects a refresh token reused on the other instance and revokes its family (strict detection)', async () => {
      const [a, b] = await startPair({ sessions: { refresh: { reuseGrace: 0 } } });
      const first = (await login(a, 'admin', PASSWORDS.admin)).body.refreshToken as string;
      const rotated = await refresh(a, first);
      expect(rotated.status).toBe(200);

      const reused = await refresh(b, first);
      expect(reused.status).toBe(401);
      expect(reused.body).toMatchObject({ error: 'token_revoked' });
      const next = await refresh(a, rotated.body.refreshToken);
      expect(next.status).toBe(401);
      expect(next.body).toMatchObject({ error: 'token_revoked' });
    });

    it('with strict detection (reuseGrace 0), lets exactly one of concurrent refreshes split across both instances succeed', async () => {
      const [a, b] = await startPair({ sessions: { refresh: { reuseGrace: 0 } } });
      const token = (await login(a, 'admin', PASSWORDS.admin)).body.refreshToken as string;
      const responses = await Promise.all(Array.from({ length: 6 }, (_, i) => refresh(i % 2 === 0 ? a : b, token)));
      const winners = responses.filter((response) => response.status === 200);
      expect(winners).toHaveLength(1);
      for (const loser of responses.filter((response) => response.status !== 200)) {
        expect(loser.status).toBe(401);
        expect(loser.body).toMatchObject({ error: 'token_revoked' });
      }
      // The losers were reuse: the family is revoked, so the winner's new refresh token is refused too.
      expect((await refresh(b, winners[0]?.body.refreshToken)).status).toBe(401);
    });
  });
});

describeWithOwnCluster('when the Redis Cluster node that holds the keys crashes and comes back', () => {
  let cluster: RedisCluster;

  beforeAll(async () => {
    // A node of CI's cluster is not this test's to kill: then it starts one of its own.
    cluster = await fileCluster();
    if (!cluster.owned) {
      cluster = await startRedisCluster();
      clusters.push(Promise.resolve(cluster));
    }
  }, 30_000);

  it('fails login and refresh closed with 503 on both clients, and both recover once the node is back', async () => {
    const connections = await Promise.all(Object.values(connectors).map((connect) => connect(cluster.nodes)));
    // A hash tag in the prefix puts every key of this deployment in one slot, so one known node holds them all.
    const prefix = `{eak-outage-${randomUUID().slice(0, 8)}}:`;
    const owner = await cluster.masterFor(prefix);
    const clock = createFakeClock();
    const users = new MemoryUserStore(await demoUsers(clock));
    // Two instances of one deployment: a on ioredis, b on node-redis.
    const instances = connections.map((connection) => {
      const logger = createRecordingLogger();
      const auth = createAuth({
        ...testAuthOptions(users, clock, logger),
        stateStore: new RedisStateStore({ ...connection.storeOptions, prefix }),
        mailer: new MemoryMailer(),
      });
      return { auth, logger, app: mountApp(auth) };
    });
    try {
      const sessions = await Promise.all(instances.map(({ app }) => login(app, 'admin', PASSWORDS.admin)));
      expect(sessions.map((session) => session.status)).toEqual([200, 200]);

      await cluster.stopNode(owner);
      const expectUnavailable = () =>
        Promise.all(
          instances.map(async ({ app }, index) => {
            for (const password of [PASSWORDS.admin, 'wrong-password']) {
              const refused = await login(app, 'admin', password);
              expect(refused.status).toBe(503);
              expect(refused.body).toEqual({
                error: 'unavailable',
                message: 'Authentication is temporarily unavailable.',
              });
            }
            const refused = await refresh(app, sessions[index]?.body.refreshToken);
            expect(refused.status).toBe(503);
            expect(refused.body).toMatchObject({ error: 'unavailable' });
          }),
        );
      // At once (the client still has the dead node in its slot map), and again once the surviving masters have
      // declared the cluster failed (cluster_state:fail, CLUSTERDOWN).
      await expectUnavailable();
      await waitFor(async () => {
        const survivors = cluster.nodes.filter((node) => node.port !== owner.port);
        const infos = await Promise.all(survivors.map((node) => sendToNode(node, ['CLUSTER', 'INFO'])));
        return infos.every((info) => String(info).includes('cluster_state:fail'));
      }, 'the surviving masters declare the cluster failed');
      await expectUnavailable();
      for (const { logger } of instances) {
        expect(logger.errors.join('\n')).toMatch(/state store unavailable/);
        expect(logger.errors.join('\n')).not.toContain(PASSWORDS.admin);
      }

      await cluster.restartNode(owner); // same port, same nodes.conf; waits for cluster_state:ok on every node
      for (const [index, { app }] of instances.entries()) {
        // The client finds the node again on its own; until it has, requests keep failing closed, never open.
        let again!: Awaited<ReturnType<typeof login>>;
        await waitFor(async () => {
          again = await login(app, 'admin', PASSWORDS.admin);
          expect([200, 503]).toContain(again.status);
          return again.status === 200;
        }, `login succeeds again on instance ${index}`);
        const me = await request(app).get('/api/protected').set('Authorization', `Bearer ${again.body.accessToken}`);
        expect(me.body).toEqual({ userId: '1' });
        // The node came back empty (no persistence): the old refresh token's family is gone, not resurrected.
        expect((await refresh(app, sessions[index]?.body.refreshToken)).status).toBe(401);
        expect((await refresh(app, again.body.refreshToken)).status).toBe(200);
      }
    } finally {
      for (const { auth } of instances) await auth.shutdown();
      for (const connection of connections) await connection.close();
    }
  });
});

/** Polls a condition that something outside the test brings about (a failure detection, a reconnect). */
async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
