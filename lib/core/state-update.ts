// Read-modify-write of one state key without lost updates: a compare-and-set loop where the store has one.
import { AuthError } from '../errors';
import type { StateStore } from '../stores/types';

/** What an update makes of the key's current value: the result to return, and the write (none: leave it as is). */
export interface StateUpdate<R> {
  result: R;
  /** The new value and its TTL; `value: null` deletes the key. */
  write?: { value: string | null; ttlMs: number };
}

// Every failed round means another writer succeeded, so a round is lost only to real progress; the bound is a
// backstop against a store that never confirms a write.
const MAX_ROUNDS = 100;

/**
 * Applies `change` to the value of `key` atomically when the store has `compareAndSet` (re-reading and re-applying
 * `change` whenever another writer got there first, so `change` must be a pure function of the value it is given);
 * otherwise reads and writes in two steps, as the StateStore contract documents for stores without it.
 */
export async function updateState<R>(
  state: StateStore,
  key: string,
  change: (current: string | null) => StateUpdate<R>,
  /**
   * The key's value read earlier (in a round trip made for other reads too): the first compare-and-set expects it,
   * saving a read; a stale one only costs a retry. Ignored without compareAndSet, whose plain write must not use it.
   */
  readEarlier?: { value: string | null },
): Promise<R> {
  for (let round = 0; round < MAX_ROUNDS; round += 1) {
    const current =
      round === 0 && readEarlier !== undefined && state.compareAndSet ? readEarlier.value : await state.get(key);
    const { result, write } = change(current);
    if (write === undefined) return result;
    if (!state.compareAndSet) {
      if (write.value === null) await state.delete(key);
      else await state.set(key, write.value, write.ttlMs);
      return result;
    }
    if (await state.compareAndSet(key, current, write.value, write.ttlMs)) return result;
  }
  throw new AuthError('unavailable');
}
