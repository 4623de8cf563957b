// RedisStateStore against a real Redis (REDIS_URL), through both node-redis and ioredis.
import { createHash, randomUUID } from 'node:crypto';
import type { Options as RateLimitOptions } from 'express-rate-limit';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { RedisStateStore, type RedisSendCommand } from '../../lib/stores/redis-state-store';
import { describeStateStoreContract } from '../contracts/state-store-contract';

const REDIS_URL = process.env.REDIS_URL;
if (!REDIS_URL) console.warn('Skipping the RedisStateStore integration tests: REDIS_URL is not set.');
const describeWithRedis = REDIS_URL ? describe : describe.skip;

const runPrefix = `eak-test:${process.pid}:${randomUUID().slice(0, 8)}:`;

// Deletes every key under a prefix; the prefixes here hold no glob characters, so MATCH needs no escaping.
async function deleteKeys(sendCommand: RedisSendCommand, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = (await sendCommand('SCAN', cursor, 'MATCH', `${prefix}*`, 'COUNT', '1000')) as [
      string,
      string[],
    ];
    cursor = String(next);
    if (keys.length > 0) await sendCommand('DEL', ...keys);
  } while (cursor !== '0');
}

const clients: Record<string, () => Promise<{ sendCommand: RedisSendCommand; close(): Promise<unknown> }>> = {
  'node-redis': async () => {
    const client = createClient({ url: REDIS_URL });
    await client.connect();
    return { sendCommand: (...args) => client.sendCommand(args), close: () => client.close() };
  },
  ioredis: async () => {
    const client = new Redis(REDIS_URL as string);
    return { sendCommand: (command, ...args) => client.call(command, ...args), close: () => client.quit() };
  },
};

describeWithRedis.each(Object.keys(clients))('RedisStateStore with %s', (clientName) => {
  let connection: Awaited<ReturnType<(typeof clients)[string]>>;
  let storeCount = 0;
  const clientPrefix = `${runPrefix}${clientName}:`;

  beforeAll(async () => {
    connection = await (clients[clientName] as (typeof clients)[string])();
  });
  afterAll(async () => {
    await deleteKeys(connection.sendCommand, clientPrefix);
    await connection.close();
  });

  describeStateStoreContract(`RedisStateStore (${clientName})`, async () => {
    const prefix = `${clientPrefix}${++storeCount}:`;
    const store = new RedisStateStore({ sendCommand: (...args) => connection.sendCommand(...args), prefix });
    return { store, cleanup: () => deleteKeys(connection.sendCommand, prefix) };
  });

  describe('Redis specifics', () => {
    const prefix = `${clientPrefix}specifics:`;
    const newStore = () => new RedisStateStore({ sendCommand: (...args) => connection.sendCommand(...args), prefix });
    afterEach(() => deleteKeys(connection.sendCommand, prefix));

    it('writes under the prefix, every key with a TTL', async () => {
      const store = newStore();
      await store.set('a', 'v', 60_000);
      await store.increment('b', 60_000);
      for (const key of ['a', 'b']) {
        const ttl = Number(await connection.sendCommand('PTTL', `${prefix}${key}`));
        expect(ttl).toBeGreaterThan(59_000);
        expect(ttl).toBeLessThanOrEqual(60_000);
      }
    });

    it("defaults the prefix to 'eak:'", () => {
      expect(new RedisStateStore({ sendCommand: connection.sendCommand }).prefix).toBe('eak:');
    });

    it('re-runs the increment script after the script cache is flushed (NOSCRIPT)', async () => {
      const store = newStore();
      expect((await store.increment('n', 60_000)).value).toBe(1);
      await connection.sendCommand('SCRIPT', 'FLUSH');
      expect((await store.increment('n', 60_000)).value).toBe(2);
      expect((await store.increment('n', 60_000)).value).toBe(3);
    });

    it('rejects a TTL that is not positive, and rounds a fractional one up', async () => {
      const store = newStore();
      await expect(store.set('k', 'v', 0)).rejects.toThrow(TypeError);
      await expect(store.increment('k', Number.NaN)).rejects.toThrow(TypeError);
      await store.set('k', 'v', 0.2);
      expect(Number(await connection.sendCommand('PTTL', `${prefix}k`))).toBeLessThanOrEqual(1);
    });

    it('gives express-rate-limit a store under its own prefix', async () => {
      const rateLimitStore = newStore().createRateLimitStore('login:');
      await rateLimitStore.init?.({ windowMs: 60_000 } as RateLimitOptions);
      expect((await rateLimitStore.increment('203.0.113.7')).totalHits).toBe(1);
      expect((await rateLimitStore.increment('203.0.113.7')).totalHits).toBe(2);
      const ttl = Number(await connection.sendCommand('PTTL', `${prefix}rl:login:203.0.113.7`));
      expect(ttl).toBeGreaterThan(59_000);
    });
  });
});

describe('RedisStateStore when Redis cannot be reached', () => {
  // Real clients pointed at a closed port, set to fail instead of queueing commands.
  it('rejects every operation with node-redis', async () => {
    const client = createClient({ url: 'redis://127.0.0.1:1', disableOfflineQueue: true });
    await expectEveryOperationToReject(new RedisStateStore({ sendCommand: (...args) => client.sendCommand(args) }));
  });

  it('rejects every operation with ioredis', async () => {
    const client = new Redis({
      host: '127.0.0.1',
      port: 1,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    try {
      const store = new RedisStateStore({ sendCommand: (command, ...args) => client.call(command, ...args) });
      await expectEveryOperationToReject(store);
    } finally {
      client.disconnect();
    }
  });

  async function expectEveryOperationToReject(store: RedisStateStore): Promise<void> {
    await expect(store.get('k')).rejects.toThrow();
    await expect(store.set('k', 'v', 1_000)).rejects.toThrow();
    await expect(store.delete('k')).rejects.toThrow();
    await expect(store.increment('k', 1_000)).rejects.toThrow();
    await expect(store.take('k')).rejects.toThrow();
  }
});

describe('RedisStateStore options', () => {
  it('names the option it rejects', () => {
    expect(() => new RedisStateStore({} as never)).toThrow(/"sendCommand"/);
    expect(() => new RedisStateStore({ sendCommand: async () => null, prefix: 5 as never })).toThrow(/"prefix"/);
    const both = { sendCommand: async () => null, sendCommandCluster: async () => null };
    expect(() => new RedisStateStore(both)).toThrow(/"sendCommand" or the "sendCommandCluster" option, not both/);
  });
});

// node-redis's createCluster routes by a key given apart from the command; these fakes stand for it.
describe('RedisStateStore with sendCommandCluster', () => {
  type Sent = { key: string | undefined; isReadOnly: boolean; command: string[] };

  it('names the key each command touches, wherever the command puts it, and never asks for a replica', async () => {
    const sent: Sent[] = [];
    const replies: Record<string, unknown> = { GET: 'v', SET: 'OK', DEL: 1, GETDEL: 'v', EVALSHA: [1, 1000] };
    const store = new RedisStateStore({
      prefix: 'p:',
      sendCommandCluster: async (details) => {
        sent.push(details);
        return replies[details.command[0] as string];
      },
    });
    await store.get('a');
    await store.set('b', 'v', 1000);
    await store.delete('c');
    await store.take('d');
    expect(await store.increment('e', 1000)).toEqual({ value: 1, ttlMs: 1000 });
    expect(sent.map(({ key, isReadOnly, command }) => [key, isReadOnly, command[0]])).toEqual([
      ['p:a', false, 'GET'],
      ['p:b', false, 'SET'],
      ['p:c', false, 'DEL'],
      ['p:d', false, 'GETDEL'],
      ['p:e', false, 'EVALSHA'],
    ]);
    expect(sent[4]?.command.slice(2)).toEqual(['1', 'p:e', '1000']);
  });

  it("runs a rate-limit script with EVAL on the key's node when only another node has it loaded", async () => {
    // As on a cluster where rate-limit-redis's keyless SCRIPT LOAD reached another node than the key's.
    const sent: Sent[] = [];
    const store = new RedisStateStore({
      prefix: 'p:',
      sendCommandCluster: async (details) => {
        sent.push(details);
        const [name, arg] = details.command;
        if (name === 'SCRIPT')
          return createHash('sha1')
            .update(arg === 'LOAD' ? (details.command[2] as string) : '')
            .digest('hex');
        if (name === 'EVALSHA') throw new Error('NOSCRIPT No matching script. Please use EVAL.');
        if (name === 'EVAL') return [1, 60_000];
        throw new Error(`unexpected ${name}`);
      },
    });
    const limiter = store.createRateLimitStore('login');
    await limiter.init?.({ windowMs: 60_000 } as RateLimitOptions);
    expect((await limiter.increment('203.0.113.7')).totalHits).toBe(1);
    const evals = sent.filter(({ command }) => command[0] === 'EVAL');
    expect(evals).toHaveLength(1);
    expect(evals[0]?.key).toBe('p:rl:login:203.0.113.7');
    expect(evals[0]?.command.slice(2)).toEqual(['1', 'p:rl:login:203.0.113.7', '60000']);
  });
});
