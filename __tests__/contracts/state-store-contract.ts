// The behaviour every StateStore must show; run by the memory unit tests and the Redis integration tests.
import type { StateStore } from '../../lib/stores/types';

export interface StateStoreFixture {
  store: StateStore;
  /** A fake clock the store reads; without one the suite waits in real time with short TTLs. */
  clock?: { advance(ms: number): void };
  cleanup(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function describeStateStoreContract(name: string, factory: () => Promise<StateStoreFixture>): void {
  describe(`StateStore contract: ${name}`, () => {
    let fixture: StateStoreFixture;
    let store: StateStore;
    // Without a fake clock, waits overshoot each deadline by at least 50 ms; a stall only makes keys more expired.
    const elapse = async (ms: number) => (fixture.clock ? fixture.clock.advance(ms) : sleep(ms));

    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    describe('get, set, delete', () => {
      it('returns null for a key never set', async () => {
        expect(await store.get('missing')).toBeNull();
      });

      it('returns what was set, including the empty string and JSON text', async () => {
        const json = JSON.stringify({ family: 'f-1', used: ['a', 'ü'] });
        await store.set('json', json, 10_000);
        await store.set('empty', '', 10_000);
        expect(await store.get('json')).toBe(json);
        expect(await store.get('empty')).toBe('');
      });

      it('replaces the value on a second set', async () => {
        await store.set('k', 'first', 10_000);
        await store.set('k', 'second', 10_000);
        expect(await store.get('k')).toBe('second');
      });

      it('deletes a key, and deleting a missing key resolves', async () => {
        await store.set('k', 'v', 10_000);
        await store.delete('k');
        expect(await store.get('k')).toBeNull();
        await expect(store.delete('never-set')).resolves.toBeUndefined();
      });

      it('keeps keys apart', async () => {
        await store.set('a', '1', 10_000);
        await store.set('a:b', '2', 10_000);
        await store.set('ab', '3', 10_000);
        expect([await store.get('a'), await store.get('a:b'), await store.get('ab')]).toEqual(['1', '2', '3']);
      });
    });

    describe('expiry', () => {
      it('expires a key after its TTL', async () => {
        // The fake clock checks the exact deadline; real time leaves room for a stalled event loop before it.
        await store.set('k', 'v', 300);
        await elapse(fixture.clock ? 299 : 100);
        expect(await store.get('k')).toBe('v');
        await elapse(fixture.clock ? 1 : 250);
        expect(await store.get('k')).toBeNull();
      });

      it('replaces the TTL on set: a longer one keeps the key alive', async () => {
        await store.set('k', 'short', 100);
        await store.set('k', 'long', 10_000);
        await elapse(150);
        expect(await store.get('k')).toBe('long');
      });

      it('replaces the TTL on set: a shorter one expires the key sooner', async () => {
        await store.set('k', 'long', 10_000);
        await store.set('k', 'short', 100);
        await elapse(150);
        expect(await store.get('k')).toBeNull();
      });

      it('expires counters and taken values too', async () => {
        await store.increment('counter', 100);
        await store.set('challenge', 'c', 100);
        await elapse(150);
        expect(await store.get('counter')).toBeNull();
        expect(await store.take('challenge')).toBeNull();
        expect(await store.increment('counter', 100)).toEqual({ value: 1, ttlMs: 100 });
      });
    });

    describe('increment', () => {
      it('starts a new key at 1 with the given TTL', async () => {
        expect(await store.increment('failures', 10_000)).toEqual({ value: 1, ttlMs: 10_000 });
        expect(await store.get('failures')).toBe('1');
      });

      it('counts up and keeps the first TTL (a fixed window), ignoring later TTLs', async () => {
        await store.increment('failures', 10_000);
        await elapse(60);
        const second = await store.increment('failures', 999_999);
        expect(second.value).toBe(2);
        if (fixture.clock) expect(second.ttlMs).toBe(9_940);
        else {
          expect(second.ttlMs).toBeLessThanOrEqual(9_950);
          expect(second.ttlMs).toBeGreaterThan(9_000);
        }
        expect((await store.increment('failures', 1)).value).toBe(3);
      });

      it('does not extend the window on later increments', async () => {
        await store.increment('window', 300);
        await elapse(150);
        expect((await store.increment('window', 300)).value).toBe(2);
        await elapse(200); // 350 ms after the first increment: past the window, though not past a renewed one
        expect(await store.get('window')).toBeNull();
        expect((await store.increment('window', 300)).value).toBe(1);
      });

      it('is atomic: 200 concurrent increments return exactly 1..200', async () => {
        const counters = await Promise.all(Array.from({ length: 200 }, () => store.increment('burst', 10_000)));
        const values = counters.map((counter) => counter.value).sort((a, b) => a - b);
        expect(values).toEqual(Array.from({ length: 200 }, (_, index) => index + 1));
        expect(counters.every((counter) => counter.ttlMs > 0 && counter.ttlMs <= 10_000)).toBe(true);
        expect(await store.get('burst')).toBe('200');
      });

      it('counts on from a value that was set', async () => {
        await store.set('preset', '41', 10_000);
        expect((await store.increment('preset', 10_000)).value).toBe(42);
      });
    });

    describe('take', () => {
      it('returns the value once and deletes it', async () => {
        await store.set('challenge', 'c-1', 10_000);
        expect(await store.take('challenge')).toBe('c-1');
        expect(await store.take('challenge')).toBeNull();
        expect(await store.get('challenge')).toBeNull();
      });

      it('returns null for a missing key', async () => {
        expect(await store.take('missing')).toBeNull();
      });

      it('is atomic: of 50 concurrent takes exactly one sees the value', async () => {
        await store.set('once', 'secret', 10_000);
        const results = await Promise.all(Array.from({ length: 50 }, () => store.take('once')));
        expect(results.filter((result) => result !== null)).toEqual(['secret']);
      });
    });

    // Optional in the StateStore type; every store of ours has it, and a host's store that offers it must pass these.
    describe('compareAndSet', () => {
      const cas = (key: string, expected: string | null, value: string | null, ttlMs = 10_000): Promise<boolean> => {
        if (!store.compareAndSet) throw new Error('this store has no compareAndSet');
        return store.compareAndSet(key, expected, value, ttlMs);
      };

      it('creates a missing key only when null is expected', async () => {
        expect(await cas('list', 'something', 'v1')).toBe(false);
        expect(await store.get('list')).toBeNull();
        expect(await cas('list', null, 'v1')).toBe(true);
        expect(await store.get('list')).toBe('v1');
        expect(await cas('list', null, 'v2')).toBe(false);
        expect(await store.get('list')).toBe('v1');
      });

      it('replaces only the expected value (the empty string and JSON included), and deletes with null', async () => {
        await store.set('list', '', 10_000);
        expect(await cas('list', '[]', '["a"]')).toBe(false);
        expect(await cas('list', '', '["a"]')).toBe(true);
        expect(await cas('list', '["a"]', '["a","ü"]')).toBe(true);
        expect(await store.get('list')).toBe('["a","ü"]');
        expect(await cas('list', '["a"]', null)).toBe(false);
        expect(await cas('list', '["a","ü"]', null)).toBe(true);
        expect(await store.get('list')).toBeNull();
      });

      it('sets the new TTL, and an expired key counts as missing', async () => {
        await store.set('list', 'v1', 10_000);
        expect(await cas('list', 'v1', 'v2', 300)).toBe(true);
        await elapse(350);
        expect(await store.get('list')).toBeNull();
        expect(await cas('list', 'v2', 'v3')).toBe(false);
        expect(await cas('list', null, 'v3')).toBe(true);
      });

      it('is atomic: of 50 concurrent swaps from one value exactly one succeeds', async () => {
        await store.set('list', 'start', 10_000);
        const results = await Promise.all(Array.from({ length: 50 }, (_, i) => cas('list', 'start', `by-${i}`)));
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await store.get('list')).toBe(`by-${results.indexOf(true)}`);
      });

      // A login creates its session's record this way beside its list entry; a mark left first must keep it out.
      it('is atomic when creating: of 50 concurrent creates of a missing key exactly one succeeds, and a set value wins', async () => {
        const results = await Promise.all(Array.from({ length: 50 }, (_, i) => cas('record', null, `by-${i}`)));
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await store.get('record')).toBe(`by-${results.indexOf(true)}`);
        await store.set('marked', 'ended', 10_000);
        expect(await cas('marked', null, 'late')).toBe(false);
        expect(await store.get('marked')).toBe('ended');
      });

      it('loses no update: 40 concurrent appends, each retried until its swap succeeds, all land', async () => {
        const append = async (item: string) => {
          for (;;) {
            const current = await store.get('list');
            const next = JSON.stringify([...(current === null ? [] : (JSON.parse(current) as string[])), item]);
            if (await cas('list', current, next)) return;
          }
        };
        await Promise.all(Array.from({ length: 40 }, (_, i) => append(`i${i}`)));
        expect((JSON.parse((await store.get('list')) as string) as string[]).sort()).toEqual(
          Array.from({ length: 40 }, (_, i) => `i${i}`).sort(),
        );
      });
    });

    it('accepts keys with colons, spaces, braces, glob characters and unicode', async () => {
      const keys = ['refresh:family:a1:b2', 'user name with spaces', 'ключ-🔑-鍵', '{tag}:x', 'glob*?[]', 'a\nb'];
      for (const [index, key] of keys.entries()) await store.set(key, `value-${index}`, 10_000);
      expect(await Promise.all(keys.map((key) => store.get(key)))).toEqual(keys.map((_, index) => `value-${index}`));
      expect((await store.increment('ключ-🔑-鍵:count', 10_000)).value).toBe(1);
      expect((await store.increment('ключ-🔑-鍵:count', 10_000)).value).toBe(2);
      expect(await store.take('user name with spaces')).toBe('value-1');
      expect(await store.get('user name with spaces')).toBeNull();
      await store.delete('glob*?[]');
      expect(await store.get('glob*?[]')).toBeNull();
      expect(await store.get('{tag}:x')).toBe('value-3');
    });
  });
}
