// Explicit typing over HTTP: access tokens are `at+jwt` under the published key, every other token is its own type
// under an internal key; a token of one kind is never accepted as another, and tokens issued before the upgrade
// (`typ: "JWT"` under the published key) keep working until they expire, each only as its own kind.
import { createHash, createHmac } from 'node:crypto';
import request from 'supertest';
import { createTestApp, TEST_SECRET, type TestApp } from '../helpers/create-app';
import { postLogin } from '../helpers/session';

const DEVICE_COOKIE = '__Host-eak-device';

let t: TestApp;

afterEach(async () => {
  await t.close();
});

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

function decode(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = token.split('.') as [string, string];
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString()),
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString()),
  };
}

/** Signs `payload` under `header` with the app's published HMAC secret (HS256). */
function signPublished(header: Record<string, unknown>, payload: Record<string, unknown>): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', TEST_SECRET).update(input).digest('base64url')}`;
}

/** The kid versions before shorter kids derived for the secret: `hs-` and 22 characters of a labelled SHA-256. */
const LEGACY_KID = `hs-${createHash('sha256').update('express-auth-kit hmac kid\0').update(TEST_SECRET).digest('base64url').slice(0, 22)}`;

/**
 * The token re-signed the way the library signed every token before explicit typing: `typ: "JWT"`, published key
 * under its kid of then, and (an access token) with the `usefor`, `exi` and `jti` every token carried then.
 */
function asLegacy(token: string, publishedKid: string): string {
  const { payload } = decode(token);
  const claims =
    payload.usefor === undefined
      ? { ...payload, usefor: 'access', exi: (payload.exp as number) - (payload.iat as number), jti: 'legacy-jti' }
      : payload;
  expect(publishedKid).not.toBe(LEGACY_KID);
  return signPublished({ alg: 'HS256', typ: 'JWT', kid: LEGACY_KID }, claims);
}

function deviceCookieOf(res: request.Response): string {
  const line = ([] as string[])
    .concat(res.headers['set-cookie'] ?? [])
    .find((cookie) => cookie.startsWith(`${DEVICE_COOKIE}=`));
  expect(line).toBeDefined();
  return decodeURIComponent(line!.split(';')[0]!.slice(DEVICE_COOKIE.length + 1));
}

const guarded = (token: string) => request(t.app).get('/api/protected').set('Authorization', `Bearer ${token}`);
const refresh = (refreshToken: string) => request(t.app).post('/auth/token/refresh').send({ refreshToken });
const verifyCode = (challenge: string, code: string) =>
  request(t.app).post('/auth/tfa/verify').set('Authorization', `Bearer ${challenge}`).send({ code });

describe('headers', () => {
  test('access tokens are at+jwt under the published key; the others have their own typ and a kid that is not it', async () => {
    t = await createTestApp({ rateLimit: false });
    const res = await postLogin(t, 'admin').expect(200);
    const access = decode(res.body.accessToken as string).header;
    expect(access).toEqual({ alg: 'HS256', typ: 'at+jwt', kid: expect.stringMatching(/^[A-Za-z0-9_-]{8}$/) });
    const refreshHeader = decode(res.body.refreshToken as string).header;
    const device = decode(deviceCookieOf(res)).header;
    const challenge = decode((await postLogin(t, 'user').expect(200)).body.challengeToken as string).header;
    expect([refreshHeader.typ, challenge.typ, device.typ]).toEqual(['refresh+jwt', 'tfa+jwt', 'device+jwt']);
    for (const header of [refreshHeader, challenge, device]) {
      expect(header.alg).toBe('HS256');
      expect(header.kid).toEqual(expect.any(String));
      expect(header.kid).not.toBe(access.kid);
    }
    // One internal kid per configured key, the same on every instance with the same secret.
    expect(new Set([refreshHeader.kid, challenge.kid, device.kid]).size).toBe(1);
  });
});

describe('a token of one kind is refused as another', () => {
  test('the guard refuses a token signed with the published key whose typ is another kind', async () => {
    t = await createTestApp({ rateLimit: false });
    const access = (await postLogin(t, 'admin').expect(200)).body.accessToken as string;
    const { header, payload } = decode(access);
    await guarded(signPublished(header, payload)).expect(200);
    for (const typ of ['refresh+jwt', 'tfa+jwt', 'device+jwt', 'JOSE', 'at+jwt+x', 'application/jwt']) {
      const res = await guarded(signPublished({ ...header, typ }, payload));
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('token_invalid');
    }
  });

  test('refresh, challenge and device tokens are refused by the guard, and each verifier takes only its own kind', async () => {
    t = await createTestApp({ rateLimit: false });
    const admin = await postLogin(t, 'admin').expect(200);
    const challenge = (await postLogin(t, 'user').expect(200)).body.challengeToken as string;
    const device = deviceCookieOf(admin);
    for (const token of [admin.body.refreshToken as string, challenge, device])
      expect((await guarded(token)).status).toBe(401);
    // As a refresh token: an access token, a challenge, a device token.
    for (const token of [admin.body.accessToken as string, challenge, device])
      expect((await refresh(token)).status).toBe(401);
    // As a challenge: a refresh token, a device token, an access token.
    for (const token of [admin.body.refreshToken as string, device, admin.body.accessToken as string]) {
      expect((await verifyCode(token, '000000')).status).toBe(401);
    }
    // The real ones still work.
    await refresh(admin.body.refreshToken as string).expect(200);
    await verifyCode(challenge, t.mailer.last('user@example.com')!.code).expect(200);
  });

  test('an access token cannot pose as a refresh token with an internal typ: the published key does not sign internal types', async () => {
    t = await createTestApp({ rateLimit: false });
    const admin = await postLogin(t, 'admin').expect(200);
    const refreshToken = admin.body.refreshToken as string;
    // The refresh token's own header and payload, signed with the published key (what a holder of the shared secret can do).
    const { header, payload } = decode(refreshToken);
    expect((await refresh(signPublished(header, payload))).status).toBe(401);
    await refresh(refreshToken).expect(200);
  });
});

describe('tokens issued before the upgrade', () => {
  test('a legacy access, refresh, challenge and device token keep working, each only as its own kind', async () => {
    t = await createTestApp({ rateLimit: false });
    const admin = await postLogin(t, 'admin').expect(200);
    const kid = decode(admin.body.accessToken as string).header.kid as string;
    const legacyAccess = asLegacy(admin.body.accessToken as string, kid);
    const legacyRefresh = asLegacy(admin.body.refreshToken as string, kid);
    const legacyDevice = asLegacy(deviceCookieOf(admin), kid);

    await guarded(legacyAccess).expect(200);
    // Kind is still checked: a legacy refresh or device token is no access token, and an access token no refresh token.
    expect((await guarded(legacyRefresh)).status).toBe(401);
    expect((await guarded(legacyDevice)).status).toBe(401);
    expect((await refresh(legacyAccess)).status).toBe(401);
    expect((await refresh(legacyDevice)).status).toBe(401);
    const refreshed = await refresh(legacyRefresh).expect(200);
    await guarded(refreshed.body.accessToken as string).expect(200);

    // A legacy device cookie is still honoured at login (the owner's device keeps its own lockout budget).
    for (let i = 0; i < 11; i += 1) await postLogin(t, 'admin', { password: `wrong-${i}` });
    expect((await postLogin(t, 'admin')).status).toBe(403);
    await postLogin(t, 'admin').set('Cookie', `${DEVICE_COOKIE}=${legacyDevice}`).expect(200);

    const challenge = (await postLogin(t, 'user').expect(200)).body.challengeToken as string;
    const legacyChallenge = asLegacy(challenge, kid);
    expect((await guarded(legacyChallenge)).status).toBe(401);
    expect((await refresh(legacyChallenge)).status).toBe(401);
    await verifyCode(legacyChallenge, t.mailer.last('user@example.com')!.code).expect(200);
  });

  test('legacy tokens stop working when they expire', async () => {
    t = await createTestApp({ rateLimit: false });
    const admin = await postLogin(t, 'admin').expect(200);
    const kid = decode(admin.body.accessToken as string).header.kid as string;
    const legacyAccess = asLegacy(admin.body.accessToken as string, kid);
    const legacyRefresh = asLegacy(admin.body.refreshToken as string, kid);
    await guarded(legacyAccess).expect(200);
    t.clock.advance((15 * 60 + 61) * 1000);
    expect((await guarded(legacyAccess)).body.error).toBe('token_expired');
    t.clock.advance(14 * 86_400 * 1000);
    expect((await refresh(legacyRefresh)).body.error).toBe('token_expired');
  });
});

describe('rotation', () => {
  test('an internal token signed under an older HMAC secret still verifies while that secret is configured, and not after', async () => {
    const OLD = 'the-old-secret-that-is-long-enough-for-hs256-0123456789abcdef';
    t = await createTestApp({ rateLimit: false, secret: OLD });
    const old = await postLogin(t, 'admin').expect(200);
    const clock = t.clock;
    await t.close();
    // A new instance with [NEW, OLD] and the same demo users: only the device token is carried over.
    t = await createTestApp({ rateLimit: false, clock, secret: [TEST_SECRET, OLD] });
    const device = deviceCookieOf(old);
    for (let i = 0; i < 11; i += 1) await postLogin(t, 'admin', { password: `wrong-${i}` });
    // The old device cookie, signed with OLD's internal key, is honoured under [NEW, OLD]...
    await postLogin(t, 'admin').set('Cookie', `${DEVICE_COOKIE}=${device}`).expect(200);
    await t.close();
    // ...and refused once OLD is gone.
    t = await createTestApp({ rateLimit: false, clock, secret: TEST_SECRET });
    for (let i = 0; i < 11; i += 1) await postLogin(t, 'admin', { password: `wrong-${i}` });
    expect((await postLogin(t, 'admin').set('Cookie', `${DEVICE_COOKIE}=${device}`)).status).toBe(403);
  });
});
