// Stored hashes of mixed bcrypt costs: unknown names cost what the configured cost does, and a login upgrades an old
// hash to the configured cost without changing the password or its expiry.
import { sharedBcryptPool } from '../../lib/passwords/hasher';
import { createTestApp, TEST_COST, type TestApp } from '../helpers/create-app';
import { postLogin } from '../helpers/session';

const CONFIGURED_COST = TEST_COST + 1;
const costOf = (hash: string): number => Number(/^\$2[abxy]?\$(\d{2})\$/.exec(hash)?.[1]);

let t: TestApp;

beforeEach(async () => {
  // The demo users' hashes are made at TEST_COST; the instance is configured one step higher, as after raising it.
  t = await createTestApp({ rateLimit: false, passwords: { bcryptCost: CONFIGURED_COST } });
});

afterEach(async () => {
  jest.restoreAllMocks();
  await t.close();
});

test('an unknown name is compared at the configured cost, whatever cost the last stored hash had', async () => {
  const compare = jest.spyOn(sharedBcryptPool(), 'compare');
  await postLogin(t, 'admin', { password: 'wrong-password' }).expect(401);
  expect(costOf(compare.mock.calls.at(-1)![1])).toBe(TEST_COST);

  await postLogin(t, 'nobody-by-this-name', { password: 'wrong-password' }).expect(401);
  expect(costOf(compare.mock.calls.at(-1)![1])).toBe(CONFIGURED_COST);
});

test('a successful login rehashes a hash of another cost at the configured cost, keeping the password and its expiry', async () => {
  const expiry = new Date(t.clock() + 86_400_000);
  t.users.update('1', { passwordExpiresAt: expiry });
  const before = (await t.users.findById('1'))!.passwordHash;
  expect(costOf(before)).toBe(TEST_COST);

  await postLogin(t, 'admin').expect(200);
  const after = (await t.users.findById('1'))!;
  expect(costOf(after.passwordHash)).toBe(CONFIGURED_COST);
  expect(after.passwordExpiresAt?.getTime()).toBe(expiry.getTime());
  await postLogin(t, 'admin').expect(200);
  await postLogin(t, 'admin', { password: 'wrong-password' }).expect(401);
});

test('a failed login rehashes nothing', async () => {
  const before = (await t.users.findById('1'))!.passwordHash;
  await postLogin(t, 'admin', { password: 'wrong-password' }).expect(401);
  expect((await t.users.findById('1'))!.passwordHash).toBe(before);
});
