// New recovery codes need the password and a current code from the authenticator app. Minutes after the login (the
// login's code long out of the replay memory's reach), a wrong code is refused by the code check itself.
import request from 'supertest';
import { generateTotpSecret, totpCode } from '../../lib/primitives/totp';
import { createTestApp, PASSWORDS, type TestApp } from '../helpers/create-app';
import { challengeToken, verifyChallenge } from '../helpers/session';

let t: TestApp;
let secret: string;

beforeEach(async () => {
  t = await createTestApp({ rateLimit: false });
  secret = generateTotpSecret();
  t.users.update('3', { secondFactor: 'TOTP', totpSecret: secret });
});
afterEach(() => t.close());

const code = (offsetSteps = 0) => totpCode(secret, Math.floor(t.clock() / 30_000) + offsetSteps);

async function accessToken(): Promise<string> {
  const res = await verifyChallenge(t, await challengeToken(t, 'guest'), { code: code() });
  expect(res.status).toBe(200);
  return res.body.accessToken as string;
}

function generate(access: string, body: Record<string, unknown>) {
  return request(t.app).post('/auth/tfa/recovery-codes').set('Authorization', `Bearer ${access}`).send(body);
}

it('3 minutes after login, a wrong code is refused (401 tfa_invalid) and issues no codes; the current code works', async () => {
  const access = await accessToken();
  t.clock.advance(3 * 60_000);
  // Never-used codes that are not current: from far in the past and the future, and one no app produces.
  const wrongCodes = [code(-20), code(20), code() === '000000' ? '000001' : '000000'];
  for (const wrong of wrongCodes) {
    const res = await generate(access, { password: PASSWORDS.guest, code: wrong });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('tfa_invalid');
    expect(res.body.codes).toBeUndefined();
  }
  const ok = await generate(access, { password: PASSWORDS.guest, code: code() });
  expect(ok.status).toBe(200);
  expect(ok.body.codes).toHaveLength(10);
});

it('a wrong code counts toward the lockout, and a right one forgives the failures', async () => {
  await t.close();
  t = await createTestApp({ rateLimit: false, lockout: { maxFailures: 3, window: '10m', duration: '10m' } });
  t.users.update('3', { secondFactor: 'TOTP', totpSecret: secret });
  const access = await accessToken();
  t.clock.advance(60_000);
  const wrong = code() === '000000' ? '000001' : '000000';
  // The password is right each time: each call counts one password attempt, and the wrong code one more failure.
  await generate(access, { password: PASSWORDS.guest, code: wrong }).expect(401);
  await generate(access, { password: PASSWORDS.guest, code: code() }).expect(200);
  t.clock.advance(30_000);
  await generate(access, { password: PASSWORDS.guest, code: wrong }).expect(401);
  await generate(access, { password: PASSWORDS.guest, code: code() }).expect(200);
  t.clock.advance(30_000);
  // Without the forgiveness these would be failures 4 and 5 of a budget of 3.
  await generate(access, { password: PASSWORDS.guest, code: wrong }).expect(401);
  const locked = await generate(access, { password: PASSWORDS.guest, code: wrong });
  expect(locked.status).toBe(401);
  const blocked = await generate(access, { password: PASSWORDS.guest, code: code() });
  expect(blocked.status).toBe(403);
  expect(blocked.body.error).toBe('login_blocked');
});
