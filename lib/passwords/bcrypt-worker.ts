// One bcrypt worker thread and the protocol the pool speaks with it: the job it posts, the shared flag that lets the
// pool cancel a job still in the worker's inbox, and the answer the worker posts back.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** What a worker runs: a hash at a cost, or a comparison with a stored hash. */
export type Job = { op: 'hash'; password: string; cost: number } | { op: 'compare'; password: string; hash: string };

// The values of a job's shared control flag: set by the pool (CANCELLED) or by the worker (TAKEN), never both.
export const WAITING = 0;
export const CANCELLED = 1;
export const TAKEN = 2;

/** A worker's answer to one job. */
export type WorkerAnswer =
  /** The job was cancelled before the worker took it: it never ran. */
  | { kind: 'skipped' }
  /** bcrypt returned `result` after `tookMs` of work on the worker (undefined when the worker did not say). */
  | { kind: 'done'; result: unknown; tookMs: number | undefined }
  /** bcrypt threw; `message` is its error's message. */
  | { kind: 'failed'; message: string | undefined };

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

/** Where bcryptjs is, resolved once in the parent: the worker's eval'd source has no module path of its own. */
export function resolveBcryptPath(): string {
  return createRequire(__filename).resolve('bcryptjs');
}

/** Starts a worker thread running bcryptjs from `bcryptPath`. */
export function startBcryptWorker(bcryptPath: string): Worker {
  return new Worker(WORKER_SOURCE, {
    eval: true,
    execArgv: workerFlags(process.execArgv),
    workerData: { bcryptPath, niceness: WORKER_NICENESS },
  });
}

// The host's flags that say how to read *its* entry code. A worker inherits every flag, and under
// `node --input-type=module` its CommonJS source would load as an ES module and fail at once (the pool would restart it
// forever); `-e`/`-p` and their code are the host's script, not the worker's.
const ENTRY_FLAGS_WITH_VALUE = new Set(['--input-type', '-e', '--eval', '-p', '--print']);

/** The host's Node flags without those about its own entry code (loaders such as `--import` stay). */
export function workerFlags(hostFlags: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < hostFlags.length; i += 1) {
    const flag = hostFlags[i] ?? '';
    if (flag.startsWith('--input-type=')) continue;
    if (ENTRY_FLAGS_WITH_VALUE.has(flag)) {
      i += 1; // its value too
      continue;
    }
    kept.push(flag);
  }
  return kept;
}

/** Hands `job` to `worker`, with the flag through which it may still be cancelled until the worker takes it. */
export function postJob(worker: Worker, job: Job, control: Int32Array): void {
  worker.postMessage({ job, control });
}

/** A message from a worker, as {@link WORKER_SOURCE} posts it. */
export function readAnswer(message: unknown): WorkerAnswer {
  if (typeof message !== 'object' || message === null) return { kind: 'failed', message: undefined };
  if ('skipped' in message && message.skipped === true) return { kind: 'skipped' };
  if ('ok' in message && message.ok === true) {
    const tookMs = 'tookMs' in message && typeof message.tookMs === 'number' ? message.tookMs : undefined;
    return { kind: 'done', result: 'result' in message ? message.result : undefined, tookMs };
  }
  return {
    kind: 'failed',
    message: 'message' in message && typeof message.message === 'string' ? message.message : undefined,
  };
}
