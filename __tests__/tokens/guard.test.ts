// requireAuth(): the bearer guard's answers (RFC 6750 challenges, distinct codes, roles) and the standalone form.
import express from 'express';
import request from 'supertest';
import type * as Lib from '../../lib';
import { createTestApp, PASSWORDS, TEST_SECRET, type TestApp } from '../helpers/create-app';
import { loginToken } from '../helpers/session';

let t: TestApp;

beforeEach(async () => {
  t = await createTestApp();
});

afterEach(async () => {
  await t.close();
});

function get(path: string, authorization?: string) {
  const req = request(t.app).get(path);
  return authorization === undefined ? req : req.set('Authorization', authorization);
}

describe('a valid access token', () => {
  it('passes and sets a typed req.auth', async () => {
    const res = await get('/api/protected', `Bearer ${await loginToken(t, 'guest')}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ userId: '3', authorities: ['ROLE_USER'], method: 'token' });
  });

  it.each(['Bearer', 'bearer', 'BEARER', 'bEaReR'])('is read under the scheme spelled %s', async (scheme) => {
    const res = await get('/api/protected', `${scheme} ${await loginToken(t, 'guest')}`);
    expect(res.status).toBe(200);
  });
});

describe('refusals, each with its own code', () => {
  function expectChallenge(res: request.Response, code: string, description: string): void {
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: code, message: description });
    expect(res.headers['www-authenticate']).toBe(
      `Bearer realm="api", error="invalid_token", error_description="${description}"`,
    );
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  }

  it('no Authorization header: token_missing, with a challenge and no error code (RFC 6750 §3.1)', async () => {
    const res = await get('/api/protected');
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      error: 'token_missing',
      message: 'No access token or API key was sent: put one in the Authorization header (Bearer <token or key>).',
    });
    expect(res.headers['www-authenticate']).toBe('Bearer realm="api"');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it.each([
    ['Basic', 'Basic YWRtaW46YWRtaW4tcGFzc3dvcmQ='],
    ['Token', 'Token abc.def.ghi'],
    ['no space after Bearer', 'Bearerabc.def.ghi'],
    ['Bearer alone', 'Bearer'],
    ['Bearer and blanks', 'Bearer    '],
    ['a bare token (no scheme)', 'eyJhbGciOiJIUzI1NiJ9.e30.sig'],
  ])('another scheme (%s) counts as no bearer token: token_missing', async (_name, header) => {
    const res = await get('/api/protected', header);
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('token_missing');
    expect(res.headers['www-authenticate']).toBe('Bearer realm="api"');
  });

  it('a malformed token: token_malformed', async () => {
    expectChallenge(
      await get('/api/protected', 'Bearer not-a-jwt'),
      'token_malformed',
      'The access token is malformed.',
    );
    expectChallenge(await get('/api/protected', 'Bearer a.b'), 'token_malformed', 'The access token is malformed.');
  });

  it('a tampered token: token_invalid', async () => {
    const [header, payload, signature] = (await loginToken(t, 'guest')).split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const elevated = Buffer.from(JSON.stringify({ ...claims, auth: 'ROLE_ADMIN,ROLE_USER' })).toString('base64url');
    expectChallenge(
      await get('/api/admin', `Bearer ${header}.${elevated}.${signature}`),
      'token_invalid',
      'The access token is invalid.',
    );
  });

  it('an expired token: token_expired, once past exp and the 30 s skew', async () => {
    const token = await loginToken(t, 'guest');
    t.clock.advance((900 + 29) * 1000);
    expect((await get('/api/protected', `Bearer ${token}`)).status).toBe(200);
    t.clock.advance(1000);
    expectChallenge(await get('/api/protected', `Bearer ${token}`), 'token_expired', 'The access token has expired.');
  });

  it('a refresh token or a second-factor challenge token is not an access token: token_invalid', async () => {
    const login = await request(t.app).post('/auth/login').send({ username: 'guest', password: PASSWORDS.guest });
    expectChallenge(
      await get('/api/protected', `Bearer ${login.body.refreshToken}`),
      'token_invalid',
      'This is a refresh token, not an access token.',
    );
    const challenge = await request(t.app).post('/auth/login').send({ username: 'user', password: PASSWORDS.user });
    expect(challenge.body.tfaRequired).toBe(true);
    expectChallenge(
      await get('/api/protected', `Bearer ${challenge.body.challengeToken}`),
      'token_invalid',
      'This is a second-factor challenge token, not an access token.',
    );
  });

  it('the four codes are distinct in the body and in error_description', async () => {
    const token = await loginToken(t, 'guest');
    const answers = [
      await get('/api/protected'),
      await get('/api/protected', 'Bearer x'),
      await get('/api/protected', `Bearer ${token}x`),
    ];
    t.clock.advance(3600_000);
    answers.push(await get('/api/protected', `Bearer ${token}`));
    expect(answers.map((res) => res.body.error)).toEqual([
      'token_missing',
      'token_malformed',
      'token_invalid',
      'token_expired',
    ]);
    expect(new Set(answers.map((res) => res.headers['www-authenticate'])).size).toBe(4);
  });
});

describe('roles', () => {
  it('answers 403 insufficient_scope when the user lacks every role asked for', async () => {
    const res = await get('/api/admin', `Bearer ${await loginToken(t, 'guest')}`);
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: 'forbidden', message: 'You do not have the authority this requires.' });
    expect(res.headers['www-authenticate']).toBe('Bearer realm="api", error="insufficient_scope"');
  });

  it('lets a user with the role through', async () => {
    const res = await get('/api/admin', `Bearer ${await loginToken(t, 'admin')}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ userId: '1' });
  });

  it('needs any one of the roles listed', async () => {
    const app = express();
    app.get('/either', t.auth.requireAuth({ roles: ['ROLE_AUDITOR', 'ROLE_USER'] }), (_req, res) =>
      res.json({ ok: true }),
    );
    app.get('/neither', t.auth.requireAuth({ roles: ['ROLE_AUDITOR', 'ROLE_OPS'] }), (_req, res) =>
      res.json({ ok: true }),
    );
    const token = await loginToken(t, 'guest');
    expect((await request(app).get('/either').set('Authorization', `Bearer ${token}`)).status).toBe(200);
    expect((await request(app).get('/neither').set('Authorization', `Bearer ${token}`)).status).toBe(403);
  });

  it('refuses bad roles at start-up with a TypeError', () => {
    expect(() => t.auth.requireAuth({ roles: 'ROLE_ADMIN' as unknown as string[] })).toThrow(TypeError);
    expect(() => t.auth.requireAuth({ roles: [''] })).toThrow(/"roles" must be an array of non-empty strings/);
  });
});

describe('where the token may come from', () => {
  it.each(['access_token', 'token', 'jwt', 'authorization'])(
    'ignores a token in the query string (?%s=)',
    async (name) => {
      const token = await loginToken(t, 'admin');
      const res = await get(`/api/protected?${name}=${encodeURIComponent(token)}`);
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('token_missing');
    },
  );

  it('ignores a token in a cookie', async () => {
    const token = await loginToken(t, 'admin');
    const res = await request(t.app).get('/api/protected').set('Cookie', `access_token=${token}; token=${token}`);
    expect(res.body.error).toBe('token_missing');
  });

  it('never echoes the token it refused', async () => {
    const token = await loginToken(t, 'guest');
    const res = await get('/api/admin', `Bearer ${token}`);
    expect(res.text).not.toContain(token);
    expect(JSON.stringify(res.headers)).not.toContain(token);
  });
});

describe('the standalone requireAuth()', () => {
  it('throws before any createAuthRouter(), saying what to mount', () => {
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const fresh = require('../../lib') as typeof Lib;
      let error: unknown;
      try {
        fresh.requireAuth();
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toMatch(/createAuthRouter\(options\)/);
      expect((error as Error).message).toMatch(/app\.use\("\/api", createAuthRouter\(options\)\)/);
    });
  });

  it('guards with the last router made by createAuthRouter()', async () => {
    let lib!: typeof Lib;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      lib = require('../../lib') as typeof Lib;
    });
    const app = express();
    const router = lib.createAuthRouter({
      secret: TEST_SECRET,
      users: t.users,
      stateStore: t.state,
      clock: t.clock,
      logger: t.logger,
      passwords: { bcryptCost: 4 },
    });
    app.use('/auth', router);
    app.get('/api/mine', lib.requireAuth({ roles: ['ROLE_ADMIN'] }), (req, res) =>
      res.json({ userId: req.auth?.userId }),
    );
    try {
      const login = await request(app).post('/auth/login').send({ username: 'admin', password: PASSWORDS.admin });
      expect(
        (await request(app).get('/api/mine').set('Authorization', `Bearer ${login.body.accessToken}`)).body,
      ).toEqual({ userId: '1' });
      expect((await request(app).get('/api/mine')).status).toBe(401);
    } finally {
      await router.auth.shutdown();
    }
  });
});
