// Refusals name the credential a route expects and what was wrong with it (issue 21), on the default preset; the
// codes and statuses are the ones clients switch on, unchanged.
import request from 'supertest';
import { createTestApp, PASSWORDS, type CreateTestAppOptions, type TestApp } from '../helpers/create-app';
import { challenge, login } from '../helpers/session';

let t: TestApp;

async function start(options: CreateTestAppOptions = {}): Promise<void> {
  t = await createTestApp(options);
}

afterEach(async () => {
  await t.close();
});

async function apiKey(): Promise<string> {
  const { accessToken } = await login(t, 'admin');
  const res = await request(t.app)
    .post('/auth/api-keys')
    .set('Authorization', `Bearer ${accessToken}`)
    .send({ name: 'ci', password: PASSWORDS.admin });
  expect(res.status).toBe(201);
  return res.body.key as string;
}

function expectRefusal(res: request.Response, code: string, message: string): void {
  expect({ status: res.status, body: res.body }).toEqual({ status: 401, body: { error: code, message } });
}

describe('an access token', () => {
  beforeEach(() => start());

  it('missing on a token-only route: says which token, and where it goes', async () => {
    const res = await request(t.app).get('/auth/sessions');
    expectRefusal(
      res,
      'token_missing',
      'No access token was sent: put it in the Authorization header (Bearer <token>).',
    );
  });

  it('missing on a route that also takes API keys: names both', async () => {
    const res = await request(t.app).get('/api/protected');
    expectRefusal(
      res,
      'token_missing',
      'No access token or API key was sent: put one in the Authorization header (Bearer <token or key>).',
    );
  });

  it('an API key on a token-only route: this route takes an access token, not an API key', async () => {
    const key = await apiKey();
    for (const path of ['/auth/sessions', '/api/tokens-only']) {
      expectRefusal(
        await request(t.app).get(path).set('Authorization', `Bearer ${key}`),
        'token_malformed',
        'This route takes an access token, not an API key.',
      );
    }
    // The same key is good where keys are: only the route's refusal changed.
    expect((await request(t.app).get('/api/protected').set('Authorization', `Bearer ${key}`)).status).toBe(200);
  });

  it('malformed: the access token is malformed', async () => {
    const res = await request(t.app).get('/auth/sessions').set('Authorization', 'Bearer not-a-jwt');
    expectRefusal(res, 'token_malformed', 'The access token is malformed.');
    expect(res.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="invalid_token", error_description="The access token is malformed."',
    );
  });

  it('a refresh token or a challenge token in its place: says what it is and what was expected', async () => {
    const { refreshToken } = await login(t, 'guest');
    expectRefusal(
      await request(t.app).get('/auth/sessions').set('Authorization', `Bearer ${refreshToken}`),
      'token_invalid',
      'This is a refresh token, not an access token.',
    );
    expectRefusal(
      await request(t.app)
        .get('/api/protected')
        .set('Authorization', `Bearer ${(await challenge(t)).token}`),
      'token_invalid',
      'This is a second-factor challenge token, not an access token.',
    );
  });

  it('expired, and ended by log out everywhere: named', async () => {
    const { accessToken } = await login(t, 'guest');
    expect((await request(t.app).post('/auth/logout/all').set('Authorization', `Bearer ${accessToken}`)).status).toBe(
      204,
    );
    expectRefusal(
      await request(t.app).get('/auth/sessions').set('Authorization', `Bearer ${accessToken}`),
      'token_revoked',
      'The access token has been revoked: log in again.',
    );
    const fresh = await login(t, 'guest');
    t.clock.advance(24 * 3600 * 1000);
    expectRefusal(
      await request(t.app).get('/api/protected').set('Authorization', `Bearer ${fresh.accessToken}`),
      'token_expired',
      'The access token has expired.',
    );
  });
});

describe('an access token, with keys in X-API-Key', () => {
  beforeEach(() => start({ apiKeys: { header: 'x-api-key' } }));

  it('a key in X-API-Key on a token-only route: this route takes an access token, not an API key', async () => {
    const key = await apiKey();
    expectRefusal(
      await request(t.app).get('/auth/sessions').set('X-API-Key', key),
      'token_missing',
      'This route takes an access token, not an API key.',
    );
    expect((await request(t.app).get('/api/protected').set('X-API-Key', key)).status).toBe(200);
  });

  it('nothing at all where both are taken: says where each goes', async () => {
    expectRefusal(
      await request(t.app).get('/api/protected'),
      'token_missing',
      'No access token or API key was sent: put a token in the Authorization header (Bearer <token>), or a key in the X-API-Key header.',
    );
  });
});

describe('a refresh token', () => {
  beforeEach(() => start());

  it("missing: names the body's refreshToken field and the header", async () => {
    for (const res of [
      await request(t.app).post('/auth/token/refresh').send({}),
      await request(t.app).post('/auth/token/refresh'),
    ]) {
      expectRefusal(
        res,
        'token_missing',
        "No refresh token was sent: put it in the body's refreshToken field or the Authorization header (Bearer <token>).",
      );
    }
  });

  it('malformed, in the body or as bearer: the refresh token is malformed', async () => {
    expectRefusal(
      await request(t.app).post('/auth/token/refresh').send({ refreshToken: 'not-a-jwt' }),
      'token_malformed',
      'The refresh token is malformed.',
    );
    expectRefusal(
      await request(t.app).post('/auth/token/refresh').set('Authorization', 'Bearer a.b'),
      'token_malformed',
      'The refresh token is malformed.',
    );
  });

  it('an access token in its place: this is not a refresh token', async () => {
    const { accessToken } = await login(t, 'guest');
    expectRefusal(
      await request(t.app).post('/auth/token/refresh').send({ refreshToken: accessToken }),
      'token_invalid',
      'This is an access token, not a refresh token.',
    );
  });

  it('an API key in its place: this route takes a refresh token, not an API key', async () => {
    const key = await apiKey();
    expectRefusal(
      await request(t.app).post('/auth/token/refresh').send({ refreshToken: key }),
      'token_malformed',
      'This route takes a refresh token, not an API key.',
    );
  });

  it('used after log out: revoked, log in again', async () => {
    const { refreshToken } = await login(t, 'guest');
    expect((await request(t.app).post('/auth/logout').send({ refreshToken })).status).toBe(204);
    expectRefusal(
      await request(t.app).post('/auth/token/refresh').send({ refreshToken }),
      'token_revoked',
      'The refresh token has been revoked: log in again.',
    );
  });

  it('with the cookie transport, missing: the refresh cookie is named too', async () => {
    await t.close();
    await start({ cookies: { trustedOrigins: ['https://app.example'] } });
    expectRefusal(
      await request(t.app).post('/auth/token/refresh').send({}),
      'token_missing',
      "No refresh token was sent: put it in the body's refreshToken field, the Authorization header (Bearer <token>) or the refresh cookie.",
    );
  });
});

describe('logout: a refresh token or an access token', () => {
  beforeEach(() => start());

  it('missing, malformed, or of a third kind: named as such', async () => {
    expectRefusal(
      await request(t.app).post('/auth/logout').send({}),
      'token_missing',
      "No refresh token (or access token) was sent: put it in the body's refreshToken field or the Authorization header (Bearer <token>).",
    );
    expectRefusal(
      await request(t.app).post('/auth/logout').send({ refreshToken: 'not-a-jwt' }),
      'token_malformed',
      'The refresh or access token is malformed.',
    );
    expectRefusal(
      await request(t.app)
        .post('/auth/logout')
        .send({ refreshToken: (await challenge(t)).token }),
      'token_invalid',
      'This is a second-factor challenge token, not a refresh token.',
    );
  });

  it('an expired access token is told it expired (not that it is no refresh token)', async () => {
    const { accessToken } = await login(t, 'guest');
    t.clock.advance(24 * 3600 * 1000);
    expectRefusal(
      await request(t.app).post('/auth/logout').set('Authorization', `Bearer ${accessToken}`),
      'token_expired',
      'The refresh or access token has expired: log in again.',
    );
  });
});

describe('the second-factor challenge token', () => {
  beforeEach(() => start());

  it('missing: names it and where it goes', async () => {
    for (const path of ['/auth/tfa/verify', '/auth/tfa/resend']) {
      expectRefusal(
        await request(t.app).post(path).send({ code: '123456' }),
        'token_missing',
        'No second-factor challenge token was sent: put the one the login answered in the Authorization header (Bearer <token>).',
      );
    }
  });

  it('malformed, an access token, an API key: each named', async () => {
    const verify = (token: string) =>
      request(t.app).post('/auth/tfa/verify').set('Authorization', `Bearer ${token}`).send({ code: '123456' });
    expectRefusal(await verify('not-a-jwt'), 'token_malformed', 'The second-factor challenge token is malformed.');
    expectRefusal(
      await verify((await login(t, 'guest')).accessToken),
      'token_invalid',
      'This is an access token, not a second-factor challenge token.',
    );
    expectRefusal(
      await verify(await apiKey()),
      'token_malformed',
      'This route takes a second-factor challenge token, not an API key.',
    );
  });

  it('expired: log in again', async () => {
    const token = (await challenge(t)).token;
    t.clock.advance(3600 * 1000);
    const res = await request(t.app)
      .post('/auth/tfa/verify')
      .set('Authorization', `Bearer ${token}`)
      .send({ code: '123456' });
    expectRefusal(res, 'token_expired', 'The second-factor challenge token has expired: log in again.');
  });
});

describe('API keys', () => {
  beforeEach(() => start());

  it('a deleted key keeps its own message: the API key is invalid', async () => {
    const { accessToken } = await login(t, 'admin');
    const created = await request(t.app)
      .post('/auth/api-keys')
      .set('Authorization', `Bearer ${accessToken}`)
      .send({ name: 'ci', password: PASSWORDS.admin });
    const { id, key } = created.body as { id: string; key: string };
    expect(
      (await request(t.app).delete(`/auth/api-keys/${id}`).set('Authorization', `Bearer ${accessToken}`)).status,
    ).toBe(204);
    expectRefusal(
      await request(t.app).get('/api/protected').set('Authorization', `Bearer ${key}`),
      'api_key_invalid',
      'The API key is invalid.',
    );
  });
});
