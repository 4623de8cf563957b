// Recovery codes (lib/core/recovery-codes.ts) called directly on the core: the codes' form, when a store can keep them,
// and who may generate a set (the password and the factor a login demands, with the login's lockout).
import {
  generateRecoveryCodes,
  newRecoveryCode,
  RECOVERY_CODE_COUNT,
  recoveryCodesAvailable,
} from '../../lib/core/recovery-codes';
import { proveFactor } from '../../lib/core/step-up';
import type { User } from '../../lib/stores/types';
import { MemoryUserStore } from '../../lib/stores/memory-user-store';
import { generateTotpSecret, totpCode } from '../../lib/primitives/totp';
import { demoUsers, PASSWORDS } from '../helpers/fixtures';
import { createTestCore, type CreateTestCoreOptions, errorCodeOf, type TestCore } from '../helpers/test-core';

let t: TestCore;

/** Whether `code` proves the user's factor now (step-up's proveFactor under the account's lockout; it is then used up). */
const recoveryCodeWorks = (user: User, code: string): Promise<boolean> =>
  proveFactor(t.context, user, `u:${user.id}`, { kind: 'recovery-code', code }).then(
    () => true,
    () => false,
  );

async function setUp(options: CreateTestCoreOptions = {}): Promise<TestCore> {
  t = await createTestCore(options);
  return t;
}

afterEach(async () => {
  await t?.close();
});

const messageOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (error: Error) => error.message,
  );
const CODE = /^[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$/;

/** A user store like MemoryUserStore but without one of the recovery-code methods. */
async function storeWithout(method: 'replaceRecoveryCodes' | 'consumeRecoveryCode'): Promise<MemoryUserStore> {
  const store = new MemoryUserStore(await demoUsers(() => Date.UTC(2026, 0, 1)));
  Object.defineProperty(store, method, { value: undefined });
  return store;
}

describe('newRecoveryCode', () => {
  test('three dash-separated groups of four base32 characters, different every time', () => {
    const codes = Array.from({ length: 200 }, newRecoveryCode);
    for (const code of codes) expect(code).toMatch(CODE);
    expect(new Set(codes).size).toBe(200);
    // Every character of the alphabet turns up: the draw covers all 32.
    expect(new Set(codes.join('').replace(/-/g, '')).size).toBe(32);
  });
});

describe('recoveryCodesAvailable', () => {
  test('only with a store that can both replace and consume codes', async () => {
    expect(recoveryCodesAvailable((await setUp()).context)).toBe(true);
    await t.close();
    expect(recoveryCodesAvailable((await setUp({ users: await storeWithout('consumeRecoveryCode') })).context)).toBe(
      false,
    );
    await t.close();
    expect(recoveryCodesAvailable((await setUp({ users: await storeWithout('replaceRecoveryCodes') })).context)).toBe(
      false,
    );
  });
});

describe('generateRecoveryCodes', () => {
  test('a store that cannot keep them: not_found, whichever method it lacks', async () => {
    await setUp({ users: await storeWithout('consumeRecoveryCode') });
    expect(await errorCodeOf(generateRecoveryCodes(t.context, await t.user('2'), { password: PASSWORDS.user }))).toBe(
      'not_found',
    );
    await t.close();
    await setUp({ users: await storeWithout('replaceRecoveryCodes') });
    expect(await errorCodeOf(generateRecoveryCodes(t.context, await t.user('2'), { password: PASSWORDS.user }))).toBe(
      'not_found',
    );
    expect(await messageOf(generateRecoveryCodes(t.context, await t.user('2'), { password: PASSWORDS.user }))).toBe(
      'Recovery codes are not available: the user store cannot keep them.',
    );
  });

  test('a user without a second factor: invalid_request, even with the right password; with the factor forced, a set', async () => {
    await setUp();
    expect(await errorCodeOf(generateRecoveryCodes(t.context, await t.user('3'), { password: PASSWORDS.guest }))).toBe(
      'invalid_request',
    );
    expect(await messageOf(generateRecoveryCodes(t.context, await t.user('3'), { password: PASSWORDS.guest }))).toBe(
      'Recovery codes stand in for a second factor: turn one on first.',
    );
    expect((await t.user('3')).recoveryCodesRemaining ?? null).toBeNull();
    await t.close();
    await setUp({ secondFactor: { force: true } });
    expect(
      (await generateRecoveryCodes(t.context, await t.user('3'), { password: PASSWORDS.guest })).codes,
    ).toHaveLength(RECOVERY_CODE_COUNT);
  });

  test('an EMAIL user with the password: ten distinct codes, each good once, replacing the earlier set', async () => {
    await setUp();
    const user = await t.user('2');
    const first = await generateRecoveryCodes(t.context, user, { password: PASSWORDS.user });
    const { codes } = await generateRecoveryCodes(t.context, user, { password: PASSWORDS.user });
    expect(codes).toHaveLength(10);
    for (const code of codes) expect(code).toMatch(CODE);
    expect(new Set(codes).size).toBe(10);
    expect((await t.user('2')).recoveryCodesRemaining).toBe(10);
    // The earlier set is gone; each new code works once.
    expect(await recoveryCodeWorks(user, first.codes[0]!)).toBe(false);
    for (const code of codes) expect(await recoveryCodeWorks(user, code)).toBe(true);
    expect(await recoveryCodeWorks(user, codes[0]!)).toBe(false);
    expect((await t.user('2')).recoveryCodesRemaining).toBe(0);
  });

  test('a wrong password: invalid_credentials, and the set stays', async () => {
    await setUp();
    const user = await t.user('2');
    const { codes } = await generateRecoveryCodes(t.context, user, { password: PASSWORDS.user });
    expect(await errorCodeOf(generateRecoveryCodes(t.context, user, { password: 'wrong' }))).toBe(
      'invalid_credentials',
    );
    expect(await recoveryCodeWorks(user, codes[0]!)).toBe(true);
  });

  test("a TOTP user: the password and a current code from the app (the code's step is spent)", async () => {
    await setUp();
    const secret = generateTotpSecret();
    t.users.update('3', { secondFactor: 'TOTP', totpSecret: secret });
    const guest = await t.user('3');
    const code = totpCode(secret, Math.floor(t.clock() / 30_000));
    expect(await errorCodeOf(generateRecoveryCodes(t.context, guest, { password: PASSWORDS.guest }))).toBe(
      'tfa_invalid',
    );
    expect(await errorCodeOf(generateRecoveryCodes(t.context, guest, { password: 'wrong', code }))).toBe(
      'invalid_credentials',
    );
    expect((await generateRecoveryCodes(t.context, guest, { password: PASSWORDS.guest, code })).codes).toHaveLength(10);
    expect(await errorCodeOf(generateRecoveryCodes(t.context, guest, { password: PASSWORDS.guest, code }))).toBe(
      'tfa_invalid',
    );
  });

  test("with the owner's device cookie, attempts count under the device: a locked account does not block it", async () => {
    await setUp({ lockout: { maxFailures: 3, window: '10m', duration: '10m' }, deviceCookie: {} });
    const user = await t.user('2');
    for (let i = 0; i < 3; i += 1)
      expect(await errorCodeOf(generateRecoveryCodes(t.context, user, { password: `wrong-${i}` }))).toBe(
        'invalid_credentials',
      );
    expect(await errorCodeOf(generateRecoveryCodes(t.context, user, { password: PASSWORDS.user }))).toBe(
      'login_blocked',
    );
    const device = t.context.tokens.sign('device', { sub: '2', did: 'laptop' }, 3600).token;
    expect(
      await errorCodeOf(generateRecoveryCodes(t.context, user, { password: PASSWORDS.user, deviceToken: device })),
    ).toBe('resolved');
  });
});
