// A StateStore in Redis, shared by every process of a deployment; it sends raw commands through the host's client.
import { createHash } from 'node:crypto';
import type { Store } from 'express-rate-limit';
// rate-limit-redis is an optional peer, loaded when the first rate-limit store is created.
import type { RedisReply, RedisStore } from 'rate-limit-redis';
import { loadOptionalPeer } from '../primitives/optional-peer';
import type { Counter, StateStore } from './types';

/**
 * Sends one raw Redis command (`args[0]` is the command name) and resolves with its reply.
 * The same shape as rate-limit-redis's `sendCommand`, so one function can serve both.
 */
export type RedisSendCommand = (...args: string[]) => Promise<unknown>;

/** One command for a client that routes by key (rate-limit-redis's `SendCommandClusterDetails`). */
export interface RedisClusterCommand {
  /** The key the command touches, which picks the cluster node; undefined for a keyless command (SCRIPT LOAD). */
  key: string | undefined;
  /** Always false: every read goes to the master, since a lagging replica could hide a lockout or a revocation. */
  isReadOnly: boolean;
  /** The whole command, name first. */
  command: string[];
}

/**
 * Sends one raw command to the node that owns its key and resolves with the reply; the same shape as
 * rate-limit-redis's `sendCommandCluster`. Needed by node-redis's `createCluster`, whose `sendCommand` routes by a
 * key given apart from the command (the key is not always `command[1]`: EVALSHA and EVAL put it at `command[3]`).
 */
export type RedisSendCommandCluster = (details: RedisClusterCommand) => Promise<unknown>;

export interface RedisStateStoreOptions {
  /**
   * Sends a raw command through your client; it must reject when Redis cannot be reached (see the class notes).
   * node-redis: `(...args) => client.sendCommand(args)`; ioredis, and ioredis `Cluster`:
   * `(command, ...args) => client.call(command, ...args)`. Give this or `sendCommandCluster`, not both.
   */
  sendCommand?: RedisSendCommand;
  /**
   * Instead of `sendCommand`, for a client that must be told the key: node-redis `createCluster`,
   * `({ key, isReadOnly, command }) => cluster.sendCommand(key, isReadOnly, command)`.
   */
  sendCommandCluster?: RedisSendCommandCluster;
  /** Prepended to every key this store writes, so several apps can share one Redis. @default 'eak:' */
  prefix?: string;
}

// Each script touches exactly one key (KEYS[1]), so it runs unchanged on Redis Cluster. A script that ever touches
// several keys must give them one hash tag ({...}) so they land in the same slot.
// PEXPIRE only when the key has no TTL yet: a new key starts the window, later increments keep it (fixed window).
const INCREMENT_SCRIPT = `local value = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return { value, ttl }`;
const INCREMENT_SHA = sha1(INCREMENT_SCRIPT);
// ARGV: whether a value is expected ('1'/'0'), the expected value, whether to set ('1') or delete ('0'), the value, PX.
// GET answers false for a missing key, which equals no string.
const COMPARE_AND_SET_SCRIPT = `local current = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if current ~= ARGV[2] then return 0 end
elseif current then
  return 0
end
if ARGV[3] == '1' then
  redis.call('SET', KEYS[1], ARGV[4], 'PX', ARGV[5])
else
  redis.call('DEL', KEYS[1])
end
return 1`;
const COMPARE_AND_SET_SHA = sha1(COMPARE_AND_SET_SCRIPT);

/**
 * {@link StateStore} in Redis (6.2 or later, for GETDEL), standalone or Cluster. It does not own a client: give it a
 * `sendCommand` function, as for rate-limit-redis. Every key gets a TTL; `increment` and `compareAndSet` are one Lua
 * script each and `take` one GETDEL, so all three are atomic across processes.
 *
 * On Redis Cluster every command and script touches one key, so any node layout works; a script missing from a
 * node's cache (a new or restarted node) is sent again with EVAL on that node, for this store's script and for the
 * rate-limit scripts alike. Redirections (MOVED, ASK) are the client's job; both clients below follow them.
 *
 * When Redis is unreachable every method rejects (there is no silent fallback to memory), and the library answers
 * 503. Configure your client to fail fast rather than queue commands while disconnected (node-redis:
 * `disableOfflineQueue: true`; ioredis: `enableOfflineQueue: false` or a low `maxRetriesPerRequest`).
 *
 * @example node-redis
 * import { createClient } from 'redis';
 * const client = createClient({ url: process.env.REDIS_URL, disableOfflineQueue: true });
 * await client.connect();
 * const state = new RedisStateStore({ sendCommand: (...args) => client.sendCommand(args) });
 *
 * @example ioredis
 * import { Redis } from 'ioredis';
 * const client = new Redis(process.env.REDIS_URL, { enableOfflineQueue: false });
 * const state = new RedisStateStore({ sendCommand: (command, ...args) => client.call(command, ...args) });
 *
 * @example node-redis Cluster (its sendCommand needs the key apart, so use sendCommandCluster)
 * import { createCluster } from 'redis';
 * const cluster = createCluster({
 *   rootNodes: [{ url: 'redis://10.0.0.1:7000' }, { url: 'redis://10.0.0.2:7000' }],
 *   defaults: { disableOfflineQueue: true },
 * });
 * await cluster.connect();
 * const state = new RedisStateStore({
 *   sendCommandCluster: ({ key, isReadOnly, command }) => cluster.sendCommand(key, isReadOnly, command),
 * });
 *
 * @example ioredis Cluster (it finds the key in the command itself)
 * import { Cluster } from 'ioredis';
 * const cluster = new Cluster([{ host: '10.0.0.1', port: 7000 }], { enableOfflineQueue: false });
 * const state = new RedisStateStore({ sendCommand: (command, ...args) => cluster.call(command, ...args) });
 */
export class RedisStateStore implements StateStore {
  readonly prefix: string;
  private readonly send: (key: string | undefined, command: string[]) => Promise<unknown>;

  constructor(options: RedisStateStoreOptions) {
    const { sendCommand, sendCommandCluster } = options ?? {};
    if (sendCommand !== undefined && sendCommandCluster !== undefined) {
      throw new TypeError(
        'RedisStateStore: give either the "sendCommand" or the "sendCommandCluster" option, not both.',
      );
    }
    if (typeof sendCommandCluster === 'function') {
      this.send = (key, command) => sendCommandCluster({ key, isReadOnly: false, command });
    } else if (typeof sendCommand === 'function') {
      this.send = (_key, command) => sendCommand(...command);
    } else {
      throw new TypeError(
        'RedisStateStore: "sendCommand" option must be a function, such as (...args) => client.sendCommand(args)' +
          ' (or, for node-redis createCluster, "sendCommandCluster": ({ key, isReadOnly, command }) =>' +
          ' cluster.sendCommand(key, isReadOnly, command)).',
      );
    }
    if (options.prefix !== undefined && typeof options.prefix !== 'string') {
      throw new TypeError('RedisStateStore: "prefix" option must be a string.');
    }
    this.prefix = options.prefix ?? 'eak:';
  }

  async get(key: string): Promise<string | null> {
    const prefixed = this.prefix + key;
    return toText(await this.send(prefixed, ['GET', prefixed]));
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    const prefixed = this.prefix + key;
    await this.send(prefixed, ['SET', prefixed, value, 'PX', toPx(ttlMs)]);
  }

  async delete(key: string): Promise<void> {
    const prefixed = this.prefix + key;
    await this.send(prefixed, ['DEL', prefixed]);
  }

  async increment(key: string, ttlMs: number): Promise<Counter> {
    const prefixed = this.prefix + key;
    const reply = await this.runScript(prefixed, INCREMENT_SHA, INCREMENT_SCRIPT, ['1', prefixed, toPx(ttlMs)]);
    if (!Array.isArray(reply) || reply.length !== 2) throw unexpectedReply('increment', reply);
    const value = Number(reply[0]);
    const ttl = Number(reply[1]);
    if (!Number.isSafeInteger(value) || !Number.isSafeInteger(ttl)) throw unexpectedReply('increment', reply);
    return { value, ttlMs: ttl };
  }

  async take(key: string): Promise<string | null> {
    const prefixed = this.prefix + key;
    return toText(await this.send(prefixed, ['GETDEL', prefixed]));
  }

  async compareAndSet(key: string, expected: string | null, value: string | null, ttlMs: number): Promise<boolean> {
    const prefixed = this.prefix + key;
    const args = [
      '1',
      prefixed,
      expected === null ? '0' : '1',
      expected ?? '',
      value === null ? '0' : '1',
      value ?? '',
      toPx(ttlMs),
    ];
    const reply = await this.runScript(prefixed, COMPARE_AND_SET_SHA, COMPARE_AND_SET_SCRIPT, args);
    if (reply !== 1 && reply !== 0 && reply !== '1' && reply !== '0') throw unexpectedReply('compareAndSet', reply);
    return Number(reply) === 1;
  }

  /** EVALSHA, and EVAL on NOSCRIPT: a node's script cache is empty after a restart or SCRIPT FLUSH, and on a
   * cluster a script loaded on one node is unknown on the others. EVAL runs the script and caches it there. */
  private async runScript(
    key: string | undefined,
    sha: string,
    script: string,
    numkeysKeysArgs: string[],
  ): Promise<unknown> {
    try {
      return await this.send(key, ['EVALSHA', sha, ...numkeysKeysArgs]);
    } catch (error) {
      if (!isNoScriptError(error)) throw error;
      return this.send(key, ['EVAL', script, ...numkeysKeysArgs]);
    }
  }

  /**
   * A rate-limit-redis store for one express-rate-limit limiter, under this store's prefix plus `rl:`, `prefix` and
   * a `:` (added when `prefix` does not end with one).
   * @example rateLimit({ windowMs: 60_000, limit: 10, store: state.createRateLimitStore('login') })
   */
  createRateLimitStore(prefix: string): Store {
    // rate-limit-redis sends SCRIPT LOAD without a key, so on a cluster the scripts land on one node (ioredis picks
    // one at random) and its EVALSHA fails with NOSCRIPT on the others, even after its own reload. Remembering each
    // script it loads lets runScript fall back to EVAL on the node that owns the key.
    const scripts = new Map<string, string>();
    return new (recoveringRedisStore())({
      sendCommandCluster: async ({ key, command }) => {
        const [name, first, second, ...rest] = command;
        if (name === 'SCRIPT' && first?.toUpperCase() === 'LOAD' && second !== undefined)
          scripts.set(sha1(second), second);
        const script = name === 'EVALSHA' && first !== undefined ? scripts.get(first) : undefined;
        const reply =
          script !== undefined && first !== undefined && second !== undefined
            ? this.runScript(key, first, script, [second, ...rest])
            : this.send(key, command);
        return (await reply) as RedisReply;
      },
      // The separator keeps a limiter's name and a client's key apart (an IPv6 key may start with a letter).
      prefix: `${this.prefix}rl:${prefix.endsWith(':') ? prefix : `${prefix}:`}`,
    });
  }
}

let recoveringStoreClass: (new (...args: ConstructorParameters<typeof RedisStore>) => RedisStore) | undefined;

/**
 * rate-limit-redis keeps the promise of its SCRIPT LOAD and awaits it on every call. When that load fails (Redis not
 * reachable yet when the limiter is created, or down while a NOSCRIPT reload runs), every later call replays the
 * same rejection and the limiter stays broken after Redis is back. This subclass starts a fresh load instead. It is
 * defined on first use, once rate-limit-redis is loaded.
 */
function recoveringRedisStore(): new (...args: ConstructorParameters<typeof RedisStore>) => RedisStore {
  if (recoveringStoreClass) return recoveringStoreClass;
  const { RedisStore: Base } = loadOptionalPeer<{ RedisStore: typeof RedisStore }>(
    'rate-limit-redis',
    'RedisStateStore.createRateLimitStore (the rate limits kept in Redis)',
  );
  class RecoveringRedisStore extends Base {
    private readonly failedLoads = new WeakSet<Promise<string>>();

    override loadIncrementScript(key?: string): Promise<string> {
      return this.remember(super.loadIncrementScript(key));
    }

    override loadGetScript(key?: string): Promise<string> {
      return this.remember(super.loadGetScript(key));
    }

    override increment(key: string): ReturnType<RedisStore['increment']> {
      if (this.failedLoads.has(this.incrementScriptSha)) this.incrementScriptSha = this.loadIncrementScript();
      return super.increment(key);
    }

    override get(key: string): ReturnType<RedisStore['get']> {
      if (this.failedLoads.has(this.getScriptSha)) this.getScriptSha = this.loadGetScript();
      return super.get(key);
    }

    private remember(load: Promise<string>): Promise<string> {
      load.catch(() => this.failedLoads.add(load));
      return load;
    }
  }
  recoveringStoreClass = RecoveringRedisStore;
  return recoveringStoreClass;
}

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

function isNoScriptError(error: unknown): boolean {
  return error instanceof Error && /^NOSCRIPT\b/.test(error.message);
}

// PX takes a positive integer: round fractions up so a tiny TTL never becomes 0 (which Redis rejects).
function toPx(ttlMs: number): string {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new TypeError(`RedisStateStore: a TTL must be a positive number of milliseconds, got ${ttlMs}.`);
  }
  return String(Math.ceil(ttlMs));
}

function toText(reply: unknown): string | null {
  if (reply === null || reply === undefined) return null;
  if (typeof reply === 'string') return reply;
  if (Buffer.isBuffer(reply)) return reply.toString('utf8');
  throw unexpectedReply('a string command', reply);
}

function unexpectedReply(operation: string, reply: unknown): Error {
  return new Error(`RedisStateStore: unexpected reply from Redis to ${operation}: ${typeof reply}.`);
}
