// A small pool of worker threads running bcryptjs, so hashing never blocks the host's event loop.
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

type Job =
  | { op: 'hash'; password: string; cost: number }
  | { op: 'compare'; password: string; hash: string };

interface Pending {
  job: Job;
  resolve: (value: string | boolean) => void;
  reject: (error: Error) => void;
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
    const result = job.op === 'hash' ? bcrypt.hashSync(job.password, job.cost) : bcrypt.compareSync(job.password, job.hash);
    parentPort.postMessage({ ok: true, result });
  } catch (error) {
    parentPort.postMessage({ ok: false, message: String(error && error.message) });
  }
});
`;

const WORKER_NICENESS = process.platform === 'linux' ? 10 : 0;

function resolveBcryptPath(): string {
  return createRequire(__filename).resolve('bcryptjs');
}

/** Runs bcryptjs jobs on `size` worker threads, one job per worker at a time, queued in arrival order. */
export class BcryptWorkerPool {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Pending>();
  private readonly queue: Pending[] = [];
  private readonly size: number;
  private readonly bcryptPath = resolveBcryptPath();
  private closed = false;

  constructor(size: number = availableParallelism()) {
    this.size = size;
  }

  hash(password: string, cost: number): Promise<string> {
    return this.run({ op: 'hash', password, cost }) as Promise<string>;
  }

  compare(password: string, hash: string): Promise<boolean> {
    return this.run({ op: 'compare', password, hash }) as Promise<boolean>;
  }

  /** Stops every worker; pending jobs are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0)) pending.reject(new Error('The password worker pool was closed.'));
    const workers = [...this.idle.splice(0), ...this.busy.keys()];
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  private run(job: Job): Promise<string | boolean> {
    if (this.closed) return Promise.reject(new Error('The password worker pool was closed.'));
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const worker = this.idle.pop() ?? (this.busy.size < this.size ? this.spawn() : undefined);
      if (!worker) return;
      const pending = this.queue.shift() as Pending;
      this.busy.set(worker, pending);
      worker.ref(); // a worker with a job in flight keeps the process alive until it answers
      worker.postMessage(pending.job);
    }
  }

  private spawn(): Worker {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { bcryptPath: this.bcryptPath, niceness: WORKER_NICENESS } });
    worker.on('message', (message: { ok: boolean; result?: string | boolean; message?: string }) => {
      const pending = this.busy.get(worker);
      this.busy.delete(worker);
      worker.unref(); // an idle worker must not keep the host process (or a test run) alive
      this.idle.push(worker);
      if (pending) {
        if (message.ok) pending.resolve(message.result as string | boolean);
        else pending.reject(new Error(`bcrypt failed: ${message.message ?? 'unknown error'}`));
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
