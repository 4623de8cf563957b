// A StateStore in Redis, shared by every process of a deployment; it sends raw commands through the host's client.
import { createHash } from 'node:crypto';
import type { Store } from 'express-rate-limit';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import type { Counter, StateStore } from './types';

/**
 * Sends one raw Redis command (`args[0]` is the command name) and resolves with its reply.
 * The same shape as rate-limit-redis's `sendCommand`, so one function can serve both.
 */
export type RedisSendCommand = (...args: string[]) => Promise<unknown>;

export interface RedisStateStoreOptions {
  /**
   * Sends a raw command through your client; it must reject when Redis cannot be reached (see the class notes).
   * node-redis: `(...args) => client.sendCommand(args)`; ioredis: `(command, ...args) => client.call(command, ...args)`.
   */
  sendCommand: RedisSendCommand;
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
const INCREMENT_SHA = createHash('sha1').update(INCREMENT_SCRIPT).digest('hex');

/**
 * {@link StateStore} in Redis (6.2 or later, for GETDEL). It does not own a client: give it a `sendCommand`
 * function, as for rate-limit-redis. Every key gets a TTL; `increment` is one Lua script and `take` one GETDEL, so
 * both are atomic across processes.
 *
 * When Redis is unreachable every method rejects (there is no silent fallback to memory), and the library answers
 * 503. Configure your client to fail fast rather than queue commands while disconnected (node-redis:
 * `disableOfflineQueue: true`; ioredis: `enableOfflineQueue: false` or a low `maxRetriesPerRequest`).
 *
 * @example node-redis
 * import { createClient } from 'redis';
 * const client = createClient({ url: process.env.REDIS_URL });
 * await client.connect();
 * const state = new RedisStateStore({ sendCommand: (...args) => client.sendCommand(args) });
 *
 * @example ioredis
 * import { Redis } from 'ioredis';
 * const client = new Redis(process.env.REDIS_URL);
 * const state = new RedisStateStore({ sendCommand: (command, ...args) => client.call(command, ...args) });
 */
export class RedisStateStore implements StateStore {
  readonly prefix: string;
  private readonly sendCommand: RedisSendCommand;

  constructor(options: RedisStateStoreOptions) {
    if (typeof options?.sendCommand !== 'function') {
      throw new TypeError(
        'RedisStateStore: "sendCommand" option must be a function, such as (...args) => client.sendCommand(args).',
      );
    }
    if (options.prefix !== undefined && typeof options.prefix !== 'string') {
      throw new TypeError('RedisStateStore: "prefix" option must be a string.');
    }
    this.sendCommand = options.sendCommand;
    this.prefix = options.prefix ?? 'eak:';
  }

  async get(key: string): Promise<string | null> {
    return toText(await this.sendCommand('GET', this.prefix + key));
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.sendCommand('SET', this.prefix + key, value, 'PX', toPx(ttlMs));
  }

  async delete(key: string): Promise<void> {
    await this.sendCommand('DEL', this.prefix + key);
  }

  async increment(key: string, ttlMs: number): Promise<Counter> {
    const args = ['1', this.prefix + key, toPx(ttlMs)];
    let reply: unknown;
    try {
      reply = await this.sendCommand('EVALSHA', INCREMENT_SHA, ...args);
    } catch (error) {
      // The script cache is empty after a restart or SCRIPT FLUSH; EVAL runs the script and caches it again.
      if (!(error instanceof Error && /^NOSCRIPT\b/.test(error.message))) throw error;
      reply = await this.sendCommand('EVAL', INCREMENT_SCRIPT, ...args);
    }
    if (!Array.isArray(reply) || reply.length !== 2) throw unexpectedReply('increment', reply);
    const [value, ttl] = reply.map(Number);
    if (!Number.isSafeInteger(value) || !Number.isSafeInteger(ttl)) throw unexpectedReply('increment', reply);
    return { value: value as number, ttlMs: ttl as number };
  }

  async take(key: string): Promise<string | null> {
    return toText(await this.sendCommand('GETDEL', this.prefix + key));
  }

  /**
   * A rate-limit-redis store for one express-rate-limit limiter, under this store's prefix plus `rl:`, `prefix` and
   * a `:` (added when `prefix` does not end with one).
   * @example rateLimit({ windowMs: 60_000, limit: 10, store: state.createRateLimitStore('login') })
   */
  createRateLimitStore(prefix: string): Store {
    return new RecoveringRedisStore({
      sendCommand: (...args: string[]) => this.sendCommand(...args) as Promise<RedisReply>,
      // The separator keeps a limiter's name and a client's key apart (an IPv6 key may start with a letter).
      prefix: `${this.prefix}rl:${prefix.endsWith(':') ? prefix : `${prefix}:`}`,
    });
  }
}

/**
 * rate-limit-redis keeps the promise of its SCRIPT LOAD and awaits it on every call. When that load fails (Redis not
 * reachable yet when the limiter is created, or down while a NOSCRIPT reload runs), every later call replays the
 * same rejection and the limiter stays broken after Redis is back. This subclass starts a fresh load instead.
 */
class RecoveringRedisStore extends RedisStore {
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
