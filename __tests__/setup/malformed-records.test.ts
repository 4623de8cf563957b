// A record the library stored and reads back (a mailed token's, a second-factor challenge's, the open challenges, a
// pending enrolment's, a trusted device's, a passkey challenge's) that is not what it wrote, corrupted in the store or
// written under its key by something else, fails closed: 503 with the JSON error body, nothing changed, and the flow
// works again once the store hands back what was stored. The store is wrapped so that, while armed, every JSON value
// it hands back has no record's shape: the tests need not know which key a flow reads.
import request from 'supertest';
import { MemoryStateStore, type Counter, type StateStore } from '../../lib';
import {
  createFakeClock,
  createTestApp,
  PASSWORDS,
  type CreateTestAppOptions,
  type TestApp,
} from '../helpers/create-app';
import { SoftAuthenticator } from '../helpers/soft-authenticator';
import { totpCode } from '../../lib/primitives/totp';

/** Valid JSON, but no record of the library's: every field a record needs is missing. */
const FOREIGN_VALUE = '{"malformed":true}';

class CorruptingStateStore implements StateStore {
  /** While true, every JSON object or array read (get, take) comes back as FOREIGN_VALUE. */
  armed = false;
  /** How many values were replaced. */
  corrupted = 0;
  /** The kinds of the writes made while armed, in order. */
  readonly writesWhileArmed: string[] = [];

  constructor(private readonly inner: MemoryStateStore) {}

  private corrupt(value: string | null): string | null {
    if (!this.armed || value === null || !/^[[{]/.test(value)) return value;
    this.corrupted += 1;
    return FOREIGN_VALUE;
  }

  private note(op: string): void {
    if (this.armed) this.writesWhileArmed.push(op);
  }

  async get(key: string): Promise<string | null> {
    return this.corrupt(await this.inner.get(key));
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.note('set');
    await this.inner.set(key, value, ttlMs);
  }

  async delete(key: string): Promise<void> {
    this.note('delete');
    await this.inner.delete(key);
  }

  async increment(key: string, ttlMs: number): Promise<Counter> {
    this.note('increment');
    return this.inner.increment(key, ttlMs);
  }

  async take(key: string): Promise<string | null> {
    const value = await this.inner.take(key);
    if (value !== null) this.note('take');
    return this.corrupt(value);
  }

  async compareAndSet(key: string, expected: string | null, value: string | null, ttlMs: number): Promise<boolean> {
    const replaced = await this.inner.compareAndSet(key, expected, value, ttlMs);
    if (replaced) this.note('compareAndSet');
    return replaced;
  }

  async shutdown(): Promise<void> {
    await this.inner.shutdown();
  }
}

let t: TestApp;
let store: CorruptingStateStore;

afterEach(async () => {
  await t?.close();
  await store?.shutdown();
});

async function setup(options: CreateTestAppOptions = {}): Promise<void> {
  const clock = createFakeClock();
  store = new CorruptingStateStore(new MemoryStateStore({ clock }));
  t = await createTestApp({ clock, stateStore: store, ...options });
}

/** The answer of `send` with the store armed: asserted 503 with the JSON error body. */
async function withCorruptRecords(send: () => Promise<request.Response>): Promise<request.Response> {
  store.armed = true;
  try {
    const res = await send();
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    // The generic answer: the record's name and the store's content stay on the server.
    expect(res.body).toEqual({ error: 'unavailable', message: 'Authentication is temporarily unavailable.' });
    expect(store.corrupted).toBeGreaterThan(0);
    return res;
  } finally {
    store.armed = false;
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
const login = (username: string, password: string, cookie?: string) => {
  const req = request(t.app).post('/auth/login');
  if (cookie !== undefined) req.set('Cookie', cookie);
  return req.send({ username, password });
};
const tfaVerify = (challenge: string, body: Record<string, unknown>) =>
  request(t.app).post('/auth/tfa/verify').set('Authorization', `Bearer ${challenge}`).send(body);

test('a password-reset token: 503, the password unchanged, and the token still resets it', async () => {
  await setup({ passwordReset: { urlTemplate: 'https://app.example/reset?token={token}' } });
  await request(t.app).post('/auth/password/forgot').send({ email: 'guest@example.com' }).expect(202);
  await settle();
  const token = new URL(t.mailer.resetLinks.at(-1)!.url).searchParams.get('token')!;
  const reset = () => request(t.app).post('/auth/password/reset').send({ token, newPassword: 'a-brand-new-password' });

  await withCorruptRecords(reset);
  expect(store.writesWhileArmed).toEqual([]);
  await login('guest', PASSWORDS.guest).expect(200);
  await reset().expect(204);
  await login('guest', 'a-brand-new-password').expect(200);
});

test('a sign-up verification token: 503, the address still unverified, and the token still verifies it', async () => {
  await setup({ registration: { urlTemplate: 'https://app.example/verify-email?token={token}' } });
  await request(t.app)
    .post('/auth/register')
    .send({ username: 'alice', email: 'alice@example.org', password: 'a-long-enough-password' })
    .expect(202);
  await settle();
  const token = new URL(t.mailer.verificationLinks.at(-1)!.url).searchParams.get('token')!;
  const verify = () => request(t.app).post('/auth/register/verify').send({ token });

  await withCorruptRecords(verify);
  expect(store.writesWhileArmed).toEqual([]);
  expect((await t.users.findByLogin('alice'))?.emailVerified).toBe(false);
  await verify().expect(204);
  expect((await t.users.findByLogin('alice'))?.emailVerified).toBe(true);
});

test('a second-factor challenge: verify and resend answer 503, no session and no mail, and the challenge still completes', async () => {
  await setup();
  const first = await login('user', PASSWORDS.user).expect(200);
  const challenge = first.body.challengeToken as string;
  const code = t.mailer.last('user@example.com')!.code;
  const mails = t.mailer.sent.length;

  await withCorruptRecords(() => tfaVerify(challenge, { code }));
  // Only the guess is counted, before the challenge is read: a guess costs one attempt whatever the store holds.
  expect(store.writesWhileArmed).toEqual(['increment']);
  store.writesWhileArmed.length = 0;
  await withCorruptRecords(() =>
    request(t.app).post('/auth/tfa/resend').set('Authorization', `Bearer ${challenge}`).send({}),
  );
  expect(store.writesWhileArmed).toEqual([]);
  expect(t.mailer.sent).toHaveLength(mails);

  const res = await tfaVerify(challenge, { code }).expect(200);
  expect(res.body.accessToken).toEqual(expect.any(String));
});

test("the account's open challenges: a new login answers 503, mails no code, and the earlier challenge stands", async () => {
  await setup();
  const first = await login('user', PASSWORDS.user).expect(200);
  const code = t.mailer.last('user@example.com')!.code;
  const mails = t.mailer.sent.length;

  const res = await withCorruptRecords(() => login('user', PASSWORDS.user));
  expect(res.body.challengeToken).toBeUndefined();
  // The list was not rewritten, so no earlier challenge was ended through it. (The new challenge's own record, stored
  // just before the list is read, is left to expire: no token for it was handed out.)
  expect(store.writesWhileArmed).not.toContain('compareAndSet');
  expect(store.writesWhileArmed).not.toContain('delete');
  expect(t.mailer.sent).toHaveLength(mails);
  await tfaVerify(first.body.challengeToken as string, { code }).expect(200);
});

test('a pending authenticator enrolment: 503, no factor set, and the enrolment still confirms', async () => {
  await setup();
  const access = (await login('guest', PASSWORDS.guest).expect(200)).body.accessToken as string;
  const secret = (
    await request(t.app)
      .post('/auth/tfa/totp/enroll')
      .set('Authorization', `Bearer ${access}`)
      .send({ password: PASSWORDS.guest })
      .expect(200)
  ).body.secret as string;
  const confirm = () =>
    request(t.app)
      .post('/auth/tfa/totp/confirm')
      .set('Authorization', `Bearer ${access}`)
      .send({ code: totpCode(secret, Math.floor(t.clock() / 30_000)) });

  await withCorruptRecords(confirm);
  expect(store.writesWhileArmed).toEqual([]);
  expect((await t.users.findByLogin('guest'))?.secondFactor).toBeUndefined();
  await confirm().expect(200);
  expect((await t.users.findByLogin('guest'))?.secondFactor).toBe('TOTP');
});

test('a trusted device: the login answers 503 with no session, and the device is still trusted', async () => {
  await setup({ trustedDevices: true });
  const first = await login('user', PASSWORDS.user).expect(200);
  const verified = await tfaVerify(first.body.challengeToken as string, {
    code: t.mailer.last('user@example.com')!.code,
    rememberDevice: true,
  }).expect(200);
  const cookie = ((verified.headers['set-cookie'] as unknown as string[]) ?? [])
    .map((line) => line.split(';')[0])
    .join('; ');
  expect(cookie).toContain('__Host-eak-trusted=');

  const res = await withCorruptRecords(() => login('user', PASSWORDS.user, cookie));
  expect(res.body.accessToken).toBeUndefined();
  // Only the login's own attempt count, made before the password is checked and any record read.
  expect(store.writesWhileArmed).toEqual(['increment']);
  const again = await login('user', PASSWORDS.user, cookie).expect(200);
  expect(again.body.accessToken).toEqual(expect.any(String));
});

test('a passkey challenge: adding the passkey answers 503 and adds none', async () => {
  const origin = 'https://app.example.com';
  await setup({ passkeys: { rpId: 'example.com', rpName: 'Example', origins: [origin] } });
  const authenticator = new SoftAuthenticator(origin, 'example.com');
  const access = (await login('admin', PASSWORDS.admin).expect(200)).body.accessToken as string;
  const options = await request(t.app)
    .post('/auth/passkeys/register/options')
    .set('Authorization', `Bearer ${access}`)
    .send({ password: PASSWORDS.admin })
    .expect(200);

  await withCorruptRecords(() =>
    request(t.app)
      .post('/auth/passkeys/register')
      .set('Authorization', `Bearer ${access}`)
      .send(authenticator.create(options.body)),
  );
  // The challenge is taken before it is read (single use), and nothing else is written.
  expect(store.writesWhileArmed).toEqual(['take']);
  const list = await request(t.app).get('/auth/passkeys').set('Authorization', `Bearer ${access}`).expect(200);
  expect(list.body).toEqual({ passkeys: [] });
});
