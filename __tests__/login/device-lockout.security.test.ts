// Each device has its own lockout counter: a device cookie stolen or shared by an attacker, once locked, locks that
// device only, not the owner's other devices, and a device's failures do not count toward another device's budget.
import request from 'supertest';
import { createTestApp, PASSWORDS, type TestApp } from '../helpers/create-app';

const COOKIE = '__Host-eak-device';

let t: TestApp;

beforeEach(async () => {
  t = await createTestApp({ rateLimit: false, lockout: { maxFailures: 3, window: '10m', duration: '10m' } });
});
afterEach(() => t.close());

function login(password: string, device?: string) {
  const req = request(t.app).post('/auth/login');
  if (device !== undefined) req.set('Cookie', device);
  return req.send({ username: 'guest', password });
}

async function newDevice(): Promise<string> {
  const res = await login(PASSWORDS.guest).expect(200);
  const line = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((l) => l.startsWith(`${COOKIE}=`));
  expect(line).toBeDefined();
  return line!.split(';')[0]!;
}

it('a locked device leaves every other device of the account able to log in', async () => {
  const laptop = await newDevice();
  const phone = await newDevice();
  const stolen = await newDevice();
  expect(new Set([laptop, phone, stolen]).size).toBe(3);

  for (let i = 0; i < 3; i++) await login(`wrong-${i}`, stolen).expect(401);
  const locked = await login(PASSWORDS.guest, stolen);
  expect(locked.status).toBe(403);
  expect(locked.body.error).toBe('login_blocked');

  await login(PASSWORDS.guest, laptop).expect(200);
  await login(PASSWORDS.guest, phone).expect(200);
  // The account itself is not locked either: the failures were the device's.
  await login(PASSWORDS.guest).expect(200);
});

it("devices' failures are counted apart: two wrong passwords on each of two devices lock neither", async () => {
  const laptop = await newDevice();
  const phone = await newDevice();
  for (let i = 0; i < 2; i++) {
    await login(`wrong-laptop-${i}`, laptop).expect(401);
    await login(`wrong-phone-${i}`, phone).expect(401);
  }
  // With one shared counter these four failures would have locked both at the third.
  await login(PASSWORDS.guest, laptop).expect(200);
  await login(PASSWORDS.guest, phone).expect(200);
});

it('without device cookies, failures count under the account: locking one account leaves another alone', async () => {
  for (let i = 0; i < 3; i++) await login(`wrong-${i}`).expect(401);
  expect((await login(PASSWORDS.guest)).status).toBe(403);
  // Another account, also without a device cookie, and an unknown name: neither shares the locked counter.
  await request(t.app).post('/auth/login').send({ username: 'admin', password: PASSWORDS.admin }).expect(200);
  await request(t.app).post('/auth/login').send({ username: 'nobody', password: 'whatever-password' }).expect(401);
});
