// Passkeys over HTTP with a software authenticator: add one with the password (and the second factor's proof), list,
// rename, delete; sign in with it and no second factor; every refusal (replay, counter going backwards, foreign origin
// or RP, wrong ceremony, expired challenge, disabled user, another user's id) answered 400 passkey_invalid or 404.
import request from 'supertest';
import type { AuthEvent } from '../../lib/core/events';
import { generateTotpSecret, totpCode } from '../../lib/primitives/totp';
import { createAuth, MemoryUserStore, type UserStore } from '../../lib';
import {
  closeAfterEach,
  createRecordingApp,
  createTestApp,
  PASSWORDS,
  TEST_SECRET,
  type CreateTestAppOptions,
  type TestApp,
} from '../helpers/create-app';
import { FLAG_UP, SoftAuthenticator } from '../helpers/soft-authenticator';
import { challenge, loginToken, settle, verifyChallenge } from '../helpers/session';

const ORIGIN = 'https://app.example.com';
const PASSKEYS = { rpId: 'example.com', rpName: 'Example', origins: [ORIGIN] };

let t: TestApp;
let events: AuthEvent[];
let authenticator: SoftAuthenticator;

closeAfterEach(() => t);

async function setup(options: CreateTestAppOptions = {}): Promise<void> {
  ({ t, events } = await createRecordingApp({ passkeys: PASSKEYS, ...options }));
  authenticator = new SoftAuthenticator(ORIGIN, 'example.com');
}

/** A login of user (2), whose second factor is the emailed code. */
async function loginWithEmailedCode(): Promise<string> {
  const { token } = await challenge(t, 'user');
  const code = t.mailer.last('user@example.com')!.code;
  const res = await verifyChallenge(t, token, { code }).expect(200);
  return res.body.accessToken as string;
}

const registerOptions = (access: string, body: Record<string, unknown>) =>
  request(t.app).post('/auth/passkeys/register/options').set('Authorization', `Bearer ${access}`).send(body);
const register = (access: string, body: Record<string, unknown>) =>
  request(t.app).post('/auth/passkeys/register').set('Authorization', `Bearer ${access}`).send(body);
const loginOptions = () => request(t.app).post('/auth/passkeys/login/options').send({});
const passkeyLogin = (body: Record<string, unknown>) => request(t.app).post('/auth/passkeys/login').send(body);

/** Adds a passkey for the holder of `access` and answers its id. */
async function addPasskey(access: string, password: string = PASSWORDS.admin, name?: string): Promise<string> {
  const options = await registerOptions(access, { password }).expect(200);
  const res = await register(access, { ...authenticator.create(options.body), ...(name ? { name } : {}) }).expect(201);
  return res.body.id as string;
}

async function options(): Promise<{ challenge: string; rpId?: string }> {
  return (await loginOptions().expect(200)).body;
}

const refused = (res: request.Response) => {
  expect(res.status).toBe(400);
  expect(res.body).toEqual({ error: 'passkey_invalid', message: expect.any(String) });
};

describe('adding a passkey', () => {
  test('options: a resident key, user verification preferred, the RP and user named, existing passkeys excluded', async () => {
    await setup();
    const access = await loginToken(t);
    const first = await registerOptions(access, { password: PASSWORDS.admin }).expect(200);
    expect(first.body).toMatchObject({
      rp: { id: 'example.com', name: 'Example' },
      user: { name: 'admin' },
      authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
      excludeCredentials: [],
    });
    expect(first.body.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The user handle is not the user's id.
    expect(Buffer.from(first.body.user.id, 'base64url').toString('utf8')).not.toContain('1');
    await register(access, authenticator.create(first.body)).expect(201);
    const second = await registerOptions(access, { password: PASSWORDS.admin }).expect(200);
    expect(second.body.excludeCredentials).toEqual([
      expect.objectContaining({ id: authenticator.credentials[0]!.id.toString('base64url'), type: 'public-key' }),
    ]);
    expect(second.body.challenge).not.toBe(first.body.challenge);
  });

  test('201 {id, name, createdAt}; listed with lastUsedAt null; the store keeps the public key only; event passkey.registered', async () => {
    await setup();
    const access = await loginToken(t);
    const options = await registerOptions(access, { password: PASSWORDS.admin }).expect(200);
    const res = await register(access, { ...authenticator.create(options.body), name: 'Laptop' }).expect(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      name: 'Laptop',
      createdAt: new Date(t.clock()).toISOString(),
      lastUsedAt: null,
    });
    const list = await request(t.app).get('/auth/passkeys').set('Authorization', `Bearer ${access}`).expect(200);
    expect(list.body).toEqual({ passkeys: [res.body] });
    const [stored] = t.users.listPasskeys('1');
    expect(stored).toMatchObject({
      userId: '1',
      credentialId: authenticator.credentials[0]!.id.toString('base64url'),
      counter: 0,
      transports: ['internal'],
    });
    expect(Buffer.from(stored!.publicKey, 'base64url')).toEqual(authenticator.credentials[0]!.cosePublicKey);
    await settle();
    expect(events).toContainEqual(
      expect.objectContaining({ event: 'passkey.registered', userId: '1', passkeyId: res.body.id }),
    );
  });

  test('a wrong password is 401 and no options are given; no password is 400', async () => {
    await setup();
    const access = await loginToken(t);
    const res = await registerOptions(access, { password: 'wrong-password' });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_credentials');
    expect((await registerOptions(access, {})).status).toBe(400);
    expect(
      (await request(t.app).post('/auth/passkeys/register/options').send({ password: PASSWORDS.admin })).status,
    ).toBe(401);
  });

  test('a user with an authenticator app also proves it (the step-up of recovery codes): no code is 401 tfa_invalid', async () => {
    await setup();
    const secret = generateTotpSecret();
    const access = await loginToken(t, 'guest');
    t.users.update('3', { secondFactor: 'TOTP', totpSecret: secret });
    const res = await registerOptions(access, { password: PASSWORDS.guest });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('tfa_invalid');
    const code = totpCode(secret, Math.floor(t.clock() / 30_000));
    await registerOptions(access, { password: PASSWORDS.guest, code }).expect(200);
  });

  test('a registration answer is single use, bound to its user, and never a login challenge', async () => {
    await setup();
    const admin = await loginToken(t, 'admin');
    const guest = await loginToken(t, 'guest');
    const first = await registerOptions(admin, { password: PASSWORDS.admin }).expect(200);
    const answer = authenticator.create(first.body);
    // Another user cannot finish admin's ceremony (and that spends it).
    refused(await register(guest, answer));
    refused(await register(admin, answer));
    const again = await registerOptions(admin, { password: PASSWORDS.admin }).expect(200);
    const fresh = authenticator.create(again.body);
    await register(admin, fresh).expect(201);
    refused(await register(admin, fresh));
    // A login challenge cannot register a passkey.
    const forLogin = await options();
    refused(await register(admin, authenticator.create({ ...again.body, challenge: forLogin.challenge })));
    expect(t.users.listPasskeys('1')).toHaveLength(1);
    expect(t.users.listPasskeys('3')).toHaveLength(0);
  });

  test('a foreign origin or RP ID, a client data type of a login, or an expired challenge is refused', async () => {
    await setup();
    const access = await loginToken(t);
    const cases = [{ origin: 'https://evil.example.net' }, { rpId: 'evil.example.net' }, { type: 'webauthn.get' }];
    for (const over of cases) {
      const options = await registerOptions(access, { password: PASSWORDS.admin }).expect(200);
      refused(await register(access, authenticator.create(options.body, over)));
    }
    const options = await registerOptions(access, { password: PASSWORDS.admin }).expect(200);
    t.clock.advance(5 * 60_000 + 1);
    refused(await register(access, authenticator.create(options.body)));
    expect(t.users.listPasskeys('1')).toHaveLength(0);
  });
});

describe('signing in with a passkey', () => {
  test('options: empty allowCredentials, user verification required; the login answers tokens that work; events', async () => {
    await setup();
    const passkeyId = await addPasskey(await loginToken(t));
    const opts = await loginOptions().expect(200);
    expect(opts.body).toMatchObject({ rpId: 'example.com', allowCredentials: [], userVerification: 'required' });
    const res = await passkeyLogin(authenticator.get(opts.body)).expect(200);
    expect(res.body).toMatchObject({ accessToken: expect.any(String), refreshToken: expect.any(String) });
    expect(res.body.tfaRequired).toBeUndefined();
    const me = await request(t.app)
      .get('/api/protected')
      .set('Authorization', `Bearer ${res.body.accessToken}`)
      .expect(200);
    expect(me.body.userId).toBe('1');
    const list = await request(t.app)
      .get('/auth/passkeys')
      .set('Authorization', `Bearer ${res.body.accessToken}`)
      .expect(200);
    expect(list.body.passkeys[0].lastUsedAt).toBe(new Date(t.clock()).toISOString());
    expect(t.users.listPasskeys('1')[0]!.counter).toBe(1);
    await settle();
    expect(events).toContainEqual(expect.objectContaining({ event: 'passkey.used', userId: '1', passkeyId }));
    expect(events).toContainEqual(
      expect.objectContaining({ event: 'login.succeeded', userId: '1', method: 'passkey' }),
    );
  });

  test('the emailed-code user adds one with the password and signs in with it: no code asked', async () => {
    await setup();
    const access = await loginWithEmailedCode();
    await addPasskey(access, PASSWORDS.user);
    const mails = t.mailer.sent.length;
    const res = await passkeyLogin(authenticator.get(await options())).expect(200);
    expect(res.body.accessToken).toEqual(expect.any(String));
    expect(res.body.tfaRequired).toBeUndefined();
    expect(t.mailer.sent).toHaveLength(mails);
  });

  test('the body may be empty for the options; a login needs the assertion', async () => {
    await setup();
    await request(t.app).post('/auth/passkeys/login/options').expect(200);
    const res = await passkeyLogin({});
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
  });

  test('a replayed assertion is refused (the challenge is single use)', async () => {
    await setup();
    await addPasskey(await loginToken(t));
    const assertion = authenticator.get(await options());
    await passkeyLogin(assertion).expect(200);
    refused(await passkeyLogin(assertion));
  });

  test('a counter that goes backwards (or stays) is refused and reported; the stored counter is kept', async () => {
    await setup();
    const passkeyId = await addPasskey(await loginToken(t));
    await passkeyLogin(authenticator.get(await options(), { counter: 10 })).expect(200);
    refused(await passkeyLogin(authenticator.get(await options(), { counter: 9 })));
    refused(await passkeyLogin(authenticator.get(await options(), { counter: 10 })));
    expect(t.users.listPasskeys('1')[0]!.counter).toBe(10);
    await settle();
    expect(events.filter((e) => e.event === 'passkey.counter_regressed')).toEqual([
      expect.objectContaining({ userId: '1', passkeyId }),
      expect.objectContaining({ userId: '1', passkeyId }),
    ]);
    expect(events).toContainEqual(
      expect.objectContaining({ event: 'login.failed', reason: 'passkey_invalid', method: 'passkey', userId: '1' }),
    );
    await passkeyLogin(authenticator.get(await options(), { counter: 11 })).expect(200);
  });

  test('an authenticator that keeps no counter (always 0) signs in each time', async () => {
    await setup();
    await addPasskey(await loginToken(t));
    await passkeyLogin(authenticator.get(await options(), { counter: 0 })).expect(200);
    await passkeyLogin(authenticator.get(await options(), { counter: 0 })).expect(200);
  });

  test('a foreign origin, a foreign RP ID, no user verification, a wrong type or a wrong user handle is refused', async () => {
    await setup();
    await addPasskey(await loginToken(t));
    const cases = [
      { origin: 'https://evil.example.net' },
      { rpId: 'evil.example.net' },
      { flags: FLAG_UP },
      { type: 'webauthn.create' },
      { userHandle: Buffer.alloc(32, 1).toString('base64url') },
    ];
    for (const over of cases) refused(await passkeyLogin(authenticator.get(await options(), over)));
    await passkeyLogin(authenticator.get(await options())).expect(200);
  });

  test('a registration challenge cannot serve a login, and a login challenge expires after 5 minutes', async () => {
    await setup();
    const access = await loginToken(t);
    await addPasskey(access);
    const registration = await registerOptions(access, { password: PASSWORDS.admin }).expect(200);
    refused(await passkeyLogin(authenticator.get({ challenge: registration.body.challenge, rpId: 'example.com' })));
    const opts = await options();
    t.clock.advance(5 * 60_000 + 1);
    refused(await passkeyLogin(authenticator.get(opts)));
  });

  test('an unknown credential and a made-up challenge are refused', async () => {
    await setup();
    await addPasskey(await loginToken(t));
    const stranger = new SoftAuthenticator(ORIGIN, 'example.com');
    stranger.create({ challenge: 'x', rp: { id: 'example.com', name: 'x' }, user: { id: 'AAAA', name: 'x' } });
    refused(await passkeyLogin(stranger.get(await options())));
    refused(
      await passkeyLogin(
        authenticator.get({ challenge: Buffer.alloc(32, 7).toString('base64url'), rpId: 'example.com' }),
      ),
    );
  });

  test('a disabled user is refused, and login.failed names the user', async () => {
    await setup();
    await addPasskey(await loginToken(t, 'guest'), PASSWORDS.guest);
    t.users.update('3', { disabled: true });
    refused(await passkeyLogin(authenticator.get(await options())));
    await settle();
    expect(events).toContainEqual(
      expect.objectContaining({ event: 'login.failed', reason: 'passkey_invalid', userId: '3' }),
    );
  });

  test('cookie transport: the refresh token in its cookie, and a page of another origin is refused (login CSRF)', async () => {
    await setup({ cookies: { trustedOrigins: [ORIGIN] } });
    await addPasskey(await loginToken(t));
    const res = await passkeyLogin(authenticator.get(await options()))
      .set('X-Auth-Transport', 'cookie')
      .set('Origin', ORIGIN)
      .expect(200);
    expect(res.body.refreshToken).toBeUndefined();
    expect(String(res.headers['set-cookie'])).toContain('__Host-eak-refresh=');
    const foreign = await passkeyLogin(authenticator.get(await options()))
      .set('X-Auth-Transport', 'cookie')
      .set('Origin', 'https://evil.example.net');
    expect(foreign.status).toBe(403);
    expect(foreign.body.error).toBe('csrf_rejected');
  });
});

describe('managing passkeys', () => {
  test('rename 200, delete 204 with passkey.deleted; a deleted passkey no longer signs in', async () => {
    await setup();
    const access = await loginToken(t);
    const id = await addPasskey(access);
    const renamed = await request(t.app)
      .patch(`/auth/passkeys/${id}`)
      .set('Authorization', `Bearer ${access}`)
      .send({ name: 'Phone' })
      .expect(200);
    expect(renamed.body).toMatchObject({ id, name: 'Phone' });
    await request(t.app).delete(`/auth/passkeys/${id}`).set('Authorization', `Bearer ${access}`).expect(204);
    expect(t.users.listPasskeys('1')).toEqual([]);
    refused(await passkeyLogin(authenticator.get(await options())));
    await settle();
    expect(events).toContainEqual(expect.objectContaining({ event: 'passkey.deleted', userId: '1', passkeyId: id }));
  });

  test("another user's passkey answers exactly like a missing one (404), and is left as it was", async () => {
    await setup();
    const id = await addPasskey(await loginToken(t, 'admin'));
    const guest = await loginToken(t, 'guest');
    const missing = await request(t.app).delete('/auth/passkeys/no-such-id').set('Authorization', `Bearer ${guest}`);
    const foreign = await request(t.app).delete(`/auth/passkeys/${id}`).set('Authorization', `Bearer ${guest}`);
    expect(foreign.status).toBe(404);
    expect(foreign.body).toEqual(missing.body);
    const rename = await request(t.app)
      .patch(`/auth/passkeys/${id}`)
      .set('Authorization', `Bearer ${guest}`)
      .send({ name: 'Mine' });
    const renameMissing = await request(t.app)
      .patch('/auth/passkeys/no-such-id')
      .set('Authorization', `Bearer ${guest}`)
      .send({ name: 'Mine' });
    expect(rename.status).toBe(404);
    expect(rename.body).toEqual(renameMissing.body);
    expect(t.users.listPasskeys('1')).toEqual([expect.objectContaining({ id, name: 'Passkey' })]);
    expect(
      (await request(t.app).get('/auth/passkeys').set('Authorization', `Bearer ${guest}`).expect(200)).body,
    ).toEqual({ passkeys: [] });
  });
});

describe('the passkeys option', () => {
  const base = { secret: TEST_SECRET, users: new MemoryUserStore() };

  test('off by default: no passkey route is mounted', async () => {
    t = await createTestApp();
    expect((await request(t.app).post('/auth/passkeys/login/options').send({})).status).toBe(404);
    expect(Object.keys(t.auth.openapi().paths).filter((path) => path.includes('passkeys'))).toEqual([]);
  });

  test.each(['127.0.0.1', '::1', '[::1]', '192.168.1.10'])(
    'an IP address as rpId (%s) is refused, naming the option',
    (rpId) => {
      expect(() =>
        createAuth({ ...base, passkeys: { rpId, rpName: 'x', origins: ['http://localhost:3000'] } }),
      ).toThrow(/"passkeys\.rpId".*not an IP address/);
    },
  );

  test('origins must be under the RP ID, https except on localhost; rpName is required', () => {
    expect(() =>
      createAuth({ ...base, passkeys: { rpId: 'example.com', rpName: 'x', origins: ['https://example.org'] } }),
    ).toThrow(/"passkeys\.origins"/);
    expect(() =>
      createAuth({ ...base, passkeys: { rpId: 'example.com', rpName: 'x', origins: ['http://example.com'] } }),
    ).toThrow(/"passkeys\.origins".*https/);
    expect(() => createAuth({ ...base, passkeys: { rpId: 'example.com', rpName: 'x', origins: [] } })).toThrow(
      /"passkeys\.origins"/,
    );
    expect(() =>
      createAuth({ ...base, passkeys: { rpId: 'example.com', rpName: '', origins: ['https://example.com'] } }),
    ).toThrow(/"passkeys\.rpName"/);
    expect(() =>
      createAuth({ ...base, passkeys: { rpId: 'https://example.com', rpName: 'x', origins: ['https://example.com'] } }),
    ).toThrow(/"passkeys\.rpId"/);
    const auth = createAuth({
      ...base,
      passkeys: { rpId: 'localhost', rpName: 'x', origins: ['http://localhost:3000', 'https://app.localhost'] },
    });
    void auth.shutdown();
  });

  test("a host's store without the passkey methods keeps working without passkeys, and the option is refused with a clear message", () => {
    const memory = new MemoryUserStore();
    const hostStore: UserStore = {
      findByLogin: (name) => memory.findByLogin(name),
      findById: (id) => memory.findById(id),
      recordLogin: (id, at) => memory.recordLogin(id, at),
      updatePassword: (id, hash, expiresAt) => memory.updatePassword(id, hash, expiresAt),
    };
    const auth = createAuth({ secret: TEST_SECRET, users: hostStore, apiKeys: false });
    void auth.shutdown();
    expect(() => createAuth({ secret: TEST_SECRET, users: hostStore, apiKeys: false, passkeys: PASSKEYS })).toThrow(
      /"passkeys" needs a user store that keeps passkeys: "users" has no "createPasskey"/,
    );
  });
});
