// The rotation grace window: tabs racing one refresh all stay logged in with one successor; a replay after the window,
// or from another client inside it, is still reuse and revokes the family.
import request from 'supertest';
import { createTestApp, type TestApp } from '../helpers/create-app';
import { login } from '../helpers/session';

let t: TestApp;

beforeEach(async () => {
  t = await createTestApp({ rateLimit: false });
});

afterEach(async () => {
  await t.close();
});

/** A tab of the guest's browser. */
const TAB = { headers: { 'User-Agent': 'Tab/1.0' } };

const refresh = (token: string, userAgent = 'Tab/1.0') =>
  request(t.app).post('/auth/token/refresh').set('User-Agent', userAgent).send({ refreshToken: token });

test('ten tabs refreshing the same token at once all stay logged in, with the same successor', async () => {
  const session = await login(t, 'guest', TAB);
  const results = await Promise.all(Array.from({ length: 10 }, () => refresh(session.refreshToken)));
  expect(results.map((res) => res.status)).toEqual(Array(10).fill(200));
  const successors = new Set(results.map((res) => res.body.refreshToken as string));
  expect(successors.size).toBe(1);
  const [successor] = [...successors];
  // The session lives on: the successor refreshes, and every tab's access token passes the guard.
  for (const res of results)
    await request(t.app).get('/api/protected').set('Authorization', `Bearer ${res.body.accessToken}`).expect(200);
  await refresh(successor!).expect(200);
});

test('a replay after the window revokes the family, the successor included', async () => {
  const session = await login(t, 'guest', TAB);
  const successor = (await refresh(session.refreshToken).expect(200)).body.refreshToken as string;
  t.clock.advance(31_000);
  expect((await refresh(session.refreshToken).expect(401)).body.error).toBe('token_revoked');
  await refresh(successor).expect(401);
});

test('a replay from another client inside the window revokes the family', async () => {
  const session = await login(t, 'guest', TAB);
  const successor = (await refresh(session.refreshToken).expect(200)).body.refreshToken as string;
  await refresh(session.refreshToken, 'Thief/6.6').expect(401);
  await refresh(successor).expect(401);
});

test('reuseGrace: 0 restores strict detection', async () => {
  await t.close();
  t = await createTestApp({ rateLimit: false, sessions: { refresh: { reuseGrace: 0 } } });
  const session = await login(t, 'guest', TAB);
  const successor = (await refresh(session.refreshToken).expect(200)).body.refreshToken as string;
  await refresh(session.refreshToken).expect(401);
  await refresh(successor).expect(401);
});

test('the store never holds the successor in the clear', async () => {
  const session = await login(t, 'guest', TAB);
  const successor = (await refresh(session.refreshToken).expect(200)).body as {
    accessToken: string;
    refreshToken: string;
  };
  const held: string[] = [];
  for (const key of (t.state as unknown as { entries: Map<string, { value: string }> }).entries.keys())
    held.push(key, (await t.state.get(key)) ?? '');
  const everything = held.join('\n');
  for (const token of [successor.accessToken, successor.refreshToken, session.refreshToken]) {
    for (const part of token.split('.')) expect(everything.includes(part)).toBe(false);
  }
});
