// The second factor (lib/core/second-factor.ts's verifySecondFactor, and step-up.ts's proveFactor it calls) without
// Express: a locked identity is refused before any code is compared (a right code is not spent), a wrong code counts
// against the account, a TOTP step works once, and only the completed factor forgives. Lockout budget 3 throughout.
import { loginWithPassword } from '../../lib/core/login';
import { recoveryCodeHash, verifySecondFactor } from '../../lib/core/second-factor';
import { proveFactor, type FactorBudget } from '../../lib/core/step-up';
import { generateTotpSecret, totpCode } from '../../lib/primitives/totp';
import { PASSWORDS } from '../helpers/fixtures';
import { corePerTest, errorCodeOf, type TestCore } from '../helpers/test-core';

let t: TestCore;
let secret: string;
const RECOVERY = 'AAAA-BBBB-CCCC';

corePerTest({ lockout: { maxFailures: 3, window: '10m', duration: '10m' } }, async (core) => {
  t = core;
  secret = generateTotpSecret();
  // guest (id 3) gets an authenticator app and one recovery code.
  t.users.update('3', { secondFactor: 'TOTP', totpSecret: secret });
  await t.users.replaceRecoveryCodes('3', [recoveryCodeHash('3', 'AAAABBBBCCCC')]);
});

const appCode = (offset = 0): string => totpCode(secret, Math.floor(t.clock() / 30_000) + offset);
/** A six-digit code the app does not accept now (±1 step). */
const wrongCode = (): string =>
  ['000000', '111111', '222222'].find((code) => ![-1, 0, 1].some((d) => appCode(d) === code))!;

/** The password step of guest: the challenge token. */
async function challenge(username = 'guest', password: string = PASSWORDS.guest): Promise<string> {
  const outcome = await loginWithPassword(t.context, { username, password, rememberMe: false });
  if (outcome.kind !== 'challenge') throw new Error(`expected a challenge, got ${outcome.kind}`);
  return outcome.challenge.token;
}

const verify = (challengeToken: string, proof: { code?: string; recoveryCode?: string }): Promise<string> =>
  errorCodeOf(verifySecondFactor(t.context, { challengeToken, ...proof }));

describe('a locked identity is refused before any code is compared', () => {
  test('a right recovery code sent while locked is refused and NOT used up; it works once the lock ends', async () => {
    const token = await challenge();
    // The password step counted 1; two wrong passwords reach 3 and lock the account.
    expect(
      await errorCodeOf(loginWithPassword(t.context, { username: 'guest', password: 'wrong-1', rememberMe: false })),
    ).toBe('invalid_credentials');
    expect(
      await errorCodeOf(loginWithPassword(t.context, { username: 'guest', password: 'wrong-2', rememberMe: false })),
    ).toBe('invalid_credentials');
    expect(await verify(token, { recoveryCode: RECOVERY })).toBe('login_blocked');
    expect((await t.user('3')).recoveryCodesRemaining).toBe(1);
    await t.settle();
    expect(t.events.some((event) => event.event === 'recovery_code.used')).toBe(false);
    t.clock.advance(10 * 60 * 1000 + 1000);
    expect(
      await errorCodeOf(proveFactor(t.context, await t.user('3'), 'u:3', { kind: 'recovery-code', code: RECOVERY })),
    ).toBe('resolved');
    expect((await t.user('3')).recoveryCodesRemaining).toBe(0);
  });

  test('a right app code sent while locked is refused and its step is NOT spent (it still proves the factor elsewhere)', async () => {
    const token = await challenge();
    await errorCodeOf(loginWithPassword(t.context, { username: 'guest', password: 'wrong-1', rememberMe: false }));
    await errorCodeOf(loginWithPassword(t.context, { username: 'guest', password: 'wrong-2', rememberMe: false }));
    const code = appCode();
    expect(await verify(token, { code })).toBe('login_blocked');
    // Under an identity that is not locked (a device), the same code still works: it was never compared, so never spent.
    expect(
      await errorCodeOf(proveFactor(t.context, await t.user('3'), 'd:another-device', { kind: 'app-code', code })),
    ).toBe('resolved');
  });

  test("proveFactor: the budget opens first, then the flow's own check, then the compare; a wrong code is charged once", async () => {
    const calls: string[] = [];
    const budget: FactorBudget = {
      open: async () => void calls.push('open'),
      charge: async () => void calls.push('charge'),
    };
    const beforeCompare = async (): Promise<void> => void calls.push('beforeCompare');
    const guest = await t.user('3');
    expect(
      await errorCodeOf(
        proveFactor(t.context, guest, budget, { kind: 'app-code', code: wrongCode() }, { beforeCompare }),
      ),
    ).toBe('tfa_invalid');
    expect(calls).toEqual(['open', 'beforeCompare', 'charge']);
    calls.length = 0;
    expect(
      await errorCodeOf(
        proveFactor(t.context, guest, budget, { kind: 'app-code', code: appCode() }, { beforeCompare }),
      ),
    ).toBe('resolved');
    expect(calls).toEqual(['open', 'beforeCompare']);
    // A budget that refuses: nothing is compared, so a right recovery code stays unused.
    const refusing: FactorBudget = {
      open: () => Promise.reject(Object.assign(new Error('spent'), { code: 'rate_limited' })),
      charge: async () => {},
    };
    expect(await errorCodeOf(proveFactor(t.context, guest, refusing, { kind: 'recovery-code', code: RECOVERY }))).toBe(
      'rate_limited',
    );
    expect((await t.user('3')).recoveryCodesRemaining).toBe(1);
  });
});

describe('a wrong code counts against the account', () => {
  test('two wrong codes after the password step reach the budget of 3: the account is locked, for the code and the password alike', async () => {
    const token = await challenge();
    expect(await verify(token, { code: wrongCode() })).toBe('tfa_invalid');
    expect(await verify(token, { code: wrongCode() })).toBe('tfa_invalid');
    expect(await verify(token, { code: appCode() })).toBe('login_blocked');
    expect(
      await errorCodeOf(
        loginWithPassword(t.context, { username: 'guest', password: PASSWORDS.guest, rememberMe: false }),
      ),
    ).toBe('login_blocked');
    await t.settle();
    expect(
      t.events.filter((event) => event.event === 'tfa.failed').map((event) => [event.reason, event.method]),
    ).toEqual([
      ['tfa_invalid', 'TOTP'],
      ['tfa_invalid', 'TOTP'],
    ]);
  });

  test('across fresh challenges too (each challenge has its own small budget, the account one for all)', async () => {
    expect(await verify(await challenge(), { code: wrongCode() })).toBe('tfa_invalid');
    // 1 (password) + 1 (code) + 1 (password): the third attempt is in; its wrong code locks.
    expect(await verify(await challenge(), { code: wrongCode() })).toBe('tfa_invalid');
    expect(await errorCodeOf(challenge())).toBe('login_blocked');
  });

  test('a wrong emailed code counts as well', async () => {
    const token = await challenge('user', PASSWORDS.user);
    const mailed = t.mailer.sent.at(-1)!.code;
    const wrong = mailed === '000000' ? '111111' : '000000';
    expect(await verify(token, { code: wrong })).toBe('tfa_invalid');
    expect(await verify(token, { code: wrong })).toBe('tfa_invalid');
    expect(await verify(token, { code: mailed })).toBe('login_blocked');
  });
});

describe('a TOTP step works once', () => {
  test('the code that completed a login cannot complete another, nor step up; a replay is refused but not counted', async () => {
    const code = appCode();
    expect(await verify(await challenge(), { code })).toBe('resolved');
    const token = await challenge();
    expect(await verify(token, { code })).toBe('tfa_invalid');
    expect(await errorCodeOf(proveFactor(t.context, await t.user('3'), 'u:3', { kind: 'app-code', code }))).toBe(
      'tfa_invalid',
    );
    // An older step inside the window is refused too, once a later one was used.
    expect(await verify(token, { code: appCode(-1) })).toBe('tfa_invalid');
    // Not counted: three counted replays would have locked the account (1 attempt since the forgiving login + 3 > 3).
    t.clock.advance(30_000);
    expect(await verify(token, { code: appCode() })).toBe('resolved');
  });
});

describe('forgiveness after the whole authentication', () => {
  test('the right code forgives the failures before it (the password step counted, a wrong code counted)', async () => {
    const token = await challenge();
    expect(await verify(token, { code: wrongCode() })).toBe('tfa_invalid');
    expect(await verify(token, { code: appCode() })).toBe('resolved');
    // Forgiven: three more attempts fit in the budget.
    expect(
      await errorCodeOf(loginWithPassword(t.context, { username: 'guest', password: 'wrong-1', rememberMe: false })),
    ).toBe('invalid_credentials');
    expect(
      await errorCodeOf(loginWithPassword(t.context, { username: 'guest', password: 'wrong-2', rememberMe: false })),
    ).toBe('invalid_credentials');
    expect(await errorCodeOf(challenge())).toBe('resolved');
  });
});
