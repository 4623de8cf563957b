// The in-memory stores: both contracts, plus what only memory has (the key bound, timers, seed copies).
import { MemoryStateStore } from '../../lib/stores/memory-state-store';
import { MemoryUserStore } from '../../lib/stores/memory-user-store';
import type { User } from '../../lib/stores/types';
import { describeStateStoreContract } from '../contracts/state-store-contract';
import { describeUserStoreContract } from '../contracts/user-store-contract';

function fakeClock(start = 1_700_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

describeStateStoreContract('MemoryStateStore', async () => {
  const clock = fakeClock();
  const store = new MemoryStateStore({ clock: clock.now });
  return { store, clock, cleanup: () => store.shutdown() };
});

describeUserStoreContract('MemoryUserStore', async (seed) => ({
  store: new MemoryUserStore(seed),
  cleanup: async () => undefined,
}));

describe('MemoryStateStore', () => {
  it('past maxKeys, sweeps expired keys and then refuses new keys rather than dropping live ones', async () => {
    let now = 0;
    const store = new MemoryStateStore({ maxKeys: 3, clock: () => now });
    await store.set('a', '1', 10_000);
    await store.set('b', '2', 10_000);
    await store.set('c', '3', 1_000);
    await expect(store.increment('d', 10_000)).rejects.toThrow(/maxKeys/);
    expect(await Promise.all(['a', 'b', 'c'].map((key) => store.get(key)))).toEqual(['1', '2', '3']);
    await store.set('a', '1 again', 10_000); // replacing a key is not a new key
    now = 1_000; // c expires: its place can be taken
    expect((await store.increment('d', 10_000)).value).toBe(1);
    expect(store.size).toBe(3);
    await store.shutdown();
  });

  it('rejects a maxKeys that is not a positive integer', () => {
    expect(() => new MemoryStateStore({ maxKeys: 0 })).toThrow(/"maxKeys"/);
    expect(() => new MemoryStateStore({ maxKeys: 1.5 })).toThrow(TypeError);
  });

  it('unrefs its sweep timer and clears it on shutdown', async () => {
    const setIntervalSpy = jest.spyOn(global, 'setInterval');
    const clearIntervalSpy = jest.spyOn(global, 'clearInterval');
    try {
      const store = new MemoryStateStore();
      const timer = setIntervalSpy.mock.results.at(-1)?.value as NodeJS.Timeout;
      expect(timer.hasRef()).toBe(false);
      await store.set('k', 'v', 10_000);
      await store.shutdown();
      expect(clearIntervalSpy).toHaveBeenCalledWith(timer);
      expect(store.size).toBe(0);
    } finally {
      setIntervalSpy.mockRestore();
      clearIntervalSpy.mockRestore();
    }
  });

  it('sweeps expired keys that are never read again', async () => {
    jest.useFakeTimers();
    try {
      const clock = fakeClock();
      const store = new MemoryStateStore({ clock: clock.now, sweepIntervalMs: 1_000 });
      await store.set('short', 'v', 500);
      await store.set('long', 'v', 5_000);
      clock.advance(1_000);
      jest.advanceTimersByTime(1_000);
      expect(store.size).toBe(1);
      expect(await store.get('long')).toBe('v');
      await store.shutdown();
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('MemoryUserStore', () => {
  const seed = (): User[] => [
    {
      id: 'u-1',
      login: 'admin',
      email: 'admin@example.com',
      passwordHash: 'h',
      authorities: ['ROLE_ADMIN'],
      passwordExpiresAt: new Date('2030-01-01T00:00:00Z'),
    },
  ];

  it('never changes the seed objects', async () => {
    const users = seed();
    const snapshot = structuredClone(users);
    const store = new MemoryUserStore(users);
    store.recordLogin('u-1', new Date('2026-01-01T00:00:00Z'));
    store.updatePassword('u-1', 'h2', null);
    store.updateSecondFactor('u-1', 'TOTP', 'SECRET');
    store.update('u-1', { disabled: true, authorities: ['ROLE_USER'] });
    expect(users).toEqual(snapshot);
    expect(store.findById('u-1')).toMatchObject({ passwordHash: 'h2', disabled: true, authorities: ['ROLE_USER'] });
  });

  it('hands out copies, so changing a returned user changes nothing stored', () => {
    const store = new MemoryUserStore(seed());
    const found = store.findByLogin('admin') as User & { authorities: string[] };
    found.authorities.push('ROLE_INJECTED');
    found.passwordHash = 'tampered';
    expect(store.findById('u-1')).toMatchObject({ passwordHash: 'h', authorities: ['ROLE_ADMIN'] });
  });

  it('folds names with toLowerCase(): refuses i + U+0307 next to İ, accepts admİn next to admin', () => {
    const store = new MemoryUserStore(seed());
    store.add({ id: 'u-2', login: '\u0130stanbul', email: 'i@example.com', passwordHash: 'h', authorities: [] });
    expect(() =>
      store.add({ id: 'u-3', login: 'i\u0307STANBUL', email: 'j@example.com', passwordHash: 'h', authorities: [] }),
    ).toThrow(TypeError);
    store.add({ id: 'u-4', login: 'adm\u0130n', email: 'b@example.com', passwordHash: 'h', authorities: [] });
    expect(store.findByLogin('ADMIN')?.id).toBe('u-1');
    expect(store.findByLogin('adm\u0130N')?.id).toBe('u-4');
  });

  it('refuses names PostgreSQL could not store (U+0000, lone surrogates), as PostgresUserStore does', () => {
    const base = { passwordHash: 'h', authorities: [] };
    expect(() => new MemoryUserStore([{ ...base, login: 'nul\u0000', email: 'n@example.com' }])).toThrow(TypeError);
    expect(() => new MemoryUserStore([{ ...base, login: 'n', email: 'n\ud800@example.com' }])).toThrow(
      /U\+0000|surrogate/,
    );
  });

  it('gives seeds without an id a random UUID (bfore.ai clients expect one), and refuses a login taken in another case', () => {
    const store = new MemoryUserStore([
      { login: 'first', email: 'first@example.com', passwordHash: 'h', authorities: [] },
      { login: 'second', email: 'second@example.com', passwordHash: 'h', authorities: [] },
    ]);
    const [first, second] = [store.findByLogin('first')?.id, store.findByLogin('second')?.id];
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(second).toMatch(/^[0-9a-f]{8}-/);
    expect(first).not.toBe(second);
    expect(() =>
      store.add({ id: '3', login: 'FIRST', email: 'x@example.com', passwordHash: 'h', authorities: [] }),
    ).toThrow(TypeError);
  });
});
