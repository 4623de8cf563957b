// A StateStore wrapper that records every write that changed something, so a test can tell a request wrote nothing.
import type { Counter, StateStore } from '../../lib';

export interface StateWrite {
  op: 'set' | 'delete' | 'increment' | 'take';
  key: string;
}

export class RecordingStateStore implements StateStore {
  /** Effective writes, oldest first; tests clear it between requests. */
  readonly writes: StateWrite[] = [];

  /** The inner store's compareAndSet, recorded like a set (or a delete) when it replaced; absent when the inner has none. */
  readonly compareAndSet?: StateStore['compareAndSet'];

  constructor(private readonly inner: StateStore) {
    const compareAndSet = inner.compareAndSet?.bind(inner);
    if (compareAndSet !== undefined) {
      this.compareAndSet = async (key, expected, value, ttlMs) => {
        const replaced = await compareAndSet(key, expected, value, ttlMs);
        if (replaced && !(value === null && expected === null))
          this.writes.push({ op: value === null ? 'delete' : 'set', key });
        return replaced;
      };
    }
  }

  get(key: string): Promise<string | null> {
    return this.inner.get(key);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.writes.push({ op: 'set', key });
    await this.inner.set(key, value, ttlMs);
  }

  async delete(key: string): Promise<void> {
    // Deleting a key that is not there changes nothing.
    if ((await this.inner.get(key)) !== null) this.writes.push({ op: 'delete', key });
    await this.inner.delete(key);
  }

  async increment(key: string, ttlMs: number): Promise<Counter> {
    this.writes.push({ op: 'increment', key });
    return this.inner.increment(key, ttlMs);
  }

  async take(key: string): Promise<string | null> {
    const value = await this.inner.take(key);
    if (value !== null) this.writes.push({ op: 'take', key });
    return value;
  }

  async shutdown(): Promise<void> {
    await this.inner.shutdown?.();
  }
}
