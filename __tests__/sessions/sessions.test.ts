// Ending sessions: logout, log out everywhere, a password change, and a disabled or deleted user, in the guard too.
import request from 'supertest';
import { MemoryUserStore, type User } from '../../lib';
import { createFakeClock, createTestApp, demoUsers, PASSWORDS, type TestApp } from '../helpers/create-app';
import { login } from '../helpers/session';

type Pair = { accessToken: string; refreshToken: string };

function guarded(t: TestApp, token: string): request.Test {
  return request(t.app).get('/api/protected').set('Authorization', `Bearer ${token}`);
}

function refresh(t: TestApp, refreshToken: string): request.Test {
  return request(t.app).post(`${t.base}/token/refresh`).send({ refreshToken });
}

/** A memory store whose users can also be deleted, and whose lookups can fail, as a host's database can. */
class DeletableUserStore extends MemoryUserStore {
  private readonly deleted = new Set<string>();
  down = false;
  remove(id: string): void {
    this.deleted.add(id);
  }
  override findById(id: string): User | null {
    if (this.down) throw new Error('database connection lost');
    return this.deleted.has(id) ? null : super.findById(id);
  }
  override findByLogin(name: string): User | null {
    const user = super.findByLogin(name);
    return user && this.deleted.has(user.id) ? null : user;
  }
}

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp({ rateLimit: false });
});
afterEach(async () => {
  await t.close();
});

describe('logout', () => {
  it('with the refresh token ends its family: refresh is refused afterwards', async () => {
    const session = await login(t, 'admin');
    await request(t.app).post(`${t.base}/logout`).send({ refreshToken: session.refreshToken }).expect(204);
    expect((await refresh(t, session.refreshToken).expect(401)).body.error).toBe('token_revoked');
  });

  it('with the access token as bearer ends the same family, and only that one', async () => {
    const session = await login(t, 'admin');
    const other = await login(t, 'admin');
    await request(t.app).post(`${t.base}/logout`).set('Authorization', `Bearer ${session.accessToken}`).expect(204);
    expect((await refresh(t, session.refreshToken).expect(401)).body.error).toBe('token_revoked');
    await refresh(t, other.refreshToken).expect(200);
  });

  it("ends the session's access token too, at once on this instance, while the user's other sessions work", async () => {
    const session = await login(t, 'admin');
    const other = await login(t, 'admin');
    await guarded(t, session.accessToken).expect(200); // now cached as open
    await request(t.app).post(`${t.base}/logout`).send({ refreshToken: session.refreshToken }).expect(204);
    expect((await guarded(t, session.accessToken).expect(401)).body.error).toBe('token_revoked');
    // Nor can the logged-out token act elsewhere (mint an API key, read the account).
    await request(t.app)
      .post(`${t.base}/api-keys`)
      .set('Authorization', `Bearer ${session.accessToken}`)
      .send({ name: 'x' })
      .expect(401);
    await request(t.app).get(`${t.base}/account`).set('Authorization', `Bearer ${session.accessToken}`).expect(401);
    await guarded(t, other.accessToken).expect(200);
  });

  it('ends the access token of a family revoked for refresh-token reuse', async () => {
    const session = await login(t, 'admin');
    await refresh(t, session.refreshToken).expect(200);
    t.clock.advance(31_000); // past the rotation grace window (30 s): a replay now is reuse
    await refresh(t, session.refreshToken).expect(401); // a replay: the family is revoked
    expect((await guarded(t, session.accessToken).expect(401)).body.error).toBe('token_revoked');
  });

  it('refuses a request with no token or a token that does not verify', async () => {
    expect((await request(t.app).post(`${t.base}/logout`).expect(401)).body.error).toBe('token_missing');
    await request(t.app).post(`${t.base}/logout`).send({ refreshToken: 'not.a.token' }).expect(401);
  });
});

describe('log out everywhere', () => {
  it('refuses every existing access and refresh token of the user at once, while a new login works', async () => {
    const first = await login(t, 'admin');
    const second = await login(t, 'admin');
    const guest = await login(t, 'guest');
    // Both tokens are in the guard's cache now: the change must not wait for it to expire.
    await guarded(t, first.accessToken).expect(200);
    await guarded(t, second.accessToken).expect(200);

    await request(t.app).post(`${t.base}/logout/all`).set('Authorization', `Bearer ${first.accessToken}`).expect(204);

    for (const session of [first, second]) {
      const refused = await guarded(t, session.accessToken).expect(401);
      // In the preset's format (the refusal comes from the cache, and must still reach the error formatter).
      expect(refused.body).toEqual({ error: 'token_revoked', message: expect.any(String) });
      expect(refused.headers['www-authenticate']).toContain('error="invalid_token"');
      expect((await refresh(t, session.refreshToken).expect(401)).body.error).toBe('token_revoked');
    }
    await guarded(t, guest.accessToken).expect(200);
    await refresh(t, guest.refreshToken).expect(200);

    const fresh = await login(t, 'admin');
    await guarded(t, fresh.accessToken).expect(200);
    const next = (await refresh(t, fresh.refreshToken).expect(200)).body as Pair;
    await guarded(t, next.accessToken).expect(200);
  });

  it('needs an access token of the user', async () => {
    expect((await request(t.app).post(`${t.base}/logout/all`).expect(401)).body.error).toBe('token_missing');
  });
});

describe('a password change', () => {
  it('ends every session: old access and refresh tokens are refused, the new password logs in', async () => {
    const first = await login(t, 'guest');
    const second = await login(t, 'guest');
    await guarded(t, first.accessToken).expect(200);
    await request(t.app)
      .post(`${t.base}/account/password`)
      .set('Authorization', `Bearer ${first.accessToken}`)
      .send({ currentPassword: PASSWORDS.guest, newPassword: 'a-brand-new-passphrase' })
      .expect(204);

    for (const session of [first, second]) {
      await guarded(t, session.accessToken).expect(401);
      await refresh(t, session.refreshToken).expect(401);
    }
    await request(t.app).post(`${t.base}/login`).send({ username: 'guest', password: PASSWORDS.guest }).expect(401);
    const fresh = await login(t, 'guest', { password: 'a-brand-new-passphrase' });
    await guarded(t, fresh.accessToken).expect(200);
  });
});

describe('a disabled user', () => {
  it('is refused by the guard without the host calling endAllSessions: at once when not cached', async () => {
    const session = await login(t, 'guest');
    t.users.update('3', { disabled: true });
    expect((await guarded(t, session.accessToken).expect(401)).body.error).toBe('token_revoked');
  });

  it('is refused once the short cache expires (sessionCacheMs, 2 s by default), with no store round trip before', async () => {
    const session = await login(t, 'guest');
    await guarded(t, session.accessToken).expect(200);
    const findById = jest.spyOn(t.users, 'findById');
    const stateGet = jest.spyOn(t.state, 'get');
    t.users.update('3', { disabled: true });

    // Cache hits: answered from memory, neither store is asked.
    for (let i = 0; i < 3; i++) await guarded(t, session.accessToken).expect(200);
    expect(findById).not.toHaveBeenCalled();
    expect(stateGet).not.toHaveBeenCalled();

    t.clock.advance(2001);
    expect((await guarded(t, session.accessToken).expect(401)).body.error).toBe('token_revoked');
    // A miss asks each store once: the user store for the user, the state store for the session version and
    // for the token's refresh family.
    expect(findById).toHaveBeenCalledTimes(1);
    expect(stateGet).toHaveBeenCalledTimes(2);
  });

  it('is refused at once, cache or not, when the host also calls auth.endAllSessions()', async () => {
    const session = await login(t, 'guest');
    await guarded(t, session.accessToken).expect(200);
    t.users.update('3', { disabled: true });
    await t.auth.endAllSessions('3');
    expect((await guarded(t, session.accessToken).expect(401)).body.error).toBe('token_revoked');
    expect((await refresh(t, session.refreshToken).expect(401)).body.error).toBe('token_revoked');
  });

  it('cannot refresh, and the attempt ends the family', async () => {
    const session = await login(t, 'guest');
    t.users.update('3', { disabled: true });
    await refresh(t, session.refreshToken).expect(401);
    t.users.update('3', { disabled: false });
    expect((await refresh(t, session.refreshToken).expect(401)).body.error).toBe('token_revoked');
  });

  it('with sessionCacheMs 0 is refused on the very next request', async () => {
    await t.close();
    t = await createTestApp({ rateLimit: false, sessions: { cacheMs: 0 } });
    const session = await login(t, 'guest');
    await guarded(t, session.accessToken).expect(200);
    t.users.update('3', { disabled: true });
    await guarded(t, session.accessToken).expect(401);
  });
});

describe('a deleted user', () => {
  let users: DeletableUserStore;
  beforeEach(async () => {
    await t.close();
    const clock = createFakeClock();
    users = new DeletableUserStore(await demoUsers(clock));
    t = await createTestApp({ rateLimit: false, clock, users });
  });

  it('is refused by the guard at once when not cached, and after the cache expires when it is', async () => {
    const cached = await login(t, 'admin');
    const uncached = await login(t, 'guest');
    await guarded(t, cached.accessToken).expect(200);
    users.remove('1');
    users.remove('3');
    expect((await guarded(t, uncached.accessToken).expect(401)).body.error).toBe('token_revoked');
    await guarded(t, cached.accessToken).expect(200);
    t.clock.advance(2001);
    expect((await guarded(t, cached.accessToken).expect(401)).body.error).toBe('token_revoked');
    await request(t.app).get('/api/admin').set('Authorization', `Bearer ${cached.accessToken}`).expect(401);
    await refresh(t, cached.refreshToken).expect(401);
  });

  it('fails closed (503) when the user store cannot answer', async () => {
    const session = await login(t, 'guest');
    users.down = true;
    const res = await guarded(t, session.accessToken).expect(503);
    expect(res.body.error).toBe('unavailable');
    expect(JSON.stringify(res.body)).not.toContain('database');
  });
});
