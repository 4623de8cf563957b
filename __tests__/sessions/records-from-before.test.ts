// Sessions opened by the release before the current record format (a session's end as `expiresAt`, in seconds, in its
// record and in its user's list; the record's other fields optional) keep working after an upgrade: their users log
// in again, refresh, list and end their sessions, instead of meeting 503 until those records expire. The store is
// wrapped so that, while `writingAsBefore`, every session record and list it is handed is stored as that release wrote
// it: the test need not know the keys.
import request from 'supertest';
import { MemoryStateStore } from '../../lib';
import { createFakeClock, createTestApp, PASSWORDS, type TestApp } from '../helpers/create-app';

/** The shape the earlier release stored: `endsAt` (ms) as `expiresAt` (s); what it did not record is left out. */
function asBefore(value: string | null): string | null {
  if (value === null || !/^[[{]/.test(value)) return value;
  const parsed: unknown = JSON.parse(value);
  const old = (entry: unknown): unknown => {
    if (typeof entry !== 'object' || entry === null || !('endsAt' in entry)) return entry;
    const { endsAt, client: _client, recentlySpent: _spent, ...rest } = entry as Record<string, unknown>;
    return { ...rest, expiresAt: Math.floor(Number(endsAt) / 1000) };
  };
  return JSON.stringify(Array.isArray(parsed) ? parsed.map(old) : old(parsed));
}

class StoreOfTheEarlierRelease extends MemoryStateStore {
  writingAsBefore = false;
  /** How many values were stored in the earlier shape. */
  rewritten = 0;

  private shaped(value: string): string {
    if (!this.writingAsBefore) return value;
    const before = asBefore(value) ?? value;
    if (before !== value) this.rewritten += 1;
    return before;
  }

  override async set(key: string, value: string, ttlMs: number): Promise<void> {
    return super.set(key, this.shaped(value), ttlMs);
  }

  override async compareAndSet(
    key: string,
    expected: string | null,
    value: string | null,
    ttlMs: number,
  ): Promise<boolean> {
    return super.compareAndSet(key, expected, value === null ? null : this.shaped(value), ttlMs);
  }
}

let t: TestApp;
let store: StoreOfTheEarlierRelease;

beforeEach(async () => {
  const clock = createFakeClock();
  store = new StoreOfTheEarlierRelease({ clock });
  t = await createTestApp({ clock, stateStore: store });
});
afterEach(() => t.close());

const login = () => request(t.app).post('/auth/login').send({ username: 'guest', password: PASSWORDS.guest });

test('a session opened before the upgrade refreshes, is listed and ends; its user logs in again', async () => {
  store.writingAsBefore = true;
  const before = await login();
  expect(before.status).toBe(200);
  store.writingAsBefore = false;
  expect(store.rewritten).toBeGreaterThanOrEqual(2); // the session's record and its user's list

  const again = await login();
  expect(again.status).toBe(200);

  const refreshed = await request(t.app).post('/auth/token/refresh').send({ refreshToken: before.body.refreshToken });
  expect(refreshed.status).toBe(200);
  expect(typeof refreshed.body.accessToken).toBe('string');

  const listed = await request(t.app).get('/auth/sessions').set('Authorization', `Bearer ${again.body.accessToken}`);
  expect(listed.status).toBe(200);
  expect(listed.body.sessions).toHaveLength(2);

  const ended = await request(t.app).post('/auth/logout/all').set('Authorization', `Bearer ${again.body.accessToken}`);
  expect(ended.status).toBe(204);
  const afterEnd = await request(t.app).post('/auth/token/refresh').send({ refreshToken: refreshed.body.refreshToken });
  expect(afterEnd.status).toBe(401);
});
