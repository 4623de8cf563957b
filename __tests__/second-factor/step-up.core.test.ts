// Step-up (lib/core/step-up.ts) called directly: the password and the factor a login demands, the login's lockout and
// forgiveness, device cookies, and what counts as a recent login.
import type { AuthContext } from '../../lib/core/context';
import { recoveryCodeHash } from '../../lib/core/second-factor';
import { appOrRecoveryCode, isRecentLogin, proveFactor, reauthenticate } from '../../lib/core/step-up';
import type { User } from '../../lib/stores/types';
import { generateTotpSecret, totpCode } from '../../lib/primitives/totp';
import { PASSWORDS } from '../helpers/fixtures';
import { corePerTest, errorCodeOf, type TestCore } from '../helpers/test-core';

let t: TestCore;
let context: AuthContext;

corePerTest({ lockout: { maxFailures: 3, window: '10m', duration: '10m' } }, (core) => {
  t = core;
  context = t.context;
});

const userOf = async (id: string): Promise<User> => (await t.users.findById(id))!;

describe('reauthenticate', () => {
  test('a user without a second factor: the password alone, which forgives earlier failures', async () => {
    const admin = await userOf('1');
    expect(await errorCodeOf(reauthenticate(context, admin, { password: 'wrong-1' }))).toBe('invalid_credentials');
    expect(await errorCodeOf(reauthenticate(context, admin, { password: 'wrong-2' }))).toBe('invalid_credentials');
    expect(await reauthenticate(context, admin, { password: PASSWORDS.admin })).toEqual({
      factor: null,
      identity: 'u:1',
    });
    // Forgiven: two more wrong passwords do not reach the budget of 3.
    expect(await errorCodeOf(reauthenticate(context, admin, { password: 'wrong-3' }))).toBe('invalid_credentials');
    expect(await errorCodeOf(reauthenticate(context, admin, { password: 'wrong-4' }))).toBe('invalid_credentials');
    expect(await errorCodeOf(reauthenticate(context, admin, { password: PASSWORDS.admin }))).toBe('resolved');
  });

  test('wrong passwords count toward the account lockout shared with login', async () => {
    const admin = await userOf('1');
    for (let i = 0; i < 3; i += 1)
      expect(await errorCodeOf(reauthenticate(context, admin, { password: `wrong-${i}` }))).toBe('invalid_credentials');
    expect(await errorCodeOf(reauthenticate(context, admin, { password: PASSWORDS.admin }))).toBe('login_blocked');
  });

  test('a TOTP user: the password and a current code (or a recovery code); a missing, wrong or replayed code is tfa_invalid', async () => {
    const secret = generateTotpSecret();
    t.users.update('3', { secondFactor: 'TOTP', totpSecret: secret });
    await t.users.replaceRecoveryCodes('3', [recoveryCodeHash('3', 'AAAABBBBCCCC')]);
    const guest = await userOf('3');
    const code = totpCode(secret, Math.floor(t.clock() / 30_000));
    expect(await errorCodeOf(reauthenticate(context, guest, { password: PASSWORDS.guest }))).toBe('tfa_invalid');
    expect(await reauthenticate(context, guest, { password: PASSWORDS.guest, code })).toEqual({
      factor: 'TOTP',
      identity: 'u:3',
    });
    expect(await errorCodeOf(reauthenticate(context, guest, { password: PASSWORDS.guest, code }))).toBe('tfa_invalid');
    expect(
      await errorCodeOf(reauthenticate(context, guest, { password: PASSWORDS.guest, recoveryCode: 'AAAA-BBBB-CCCC' })),
    ).toBe('resolved');
    expect(
      await errorCodeOf(reauthenticate(context, guest, { password: PASSWORDS.guest, recoveryCode: 'AAAA-BBBB-CCCC' })),
    ).toBe('tfa_invalid');
    // Each try reserves an attempt for its password and a wrong factor adds one (a replayed step is not counted, as at
    // login): the spent recovery code and one wrong code reach the budget of 3 and lock the account.
    const next = totpCode(secret, Math.floor(t.clock() / 30_000) + 1);
    expect(
      await errorCodeOf(
        reauthenticate(context, guest, { password: PASSWORDS.guest, code: next === '000000' ? '111111' : '000000' }),
      ),
    ).toBe('tfa_invalid');
    expect(await errorCodeOf(reauthenticate(context, guest, { password: PASSWORDS.guest, code: next }))).toBe(
      'login_blocked',
    );
  });

  test('an EMAIL user: the password alone (the token came from a login that passed the code), without forgiving', async () => {
    const user = await userOf('2');
    expect(await errorCodeOf(reauthenticate(context, user, { password: 'wrong-1' }))).toBe('invalid_credentials');
    expect(await reauthenticate(context, user, { password: PASSWORDS.user })).toEqual({
      factor: 'EMAIL',
      identity: 'u:2',
    });
    expect(await errorCodeOf(reauthenticate(context, user, { password: 'wrong-2' }))).toBe('invalid_credentials');
    // Not forgiven: the earlier failure, this one and the right password's reserved attempt make the budget.
    expect(await errorCodeOf(reauthenticate(context, user, { password: PASSWORDS.user }))).toBe('login_blocked');
  });

  test("a device cookie of the user counts attempts under the device: a locked account does not block the owner's device", async () => {
    const admin = await userOf('1');
    const device = context.tokens.sign('device', { sub: '1', did: 'owner-laptop' }, 3600).token;
    for (let i = 0; i < 3; i += 1) await errorCodeOf(reauthenticate(context, admin, { password: `wrong-${i}` }));
    expect(await errorCodeOf(reauthenticate(context, admin, { password: PASSWORDS.admin }))).toBe('login_blocked');
    expect(await reauthenticate(context, admin, { password: PASSWORDS.admin, deviceToken: device })).toEqual({
      factor: null,
      identity: 'd:owner-laptop',
    });
    // Another user's device cookie proves nothing for this one.
    const foreign = context.tokens.sign('device', { sub: '3', did: 'guest-phone' }, 3600).token;
    expect(await errorCodeOf(reauthenticate(context, admin, { password: PASSWORDS.admin, deviceToken: foreign }))).toBe(
      'login_blocked',
    );
  });
});

describe('isRecentLogin', () => {
  test('a login at most maxAge seconds old, by its auth_time; none or older is not recent', () => {
    const now = Math.floor(t.clock() / 1000);
    expect(isRecentLogin(context, now, 300)).toBe(true);
    expect(isRecentLogin(context, now - 300, 300)).toBe(true);
    expect(isRecentLogin(context, now - 301, 300)).toBe(false);
    expect(isRecentLogin(context, undefined, 300)).toBe(false);
    expect(isRecentLogin(context, Number.NaN, 300)).toBe(false);
    // A minute of clock skew is allowed; a login time further in the future is no proof.
    expect(isRecentLogin(context, now + 60, 300)).toBe(true);
    expect(isRecentLogin(context, now + 61, 300)).toBe(false);
    expect(isRecentLogin(context, now + 3600, 300)).toBe(false);
  });
});

describe('the message of a missing or wrong app code', () => {
  test('names the field the caller reads the code from, "code" unless told', async () => {
    const secret = generateTotpSecret();
    t.users.update('3', { secondFactor: 'TOTP', totpSecret: secret });
    const guest = await userOf('3');
    const messageOf = (promise: Promise<unknown>) =>
      promise.then(
        () => 'resolved',
        (error: Error) => error.message,
      );
    expect(await messageOf(reauthenticate(context, guest, { password: PASSWORDS.guest }))).toBe(
      'Send a current code from your authenticator app as "code".',
    );
    expect(
      await messageOf(reauthenticate(context, guest, { password: PASSWORDS.guest }, { codeField: 'totpCode' })),
    ).toBe('Send a current code from your authenticator app as "totpCode".');
  });
});

describe('proveFactor', () => {
  test("a wrong app code is no proof, even as the user's first; a right one is, once; a recovery code once", async () => {
    const secret = generateTotpSecret();
    t.users.update('3', { secondFactor: 'TOTP', totpSecret: secret });
    await t.users.replaceRecoveryCodes('3', [recoveryCodeHash('3', 'AAAABBBBCCCC')]);
    const guest = await userOf('3');
    const step = Math.floor(t.clock() / 30_000);
    const right = totpCode(secret, step);
    const wrong = [totpCode(secret, step + 5), '000000', '123456'].find(
      (code) => ![-1, 0, 1].some((d) => totpCode(secret, step + d) === code),
    )!;
    expect(await errorCodeOf(proveFactor(context, guest, `u:${guest.id}`, appOrRecoveryCode({ code: wrong })))).toBe(
      'tfa_invalid',
    );
    expect(await errorCodeOf(proveFactor(context, guest, `u:${guest.id}`, appOrRecoveryCode({})))).toBe('tfa_invalid');
    expect(await errorCodeOf(proveFactor(context, guest, `u:${guest.id}`, appOrRecoveryCode({ code: right })))).toBe(
      'resolved',
    );
    expect(await errorCodeOf(proveFactor(context, guest, `u:${guest.id}`, appOrRecoveryCode({ code: right })))).toBe(
      'tfa_invalid',
    );
    expect(
      await errorCodeOf(
        proveFactor(context, guest, `u:${guest.id}`, appOrRecoveryCode({ recoveryCode: 'aaaa-bbbb-cccc' })),
      ),
    ).toBe('resolved');
    expect(
      await errorCodeOf(
        proveFactor(context, guest, `u:${guest.id}`, appOrRecoveryCode({ recoveryCode: 'aaaa-bbbb-cccc' })),
      ),
    ).toBe('tfa_invalid');
  });

  test('a user without an app secret proves nothing with a code', async () => {
    const admin = await userOf('1');
    expect(await errorCodeOf(proveFactor(context, admin, `u:${admin.id}`, appOrRecoveryCode({ code: '123456' })))).toBe(
      'tfa_invalid',
    );
  });
});
