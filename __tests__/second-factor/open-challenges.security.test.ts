// Open second-factor challenges per account are bounded (secondFactor.maxOpenChallenges, 5): whoever holds the
// password, from however many addresses, cannot fill the store with challenges, and a new challenge replaces the
// oldest, so the owner's own login is never refused for the challenges a stranger opened.
import request from 'supertest';
import { createTestApp, type TestApp } from '../helpers/create-app';
import { challenge } from '../helpers/session';

let t: TestApp;
afterEach(async () => {
  await t.close();
});

/** A password login of "user" (emailed second factor) from `address`; answers its challenge token and emailed code. */
async function openChallenge(address: string): Promise<{ token: string; code: string }> {
  const { token } = await challenge(t, 'user', { headers: { 'X-Forwarded-For': address } });
  return { token, code: t.mailer.last('user@example.com')!.code };
}

function verify(challenge: { token: string; code: string }): request.Test {
  return request(t.app)
    .post(`${t.base}/tfa/verify`)
    .set('Authorization', `Bearer ${challenge.token}`)
    .send({ code: challenge.code });
}

// No lockout and no per-IP limit: the bound must hold by itself (a password holder spread over many addresses and
// devices meets neither).
const options = {
  rateLimit: false as const,
  lockout: false as const,
  configureApp: (app: import('express').Express) => app.set('trust proxy', 1),
};

test('a password holder opening 40 challenges from 40 addresses leaves at most 5 open: the store stays bounded', async () => {
  t = await createTestApp(options);
  await openChallenge('198.51.100.1');
  const before = t.state.size;
  for (let i = 2; i <= 41; i += 1) await openChallenge(`198.51.100.${i}`);
  // Each open challenge holds its record and its resend cooldown; replaced ones are removed, not left to expire.
  expect(t.state.size - before).toBeLessThanOrEqual(2 * 4 + 2);
});

test("a new challenge replaces the oldest: the owner's newest login completes, the oldest challenge is refused", async () => {
  t = await createTestApp(options);
  const oldest = await openChallenge('198.51.100.1');
  const strangers = [];
  for (let i = 2; i <= 5; i += 1) strangers.push(await openChallenge(`198.51.100.${i}`));
  // Five open: all still good. The sixth (the owner's) replaces the oldest.
  const owner = await openChallenge('203.0.113.7');
  const refused = await verify(oldest).expect(401);
  expect(refused.body.error).toBe('tfa_invalid');
  const done = await verify(owner).expect(200);
  expect(done.body.accessToken).toEqual(expect.any(String));
  // The other four were not touched (their codes are the ones mailed with them).
  expect((await verify(strangers[3]!)).status).toBe(200);
});

test('replaced challenges keep replacing: 20 logins later the newest still completes', async () => {
  t = await createTestApp(options);
  for (let i = 1; i <= 20; i += 1) await openChallenge(`198.51.100.${i}`);
  await verify(await openChallenge('203.0.113.7')).expect(200);
});

test('secondFactor.maxOpenChallenges sets the bound, and a wrong value fails at start-up naming it', async () => {
  t = await createTestApp({ ...options, secondFactor: { maxOpenChallenges: 1 } });
  const first = await openChallenge('198.51.100.1');
  const second = await openChallenge('198.51.100.2');
  await verify(first).expect(401);
  await verify(second).expect(200);
  await expect(createTestApp({ secondFactor: { maxOpenChallenges: 0 } })).rejects.toThrow(
    new TypeError('"secondFactor.maxOpenChallenges" must be an integer from 1 to 100; got 0.'),
  );
});
