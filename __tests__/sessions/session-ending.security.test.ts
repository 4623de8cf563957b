// After a password change or "log out everywhere", no token issued from credentials read before it may work: not
// from a login that overlapped it, nor from a second-factor challenge opened before it. And a refresh that fails on a
// store error spends nothing.
import request from 'supertest';
import { sharedBcryptPool } from '../../lib/passwords/hasher';
import type { UserStore } from '../../lib';
import { createTestApp, PASSWORDS, type TestApp } from '../helpers/create-app';
import { postLogin } from '../helpers/session';

let t: TestApp;

beforeEach(async () => {
  t = await createTestApp({ rateLimit: false });
});

afterEach(async () => {
  jest.restoreAllMocks();
  await t.close();
});

const protectedRoute = (access: string) =>
  request(t.app).get('/api/protected').set('Authorization', `Bearer ${access}`);
const refresh = (refreshToken: string) => request(t.app).post('/auth/token/refresh').send({ refreshToken });

/**
 * Holds the first bcrypt comparison until `release()`: a login is then in flight, its credentials read, while the
 * test changes the account.
 */
function holdFirstComparison(): { started: Promise<void>; release: () => void } {
  const pool = sharedBcryptPool();
  const original = pool.compare.bind(pool);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let markStarted!: () => void;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  let held = false;
  jest.spyOn(pool, 'compare').mockImplementation(async (...args: Parameters<typeof pool.compare>) => {
    const result = await original(...args);
    if (!held) {
      held = true;
      markStarted();
      await gate;
    }
    return result;
  });
  return { started, release };
}

describe('a login that overlaps a change of the account', () => {
  test('started before a password change and finished after it, it gets no working session', async () => {
    const first = await postLogin(t, 'guest').expect(200);
    const hold = holdFirstComparison();
    const overlapping = postLogin(t, 'guest').then((res) => res);
    await hold.started;
    const changed = await request(t.app)
      .post('/auth/account/password')
      .set('Authorization', `Bearer ${first.body.accessToken}`)
      .send({ currentPassword: PASSWORDS.guest, newPassword: 'a-brand-new-password' });
    expect(changed.status).toBe(204);
    hold.release();

    const res = await overlapping;
    if (res.status === 200) {
      expect((await protectedRoute(res.body.accessToken)).status).toBe(401);
      expect((await refresh(res.body.refreshToken)).status).toBe(401);
    } else {
      expect(res.status).toBe(401);
    }
  });

  test('started before "log out everywhere" and finished after it, it gets no working session', async () => {
    const first = await postLogin(t, 'guest').expect(200);
    const hold = holdFirstComparison();
    const overlapping = postLogin(t, 'guest').then((res) => res);
    await hold.started;
    await request(t.app).post('/auth/logout/all').set('Authorization', `Bearer ${first.body.accessToken}`).expect(204);
    hold.release();

    const res = await overlapping;
    expect(res.status).toBe(200);
    expect((await protectedRoute(res.body.accessToken)).status).toBe(401);
    expect((await refresh(res.body.refreshToken)).status).toBe(401);
  });
});

describe('a second-factor challenge opened before the account changed', () => {
  async function fullLogin(): Promise<string> {
    const challenge = await postLogin(t, 'user').expect(200);
    const code = t.mailer.last('user@example.com')?.code;
    const res = await request(t.app)
      .post('/auth/tfa/verify')
      .set('Authorization', `Bearer ${challenge.body.challengeToken}`)
      .send({ code });
    expect(res.status).toBe(200);
    return res.body.accessToken as string;
  }

  test.each([
    [
      'a password change',
      (access: string) =>
        request(t.app)
          .post('/auth/account/password')
          .set('Authorization', `Bearer ${access}`)
          .send({ currentPassword: PASSWORDS.user, newPassword: 'another-good-password' }),
    ],
    [
      'log out everywhere',
      (access: string) => request(t.app).post('/auth/logout/all').set('Authorization', `Bearer ${access}`),
    ],
  ])('cannot be completed after %s', async (_what, change) => {
    const access = await fullLogin();
    const pending = await postLogin(t, 'user').expect(200);
    const code = t.mailer.last('user@example.com')?.code;
    expect((await change(access)).status).toBe(204);

    const res = await request(t.app)
      .post('/auth/tfa/verify')
      .set('Authorization', `Bearer ${pending.body.challengeToken}`)
      .send({ code });
    expect(res.status).toBe(401);
    expect(res.body.accessToken).toBeUndefined();
  });
});

describe('a refresh that meets a store failure', () => {
  test('answers 503 and spends nothing: the retry succeeds and the session lives on', async () => {
    const session = await postLogin(t, 'guest').expect(200);
    const users = t.users as UserStore;
    const findById = jest.spyOn(users, 'findById').mockImplementationOnce(() => {
      throw new Error('connection reset');
    });

    const failed = await refresh(session.body.refreshToken);
    expect(failed.status).toBe(503);
    expect(failed.body).toMatchObject({ error: 'unavailable' });
    expect(JSON.stringify(failed.body)).not.toContain('connection reset');
    findById.mockRestore();

    const retried = await refresh(session.body.refreshToken);
    expect(retried.status).toBe(200);
    expect((await protectedRoute(retried.body.accessToken)).status).toBe(200);
    expect((await refresh(retried.body.refreshToken)).status).toBe(200);
  });
});
