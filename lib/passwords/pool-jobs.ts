// A job of the bcrypt worker pool as the pool tracks it, from submission to its answer, and the ways it can end
// without running: abandoned by its caller, or refused because it would wait too long.
import { AuthError } from '../errors';
import type { Job } from './bcrypt-worker';

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

export interface Pending {
  job: Job;
  /** The bcrypt cost the job runs at, for the wait estimate (undefined for a malformed hash: it fails at once). */
  cost: number | undefined;
  /** Settles the caller's promise with bcrypt's result (checked against what the job's kind returns). */
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  /** Shared with the worker once posted: WAITING, CANCELLED by us, or TAKEN by the worker (see bcrypt-worker.ts). */
  control: Int32Array;
  /** When it was posted to its worker (its start, for the estimate, once the worker has taken it). */
  postedAt: number;
  /** The first job on a new worker also pays for the thread's start and warm-up: its time is not a bcrypt time. */
  warmUp: boolean;
  settled: boolean;
}

/**
 * A job not yet queued, whose promise settles through `resolve` and `reject`. A result that is not what `accepts`
 * expects (it cannot be, from our worker) rejects rather than reaching the caller under the wrong type.
 */
export function newPending<T>(
  job: Job,
  cost: number | undefined,
  signal: AbortSignal | undefined,
  accepts: (result: unknown) => result is T,
  resolve: (value: T) => void,
  reject: (error: Error) => void,
): Pending {
  return {
    job,
    cost,
    resolve: (result) => (accepts(result) ? resolve(result) : reject(new Error('bcrypt failed: unexpected result'))),
    reject,
    signal,
    onAbort: undefined,
    control: new Int32Array(new SharedArrayBuffer(4)),
    postedAt: 0,
    warmUp: false,
    settled: false,
  };
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

export function abortError(signal: AbortSignal): Error {
  const error = new Error('The password check was abandoned: its caller went away.', { cause: signal.reason });
  error.name = 'AbortError';
  return error;
}

export function checkMaxQueueWait(maxQueueWaitMs: number): void {
  if (typeof maxQueueWaitMs !== 'number' || Number.isNaN(maxQueueWaitMs) || maxQueueWaitMs < 0) {
    throw new TypeError('"maxQueueWaitMs" must be a number of milliseconds, 0 or more (or undefined for no bound).');
  }
}

export const isHash = (result: unknown): result is string => typeof result === 'string';
export const isMatch = (result: unknown): result is boolean => typeof result === 'boolean';
