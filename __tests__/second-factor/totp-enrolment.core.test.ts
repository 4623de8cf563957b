// TOTP enrolment (lib/core/totp-enrolment.ts) through step-up: beginning re-proves the password and the factor a login
// demands; confirming proves the new app's code (and the mailed code for an EMAIL user) in step-up's order: a locked
// identity is refused before either code is compared, a wrong pair counts toward the lockout, the confirming code's
// step is spent, and only the whole confirmation forgives. Lockout budget 3, locks of a minute.
import { loginWithPassword } from '../../lib/core/login';
import { verifySecondFactor } from '../../lib/core/second-factor';
import { beginTotpEnrolment, confirmTotpEnrolment } from '../../lib/core/totp-enrolment';
import { totpCode } from '../../lib/primitives/totp';
import { PASSWORDS } from '../helpers/fixtures';
import { corePerTest, errorCodeOf, type TestCore } from '../helpers/test-core';

let t: TestCore;

corePerTest({ lockout: { maxFailures: 3, window: '10m', duration: '1m' } }, (core) => (t = core));

const codeFor = (secret: string, offset = 0): string => totpCode(secret, Math.floor(t.clock() / 30_000) + offset);
const wrongFor = (secret: string): string =>
  ['000000', '111111', '222222'].find((code) => ![-1, 0, 1].some((d) => codeFor(secret, d) === code))!;
const loginOf = (username: string, password: string): Promise<string> =>
  loginWithPassword(t.context, { username, password, rememberMe: false }).then(
    (outcome) => outcome.kind,
    (error: { code?: string }) => error.code ?? 'no code',
  );

test('a user without a factor: the password begins; a wrong first code counts; the right one turns the app on and forgives', async () => {
  const guest = await t.user('3');
  const { secret, emailCodeSent } = await beginTotpEnrolment(t.context, guest, {
    password: PASSWORDS.guest,
    currentCode: undefined,
  });
  expect(emailCodeSent).toBe(false);
  expect(await errorCodeOf(confirmTotpEnrolment(t.context, guest, wrongFor(secret), undefined))).toBe('tfa_invalid');
  expect(await errorCodeOf(confirmTotpEnrolment(t.context, guest, wrongFor(secret), undefined))).toBe('tfa_invalid');
  expect((await t.user('3')).secondFactor ?? null).toBe(null);
  expect(await errorCodeOf(confirmTotpEnrolment(t.context, guest, codeFor(secret), undefined))).toBe('resolved');
  expect((await t.user('3')).secondFactor).toBe('TOTP');
  // Forgiven: two wrong passwords fit in the budget again before a login that reaches the app's challenge.
  expect(await loginOf('guest', 'wrong-1')).toBe('invalid_credentials');
  expect(await loginOf('guest', 'wrong-2')).toBe('invalid_credentials');
  expect(await loginOf('guest', PASSWORDS.guest)).toBe('challenge');
});

test('wrong confirmations lock the account like wrong logins; a right code sent while locked is refused and the enrolment stays', async () => {
  const guest = await t.user('3');
  const { secret } = await beginTotpEnrolment(t.context, guest, { password: PASSWORDS.guest, currentCode: undefined });
  // The password at begin was forgiven (no factor yet): three wrong confirmations reach the budget.
  for (let i = 0; i < 3; i += 1)
    expect(await errorCodeOf(confirmTotpEnrolment(t.context, guest, wrongFor(secret), undefined))).toBe('tfa_invalid');
  expect(await errorCodeOf(confirmTotpEnrolment(t.context, guest, codeFor(secret), undefined))).toBe('login_blocked');
  expect(await loginOf('guest', PASSWORDS.guest)).toBe('login_blocked');
  expect((await t.user('3')).secondFactor ?? null).toBe(null);
  // Refused before it was compared, so nothing of the enrolment was spent: once the lock ends, it confirms.
  t.clock.advance(61_000);
  expect(await errorCodeOf(confirmTotpEnrolment(t.context, guest, codeFor(secret), undefined))).toBe('resolved');
  expect((await t.user('3')).secondFactor).toBe('TOTP');
});

test("the confirming code is spent: it cannot complete the next login's challenge", async () => {
  const guest = await t.user('3');
  const { secret } = await beginTotpEnrolment(t.context, guest, { password: PASSWORDS.guest, currentCode: undefined });
  const code = codeFor(secret);
  await confirmTotpEnrolment(t.context, guest, code, undefined);
  const outcome = await loginWithPassword(t.context, {
    username: 'guest',
    password: PASSWORDS.guest,
    rememberMe: false,
  });
  if (outcome.kind !== 'challenge') throw new Error('expected a challenge');
  expect(await errorCodeOf(verifySecondFactor(t.context, { challengeToken: outcome.challenge.token, code }))).toBe(
    'tfa_invalid',
  );
  t.clock.advance(30_000);
  expect(
    await errorCodeOf(
      verifySecondFactor(t.context, { challengeToken: outcome.challenge.token, code: codeFor(secret) }),
    ),
  ).toBe('resolved');
});

test('an EMAIL user: the password alone begins and forgives nothing; the confirmation needs the mailed code as well', async () => {
  const user = await t.user('2');
  expect(await loginOf('user', 'wrong-1')).toBe('invalid_credentials');
  const { secret, emailCodeSent } = await beginTotpEnrolment(t.context, user, {
    password: PASSWORDS.user,
    currentCode: undefined,
  });
  expect(emailCodeSent).toBe(true);
  const mailed = t.mailer.sent.at(-1)!.code;
  // The app's code without the mailed one, or with a wrong one: a wrong pair, counted (1 + 1 + 1 = 3: locked).
  expect(await errorCodeOf(confirmTotpEnrolment(t.context, user, codeFor(secret), undefined))).toBe('tfa_invalid');
  expect(
    await errorCodeOf(
      confirmTotpEnrolment(t.context, user, codeFor(secret), mailed === '000000' ? '111111' : '000000'),
    ),
  ).toBe('login_blocked');
});

test('an EMAIL user with both codes: the app replaces the emailed factor, and the whole confirmation forgives', async () => {
  const user = await t.user('2');
  expect(await loginOf('user', 'wrong-1')).toBe('invalid_credentials');
  const { secret } = await beginTotpEnrolment(t.context, user, { password: PASSWORDS.user, currentCode: undefined });
  expect(await errorCodeOf(confirmTotpEnrolment(t.context, user, codeFor(secret), t.mailer.sent.at(-1)!.code))).toBe(
    'resolved',
  );
  expect((await t.user('2')).secondFactor).toBe('TOTP');
  expect(await loginOf('user', 'wrong-2')).toBe('invalid_credentials');
  expect(await loginOf('user', 'wrong-3')).toBe('invalid_credentials');
  expect(await loginOf('user', PASSWORDS.user)).toBe('challenge');
});
