// The shared login helper (helpers/session.ts) on every seed preset: it finds the preset's login route and token
// fields, its session passes the guard, and the emailed-code user's login is read as a challenge the verify route takes.
import request from 'supertest';
import { createTestApp, type TestApp } from '../helpers/create-app';
import { bearer, challenge, claimsOf, login, verifyChallenge } from '../helpers/session';

let t: TestApp;
afterEach(async () => {
  await t.close();
});

describe.each(['default', 'utmstack', 'storm', 'datarhei', 'bforeai'] as const)('the %s preset', (preset) => {
  beforeEach(async () => {
    t = await createTestApp({ preset, rateLimit: false });
  });

  it('login: an access token the guard admits, for the user logged in', async () => {
    const session = await login(t, 'guest');
    expect(claimsOf(session.accessToken)).toMatchObject({ exp: expect.any(Number) });
    const guarded = await request(t.app).get('/api/protected').set(bearer(session.accessToken)).expect(200);
    expect(guarded.body.userId).toBe('3');
    expect(session.hasRefreshToken).toBe(t.auth.preset.defaults.issueRefreshTokens);
    if (!session.hasRefreshToken) expect(() => session.refreshToken).toThrow('issued no refresh token');
  });

  it('challenge: a second-factor token that, with the mailed code, completes the login', async () => {
    const { token } = await challenge(t, 'user');
    expect(claimsOf(token)).toMatchObject({ sub: expect.any(String) });
    await request(t.app).get('/api/protected').set(bearer(token)).expect(401);
    await verifyChallenge(t, token, { code: t.mailer.last('user@example.com')!.code }).expect(200);
  });

  it('a login that is a challenge fails login(); a completed one fails challenge()', async () => {
    await expect(login(t, 'user')).rejects.toThrow();
    await expect(challenge(t, 'admin')).rejects.toThrow();
  });
});
