// Refresh on the default preset: rotation (body or bearer), a consumed token, and a family's absolute lifetime.
import request from 'supertest';
import { createTestApp, type TestApp } from '../helpers/create-app';
import { claimsOf, login } from '../helpers/session';

const DAY_MS = 86400 * 1000;

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp({ rateLimit: false });
});
afterEach(async () => {
  await t.close();
});

describe('POST /auth/token/refresh', () => {
  it('exchanges { refreshToken } for a new pair in the same family and consumes the old token', async () => {
    const first = await login(t);
    const res = await request(t.app)
      .post(`${t.base}/token/refresh`)
      .send({ refreshToken: first.refreshToken })
      .expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({
      accessToken: expect.any(String),
      tokenType: 'Bearer',
      expiresIn: 900,
      refreshToken: expect.any(String),
      refreshExpiresIn: expect.any(Number),
    });
    expect(res.body.refreshToken).not.toBe(first.refreshToken);
    const oldClaims = claimsOf(first.refreshToken);
    const newClaims = claimsOf(res.body.refreshToken as string);
    expect(newClaims).toMatchObject({ usefor: 'refresh', sub: '1', fam: oldClaims.fam });
    expect(newClaims.jti).not.toBe(oldClaims.jti);
    // The default preset's access tokens carry no usefor: their typ (at+jwt) says what they are.
    expect(claimsOf(res.body.accessToken as string)).toMatchObject({
      sub: '1',
      auth: 'ROLE_ADMIN,ROLE_USER',
      fam: oldClaims.fam,
    });

    await request(t.app)
      .get('/api/admin')
      .set('Authorization', `Bearer ${res.body.accessToken as string}`)
      .expect(200, { userId: '1' });
    // Consumed: the same token a second time, past the grace window, is refused.
    t.clock.advance(31_000);
    const again = await request(t.app)
      .post(`${t.base}/token/refresh`)
      .send({ refreshToken: first.refreshToken })
      .expect(401);
    expect(again.body).toEqual({ error: 'token_revoked', message: expect.any(String) });
  });

  it('takes the refresh token as bearer too, and the new one works in turn', async () => {
    const first = await login(t);
    const second = await request(t.app)
      .post(`${t.base}/token/refresh`)
      .set('Authorization', `Bearer ${first.refreshToken}`)
      .expect(200);
    const third = await request(t.app)
      .post(`${t.base}/token/refresh`)
      .set('Authorization', `bearer ${second.body.refreshToken as string}`)
      .expect(200);
    expect(claimsOf(third.body.refreshToken as string).fam).toBe(claimsOf(first.refreshToken).fam);
    t.clock.advance(31_000);
    await request(t.app)
      .post(`${t.base}/token/refresh`)
      .set('Authorization', `Bearer ${first.refreshToken}`)
      .expect(401);
  });

  it('answers 401 token_missing without a token and 400 for a refreshToken that is not a string', async () => {
    const missing = await request(t.app).post(`${t.base}/token/refresh`).expect(401);
    expect(missing.body.error).toBe('token_missing');
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="api"');
    const wrongType = await request(t.app).post(`${t.base}/token/refresh`).send({ refreshToken: 42 }).expect(400);
    expect(wrongType.body.error).toBe('invalid_request');
  });

  it("never extends the family: every rotated token ends by the first one's end, and after it refresh fails", async () => {
    const first = await login(t);
    const familyEnd = claimsOf(first.refreshToken).exp as number;
    expect(familyEnd - (claimsOf(first.refreshToken).iat as number)).toBe(14 * 86400);

    let current = first.refreshToken;
    const expiries: number[] = [];
    for (let i = 0; i < 5; i++) {
      t.clock.advance(2.5 * DAY_MS); // 2.5, 5, 7.5, 10, 12.5 days in
      const res = await request(t.app).post(`${t.base}/token/refresh`).send({ refreshToken: current }).expect(200);
      current = res.body.refreshToken as string;
      const claims = claimsOf(current);
      expiries.push(claims.exp as number);
      expect(claims.exi).toBe((claims.exp as number) - (claims.iat as number));
      expect(res.body.refreshExpiresIn).toBe(claims.exi);
    }
    expect(Math.max(...expiries)).toBeLessThanOrEqual(familyEnd);
    // The last ones are capped at the family's end, not 14 days after their own issue.
    expect(expiries[4]).toBe(familyEnd);

    t.clock.set(familyEnd * 1000 + 1000); // one second past the end (still inside the 30 s clock skew)
    const late = await request(t.app).post(`${t.base}/token/refresh`).send({ refreshToken: current }).expect(401);
    expect(late.body.error).toBe('token_revoked');
    t.clock.advance(60_000);
    const expired = await request(t.app).post(`${t.base}/token/refresh`).send({ refreshToken: current }).expect(401);
    expect(expired.body.error).toBe('token_expired');
  });

  it("keeps the family's end in the state store: the family key expires then, however often it is rotated", async () => {
    const first = await login(t);
    const familyEnd = claimsOf(first.refreshToken).exp as number;
    t.clock.advance(13 * DAY_MS);
    const second = await request(t.app)
      .post(`${t.base}/token/refresh`)
      .send({ refreshToken: first.refreshToken })
      .expect(200);
    // Rotation never extends the family: the new token ends where the family does, and so does its session.
    expect(claimsOf(second.body.refreshToken as string).exp).toBe(familyEnd);
    t.clock.set(familyEnd * 1000 - 1000);
    const third = await request(t.app)
      .post(`${t.base}/token/refresh`)
      .send({ refreshToken: second.body.refreshToken })
      .expect(200);
    t.clock.set(familyEnd * 1000 + 60_000);
    await request(t.app).post(`${t.base}/token/refresh`).send({ refreshToken: third.body.refreshToken }).expect(401);
  });

  it('without rotation (refresh.rotate false) answers an access token only, and the same refresh token works again', async () => {
    await t.close();
    t = await createTestApp({ rateLimit: false, sessions: { refresh: { rotate: false } } });
    const first = await login(t);
    for (let i = 0; i < 2; i++) {
      const res = await request(t.app)
        .post(`${t.base}/token/refresh`)
        .send({ refreshToken: first.refreshToken })
        .expect(200);
      expect(res.body.refreshToken).toBeUndefined();
      await request(t.app)
        .get('/api/protected')
        .set('Authorization', `Bearer ${res.body.accessToken as string}`)
        .expect(200);
    }
  });
});
