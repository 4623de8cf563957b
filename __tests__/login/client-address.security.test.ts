// One rule for the client's address: under a permissive `trust proxy`, X-Forwarded-For cannot choose the network seen
// by the grace window, the sessions list or events; a correct hop count still uses the forwarded address everywhere.
import type { Express } from 'express';
import request from 'supertest';
import type { AuthEvent } from '../../lib';
import { createTestApp, type TestApp } from '../helpers/create-app';
import { login } from '../helpers/session';

let t: TestApp;
let events: AuthEvent[];

async function setup(trustProxy: boolean | number, rateLimit: false | { maxProxyHops: number } = false) {
  events = [];
  t = await createTestApp({
    rateLimit,
    onEvent: (event) => void events.push(event),
    configureApp: (app: Express) => app.set('trust proxy', trustProxy),
  });
}

afterEach(async () => {
  await t.close();
});

const VICTIM = { agent: 'Victim/1.0', forwardedFor: '203.0.113.9' };

/** The victim's login from `forwardedFor` (as X-Forwarded-For). */
const victimFrom = (forwardedFor = VICTIM.forwardedFor) => ({
  headers: { 'User-Agent': VICTIM.agent, 'X-Forwarded-For': forwardedFor },
});

const refresh = (token: string, forwardedFor = VICTIM.forwardedFor) =>
  request(t.app)
    .post('/auth/token/refresh')
    .set('User-Agent', VICTIM.agent)
    .set('X-Forwarded-For', forwardedFor)
    .send({ refreshToken: token });

const sessionsOf = async (access: string) =>
  (await request(t.app).get('/auth/sessions').set('Authorization', `Bearer ${access}`).expect(200)).body.sessions as {
    client: { network: string | null };
  }[];

describe.each([
  ['trust proxy = true', true, false],
  ['a hop count above rateLimit.maxProxyHops', 5, { maxProxyHops: 2 }],
] as const)('under a permissive setting (%s)', (_name, trustProxy, rateLimit) => {
  beforeEach(() => setup(trustProxy, rateLimit));

  it("a thief replaying a spent refresh token within the window, with the victim's agent and address in X-Forwarded-For, trips reuse detection", async () => {
    const session = await login(t, 'guest', victimFrom());
    const successor = (await refresh(session.refreshToken).expect(200)).body.refreshToken as string;
    // Another network, pretending to be the victim's: the same agent, the victim's address forwarded.
    const replay = await refresh(session.refreshToken).expect(401);
    expect(replay.body.refreshToken).toBeUndefined();
    // The family is revoked: the victim's successor is dead too, and the reuse is reported.
    await refresh(successor).expect(401);
    expect(events.some((event) => event.event === 'refresh.reuse_detected')).toBe(true);
  });

  it('X-Forwarded-For cannot choose the network shown in the sessions list or in events', async () => {
    const session = await login(t, 'guest', victimFrom('198.51.100.77'));
    const networks = (await sessionsOf(session.accessToken)).map((s) => s.client.network);
    expect(networks).toHaveLength(1);
    expect(networks[0]).not.toBe('198.51.100.0/24');
    expect(networks[0]).toMatch(/^(127\.0\.0\.0\/24|0:0:0:0::\/56)$/);
    const loginEvent = events.find((event) => event.event === 'login.succeeded');
    expect(loginEvent?.client?.network).toBe(networks[0]);
  });
});

describe('behind one proxy, correctly configured (trust proxy = 1)', () => {
  beforeEach(() => setup(1));

  it('the forwarded address is the network in the sessions list and in events', async () => {
    const session = await login(t, 'guest', victimFrom('198.51.100.77'));
    expect((await sessionsOf(session.accessToken)).map((s) => s.client.network)).toEqual(['198.51.100.0/24']);
    expect(events.find((event) => event.event === 'login.succeeded')?.client?.network).toBe('198.51.100.0/24');
  });

  it('the grace window hands the successor to the same client, and a replay from another network revokes the family', async () => {
    const session = await login(t, 'guest', victimFrom());
    const first = await refresh(session.refreshToken).expect(200);
    const again = await refresh(session.refreshToken).expect(200);
    expect(again.body.refreshToken).toBe(first.body.refreshToken);
    await refresh(session.refreshToken, '192.0.2.50').expect(401);
    await refresh(first.body.refreshToken as string).expect(401);
  });

  it('rate limits count the forwarded address too', async () => {
    await t.close();
    await setup(1, { maxProxyHops: 2 });
    // Every client has its own bucket: the 21st login from one address is refused, another address still passes.
    for (let i = 0; i < 20; i += 1) {
      await request(t.app)
        .post('/auth/login')
        .set('X-Forwarded-For', '198.51.100.1')
        .send({ username: 'guest', password: 'wrong' });
    }
    await request(t.app)
      .post('/auth/login')
      .set('X-Forwarded-For', '198.51.100.1')
      .send({ username: 'guest', password: 'wrong' })
      .expect(429);
    const other = await request(t.app)
      .post('/auth/login')
      .set('X-Forwarded-For', '192.0.2.1')
      .send({ username: 'guest', password: 'wrong' });
    expect(other.status).not.toBe(429);
  });
});
