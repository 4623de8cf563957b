// Trusted devices ("remember this browser"): rememberDevice at second-factor verify, the login that skips the factor,
// the list, and every way a trust ends (the DELETE endpoint, password change, reset, log out everywhere, expiry).
import request from 'supertest';
import type { AuthEvent } from '../../lib';
import { totpCode } from '../../lib/primitives/totp';
import {
  closeAfterEach,
  createRecordingApp,
  createTestApp,
  PASSWORDS,
  type CreateTestAppOptions,
  type TestApp,
} from '../helpers/create-app';
import { settle } from '../helpers/session';

const COOKIE = '__Host-eak-trusted';
const URL_TEMPLATE = 'https://app.example/reset?token={token}';

let t: TestApp;
let events: AuthEvent[];

closeAfterEach(() => t);

async function setup(options: CreateTestAppOptions = {}): Promise<void> {
  ({ t, events } = await createRecordingApp({
    trustedDevices: true,
    passwordReset: { urlTemplate: URL_TEMPLATE },
    ...options,
  }));
}

/** A browser: the cookies it keeps (name → value), updated from every answer's Set-Cookie. */
class Browser {
  readonly jar = new Map<string, string>();

  header(): string {
    return [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  keep(res: request.Response): request.Response {
    const set = res.headers['set-cookie'] as unknown as string[] | undefined;
    for (const line of set ?? []) {
      const [pair] = line.split(';');
      const index = pair!.indexOf('=');
      const name = pair!.slice(0, index);
      const value = pair!.slice(index + 1);
      if (value === '' || /Max-Age=0\b/i.test(line)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return res;
  }

  async login(username: string, password: string): Promise<request.Response> {
    const req = request(t.app).post('/auth/login');
    if (this.jar.size > 0) req.set('Cookie', this.header());
    return this.keep(await req.send({ username, password }));
  }

  async verify(challenge: string, body: Record<string, unknown>): Promise<request.Response> {
    const req = request(t.app).post('/auth/tfa/verify').set('Authorization', `Bearer ${challenge}`);
    if (this.jar.size > 0) req.set('Cookie', this.header());
    return this.keep(await req.send(body));
  }
}

/** Logs `user` in with the emailed code, asking to be remembered (or not); returns the completed login's answer. */
async function loginWithEmailCode(browser: Browser, rememberDevice: boolean | undefined): Promise<request.Response> {
  const first = await browser.login('user', PASSWORDS.user);
  expect(first.status).toBe(200);
  expect(first.body).toMatchObject({ tfaRequired: true, method: 'EMAIL' });
  const code = t.mailer.last('user@example.com')!.code;
  const res = await browser.verify(
    first.body.challengeToken as string,
    rememberDevice === undefined ? { code } : { code, rememberDevice },
  );
  expect(res.status).toBe(200);
  expect(res.body.accessToken).toEqual(expect.any(String));
  return res;
}

/** The answer of a password login of `user` from `browser`: completed (tokens) or a challenge. */
async function skipsTheCode(browser: Browser, username = 'user', password: string = PASSWORDS.user): Promise<boolean> {
  const res = await browser.login(username, password);
  expect(res.status).toBe(200);
  return typeof res.body.accessToken === 'string' && res.body.tfaRequired !== true;
}

function trustedDeviceCookieLine(res: request.Response): string | undefined {
  return ((res.headers['set-cookie'] as unknown as string[] | undefined) ?? []).find((line) =>
    line.startsWith(`${COOKIE}=`),
  );
}

describe('remember this browser (EMAIL code)', () => {
  beforeEach(() => setup());

  test('rememberDevice sets an HttpOnly, Secure, SameSite=Strict __Host- cookie of 30 days; the next login from that browser skips the code', async () => {
    const browser = new Browser();
    const verified = await loginWithEmailCode(browser, true);
    const line = trustedDeviceCookieLine(verified);
    expect(line).toBeDefined();
    expect(line).toMatch(/; Max-Age=2592000; Path=\/; HttpOnly; Secure; SameSite=Strict$/);
    // Never in a body.
    expect(JSON.stringify(verified.body)).not.toContain(browser.jar.get(COOKIE)!);

    const mailsBefore = t.mailer.sent.length;
    const again = await browser.login('user', PASSWORDS.user);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ accessToken: expect.any(String), refreshToken: expect.any(String) });
    expect(again.body.tfaRequired).toBeUndefined();
    expect(t.mailer.sent.length).toBe(mailsBefore);
    await request(t.app).get('/api/protected').set('Authorization', `Bearer ${again.body.accessToken}`).expect(200);
    await settle();
    const trusted = events.find((event) => event.event === 'device.trusted');
    expect(trusted).toMatchObject({ userId: '2', trustedDeviceId: expect.any(String) });
    expect(events).toContainEqual(
      expect.objectContaining({
        event: 'tfa.verified',
        userId: '2',
        method: 'trusted_device',
        trustedDeviceId: trusted!.trustedDeviceId,
      }),
    );
    expect(events.filter((event) => event.event === 'login.succeeded')).toHaveLength(2);
  });

  test('without rememberDevice (or with false) no cookie is set and the next login asks for the code', async () => {
    for (const remember of [undefined, false]) {
      const browser = new Browser();
      const verified = await loginWithEmailCode(browser, remember);
      expect(trustedDeviceCookieLine(verified)).toBeUndefined();
      expect(await skipsTheCode(browser)).toBe(false);
    }
  });

  test('another browser still gets the challenge', async () => {
    await loginWithEmailCode(new Browser(), true);
    expect(await skipsTheCode(new Browser())).toBe(false);
  });

  test('a wrong password with a trusted browser is the ordinary 401, and says nothing of the trust', async () => {
    const trusted = new Browser();
    await loginWithEmailCode(trusted, true);
    const withTrust = await trusted.login('user', 'wrong-password');
    const without = await new Browser().login('user', 'wrong-password');
    expect(withTrust.status).toBe(401);
    expect(withTrust.body).toEqual(without.body);
    expect(trustedDeviceCookieLine(withTrust)).toBeUndefined();
  });

  test('rememberDevice must be a boolean (400, the challenge stays usable)', async () => {
    const browser = new Browser();
    const first = await browser.login('user', PASSWORDS.user);
    const code = t.mailer.last('user@example.com')!.code;
    const bad = await browser.verify(first.body.challengeToken as string, { code, rememberDevice: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'invalid_request', message: expect.stringContaining('rememberDevice') });
    await browser
      .verify(first.body.challengeToken as string, { code, rememberDevice: true })
      .then((res) => expect(res.status).toBe(200));
  });

  test("GET /auth/trusted-devices lists them, the caller's own marked; DELETE ends them all (204) and the code is asked again", async () => {
    const first = new Browser();
    const second = new Browser();
    const access = (await loginWithEmailCode(first, true)).body.accessToken as string;
    await loginWithEmailCode(second, true);

    const list = await request(t.app)
      .get('/auth/trusted-devices')
      .set('Authorization', `Bearer ${access}`)
      .set('Cookie', first.header())
      .expect(200);
    expect(list.body.trustedDevices).toHaveLength(2);
    expect(list.body.trustedDevices.filter((device: { current: boolean }) => device.current)).toHaveLength(1);
    expect(list.body.trustedDevices[0]).toMatchObject({
      id: expect.any(String),
      createdAt: expect.any(String),
      expiresAt: expect.any(String),
      client: expect.any(Object),
    });

    await request(t.app).delete('/auth/trusted-devices').set('Authorization', `Bearer ${access}`).expect(204);
    expect(await skipsTheCode(first)).toBe(false);
    expect(await skipsTheCode(second)).toBe(false);
    const after = await request(t.app)
      .get('/auth/trusted-devices')
      .set('Authorization', `Bearer ${access}`)
      .expect(200);
    expect(after.body).toEqual({ trustedDevices: [] });
    await settle();
    expect(events).toContainEqual(
      expect.objectContaining({ event: 'devices.untrusted', userId: '2', untrustedDevices: 2 }),
    );
  });

  test('the routes need an access token', async () => {
    await request(t.app).get('/auth/trusted-devices').expect(401);
    await request(t.app).delete('/auth/trusted-devices').expect(401);
  });

  test('a password change ends every trusted device', async () => {
    const browser = new Browser();
    const access = (await loginWithEmailCode(browser, true)).body.accessToken as string;
    await request(t.app)
      .post('/auth/account/password')
      .set('Authorization', `Bearer ${access}`)
      .send({ currentPassword: PASSWORDS.user, newPassword: 'a-brand-new-passphrase' })
      .expect(204);
    expect(await skipsTheCode(browser, 'user', 'a-brand-new-passphrase')).toBe(false);
    await settle();
    expect(events).toContainEqual(
      expect.objectContaining({ event: 'devices.untrusted', userId: '2', untrustedDevices: 1 }),
    );
  });

  test('a password reset ends every trusted device', async () => {
    const browser = new Browser();
    await loginWithEmailCode(browser, true);
    await request(t.app).post('/auth/password/forgot').send({ email: 'user@example.com' }).expect(202);
    await settle();
    const token = new URL(t.mailer.resetLinks.at(-1)!.url).searchParams.get('token');
    await request(t.app)
      .post('/auth/password/reset')
      .send({ token, newPassword: 'a-brand-new-passphrase' })
      .expect(204);
    expect(await skipsTheCode(browser, 'user', 'a-brand-new-passphrase')).toBe(false);
  });

  test('"log out everywhere" ends every trusted device', async () => {
    const browser = new Browser();
    const access = (await loginWithEmailCode(browser, true)).body.accessToken as string;
    await request(t.app).post('/auth/logout/all').set('Authorization', `Bearer ${access}`).expect(204);
    expect(await skipsTheCode(browser)).toBe(false);
  });

  test("auth.endAllSessions() (the host's own call) ends them too", async () => {
    const browser = new Browser();
    await loginWithEmailCode(browser, true);
    await t.auth.endAllSessions('2');
    expect(await skipsTheCode(browser)).toBe(false);
  });

  test('the trust expires after its lifetime (fake clock); using it does not extend it', async () => {
    await t.close();
    await setup({ trustedDevices: { lifetime: '1d' } });
    const browser = new Browser();
    await loginWithEmailCode(browser, true);
    t.clock.advance(23 * 3600 * 1000);
    expect(await skipsTheCode(browser)).toBe(true);
    t.clock.advance(3600 * 1000 + 1000);
    expect(await skipsTheCode(browser)).toBe(false);
  });

  test("maxPerUser bounds a user's trusted devices: one more ends the oldest", async () => {
    await t.close();
    await setup({ trustedDevices: { maxPerUser: 2 } });
    const browsers = [new Browser(), new Browser(), new Browser()];
    for (const browser of browsers) {
      await loginWithEmailCode(browser, true);
      t.clock.advance(1000);
    }
    expect(await skipsTheCode(browsers[0]!)).toBe(false);
    expect(await skipsTheCode(browsers[1]!)).toBe(true);
    expect(await skipsTheCode(browsers[2]!)).toBe(true);
  });
});

describe('remember this browser (authenticator app)', () => {
  beforeEach(() => setup());

  test("a TOTP user's second login from the same browser skips the code; another browser gets the challenge", async () => {
    const access = (
      await request(t.app).post('/auth/login').send({ username: 'guest', password: PASSWORDS.guest }).expect(200)
    ).body.accessToken as string;
    const enrolled = await request(t.app)
      .post('/auth/tfa/totp/enroll')
      .set('Authorization', `Bearer ${access}`)
      .send({ password: PASSWORDS.guest })
      .expect(200);
    const secret = enrolled.body.secret as string;
    const step = () => Math.floor(t.clock() / 30_000);
    await request(t.app)
      .post('/auth/tfa/totp/confirm')
      .set('Authorization', `Bearer ${access}`)
      .send({ code: totpCode(secret, step()) })
      .expect(200);
    t.clock.advance(30_000);

    const browser = new Browser();
    const first = await browser.login('guest', PASSWORDS.guest);
    expect(first.body).toMatchObject({ tfaRequired: true, method: 'TOTP' });
    const verified = await browser.verify(first.body.challengeToken as string, {
      code: totpCode(secret, step()),
      rememberDevice: true,
    });
    expect(verified.status).toBe(200);
    expect(trustedDeviceCookieLine(verified)).toBeDefined();

    expect(await skipsTheCode(browser, 'guest', PASSWORDS.guest)).toBe(true);
    expect(await skipsTheCode(new Browser(), 'guest', PASSWORDS.guest)).toBe(false);
  });
});

describe('options', () => {
  test('off by default: rememberDevice is accepted and ignored, no cookie, no routes', async () => {
    await setup({ trustedDevices: undefined });
    const browser = new Browser();
    const verified = await loginWithEmailCode(browser, true);
    expect(trustedDeviceCookieLine(verified)).toBeUndefined();
    expect(await skipsTheCode(browser)).toBe(false);
    await request(t.app)
      .get('/auth/trusted-devices')
      .set('Authorization', `Bearer ${verified.body.accessToken}`)
      .expect(404);
    expect(Object.keys(t.auth.openapi().paths)).not.toContain('/auth/trusted-devices');
  });

  test('with cookies.insecureDevelopment the cookie drops Secure and __Host-, as the other cookies do', async () => {
    await setup({ cookies: { trustedOrigins: ['http://192.168.1.2:3000'], insecureDevelopment: true } });
    const browser = new Browser();
    const first = await browser.login('user', PASSWORDS.user);
    const verified = await browser.verify(first.body.challengeToken as string, {
      code: t.mailer.last('user@example.com')!.code,
      rememberDevice: true,
    });
    const line = ((verified.headers['set-cookie'] as unknown as string[]) ?? []).find((l) =>
      l.startsWith('eak-trusted='),
    );
    expect(line).toMatch(/; HttpOnly; SameSite=Strict$/);
    expect(line).not.toContain('Secure');
    expect(await skipsTheCode(browser)).toBe(true);
  });

  test('wrong settings fail at start-up, naming the option', async () => {
    const cases: [unknown, RegExp][] = [
      [{ lifetime: 'forever' }, /"trustedDevices.lifetime"/],
      [{ maxPerUser: 0 }, /"trustedDevices.maxPerUser"/],
      [{ cookieName: 'eak-trusted' }, /"trustedDevices.cookieName" must start with "__Host-"/],
      [{ cookieName: '__Host-eak-device' }, /"trustedDevices.cookieName" must differ/],
      [{ lifetimes: '1d' }, /Unknown option "trustedDevices.lifetimes"/],
      ['yes', /"trustedDevices" must be an object/],
    ];
    for (const [value, message] of cases) {
      await expect(createTestApp({ trustedDevices: value as never })).rejects.toThrow(message);
    }
  });

  test('the OpenAPI document names the cookie as an apiKey-in-cookie scheme on the login', async () => {
    await setup();
    const document = t.auth.openapi();
    expect((document.components as { securitySchemes: Record<string, unknown> }).securitySchemes).toMatchObject({
      trustedDeviceCookie: { type: 'apiKey', in: 'cookie', name: COOKIE },
    });
    const paths = document.paths as Record<string, Record<string, { security: unknown[] }>>;
    expect(paths['/auth/login']!.post!.security).toContainEqual({ trustedDeviceCookie: [] });
    expect(Object.keys(paths['/auth/trusted-devices']!)).toEqual(expect.arrayContaining(['get', 'delete']));
  });
});
