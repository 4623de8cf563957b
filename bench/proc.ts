// Parent-side child-process handling: fork a bench script under tsx, wait (bounded) for its first IPC
// message, stop it (SIGTERM, then SIGKILL), and kill whatever is still alive on exit / SIGINT / SIGTERM.
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..');

/** Upper bound on any child's life, enforced by the child itself (see childLifetimeGuard). */
export const CHILD_MAX_LIFETIME_MS = 20 * 60_000;

const live = new Set<ChildProcess>();
let cleanupInstalled = false;

function killAll(signal: NodeJS.Signals): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill(signal);
      } catch {
        // already gone
      }
    }
  }
}

/** Makes sure no forked child outlives this process. Idempotent. */
export function installChildCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on('exit', () => killAll('SIGKILL'));
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      console.error(`\n[bench] ${sig}: stopping ${live.size} child process(es)`);
      killAll('SIGKILL');
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
}

export interface ForkedChild<M> {
  child: ChildProcess;
  /** The first IPC message the child sent (its "ready" or "result"). */
  first: M;
}

export interface ForkOptions {
  /** Extra node flags before `--import tsx` (e.g. --expose-gc). */
  nodeFlags?: string[];
  /** How long to wait for the first message. */
  timeoutMs: number;
}

/**
 * Forks `bench/<script>` with tsx, cwd = repo root, stdio inherited. Resolves with the first message
 * once it arrives; rejects (and kills the child) when the child exits first, sends `{ type: 'error' }`,
 * or the timeout passes.
 */
export function forkBenchChild<M extends { type: string }>(
  script: string,
  args: string[],
  opts: ForkOptions,
): Promise<ForkedChild<M>> {
  installChildCleanup();
  const child = fork(path.join(__dirname, script), args, {
    cwd: REPO_ROOT,
    execArgv: [...(opts.nodeFlags ?? []), '--import', 'tsx'],
    env: { ...process.env, NODE_ENV: 'production', BENCH_CHILD_MAX_LIFETIME_MS: String(CHILD_MAX_LIFETIME_MS) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));

  return new Promise<ForkedChild<M>>((resolve, reject) => {
    let settled = false;
    const finish = (err: Error | null, msg?: M): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      child.off('error', onError);
      if (err) {
        void stopChild(child);
        reject(err);
      } else {
        resolve({ child, first: msg as M });
      }
    };
    const onMessage = (raw: unknown): void => {
      const msg = raw as M & { message?: string };
      if (msg && msg.type === 'error') finish(new Error(`${script} ${args.join(' ')}: ${msg.message ?? 'failed'}`));
      else finish(null, msg);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
      finish(new Error(`${script} ${args.join(' ')} exited before reporting (code ${code}, signal ${signal})`));
    const onError = (e: Error): void => finish(e);
    const timer = setTimeout(
      () => finish(new Error(`${script} ${args.join(' ')} did not report within ${opts.timeoutMs} ms`)),
      opts.timeoutMs,
    );
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

/** SIGTERM, wait up to 3 s, then SIGKILL and wait up to 2 s more. */
export async function stopChild(child: ChildProcess): Promise<void> {
  const exited = (): boolean => child.exitCode !== null || child.signalCode !== null;
  const waitExit = (ms: number): Promise<void> =>
    new Promise<void>((resolve) => {
      if (exited()) return resolve();
      const t = setTimeout(resolve, ms);
      child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
    });
  if (exited()) return;
  child.kill('SIGTERM');
  await waitExit(3000);
  if (!exited()) {
    child.kill('SIGKILL');
    await waitExit(2000);
  }
  live.delete(child);
}

/** Child side: exit when the parent goes away, on SIGTERM/SIGINT, or after the lifetime cap. */
export function childLifetimeGuard(): void {
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
  process.on('SIGINT', () => process.exit(0));
  const cap = Number(process.env.BENCH_CHILD_MAX_LIFETIME_MS) || CHILD_MAX_LIFETIME_MS;
  setTimeout(() => {
    console.error(`[bench child ${process.pid}] lifetime cap of ${cap} ms reached, exiting`);
    process.exit(0);
  }, cap).unref();
}
