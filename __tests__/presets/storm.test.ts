// The storm preset (seed 002): POST /api/auth/login's body, `{message}` errors, 900 s tokens, 5 attempts a minute per IP.
import request from 'supertest';
import { createTestApp, PASSWORDS, type TestApp } from '../helpers/create-app';
import { claimsOf } from '../helpers/session';

const LOGIN = '/api/auth/login';

let t: TestApp;

beforeEach(async () => {
  t = await createTestApp({ preset: 'storm' });
});

afterEach(async () => {
  await t.close();
});

describe('storm login success', () => {
  it('answers exactly the seed body: data, meta and message, with times in milliseconds', async () => {
    t.clock.advance(1); // the seed's remainingTime is 899999: tokens count whole seconds from the login's second
    const now = t.clock();
    const res = await request(t.app).post(LOGIN).send({ username: 'admin', password: PASSWORDS.admin });

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(Object.keys(res.body).sort()).toEqual(['data', 'message', 'meta']);
    expect(Object.keys(res.body.data).sort()).toEqual([
      'accessToken',
      'expireDate',
      'message',
      'remainingTime',
      'tokenType',
      'username',
    ]);
    expect(Object.keys(res.body.meta).sort()).toEqual(['executionTime', 'generatedAt']);
    expect(res.body).toEqual({
      data: {
        accessToken: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
        tokenType: 'Bearer',
        expireDate: now - 1 + 900_000,
        remainingTime: 899_999,
        username: 'admin',
        message: 'Authentication successful',
      },
      meta: { executionTime: 0, generatedAt: now },
      message: 'Authentication successful',
    });
    expect(Number.isInteger(res.body.data.expireDate)).toBe(true);
    expect(res.body.data.expireDate - res.body.meta.generatedAt).toBe(res.body.data.remainingTime);
  });

  it('issues a 900 s access token that the guard accepts, then refuses once it has expired', async () => {
    const res = await request(t.app).post(LOGIN).send({ username: 'guest@example.com', password: PASSWORDS.guest });
    expect(res.status).toBe(200);
    expect(res.body.data.username).toBe('guest');
    const token = res.body.data.accessToken as string;
    const claims = claimsOf(token);
    expect(claims.exp).toBe((claims.iat as number) + 900);
    expect(claims.exi).toBe(900);
    expect(claims.usefor).toBe('access');
    expect(res.body).not.toHaveProperty('data.refreshToken');

    const ok = await request(t.app).get('/api/protected').set('Authorization', `Bearer ${token}`);
    expect(ok.status).toBe(200);
    expect(ok.body.userId).toBe('3');

    t.clock.advance((900 + 31) * 1000); // past the lifetime and the 30 s of tolerated skew
    const late = await request(t.app).get('/api/protected').set('Authorization', `Bearer ${token}`);
    expect(late.status).toBe(401);
    expect(late.body).toEqual({ message: 'The access token has expired.' });
  });

  it('keeps 900 s even when rememberMe is asked for', async () => {
    const res = await request(t.app)
      .post(LOGIN)
      .send({ username: 'admin', password: PASSWORDS.admin, rememberMe: true });
    expect(res.status).toBe(200);
    const claims = claimsOf(res.body.data.accessToken);
    expect(claims.exi).toBe(900);
  });
});

describe('storm errors are {message} only', () => {
  it('answers a wrong password and an unknown user with the seed message, identically', async () => {
    const wrong = await request(t.app).post(LOGIN).send({ username: 'admin', password: 'not-the-password' });
    const unknown = await request(t.app).post(LOGIN).send({ username: 'nobody', password: 'not-the-password' });
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ message: 'Username or password is incorrect' });
    }
    expect(unknown.text).toBe(wrong.text);
  });

  it('answers a missing field and a non-JSON body with 400 {message}', async () => {
    const missing = await request(t.app).post(LOGIN).send({ username: 'admin' });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ message: 'The field "password" is required.' });

    const text = await request(t.app).post(LOGIN).set('Content-Type', 'text/plain').send('username=admin');
    expect(text.status).toBe(400);
    expect(Object.keys(text.body)).toEqual(['message']);
  });

  it('answers an expired password with 403 {message} only after the right password', async () => {
    const wrong = await request(t.app).post(LOGIN).send({ username: 'expired', password: 'wrong-password' });
    expect(wrong.status).toBe(401);
    const right = await request(t.app).post(LOGIN).send({ username: 'expired', password: PASSWORDS.expired });
    expect(right.status).toBe(403);
    expect(right.body).toEqual({ message: 'The password has expired and must be changed.' });
  });
});

describe('storm rate limit: at most 5 login attempts a minute per IP', () => {
  it('answers the sixth attempt with 429, Retry-After and the standard RateLimit headers, in {message}', async () => {
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      const res = await request(t.app)
        .post(LOGIN)
        .send({ username: 'admin', password: `wrong-${attempt}` });
      expect(res.status).toBe(401);
      expect(res.headers.ratelimit).toMatch(new RegExp(`^"login"; r=${5 - attempt}; t=\\d+$`));
      expect(res.headers['ratelimit-policy']).toMatch(/^"login"; q=5; w=60; pk=:[A-Za-z0-9+/=]+:$/);
    }
    // Even the right password: the limiter answers before any password is looked at.
    const sixth = await request(t.app).post(LOGIN).send({ username: 'admin', password: PASSWORDS.admin });
    expect(sixth.status).toBe(429);
    expect(sixth.body).toEqual({ message: 'Too many login attempts, please try again later' });
    const retryAfter = Number(sixth.headers['retry-after']);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(sixth.headers.ratelimit).toMatch(/^"login"; r=0; t=\d+$/);
    expect(sixth.headers['ratelimit-policy']).toMatch(/^"login"; q=5; w=60; pk=:[A-Za-z0-9+/=]+:$/);
    expect(sixth.headers['x-ratelimit-limit']).toBeUndefined(); // legacy headers are off
  });

  it('counts successful logins and malformed requests as attempts too', async () => {
    await request(t.app).post(LOGIN).send({ username: 'admin', password: PASSWORDS.admin }).expect(200);
    await request(t.app).post(LOGIN).send({ username: 'admin', password: PASSWORDS.admin }).expect(200);
    await request(t.app).post(LOGIN).send({}).expect(400);
    await request(t.app).post(LOGIN).set('Content-Type', 'application/json').send('{not json').expect(400);
    await request(t.app).post(LOGIN).send({ username: 'guest', password: PASSWORDS.guest }).expect(200);
    const sixth = await request(t.app).post(LOGIN).send({ username: 'guest', password: PASSWORDS.guest });
    expect(sixth.status).toBe(429);
    expect(sixth.body).toEqual({ message: 'Too many login attempts, please try again later' });
  });

  it("honours a host's own limit over the preset's", async () => {
    const loose = await createTestApp({ preset: 'storm', rateLimit: { credentials: { limit: 7, window: '1m' } } });
    try {
      for (let attempt = 1; attempt <= 7; attempt += 1) {
        await request(loose.app).post(LOGIN).send({ username: 'admin', password: 'wrong' }).expect(401);
      }
      const eighth = await request(loose.app).post(LOGIN).send({ username: 'admin', password: 'wrong' });
      expect(eighth.status).toBe(429);
      expect(eighth.headers['ratelimit-policy']).toMatch(/^"login"; q=7; w=60;/);
    } finally {
      await loose.close();
    }
  });
});
