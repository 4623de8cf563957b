// A real three-master Redis Cluster on loopback for the cluster tests: CI's (REDIS_CLUSTER_NODES) or one started here.
import { spawn, spawnSync, execFile, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createClient } from 'redis';

/** `host:port,host:port,...` of a running cluster (CI starts one on 7000-7002); unset, the tests start their own. */
export const REDIS_CLUSTER_NODES = process.env.REDIS_CLUSTER_NODES;

export interface ClusterNode {
  host: string;
  port: number;
}

const hasProgram = (name: string) => spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0;

/** Why no cluster can be had (neither REDIS_CLUSTER_NODES nor redis-server and redis-cli), or undefined. */
export function redisClusterSkipReason(): string | undefined {
  return REDIS_CLUSTER_NODES ? undefined : ownClusterSkipReason('REDIS_CLUSTER_NODES is not set and ');
}

/** Why the tests cannot start (and stop nodes of) a cluster of their own, or undefined. */
export function ownClusterSkipReason(context = ''): string | undefined {
  const missing = ['redis-server', 'redis-cli'].filter((program) => !hasProgram(program));
  return missing.length > 0
    ? `${context}${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not on the PATH`
    : undefined;
}

/** A running cluster: its masters' addresses, and (for one started here) ways to stop and restart a node. */
export interface RedisCluster {
  nodes: ClusterNode[];
  /** True when this process started the cluster and may stop its nodes. */
  owned: boolean;
  /** The master that serves `key`'s slot now. */
  masterFor(key: string): Promise<ClusterNode>;
  /** Kills one node at once, as a crash would (no save, no failover: there are no replicas). */
  stopNode(node: ClusterNode): Promise<void>;
  /** Starts a stopped node again on its port with its nodes.conf, and waits until every node reports cluster_state:ok. */
  restartNode(node: ClusterNode): Promise<void>;
  /** Resolves when every node reports cluster_state:ok and all 16384 slots served. */
  waitUntilOk(timeoutMs?: number): Promise<void>;
  /** Stops every node this process started and deletes their directory; leaves a cluster named by the env var alone. */
  close(): Promise<void>;
}

/** CI's cluster when REDIS_CLUSTER_NODES is set, otherwise a new one (see {@link startRedisCluster}). */
export async function useRedisCluster(): Promise<RedisCluster> {
  if (!REDIS_CLUSTER_NODES) return startRedisCluster();
  const nodes = REDIS_CLUSTER_NODES.split(',').map(parseNode);
  const refuse = async () => {
    throw new Error("a cluster named by REDIS_CLUSTER_NODES is not this process's to stop; use startRedisCluster()");
  };
  const cluster: RedisCluster = {
    nodes,
    owned: false,
    masterFor: (key) => masterFor(nodes, key),
    stopNode: refuse,
    restartNode: refuse,
    waitUntilOk: (timeoutMs) => waitUntilOk(nodes, timeoutMs),
    close: async () => undefined,
  };
  await cluster.waitUntilOk();
  return cluster;
}

/**
 * Starts three masters (no replicas, no persistence) on free loopback ports in a temporary directory, joins them with
 * `redis-cli --cluster create`, and waits for cluster_state:ok. The nodes are killed when the process exits, even
 * if close() is never reached.
 */
export async function startRedisCluster(): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'eak-redis-cluster-'));
  const children = new Map<number, ChildProcess>();
  const nodes: ClusterNode[] = [];
  const start = async (port: number) => children.set(port, await startClusterNode(port, dir));
  const cluster: RedisCluster = {
    nodes,
    owned: true,
    masterFor: (key) => masterFor(nodes, key),
    async stopNode(node) {
      const child = children.get(node.port);
      if (child) await kill(child, 'SIGKILL');
    },
    async restartNode(node) {
      await start(node.port);
      await waitUntilOk(nodes);
    },
    waitUntilOk: (timeoutMs) => waitUntilOk(nodes, timeoutMs),
    async close() {
      await Promise.all([...children.values()].map((child) => kill(child, 'SIGTERM')));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    for (let i = 0; i < 3; i++) {
      const port = await freeClusterPort(nodes.map((node) => node.port));
      nodes.push({ host: '127.0.0.1', port });
      await start(port);
    }
    const addresses = nodes.map(({ host, port }) => `${host}:${port}`);
    await promisify(execFile)(
      'redis-cli',
      ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'],
      {
        timeout: 20_000,
      },
    );
    await waitUntilOk(nodes);
    return cluster;
  } catch (error) {
    await cluster.close();
    throw error;
  }
}

const liveChildren = new Set<ChildProcess>();
// A failed or interrupted test run must not leave redis-servers behind; kill() is synchronous, so it works here.
process.once('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
});

async function startClusterNode(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      `nodes-${port}.conf`,
      // Short, so the cluster declares a killed node failed, and forgives it after a restart, within a test.
      '--cluster-node-timeout',
      '1000',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const onExit = (code: number | null) =>
      reject(new Error(`redis-server on port ${port} exited (${code}): ${output}`));
    child.once('exit', onExit);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        child.off('exit', onExit);
        child.stdout?.resume();
        resolve();
      }
    });
  });
  return child;
}

async function kill(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}

/** A port P with P and its cluster bus port P + 10000 both free on loopback. */
async function freeClusterPort(taken: number[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if (taken.includes(port)) continue;
    if ((await isFree(port)) && (await isFree(port + 10_000))) return port;
  }
  throw new Error('no free port pair (P, P + 10000) found for a Redis Cluster node');
}

async function isFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function parseNode(address: string): ClusterNode {
  const match = /^\s*([^:\s]+):(\d+)\s*$/.exec(address);
  if (!match) throw new Error(`REDIS_CLUSTER_NODES: "${address}" is not host:port`);
  return { host: match[1] as string, port: Number(match[2]) };
}

/** A plain connection to one node that gives up at once when the node is down. */
async function connectNode(node: ClusterNode) {
  const client = createClient({
    socket: { host: node.host, port: node.port, reconnectStrategy: false, connectTimeout: 1000 },
  });
  client.on('error', () => undefined); // connect() rejects with the same error
  await client.connect();
  return client;
}

/** Runs one command on one node over a short-lived plain connection; rejects when the node is down. */
export async function sendToNode(node: ClusterNode, args: string[]): Promise<unknown> {
  const client = await connectNode(node);
  try {
    return await client.sendCommand(args);
  } finally {
    client.destroy();
  }
}

/** Deletes every key under `prefix` (no glob characters) on every node, one DEL per key: a DEL may not span slots. */
export async function deleteClusterKeys(nodes: ClusterNode[], prefix: string): Promise<void> {
  await Promise.all(
    nodes.map(async (node) => {
      const client = await connectNode(node);
      try {
        let cursor = '0';
        do {
          const [next, keys] = (await client.sendCommand(['SCAN', cursor, 'MATCH', `${prefix}*`, 'COUNT', '1000'])) as [
            string,
            string[],
          ];
          cursor = String(next);
          await Promise.all(keys.map((key) => client.sendCommand(['DEL', key])));
        } while (cursor !== '0');
      } finally {
        client.destroy();
      }
    }),
  );
}

async function clusterInfo(node: ClusterNode): Promise<Record<string, string>> {
  const text = String(await sendToNode(node, ['CLUSTER', 'INFO']));
  return Object.fromEntries(text.split(/\r?\n/).map((line) => line.split(':', 2) as [string, string]));
}

async function waitUntilOk(nodes: ClusterNode[], timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const infos = await Promise.all(nodes.map(clusterInfo));
      if (infos.every((info) => info.cluster_state === 'ok' && info.cluster_slots_ok === '16384')) return;
      last = infos.map((info) => `${info.cluster_state}/${info.cluster_slots_ok}`).join(', ');
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline) throw new Error(`the Redis Cluster did not report cluster_state:ok (${last})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function masterFor(nodes: ClusterNode[], key: string): Promise<ClusterNode> {
  const [first] = nodes;
  if (!first) throw new Error('a cluster without nodes');
  const slot = Number(await sendToNode(first, ['CLUSTER', 'KEYSLOT', key]));
  const ranges = (await sendToNode(first, ['CLUSTER', 'SLOTS'])) as Array<
    [number, number, [string, number, ...unknown[]]]
  >;
  for (const [from, to, [host, port]] of ranges) {
    if (slot >= Number(from) && slot <= Number(to)) {
      // A node may announce an empty host; the test's own address for it is the one to use.
      return nodes.find((node) => node.port === Number(port)) ?? { host: host || first.host, port: Number(port) };
    }
  }
  throw new Error(`no master serves slot ${slot}`);
}
