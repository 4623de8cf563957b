// A small pool of worker threads running bcryptjs, so hashing never blocks the host's event loop, with a queue
// bounded by waiting time and jobs dropped when their caller gives up.
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { AuthError } from '../errors';

type Job =
  | { op: 'hash'; password: string; cost: number }
  | { op: 'compare'; password: string; hash: string };

/** How one hash or comparison may wait. */
export interface PoolJobOptions {
  /** Abandons the job: at once if it is still queued (it never runs); a job already on a worker finishes unused. */
  signal?: AbortSignal;
  /**
   * The longest the job may wait in the queue before a worker starts it, by the pool's estimate. When the estimate
   * is over, the job is refused at once with a 503 {@link AuthError} carrying `retryAfterSeconds`, and never queued.
   * @default undefined (wait however long it takes)
   */
  maxQueueWaitMs?: number;
}

/** Counters since the pool was made, and its current load. */
export interface PoolStats {
  /** Jobs a worker ran to the end (including those whose caller left while they ran). */
  completed: number;
  /** Jobs abandoned through their signal before a worker started them: they never ran. */
  dropped: number;
  /** Jobs refused because they could not start within their `maxQueueWaitMs`: they never ran. */
  rejected: number;
  /** Jobs whose signal fired while a worker was running them (they finished; the result went nowhere). */
  abandoned: number;
  /** Jobs waiting for a worker now. */
  queued: number;
  /** Jobs on a worker now. */
  running: number;
}

/** The answer of {@link BcryptWorkerPool.canStartWithin}. */
export type CapacityCheck = { ok: true } | { ok: false; retryAfterSeconds: number };

interface Pending {
  job: Job;
  /** The bcrypt cost the job runs at, for the wait estimate (undefined for a malformed hash: it fails at once). */
  cost: number | undefined;
  resolve: (value: string | boolean) => void;
  reject: (error: Error) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  /** Shared with the worker once posted: 0 waiting, 1 cancelled by us, 2 taken by the worker. */
  control: Int32Array;
  /** When it was posted to its worker (its start, for the estimate, once the worker has taken it). */
  postedAt: number;
  /** The first job on a new worker also pays for the thread's start and warm-up: its time is not a bcrypt time. */
  warmUp: boolean;
  settled: boolean;
}

const WAITING = 0;
const CANCELLED = 1;
const TAKEN = 2;

interface WorkerSlot {
  worker: Worker;
  /** Jobs posted to this worker, in its inbox order; the first may be running. */
  assigned: Pending[];
  fresh: boolean;
}

// The worker is plain CommonJS evaluated from a string, so it runs unchanged from the TypeScript sources
// (tests, tsx) and from either build in dist/. It gets bcryptjs's resolved path from the parent.
// On Linux, niceness is per thread (setpriority on the calling thread), so a worker can lower its own priority:
// when the cores are busy, the host's event loop then wins the CPU over bcrypt, which only loses throughput it
// would not have had anyway. Elsewhere setPriority() would lower the whole process, so we leave it alone.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const bcrypt = require(workerData.bcryptPath);
if (workerData.niceness) {
  try { require('node:os').setPriority(workerData.niceness); } catch (error) { /* best effort */ }
}
// Jobs may wait in this worker's inbox; each carries a shared flag the parent sets to 1 to cancel it while it waits.
// Taking it (0 -> 2) before starting makes "cancelled" and "started" exclusive without a round trip.
parentPort.on('message', ({ job, control }) => {
  if (Atomics.compareExchange(control, 0, 0, 2) !== 0) {
    parentPort.postMessage({ skipped: true });
    return;
  }
  try {
    const started = performance.now();
    const result = job.op === 'hash' ? bcrypt.hashSync(job.password, job.cost) : bcrypt.compareSync(job.password, job.hash);
    parentPort.postMessage({ ok: true, result, tookMs: performance.now() - started });
  } catch (error) {
    parentPort.postMessage({ ok: false, message: String(error && error.message) });
  }
});
`;

const WORKER_NICENESS = process.platform === 'linux' ? 10 : 0;

function resolveBcryptPath(): string {
  return createRequire(__filename).resolve('bcryptjs');
}

/** The cost factor written in a bcrypt hash (`$2b$12$...`), or undefined for anything else. */
export function bcryptCostOf(hash: string): number | undefined {
  const match = /^\$2[abxy]?\$(\d{2})\$/.exec(hash);
  const cost = match ? Number(match[1]) : NaN;
  return cost >= 4 && cost <= 31 ? cost : undefined;
}

/** The 503 for a login that would wait too long for a worker. */
export function poolBusyError(retryAfterSeconds: number): AuthError {
  return new AuthError('unavailable', { retryAfterSeconds, message: 'Too many logins at once: try again shortly.' });
}

function abortError(signal: AbortSignal): Error {
  const error = new Error('The password check was abandoned: its caller went away.', { cause: signal.reason });
  error.name = 'AbortError';
  return error;
}

/** Weight of the newest duration in the moving average: about the last ten jobs count. */
const DURATION_SMOOTHING = 0.2;
/** The guess for a cost never measured, when no cost has been: about a comparison's time on a 2-core machine. */
const COST_10_GUESS_MS = 100;

/**
 * How much work (by estimate) each worker may hold in its inbox beyond the job it runs. Posting ahead keeps the
 * workers busy while the host's loop is blocked (reading a burst of requests, say), when it could not hand them
 * the next job; cancelling a posted job costs nothing (a shared flag), so the pool's promises hold either way.
 */
const PREFETCH_MS = 1000;
const MAX_PREFETCH_JOBS = 64;

/**
 * Runs bcryptjs jobs on `size` worker threads, one job per worker at a time, in arrival order.
 * A job may carry a bound on its queueing time (refused at once when the estimate is over it) and an abort signal
 * (dropped, never run, when it fires before a worker starts the job).
 */
export class BcryptWorkerPool {
  private readonly slots: WorkerSlot[] = [];
  /** Jobs not yet posted to any worker. */
  private readonly queue: Pending[] = [];
  private readonly size: number;
  private readonly bcryptPath = resolveBcryptPath();
  private closed = false;
  /** Moving average of a job's bcrypt time on its worker, by cost. */
  private readonly averageMs = new Map<number, number>();
  /** Jobs in `queue` by cost, so the wait estimate does not walk the queue. */
  private readonly queuedByCost = new Map<number | undefined, number>();
  private readonly counters = { completed: 0, dropped: 0, rejected: 0, abandoned: 0 };

  constructor(size: number = availableParallelism()) {
    this.size = size;
  }

  hash(password: string, cost: number, options: PoolJobOptions = {}): Promise<string> {
    return this.run({ op: 'hash', password, cost }, cost, options) as Promise<string>;
  }

  compare(password: string, hash: string, options: PoolJobOptions = {}): Promise<boolean> {
    return this.run({ op: 'compare', password, hash }, bcryptCostOf(hash), options) as Promise<boolean>;
  }

  /**
   * Whether a job submitted now would start within `maxQueueWaitMs`, by the same estimate `maxQueueWaitMs` uses;
   * synchronous, so a caller can refuse before it does anything else (such as counting a lockout attempt).
   */
  canStartWithin(maxQueueWaitMs: number): CapacityCheck {
    checkMaxQueueWait(maxQueueWaitMs);
    const waitMs = this.estimatedWaitMs();
    if (waitMs <= maxQueueWaitMs) return { ok: true };
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }

  /**
   * How long a job submitted now would wait for a worker, in ms: 0 when fewer jobs are outstanding than there are
   * workers, else the work ahead of it (what the running jobs have left plus every job not started, each at its
   * cost's moving average) shared over the workers. In FIFO order no worker frees up later than that, so the
   * estimate errs towards refusing.
   */
  estimatedWaitMs(): number {
    let outstanding = this.queue.length;
    for (const slot of this.slots) outstanding += slot.assigned.length;
    if (outstanding < this.size) return 0;
    const now = performance.now();
    let workMs = 0;
    for (const slot of this.slots) workMs += this.backlogMs(slot, now);
    for (const [cost, count] of this.queuedByCost) workMs += count * this.expectedMs(cost);
    return workMs / this.size;
  }

  /** Counters since the pool was made, and its current load. */
  get stats(): PoolStats {
    let running = 0;
    let waiting = this.queue.length;
    for (const slot of this.slots) {
      for (const pending of slot.assigned) {
        if (pending.settled) continue;
        if (Atomics.load(pending.control, 0) === TAKEN) running++;
        else waiting++;
      }
    }
    return { ...this.counters, queued: waiting, running };
  }

  /** Stops every worker; pending jobs are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    const closedError = (): Error => new Error('The password worker pool was closed.');
    for (const pending of this.queue.splice(0)) this.fail(pending, closedError());
    this.queuedByCost.clear();
    const workers = this.slots.splice(0).map((slot) => {
      for (const pending of slot.assigned.splice(0)) this.fail(pending, closedError());
      return slot.worker;
    });
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  private run(job: Job, cost: number | undefined, options: PoolJobOptions): Promise<string | boolean> {
    if (this.closed) return Promise.reject(new Error('The password worker pool was closed.'));
    const { signal, maxQueueWaitMs } = options;
    if (signal?.aborted) {
      this.counters.dropped++;
      return Promise.reject(abortError(signal));
    }
    if (maxQueueWaitMs !== undefined) {
      const capacity = this.canStartWithin(maxQueueWaitMs);
      if (!capacity.ok) {
        this.counters.rejected++;
        return Promise.reject(poolBusyError(capacity.retryAfterSeconds));
      }
    }
    return new Promise((resolve, reject) => {
      const pending: Pending = {
        job,
        cost,
        resolve,
        reject,
        signal,
        onAbort: undefined,
        control: new Int32Array(new SharedArrayBuffer(4)),
        postedAt: 0,
        warmUp: false,
        settled: false,
      };
      if (signal) {
        pending.onAbort = () => this.drop(pending);
        signal.addEventListener('abort', pending.onAbort, { once: true });
      }
      this.queue.push(pending);
      this.queuedByCost.set(cost, (this.queuedByCost.get(cost) ?? 0) + 1);
      this.dispatch();
    });
  }

  /**
   * The caller gave up. Still in our queue: it leaves it. Posted but not taken: its flag tells the worker to skip
   * it. Either way it never runs and rejects now. Already running: it finishes, and nobody reads the result.
   */
  private drop(pending: Pending): void {
    if (pending.settled) return;
    const index = this.queue.indexOf(pending);
    if (index >= 0) {
      this.queue.splice(index, 1);
      this.unqueue(pending);
    } else if (Atomics.compareExchange(pending.control, 0, WAITING, CANCELLED) !== WAITING) {
      return;
    }
    this.counters.dropped++;
    this.fail(pending, abortError(pending.signal as AbortSignal));
  }

  private unqueue(pending: Pending): void {
    const left = (this.queuedByCost.get(pending.cost) ?? 1) - 1;
    if (left > 0) this.queuedByCost.set(pending.cost, left);
    else this.queuedByCost.delete(pending.cost);
  }

  private settle(pending: Pending): void {
    pending.settled = true;
    if (pending.signal && pending.onAbort) pending.signal.removeEventListener('abort', pending.onAbort);
  }

  private fail(pending: Pending, error: Error): void {
    if (pending.settled) return;
    this.settle(pending);
    pending.reject(error);
  }

  /** Posts queued jobs to the least-loaded worker that has room, spawning workers up to `size`. */
  private dispatch(): void {
    const now = performance.now();
    while (this.queue.length > 0) {
      const slot = this.slotWithRoom(now);
      if (!slot) return;
      const pending = this.queue.shift() as Pending;
      this.unqueue(pending);
      pending.warmUp = slot.fresh;
      slot.fresh = false;
      pending.postedAt = now;
      slot.assigned.push(pending);
      slot.worker.ref(); // a worker with jobs in flight keeps the process alive until it answers
      slot.worker.postMessage({ job: pending.job, control: pending.control });
    }
  }

  private slotWithRoom(now: number): WorkerSlot | undefined {
    let best: WorkerSlot | undefined;
    let bestMs = Infinity;
    for (const slot of this.slots) {
      const live = slot.assigned.filter((pending) => !pending.settled).length;
      if (live === 0) return slot;
      if (live >= MAX_PREFETCH_JOBS) continue;
      const backlogMs = this.backlogMs(slot, now);
      if (backlogMs < PREFETCH_MS && backlogMs < bestMs) {
        best = slot;
        bestMs = backlogMs;
      }
    }
    if (this.slots.length < this.size) return this.spawn();
    return best;
  }

  /** The work a worker still has: what its running job has left plus every job waiting in its inbox. */
  private backlogMs(slot: WorkerSlot, now: number): number {
    let workMs = 0;
    let first = true;
    for (const pending of slot.assigned) {
      if (pending.settled && Atomics.load(pending.control, 0) !== TAKEN) continue; // cancelled: skipped at once
      const expected = this.expectedMs(pending.cost);
      // Only the first live job can be running; the next ones start, at the earliest, when it ends.
      workMs += first ? Math.max(0, expected - (now - pending.postedAt)) : expected;
      first = false;
    }
    return workMs;
  }

  /** The expected duration of a job at `cost`: its moving average, else scaled from the nearest cost measured. */
  private expectedMs(cost: number | undefined): number {
    if (cost === undefined) return 1; // a malformed hash fails before any key expansion
    const measured = this.averageMs.get(cost);
    if (measured !== undefined) return measured;
    let nearest: number | undefined;
    for (const known of this.averageMs.keys()) {
      if (nearest === undefined || Math.abs(known - cost) < Math.abs(nearest - cost)) nearest = known;
    }
    if (nearest === undefined) return COST_10_GUESS_MS * 2 ** (cost - 10);
    return (this.averageMs.get(nearest) as number) * 2 ** (cost - nearest);
  }

  /**
   * Folds a job's bcrypt time, as the worker measured it, into its cost's average. Not the time from posting to
   * answer: when the host's loop is busy (say, reading a burst of 2,000 requests) the answer waits to be read, and
   * counting that wait would inflate every estimate and refuse logins the workers had time for.
   */
  private recordDuration(pending: Pending, tookMs: number | undefined): void {
    if (pending.cost === undefined || pending.warmUp || tookMs === undefined) return;
    const previous = this.averageMs.get(pending.cost);
    this.averageMs.set(pending.cost, previous === undefined ? tookMs : previous + DURATION_SMOOTHING * (tookMs - previous));
  }

  private spawn(): WorkerSlot {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { bcryptPath: this.bcryptPath, niceness: WORKER_NICENESS } });
    const slot: WorkerSlot = { worker, assigned: [], fresh: true };
    this.slots.push(slot);
    worker.on('message', (message: { ok?: boolean; skipped?: boolean; result?: string | boolean; message?: string; tookMs?: number }) => {
      const pending = slot.assigned.shift();
      if (slot.assigned.length === 0) worker.unref(); // an idle worker must not keep the host process (or a test run) alive
      if (pending && !message.skipped) {
        this.counters.completed++;
        if (pending.signal?.aborted) this.counters.abandoned++;
        if (message.ok) this.recordDuration(pending, message.tookMs);
        if (!pending.settled) {
          this.settle(pending);
          if (message.ok) pending.resolve(message.result as string | boolean);
          else pending.reject(new Error(`bcrypt failed: ${message.message ?? 'unknown error'}`));
        }
      }
      this.dispatch();
    });
    worker.on('error', (error) => this.retire(slot, error));
    worker.on('exit', (code) => this.retire(slot, new Error(`A password worker exited with code ${code}.`)));
    return slot;
  }

  /** A worker died: its running job fails; the jobs waiting in its inbox go back to the front of the queue. */
  private retire(slot: WorkerSlot, error: Error): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    this.slots.splice(index, 1);
    const requeue: Pending[] = [];
    for (const pending of slot.assigned.splice(0)) {
      if (pending.settled) continue;
      if (Atomics.load(pending.control, 0) === TAKEN) this.fail(pending, error);
      else requeue.push(pending);
    }
    for (const pending of requeue.reverse()) {
      this.queue.unshift(pending);
      this.queuedByCost.set(pending.cost, (this.queuedByCost.get(pending.cost) ?? 0) + 1);
    }
    if (!this.closed) this.dispatch();
  }
}

function checkMaxQueueWait(maxQueueWaitMs: number): void {
  if (typeof maxQueueWaitMs !== 'number' || Number.isNaN(maxQueueWaitMs) || maxQueueWaitMs < 0) {
    throw new TypeError('"maxQueueWaitMs" must be a number of milliseconds, 0 or more (or undefined for no bound).');
  }
}
