// Attacks on refresh: replaying a consumed token, racing one token, re-encoding it, and using a token of another kind.
import request from 'supertest';
import { MemoryStateStore, type StateStore } from '../../lib';
import { createTestApp, PASSWORDS, type TestApp } from '../helpers/create-app';
import { claimsOf, login } from '../helpers/session';

function refresh(t: TestApp, refreshToken: string): request.Test {
  return request(t.app).post(`${t.base}/token/refresh`).send({ refreshToken });
}

let t: TestApp;
afterEach(async () => {
  await t.close();
});

describe('reuse detection', () => {
  beforeEach(async () => {
    t = await createTestApp({ rateLimit: false });
  });

  it('a consumed token presented again revokes the whole family, its newest token included', async () => {
    const a = await login(t);
    const b = (await refresh(t, a.refreshToken).expect(200)).body as { refreshToken: string };
    const c = (await refresh(t, b.refreshToken).expect(200)).body as { refreshToken: string };

    t.clock.advance(31_000); // past the rotation grace window (30 s): a replay now is reuse
    const replay = await refresh(t, a.refreshToken).expect(401);
    expect(replay.body.error).toBe('token_revoked');
    // The newest token, never used, is dead too: the thief and the owner both have to log in again.
    expect((await refresh(t, c.refreshToken).expect(401)).body.error).toBe('token_revoked');
  });

  it("revokes only that family: the same user's other session keeps refreshing", async () => {
    const stolen = await login(t);
    const other = await login(t);
    await refresh(t, stolen.refreshToken).expect(200);
    t.clock.advance(31_000); // past the rotation grace window (30 s): a replay now is reuse
    await refresh(t, stolen.refreshToken).expect(401);
    await refresh(t, other.refreshToken).expect(200);
  });

  it('with strict detection (reuseGrace 0), of ten parallel refreshes with one token exactly one succeeds, and the race revokes the family', async () => {
    await t.close();
    t = await createTestApp({ rateLimit: false, sessions: { refresh: { reuseGrace: 0 } } });
    const a = await login(t);
    const results = await Promise.all(Array.from({ length: 10 }, () => refresh(t, a.refreshToken)));
    const statuses = results.map((res) => res.status).sort();
    expect(statuses).toEqual([200, 401, 401, 401, 401, 401, 401, 401, 401, 401]);
    const winner = results.find((res) => res.status === 200)!.body as { refreshToken: string };
    // The losers presented a consumed token: that is reuse, so the winner's new token is revoked as well.
    expect((await refresh(t, winner.refreshToken).expect(401)).body.error).toBe('token_revoked');
  });

  it("a consumed token re-encoded (other unused bits in its signature's last character) gets nothing either", async () => {
    const a = await login(t);
    await refresh(t, a.refreshToken).expect(200);
    const [header, payload, signature] = a.refreshToken.split('.') as [string, string, string];
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // HS256: 32 bytes in 43 characters, so the last character's two low bits are padding.
    const last = alphabet[alphabet.indexOf(signature.slice(-1)) ^ 1] as string;
    const reencoded = `${header}.${payload}.${signature.slice(0, -1)}${last}`;
    expect(reencoded).not.toBe(a.refreshToken);
    expect(Buffer.from(signature.slice(0, -1) + last, 'base64url')).toEqual(Buffer.from(signature, 'base64url'));
    await refresh(t, reencoded).expect(401);
  });
});

describe("revocation is keyed by jti and family, never by the token's text", () => {
  it('no key or value the state store is given contains a token or a piece of one', async () => {
    const seen: string[] = [];
    const inner = new MemoryStateStore();
    const recording: StateStore = {
      get: (key) => (seen.push(key), inner.get(key)),
      set: (key, value, ttlMs) => (seen.push(key, value), inner.set(key, value, ttlMs)),
      delete: (key) => (seen.push(key), inner.delete(key)),
      increment: (key, ttlMs) => (seen.push(key), inner.increment(key, ttlMs)),
      take: (key) => (seen.push(key), inner.take(key)),
    };
    // Strict detection: this store runs on the real clock, so the fake one cannot move past a grace window.
    t = await createTestApp({ rateLimit: false, stateStore: recording, sessions: { refresh: { reuseGrace: 0 } } });
    const a = await login(t);
    const b = (await refresh(t, a.refreshToken).expect(200)).body as { accessToken: string; refreshToken: string };
    await refresh(t, a.refreshToken).expect(401); // reuse
    await request(t.app).post(`${t.base}/logout`).send({ refreshToken: b.refreshToken }).expect(204);
    await inner.shutdown();

    const segments = [a.accessToken, a.refreshToken, b.accessToken, b.refreshToken].flatMap((token) => [
      token,
      ...token.split('.').slice(1),
    ]);
    for (const entry of seen) for (const segment of segments) expect(entry.includes(segment)).toBe(false);
    // What it is keyed by instead: the token's id and its family's id.
    const { jti, fam } = claimsOf(a.refreshToken) as { jti: string; fam: string };
    expect(seen.some((text) => text.includes(jti))).toBe(true);
    expect(seen.some((text) => text.includes(fam))).toBe(true);
  });
});

describe('a token of another kind', () => {
  beforeEach(async () => {
    t = await createTestApp({ rateLimit: false });
  });

  it('a refresh token is refused as an access token, by the guard and by log out everywhere', async () => {
    const { refreshToken } = await login(t);
    const res = await request(t.app).get('/api/protected').set('Authorization', `Bearer ${refreshToken}`).expect(401);
    expect(res.body.error).toBe('token_invalid');
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
    await request(t.app).post(`${t.base}/logout/all`).set('Authorization', `Bearer ${refreshToken}`).expect(401);
  });

  it('an access token is refused by refresh, in the body and as bearer', async () => {
    const { accessToken } = await login(t);
    expect((await refresh(t, accessToken).expect(401)).body.error).toBe('token_invalid');
    const bearer = await request(t.app)
      .post(`${t.base}/token/refresh`)
      .set('Authorization', `Bearer ${accessToken}`)
      .expect(401);
    expect(bearer.body.error).toBe('token_invalid');
  });

  it('a second-factor challenge token is refused by refresh and by the guard', async () => {
    const challenge = await request(t.app)
      .post(`${t.base}/login`)
      .send({ username: 'user', password: PASSWORDS.user })
      .expect(200);
    const challengeToken = challenge.body.challengeToken as string;
    expect(claimsOf(challengeToken).usefor).toBe('tfa');
    expect((await refresh(t, challengeToken).expect(401)).body.error).toBe('token_invalid');
    await request(t.app).post(`${t.base}/token/refresh`).set('Authorization', `Bearer ${challengeToken}`).expect(401);
    await request(t.app).get('/api/protected').set('Authorization', `Bearer ${challengeToken}`).expect(401);
  });

  it('a refresh token signed with another key is refused', async () => {
    const other = await createTestApp({
      rateLimit: false,
      secret: 'another-secret-that-is-long-enough-for-hs256-0123456789',
    });
    try {
      const foreign = await login(other);
      expect((await refresh(t, foreign.refreshToken).expect(401)).body.error).toBe('token_invalid');
    } finally {
      await other.close();
    }
  });
});
