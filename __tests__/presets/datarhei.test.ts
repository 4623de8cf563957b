// The datarhei Core wire format (seed 004): POST /api/login, GET /api/login/refresh, its claims and lifetimes.
import request from 'supertest';
import { createTestApp, PASSWORDS, type TestApp } from '../helpers/create-app';
import { claimsOf, login } from '../helpers/session';

function refresh(t: TestApp, refreshToken: string): request.Test {
  return request(t.app).get('/api/login/refresh').set('Authorization', `Bearer ${refreshToken}`);
}

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp({ preset: 'datarhei', rateLimit: false });
});
afterEach(async () => {
  await t.close();
});

describe('POST /api/login', () => {
  it('answers exactly { access_token, refresh_token } for a right username and password', async () => {
    const res = await request(t.app)
      .post('/api/login')
      .send({ username: 'admin', password: PASSWORDS.admin })
      .expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(Object.keys(res.body).sort()).toEqual(['access_token', 'refresh_token']);
    await request(t.app)
      .get('/api/protected')
      .set('Authorization', `Bearer ${res.body.access_token as string}`)
      .expect(200);
  });

  it('stamps iss "datarhei-core", sub, usefor, iat, exp, exi and jti, with 600 s access and 86400 s refresh lifetimes', async () => {
    const { accessToken: access_token, refreshToken: refresh_token } = await login(t);
    const now = Math.floor(t.clock() / 1000);
    const access = claimsOf(access_token);
    const refreshClaims = claimsOf(refresh_token);
    for (const claims of [access, refreshClaims]) {
      expect(claims).toEqual(
        expect.objectContaining({
          iss: 'datarhei-core',
          sub: 'admin',
          uid: '1',
          iat: now,
          exp: expect.any(Number),
          exi: expect.any(Number),
          jti: expect.any(String),
        }),
      );
    }
    expect(access).toMatchObject({ usefor: 'access', exi: 600, exp: now + 600 });
    expect(refreshClaims).toMatchObject({ usefor: 'refresh', exi: 86400, exp: now + 86400 });
    expect(access.jti).not.toBe(refreshClaims.jti);
    expect(JSON.parse(Buffer.from(access_token.split('.')[0] as string, 'base64url').toString('utf8'))).toMatchObject({
      alg: 'HS256',
      typ: 'at+jwt',
    });
  });

  it('answers 400 for missing credentials', async () => {
    for (const body of [{}, { username: 'admin' }, { password: PASSWORDS.admin }, { username: '', password: '' }]) {
      const res = await request(t.app).post('/api/login').send(body).expect(400);
      expect(res.body).toEqual({ code: 400, message: expect.any(String), details: ['invalid_request'] });
    }
    // No body and no identity-provider token at all.
    await request(t.app).post('/api/login').expect(400);
  });

  it('answers 401 for bad credentials, a known name or not', async () => {
    for (const body of [
      { username: 'admin', password: 'wrong-password' },
      { username: 'nobody', password: 'whatever-pass' },
    ]) {
      const res = await request(t.app).post('/api/login').send(body).expect(401);
      expect(res.body).toEqual({ code: 401, message: expect.any(String), details: ['invalid_credentials'] });
    }
  });

  it('has no identity-provider login unless one is configured: a bearer with no body is not a login', async () => {
    const { accessToken: access_token } = await login(t);
    await request(t.app).post('/api/login').set('Authorization', `Bearer ${access_token}`).expect(400);
  });
});

describe('GET /api/login/refresh', () => {
  it('answers exactly { access_token } for the refresh token as bearer, and (no rotation) the same token works twice', async () => {
    const { refreshToken: refresh_token } = await login(t);
    for (let i = 0; i < 2; i++) {
      t.clock.advance(11 * 60_000); // past the previous access token's life
      const res = await refresh(t, refresh_token).expect(200);
      expect(Object.keys(res.body)).toEqual(['access_token']);
      const claims = claimsOf(res.body.access_token as string);
      expect(claims).toMatchObject({ iss: 'datarhei-core', sub: 'admin', uid: '1', usefor: 'access', exi: 600 });
      await request(t.app)
        .get('/api/protected')
        .set('Authorization', `Bearer ${res.body.access_token as string}`)
        .expect(200);
    }
  });

  it('refuses the refresh token once its 24 hours are over', async () => {
    const { refreshToken: refresh_token } = await login(t);
    t.clock.advance(86400 * 1000 + 1000);
    const res = await refresh(t, refresh_token).expect(401);
    expect(res.body).toEqual({ code: 401, message: expect.any(String), details: ['token_revoked'] });
  });

  it('refuses an access token, a missing token, and a refresh token in a POST', async () => {
    const { accessToken: access_token, refreshToken: refresh_token } = await login(t);
    expect((await refresh(t, access_token).expect(401)).body.details).toEqual(['token_invalid']);
    expect((await request(t.app).get('/api/login/refresh').expect(401)).body.details).toEqual(['token_missing']);
    // The path serves GET only: a POST is 405 with Allow, and spends nothing.
    const post = await request(t.app)
      .post('/api/login/refresh')
      .set('Authorization', `Bearer ${refresh_token}`)
      .expect(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    expect(post.body).toEqual({ code: 405, message: expect.any(String), details: ['method_not_allowed'] });
    await refresh(t, refresh_token).expect(200);
  });

  it('a refresh token is not an access token for /api/v3-style guarded routes', async () => {
    const { refreshToken: refresh_token } = await login(t);
    const res = await request(t.app).get('/api/protected').set('Authorization', `Bearer ${refresh_token}`).expect(401);
    expect(res.body).toEqual({ code: 401, message: expect.any(String), details: ['token_invalid'] });
  });
});

describe('with refresh: { rotate: true }', () => {
  beforeEach(async () => {
    await t.close();
    t = await createTestApp({ preset: 'datarhei', rateLimit: false, sessions: { refresh: { rotate: true } } });
  });

  it('answers { access_token, refresh_token } and the used refresh token is consumed', async () => {
    const { refreshToken: refresh_token } = await login(t);
    const res = await refresh(t, refresh_token).expect(200);
    expect(Object.keys(res.body).sort()).toEqual(['access_token', 'refresh_token']);
    expect(claimsOf(res.body.refresh_token as string)).toMatchObject({ iss: 'datarhei-core', usefor: 'refresh' });
    t.clock.advance(31_000); // past the rotation grace window
    expect((await refresh(t, refresh_token).expect(401)).body.details).toEqual(['token_revoked']);
    // Reuse revoked the family, the newest token included.
    await refresh(t, res.body.refresh_token as string).expect(401);
  });
});

describe('second factor on the datarhei preset', () => {
  it('lets a user with an emailed second factor finish logging in at /api/login/tfa/verify', async () => {
    const app = await createTestApp({ preset: 'datarhei' });
    try {
      const started = await request(app.app).post('/api/login').send({ username: 'user', password: PASSWORDS.user });
      expect(started.status).toBe(200);
      expect(started.body.access_token).toBeUndefined();
      const code = app.mailer.last('user@example.com')!.code;
      const done = await request(app.app)
        .post('/api/login/tfa/verify')
        .set('Authorization', `Bearer ${started.body.challengeToken}`)
        .send({ code });
      expect(done.status).toBe(200);
      expect(Object.keys(done.body).sort()).toEqual(['access_token', 'refresh_token']);
    } finally {
      await app.close();
    }
  });
});
