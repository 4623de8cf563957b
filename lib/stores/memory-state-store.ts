// The default StateStore: process memory, bounded, with expiry on every key. One process only.
import type { Clock } from '../primitives/clock';
import { systemClock } from '../primitives/clock';
import type { Counter, StateStore } from './types';

export interface MemoryStateStoreOptions {
  /**
   * The most keys held at once; past it the oldest key is dropped, so an attacker spraying names cannot grow
   * memory without bound. About 150 bytes a key. @default 500_000
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
  private readonly clock: Clock;
  private readonly sweepTimer: NodeJS.Timeout;

  constructor(options: MemoryStateStoreOptions = {}) {
    this.maxKeys = options.maxKeys ?? 500_000;
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
    this.entries.delete(key); // re-inserting moves the key to the young end of the eviction order
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
      // Maps iterate in insertion order: the first key is the oldest.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, entry);
  }

  private sweep(): void {
    const now = this.clock();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}
