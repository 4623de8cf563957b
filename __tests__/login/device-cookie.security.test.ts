// Device cookies (OWASP): a client that logged in before is locked per device, so a stranger's failures cannot lock
// the owner out, while a stranger without a device cookie still meets the account lockout.
import request from 'supertest';
import { createTestApp, PASSWORDS, type CreateTestAppOptions, type TestApp } from '../helpers/create-app';

const COOKIE = '__Host-eak-device';

let t: TestApp;

async function setup(options: CreateTestAppOptions = {}): Promise<void> {
  t = await createTestApp({ rateLimit: false, ...options });
}

afterEach(async () => {
  await t?.close();
});

function login(username: string, password: string, deviceCookie?: string) {
  const req = request(t.app).post('/auth/login');
  if (deviceCookie) req.set('Cookie', deviceCookie);
  return req.send({ username, password });
}

/** The `name=value` pair of the device cookie a response set. */
function deviceCookieOf(res: request.Response): string {
  const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const cookie = cookies.find((line) => line.startsWith(`${COOKIE}=`));
  expect(cookie).toBeDefined();
  return cookie!.split(';')[0]!;
}

describe('device cookies', () => {
  test('a login sets an HttpOnly, Secure, SameSite=Strict, host-only device cookie', async () => {
    await setup();
    const res = await login('guest', PASSWORDS.guest).expect(200);
    const line = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((l) => l.startsWith(`${COOKIE}=`))!;
    expect(line).toMatch(/; HttpOnly/i);
    expect(line).toMatch(/; Secure/i);
    expect(line).toMatch(/; SameSite=Strict/i);
    expect(line).toMatch(/; Path=\//i);
    expect(line).not.toMatch(/Domain=/i);
  });

  test("an attacker's lockout burst leaves the owner's device able to log in, while the attacker stays locked", async () => {
    await setup();
    const device = deviceCookieOf(await login('guest', PASSWORDS.guest).expect(200));

    for (let i = 0; i < 10; i += 1) await login('guest', `attacker-guess-${i}`).expect(401);
    const attacker = await login('guest', 'attacker-guess-10');
    expect(attacker.status).toBe(403);
    expect(attacker.body).toMatchObject({ error: 'login_blocked' });
    // Even with the right password, a client without a device cookie is locked out.
    expect((await login('guest', PASSWORDS.guest)).status).toBe(403);

    const owner = await login('guest', PASSWORDS.guest, device);
    expect(owner.status).toBe(200);
    expect(owner.body.accessToken).toEqual(expect.any(String));
    expect((await login('guest', 'attacker-guess-11')).status).toBe(403);
  });

  test('a device that guesses wrong is locked itself, without locking the account for others', async () => {
    await setup();
    const device = deviceCookieOf(await login('guest', PASSWORDS.guest).expect(200));
    for (let i = 0; i < 10; i += 1) await login('guest', `typo-${i}`, device).expect(401);
    expect((await login('guest', PASSWORDS.guest, device)).status).toBe(403);
    // Another client, untrusted, still gets the account's own budget.
    expect((await login('guest', PASSWORDS.guest)).status).toBe(200);
  });

  test('a device cookie of another account, or a forged one, counts like none', async () => {
    await setup();
    const adminDevice = deviceCookieOf(await login('admin', PASSWORDS.admin).expect(200));
    for (let i = 0; i < 10; i += 1) await login('guest', `guess-${i}`, adminDevice).expect(401);
    expect((await login('guest', PASSWORDS.guest, adminDevice)).status).toBe(403);
    expect((await login('guest', PASSWORDS.guest, `${COOKIE}=forged.value.here`)).status).toBe(403);
  });

  test('a login waiting on its second factor completes from its device while the account is locked', async () => {
    await setup();
    const first = await login('user', PASSWORDS.user).expect(200);
    const code = t.mailer.last('user@example.com')?.code;
    const verified = await request(t.app)
      .post('/auth/tfa/verify')
      .set('Authorization', `Bearer ${first.body.challengeToken}`)
      .send({ code });
    expect(verified.status).toBe(200);
    const device = deviceCookieOf(verified);

    const pending = await login('user', PASSWORDS.user, device).expect(200);
    const pendingCode = t.mailer.last('user@example.com')?.code;
    for (let i = 0; i < 11; i += 1) await login('user', `attacker-${i}`);
    expect((await login('user', PASSWORDS.user)).status).toBe(403);

    const res = await request(t.app)
      .post('/auth/tfa/verify')
      .set('Authorization', `Bearer ${pending.body.challengeToken}`)
      .set('Cookie', device)
      .send({ code: pendingCode });
    expect(res.status).toBe(200);
  });

  test('deviceCookie: false sets no cookie and keeps the account lockout for everyone', async () => {
    await setup({ deviceCookie: false });
    const res = await login('guest', PASSWORDS.guest).expect(200);
    expect(res.headers['set-cookie']).toBeUndefined();
  });
});
