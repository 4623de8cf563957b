// Identity-provider login (Auth0-style) on the datarhei preset, against a real JWKS server on loopback.
import request from 'supertest';
import { SignJWT, type JWTPayload } from 'jose';
import type { AuthEvent, AuthOptions, ExternalIdentityProviderOptions } from '../../lib';
import { createTestApp, type TestApp } from '../helpers/create-app';
import {
  createIdpKey,
  signIdpToken,
  startJwksServer,
  unusedLoopbackUrl,
  type IdpKey,
  type JwksServer,
} from '../helpers/jwks-server';
import { claimsOf, login } from '../helpers/session';

const ISSUER = 'https://tenant.idp.example/';
const AUDIENCE = 'https://core.example/api';
const ALICE = 'auth0|alice';

let keyA: IdpKey;
let keyB: IdpKey;
let impostor: IdpKey; // another key pair, named like the published one
beforeAll(async () => {
  [keyA, keyB, impostor] = await Promise.all([createIdpKey('key-a'), createIdpKey('key-b'), createIdpKey('key-a')]);
});

let jwks: JwksServer;
let t: TestApp;

async function startApp(
  idp: Partial<ExternalIdentityProviderOptions> = {},
  options: Partial<AuthOptions> = {},
): Promise<void> {
  t = await createTestApp({
    preset: 'datarhei',
    rateLimit: false,
    externalIdentityProvider: {
      issuer: ISSUER,
      audience: AUDIENCE,
      jwksUri: jwks.url,
      allowedSubjects: [ALICE],
      timeoutMs: 250,
      cooldownMs: 30_000,
      ...idp,
    },
    ...options,
  });
}

beforeEach(async () => {
  jwks = await startJwksServer([keyA]);
});
afterEach(async () => {
  await t.close();
  await jwks.close();
});

/** A provider token for `claims` over sensible defaults: our issuer and audience, Alice, valid for an hour. */
function idpToken(claims: JWTPayload = {}, key: IdpKey = keyA, kid?: string): Promise<string> {
  const now = Math.floor(t.clock() / 1000);
  return signIdpToken(
    key,
    { iss: ISSUER, aud: AUDIENCE, sub: ALICE, iat: now, exp: now + 3600, ...claims },
    kid ? { kid } : {},
  );
}

/** POST /api/login with the provider's token as bearer and no body, as datarhei documents. */
function idpLogin(token: string): request.Test {
  return request(t.app).post('/api/login').set('Authorization', `Bearer ${token}`);
}

function guarded(token: string, path = '/api/protected'): request.Test {
  return request(t.app).get(path).set('Authorization', `Bearer ${token}`);
}

async function expectRefused(token: string, status = 401, code = 'invalid_credentials'): Promise<void> {
  const res = await idpLogin(token).expect(status);
  expect(res.body).toEqual({ code: status, message: expect.any(String), details: [code] });
}

describe('an allowed subject', () => {
  beforeEach(() => startApp());

  it('gets { access_token, refresh_token }, for the subject, with the configured authorities', async () => {
    const res = await idpLogin(await idpToken()).expect(200);
    expect(Object.keys(res.body).sort()).toEqual(['access_token', 'refresh_token']);
    expect(claimsOf(res.body.access_token as string)).toMatchObject({
      iss: 'datarhei-core',
      sub: ALICE,
      usefor: 'access',
      auth: 'ROLE_USER',
      idp: ISSUER,
    });
    expect(claimsOf(res.body.refresh_token as string)).toMatchObject({
      iss: 'datarhei-core',
      sub: ALICE,
      usefor: 'refresh',
    });
    await guarded(res.body.access_token as string).expect(200, {
      userId: ALICE,
      authorities: ['ROLE_USER'],
      method: 'token',
    });
    expect(jwks.requests).toBe(1);
  });

  it('keeps passing the guard past its cache: no local record does not mean a deleted user', async () => {
    const { access_token } = (await idpLogin(await idpToken()).expect(200)).body as { access_token: string };
    await guarded(access_token).expect(200);
    t.clock.advance(2001);
    await guarded(access_token).expect(200);
  });

  it("can refresh, keeping the provider's authorities, and log out everywhere", async () => {
    const { refresh_token } = (await idpLogin(await idpToken()).expect(200)).body as { refresh_token: string };
    t.clock.advance(5 * 60_000);
    for (let i = 0; i < 2; i++) {
      const res = await request(t.app)
        .get('/api/login/refresh')
        .set('Authorization', `Bearer ${refresh_token}`)
        .expect(200);
      expect(Object.keys(res.body)).toEqual(['access_token']);
      expect(claimsOf(res.body.access_token as string)).toMatchObject({
        sub: ALICE,
        auth: 'ROLE_USER',
        idp: ISSUER,
        usefor: 'access',
      });
      await guarded(res.body.access_token as string).expect(200, {
        userId: ALICE,
        authorities: ['ROLE_USER'],
        method: 'token',
      });
    }
    const { access_token } = (
      await request(t.app).get('/api/login/refresh').set('Authorization', `Bearer ${refresh_token}`)
    ).body as { access_token: string };
    await request(t.app).post('/api/login/logout-all').set('Authorization', `Bearer ${access_token}`).expect(204);
    await guarded(access_token).expect(401);
    await request(t.app).get('/api/login/refresh').set('Authorization', `Bearer ${refresh_token}`).expect(401);
  });

  it('is identified by (iss, sub) only: an email claim names no local account', async () => {
    const res = await idpLogin(await idpToken({ email: 'admin@example.com', email_verified: true })).expect(200);
    const claims = claimsOf(res.body.access_token as string);
    expect(claims).toMatchObject({ sub: ALICE, auth: 'ROLE_USER' });
    await guarded(res.body.access_token as string, '/api/admin').expect(403);
  });
});

describe('a subject the host has not allowed', () => {
  beforeEach(() => startApp({ allowedSubjects: [ALICE, '1'] }));

  it('is refused with 401, whatever its email claim says', async () => {
    await expectRefused(await idpToken({ sub: 'auth0|mallory' }));
    await expectRefused(await idpToken({ sub: 'auth0|mallory', email: 'admin@example.com', email_verified: true }));
  });

  it("an allowed subject equal to a local user's id is refused: every handler would take it for that user", async () => {
    // Local user "1" is the admin; the provider's subject "1" is someone else.
    await expectRefused(await idpToken({ sub: '1' }));
    expect(t.logger.errors).toEqual([expect.stringContaining("equals a local user's id")]);
    expect(t.logger.errors.join()).not.toContain(ALICE);
  });
});

describe('a token the provider did not issue for us', () => {
  beforeEach(() => startApp());

  it('another audience, several audiences without ours, or none: 401', async () => {
    await expectRefused(await idpToken({ aud: 'https://other.example/api' }));
    await expectRefused(await idpToken({ aud: ['https://other.example/api', 'https://third.example/'] }));
    await expectRefused(await idpToken({ aud: undefined }));
  });

  it('another issuer, a near miss, or the issuer inside an array: 401', async () => {
    await expectRefused(await idpToken({ iss: 'https://evil.example/' }));
    await expectRefused(await idpToken({ iss: ISSUER.slice(0, -1) })); // no trailing slash
    await expectRefused(await idpToken({ iss: ISSUER.toUpperCase() }));
    await expectRefused(await idpToken({ iss: [ISSUER] as unknown as string }));
    await expectRefused(await idpToken({ iss: [ISSUER, 'https://evil.example/'] as unknown as string }));
  });

  it('a foreign signing key (even under the published kid), or HS256 with a shared secret: 401', async () => {
    await expectRefused(await idpToken({}, impostor));
    await expectRefused(await idpToken({}, keyB, 'key-a'));
    const hs256 = await new SignJWT({
      iss: ISSUER,
      aud: AUDIENCE,
      sub: ALICE,
      exp: Math.floor(t.clock() / 1000) + 3600,
    })
      .setProtectedHeader({ alg: 'HS256', kid: 'key-a' })
      .sign(new TextEncoder().encode('a-secret-anyone-could-have-0123456789'));
    await expectRefused(hs256);
  });

  it('an expired token, or one with no expiry: 401', async () => {
    const now = Math.floor(t.clock() / 1000);
    await expectRefused(await idpToken({ iat: now - 7200, exp: now - 120 }));
    await expectRefused(await idpToken({ exp: undefined }));
    // Still within the 30 s tolerance: accepted.
    await idpLogin(await idpToken({ iat: now - 3600, exp: now - 10 })).expect(200);
  });
});

describe('keys by kid', () => {
  beforeEach(() => startApp());

  it('an unknown kid refetches the JWKS at most once per cooldown', async () => {
    // jose times its cooldown with Date.now: only Date is faked, so sockets and timers run for real.
    jest.useFakeTimers({
      doNotFake: [
        'hrtime',
        'nextTick',
        'performance',
        'queueMicrotask',
        'setImmediate',
        'clearImmediate',
        'setInterval',
        'clearInterval',
        'setTimeout',
        'clearTimeout',
      ],
    });
    try {
      await idpLogin(await idpToken()).expect(200);
      expect(jwks.requests).toBe(1);

      // The provider rotates to key B; within the cooldown its tokens are refused without asking again.
      jwks.publish([keyA, keyB]);
      const withB = await idpToken({}, keyB);
      for (let i = 0; i < 3; i++) await expectRefused(withB);
      expect(jwks.requests).toBe(1);

      jest.setSystemTime(Date.now() + 30_001);
      await idpLogin(withB).expect(200);
      expect(jwks.requests).toBe(2);

      // A burst of unknown kids right after a fetch: no fetch at all.
      const unknown = await idpToken({}, keyB, 'no-such-key');
      await Promise.all(Array.from({ length: 5 }, () => expectRefused(unknown)));
      expect(jwks.requests).toBe(2);

      // After the cooldown, a burst of unknown kids: exactly one fetch.
      jest.setSystemTime(Date.now() + 30_001);
      await Promise.all(Array.from({ length: 5 }, () => expectRefused(unknown)));
      expect(jwks.requests).toBe(3);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('a JWKS outage', () => {
  async function localLogin(): Promise<{ access_token: string; refresh_token: string }> {
    const { accessToken, refreshToken } = await login(t, 'admin');
    return { access_token: accessToken, refresh_token: refreshToken };
  }

  it('nothing listening: provider logins fail closed with 503, local logins and tokens keep working', async () => {
    await startApp({ jwksUri: await unusedLoopbackUrl() });
    const local = await localLogin();
    await expectRefused(await idpToken(), 503, 'unavailable');
    await guarded(local.access_token).expect(200);
    await request(t.app).get('/api/login/refresh').set('Authorization', `Bearer ${local.refresh_token}`).expect(200);
    await localLogin();
  });

  it('a JWKS that never answers: 503 once timeoutMs has passed', async () => {
    jwks.setMode('hang');
    await startApp({ timeoutMs: 100 });
    await expectRefused(await idpToken(), 503, 'unavailable');
    expect(jwks.requests).toBe(1);
    await localLogin();
  });

  it('a JWKS answering 500: 503', async () => {
    jwks.setMode('error');
    await startApp();
    await expectRefused(await idpToken(), 503, 'unavailable');
    await localLogin();
  });

  it('sessions opened through the provider before it went down keep working: our tokens need no JWKS', async () => {
    await startApp();
    const idp = (await idpLogin(await idpToken()).expect(200)).body as { access_token: string; refresh_token: string };
    await jwks.close();
    t.clock.advance(2001);
    await guarded(idp.access_token).expect(200);
    const refreshed = await request(t.app)
      .get('/api/login/refresh')
      .set('Authorization', `Bearer ${idp.refresh_token}`)
      .expect(200);
    await guarded(refreshed.body.access_token as string).expect(200);
    await localLogin();
  });
});

describe('mapUser', () => {
  it('maps (iss, sub) to a local user, whose status then governs the session', async () => {
    await startApp({
      allowedSubjects: undefined,
      mapUser: ({ issuer, subject }) => (issuer === ISSUER && subject === 'auth0|guest' ? t.users.findById('3') : null),
    });
    await expectRefused(await idpToken());
    const res = await idpLogin(await idpToken({ sub: 'auth0|guest' })).expect(200);
    expect(claimsOf(res.body.access_token as string)).toMatchObject({
      sub: 'guest',
      uid: '3',
      auth: 'ROLE_USER',
      idp: ISSUER,
    });
    await guarded(res.body.access_token as string).expect(200, {
      userId: '3',
      authorities: ['ROLE_USER'],
      method: 'token',
    });
    t.users.update('3', { disabled: true });
    t.clock.advance(2001);
    await guarded(res.body.access_token as string).expect(401);
    await request(t.app)
      .get('/api/login/refresh')
      .set('Authorization', `Bearer ${res.body.refresh_token as string}`)
      .expect(401);
  });
});

describe('audit events', () => {
  let events: AuthEvent[];
  const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  beforeEach(async () => {
    events = [];
    await startApp({}, { onEvent: (event) => void events.push(event) });
  });

  it('a provider login emits login.succeeded with the subject as userId, like a password login, and no token', async () => {
    const token = await idpToken();
    const res = await idpLogin(token).set('User-Agent', 'Audit/1.0').expect(200);
    await flush();
    expect(events).toEqual([
      {
        event: 'login.succeeded',
        at: expect.any(String),
        userId: ALICE,
        requestId: expect.any(String),
        client: { userAgent: 'Audit/1.0', network: expect.any(String) },
      },
    ]);
    const text = JSON.stringify(events);
    for (const secret of [token, res.body.access_token as string, res.body.refresh_token as string])
      expect(text.includes(secret)).toBe(false);
  });

  it('a refused provider token emits login.failed with the code answered and no user id', async () => {
    await expectRefused(await idpToken({ sub: 'auth0|mallory' }));
    await expectRefused(await idpToken({ aud: 'https://other.example' }));
    await flush();
    expect(events.map(({ event, reason, userId }) => ({ event, reason, userId }))).toEqual([
      { event: 'login.failed', reason: 'invalid_credentials', userId: undefined },
      { event: 'login.failed', reason: 'invalid_credentials', userId: undefined },
    ]);
  });

  it("an allowed subject equal to a local user's id: login.failed that names no local user", async () => {
    await t.close();
    events = [];
    await startApp({ allowedSubjects: ['1'] }, { onEvent: (event) => void events.push(event) });
    await expectRefused(await idpToken({ sub: '1' }));
    await flush();
    expect(events.map(({ event, reason, userId }) => ({ event, reason, userId }))).toEqual([
      { event: 'login.failed', reason: 'invalid_credentials', userId: undefined },
    ]);
  });

  it('a JWKS outage emits login.failed with reason unavailable', async () => {
    jwks.setMode('error');
    await idpLogin(await idpToken()).expect(503);
    await flush();
    expect(events.map(({ event, reason }) => ({ event, reason }))).toEqual([
      { event: 'login.failed', reason: 'unavailable' },
    ]);
  });

  it("a mapped user's login.succeeded names the local user", async () => {
    await t.close();
    events = [];
    await startApp(
      {
        allowedSubjects: undefined,
        mapUser: ({ subject }) => (subject === 'auth0|guest' ? t.users.findById('3') : null),
      },
      { onEvent: (event) => void events.push(event) },
    );
    const res = await idpLogin(await idpToken({ sub: 'auth0|guest' })).expect(200);
    expect(res.body.access_token).toEqual(expect.any(String));
    await flush();
    expect(events.map(({ event, userId }) => ({ event, userId }))).toEqual([{ event: 'login.succeeded', userId: '3' }]);
  });
});

describe('in cookie mode (login CSRF)', () => {
  const ORIGIN = 'https://core.example';
  beforeEach(() => startApp({}, { cookies: { trustedOrigins: [ORIGIN] } }));

  it('a provider login from another site is refused with 403 csrf_rejected before the JWKS is asked', async () => {
    const res = await idpLogin(await idpToken())
      .set('X-Auth-Transport', 'cookie')
      .set('Origin', 'https://evil.example')
      .expect(403);
    expect(res.body).toEqual({ code: 403, message: expect.any(String), details: ['csrf_rejected'] });
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(jwks.requests).toBe(0);
    const ok = await idpLogin(await idpToken())
      .set('X-Auth-Transport', 'cookie')
      .set('Origin', ORIGIN)
      .expect(200);
    expect(String(ok.headers['set-cookie'])).toMatch(/__Host-eak-refresh=/);
  });
});
