// Wrong second-factor codes count toward the account lockout, so fresh challenges do not buy fresh guesses.
import request from 'supertest';
import { createTestApp, PASSWORDS, type TestApp } from '../helpers/create-app';

let t: TestApp;

beforeEach(async () => {
  // The per-IP limit is off so that the per-account lockout is what stops the attacker.
  t = await createTestApp({ rateLimit: false, lockout: { maxFailures: 10, window: '10m', duration: '10m' } });
});
afterEach(() => t.close());

async function challenge(): Promise<request.Response> {
  return request(t.app).post('/auth/login').send({ username: 'user', password: PASSWORDS.user });
}

function wrongCode(right: string): string {
  return right === '000000' ? '000001' : '000000';
}

async function guess(challengeToken: string, code: string): Promise<request.Response> {
  return request(t.app).post('/auth/tfa/verify').set('Authorization', `Bearer ${challengeToken}`).send({ code });
}

it('locks the account when right passwords alternate with wrong codes across challenges', async () => {
  let locked: request.Response | undefined;
  let evaluatedWrongCodes = 0;
  // Each round: the right password (a new challenge with its own budget of 5), then up to 5 wrong codes.
  for (let round = 0; round < 5 && !locked; round++) {
    const started = await challenge();
    if (started.status === 403) {
      locked = started;
      break;
    }
    expect(started.status).toBe(200);
    const code = t.mailer.last('user@example.com')!.code;
    for (let i = 0; i < 5; i++) {
      const res = await guess(started.body.challengeToken, wrongCode(code));
      if (res.status === 403) {
        locked = res;
        break;
      }
      expect(res.body.error).toBe('tfa_invalid');
      evaluatedWrongCodes++;
    }
  }
  expect(locked?.status).toBe(403);
  expect(locked?.body.error).toBe('login_blocked');
  expect(evaluatedWrongCodes).toBeLessThan(10);
  // Now even the right password and a right code are refused until the lockout ends.
  expect((await challenge()).status).toBe(403);
  t.clock.advance(10 * 60 * 1000 + 1);
  const fresh = await challenge();
  expect(fresh.status).toBe(200);
  const ok = await guess(fresh.body.challengeToken, t.mailer.last('user@example.com')!.code);
  expect(ok.status).toBe(200);
  expect(typeof ok.body.accessToken).toBe('string');
});

it('a completed login forgives earlier wrong codes', async () => {
  for (let round = 0; round < 2; round++) {
    const started = await challenge();
    const code = t.mailer.last('user@example.com')!.code;
    for (let i = 0; i < 4; i++) expect((await guess(started.body.challengeToken, wrongCode(code))).status).toBe(401);
    expect((await guess(started.body.challengeToken, code)).status).toBe(200);
  }
  // 8 wrong codes in all, but each round ended in a login: the account is not locked.
  expect((await challenge()).status).toBe(200);
});

it('a challenge of a locked account cannot be completed, even with the right code', async () => {
  const started = await challenge();
  const code = t.mailer.last('user@example.com')!.code;
  // Lock the account by failing passwords on it (by email, which shares the counter).
  for (let i = 0; i < 10; i++)
    await request(t.app).post('/auth/login').send({ username: 'user@example.com', password: 'wrong-password' });
  const res = await guess(started.body.challengeToken, code);
  expect(res.status).toBe(403);
  expect(res.body.error).toBe('login_blocked');
});
