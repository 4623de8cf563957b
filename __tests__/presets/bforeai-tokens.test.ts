// bfore.ai's token routes (DESIGN "The seed presets", bforeai): GET /user/logout, /user/renew, /user/token?m=|d= and
// the token-less POST /user/password {username, old, new, confirm}, guarded like a login.
import request from 'supertest';
import { decodeJwt } from 'jose';
import type { AuthEvent } from '../../lib';
import { createRecordingApp, PASSWORDS, type CreateTestAppOptions, type TestApp } from '../helpers/create-app';
import { loginToken } from '../helpers/session';

let t: TestApp;
let events: AuthEvent[];

async function start(options: CreateTestAppOptions = {}): Promise<TestApp> {
  ({ t, events } = await createRecordingApp({ preset: 'bforeai', ...options }));
  return t;
}

afterEach(async () => {
  await t.close();
});

const secure = (token: string) => request(t.app).get('/api/protected').set('Authorization', token);
const NEW = 'a-long-enough-new-passphrase';

describe('GET /user/logout', () => {
  beforeEach(() => start());

  it('ends the session of the token sent and no other, with {message: "Success"} and a session.ended event', async () => {
    const [first, second] = [await loginToken(t), await loginToken(t)];
    const res = await request(t.app).get('/user/logout').set('Authorization', `Bearer ${first}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ message: 'Success' });
    expect((await secure(first)).status).toBe(401);
    expect((await secure(second)).status).toBe(200);
    expect(events.filter((event) => event.event === 'session.ended')).toHaveLength(1);
  });

  it('takes the token bare as well, refuses an API key and a missing token with 401 JSON', async () => {
    const token = await loginToken(t);
    const key = (await request(t.app).post('/authheader/add').set('Authorization', token).send({ name: 'k' })).body
      .token as string;
    const withKey = await request(t.app).get('/user/logout').set('Authorization', key);
    expect(withKey.status).toBe(401);
    expect((await request(t.app).get('/user/logout')).status).toBe(401);
    expect((await request(t.app).get('/user/logout').set('Authorization', token)).status).toBe(200);
    expect((await secure(token)).status).toBe(401);
  });
});

describe('GET /user/renew', () => {
  beforeEach(() => start());

  it("answers the login's body with a token of the same lifetime from now; the old one keeps its own expiry", async () => {
    const token = await loginToken(t);
    t.clock.advance(30 * 60_000);
    const res = await request(t.app).get('/user/renew').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ Id: '1', Username: 'admin', Token: expect.any(String) });
    const [old, renewed] = [decodeJwt(token), decodeJwt(res.body.Token as string)];
    expect(renewed.exp! - renewed.iat!).toBe(3600);
    expect(renewed.exp! - old.exp!).toBe(30 * 60);
    // 45 minutes on the old token has expired and the renewed one has not.
    t.clock.advance(45 * 60_000);
    expect((await secure(token)).status).toBe(401);
    expect((await secure(res.body.Token as string)).status).toBe(200);
    // The renewed token is in the same session: logging it out ends it (and it stayed open past the first hour).
    expect(
      (
        await request(t.app)
          .get('/user/logout')
          .set('Authorization', res.body.Token as string)
      ).status,
    ).toBe(200);
    expect((await secure(res.body.Token as string)).status).toBe(401);
  });

  it("a renewed token's lifetime is the sent token's, so renewing a 2-day token gives 2 days", async () => {
    const token = await loginToken(t);
    const long = (await request(t.app).get('/user/token?d=2').set('Authorization', token)).body.Token as string;
    const renewed = decodeJwt(
      (await request(t.app).get('/user/renew').set('Authorization', long)).body.Token as string,
    );
    expect(renewed.exp! - renewed.iat!).toBe(2 * 86400);
  });
});

describe('GET /user/token', () => {
  it('answers a token of m minutes or d days, in a session of its own', async () => {
    await start();
    const token = await loginToken(t);
    for (const [query, seconds] of [
      ['m=1', 60],
      ['m=90', 5400],
      ['d=30', 30 * 86400],
    ] as const) {
      const res = await request(t.app).get(`/user/token?${query}`).set('Authorization', `Bearer ${token}`);
      expect({ query, status: res.status }).toEqual({ query, status: 200 });
      const claims = decodeJwt(res.body.Token as string);
      expect(claims.exp! - claims.iat!).toBe(seconds);
    }
    const minted = (await request(t.app).get('/user/token?d=1').set('Authorization', token)).body.Token as string;
    await request(t.app).get('/user/logout').set('Authorization', token).expect(200);
    expect((await secure(minted)).status).toBe(200);
    // A day later the 1-day token has expired.
    t.clock.advance(86400_000 + 60_000);
    expect((await secure(minted)).status).toBe(401);
  });

  it('refuses a missing, malformed, doubled or too long lifetime with 400, minting nothing', async () => {
    await start();
    const token = await loginToken(t);
    const writesBefore = t.state.size;
    for (const query of [
      '',
      'm=',
      'm=0',
      'm=-5',
      'm=1.5',
      'm=int&d=int',
      'm=5&d=1',
      'd=31',
      'm=43201',
      'd[x]=1',
      'm=1&m=2',
    ]) {
      const res = await request(t.app).get(`/user/token?${query}`).set('Authorization', token);
      expect({ query, status: res.status, body: res.body }).toEqual({
        query,
        status: 400,
        body: { message: expect.any(String) },
      });
    }
    expect(t.state.size).toBe(writesBefore);
  });

  it('is capped by maxTokenLifetime, which also bounds how long ended sessions are remembered', async () => {
    await start({ tokens: { maxLifetime: '2h' } });
    const token = await loginToken(t);
    expect((await request(t.app).get('/user/token?m=120').set('Authorization', token)).status).toBe(200);
    expect((await request(t.app).get('/user/token?m=121').set('Authorization', token)).status).toBe(400);
    expect((await request(t.app).get('/user/token?d=1').set('Authorization', token)).status).toBe(400);
    expect(() => createTestAppSync({ tokens: { maxLifetime: 'forever' as never } })).toThrow(/tokens\.maxLifetime/);
  });

  it('a 90-day token (maxTokenLifetime 90d) dies with a password change, and stays dead after every other lifetime has passed', async () => {
    await start({ tokens: { maxLifetime: '90d' } });
    const minted = (
      await request(t.app)
        .get('/user/token?d=90')
        .set('Authorization', await loginToken(t))
    ).body.Token as string;
    await request(t.app)
      .post('/user/password')
      .send({ username: 'admin', old: PASSWORDS.admin, new: NEW, confirm: NEW })
      .expect(200);
    expect((await secure(minted)).status).toBe(401);
    // Past the 30-day remember-me and 14-day refresh lifetimes, the ended sessions are still remembered.
    t.clock.advance(45 * 86400_000);
    expect((await secure(minted)).status).toBe(401);
  });
});

/** createAuth's option check, without an app. */
function createTestAppSync(options: CreateTestAppOptions): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createAuth, MemoryUserStore } = require('../../lib') as typeof import('../../lib');
  createAuth({ secret: 'x'.repeat(64), preset: 'bforeai', users: new MemoryUserStore([]), ...options });
}

describe('POST /user/password without a token', () => {
  beforeEach(() => start());

  it('changes the password, ends every session of the user, and emits password.changed', async () => {
    const token = await loginToken(t, 'guest');
    const res = await request(t.app)
      .post('/user/password')
      .send({ username: 'guest', old: PASSWORDS.guest, new: NEW, confirm: NEW });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ message: 'Success' });
    expect((await secure(token)).status).toBe(401);
    expect((await request(t.app).post('/user/login').send({ username: 'guest', password: NEW })).status).toBe(200);
    expect(events.map((event) => event.event)).toEqual(
      expect.arrayContaining(['password.changed', 'sessions.ended_all']),
    );
  });

  it('answers an unknown user exactly like a wrong password, and both count towards the lockout', async () => {
    const wrong = await request(t.app)
      .post('/user/password')
      .send({ username: 'admin', old: 'wrong-password', new: NEW, confirm: NEW });
    const unknown = await request(t.app)
      .post('/user/password')
      .send({ username: 'nobody', old: 'wrong-password', new: NEW, confirm: NEW });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    // Nine more wrong passwords lock the account (10 failures): the right one is then refused too, as at the login.
    for (let i = 0; i < 9; i++)
      await request(t.app)
        .post('/user/password')
        .send({ username: 'admin', old: 'wrong-password', new: NEW, confirm: NEW });
    const locked = await request(t.app)
      .post('/user/password')
      .send({ username: 'admin', old: PASSWORDS.admin, new: NEW, confirm: NEW });
    expect(locked.status).toBe(403);
    expect(
      (await request(t.app).post('/user/login').send({ username: 'admin', password: PASSWORDS.admin })).status,
    ).toBe(403);
  });

  it("shares the login's rate limit", async () => {
    await t.close();
    await start({ rateLimit: { credentials: { limit: 3, window: '1m' } } });
    for (let i = 0; i < 2; i++)
      await request(t.app).post('/user/login').send({ username: 'guest', password: 'wrong-password' });
    expect(
      (await request(t.app).post('/user/password').send({ username: 'guest', old: 'x', new: NEW, confirm: NEW }))
        .status,
    ).toBe(401);
    const limited = await request(t.app)
      .post('/user/password')
      .send({ username: 'guest', old: PASSWORDS.guest, new: NEW, confirm: NEW });
    expect(limited.status).toBe(429);
  });

  it('refuses "confirm" unlike "new" and a new password the policy refuses with 400, changing nothing', async () => {
    const mismatch = await request(t.app)
      .post('/user/password')
      .send({ username: 'guest', old: PASSWORDS.guest, new: NEW, confirm: `${NEW}!` });
    expect(mismatch.status).toBe(400);
    const weak = await request(t.app)
      .post('/user/password')
      .send({ username: 'guest', old: PASSWORDS.guest, new: 'short', confirm: 'short' });
    expect(weak.status).toBe(400);
    const same = await request(t.app)
      .post('/user/password')
      .send({ username: 'guest', old: PASSWORDS.guest, new: PASSWORDS.guest, confirm: PASSWORDS.guest });
    expect(same.status).toBe(400);
    expect(
      (await request(t.app).post('/user/login').send({ username: 'guest', password: PASSWORDS.guest })).status,
    ).toBe(200);
    for (const body of [
      { username: 'guest', old: PASSWORDS.guest, new: NEW },
      { username: 'guest', old: 1, new: NEW, confirm: NEW },
      {},
    ]) {
      expect((await request(t.app).post('/user/password').send(body)).status).toBe(400);
    }
  });

  it('lets an expired password be changed, so the user can log in again', async () => {
    const res = await request(t.app)
      .post('/user/password')
      .send({ username: 'expired', old: PASSWORDS.expired, new: NEW, confirm: NEW });
    expect(res.status).toBe(200);
    expect((await request(t.app).post('/user/login').send({ username: 'expired', password: NEW })).status).toBe(200);
  });

  it('asks a user with a second factor for their token (the route would skip the factor), and takes their own token only', async () => {
    const body = { username: 'user', old: PASSWORDS.user, new: NEW, confirm: NEW };
    const refused = await request(t.app).post('/user/password').send(body);
    expect(refused.status).toBe(401);
    const adminToken = await loginToken(t, 'admin');
    expect((await request(t.app).post('/user/password').set('Authorization', adminToken).send(body)).status).toBe(403);
    expect((await request(t.app).post('/user/login').send({ username: 'user', password: PASSWORDS.user })).status).toBe(
      200,
    );
    // With their own token (the second factor passed), it goes through.
    const challenge = await request(t.app).post('/user/login').send({ username: 'user', password: PASSWORDS.user });
    const code = t.mailer.sent.at(-1)!.code;
    const verified = await request(t.app)
      .post('/user/tfa/verify')
      .set('Authorization', `Bearer ${challenge.body.challengeToken ?? challenge.body.token}`)
      .send({ code });
    expect(verified.status).toBe(200);
    expect(
      (
        await request(t.app)
          .post('/user/password')
          .set('Authorization', verified.body.Token as string)
          .send(body)
      ).status,
    ).toBe(200);
  });

  it("a disabled user's right password is refused like a wrong one", async () => {
    const res = await request(t.app)
      .post('/user/password')
      .send({ username: 'disabled', old: PASSWORDS.disabled, new: NEW, confirm: NEW });
    expect(res.status).toBe(401);
  });
});
