// A login flood: past the bound on queued bcrypt work, logins are answered 503 at once with Retry-After, without a
// comparison and without counting an attempt against the account.
import { sharedBcryptPool } from '../../lib/passwords/hasher';
import { createTestApp, type TestApp } from '../helpers/create-app';
import { postLogin } from '../helpers/session';

let t: TestApp;

beforeEach(async () => {
  // A bound of 1 ms: anything beyond the jobs the workers can start at once is excess.
  t = await createTestApp({ rateLimit: false, passwords: { maxQueueWaitMs: 1 } });
});

afterEach(async () => {
  jest.restoreAllMocks();
  await t.close();
});

test('the excess is answered 503 with Retry-After, runs no comparison and counts no attempt', async () => {
  const compare = jest.spyOn(sharedBcryptPool(), 'compare');
  // "user" has a second factor: a right password counts as an attempt until the login completes, so every request
  // that got past the bound is visible in the account's remaining budget.
  const flood = await Promise.all(Array.from({ length: 30 }, () => postLogin(t, 'user')));
  const refused = flood.filter((res) => res.status === 503);
  const admitted = flood.length - refused.length;

  expect(refused.length).toBeGreaterThan(0);
  for (const res of refused) {
    expect(res.body).toMatchObject({ error: 'unavailable' });
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  }
  // A comparison ran for every answer that needed one (a challenge, or a refusal after a wrong password), no more.
  expect(compare).toHaveBeenCalledTimes(flood.filter((res) => res.status === 200 || res.status === 401).length);

  // Only the admitted requests were counted: exactly the rest of the budget of 10 is left for wrong passwords.
  let wrongAllowed = 0;
  while ((await postLogin(t, 'user', { password: `wrong-${wrongAllowed}` })).status === 401) wrongAllowed += 1;
  expect(wrongAllowed).toBe(Math.max(0, 10 - admitted));
});
