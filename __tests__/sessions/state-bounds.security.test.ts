// The state store stays bounded under one account's logins: ending a session removes everything it held, and no
// single account can hold more than a small share of a memory store.
import request from 'supertest';
import { MemoryStateStore } from '../../lib';
import { createFakeClock, createTestApp, type CreateTestAppOptions, type TestApp } from '../helpers/create-app';
import { postLogin } from '../helpers/session';

let t: TestApp;
let state: MemoryStateStore;

async function setup(options: CreateTestAppOptions & { maxKeys?: number } = {}): Promise<void> {
  const { maxKeys, ...rest } = options;
  const clock = createFakeClock();
  state = new MemoryStateStore({ clock, ...(maxKeys ? { maxKeys } : {}) });
  t = await createTestApp({ rateLimit: false, clock, stateStore: state, ...rest });
}

afterEach(async () => {
  await t.close();
  await state.shutdown();
});

const refresh = (refreshToken: string) => request(t.app).post('/auth/token/refresh').send({ refreshToken });

test('logout removes every key its session held, also after rotations', async () => {
  await setup();
  const before = state.size;
  const session = await postLogin(t, 'guest').expect(200);
  let refreshToken = session.body.refreshToken as string;
  for (let i = 0; i < 3; i += 1) refreshToken = (await refresh(refreshToken).expect(200)).body.refreshToken;
  expect(state.size).toBeGreaterThan(before);

  await request(t.app).post('/auth/logout').send({ refreshToken }).expect(204);
  expect(state.size).toBe(before);
});

test('a refresh family revoked for reuse leaves nothing behind', async () => {
  await setup();
  const before = state.size;
  const session = await postLogin(t, 'guest').expect(200);
  const next = (await refresh(session.body.refreshToken).expect(200)).body.refreshToken as string;
  t.clock.advance(31_000); // past the rotation grace window
  await refresh(session.body.refreshToken).expect(401); // reuse: the family is revoked
  await refresh(next).expect(401);
  expect(state.size).toBe(before);
});

test('log out everywhere removes the sessions it ends', async () => {
  await setup();
  const before = state.size;
  const sessions = [];
  for (let i = 0; i < 5; i += 1) sessions.push((await postLogin(t, 'guest').expect(200)).body);
  await request(t.app).post('/auth/logout/all').set('Authorization', `Bearer ${sessions[0].accessToken}`).expect(204);
  // What remains is the account's new session version, so tokens issued before it stay refused.
  expect(state.size).toBeLessThanOrEqual(before + 1);
  for (const session of sessions) await refresh(session.refreshToken).expect(401);
});

test('one account logging in again and again cannot fill the store and block other logins', async () => {
  await setup({ maxKeys: 100 });
  for (let i = 0; i < 200; i += 1) await postLogin(t, 'admin').expect(200);
  expect((await postLogin(t, 'guest')).status).toBe(200);
  expect(state.size).toBeLessThan(100);
});

test('past maxSessionsPerUser, the oldest session of the account ends, with a session.ended event', async () => {
  const events: { event: string; sessionId?: string }[] = [];
  await setup({ sessions: { maxPerUser: 3 }, onEvent: (event) => void events.push(event) });
  const sessions = [];
  for (let i = 0; i < 4; i += 1) sessions.push((await postLogin(t, 'guest').expect(200)).body);
  await refresh(sessions[0].refreshToken).expect(401);
  await request(t.app).get('/api/protected').set('Authorization', `Bearer ${sessions[0].accessToken}`).expect(401);
  for (const session of sessions.slice(1)) await refresh(session.refreshToken).expect(200);
  await new Promise((resolve) => setImmediate(resolve));
  const oldest = JSON.parse(Buffer.from(sessions[0].refreshToken.split('.')[1], 'base64url').toString('utf8'))
    .fam as string;
  expect(events.filter((event) => event.event === 'session.ended').map((event) => event.sessionId)).toEqual([oldest]);
});
