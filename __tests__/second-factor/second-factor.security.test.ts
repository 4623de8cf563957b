// Attacks on the emailed second factor: using the challenge as a session, guessing, bursts, replay, mail redirection.
import type { Server } from 'node:http';
import request from 'supertest';
import { MemoryStateStore, NodemailerMailer, type StateStore } from '../../lib';
import { newNumericCode } from '../../lib/primitives/random';
import {
  createFakeClock,
  createTestApp,
  PASSWORDS,
  type CreateTestAppOptions,
  type FakeClock,
  type TestApp,
} from '../helpers/create-app';
import { extractCode, startSmtpServer, type TestSmtpServer } from '../helpers/smtp-server';
import { claimsOf, postLogin } from '../helpers/session';

/** A state store that records every key it is asked to read and every key and value written to it. */
interface RecordingStore extends StateStore {
  inner: MemoryStateStore;
  reads: string[];
  writes: Array<{ key: string; value: string }>;
}

function recordingStore(clock: FakeClock): RecordingStore {
  const inner = new MemoryStateStore({ clock });
  const reads: string[] = [];
  const writes: Array<{ key: string; value: string }> = [];
  return {
    inner,
    reads,
    writes,
    get: async (key) => {
      reads.push(key);
      return inner.get(key);
    },
    set: async (key, value, ttlMs) => {
      writes.push({ key, value });
      return inner.set(key, value, ttlMs);
    },
    delete: (key) => inner.delete(key),
    increment: async (key, ttlMs) => {
      writes.push({ key, value: '' });
      return inner.increment(key, ttlMs);
    },
    take: (key) => inner.take(key),
  };
}

interface SecurityTestApp extends TestApp {
  smtp: TestSmtpServer;
  store: RecordingStore;
}

let t: SecurityTestApp;

async function setup(options: CreateTestAppOptions = {}): Promise<SecurityTestApp> {
  const smtp = await startSmtpServer();
  const mailer = new NodemailerMailer({ transport: smtp.url, from: 'Auth <no-reply@auth.test>' });
  const clock = createFakeClock();
  const store = recordingStore(clock);
  const app = await createTestApp({ mailer, clock, stateStore: store, ...options });
  return {
    ...app,
    smtp,
    store,
    close: async () => {
      mailer.close();
      await app.close();
      await store.inner.shutdown();
      await smtp.close();
    },
  };
}

afterEach(async () => {
  await t?.close();
});

async function nextCode(to = 'user@example.com'): Promise<string> {
  const code = extractCode((await t.smtp.waitForMessage((m) => m.to.includes(to))).raw);
  if (code === undefined) throw new Error('no code in the message');
  return code;
}

/** A 6-digit code that is not `code`. */
function wrongCodeFor(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, '0');
}

async function utmstackLogin(body: Record<string, unknown> = {}): Promise<{ challenge: string; code: string }> {
  const res = await postLogin(t, 'user', { body });
  expect(res.body).toMatchObject({ success: true, authenticated: false, method: 'EMAIL' });
  return { challenge: res.body.token as string, code: await nextCode() };
}

/** Runs labelled requests concurrently and pairs each response with its label. */
async function settle(attempts: Array<[string, request.Test]>): Promise<Array<[string, request.Response]>> {
  const responses = await Promise.all(attempts.map(([, pending]) => pending));
  return responses.map((res, i) => [attempts[i]![0], res]);
}

function verify(challenge: string, body: Record<string, unknown>, target: Parameters<typeof request>[0] = t.app) {
  return request(target).post('/api/tfa/verify').set('Authorization', `Bearer ${challenge}`).send(body);
}

describe('the challenge token authenticates nothing', () => {
  test('utmstack: every guarded route, the login status, the account and TOTP enrolment refuse it', async () => {
    t = await setup({ preset: 'utmstack' });
    const { challenge, code } = await utmstackLogin();
    const bearer = `Bearer ${challenge}`;
    const before = await t.users.findById('2');

    const attempts: Array<[string, request.Test]> = [
      ['GET /api/account', request(t.app).get('/api/account').set('Authorization', bearer)],
      ['GET /api/authenticate', request(t.app).get('/api/authenticate').set('Authorization', bearer)],
      ['GET /api/protected', request(t.app).get('/api/protected').set('Authorization', bearer)],
      ['GET /api/admin', request(t.app).get('/api/admin').set('Authorization', bearer)],
      ['GET /api/tokens-only', request(t.app).get('/api/tokens-only').set('Authorization', bearer)],
      [
        'POST /api/account/change-password',
        request(t.app)
          .post('/api/account/change-password')
          .set('Authorization', bearer)
          .send({ currentPassword: PASSWORDS.user, newPassword: 'a-brand-new-password' }),
      ],
      ['POST /api/account/logout-all', request(t.app).post('/api/account/logout-all').set('Authorization', bearer)],
      [
        'POST /api/tfa/totp/enroll',
        request(t.app).post('/api/tfa/totp/enroll').set('Authorization', bearer).send({ password: PASSWORDS.user }),
      ],
      [
        'POST /api/tfa/totp/confirm',
        request(t.app).post('/api/tfa/totp/confirm').set('Authorization', bearer).send({ code: '123456' }),
      ],
    ];
    for (const [route, res] of await settle(attempts)) {
      expect({ route, status: res.status, error: res.body.error }).toEqual({
        route,
        status: 401,
        error: 'token_invalid',
      });
      expect(res.headers.authorization).toBeUndefined();
    }
    // Nothing changed: same password, still the EMAIL factor, and the challenge itself is still good.
    const after = await t.users.findById('2');
    expect(after?.passwordHash).toBe(before?.passwordHash);
    expect(after?.secondFactor).toBe('EMAIL');
    expect(after?.totpSecret ?? null).toBeNull();
    expect((await verify(challenge, { code })).status).toBe(200);
  });

  test('default preset: session, account, refresh, logout, API keys, password change and TOTP enrolment refuse it', async () => {
    t = await setup();
    const login = await request(t.app).post('/auth/login').send({ username: 'user', password: PASSWORDS.user });
    const challenge = login.body.challengeToken as string;
    expect(login.body.accessToken).toBeUndefined();
    expect(login.body.refreshToken).toBeUndefined();
    const code = await nextCode();
    const bearer = `Bearer ${challenge}`;

    const attempts: Array<[string, request.Test]> = [
      ['GET /auth/session', request(t.app).get('/auth/session').set('Authorization', bearer)],
      ['GET /auth/account', request(t.app).get('/auth/account').set('Authorization', bearer)],
      ['POST /auth/token/refresh (body)', request(t.app).post('/auth/token/refresh').send({ refreshToken: challenge })],
      ['POST /auth/token/refresh (bearer)', request(t.app).post('/auth/token/refresh').set('Authorization', bearer)],
      ['POST /auth/logout', request(t.app).post('/auth/logout').set('Authorization', bearer)],
      ['POST /auth/logout/all', request(t.app).post('/auth/logout/all').set('Authorization', bearer)],
      [
        'POST /auth/api-keys',
        request(t.app).post('/auth/api-keys').set('Authorization', bearer).send({ name: 'stolen' }),
      ],
      ['GET /auth/api-keys', request(t.app).get('/auth/api-keys').set('Authorization', bearer)],
      ['DELETE /auth/api-keys/1', request(t.app).delete('/auth/api-keys/1').set('Authorization', bearer)],
      [
        'POST /auth/account/password',
        request(t.app)
          .post('/auth/account/password')
          .set('Authorization', bearer)
          .send({ currentPassword: PASSWORDS.user, newPassword: 'a-brand-new-password' }),
      ],
      [
        'POST /auth/tfa/totp/enroll',
        request(t.app).post('/auth/tfa/totp/enroll').set('Authorization', bearer).send({ password: PASSWORDS.user }),
      ],
      [
        'POST /auth/tfa/totp/confirm',
        request(t.app).post('/auth/tfa/totp/confirm').set('Authorization', bearer).send({ code: '123456' }),
      ],
      ['GET /api/protected', request(t.app).get('/api/protected').set('Authorization', bearer)],
      ['GET /api/admin', request(t.app).get('/api/admin').set('Authorization', bearer)],
      ['GET /api/tokens-only', request(t.app).get('/api/tokens-only').set('Authorization', bearer)],
    ];
    for (const [route, res] of await settle(attempts)) {
      expect({ route, status: res.status, error: res.body.error }).toEqual({
        route,
        status: 401,
        error: 'token_invalid',
      });
      expect(res.body.accessToken).toBeUndefined();
    }
    expect(await t.users.listApiKeys('2')).toEqual([]);
    const verified = await request(t.app).post('/auth/tfa/verify').set('Authorization', bearer).send({ code });
    expect(verified.status).toBe(200);
  });

  test('the verify route refuses an access token in place of a challenge', async () => {
    t = await setup({ preset: 'utmstack' });
    const admin = await request(t.app).post('/api/authenticate').send({ username: 'admin', password: PASSWORDS.admin });
    expect(admin.body.success).toBe(true);
    const res = await verify(admin.body.token as string, { code: '123456' });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'token_invalid' });
  });
});

describe('the attempt budget', () => {
  test('five wrong codes are each 401 tfa_invalid; then even the right code fails and the challenge is gone', async () => {
    t = await setup({ preset: 'utmstack' });
    const { challenge, code } = await utmstackLogin();
    const wrong = wrongCodeFor(code);

    for (let i = 0; i < 5; i++) {
      const res = await verify(challenge, { code: wrong });
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ error: 'tfa_invalid' });
    }
    const right = await verify(challenge, { code });
    expect(right.status).toBe(401);
    expect(right.body).toMatchObject({ error: 'tfa_attempts_exceeded' });
    expect(right.body.token).toBeUndefined();
    expect(right.headers.authorization).toBeUndefined();
    // The challenge is gone: even a resend of it is refused.
    expect((await request(t.app).post('/api/tfa/resend').set('Authorization', `Bearer ${challenge}`)).status).toBe(401);
    expect((await t.users.findById('2'))?.lastLoginAt ?? null).toBeNull();
  });

  test('secondFactor.maxAttempts sets the budget', async () => {
    t = await setup({ preset: 'utmstack', secondFactor: { maxAttempts: 2 } });
    const { challenge, code } = await utmstackLogin();
    await verify(challenge, { code: wrongCodeFor(code) }).expect(401);
    await verify(challenge, { code: wrongCodeFor(code) }).expect(401);
    const res = await verify(challenge, { code });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'tfa_attempts_exceeded' });
  });

  test('malformed codes count against the budget too', async () => {
    t = await setup({ preset: 'utmstack' });
    const { challenge, code } = await utmstackLogin();
    for (const bad of ['abcdef', '12345', '1234567', ` ${code}`, `${code.slice(0, 5)}x`]) {
      const res = await verify(challenge, { code: bad });
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ error: 'tfa_invalid' });
    }
    expect((await verify(challenge, { code })).body).toMatchObject({ error: 'tfa_attempts_exceeded' });
  });

  describe('concurrent bursts (per-IP rate limiting off, so only the budget stands in the way)', () => {
    let server: Server;

    beforeEach(async () => {
      t = await setup({ preset: 'utmstack', rateLimit: false });
      server = t.app.listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
    });

    afterEach(async () => {
      await new Promise((resolve) => server.close(resolve));
    });

    test('a burst of four times the budget evaluates at most the budget, and the right code fails after it', async () => {
      const { challenge, code } = await utmstackLogin();
      const cid = claimsOf(challenge).cid as string;
      // Reads of the challenge's own record (named by its id; its attempt counter is incremented, never read).
      const challengeReads = () => t.store.reads.filter((key) => key.endsWith(`:${cid}`)).length;
      const wrong = wrongCodeFor(code);

      const results = await Promise.all(Array.from({ length: 20 }, () => verify(challenge, { code: wrong }, server)));

      const errors = results.map((res) => `${res.status} ${res.body.error}`);
      expect(errors.filter((e) => e === '401 tfa_invalid')).toHaveLength(5);
      expect(errors.filter((e) => e === '401 tfa_attempts_exceeded')).toHaveLength(15);
      // A code is compared only after its challenge is read: five reads, five comparisons.
      expect(challengeReads()).toBe(5);

      const right = await verify(challenge, { code }, server);
      expect(right.status).toBe(401);
      expect(right.body).toMatchObject({ error: 'tfa_attempts_exceeded' });
      expect(challengeReads()).toBe(5);
    });

    test('in a burst of guesses that holds the right code, at most the budget is compared and at most one succeeds', async () => {
      const { challenge, code } = await utmstackLogin();
      const cid = claimsOf(challenge).cid as string;
      const guesses = Array.from({ length: 19 }, (_, i) =>
        wrongCodeFor(String((Number(code) + i) % 1_000_000).padStart(6, '0')),
      );
      guesses.splice(10, 0, code); // the right code arrives in the middle of the burst

      const results = await Promise.all(guesses.map((guess) => verify(challenge, { code: guess }, server)));

      const successes = results.filter((res) => res.status === 200);
      expect(successes.length).toBeLessThanOrEqual(1);
      expect(results.filter((res) => res.status === 401)).toHaveLength(20 - successes.length);
      expect(t.store.reads.filter((key) => key.endsWith(`:${cid}`)).length).toBeLessThanOrEqual(5);
      // If the right code came in after the budget was spent, it was refused like any other.
      if (successes.length === 1) expect(successes[0]!.body).toMatchObject({ success: true });
    });

    test('of twenty concurrent requests with the right code exactly one opens a session', async () => {
      const { challenge, code } = await utmstackLogin();

      const results = await Promise.all(Array.from({ length: 20 }, () => verify(challenge, { code }, server)));

      expect(results.filter((res) => res.status === 200)).toHaveLength(1);
      expect(results.filter((res) => res.status === 401)).toHaveLength(19);
      expect(results.filter((res) => res.headers.authorization !== undefined)).toHaveLength(1);
    });
  });
});

describe('codes are single use and bound to their challenge', () => {
  beforeEach(async () => {
    t = await setup({ preset: 'utmstack' });
  });

  test('the same right code twice: the second is refused', async () => {
    const { challenge, code } = await utmstackLogin();
    expect((await verify(challenge, { code })).status).toBe(200);
    const again = await verify(challenge, { code });
    expect(again.status).toBe(401);
    expect(again.body).toMatchObject({ error: 'tfa_invalid' });
    expect(again.headers.authorization).toBeUndefined();
  });

  test('a code from one challenge is refused on another challenge of the same user', async () => {
    const first = await utmstackLogin();
    let second = await utmstackLogin();
    // One draw in a million gives both challenges the same code; log in again rather than test nothing.
    while (second.code === first.code) second = await utmstackLogin();

    const crossed = await verify(second.challenge, { code: first.code });
    expect(crossed.status).toBe(401);
    expect(crossed.body).toMatchObject({ error: 'tfa_invalid' });
    // Each challenge still takes its own code.
    expect((await verify(first.challenge, { code: first.code })).status).toBe(200);
    expect((await verify(second.challenge, { code: second.code })).status).toBe(200);
  });

  test("a code is refused on another user's challenge", async () => {
    await t.close();
    t = await setup({ preset: 'utmstack', secondFactor: { force: true } });
    const mine = await utmstackLogin();
    const theirs = await request(t.app)
      .post('/api/authenticate')
      .send({ username: 'admin', password: PASSWORDS.admin });
    const theirCode = await nextCode('admin@example.com');
    if (theirCode !== mine.code) {
      expect((await verify(theirs.body.token as string, { code: mine.code })).status).toBe(401);
    }
    expect((await verify(theirs.body.token as string, { code: theirCode })).body).toMatchObject({ success: true });
  });

  test('a user disabled between the password and the code cannot finish the login', async () => {
    const { challenge, code } = await utmstackLogin();
    t.users.update('2', { disabled: true });
    const res = await verify(challenge, { code });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'tfa_invalid' });
  });
});

describe('resend', () => {
  beforeEach(async () => {
    t = await setup({ preset: 'utmstack' });
  });

  function resend(challenge: string) {
    return request(t.app)
      .post('/api/tfa/resend')
      .set('Authorization', `Bearer ${challenge}`)
      .send({ email: 'attacker@evil.test', to: 'attacker@evil.test' });
  }

  test('does not reset the attempt budget', async () => {
    const { challenge, code } = await utmstackLogin();
    for (let i = 0; i < 4; i++) await verify(challenge, { code: wrongCodeFor(code) }).expect(401);

    t.clock.advance(30_000);
    await resend(challenge).expect(200);
    const newCode = await nextCode();

    const fifth = await verify(challenge, { code: wrongCodeFor(newCode) });
    expect(fifth.body).toMatchObject({ error: 'tfa_invalid' });
    const right = await verify(challenge, { code: newCode });
    expect(right.status).toBe(401);
    expect(right.body).toMatchObject({ error: 'tfa_attempts_exceeded' });
  });

  test("does not extend the challenge's life: the new code dies with the original challenge", async () => {
    const { challenge } = await utmstackLogin();
    const expBefore = claimsOf(challenge).exp;

    t.clock.advance(4 * 60_000 + 30_000);
    const resent = await resend(challenge);
    expect(resent.status).toBe(200);
    expect(resent.body).toEqual({ sent: true, tfaExpiresInSeconds: 30 });
    expect(resent.headers.authorization).toBeUndefined();
    const newCode = await nextCode();
    expect(t.smtp.messages.at(-1)?.raw).toContain('It expires in 30 seconds.');

    t.clock.advance(31_000);
    const res = await verify(challenge, { code: newCode });
    expect(res.status).toBe(401);
    expect(claimsOf(challenge).exp).toBe(expBefore);
  });

  test('after a spent budget a resend sends nothing', async () => {
    const { challenge, code } = await utmstackLogin();
    for (let i = 0; i < 6; i++) await verify(challenge, { code: wrongCodeFor(code) }).expect(401);
    t.clock.advance(30_000);
    const res = await resend(challenge);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'tfa_invalid' });
    expect(t.smtp.messages).toHaveLength(1);
  });

  test('an expired challenge cannot be resent', async () => {
    const { challenge } = await utmstackLogin();
    t.clock.advance(5 * 60_000 + 1000);
    expect((await resend(challenge)).status).toBe(401);
    expect(t.smtp.messages).toHaveLength(1);
  });
});

describe('where the code goes', () => {
  beforeEach(async () => {
    t = await setup({ preset: 'utmstack' });
  });

  test('only to the stored address: email and to fields in the login, verify and resend bodies are ignored', async () => {
    const evil = {
      email: 'attacker@evil.test',
      to: 'attacker@evil.test',
      cc: 'attacker@evil.test',
      bcc: ['attacker@evil.test'],
    };
    const { challenge, code } = await utmstackLogin(evil);
    t.clock.advance(30_000);
    await request(t.app).post('/api/tfa/resend').set('Authorization', `Bearer ${challenge}`).send(evil).expect(200);
    const newCode = await nextCode();
    await verify(challenge, { code: newCode, ...evil }).expect(200);

    expect(code).toMatch(/^[0-9]{6}$/);
    expect(t.smtp.messages).toHaveLength(2);
    for (const message of t.smtp.messages) {
      expect(message.to).toEqual(['user@example.com']); // the SMTP envelope: who really receives it
      expect(message.raw).not.toContain('evil.test');
    }
  });

  test('logging in by email in another case mails the stored address', async () => {
    await request(t.app)
      .post('/api/authenticate')
      .send({ username: 'USER@Example.COM', password: PASSWORDS.user })
      .expect(200);
    const message = await t.smtp.waitForMessage();
    expect(message.to).toEqual(['user@example.com']);
  });

  test('a wrong password sends no mail', async () => {
    const res = await request(t.app).post('/api/authenticate').send({ username: 'user', password: 'not-the-password' });
    expect(res.status).toBe(401);
    expect(t.smtp.messages).toHaveLength(0);
  });
});

describe('codes at rest and in logs', () => {
  test('the code is stored only as a hash: it appears in no key or value the state store was given', async () => {
    t = await setup({ preset: 'utmstack' });
    const { challenge, code } = await utmstackLogin();
    t.clock.advance(30_000);
    await request(t.app).post('/api/tfa/resend').set('Authorization', `Bearer ${challenge}`).expect(200);
    const resentCode = await nextCode();

    // What is kept of a code is its SHA-256 (64 hex digits), never the code.
    expect(t.store.writes.some(({ value }) => /"codeHash":"[0-9a-f]{64}"/.test(value))).toBe(true);
    expect(t.store.writes.length).toBeGreaterThan(0);
    for (const { key, value } of t.store.writes) {
      for (const secret of [code, resentCode]) {
        expect(key).not.toContain(secret);
        expect(value).not.toContain(secret);
      }
    }
    for (const line of [...t.logger.warnings, ...t.logger.errors]) {
      expect(line).not.toContain(code);
      expect(line).not.toContain(resentCode);
    }
  });

  test('the challenge token carries no code', async () => {
    t = await setup({ preset: 'utmstack' });
    const { challenge, code } = await utmstackLogin();
    expect(Buffer.from(challenge.split('.')[1]!, 'base64url').toString('utf8')).not.toContain(code);
  });
});

describe('rememberMe cannot be upgraded at the verify step', () => {
  beforeEach(async () => {
    t = await setup({ preset: 'utmstack' });
  });

  test('rememberMe: true in the verify body keeps the 24-hour lifetime chosen at the password step', async () => {
    const { challenge, code } = await utmstackLogin({ rememberMe: false });
    const res = await verify(challenge, { code, rememberMe: true });
    expect(res.status).toBe(200);
    const claims = claimsOf(res.body.token as string);
    expect((claims.exp as number) - (claims.iat as number)).toBe(24 * 3600);
    expect(claims.rme).toBeUndefined();
  });

  test('rememberMe: false in the verify body does not shorten a remembered login either', async () => {
    const { challenge, code } = await utmstackLogin({ rememberMe: true });
    const res = await verify(challenge, { code, rememberMe: false });
    const claims = claimsOf(res.body.token as string);
    expect((claims.exp as number) - (claims.iat as number)).toBe(30 * 86400);
  });
});

describe('newNumericCode, the code generator', () => {
  test('draws exactly six ASCII digits, keeps leading zeros, and uses every digit in every position', () => {
    const draws = 20_000;
    const counts = Array.from({ length: 6 }, () => new Array<number>(10).fill(0));
    let leadingZeros = 0;
    const malformed: string[] = [];
    for (let i = 0; i < draws; i++) {
      const code = newNumericCode(6);
      if (!/^[0-9]{6}$/.test(code)) malformed.push(code);
      if (code.startsWith('0')) leadingZeros++;
      for (let position = 0; position < 6; position++) counts[position]![Number(code[position])]!++;
    }
    expect(malformed).toEqual([]);
    // Expected 2000 of each digit in each position (standard deviation about 42): far looser bounds never flake.
    expect(leadingZeros).toBeGreaterThan(1500);
    for (const position of counts) for (const count of position) expect(count).toBeGreaterThan(1500);
    for (const position of counts) for (const count of position) expect(count).toBeLessThan(2500);
  });

  test('draws differ: a thousand codes are not all alike', () => {
    expect(new Set(Array.from({ length: 1000 }, () => newNumericCode(6))).size).toBeGreaterThan(900);
  });
});
