// Wraps a StateStore so that any failure of its backend becomes a 503 `unavailable`: auth fails closed, never open.
import type { Store as RateLimitStore } from 'express-rate-limit';
import { AuthError } from '../errors';
import { reportError, type Logger } from '../logger';
import type { Counter, StateStore } from './types';

export function failClosed(store: StateStore, logger: Logger): StateStore {
  let reported = false;
  async function guarded<T>(operation: () => T | Promise<T>): Promise<T> {
    try {
      const result = await operation();
      reported = false;
      return result;
    } catch (cause) {
      if (cause instanceof AuthError) throw cause;
      // Log once per outage, not once per request.
      if (!reported) reportError(logger, 'state store unavailable', cause);
      reported = true;
      throw new AuthError('unavailable', { cause });
    }
  }
  // express-rate-limit (with passOnStoreError: false) hands a store's error to next(); unwrapped, the error handler
  // would see an unknown error and answer 500. Marked here, a rate limit whose store is down answers 503 too.
  function failClosedRateLimitStore(limiterStore: RateLimitStore): RateLimitStore {
    const { init, get, resetAll, shutdown } = limiterStore;
    return {
      // The double-count check keys on these; keep the wrapped store's.
      ...(limiterStore.localKeys !== undefined ? { localKeys: limiterStore.localKeys } : {}),
      ...(limiterStore.prefix !== undefined ? { prefix: limiterStore.prefix } : {}),
      // A failed start (the backend not reachable yet) is reported here instead of going to express-rate-limit's
      // console logger; the store must then recover on its own (ours does), and until it does every count fails.
      ...(init ? { init: (options) => guarded(() => init.call(limiterStore, options)).catch(() => undefined) } : {}),
      ...(get ? { get: (key) => guarded(() => get.call(limiterStore, key)) } : {}),
      increment: (key) => guarded(() => limiterStore.increment(key)),
      decrement: (key) => guarded(() => limiterStore.decrement(key)),
      resetKey: (key) => guarded(() => limiterStore.resetKey(key)),
      ...(resetAll ? { resetAll: () => guarded(() => resetAll.call(limiterStore)) } : {}),
      ...(shutdown ? { shutdown: () => shutdown.call(limiterStore) } : {}),
    };
  }
  const { compareAndSet, createRateLimitStore } = store;
  return {
    get: (key) => guarded(() => store.get(key)),
    set: (key, value, ttlMs) => guarded(() => store.set(key, value, ttlMs)),
    delete: (key) => guarded(() => store.delete(key)),
    increment: (key, ttlMs): Promise<Counter> => guarded(() => store.increment(key, ttlMs)),
    take: (key) => guarded(() => store.take(key)),
    ...(compareAndSet
      ? {
          compareAndSet: (key: string, expected: string | null, value: string | null, ttlMs: number) =>
            guarded(() => compareAndSet.call(store, key, expected, value, ttlMs)),
        }
      : {}),
    ...(createRateLimitStore
      ? { createRateLimitStore: (prefix: string) => failClosedRateLimitStore(createRateLimitStore.call(store, prefix)) }
      : {}),
  };
}
