// A small pool of worker threads running bcryptjs, so hashing never blocks the host's event loop, with a queue
// bounded by waiting time and jobs dropped when their caller gives up. The worker and its protocol live in
// bcrypt-worker.ts, the duration estimates in job-timings.ts, a job's record and its errors in pool-jobs.ts.
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import {
  CANCELLED,
  TAKEN,
  WAITING,
  postJob,
  readAnswer,
  resolveBcryptPath,
  startBcryptWorker,
  type Job,
  type WorkerAnswer,
} from './bcrypt-worker';
import { JobTimings } from './job-timings';
import {
  abortError,
  bcryptCostOf,
  checkMaxQueueWait,
  isHash,
  isMatch,
  newPending,
  poolBusyError,
  type Pending,
  type PoolJobOptions,
} from './pool-jobs';

export { bcryptCostOf, poolBusyError, type PoolJobOptions } from './pool-jobs';

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

interface WorkerSlot {
  worker: Worker;
  /** Jobs posted to this worker, in its inbox order; the first may be running. */
  assigned: Pending[];
  fresh: boolean;
}

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
  private readonly timings = new JobTimings();
  /** Jobs in `queue` by cost, so the wait estimate does not walk the queue. */
  private readonly queuedByCost = new Map<number | undefined, number>();
  private readonly counters = { completed: 0, dropped: 0, rejected: 0, abandoned: 0 };

  constructor(size: number = availableParallelism()) {
    this.size = size;
  }

  hash(password: string, cost: number, options: PoolJobOptions = {}): Promise<string> {
    return this.run({ op: 'hash', password, cost }, cost, options, isHash);
  }

  compare(password: string, hash: string, options: PoolJobOptions = {}): Promise<boolean> {
    return this.run({ op: 'compare', password, hash }, bcryptCostOf(hash), options, isMatch);
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
    for (const [cost, count] of this.queuedByCost) workMs += count * this.timings.expectedMs(cost);
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

  private run<T>(
    job: Job,
    cost: number | undefined,
    options: PoolJobOptions,
    accepts: (result: unknown) => result is T,
  ): Promise<T> {
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
      const pending = newPending(job, cost, signal, accepts, resolve, reject);
      if (signal) {
        pending.onAbort = () => this.drop(pending, signal);
        signal.addEventListener('abort', pending.onAbort, { once: true });
      }
      this.enqueue(pending);
      this.dispatch();
    });
  }

  private enqueue(pending: Pending): void {
    this.queue.push(pending);
    this.countQueued(pending);
  }

  private countQueued(pending: Pending): void {
    this.queuedByCost.set(pending.cost, (this.queuedByCost.get(pending.cost) ?? 0) + 1);
  }

  /**
   * The caller gave up. Still in our queue: it leaves it. Posted but not taken: its flag tells the worker to skip
   * it. Either way it never runs and rejects now. Already running: it finishes, and nobody reads the result.
   */
  private drop(pending: Pending, signal: AbortSignal): void {
    if (pending.settled) return;
    const index = this.queue.indexOf(pending);
    if (index >= 0) {
      this.queue.splice(index, 1);
      this.unqueue(pending);
    } else if (Atomics.compareExchange(pending.control, 0, WAITING, CANCELLED) !== WAITING) {
      return;
    }
    this.counters.dropped++;
    this.fail(pending, abortError(signal));
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
    for (let pending = this.queue[0]; pending !== undefined; pending = this.queue[0]) {
      const slot = this.slotWithRoom(now);
      if (!slot) return;
      this.queue.shift();
      this.unqueue(pending);
      pending.warmUp = slot.fresh;
      slot.fresh = false;
      pending.postedAt = now;
      slot.assigned.push(pending);
      slot.worker.ref(); // a worker with jobs in flight keeps the process alive until it answers
      postJob(slot.worker, pending.job, pending.control);
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
      const expected = this.timings.expectedMs(pending.cost);
      // Only the first live job can be running; the next ones start, at the earliest, when it ends.
      workMs += first ? Math.max(0, expected - (now - pending.postedAt)) : expected;
      first = false;
    }
    return workMs;
  }

  private spawn(): WorkerSlot {
    const worker = startBcryptWorker(this.bcryptPath);
    const slot: WorkerSlot = { worker, assigned: [], fresh: true };
    this.slots.push(slot);
    worker.on('message', (message: unknown) => {
      const pending = slot.assigned.shift();
      if (slot.assigned.length === 0) worker.unref(); // an idle worker must not keep the host process (or a test run) alive
      if (pending) this.answer(pending, readAnswer(message));
      this.dispatch();
    });
    worker.on('error', (error) => this.retire(slot, error));
    worker.on('exit', (code) => this.retire(slot, new Error(`A password worker exited with code ${code}.`)));
    return slot;
  }

  /** A worker answered `pending`: counts it, learns its duration, and settles it unless its caller already left. */
  private answer(pending: Pending, answer: WorkerAnswer): void {
    if (answer.kind === 'skipped') return;
    this.counters.completed++;
    if (pending.signal?.aborted) this.counters.abandoned++;
    // The first job on a new worker also paid for the thread's start: its time says nothing of bcrypt's.
    if (answer.kind === 'done' && pending.cost !== undefined && !pending.warmUp && answer.tookMs !== undefined) {
      this.timings.record(pending.cost, answer.tookMs);
    }
    if (pending.settled) return;
    this.settle(pending);
    if (answer.kind === 'done') pending.resolve(answer.result);
    else pending.reject(new Error(`bcrypt failed: ${answer.message ?? 'unknown error'}`));
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
      this.countQueued(pending);
    }
    if (!this.closed) this.dispatch();
  }
}
