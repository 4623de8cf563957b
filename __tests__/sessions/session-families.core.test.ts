// A login writes its session's record and its list entry together (one round trip). On a Redis Cluster the two may land
// in either order: a racing login past sessions.maxPerUser can find the entry and end the session before its record
// lands. The late record must then stay out, or the session would be open and listed nowhere.
import { checkAccessSession, verifyAccessToken } from '../../lib/core/access';
import { listSessions, openSession, refreshSession } from '../../lib/core/session-tokens';
import { MemoryStateStore } from '../../lib/stores/memory-state-store';
import type { StateStore } from '../../lib/stores/types';
import { createFakeClock } from '../helpers/fixtures';
import { createTestCore, type TestCore } from '../helpers/test-core';

/**
 * The memory store, with the creation of a record (a compare-and-set of a JSON object where no value is) held back
 * while `hold` is set, as a slow cluster node would; `release` lets the held writes land.
 */
function holdingStore(inner: MemoryStateStore): StateStore & { hold: boolean; held: number; release(): void } {
  const waiting: Array<() => void> = [];
  const store = {
    hold: false,
    get held() {
      return waiting.length;
    },
    release: () => {
      for (const land of waiting.splice(0)) land();
    },
    get: (key: string) => inner.get(key),
    set: (key: string, value: string, ttlMs: number) => inner.set(key, value, ttlMs),
    delete: (key: string) => inner.delete(key),
    increment: (key: string, ttlMs: number) => inner.increment(key, ttlMs),
    take: (key: string) => inner.take(key),
    compareAndSet: async (key: string, expected: string | null, value: string | null, ttlMs: number) => {
      if (store.hold && expected === null && value?.startsWith('{') === true)
        await new Promise<void>((resolve) => waiting.push(resolve));
      return inner.compareAndSet(key, expected, value, ttlMs);
    },
    shutdown: () => inner.shutdown(),
  };
  return store;
}

let t: TestCore;
let inner: MemoryStateStore;
let store: ReturnType<typeof holdingStore>;

beforeEach(async () => {
  const clock = createFakeClock();
  inner = new MemoryStateStore({ clock });
  store = holdingStore(inner);
  t = await createTestCore({ clock, stateStore: store, sessions: { maxPerUser: 1 } });
});

afterEach(async () => {
  store.release();
  await t.close();
});

test('a session ended by a racing login before its record landed stays ended when the record lands', async () => {
  const admin = await t.user('1');
  store.hold = true;
  const late = openSession(t.context, admin, { rememberMe: false });
  // The late login's list entry is in, its record held back.
  while (store.held === 0) await new Promise((resolve) => setImmediate(resolve));
  store.hold = false;
  const racing = await openSession(t.context, admin, { rememberMe: false });
  store.release();
  const ended = await late;

  // The guard first: a refresh that fails ends the family on its own.
  await expect(checkAccessSession(t.context, verifyAccessToken(t.context, ended.access.token))).rejects.toMatchObject({
    code: 'token_revoked',
  });
  await expect(refreshSession(t.context, ended.refresh?.token as string)).rejects.toMatchObject({
    code: 'token_revoked',
  });
  // The racing login's session is the one open, and the only one listed.
  const racingClaims = verifyAccessToken(t.context, racing.access.token);
  await expect(Promise.resolve(checkAccessSession(t.context, racingClaims))).resolves.toBeUndefined();
  expect((await listSessions(t.context, '1', racingClaims.fam)).map((session) => session.current)).toEqual([true]);
  await expect(refreshSession(t.context, racing.refresh?.token as string)).resolves.toMatchObject({
    access: expect.anything(),
  });
});

test('a session ended through its list entry with its record in place is simply removed, and leaves nothing behind', async () => {
  const admin = await t.user('1');
  const first = await openSession(t.context, admin, { rememberMe: false });
  const keys = inner.size;
  await openSession(t.context, admin, { rememberMe: false });
  // The new session's keys replace the ended one's: no mark is left where the record was deleted.
  expect(inner.size).toBe(keys);
  await expect(refreshSession(t.context, first.refresh?.token as string)).rejects.toMatchObject({
    code: 'token_revoked',
  });
  expect(await listSessions(t.context, '1', undefined)).toHaveLength(1);
});
