// The bcrypt worker pool under load: a queue bounded by waiting time, and jobs dropped when their caller leaves.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { AuthError } from '../../lib/errors';
import { workerFlags } from '../../lib/passwords/bcrypt-worker';
import { BcryptWorkerPool, bcryptCostOf } from '../../lib/passwords/worker-pool';

const COST = 4;
let pool: BcryptWorkerPool;
/** Every backlog a test made: settled before the pool closes, so a failed test leaves no stray rejection. */
let backlogs: Promise<unknown>[];

beforeEach(() => {
  pool = new BcryptWorkerPool(1); // one worker: everything after the first job queues
  backlogs = [];
});

afterEach(async () => {
  await Promise.allSettled(backlogs);
  await pool.close();
});

/** The rejection of `promise`; fails the test when it resolves. */
async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error as Error,
  );
}

/** Submits `count` cost-4 hashes with no bound, so the one worker has a backlog of about count × 1.5 ms. */
function backlog(count: number): Promise<string[]> {
  const all = Promise.all(Array.from({ length: count }, (_, i) => pool.hash(`backlog ${i}`, COST)));
  backlogs.push(all);
  return all;
}

describe('maxQueueWaitMs', () => {
  it('refuses at once with a 503 and Retry-After when the wait would exceed it, and never runs the refused job', async () => {
    const queued = backlog(200);
    const refused = await rejectionOf(
      pool.compare('excess login', '$2b$04$abcdefghijklmnopqrstuu5Q3bQ7yO4o2W9hL5eL1Bz5QCIyQXLe', {
        maxQueueWaitMs: 20,
      }),
    );
    // "At once": nothing of the backlog has finished yet, and the refused job is not waiting.
    expect(pool.stats).toMatchObject({ completed: 0, rejected: 1 });
    expect(pool.stats.queued + pool.stats.running).toBe(200);
    expect(refused).toBeInstanceOf(AuthError);
    expect(refused).toMatchObject({
      code: 'unavailable',
      status: 503,
      message: 'Too many logins at once: try again shortly.',
    });
    expect((refused as AuthError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(Number.isInteger((refused as AuthError).retryAfterSeconds)).toBe(true);

    await queued;
    // Exactly the backlog ran: the refused comparison never reached a worker.
    expect(pool.stats).toMatchObject({ completed: 200, rejected: 1, dropped: 0, queued: 0, running: 0 });
  });

  it('accepts a job when a worker is free or the wait is within the bound, and waits unbounded without it', async () => {
    await expect(pool.hash('idle pool', COST, { maxQueueWaitMs: 0 })).resolves.toMatch(/^\$2b\$04\$/);
    const queued = backlog(3);
    await expect(pool.hash('short queue', COST, { maxQueueWaitMs: 60_000 })).resolves.toMatch(/^\$2b\$04\$/);
    const more = backlog(200);
    await expect(pool.hash('no bound', COST)).resolves.toMatch(/^\$2b\$04\$/);
    await Promise.all([queued, more]);
    expect(pool.stats.rejected).toBe(0);
  });

  it('answers canStartWithin() synchronously with the same estimate and a whole number of seconds to wait', async () => {
    expect(pool.canStartWithin(0)).toEqual({ ok: true });
    const queued = backlog(200);
    const answer = pool.canStartWithin(20);
    expect(answer.ok).toBe(false);
    if (!answer.ok) expect(answer.retryAfterSeconds).toBe(Math.max(1, Math.ceil(pool.estimatedWaitMs() / 1000)));
    expect(pool.canStartWithin(3_600_000)).toEqual({ ok: true });
    expect(() => pool.canStartWithin(-1)).toThrow(TypeError);
    await queued;
    expect(pool.stats.rejected).toBe(0); // a check refuses nothing by itself
  });

  it('estimates from measured durations at the job cost, scaling a cost never seen by 2^Δcost', async () => {
    await backlog(20); // measures cost 4
    const queued = backlog(101); // one runs, 100 wait
    const perJob = (pool.estimatedWaitMs() - 0) / 100;
    expect(perJob).toBeGreaterThan(0);
    expect(perJob).toBeLessThan(50); // measured, not the cost-10 guess
    const costlier = pool.hash('cost six', 6); // one cost-6 job joins the queue: about 4 × a cost-4 job
    backlogs.push(costlier);
    const withOneMore = pool.estimatedWaitMs();
    await Promise.all([queued, costlier]);
    expect(withOneMore).toBeGreaterThan(pool.estimatedWaitMs());
  });
});

describe('signal', () => {
  // Two places a waiting job can be: already posted to a worker's inbox (a short backlog), or still in the pool's
  // queue behind what the workers hold (a long one). Either way it must never run.
  it.each([
    ['posted to the worker, not started', 10],
    ['in the pool queue', 400],
  ])(
    'drops a waiting job (%s) when its signal fires: it rejects with an AbortError at once and never runs',
    async (_where, ahead) => {
      const queued = backlog(ahead);
      const controller = new AbortController();
      const leaving = rejectionOf(pool.hash('client went away', COST, { signal: controller.signal }));
      expect(pool.stats.queued + pool.stats.running).toBe(ahead + 1);
      controller.abort();
      expect(pool.stats.queued + pool.stats.running).toBe(ahead);
      const error = await leaving;
      expect(error.name).toBe('AbortError');
      expect(pool.stats.completed).toBeLessThan(ahead); // it rejected before the backlog ahead of it was done
      await queued;
      await new Promise((resolve) => setTimeout(resolve, 20)); // the worker's answer for the skipped job, if any
      expect(pool.stats).toMatchObject({ completed: ahead, dropped: 1, rejected: 0, queued: 0, running: 0 });
    },
  );

  it('rejects at once a job whose signal had already fired, without queuing it', async () => {
    const error = await rejectionOf(
      pool.compare('gone before asking', '$2b$04$abcdefghijklmnopqrstuu5Q3bQ7yO4o2W9hL5eL1Bz5QCIyQXLe', {
        signal: AbortSignal.abort(),
      }),
    );
    expect(error.name).toBe('AbortError');
    expect(pool.stats).toMatchObject({ completed: 0, dropped: 1, queued: 0, running: 0 });
  });

  it('lets a job already on a worker finish, counting it abandoned', async () => {
    const controller = new AbortController();
    const running = pool.hash('already started', 10, { signal: controller.signal }); // ~100 ms: long enough to catch running
    backlogs.push(running);
    for (let waited = 0; pool.stats.running === 0 && waited < 5000; waited++)
      await new Promise((resolve) => setTimeout(resolve, 1));
    expect(pool.stats.running).toBe(1);
    controller.abort();
    await expect(running).resolves.toMatch(/^\$2b\$10\$/);
    expect(pool.stats).toMatchObject({ completed: 1, abandoned: 1, dropped: 0 });
  });
});

describe('bcryptCostOf()', () => {
  it('reads the cost of a bcrypt hash and nothing else', () => {
    expect(bcryptCostOf('$2b$12$abcdefghijklmnopqrstuu5Q3bQ7yO4o2W9hL5eL1Bz5QCIyQXLe')).toBe(12);
    expect(bcryptCostOf('$2a$04$abcdefghijklmnopqrstuu')).toBe(4);
    expect(bcryptCostOf('$2b$03$x')).toBeUndefined();
    expect(bcryptCostOf('not-a-hash')).toBeUndefined();
    expect(bcryptCostOf('')).toBeUndefined();
  });
});

describe("the host's Node flags", () => {
  // A host started with `node --input-type=module` (an ES module given with -e or on stdin) passed the flag to every
  // worker, whose CommonJS source then failed to load: the pool restarted workers forever and no hash ever came.
  test('a host running with --input-type=module -e still hashes', () => {
    const library = path.join(__dirname, '../../lib/index.ts');
    const script = `const m = await import(${JSON.stringify(library)}); const { hashPassword } = m.default ?? m;
      process.stdout.write(await hashPassword('a long enough password', { cost: 4 })); process.exit(0);`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(child.stdout).toMatch(/^\$2[aby]\$04\$/);
  }, 20_000);

  test("workers keep the host's loaders but not its entry code or input type", () => {
    expect(workerFlags(['--import', 'tsx', '--input-type=module', '-e', 'code', '--enable-source-maps'])).toEqual([
      '--import',
      'tsx',
      '--enable-source-maps',
    ]);
    expect(workerFlags(['--input-type', 'module', '--print', '1+1'])).toEqual([]);
  });
});
