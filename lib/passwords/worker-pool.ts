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
  startedAt: number;
  /** The first job on a new worker also pays for the thread's start: its duration is not a bcrypt time. */
  warmUp: boolean;
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
parentPort.on('message', (job) => {
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
 * Runs bcryptjs jobs on `size` worker threads, one job per worker at a time, queued in arrival order.
 * A job may carry a bound on its queueing time (refused at once when the estimate is over it) and an abort signal
 * (removed from the queue when it fires).
 */
export class BcryptWorkerPool {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Pending>();
  private readonly queue: Pending[] = [];
  private readonly size: number;
  private readonly bcryptPath = resolveBcryptPath();
  private closed = false;
  /** Moving average of a job's bcrypt time on its worker, by cost. */
  private readonly averageMs = new Map<number, number>();
  /** Queued jobs by cost, so the wait estimate does not walk the queue. */
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
   * How long a job submitted now would wait for a worker, in ms: 0 when a worker is free, else the work ahead of it
   * (what the running jobs have left plus the queued jobs, each at its cost's moving average) shared over the
   * workers. That is the latest a worker can free up in FIFO order, so the estimate errs towards refusing.
   */
  estimatedWaitMs(): number {
    if (this.busy.size + this.queue.length < this.size) return 0;
    const now = performance.now();
    let workMs = 0;
    for (const pending of this.busy.values()) workMs += Math.max(0, this.expectedMs(pending.cost) - (now - pending.startedAt));
    for (const [cost, count] of this.queuedByCost) workMs += count * this.expectedMs(cost);
    return workMs / this.size;
  }

  /** Counters since the pool was made, and its current load. */
  get stats(): PoolStats {
    return { ...this.counters, queued: this.queue.length, running: this.busy.size };
  }

  /** Stops every worker; pending jobs are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0)) {
      this.settle(pending);
      pending.reject(new Error('The password worker pool was closed.'));
    }
    this.queuedByCost.clear();
    const workers = [...this.idle.splice(0), ...this.busy.keys()];
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
      const pending: Pending = { job, cost, resolve, reject, signal, onAbort: undefined, startedAt: 0, warmUp: false };
      if (signal) {
        pending.onAbort = () => this.drop(pending);
        signal.addEventListener('abort', pending.onAbort, { once: true });
      }
      this.queue.push(pending);
      this.queuedByCost.set(cost, (this.queuedByCost.get(cost) ?? 0) + 1);
      this.dispatch();
    });
  }

  /** The caller gave up while the job waited: it leaves the queue and never runs. */
  private drop(pending: Pending): void {
    const index = this.queue.indexOf(pending);
    if (index < 0) return; // already on a worker (or settled): it finishes, and nobody reads the result
    this.queue.splice(index, 1);
    this.unqueue(pending);
    this.counters.dropped++;
    pending.reject(abortError(pending.signal as AbortSignal));
  }

  private unqueue(pending: Pending): void {
    const left = (this.queuedByCost.get(pending.cost) ?? 1) - 1;
    if (left > 0) this.queuedByCost.set(pending.cost, left);
    else this.queuedByCost.delete(pending.cost);
  }

  /** The job no longer listens to its signal: it is running, finished or rejected. */
  private settle(pending: Pending): void {
    if (pending.signal && pending.onAbort) pending.signal.removeEventListener('abort', pending.onAbort);
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let worker = this.idle.pop();
      const warmUp = worker === undefined;
      worker ??= this.busy.size < this.size ? this.spawn() : undefined;
      if (!worker) return;
      const pending = this.queue.shift() as Pending;
      pending.warmUp = warmUp;
      this.unqueue(pending);
      this.settle(pending);
      pending.startedAt = performance.now();
      this.busy.set(worker, pending);
      worker.ref(); // a worker with a job in flight keeps the process alive until it answers
      worker.postMessage(pending.job);
    }
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
   * Folds a job's bcrypt time, as the worker measured it, into its cost's average. Not the time from dispatch to
   * answer: when the host's loop is busy (say, reading a burst of 2,000 requests) the answer waits to be read, and
   * counting that wait would inflate every estimate and refuse logins the workers had time for.
   */
  private recordDuration(pending: Pending, tookMs: number | undefined): void {
    if (pending.cost === undefined || pending.warmUp || tookMs === undefined) return;
    const previous = this.averageMs.get(pending.cost);
    this.averageMs.set(pending.cost, previous === undefined ? tookMs : previous + DURATION_SMOOTHING * (tookMs - previous));
  }

  private spawn(): Worker {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { bcryptPath: this.bcryptPath, niceness: WORKER_NICENESS } });
    worker.on('message', (message: { ok: boolean; result?: string | boolean; message?: string; tookMs?: number }) => {
      const pending = this.busy.get(worker);
      this.busy.delete(worker);
      worker.unref(); // an idle worker must not keep the host process (or a test run) alive
      this.idle.push(worker);
      if (pending) {
        this.counters.completed++;
        if (pending.signal?.aborted) this.counters.abandoned++;
        if (message.ok) {
          this.recordDuration(pending, message.tookMs);
          pending.resolve(message.result as string | boolean);
        } else pending.reject(new Error(`bcrypt failed: ${message.message ?? 'unknown error'}`));
      }
      this.dispatch();
    });
    worker.on('error', (error) => this.retire(worker, error));
    worker.on('exit', (code) => this.retire(worker, new Error(`A password worker exited with code ${code}.`)));
    return worker;
  }

  private retire(worker: Worker, error: Error): void {
    const pending = this.busy.get(worker);
    this.busy.delete(worker);
    const index = this.idle.indexOf(worker);
    if (index >= 0) this.idle.splice(index, 1);
    if (pending) pending.reject(error);
    if (!this.closed) this.dispatch();
  }
}

function checkMaxQueueWait(maxQueueWaitMs: number): void {
  if (typeof maxQueueWaitMs !== 'number' || Number.isNaN(maxQueueWaitMs) || maxQueueWaitMs < 0) {
    throw new TypeError('"maxQueueWaitMs" must be a number of milliseconds, 0 or more (or undefined for no bound).');
  }
}
