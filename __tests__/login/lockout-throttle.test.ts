// The account lockout's counter on its own (LoginThrottle over a memory state store and a fake clock): the budget, the
// window in seconds, the lockout's duration and Retry-After, second-factor failures, forgiveness, and no policy at all.
import { AuthError } from '../../lib/errors';
import { describeIdentity, lockoutIdentity, LoginThrottle, type LockoutPolicy } from '../../lib/core/lockout';
import { MemoryStateStore } from '../../lib/stores/memory-state-store';
import type { User } from '../../lib/stores/types';

let now: number;
const clock = (): number => now;
let state: MemoryStateStore;
let locks: Array<[string, number]>;

const POLICY: LockoutPolicy = { maxFailures: 3, windowSeconds: 60, durationSeconds: 600 };

function throttle(policy: LockoutPolicy | false = POLICY): LoginThrottle {
  return new LoginThrottle(state, policy, clock, (identity, until) => void locks.push([identity, until]));
}

beforeEach(() => {
  now = Date.UTC(2026, 0, 1, 12, 0, 0);
  state = new MemoryStateStore({ clock });
  locks = [];
});
afterEach(() => state.shutdown());

/** The AuthError a promise rejects with, or undefined when it resolves. */
async function refusal(promise: Promise<unknown>): Promise<AuthError | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    if (!(error instanceof AuthError)) throw error;
    return error;
  }
}

/** `count` wrong passwords, each reserved then recorded, `stepMs` apart. */
async function failPasswords(t: LoginThrottle, identity: string, count: number, stepMs = 0): Promise<void> {
  for (let i = 0; i < count; i++) {
    await t.recordFailure(identity, await t.reserveAttempt(identity));
    now += stepMs;
  }
}

describe('identities', () => {
  it('counts a known user under its id and an unknown name under its lower-cased self', () => {
    const user = { id: '42' } as User;
    expect(lockoutIdentity(user, 'Whatever')).toBe('u:42');
    expect(lockoutIdentity(null, 'Mallory@Example.COM')).toBe('n:mallory@example.com');
  });

  it('describes a user, a device and an unknown name for events', () => {
    expect(describeIdentity('u:42')).toEqual({ userId: '42' });
    expect(describeIdentity('d:abc')).toEqual({ device: true });
    expect(describeIdentity('n:mallory')).toEqual({});
    expect(describeIdentity('x:u:42')).toEqual({});
  });
});

describe('passwords', () => {
  it('numbers the attempts in the window; the attempt that reaches the budget locks, with the lockout as Retry-After', async () => {
    const t = throttle();
    expect(await t.reserveAttempt('u:1')).toBe(1);
    await t.recordFailure('u:1', 1);
    expect(await t.reserveAttempt('u:1')).toBe(2);
    await t.recordFailure('u:1', 2);
    expect(locks).toEqual([]);
    expect(await t.reserveAttempt('u:1')).toBe(3);
    await t.recordFailure('u:1', 3);
    expect(locks).toEqual([['u:1', now + 600_000]]);
    now += 1500;
    const refused = await refusal(t.reserveAttempt('u:1'));
    expect(refused?.code).toBe('login_blocked');
    // 598.5 s left, rounded up.
    expect(refused?.retryAfterSeconds).toBe(599);
    expect((await refusal(t.assertNotLocked('u:1')))?.code).toBe('login_blocked');
    // Other identities are not affected.
    expect(await t.reserveAttempt('u:2')).toBe(1);
    await t.assertNotLocked('u:2');
  });

  it('the lockout lasts its duration in seconds: refused just before it ends, counted afresh just after', async () => {
    const t = throttle();
    await failPasswords(t, 'u:1', 3);
    now += 600_000 - 1;
    const last = await refusal(t.reserveAttempt('u:1'));
    expect(last?.code).toBe('login_blocked');
    expect(last?.retryAfterSeconds).toBe(1);
    now += 1;
    await t.assertNotLocked('u:1');
    expect(await t.reserveAttempt('u:1')).toBe(1);
  });

  it('a burst past the budget is refused at reservation and locks, even before any failure is recorded', async () => {
    const t = throttle();
    for (let i = 1; i <= 3; i++) expect(await t.reserveAttempt('u:1')).toBe(i);
    expect((await refusal(t.reserveAttempt('u:1')))?.code).toBe('login_blocked');
    expect(locks).toHaveLength(1);
  });

  it('the window is in seconds: failures within it add up, a failure older than it is forgotten', async () => {
    const t = throttle();
    await failPasswords(t, 'u:1', 2, 1000);
    // 2 failures at 0 s and 1 s; at 60 s the first window (opened at 0 s) has ended.
    now += 58_000;
    await failPasswords(t, 'u:1', 2, 1000);
    expect(locks).toEqual([]);
    await failPasswords(t, 'u:1', 1);
    expect(locks).toHaveLength(1);
  });

  it('a success forgives the failures; clear() lifts a lockout', async () => {
    const t = throttle();
    await failPasswords(t, 'u:1', 2);
    await t.recordSuccess('u:1');
    await failPasswords(t, 'u:1', 2);
    expect(locks).toEqual([]);
    await failPasswords(t, 'u:1', 1);
    expect((await refusal(t.assertNotLocked('u:1')))?.code).toBe('login_blocked');
    await t.clear('u:1');
    await t.assertNotLocked('u:1');
    expect(await t.reserveAttempt('u:1')).toBe(1);
  });

  it('the counter does not outlive the lockout: after it, a wrong password is a first failure again', async () => {
    const t = throttle({ maxFailures: 3, windowSeconds: 3600, durationSeconds: 60 });
    await failPasswords(t, 'u:1', 3);
    now += 60_000;
    await failPasswords(t, 'u:1', 2);
    expect(locks).toHaveLength(1);
    await t.assertNotLocked('u:1');
  });
});

describe('second-factor failures', () => {
  it('count in the same window (seconds) and lock at the budget', async () => {
    const t = throttle();
    await t.recordSecondFactorFailure('u:1');
    now += 1000;
    await t.recordSecondFactorFailure('u:1');
    now += 1000;
    expect(locks).toEqual([]);
    await t.recordSecondFactorFailure('u:1');
    expect(locks).toEqual([['u:1', now + 600_000]]);
    expect((await refusal(t.assertNotLocked('u:1')))?.code).toBe('login_blocked');
  });

  it('a second-factor failure older than the window is forgotten', async () => {
    const t = throttle();
    await t.recordSecondFactorFailure('u:1');
    await t.recordSecondFactorFailure('u:1');
    now += 60_000;
    await t.recordSecondFactorFailure('u:1');
    await t.recordSecondFactorFailure('u:1');
    expect(locks).toEqual([]);
  });

  it('add up with password failures', async () => {
    const t = throttle();
    await failPasswords(t, 'u:1', 2);
    await t.recordSecondFactorFailure('u:1');
    expect(locks).toHaveLength(1);
  });
});

describe('lockout: false', () => {
  it('counts nothing, never refuses, and does no store work at all', async () => {
    const calls: string[] = [];
    // Every call the throttle makes on the store, reads included.
    const counted = new Proxy(state, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          calls.push(String(property));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const t = new LoginThrottle(counted, false, clock, (identity, until) => void locks.push([identity, until]));
    for (let i = 0; i < 10; i++) {
      expect(await t.reserveAttempt('u:1')).toBe(0);
      await t.recordFailure('u:1', 10);
      await t.recordSecondFactorFailure('u:1');
    }
    await t.assertNotLocked('u:1');
    await t.recordSuccess('u:1');
    await t.clear('u:1');
    expect(locks).toEqual([]);
    expect(calls).toEqual([]);
  });
});

it('locks without an onLocked listener', async () => {
  const t = new LoginThrottle(state, POLICY, clock);
  for (let i = 0; i < 3; i++) await t.recordSecondFactorFailure('u:1');
  expect((await refusal(t.assertNotLocked('u:1')))?.code).toBe('login_blocked');
});
