// Passwords: hashPassword's policy (72 bytes refused, never truncated), the hasher's checks, and bcrypt off the event loop.
import bcrypt from 'bcryptjs';
import { AuthError, BCRYPT_MAX_BYTES, DEFAULT_BCRYPT_COST, hashPassword } from '../../lib';
import { PasswordHasher, bcryptCostOf, sharedBcryptPool } from '../../lib/passwords/hasher';
import { BcryptWorkerPool } from '../../lib/passwords/worker-pool';

const COST = 4;
const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/** The rejection of `promise`; fails the test when it resolves. */
async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error as Error,
  );
}

describe('hashPassword()', () => {
  it('hashes with bcrypt at the given cost, to a hash that verifies', async () => {
    const hash = await hashPassword('correct horse battery', { cost: COST });
    expect(hash).toMatch(/^\$2[aby]\$04\$[./A-Za-z0-9]{53}$/);
    expect(bcrypt.compareSync('correct horse battery', hash)).toBe(true);
    expect(DEFAULT_BCRYPT_COST).toBe(10);
  });

  it('accepts exactly 72 bytes, ASCII or multi-byte', async () => {
    expect(BCRYPT_MAX_BYTES).toBe(72);
    const ascii = 'a'.repeat(72);
    const accented = 'é'.repeat(36); // 36 two-byte characters
    expect(bytes(accented)).toBe(72);
    for (const password of [ascii, accented]) {
      expect(bcrypt.compareSync(password, await hashPassword(password, { cost: COST }))).toBe(true);
    }
  });

  it.each([
    ['73 ASCII bytes', 'a'.repeat(73)],
    ['37 two-byte characters (74 bytes, only 37 characters)', 'é'.repeat(37)],
    ['71 ASCII bytes and one emoji (75 bytes)', `${'a'.repeat(71)}🔑`],
    ['1000 bytes', 'x'.repeat(1000)],
  ])('refuses %s instead of truncating, naming the rule', async (_name, password) => {
    const error = await rejectionOf(hashPassword(password, { cost: COST }));
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).code).toBe('weak_password');
    expect(error.message).toBe('The password must not be longer than 72 bytes. (rule: max_bytes)');
  });

  it('names the rule for the other policy failures too', async () => {
    const short = await rejectionOf(hashPassword('short', { cost: COST }));
    expect(short.message).toBe('The password must have at least 8 characters. (rule: min_length)');
    const common = await rejectionOf(
      hashPassword('Password123', { cost: COST, policy: { denylist: ['password123'] } }),
    );
    expect(common.message).toBe('The password is too common. (rule: denylist)');
    const breached = await rejectionOf(
      hashPassword('hunter2hunter2', { cost: COST, policy: { isBreached: () => true } }),
    );
    expect(breached.message).toBe('The password appears in a known data breach. (rule: breached)');
    // The message never repeats the password.
    for (const error of [short, common, breached]) expect(error.message).not.toMatch(/short|Password123|hunter2/);
  });

  it('refuses a non-string password and a bad cost with a TypeError naming them', async () => {
    await expect(hashPassword(12345678 as unknown as string)).rejects.toThrow(
      new TypeError('hashPassword(password): the password must be a string.'),
    );
    for (const cost of [3, 16, 10.5]) {
      await expect(hashPassword('long enough', { cost })).rejects.toThrow(/^"cost" must be an integer from 4 to 15/);
    }
  });
});

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher(sharedBcryptPool(), COST);

  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await hasher.hash('right password');
    await expect(hasher.verify('right password', hash)).resolves.toBe(true);
    await expect(hasher.verify('wrong password', hash)).resolves.toBe(false);
    await expect(hasher.verify('', hash)).resolves.toBe(false);
  });

  it('never matches a 73-byte password, even when its first 72 bytes are the password', async () => {
    const password72 = `${'p'.repeat(70)}ok`;
    const hash = await hashPassword(password72, { cost: COST });
    const password73 = `${password72}!`;
    // bcrypt itself reads 72 bytes only: left alone it would say yes. That is the truncation we refuse.
    expect(bcrypt.compareSync(password73, hash)).toBe(true);
    await expect(hasher.verify(password72, hash)).resolves.toBe(true);
    await expect(hasher.verify(password73, hash)).resolves.toBe(false);
    // Nor does a long password stored by another tool (a hash of its truncation) ever match.
    const legacy = bcrypt.hashSync(`${'q'.repeat(72)}-tail`, COST);
    await expect(hasher.verify(`${'q'.repeat(72)}-tail`, legacy)).resolves.toBe(false);
  });

  it('answers false for a malformed stored hash instead of throwing', async () => {
    await expect(hasher.verify('anything', 'not-a-bcrypt-hash')).resolves.toBe(false);
    await expect(hasher.verify('anything', '')).resolves.toBe(false);
  });

  it('spends a comparison for unknown users without failing, whatever the password', async () => {
    await expect(hasher.burnComparison('whatever')).resolves.toBeUndefined();
    await expect(hasher.burnComparison('x'.repeat(500))).resolves.toBeUndefined();
  });
});

describe('off the event loop', () => {
  /**
   * The longest setImmediate lag seen while `work` runs. The sampler sleeps 1 ms between samples, as a real server's
   * loop idles between requests (a spinning sampler would compete for the cores it is measuring), and each sample
   * runs from before that timer to its immediate, so a block in any phase of the loop shows.
   */
  async function maxImmediateLagDuring(
    work: () => Promise<unknown>,
  ): Promise<{ maxLagMs: number; samples: number; result: unknown }> {
    let maxLagMs = 0;
    let samples = 0;
    let sampling = true;
    let stopped!: () => void;
    const lastSample = new Promise<void>((resolve) => (stopped = resolve));
    const sample = (): void => {
      const scheduledAt = performance.now();
      setTimeout(() => {
        setImmediate(() => {
          maxLagMs = Math.max(maxLagMs, performance.now() - scheduledAt - 1);
          samples++;
          if (sampling) sample();
          else stopped();
        });
      }, 1);
    };
    sample();
    const result = await work();
    sampling = false;
    await lastSample; // the sample in flight when the work ended spans its last stretch: count it
    return { maxLagMs, samples, result };
  }

  // The only wall-clock assertion in the suite, as the issue asks. At the real default cost one comparison takes
  // about 90 ms (far more on a loaded machine), so bcrypt on the host's thread would show a lag of that size in
  // every attempt; off-thread the loop keeps turning. Up to three attempts, so that a neighbour's process stealing
  // the CPU once cannot fail the test, while an on-thread implementation still fails all three.
  it('keeps setImmediate lag under 50 ms while 4 cost-10 comparisons run', async () => {
    const pool = sharedBcryptPool();
    const hasher = new PasswordHasher(pool, DEFAULT_BCRYPT_COST);
    const hash = await hasher.hash('the real default cost');
    await Promise.all([pool.hash('warm', 4), pool.hash('both workers', 4)]); // spawn the workers before measuring

    const attempts: number[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const { maxLagMs, samples, result } = await maxImmediateLagDuring(() =>
        Promise.all([
          hasher.verify('the real default cost', hash),
          hasher.verify('wrong', hash),
          hasher.verify('the real default cost', hash),
          hasher.verify('wrong again', hash),
        ]),
      );
      expect(result).toEqual([true, false, true, false]);
      expect(samples).toBeGreaterThan(5); // the loop really was sampled while the comparisons ran
      attempts.push(Math.round(maxLagMs));
      if (maxLagMs < 50) break;
    }
    expect(Math.min(...attempts)).toBeLessThan(50);
  }, 30_000);
});

describe('the dummy comparison for unknown users', () => {
  // Issue 11, defect 7: following the cost of the hash checked last made unknown names slower than legacy users
  // once bcryptCost was raised, which told the two apart.
  it('runs at the configured cost, whatever the cost of the hash checked last', async () => {
    const pool = new BcryptWorkerPool(1);
    try {
      const compare = jest.spyOn(pool, 'compare');
      const hasher = new PasswordHasher(pool, 8, { maxQueueWaitMs: 60_000 });
      const legacy = await pool.hash('legacy-user-password', 4); // a user hashed before the cost was raised
      expect(await hasher.verify('wrong-password', legacy)).toBe(false);
      compare.mockClear();
      const signal = new AbortController().signal;
      await hasher.burnComparison('anything', signal);
      expect(compare).toHaveBeenCalledTimes(1);
      const [, dummy, options] = compare.mock.calls[0] ?? [];
      expect(bcryptCostOf(dummy as string)).toBe(8);
      expect(options).toEqual({ signal, maxQueueWaitMs: 60_000 });
      // The dummy is a real bcrypt hash at that cost that nothing matches.
      expect(bcrypt.getRounds(dummy as string)).toBe(8);
      expect(bcrypt.compareSync('anything', dummy as string)).toBe(false);
    } finally {
      await pool.close();
    }
  });
});

describe('PasswordHasher under load', () => {
  let pool: BcryptWorkerPool;
  let backlogs: Promise<unknown>[];
  beforeEach(() => {
    pool = new BcryptWorkerPool(1);
    backlogs = [];
  });
  afterEach(async () => {
    await Promise.allSettled(backlogs); // a failed test leaves no stray rejection behind
    await pool.close();
  });
  const saturate = (): Promise<string[]> => {
    const all = Promise.all(Array.from({ length: 200 }, (_, i) => pool.hash(`backlog ${i}`, COST)));
    backlogs.push(all);
    return all;
  };

  it('assertCapacity() throws the 503 with Retry-After only when a comparison could not start within the bound', async () => {
    const hasher = new PasswordHasher(pool, COST, { maxQueueWaitMs: 20 });
    expect(() => hasher.assertCapacity()).not.toThrow();
    const queued = saturate();
    let thrown: unknown;
    try {
      hasher.assertCapacity();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AuthError);
    expect(thrown).toMatchObject({
      code: 'unavailable',
      status: 503,
      message: 'Too many logins at once: try again shortly.',
    });
    expect((thrown as AuthError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    // Without a bound it never refuses.
    expect(() => new PasswordHasher(pool, COST).assertCapacity()).not.toThrow();
    await queued;
  });

  it('refuses verify() and burnComparison() over the bound without running them, and drops them when the signal fires', async () => {
    const hasher = new PasswordHasher(pool, COST, { maxQueueWaitMs: 20 });
    const hash = await hasher.hash('right password');
    const queued = saturate();
    await expect(hasher.verify('right password', hash)).rejects.toMatchObject({ code: 'unavailable', status: 503 });
    await expect(hasher.burnComparison('anything')).rejects.toMatchObject({ code: 'unavailable', status: 503 });
    const unbounded = new PasswordHasher(pool, COST);
    const controller = new AbortController();
    const leaving = unbounded.verify('right password', hash, controller.signal);
    controller.abort();
    await expect(leaving).rejects.toMatchObject({ name: 'AbortError' });
    await expect(unbounded.burnComparison('anything', AbortSignal.abort())).rejects.toMatchObject({
      name: 'AbortError',
    });
    await queued;
    expect(pool.stats).toMatchObject({ completed: 201, rejected: 2, dropped: 2 });
  });
});
