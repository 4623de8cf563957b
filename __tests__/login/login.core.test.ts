// Password login (lib/core/login.ts) called directly: the attempt is reserved and counted before the password is
// compared, and earlier failures are forgiven only once the WHOLE authentication completes — never by a right password
// that still owes a second factor. Lockout budget 3 throughout.
import { loginWithPassword, type LoginOutcome } from '../../lib/core/login';
import { verifySecondFactor } from '../../lib/core/second-factor';
import { PASSWORDS } from '../helpers/fixtures';
import { corePerTest, type TestCore } from '../helpers/test-core';

let t: TestCore;

corePerTest({ lockout: { maxFailures: 3, window: '10m', duration: '10m' } }, (core) => (t = core));

const login = (username: string, password: string): Promise<LoginOutcome> =>
  loginWithPassword(t.context, { username, password, rememberMe: false });
/** The outcome's kind, or the error code it failed with. */
const outcomeOf = (username: string, password: string): Promise<string> =>
  login(username, password).then(
    (outcome) => outcome.kind,
    (error: { code?: string }) => error.code ?? 'no code',
  );

describe('the password attempt', () => {
  test('every attempt is counted, known or unknown name; the one past the budget is refused even with the right password', async () => {
    expect(await outcomeOf('guest', 'wrong-1')).toBe('invalid_credentials');
    expect(await outcomeOf('guest', 'wrong-2')).toBe('invalid_credentials');
    expect(await outcomeOf('guest', 'wrong-3')).toBe('invalid_credentials');
    expect(await outcomeOf('guest', PASSWORDS.guest)).toBe('login_blocked');
    // An unknown name meets the same budget (a lockout tells nobody whether the name exists).
    for (let i = 0; i < 3; i += 1) expect(await outcomeOf('nobody', `wrong-${i}`)).toBe('invalid_credentials');
    expect(await outcomeOf('nobody', 'anything')).toBe('login_blocked');
  });

  test('a locked account is refused before the password is compared: the right password neither gets in nor lifts the lock', async () => {
    for (let i = 0; i < 3; i += 1) await outcomeOf('guest', `wrong-${i}`);
    expect(await outcomeOf('guest', PASSWORDS.guest)).toBe('login_blocked');
    t.clock.advance(10 * 60 * 1000 + 1000);
    expect(await outcomeOf('guest', PASSWORDS.guest)).toBe('authenticated');
    await t.settle();
    expect(t.events.filter((event) => event.event === 'login.failed').map((event) => event.reason)).toEqual([
      'invalid_credentials',
      'invalid_credentials',
      'invalid_credentials',
      'login_blocked',
    ]);
    expect(t.events.filter((event) => event.event === 'lockout.started')).toHaveLength(1);
  });
});

describe('forgiveness only after the whole authentication', () => {
  test('no second factor: the right password is the whole authentication and forgives earlier failures', async () => {
    expect(await outcomeOf('guest', 'wrong-1')).toBe('invalid_credentials');
    expect(await outcomeOf('guest', 'wrong-2')).toBe('invalid_credentials');
    expect(await outcomeOf('guest', PASSWORDS.guest)).toBe('authenticated');
    expect(await outcomeOf('guest', 'wrong-3')).toBe('invalid_credentials');
    expect(await outcomeOf('guest', 'wrong-4')).toBe('invalid_credentials');
    expect(await outcomeOf('guest', PASSWORDS.guest)).toBe('authenticated');
  });

  test('the EMAIL factor: the right password alone forgives nothing (its attempt stays counted)', async () => {
    expect(await outcomeOf('user', 'wrong-1')).toBe('invalid_credentials');
    expect(await outcomeOf('user', 'wrong-2')).toBe('invalid_credentials');
    expect(await outcomeOf('user', PASSWORDS.user)).toBe('challenge');
    // Three attempts counted, none forgiven: the fourth is past the budget.
    expect(await outcomeOf('user', PASSWORDS.user)).toBe('login_blocked');
  });

  test('the EMAIL factor: the mailed code completes the authentication, and only then are the failures forgiven', async () => {
    expect(await outcomeOf('user', 'wrong-1')).toBe('invalid_credentials');
    const outcome = await login('user', PASSWORDS.user);
    if (outcome.kind !== 'challenge') throw new Error('expected a challenge');
    const code = t.mailer.sent.at(-1)!.code;
    const success = await verifySecondFactor(t.context, { challengeToken: outcome.challenge.token, code });
    expect(success.user.id).toBe('2');
    expect(await outcomeOf('user', 'wrong-2')).toBe('invalid_credentials');
    expect(await outcomeOf('user', 'wrong-3')).toBe('invalid_credentials');
    expect(await outcomeOf('user', PASSWORDS.user)).toBe('challenge');
  });

  test('a disabled user: its right password is counted as a failure like any wrong one', async () => {
    for (let i = 0; i < 3; i += 1) expect(await outcomeOf('disabled', PASSWORDS.disabled)).toBe('invalid_credentials');
    expect(await outcomeOf('disabled', PASSWORDS.disabled)).toBe('login_blocked');
  });
});

describe('events', () => {
  test('login.succeeded for a session; login.failed with the reason and the user id only when the name matched a user', async () => {
    await outcomeOf('guest', PASSWORDS.guest);
    await outcomeOf('guest', 'wrong');
    await outcomeOf('nobody', 'wrong');
    await outcomeOf('user', PASSWORDS.user);
    await t.settle();
    expect(
      t.events
        .filter((event) => event.event.startsWith('login.'))
        .map(({ event, userId, reason }) => ({ event, userId, reason })),
    ).toEqual([
      { event: 'login.succeeded', userId: '3', reason: undefined },
      { event: 'login.failed', userId: '3', reason: 'invalid_credentials' },
      { event: 'login.failed', userId: undefined, reason: 'invalid_credentials' },
    ]);
  });
});

describe('a disabled user', () => {
  // A user store written in plain JavaScript may hand back `disabled` as a database's 1 or "true" rather than a
  // boolean: any truthy value is a disabled account, as it was before the checks moved into one isActive().
  test.each([true, 1, 'true'])(
    'with disabled %j is refused with the right password, like a wrong one',
    async (disabled) => {
      t.users.update('3', { disabled: disabled as boolean });
      expect(await outcomeOf('guest', PASSWORDS.guest)).toBe('invalid_credentials');
    },
  );
});
