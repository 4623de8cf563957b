// Wraps a StateStore so that any failure of its backend becomes a 503 `unavailable`: auth fails closed, never open.
import { AuthError } from '../errors';
import type { Logger } from '../logger';
import type { Counter, StateStore } from './types';

export function failClosed(store: StateStore, logger: Logger): StateStore {
  let reported = false;
  async function guarded<T>(operation: () => Promise<T>): Promise<T> {
    try {
      const result = await operation();
      reported = false;
      return result;
    } catch (cause) {
      if (cause instanceof AuthError) throw cause;
      // Log once per outage, not once per request.
      if (!reported) logger.error(`[express-auth-kit] state store unavailable: ${cause instanceof Error ? cause.message : String(cause)}`);
      reported = true;
      throw new AuthError('unavailable', { cause });
    }
  }
  return {
    get: (key) => guarded(() => store.get(key)),
    set: (key, value, ttlMs) => guarded(() => store.set(key, value, ttlMs)),
    delete: (key) => guarded(() => store.delete(key)),
    increment: (key, ttlMs): Promise<Counter> => guarded(() => store.increment(key, ttlMs)),
    take: (key) => guarded(() => store.take(key)),
    ...(store.createRateLimitStore ? { createRateLimitStore: (prefix: string) => store.createRateLimitStore!(prefix) } : {}),
  };
}
