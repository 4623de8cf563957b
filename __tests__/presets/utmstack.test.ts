// The utmstack preset, exactly as seeds 000/001 describe it: POST/GET /api/authenticate and GET /api/account, HS512, 24 h / 30 d.
import { createHmac } from 'node:crypto';
import request from 'supertest';
import {
  createFakeClock,
  createTestApp,
  demoUsers,
  PASSWORDS,
  TEST_SECRET,
  type CreateTestAppOptions,
  type TestApp,
} from '../helpers/create-app';
import { utmstackEmailChallenge } from '../helpers/utmstack';

let t: TestApp;

async function start(options: CreateTestAppOptions = {}): Promise<void> {
  t = await createTestApp({ preset: 'utmstack', ...options });
}

beforeEach(() => start());

afterEach(async () => {
  await t.close();
});

function authenticate(body: Record<string, unknown>) {
  return request(t.app).post('/api/authenticate').send(body);
}

function decode(token: string, part: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[part] as string, 'base64url').toString()) as Record<string, unknown>;
}

describe('POST /api/authenticate', () => {
  it('answers the documented fields exactly, and the token again in an Authorization: Bearer header', async () => {
    const res = await authenticate({ username: 'admin', password: PASSWORDS.admin, rememberMe: false });
    expect(t.base).toBe('/api');
    expect(res.status).toBe(200);
    expect(res.body).toStrictEqual({
      token: expect.any(String),
      // UTMStack's frontends store `id_token` (utmstack/UTMStack UserJWTController.JWTToken, @JsonProperty("id_token")).
      id_token: res.body.token,
      success: true,
      authenticated: true,
      method: null,
      tfaConfigured: false,
      forceTfa: false,
      tfaExpiresInSeconds: 0,
      firstLogin: true,
    });
    expect(res.headers.authorization).toBe(`Bearer ${res.body.token}`);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.pragma).toBe('no-cache');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('signs HS512 tokens carrying the authorities in auth', async () => {
    const { body } = await authenticate({ username: 'admin', password: PASSWORDS.admin });
    expect(decode(body.token as string, 0)).toEqual({ alg: 'HS512', typ: 'at+jwt', kid: expect.any(String) });
    // As the seed's token: `sub` is the login; the stable user id rides along in `uid`.
    expect(decode(body.token as string, 1)).toMatchObject({
      sub: 'admin',
      uid: '1',
      auth: 'ROLE_ADMIN,ROLE_USER',
      usefor: 'access',
    });
  });

  it('gives 24 hours, or 30 days with rememberMe', async () => {
    for (const [rememberMe, seconds] of [
      [false, 86400],
      [true, 30 * 86400],
    ] as const) {
      const claims = decode(
        (await authenticate({ username: 'admin', password: PASSWORDS.admin, rememberMe })).body.token as string,
        1,
      );
      expect((claims.exp as number) - (claims.iat as number)).toBe(seconds);
      expect(claims.exi).toBe(seconds);
    }
  });

  it('takes an email address as the username, and rememberMe may be left out', async () => {
    const res = await authenticate({ username: 'admin@example.com', password: PASSWORDS.admin });
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
  });

  it('reports firstLogin only the first time', async () => {
    expect((await authenticate({ username: 'guest', password: PASSWORDS.guest })).body.firstLogin).toBe(true);
    expect((await authenticate({ username: 'guest', password: PASSWORDS.guest })).body.firstLogin).toBe(false);
  });

  it('issues no refresh token: UTMStack clients log in again', async () => {
    const res = await authenticate({ username: 'admin', password: PASSWORDS.admin });
    expect(Object.keys(res.body as object)).not.toContain('refreshToken');
    expect(await request(t.app).post('/api/token/refresh').send({})).toHaveProperty('status', 404);
  });

  it('answers 401 with no token for a wrong password, an unknown user and a disabled user, identically', async () => {
    const answers = [
      await authenticate({ username: 'admin', password: 'wrong-password' }),
      await authenticate({ username: 'nobody', password: PASSWORDS.admin }),
      await authenticate({ username: 'disabled', password: PASSWORDS.disabled }),
    ];
    for (const res of answers) {
      expect(res.status).toBe(401);
      expect(res.text).toBe(answers[0]?.text);
      expect(res.headers.authorization).toBeUndefined();
    }
  });

  it('answers 403 to an expired password after the right password', async () => {
    const res = await authenticate({ username: 'expired', password: PASSWORDS.expired });
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('password_expired');
    expect(res.headers.authorization).toBeUndefined();
  });

  it('starts the email second factor with success and authenticated false, and no Authorization header', async () => {
    const res = await authenticate({ username: 'user', password: PASSWORDS.user });
    expect(res.status).toBe(200);
    // Now success: true and forceTfa: true on a challenge, as UTMStack's backend answers (DESIGN "The seed presets";
    // utmstack/UTMStack LoginResponseDTO via UserJWTController.authorize): authenticated false is what says "not yet".
    expect(res.body).toStrictEqual(utmstackEmailChallenge());
    expect(res.headers.authorization).toBeUndefined();
    // The challenge token opens nothing.
    const account = await request(t.app).get('/api/account').set('Authorization', `Bearer ${res.body.token}`);
    expect(account.status).toBe(401);
  });
});

describe('GET /api/authenticate', () => {
  it('answers the login as plain text to a valid token', async () => {
    const { body } = await authenticate({ username: 'Admin@Example.com', password: PASSWORDS.admin });
    const res = await request(t.app).get('/api/authenticate').set('Authorization', `Bearer ${body.token}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.text).toBe('admin');
  });

  it('answers 401 without a token, with a bad one, and with an expired one', async () => {
    expect((await request(t.app).get('/api/authenticate')).status).toBe(401);
    expect((await request(t.app).get('/api/authenticate').set('Authorization', 'Bearer nonsense')).status).toBe(401);
    const { body } = await authenticate({ username: 'admin', password: PASSWORDS.admin });
    t.clock.advance((86400 + 31) * 1000);
    const expired = await request(t.app).get('/api/authenticate').set('Authorization', `Bearer ${body.token}`);
    expect(expired.status).toBe(401);
    expect(expired.body.error).toBe('token_expired');
  });

  it('does not take an HS256 token signed with the same secret', async () => {
    const now = Math.floor(t.clock() / 1000);
    const input = `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from(
      JSON.stringify({ sub: '1', auth: 'ROLE_ADMIN', usefor: 'access', iat: now, exp: now + 60, exi: 60, jti: 'x' }),
    ).toString('base64url')}`;
    const token = `${input}.${createHmac('sha256', TEST_SECRET).update(input).digest('base64url')}`;
    expect((await request(t.app).get('/api/authenticate').set('Authorization', `Bearer ${token}`)).status).toBe(401);
  });
});

describe('GET /api/account', () => {
  it('answers the documented fields, with a numeric id', async () => {
    const { body } = await authenticate({ username: 'admin', password: PASSWORDS.admin });
    const res = await request(t.app).get('/api/account').set('Authorization', `Bearer ${body.token}`);
    expect(res.status).toBe(200);
    expect(res.body).toStrictEqual({
      id: 1,
      login: 'admin',
      firstName: 'Admin',
      lastName: 'User',
      email: 'admin@example.com',
      imageUrl: null,
      activated: true,
      langKey: 'en',
      authorities: ['ROLE_ADMIN', 'ROLE_USER'],
    });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('sends null for names a user does not have, and keeps a non-numeric id a string', async () => {
    await t.close();
    const clock = createFakeClock();
    const [admin] = await demoUsers(clock);
    await start({
      clock,
      seedUsers: [
        {
          ...admin!,
          id: 'a1b2',
          firstName: undefined,
          lastName: null,
          langKey: 'fr',
          imageUrl: 'https://example.com/a.png',
        },
      ],
    });
    const { body } = await authenticate({ username: 'admin', password: PASSWORDS.admin });
    const res = await request(t.app).get('/api/account').set('Authorization', `Bearer ${body.token}`);
    expect(res.body).toMatchObject({
      id: 'a1b2',
      firstName: null,
      lastName: null,
      langKey: 'fr',
      imageUrl: 'https://example.com/a.png',
    });
  });

  it('answers 401 without a token, and once the user is disabled', async () => {
    const missing = await request(t.app).get('/api/account');
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="api"');
    const { body } = await authenticate({ username: 'guest', password: PASSWORDS.guest });
    t.users.update('3', { disabled: true });
    const res = await request(t.app).get('/api/account').set('Authorization', `Bearer ${body.token}`);
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('token_revoked');
  });
});
