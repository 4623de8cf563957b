// Password reset (lib/core/password-reset.ts) called directly on the core: the request and its per-address limit, the
// mail, the token's life and single use, the authenticator proof and its budgets, and what a completed reset changes.
import { checkAccessSession, verifyAccessToken } from '../../lib/core/access';
import { createApiKey } from '../../lib/core/api-keys';
import { loginWithPassword } from '../../lib/core/login';
import {
  requestPasswordReset,
  resetLink,
  resetPassword,
  type PasswordResetRequest,
} from '../../lib/core/password-reset';
import { recoveryCodeHash } from '../../lib/core/second-factor';
import { refreshSession } from '../../lib/core/session-tokens';
import { reauthenticate } from '../../lib/core/step-up';
import { MemoryMailer } from '../../lib/mailers/memory-mailer';
import type { Mailer } from '../../lib/mailers/types';
import { generateTotpSecret, totpCode } from '../../lib/primitives/totp';
import { MemoryStateStore } from '../../lib/stores/memory-state-store';
import { MemoryUserStore } from '../../lib/stores/memory-user-store';
import type { StateStore } from '../../lib/stores/types';
import { demoUsers, PASSWORDS } from '../helpers/fixtures';
import { createTestCore, type CreateTestCoreOptions, errorCodeOf, type TestCore } from '../helpers/test-core';

const URL_TEMPLATE = 'https://app.example/reset?token={token}';
const NEW_PASSWORD = 'a-brand-new-password';

let t: TestCore;

async function setUp(options: CreateTestCoreOptions = {}): Promise<TestCore> {
  t = await createTestCore({ passwordReset: { urlTemplate: URL_TEMPLATE }, ...options });
  return t;
}

afterEach(async () => {
  await t.close();
});

const messageOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (error: Error) => error.message,
  );

/** Asks for a link for `email` and answers the token the mail carries (undefined when none was sent). */
async function mailedToken(email: string): Promise<string | undefined> {
  const before = t.mailer.resetLinks.length;
  await requestPasswordReset(t.context, email);
  await t.settle();
  if (t.mailer.resetLinks.length === before) return undefined;
  return new URL(t.mailer.resetLinks.at(-1)!.url).searchParams.get('token')!;
}

const reset = (request: PasswordResetRequest) => resetPassword(t.context, request);
/** A reset to NEW_PASSWORD with `token` and the authenticator app's `code`: 'resolved' or the error's code. */
const resetWithCode = (token: string, code: string): Promise<string> =>
  errorCodeOf(reset({ token, newPassword: NEW_PASSWORD, code }));

/** Whether `password` logs `login` in now. */
async function logsIn(login: string, password: string): Promise<string> {
  return loginWithPassword(t.context, { username: login, password, rememberMe: false }).then(
    (outcome) => outcome.kind,
    (error: { code: string }) => error.code,
  );
}

/** Keys held once expired ones are swept (the store sweeps every millisecond of real time in these tests). */
async function liveKeys(): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 20));
  return t.state.size;
}

function totpUser(id = '3'): { secret: string; code(offsetSteps?: number): string; wrong(): string } {
  const secret = generateTotpSecret();
  t.users.update(id, { secondFactor: 'TOTP', totpSecret: secret });
  const step = () => Math.floor(t.clock() / 30_000);
  return {
    secret,
    code: (offset = 0) => totpCode(secret, step() + offset),
    // A code none of the steps a ±1-step window accepts produces.
    wrong: () =>
      ['000000', '111111', '222222', '333333'].find((code) =>
        [-1, 0, 1].every((d) => totpCode(secret, step() + d) !== code),
      )!,
  };
}

describe('configuration', () => {
  test('without passwordReset both calls answer not_found and nothing is mailed', async () => {
    await setUp({ passwordReset: undefined });
    expect(await errorCodeOf(requestPasswordReset(t.context, 'guest@example.com'))).toBe('not_found');
    expect(await errorCodeOf(reset({ token: 'x', newPassword: NEW_PASSWORD }))).toBe('not_found');
    expect(await messageOf(reset({ token: 'x', newPassword: NEW_PASSWORD }))).toBe(
      'Password reset is not configured ("passwordReset").',
    );
    await t.settle();
    expect(t.mailer.resetLinks).toEqual([]);
  });

  test('without a mailer both calls answer unavailable, with one coded warning per instance', async () => {
    await setUp({ mailer: undefined });
    expect(await errorCodeOf(requestPasswordReset(t.context, 'guest@example.com'))).toBe('unavailable');
    expect(await errorCodeOf(reset({ token: 'x', newPassword: NEW_PASSWORD }))).toBe('unavailable');
    expect(await messageOf(requestPasswordReset(t.context, 'guest@example.com'))).toBe(
      'Password reset by email is not available.',
    );
    // The instance's other warnings (bcrypt cost 4) are not this test's.
    expect(t.logger.warnings.filter((line) => line.includes('NO_RESET_MAILER'))).toEqual([
      '[express-auth-kit] NO_RESET_MAILER: password reset was asked for, but no "mailer" is configured: the reset routes answer 503. (see docs/errors.md#no_reset_mailer)',
    ]);
  });

  test('a mailer without sendPasswordResetLink: unavailable, and the warning says so', async () => {
    const codesOnly: Mailer = { sendSecondFactorCode: async () => undefined };
    await setUp({ mailer: codesOnly });
    expect(await errorCodeOf(requestPasswordReset(t.context, 'guest@example.com'))).toBe('unavailable');
    expect(t.logger.warnings.filter((line) => line.includes('NO_RESET_MAILER'))).toEqual([
      '[express-auth-kit] NO_RESET_MAILER: password reset was asked for, but the "mailer" has no sendPasswordResetLink method: the reset routes answer 503. (see docs/errors.md#no_reset_mailer)',
    ]);
  });
});

describe('resetLink', () => {
  test('puts the token, encoded, in place of every {token}; else as the token query parameter', () => {
    expect(resetLink('https://app.example/r/{token}?again={token}', 'a/b+c')).toBe(
      'https://app.example/r/a%2Fb%2Bc?again=a%2Fb%2Bc',
    );
    expect(resetLink('https://app.example/reset?lang=en', 'tok')).toBe('https://app.example/reset?lang=en&token=tok');
  });
});

describe('requestPasswordReset', () => {
  test("a known address gets a link with a 256-bit token, the user's name and the token's lifetime; an event is emitted", async () => {
    await setUp({ passwordReset: { urlTemplate: URL_TEMPLATE, tokenTtl: '20m' } });
    t.users.update('3', { firstName: 'Gus', lastName: 'Guest' });
    const token = await mailedToken('guest@example.com');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(t.mailer.resetLinks).toEqual([
      {
        to: 'guest@example.com',
        displayName: 'Gus Guest',
        login: 'guest',
        url: `https://app.example/reset?token=${token}`,
        expiresInSeconds: 1200,
      },
    ]);
    expect(t.events.filter((event) => event.event === 'password.reset_requested').map((event) => event.userId)).toEqual(
      ['3'],
    );
  });

  test('the address is matched without regard to case; the mail goes to the stored address', async () => {
    await setUp();
    expect(await mailedToken('GUEST@Example.COM')).toBeDefined();
    expect(t.mailer.resetLinks[0]!.to).toBe('guest@example.com');
  });

  test('an unknown address, a login typed as the address, and a disabled user get no mail and no event', async () => {
    await setUp();
    expect(await mailedToken('nobody@example.com')).toBeUndefined();
    expect(await mailedToken('guest')).toBeUndefined();
    expect(await mailedToken('disabled@example.com')).toBeUndefined();
    expect(t.events.filter((event) => event.event === 'password.reset_requested')).toEqual([]);
  });

  test('five links per address in 15 minutes, counted case-insensitively and per address; then none until the window ends', async () => {
    await setUp();
    for (let i = 0; i < 3; i += 1) expect(await mailedToken('guest@example.com')).toBeDefined();
    for (let i = 0; i < 2; i += 1) expect(await mailedToken('Guest@Example.com')).toBeDefined();
    // Another address has its own count.
    expect(await mailedToken('admin@example.com')).toBeDefined();
    t.clock.advance(14 * 60_000);
    expect(await mailedToken('guest@example.com')).toBeUndefined();
    expect(t.events.filter((event) => event.event === 'password.reset_requested')).toHaveLength(6);
    t.clock.advance(60_000);
    expect(await mailedToken('guest@example.com')).toBeDefined();
  });

  test('a newer link voids the older one', async () => {
    await setUp();
    const first = (await mailedToken('guest@example.com'))!;
    const second = (await mailedToken('guest@example.com'))!;
    expect(await errorCodeOf(reset({ token: first, newPassword: NEW_PASSWORD }))).toBe('reset_token_invalid');
    expect(await errorCodeOf(reset({ token: second, newPassword: NEW_PASSWORD }))).toBe('resolved');
  });

  test('a request past the limit leaves the link mailed before it usable', async () => {
    await setUp();
    let last: string | undefined;
    for (let i = 0; i < 5; i += 1) last = await mailedToken('guest@example.com');
    expect(await mailedToken('guest@example.com')).toBeUndefined();
    expect(await errorCodeOf(reset({ token: last!, newPassword: NEW_PASSWORD }))).toBe('resolved');
  });

  test('state stays bounded: a new link replaces the old one, and what an unknown address writes is gone within a second', async () => {
    await setUp({ stateStoreOptions: { sweepIntervalMs: 1 } });
    await requestPasswordReset(t.context, 'guest@example.com');
    const afterOne = await liveKeys();
    await requestPasswordReset(t.context, 'guest@example.com');
    await requestPasswordReset(t.context, 'guest@example.com');
    expect(await liveKeys()).toBe(afterOne);

    const before = await liveKeys();
    await requestPasswordReset(t.context, 'nobody@example.com');
    t.clock.advance(1001);
    // Only the address's request count (which must last its window) is left.
    expect(await liveKeys()).toBe(before + 1);
    // A known address past its limit, likewise.
    for (let i = 0; i < 3; i += 1) await requestPasswordReset(t.context, 'guest@example.com');
    t.clock.advance(1001);
    const pastLimit = await liveKeys();
    await requestPasswordReset(t.context, 'guest@example.com');
    t.clock.advance(1001);
    expect(await liveKeys()).toBe(pastLimit);
  });
});

describe('resetPassword: the token', () => {
  test('sets the new password (the old one stops working) and is good once', async () => {
    await setUp();
    const token = (await mailedToken('guest@example.com'))!;
    expect(await reset({ token, newPassword: NEW_PASSWORD })).toEqual({ revokedApiKeys: [] });
    expect(await logsIn('guest', NEW_PASSWORD)).toBe('authenticated');
    expect(await logsIn('guest', PASSWORDS.guest)).toBe('invalid_credentials');
    expect(await errorCodeOf(reset({ token, newPassword: 'yet-another-password' }))).toBe('reset_token_invalid');
    expect(await logsIn('guest', NEW_PASSWORD)).toBe('authenticated');
  });

  test('works until its lifetime ends, not after', async () => {
    await setUp({ passwordReset: { urlTemplate: URL_TEMPLATE, tokenTtl: '20m' } });
    const early = (await mailedToken('guest@example.com'))!;
    t.clock.advance(20 * 60_000 - 1000);
    expect(await errorCodeOf(reset({ token: early, newPassword: NEW_PASSWORD }))).toBe('resolved');
    const late = (await mailedToken('admin@example.com'))!;
    t.clock.advance(20 * 60_000);
    expect(await errorCodeOf(reset({ token: late, newPassword: NEW_PASSWORD }))).toBe('reset_token_invalid');
  });

  test('an empty, unknown or overlong token is refused; one longer than 128 characters before the store is asked', async () => {
    const down: StateStore = {
      get: async () => Promise.reject(new Error('down')),
      set: async () => Promise.reject(new Error('down')),
      delete: async () => Promise.reject(new Error('down')),
      increment: async () => Promise.reject(new Error('down')),
      take: async () => Promise.reject(new Error('down')),
    };
    await setUp({ stateStore: down });
    expect(await errorCodeOf(reset({ token: '', newPassword: NEW_PASSWORD }))).toBe('reset_token_invalid');
    expect(await errorCodeOf(reset({ token: 'x'.repeat(129), newPassword: NEW_PASSWORD }))).toBe('reset_token_invalid');
    // Within the bound, the store is asked (and, being down, answers unavailable).
    expect(await errorCodeOf(reset({ token: 'x'.repeat(128), newPassword: NEW_PASSWORD }))).toBe('unavailable');
    expect(await errorCodeOf(reset({ token: 'x', newPassword: NEW_PASSWORD }))).toBe('unavailable');
  });

  test('a link asked for while a reset completes is void afterwards', async () => {
    // A store that can hold a reset right after it took its token, so a request can land in between.
    const inner = new MemoryStateStore({ clock: Date.now });
    let hold: Promise<void> | undefined;
    let tookToken: () => void = () => undefined;
    const store: StateStore = {
      get: (key) => inner.get(key),
      set: (key, value, ttlMs) => inner.set(key, value, ttlMs),
      delete: (key) => inner.delete(key),
      increment: (key, ttlMs) => inner.increment(key, ttlMs),
      take: async (key) => {
        const value = await inner.take(key);
        tookToken();
        await hold;
        return value;
      },
    };
    await setUp({ stateStore: store });
    const first = (await mailedToken('guest@example.com'))!;
    let release: () => void = () => undefined;
    hold = new Promise((resolve) => (release = resolve));
    const took = new Promise<void>((resolve) => (tookToken = resolve));
    const completing = reset({ token: first, newPassword: NEW_PASSWORD });
    await took;
    const second = (await mailedToken('guest@example.com'))!;
    hold = undefined;
    release();
    await completing;
    expect(await errorCodeOf(reset({ token: second, newPassword: 'another-new-password' }))).toBe(
      'reset_token_invalid',
    );
    expect(await logsIn('guest', NEW_PASSWORD)).toBe('authenticated');
    await inner.shutdown();
  });

  test('of two links asked for at once, only the one mailed last works', async () => {
    await setUp();
    await Promise.all([
      requestPasswordReset(t.context, 'guest@example.com'),
      requestPasswordReset(t.context, 'guest@example.com'),
    ]);
    await t.settle();
    const [earlier, later] = t.mailer.resetLinks.map((mail) => new URL(mail.url).searchParams.get('token')!);
    expect(await errorCodeOf(reset({ token: earlier!, newPassword: NEW_PASSWORD }))).toBe('reset_token_invalid');
    expect(await errorCodeOf(reset({ token: later!, newPassword: NEW_PASSWORD }))).toBe('resolved');
  });

  test('of two resets with one token at once, exactly one sets its password', async () => {
    await setUp();
    const token = (await mailedToken('guest@example.com'))!;
    const outcomes = await Promise.all([
      errorCodeOf(reset({ token, newPassword: 'first-new-password' })),
      errorCodeOf(reset({ token, newPassword: 'second-new-password' })),
    ]);
    expect(outcomes).toEqual(['resolved', 'reset_token_invalid']);
    expect(await logsIn('guest', 'first-new-password')).toBe('authenticated');
  });

  test('a token of a user disabled since, or whose password changed since, is refused', async () => {
    await setUp();
    const guestToken = (await mailedToken('guest@example.com'))!;
    const adminToken = (await mailedToken('admin@example.com'))!;
    t.users.update('3', { disabled: true });
    t.users.updatePassword('1', await t.context.passwords.hash('changed-meanwhile'), null);
    expect(await errorCodeOf(reset({ token: guestToken, newPassword: NEW_PASSWORD }))).toBe('reset_token_invalid');
    expect(await errorCodeOf(reset({ token: adminToken, newPassword: NEW_PASSWORD }))).toBe('reset_token_invalid');
    expect(await logsIn('admin', 'changed-meanwhile')).toBe('authenticated');
  });

  test('a weak password is refused with its rule and leaves the token usable', async () => {
    await setUp();
    const token = (await mailedToken('guest@example.com'))!;
    const weak = await reset({ token, newPassword: 'short' }).catch(
      (error: { code: string; message: string }) => error,
    );
    expect(weak).toMatchObject({
      code: 'weak_password',
      message: 'The password must have at least 8 characters. (rule: min_length)',
    });
    expect(await errorCodeOf(reset({ token, newPassword: NEW_PASSWORD }))).toBe('resolved');
  });

  test('a policy check that fails (a breach service down) answers unavailable and leaves the token usable', async () => {
    let down = true;
    await setUp({
      passwords: {
        policy: {
          isBreached: async () => {
            if (down) throw new Error('breach service down');
            return false;
          },
        },
      },
    });
    const token = (await mailedToken('guest@example.com'))!;
    const failure = await reset({ token, newPassword: NEW_PASSWORD }).catch((error: Error) => error);
    expect(failure).toMatchObject({ code: 'unavailable', cause: new Error('breach service down') });
    down = false;
    expect(await errorCodeOf(reset({ token, newPassword: NEW_PASSWORD }))).toBe('resolved');
  });
});

describe('resetPassword: what a completed reset changes', () => {
  test('the password expiry: now plus passwords.maxAge, or none without it', async () => {
    await setUp({ passwords: { maxAge: '90d' } });
    const token = (await mailedToken('expired@example.com'))!;
    await reset({ token, newPassword: NEW_PASSWORD });
    expect((await t.user('4')).passwordExpiresAt).toEqual(new Date(t.clock() + 90 * 86_400_000));
    await t.close();

    await setUp();
    const again = (await mailedToken('expired@example.com'))!;
    await reset({ token: again, newPassword: NEW_PASSWORD });
    expect((await t.user('4')).passwordExpiresAt ?? null).toBeNull();
    expect(await logsIn('expired', NEW_PASSWORD)).toBe('authenticated');
  });

  test('of the stored user, only the password changes (and an unverified address, below)', async () => {
    await setUp();
    const before = await t.user('3');
    await reset({ token: (await mailedToken('guest@example.com'))!, newPassword: NEW_PASSWORD });
    const after = await t.user('3');
    expect(after.passwordHash).not.toBe(before.passwordHash);
    expect({ ...after, passwordHash: undefined, passwordExpiresAt: undefined }).toEqual({
      ...before,
      passwordHash: undefined,
      passwordExpiresAt: undefined,
    });
  });

  test('a user store that cannot mark an address verified: the reset completes all the same', async () => {
    const users = new MemoryUserStore(await demoUsers(Date.now));
    Object.defineProperty(users, 'markEmailVerified', { value: undefined });
    users.update('3', { emailVerified: false });
    await setUp({ users });
    expect(
      await errorCodeOf(reset({ token: (await mailedToken('guest@example.com'))!, newPassword: NEW_PASSWORD })),
    ).toBe('resolved');
    expect(await t.context.passwords.verify(NEW_PASSWORD, (await users.findById('3'))!.passwordHash)).toBe(true);
  });

  test('an unverified address becomes verified (the link proved it)', async () => {
    await setUp();
    t.users.update('3', { emailVerified: false });
    await reset({ token: (await mailedToken('guest@example.com'))!, newPassword: NEW_PASSWORD });
    expect((await t.user('3')).emailVerified).toBe(true);
  });

  test('every session ends and the API keys are revoked; the outcome, the event and the notice list the keys', async () => {
    await setUp();
    const login = await loginWithPassword(t.context, {
      username: 'guest',
      password: PASSWORDS.guest,
      rememberMe: false,
    });
    if (login.kind !== 'authenticated') throw new Error('expected a session');
    const guest = await t.user('3');
    const { record: key } = await createApiKey(
      t.context,
      guest,
      { name: 'ci', expiresInSeconds: undefined, roles: undefined },
      { password: PASSWORDS.guest },
    );
    const outcome = await reset({ token: (await mailedToken('guest@example.com'))!, newPassword: NEW_PASSWORD });
    expect(outcome).toEqual({ revokedApiKeys: [{ id: key.id, name: 'ci' }] });
    expect(await errorCodeOf(refreshSession(t.context, login.refresh!.token))).toMatch(/^token_/);
    expect(
      await errorCodeOf(
        Promise.resolve(checkAccessSession(t.context, verifyAccessToken(t.context, login.access.token))),
      ),
    ).toMatch(/^token_/);
    await t.settle();
    expect(t.events.find((event) => event.event === 'password.reset_completed')).toMatchObject({
      userId: '3',
      revokedApiKeys: [{ id: key.id, name: 'ci' }],
    });
    expect(t.mailer.resetNotices).toEqual([
      { to: 'guest@example.com', displayName: 'guest', login: 'guest', revokedApiKeys: ['ci'] },
    ]);
  });

  test('a mailer without the notice method: the reset completes, nothing else is sent', async () => {
    const links: string[] = [];
    const mailer: Mailer = {
      sendSecondFactorCode: async () => undefined,
      sendPasswordResetLink: async (mail) => void links.push(mail.url),
    };
    await setUp({ mailer });
    await requestPasswordReset(t.context, 'guest@example.com');
    await t.settle();
    const token = new URL(links[0]!).searchParams.get('token')!;
    expect(await reset({ token, newPassword: NEW_PASSWORD })).toEqual({ revokedApiKeys: [] });
    await t.settle();
    expect(t.logger.errors).toEqual([]);
  });

  test('a mail that fails is logged, without its content, and changes no answer', async () => {
    const mailer = new MemoryMailer({
      onSendAccountMail: () => {
        throw new Error('smtp down');
      },
    });
    await setUp({ mailer });
    await requestPasswordReset(t.context, 'guest@example.com');
    await t.settle();
    const token = new URL(mailer.resetLinks[0]!.url).searchParams.get('token')!;
    expect(await reset({ token, newPassword: NEW_PASSWORD })).toEqual({ revokedApiKeys: [] });
    await t.settle();
    expect(t.logger.errors).toEqual([
      '[express-auth-kit] sending a password-reset link failed: smtp down',
      '[express-auth-kit] sending a password-reset notice failed: smtp down',
    ]);
  });

  test("the account's lockout is lifted and its failures forgiven", async () => {
    await setUp({ lockout: { maxFailures: 3, window: '10m', duration: '10m' } });
    for (let i = 0; i < 3; i += 1) expect(await logsIn('guest', `wrong-${i}`)).toBe('invalid_credentials');
    expect(await logsIn('guest', PASSWORDS.guest)).toBe('login_blocked');
    await reset({ token: (await mailedToken('guest@example.com'))!, newPassword: NEW_PASSWORD });
    // Forgiven: two more failures do not reach the budget of 3.
    expect(await logsIn('guest', 'wrong-a')).toBe('invalid_credentials');
    expect(await logsIn('guest', 'wrong-b')).toBe('invalid_credentials');
    expect(await logsIn('guest', NEW_PASSWORD)).toBe('authenticated');
  });

  test("with the owner's device cookie, the device's lockout is lifted as well as the account's", async () => {
    await setUp({ lockout: { maxFailures: 3, window: '10m', duration: '10m' }, deviceCookie: {} });
    const device = t.context.tokens.sign('device', { sub: '3', did: 'laptop' }, 3600).token;
    const guest = await t.user('3');
    for (let i = 0; i < 3; i += 1)
      expect(await errorCodeOf(reauthenticate(t.context, guest, { password: `wrong-${i}`, deviceToken: device }))).toBe(
        'invalid_credentials',
      );
    for (let i = 0; i < 3; i += 1) expect(await logsIn('guest', `wrong-${i}`)).toBe('invalid_credentials');
    expect(
      await errorCodeOf(reauthenticate(t.context, guest, { password: PASSWORDS.guest, deviceToken: device })),
    ).toBe('login_blocked');
    await reset({ token: (await mailedToken('guest@example.com'))!, newPassword: NEW_PASSWORD, deviceToken: device });
    const renewed = await t.user('3');
    expect(await errorCodeOf(reauthenticate(t.context, renewed, { password: NEW_PASSWORD, deviceToken: device }))).toBe(
      'resolved',
    );
    expect(await logsIn('guest', NEW_PASSWORD)).toBe('authenticated');
  });

  test('an EMAIL-factor user: the mailed link is the proof, no code is asked', async () => {
    await setUp();
    expect(
      await errorCodeOf(reset({ token: (await mailedToken('user@example.com'))!, newPassword: NEW_PASSWORD })),
    ).toBe('resolved');
  });
});

describe('resetPassword: a user with an authenticator app', () => {
  test('no code: tfa_required, counting nothing (the token survives any number of them); then the right code', async () => {
    await setUp();
    const app = totpUser();
    const token = (await mailedToken('guest@example.com'))!;
    for (let i = 0; i < 12; i += 1)
      expect(await errorCodeOf(reset({ token, newPassword: NEW_PASSWORD }))).toBe('tfa_required');
    expect(await resetWithCode(token, app.code())).toBe('resolved');
  });

  test('a recovery code stands in for the app; a wrong one is tfa_invalid, with its method in the event', async () => {
    await setUp();
    totpUser();
    await t.users.replaceRecoveryCodes('3', [recoveryCodeHash('3', 'AAAABBBBCCCC')]);
    const token = (await mailedToken('guest@example.com'))!;
    expect(await errorCodeOf(reset({ token, newPassword: NEW_PASSWORD, recoveryCode: 'ZZZZ-ZZZZ-ZZZZ' }))).toBe(
      'tfa_invalid',
    );
    expect(await errorCodeOf(reset({ token, newPassword: NEW_PASSWORD, recoveryCode: 'aaaa-bbbb-cccc' }))).toBe(
      'resolved',
    );
    await t.settle();
    expect(
      t.events
        .filter((event) => event.event === 'tfa.failed')
        .map((event) => [event.userId, event.reason, event.method]),
    ).toEqual([['3', 'tfa_invalid', 'recovery_code']]);
  });

  test('five wrong codes per token; the sixth try burns it, even with the right code', async () => {
    await setUp();
    const app = totpUser();
    const token = (await mailedToken('guest@example.com'))!;
    for (let i = 0; i < 5; i += 1) {
      t.clock.advance(1000);
      expect(await resetWithCode(token, app.wrong())).toBe('tfa_invalid');
    }
    t.clock.advance(1000);
    expect(await resetWithCode(token, app.code())).toBe('reset_token_invalid');
    expect(await resetWithCode(token, app.code())).toBe('reset_token_invalid');
    await t.settle();
    expect(
      t.events
        .filter((event) => event.event === 'tfa.failed')
        .map((event) => [event.userId, event.reason, event.method]),
    ).toEqual(Array.from({ length: 5 }, () => ['3', 'tfa_invalid', 'TOTP']));
    // A new link works.
    expect(await resetWithCode((await mailedToken('guest@example.com'))!, app.code())).toBe('resolved');
  });

  test('ten wrong codes per user in an hour, across links; the eleventh is rate_limited until the hour has passed', async () => {
    await setUp();
    const app = totpUser();
    for (let link = 0; link < 2; link += 1) {
      const token = (await mailedToken('guest@example.com'))!;
      for (let i = 0; i < 5; i += 1) {
        t.clock.advance(5000);
        expect(await resetWithCode(token, app.wrong())).toBe('tfa_invalid');
      }
    }
    t.clock.advance(10 * 60_000);
    const token = (await mailedToken('guest@example.com'))!;
    const limited = await reset({ token, newPassword: NEW_PASSWORD, code: app.code() }).catch(
      (error: { code: string; retryAfterSeconds?: number }) => error,
    );
    // The hour began at the first wrong code, 10 minutes and 45 seconds ago.
    expect(limited).toMatchObject({ code: 'rate_limited', retryAfterSeconds: 3600 - 645 });
    await t.settle();
    expect(t.events.filter((event) => event.event === 'tfa.failed').at(-1)).toMatchObject({
      userId: '3',
      reason: 'rate_limited',
    });
    t.clock.advance(3600_000 - 645_000);
    expect(await resetWithCode((await mailedToken('guest@example.com'))!, app.code())).toBe('resolved');
  });

  test("a completed reset renews the user's proof budget", async () => {
    await setUp();
    const app = totpUser();
    const first = (await mailedToken('guest@example.com'))!;
    for (let i = 0; i < 5; i += 1) expect(await resetWithCode(first, app.wrong())).toBe('tfa_invalid');
    const second = (await mailedToken('guest@example.com'))!;
    for (let i = 0; i < 4; i += 1) expect(await resetWithCode(second, app.wrong())).toBe('tfa_invalid');
    // The tenth try of the hour, and the right code.
    expect(await resetWithCode(second, app.code())).toBe('resolved');
    const third = (await mailedToken('guest@example.com'))!;
    for (let i = 0; i < 2; i += 1)
      expect(await errorCodeOf(reset({ token: third, newPassword: 'another-new-password', code: app.wrong() }))).toBe(
        'tfa_invalid',
      );
  });

  test("with the owner's device cookie the budget is the device's: a stranger's wrong codes do not spend it", async () => {
    await setUp({ deviceCookie: {} });
    const app = totpUser();
    for (let link = 0; link < 2; link += 1) {
      const token = (await mailedToken('guest@example.com'))!;
      for (let i = 0; i < 5; i += 1) {
        t.clock.advance(5000);
        expect(await resetWithCode(token, app.wrong())).toBe('tfa_invalid');
      }
    }
    const device = t.context.tokens.sign('device', { sub: '3', did: 'laptop' }, 3600).token;
    t.clock.advance(31_000);
    expect(
      await errorCodeOf(
        reset({
          token: (await mailedToken('guest@example.com'))!,
          newPassword: NEW_PASSWORD,
          code: app.code(),
          deviceToken: device,
        }),
      ),
    ).toBe('resolved');
  });
});
