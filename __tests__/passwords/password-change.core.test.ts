// Password changes (lib/core/account.ts) through step-up's reauthenticate under the 'password-only' policy: the current
// password is checked under the login's lockout, and forgives earlier failures only for a user whose login demands no
// second factor (a right password owes the factor, so it must not renew the budget of code guesses). A flow's own
// refusal after the password (an unexpired password without a token, a second factor without a token) forgives nothing.
import { changeExpiredPassword, changePassword, changePasswordByLogin } from '../../lib/core/account';
import { loginWithPassword } from '../../lib/core/login';
import type { User } from '../../lib/stores/types';
import { PASSWORDS } from '../helpers/fixtures';
import { corePerTest, errorCodeOf, type TestCore } from '../helpers/test-core';

let t: TestCore;
const NEW_PASSWORD = 'a brand new passphrase, long enough 7319';

corePerTest({ lockout: { maxFailures: 3, window: '10m', duration: '10m' } }, (core) => (t = core));

const loginOf = (username: string, password: string): Promise<string> =>
  errorCodeOf(loginWithPassword(t.context, { username, password, rememberMe: false }));
/** changePassword / changeExpiredPassword to NEW_PASSWORD with `currentPassword`: 'resolved' or the error's code. */
const changeOf = (user: User, currentPassword: string): Promise<string> =>
  errorCodeOf(changePassword(t.context, user, { currentPassword, newPassword: NEW_PASSWORD }));
const changeExpiredOf = (login: string, currentPassword: string): Promise<string> =>
  errorCodeOf(changeExpiredPassword(t.context, login, { currentPassword, newPassword: NEW_PASSWORD }));

describe('changePassword (a logged-in user)', () => {
  test('a wrong current password counts toward the lockout shared with login; the stored password stays', async () => {
    const guest = await t.user('3');
    for (let i = 0; i < 3; i += 1) {
      expect(await changeOf(guest, `wrong-${i}`)).toBe('invalid_credentials');
    }
    expect(await changeOf(guest, PASSWORDS.guest)).toBe('login_blocked');
    expect(await loginOf('guest', PASSWORDS.guest)).toBe('login_blocked');
    expect((await t.user('3')).passwordHash).toBe(guest.passwordHash);
  });

  test('no second factor: the right password forgives earlier failures', async () => {
    const guest = await t.user('3');
    expect(await loginOf('guest', 'wrong-1')).toBe('invalid_credentials');
    expect(await loginOf('guest', 'wrong-2')).toBe('invalid_credentials');
    expect(await changeOf(guest, PASSWORDS.guest)).toBe('resolved');
    expect(await loginOf('guest', 'wrong-3')).toBe('invalid_credentials');
    expect(await loginOf('guest', 'wrong-4')).toBe('invalid_credentials');
    expect(await loginOf('guest', NEW_PASSWORD)).toBe('resolved');
  });

  test('the EMAIL factor: the password alone forgives nothing', async () => {
    const user = await t.user('2');
    expect(await loginOf('user', 'wrong-1')).toBe('invalid_credentials');
    expect(await loginOf('user', 'wrong-2')).toBe('invalid_credentials');
    expect(await changeOf(user, PASSWORDS.user)).toBe('resolved');
    // Three attempts counted, none forgiven.
    expect(await loginOf('user', NEW_PASSWORD)).toBe('login_blocked');
  });

  test('the TOTP factor: the password alone forgives nothing either', async () => {
    t.users.update('3', { secondFactor: 'TOTP', totpSecret: 'JBSWY3DPEHPK3PXP' });
    const guest = await t.user('3');
    expect(await loginOf('guest', 'wrong-1')).toBe('invalid_credentials');
    expect(await loginOf('guest', 'wrong-2')).toBe('invalid_credentials');
    expect(await changeOf(guest, PASSWORDS.guest)).toBe('resolved');
    expect(await loginOf('guest', NEW_PASSWORD)).toBe('login_blocked');
  });
});

describe('changeExpiredPassword (no token: the expired password is the way out)', () => {
  test('an expired password changes with the password alone, which forgives (no factor)', async () => {
    expect(await loginOf('expired', 'wrong-1')).toBe('invalid_credentials');
    expect(await loginOf('expired', 'wrong-2')).toBe('invalid_credentials');
    expect(await changeExpiredOf('expired', PASSWORDS.expired)).toBe('resolved');
    expect(await loginOf('expired', 'wrong-3')).toBe('invalid_credentials');
    expect(await loginOf('expired', NEW_PASSWORD)).toBe('resolved');
  });

  test('an unexpired password: token_missing, checked only after the right password, and nothing forgiven', async () => {
    expect(await changeExpiredOf('guest', 'wrong')).toBe('invalid_credentials');
    expect(await loginOf('guest', 'wrong-2')).toBe('invalid_credentials');
    expect(await changeExpiredOf('guest', PASSWORDS.guest)).toBe('token_missing');
    // The refusal came before any forgiving: three attempts counted, the fourth is past the budget.
    expect(await loginOf('guest', PASSWORDS.guest)).toBe('login_blocked');
  });

  test('an unknown name answers like a wrong password, and is counted under the name', async () => {
    for (let i = 0; i < 3; i += 1) {
      expect(await changeExpiredOf('nobody', 'x')).toBe('invalid_credentials');
    }
    expect(await loginOf('nobody', 'x')).toBe('login_blocked');
  });
});

describe('changePasswordByLogin', () => {
  test('a user with a second factor and no token: token_missing after the right password, and nothing forgiven', async () => {
    const request = {
      username: 'user',
      currentPassword: PASSWORDS.user,
      newPassword: NEW_PASSWORD,
      confirmation: NEW_PASSWORD,
    };
    expect(await loginOf('user', 'wrong-1')).toBe('invalid_credentials');
    expect(await errorCodeOf(changePasswordByLogin(t.context, { ...request, currentPassword: 'wrong-2' }))).toBe(
      'invalid_credentials',
    );
    expect(await errorCodeOf(changePasswordByLogin(t.context, request))).toBe('token_missing');
    expect(await loginOf('user', PASSWORDS.user)).toBe('login_blocked');
  });

  test("another user's token: forbidden, after the password; a mismatched confirmation costs no attempt", async () => {
    const request = {
      username: 'guest',
      currentPassword: PASSWORDS.guest,
      newPassword: NEW_PASSWORD,
      confirmation: NEW_PASSWORD,
    };
    for (let i = 0; i < 5; i += 1) {
      expect(
        await errorCodeOf(
          changePasswordByLogin(t.context, { ...request, currentPassword: 'wrong', confirmation: 'typo' }),
        ),
      ).toBe('invalid_request');
    }
    expect(
      await errorCodeOf(changePasswordByLogin(t.context, { ...request, currentPassword: 'wrong', tokenUserId: '1' })),
    ).toBe('invalid_credentials');
    expect(await errorCodeOf(changePasswordByLogin(t.context, { ...request, tokenUserId: '1' }))).toBe('forbidden');
    expect(await errorCodeOf(changePasswordByLogin(t.context, { ...request, tokenUserId: '3' }))).toBe('resolved');
    expect(await loginOf('guest', NEW_PASSWORD)).toBe('resolved');
  });
});
