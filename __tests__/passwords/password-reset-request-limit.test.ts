// The reset-request limit: 5 links per address per 15 minutes, counted over time (not only within one instant), per
// address (one address's limit never silences another's), and forgotten once the 15 minutes have passed.
import request from 'supertest';
import { createTestApp, type TestApp } from '../helpers/create-app';
import { settle } from '../helpers/session';

let t: TestApp;

beforeEach(async () => {
  t = await createTestApp({
    rateLimit: false,
    passwordReset: { urlTemplate: 'https://app.example/reset?token={token}' },
  });
});
afterEach(() => t.close());

const MINUTE = 60_000;

async function forgot(email: string): Promise<void> {
  await request(t.app).post('/auth/password/forgot').send({ email }).expect(202);
}

async function mailsTo(email: string): Promise<number> {
  await settle();
  return t.mailer.resetLinks.filter((m) => m.to === email).length;
}

it('5 requests spread over 14 minutes exhaust the window: the sixth sends nothing; after 15 minutes one more is sent', async () => {
  for (let i = 0; i < 5; i++) {
    await forgot('guest@example.com');
    t.clock.advance(3 * MINUTE); // 0, 3, 6, 9, 12 minutes
  }
  // Now at 15 minutes less 0: the window opened by the first request at 0 is not over until 15 minutes.
  t.clock.advance(-MINUTE); // 14 minutes
  await forgot('guest@example.com');
  expect(await mailsTo('guest@example.com')).toBe(5);
  t.clock.advance(MINUTE + 1);
  await forgot('guest@example.com');
  expect(await mailsTo('guest@example.com')).toBe(6);
});

it("one address's exhausted limit leaves another address its own", async () => {
  for (let i = 0; i < 6; i++) await forgot('guest@example.com');
  expect(await mailsTo('guest@example.com')).toBe(5);
  await forgot('admin@example.com');
  expect(await mailsTo('admin@example.com')).toBe(1);
  // The address is counted however it is spelled.
  await forgot('GUEST@Example.com');
  expect(await mailsTo('guest@example.com')).toBe(5);
});
