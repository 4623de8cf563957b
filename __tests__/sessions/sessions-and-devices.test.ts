// Sessions and devices: the caller's sessions listed with their client summary, one ended at a time, never another's.
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

const list = (access: string) => request(t.app).get('/auth/sessions').set('Authorization', `Bearer ${access}`);
const end = (access: string, id: string) =>
  request(t.app).delete(`/auth/sessions/${id}`).set('Authorization', `Bearer ${access}`);
const guarded = (access: string) => request(t.app).get('/api/protected').set('Authorization', `Bearer ${access}`);

test("lists the caller's sessions, newest first, with the client summary and the current one marked", async () => {
  const laptop = await login(t, 'guest', { headers: { 'User-Agent': 'Laptop/1.0' } });
  t.clock.advance(1000);
  const phone = await login(t, 'guest', { headers: { 'User-Agent': 'Phone/2.0' } });
  await login(t, 'admin', { headers: { 'User-Agent': 'Admin/1.0' } });

  const res = await list(phone.accessToken).expect(200);
  expect(res.body.sessions).toHaveLength(2);
  expect(res.body.sessions.map((s: { client: { userAgent: string } }) => s.client.userAgent)).toEqual([
    'Phone/2.0',
    'Laptop/1.0',
  ]);
  expect(res.body.sessions.map((s: { current: boolean }) => s.current)).toEqual([true, false]);
  expect(res.body.sessions[0]).toMatchObject({
    createdAt: new Date(t.clock()).toISOString(),
    client: { network: expect.stringMatching(/\/(24|56)$/) },
  });
  // The network, never the address.
  expect(JSON.stringify(res.body)).not.toMatch(/127\.0\.0\.1|::1"|::ffff:127\.0\.0\.1/);
  await guarded(laptop.accessToken).expect(200);
});

test('a refresh updates lastUsedAt', async () => {
  const session = await login(t, 'guest', { headers: { 'User-Agent': 'Laptop/1.0' } });
  t.clock.advance(60_000);
  const refreshed = await request(t.app)
    .post('/auth/token/refresh')
    .send({ refreshToken: session.refreshToken })
    .expect(200);
  const res = await list(refreshed.body.accessToken).expect(200);
  expect(res.body.sessions[0].lastUsedAt).toBe(new Date(t.clock()).toISOString());
  expect(res.body.sessions[0].createdAt).toBe(new Date(t.clock() - 60_000).toISOString());
});

test("ending one session stops its tokens while the caller's own session works", async () => {
  const other = await login(t, 'guest', { headers: { 'User-Agent': 'Stolen/1.0' } });
  const mine = await login(t, 'guest', { headers: { 'User-Agent': 'Mine/1.0' } });
  const others = (await list(mine.accessToken).expect(200)).body.sessions.find((s: { current: boolean }) => !s.current);

  await end(mine.accessToken, others.id).expect(204);
  await guarded(other.accessToken).expect(401);
  await request(t.app).post('/auth/token/refresh').send({ refreshToken: other.refreshToken }).expect(401);
  await guarded(mine.accessToken).expect(200);
  expect((await list(mine.accessToken).expect(200)).body.sessions).toHaveLength(1);
});

test('on another instance sharing the store, an ended session stops at the guard within sessionCacheMs', async () => {
  const second = await createTestApp({ rateLimit: false, stateStore: t.state, clock: t.clock, seedUsers: undefined });
  try {
    const victim = await login(t, 'guest', { headers: { 'User-Agent': 'Other/1.0' } });
    const mine = await login(t, 'guest', { headers: { 'User-Agent': 'Mine/1.0' } });
    await request(second.app).get('/api/protected').set('Authorization', `Bearer ${victim.accessToken}`).expect(200);
    const id = (await list(mine.accessToken)).body.sessions.find((s: { current: boolean }) => !s.current).id as string;
    await end(mine.accessToken, id).expect(204);
    t.clock.advance(2001); // sessionCacheMs
    await request(second.app).get('/api/protected').set('Authorization', `Bearer ${victim.accessToken}`).expect(401);
  } finally {
    await second.close();
  }
});

test("another user's session id answers exactly like a missing one, and ends nothing", async () => {
  const admin = await login(t, 'admin', { headers: { 'User-Agent': 'Admin/1.0' } });
  const guest = await login(t, 'guest', { headers: { 'User-Agent': 'Guest/1.0' } });
  const adminSession = (await list(admin.accessToken)).body.sessions[0].id as string;

  const foreign = await end(guest.accessToken, adminSession);
  const missing = await end(guest.accessToken, '00000000-0000-4000-8000-000000000000');
  expect(foreign.status).toBe(404);
  expect({ body: foreign.body, type: foreign.type }).toEqual({ body: missing.body, type: missing.type });
  await guarded(admin.accessToken).expect(200);
  // Nor can a user list someone else's sessions: the list is always the caller's.
  expect((await list(guest.accessToken)).body.sessions.map((s: { id: string }) => s.id)).not.toContain(adminSession);
});

test('the list needs an access token', async () => {
  await request(t.app).get('/auth/sessions').expect(401);
});
