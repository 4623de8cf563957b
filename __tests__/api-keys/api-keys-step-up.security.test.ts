// API keys and an attacker with a stolen access token (issue 18 item 4): minting a key needs recent proof that it is
// still the user (step-up), and a password reset or "log out everywhere" revokes the keys a thief may have minted.
import request from 'supertest';
import type { AuthEvent } from '../../lib/core/events';
import { recoveryCodeHash } from '../../lib/core/second-factor';
import { generateTotpSecret, totpCode } from '../../lib/primitives/totp';
import {
  closeAfterEach,
  createRecordingApp,
  createTestApp,
  PASSWORDS,
  type CreateTestAppOptions,
  type TestApp,
} from '../helpers/create-app';
import { login, loginToken, settle } from '../helpers/session';

const URL_TEMPLATE = 'https://app.example/reset?token={token}';
const NEW_PASSWORD = 'a-brand-new-password';

let t: TestApp;
let events: AuthEvent[];

closeAfterEach(() => t);

async function start(options: CreateTestAppOptions = {}): Promise<TestApp> {
  ({ t, events } = await createRecordingApp({
    passwordReset: { urlTemplate: URL_TEMPLATE },
    rateLimit: false,
    ...options,
  }));
  return t;
}

function createKey(token: string, body: Record<string, unknown>) {
  return request(t.app).post('/auth/api-keys').set('Authorization', `Bearer ${token}`).send(body);
}

async function mintKey(name: string, login: 'admin' | 'guest' = 'admin'): Promise<string> {
  const res = await createKey(await loginToken(t, login), { name, password: PASSWORDS[login] });
  expect(res.status).toBe(201);
  return res.body.key as string;
}

const useKey = (key: string) => request(t.app).get('/api/protected').set('Authorization', `Bearer ${key}`);

async function resetPassword(email: string, extra: Record<string, unknown> = {}) {
  await request(t.app).post('/auth/password/forgot').send({ email }).expect(202);
  await settle();
  const token = new URL(t.mailer.resetLinks.filter((m) => m.to === email).at(-1)!.url).searchParams.get('token')!;
  return request(t.app)
    .post('/auth/password/reset')
    .send({ token, newPassword: NEW_PASSWORD, ...extra });
}

describe('minting a key needs recent proof that it is still the user', () => {
  test('a stolen access token alone cannot mint a key: 403 reauthentication_required, nothing stored', async () => {
    await start();
    const stolen = await loginToken(t, 'admin');
    const res = await createKey(stolen, { name: 'backdoor' });
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('reauthentication_required');
    expect(await t.users.listApiKeys('1')).toEqual([]);
  });

  test('a wrong password is 401 invalid_credentials, stores nothing, and counts toward the lockout', async () => {
    await start({ lockout: { maxFailures: 3, window: '10m', duration: '10m' } });
    const stolen = await loginToken(t, 'admin');
    for (let i = 0; i < 3; i += 1) {
      const res = await createKey(stolen, { name: 'backdoor', password: `guess-${i}` });
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_credentials');
    }
    expect((await createKey(stolen, { name: 'backdoor', password: PASSWORDS.admin })).body.error).toBe('login_blocked');
    expect(await t.users.listApiKeys('1')).toEqual([]);
  });

  test('with the password, the key is minted (201)', async () => {
    await start();
    const res = await createKey(await loginToken(t, 'admin'), { name: 'ci', password: PASSWORDS.admin });
    expect(res.status).toBe(201);
    expect((await useKey(res.body.key as string)).status).toBe(200);
  });

  test('a user with an authenticator app also sends a current code or a recovery code', async () => {
    await start();
    const secret = generateTotpSecret();
    t.users.update('3', { secondFactor: 'TOTP', totpSecret: secret });
    await t.users.replaceRecoveryCodes('3', [recoveryCodeHash('3', 'AAAABBBBCCCC')]);
    const challenge = (await request(t.app).post('/auth/login').send({ username: 'guest', password: PASSWORDS.guest }))
      .body.challengeToken as string;
    const token = (
      await request(t.app)
        .post('/auth/tfa/verify')
        .set('Authorization', `Bearer ${challenge}`)
        .send({ code: totpCode(secret, Math.floor(t.clock() / 30_000)) })
        .expect(200)
    ).body.accessToken as string;
    t.clock.advance(30_000);
    const without = await createKey(token, { name: 'k', password: PASSWORDS.guest });
    expect(without.status).toBe(401);
    expect(without.body.error).toBe('tfa_invalid');
    await createKey(token, {
      name: 'k',
      password: PASSWORDS.guest,
      code: totpCode(secret, Math.floor(t.clock() / 30_000)),
    }).expect(201);
    await createKey(token, { name: 'k2', password: PASSWORDS.guest, recoveryCode: 'AAAA-BBBB-CCCC' }).expect(201);
    expect(await t.users.listApiKeys('3')).toHaveLength(2);
  });

  test("recentLogin: a token from a login that recent is proof; the login time counts, not a refreshed token's iat", async () => {
    await start({ apiKeys: { recentLogin: '5m' } });
    const { accessToken, refreshToken } = await login(t, 'admin');
    t.clock.advance(4 * 60 * 1000);
    await createKey(accessToken, { name: 'fresh' }).expect(201);
    t.clock.advance(2 * 60 * 1000);
    expect((await createKey(accessToken, { name: 'stale' })).body.error).toBe('reauthentication_required');
    // A refresh gives a new access token, but not a new login: still too old.
    const refreshed = (await request(t.app).post('/auth/token/refresh').send({ refreshToken }).expect(200)).body
      .accessToken as string;
    expect((await createKey(refreshed, { name: 'refreshed' })).body.error).toBe('reauthentication_required');
    // The password still works.
    await createKey(refreshed, { name: 'with-password', password: PASSWORDS.admin }).expect(201);
  });
});

describe('bforeai: POST /authheader/add {name} with only the JWT', () => {
  test('works with a fresh login token, as bfore.ai clients send it', async () => {
    await start({ preset: 'bforeai', passwordReset: undefined });
    const token = await loginToken(t);
    const res = await request(t.app).post('/authheader/add').set('Authorization', token).send({ name: 'ci' });
    expect(res.status).toBe(200);
    expect(res.body.token).toEqual(expect.any(String));
  });

  test("is refused with a token from a login more than 5 minutes old (403 in the preset's shape); the password still works", async () => {
    await start({ preset: 'bforeai', passwordReset: undefined });
    const token = await loginToken(t);
    t.clock.advance(5 * 60 * 1000 + 1000);
    const res = await request(t.app).post('/authheader/add').set('Authorization', token).send({ name: 'ci' });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ message: expect.stringContaining('recent proof') });
    await request(t.app)
      .post('/authheader/add')
      .set('Authorization', token)
      .send({ name: 'ci', password: PASSWORDS.admin })
      .expect(200);
  });

  test("a renewed token (GET /user/renew, /user/token) is no fresh login: it keeps the login's time", async () => {
    await start({ preset: 'bforeai', passwordReset: undefined });
    const token = await loginToken(t);
    t.clock.advance(4 * 60 * 1000);
    const renewed = (await request(t.app).get('/user/renew').set('Authorization', token).expect(200)).body
      .Token as string;
    const minted = (await request(t.app).get('/user/token?m=60').set('Authorization', token).expect(200)).body
      .Token as string;
    // Within the login's five minutes they still prove it (bfore.ai's clients renew, then add a key) ...
    await request(t.app).post('/authheader/add').set('Authorization', renewed).send({ name: 'renewed' }).expect(200);
    await request(t.app).post('/authheader/add').set('Authorization', minted).send({ name: 'minted' }).expect(200);
    // ... and past them, counted from the login, not from the renewal, they do not.
    t.clock.advance(2 * 60 * 1000);
    for (const fresh of [renewed, minted]) {
      const res = await request(t.app).post('/authheader/add').set('Authorization', fresh).send({ name: 'ci' });
      expect(res.status).toBe(403);
    }
  });
});

describe('a reset and "log out everywhere" evict what a thief minted', () => {
  test("after a password reset the user's keys are refused; the answer stays 204; the event and the notice name them", async () => {
    await start();
    const first = await mintKey('deploy bot');
    const second = await mintKey('backdoor');
    const other = await mintKey('guest key', 'guest');
    await useKey(first).expect(200);
    const res = await resetPassword('admin@example.com');
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    await useKey(first).expect(401);
    await useKey(second).expect(401);
    await useKey(other).expect(200);
    expect(await t.users.listApiKeys('1')).toEqual([]);
    await settle();
    const completed = events.find((e) => e.event === 'password.reset_completed')!;
    expect(completed.revokedApiKeys!.map((k) => k.name)).toEqual(['deploy bot', 'backdoor']);
    expect(t.mailer.resetNotices).toEqual([
      {
        to: 'admin@example.com',
        displayName: 'Admin User',
        login: 'admin',
        revokedApiKeys: ['deploy bot', 'backdoor'],
      },
    ]);
    const json = JSON.stringify([events, t.mailer.resetNotices]);
    for (const key of [first, second]) expect(json).not.toContain(key);
  });

  test('after "log out everywhere" the user\'s keys are refused, and the event names them', async () => {
    await start();
    const key = await mintKey('ci');
    const token = await loginToken(t, 'admin');
    await request(t.app).post('/auth/logout/all').set('Authorization', `Bearer ${token}`).expect(204);
    await useKey(key).expect(401);
    await settle();
    expect(events.find((e) => e.event === 'sessions.ended_all')!.revokedApiKeys!.map((k) => k.name)).toEqual(['ci']);
  });

  test('with apiKeys.revokeOnReset false, keys survive a reset and "log out everywhere"', async () => {
    await start({ apiKeys: { revokeOnReset: false } });
    const key = await mintKey('ci');
    await (
      await resetPassword('admin@example.com')
    ).body;
    await useKey(key).expect(200);
    const token = (
      await request(t.app).post('/auth/login').send({ username: 'admin', password: NEW_PASSWORD }).expect(200)
    ).body.accessToken as string;
    await request(t.app).post('/auth/logout/all').set('Authorization', `Bearer ${token}`).expect(204);
    await useKey(key).expect(200);
    await settle();
    expect(t.mailer.resetNotices[0]!.revokedApiKeys).toEqual([]);
  });

  test('a store without deleteApiKeysOfOwner: keys are revoked by listing and deleting', async () => {
    await start();
    const key = await mintKey('ci');
    Object.defineProperty(t.users, 'deleteApiKeysOfOwner', { value: undefined });
    await resetPassword('admin@example.com');
    await useKey(key).expect(401);
    expect(await t.users.listApiKeys('1')).toEqual([]);
  });
});

describe('a default lifetime for keys', () => {
  test('apiKeys.defaultLifetime: a key created without expiresIn is refused past it; expiresIn still wins', async () => {
    await start({ apiKeys: { defaultLifetime: '1h' } });
    const token = await loginToken(t, 'admin');
    const res = await createKey(token, { name: 'default', password: PASSWORDS.admin }).expect(201);
    const longer = await createKey(token, { name: 'longer', password: PASSWORDS.admin, expiresIn: 7200 }).expect(201);
    expect(res.body.expiresAt).toBe(new Date(t.clock() + 3600 * 1000).toISOString());
    t.clock.advance(3600 * 1000 - 1000);
    await useKey(res.body.key as string).expect(200);
    t.clock.advance(2000);
    await useKey(res.body.key as string).expect(401);
    await useKey(longer.body.key as string).expect(200);
  });

  test('a wrong apiKeys option fails at start-up, naming it', async () => {
    await start();
    await expect(createTestApp({ apiKeys: { defaultLifetime: 'soon' as never } })).rejects.toThrow(
      /apiKeys\.defaultLifetime/,
    );
    await expect(createTestApp({ apiKeys: { recentLogin: '2h' } })).rejects.toThrow(/apiKeys\.recentLogin/);
    await expect(createTestApp({ apiKeys: { revokeOnReset: 'yes' as never } })).rejects.toThrow(
      /apiKeys\.revokeOnReset/,
    );
  });
});
