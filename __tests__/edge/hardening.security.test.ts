// Attacks found in review: lockout resets, lockout oracles, poisoned cached claims, stale sessions in an outage.
import request from 'supertest';
import { createAuth, MemoryStateStore, MemoryUserStore, type StateStore } from '../../lib';
import { createTestApp, PASSWORDS, TEST_SECRET, type TestApp } from '../helpers/create-app';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('tokenless change-password', () => {
  it('does not forgive second-factor failures, so it cannot reset the lockout between rounds of code guesses', async () => {
    t = await createTestApp({ rateLimit: false });
    const app = t.app;
    let evaluated = 0;
    let blocked = false;
    for (let round = 0; round < 6 && !blocked; round++) {
      const started = await request(app).post('/auth/login').send({ username: 'user', password: PASSWORDS.user });
      if (started.status === 403) {
        blocked = true;
        break;
      }
      const code = t.mailer.last('user@example.com')!.code;
      for (let i = 0; i < 4; i++) {
        const res = await request(app)
          .post('/auth/tfa/verify')
          .set('Authorization', `Bearer ${started.body.challengeToken}`)
          .send({ code: code === '000000' ? '000001' : '000000' });
        if (res.status === 403) {
          blocked = true;
          break;
        }
        evaluated++;
      }
      // The attempted reset: the right password, no token (refused: the password has not expired).
      const reset = await request(app)
        .post('/auth/account/password')
        .send({ username: 'user', currentPassword: PASSWORDS.user, newPassword: 'another-password-1' });
      expect([401, 403]).toContain(reset.status);
    }
    expect(blocked).toBe(true);
    expect(evaluated).toBeLessThan(10);
  });
});

describe('lockout identities', () => {
  it('a look-alike of an existing login and of a missing login behave the same (no existence oracle)', async () => {
    t = await createTestApp({ rateLimit: false });
    const probe = async (lookAlike: string, plain: string): Promise<number> => {
      for (let i = 0; i < 10; i++)
        await request(t!.app).post('/auth/login').send({ username: lookAlike, password: 'wrong-password' });
      return (await request(t!.app).post('/auth/login').send({ username: plain, password: 'wrong-password' })).status;
    };
    // Full-width letters: NFKC would fold them to "admin" / "ghost".
    expect(await probe('ａｄｍｉｎ', 'admin')).toBe(401);
    expect(await probe('ｇｈｏｓｔ', 'ghost')).toBe(401);
  });
});

describe('the verified-token cache', () => {
  it('hands out frozen claims: a handler cannot change who the next request with the same token is', async () => {
    t = await createTestApp();
    t.app.get('/api/tamper', t.auth.requireAuth(), (req, res) => {
      try {
        (req.auth!.claims as unknown as { sub: string }).sub = '2';
      } catch {
        // strict mode: writing to a frozen object throws
      }
      res.json({ userId: req.auth!.userId });
    });
    const token = (await request(t.app).post('/auth/login').send({ username: 'admin', password: PASSWORDS.admin })).body
      .accessToken;
    await request(t.app).get('/api/tamper').set('Authorization', `Bearer ${token}`).expect(200);
    const after = await request(t.app).get('/api/protected').set('Authorization', `Bearer ${token}`).expect(200);
    expect(after.body.userId).toBe('1');
  });
});

describe('externalIdentityProvider.jwksUri', () => {
  const base = { secret: TEST_SECRET, users: new MemoryUserStore([]) };
  const idp = (jwksUri: string) => ({
    issuer: 'https://idp.example/',
    audience: 'api',
    jwksUri,
    allowedSubjects: ['a'],
  });
  it('must be https, except on loopback', () => {
    expect(() =>
      createAuth({ ...base, externalIdentityProvider: idp('http://idp.example/.well-known/jwks.json') }),
    ).toThrow(/https/);
    expect(() =>
      createAuth({ ...base, externalIdentityProvider: idp('https://idp.example/.well-known/jwks.json') }),
    ).not.toThrow();
    expect(() => createAuth({ ...base, externalIdentityProvider: idp('http://127.0.0.1:9999/jwks') })).not.toThrow();
  });
});

describe('the guard while the state store is down', () => {
  function flakyStore(inner: MemoryStateStore): StateStore & { down: boolean } {
    const store = {
      down: false,
      get: (key: string) => (store.down ? Promise.reject(new Error('connection refused')) : inner.get(key)),
      set: (key: string, value: string, ttl: number) =>
        store.down ? Promise.reject(new Error('down')) : inner.set(key, value, ttl),
      delete: (key: string) => (store.down ? Promise.reject(new Error('down')) : inner.delete(key)),
      increment: (key: string, ttl: number) =>
        store.down ? Promise.reject(new Error('down')) : inner.increment(key, ttl),
      take: (key: string) => (store.down ? Promise.reject(new Error('down')) : inner.take(key)),
    };
    return store;
  }

  it('keeps accepting a known session for a short grace, refuses a user the UserStore says is disabled, then fails closed', async () => {
    const inner = new MemoryStateStore();
    const store = flakyStore(inner);
    t = await createTestApp({ stateStore: store });
    const token = (await request(t.app).post('/auth/login').send({ username: 'admin', password: PASSWORDS.admin })).body
      .accessToken;
    await request(t.app).get('/api/protected').set('Authorization', `Bearer ${token}`).expect(200);
    store.down = true;
    t.clock.advance(3000); // past the 2 s cache, inside the grace
    await request(t.app).get('/api/protected').set('Authorization', `Bearer ${token}`).expect(200);
    t.users.update('1', { disabled: true });
    expect((await request(t.app).get('/api/protected').set('Authorization', `Bearer ${token}`)).body.error).toBe(
      'token_revoked',
    );
    t.users.update('1', { disabled: false });
    t.clock.advance(120_000); // past the grace: nothing recent enough to stand in
    const res = await request(t.app).get('/api/protected').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(503);
    expect(res.body.error).toBe('unavailable');
    await inner.shutdown();
  });
});
