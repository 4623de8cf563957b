// The default StateStore: process memory, bounded, with expiry on every key. One process only.
import type { Clock } from '../primitives/clock';
import { systemClock } from '../primitives/clock';
import type { Counter, StateStore } from './types';

export interface MemoryStateStoreOptions {
  /**
   * The most keys held at once. A key costs 0.6–1.1 kB of heap (measured by `bench/state-memory.ts`; a user's session
   * list of 20 sessions 2.3 kB), so the default holds at most about 200 MB. Expired keys are swept first; when full of
   * live keys, writes of new keys are refused (the library answers 503) rather than dropping a lockout or a session
   * version. @default 200_000
   */
  maxKeys?: number;
  /** How often expired keys are swept, in milliseconds. @default 60_000 */
  sweepIntervalMs?: number;
  /** The time source, in ms. @default Date.now */
  clock?: Clock;
}

interface Entry {
  value: string;
  expiresAt: number;
}

/**
 * In-memory {@link StateStore}. Its operations are synchronous under the hood, so they are atomic within the
 * process; it is not shared between processes (use `RedisStateStore` for that).
 */
export class MemoryStateStore implements StateStore {
  private readonly entries = new Map<string, Entry>();
  private readonly maxKeys: number;
  private lastFullSweep = Number.NEGATIVE_INFINITY;
  private readonly clock: Clock;
  private readonly sweepTimer: NodeJS.Timeout;

  constructor(options: MemoryStateStoreOptions = {}) {
    this.maxKeys = options.maxKeys ?? 200_000;
    if (!Number.isSafeInteger(this.maxKeys) || this.maxKeys < 1) {
      throw new TypeError('MemoryStateStore: "maxKeys" must be a positive integer.');
    }
    this.clock = options.clock ?? systemClock;
    this.sweepTimer = setInterval(() => this.sweep(), options.sweepIntervalMs ?? 60_000);
    this.sweepTimer.unref();
  }

  /** How many keys are held now (expired ones not yet swept included). */
  get size(): number {
    return this.entries.size;
  }

  async get(key: string): Promise<string | null> {
    return this.live(key)?.value ?? null;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.entries.delete(key); // replacing a key never counts against maxKeys
    this.insert(key, { value, expiresAt: this.clock() + ttlMs });
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async increment(key: string, ttlMs: number): Promise<Counter> {
    const now = this.clock();
    const entry = this.live(key);
    if (entry) {
      entry.value = String(Number(entry.value) + 1);
      return { value: Number(entry.value), ttlMs: entry.expiresAt - now };
    }
    this.insert(key, { value: '1', expiresAt: now + ttlMs });
    return { value: 1, ttlMs };
  }

  async take(key: string): Promise<string | null> {
    const entry = this.live(key);
    this.entries.delete(key);
    return entry?.value ?? null;
  }

  async compareAndSet(key: string, expected: string | null, value: string | null, ttlMs: number): Promise<boolean> {
    if ((this.live(key)?.value ?? null) !== expected) return false;
    if (value === null) this.entries.delete(key);
    else await this.set(key, value, ttlMs);
    return true;
  }

  async shutdown(): Promise<void> {
    clearInterval(this.sweepTimer);
    this.entries.clear();
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= this.clock()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private insert(key: string, entry: Entry): void {
    if (this.entries.size >= this.maxKeys) {
      // A full sweep walks every key: at most once a second, so a full store cannot make every write that slow.
      const now = this.clock();
      if (now - this.lastFullSweep >= 1000 || now < this.lastFullSweep) {
        this.lastFullSweep = now;
        this.sweep();
      }
      // Full of live keys. Dropping one would drop security state (a lockout, a session version, a challenge's
      // attempt count), which fails open; refusing fails closed: the library answers 503 until keys expire.
      if (this.entries.size >= this.maxKeys) {
        throw new Error(`MemoryStateStore is full (maxKeys ${this.maxKeys}): raise maxKeys or use a RedisStateStore.`);
      }
    }
    this.entries.set(key, entry);
  }

  private sweep(): void {
    const now = this.clock();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}
