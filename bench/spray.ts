// Username spray: 100,000 distinct usernames, one failed login each, against our memory stores.
// Reports heap growth (after forced GC, in a fresh process started with --expose-gc) and whether a real
// account still locks afterwards (i.e. whatever bounds the stores' memory did not also disable lockout).
//
// TODO(lead): implement buildOursSprayTarget() in bench/subjects.ts. Everything else here is generic;
// change measureSpray() only if the spray needs a different shape (e.g. going through HTTP).
import { forkBenchChild } from './proc';
import { buildOursSprayTarget } from './subjects';
import { fmt, mdTable } from './util';

/** What the lead provides: our login flow over memory stores, driven in-process. */
export interface SprayTarget {
  /** One failed login attempt for `login` (wrong password; the login need not exist). */
  failLogin(login: string): Promise<void>;
  /** Whether `login` is currently locked out (e.g. the right password is now refused as locked). */
  isLocked(login: string): Promise<boolean>;
  /** An existing account, and how many failed attempts lock it. */
  realLogin: string;
  lockAfterFailures: number;
  /** Optional: release timers/pools so the child exits promptly. */
  close?(): Promise<void> | void;
}

export interface SprayOptions {
  /** Distinct usernames to spray (default 100,000; capped at 1,000,000). */
  accounts?: number;
  /** Wall-clock limit for the spray loop (default 120 s); the loop stops early and reports how far it got. */
  timeLimitSec?: number;
}

export interface SprayMeasurement {
  status: 'ok' | 'not-implemented' | 'timed-out';
  accounts: number;
  attempted: number;
  heapUsedBeforeBytes: number;
  heapUsedAfterBytes: number;
  elapsedMs: number;
  /** null when not measured. */
  realAccountLocked: boolean | null;
  gcExposed: boolean;
  note?: string;
}

export interface SprayReport {
  result: SprayMeasurement;
  markdown: string;
}

interface SprayResultMessage {
  type: 'result';
  result: SprayMeasurement;
}

const MAX_ACCOUNTS = 1_000_000;

function heapUsedAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
  return process.memoryUsage().heapUsed;
}

/** Runs in the child (bench/spray-child.ts). */
export async function measureSpray(accounts: number, timeLimitSec: number): Promise<SprayMeasurement> {
  const gcExposed = typeof (globalThis as { gc?: unknown }).gc === 'function';
  const target = await buildOursSprayTarget();
  const heapUsedBeforeBytes = heapUsedAfterGc();
  if (!target) {
    return {
      status: 'not-implemented',
      accounts,
      attempted: 0,
      heapUsedBeforeBytes,
      heapUsedAfterBytes: heapUsedAfterGc(),
      elapsedMs: 0,
      realAccountLocked: null,
      gcExposed,
      note: 'buildOursSprayTarget() in bench/subjects.ts returns null (TODO(lead))',
    };
  }
  const started = Date.now();
  const deadline = started + timeLimitSec * 1000;
  let attempted = 0;
  // Eight attempts in flight at once, as a spraying client would send them: this keeps every bcrypt worker busy.
  const inFlight = 8;
  for (let i = 0; i < accounts && Date.now() < deadline; i += inFlight) {
    const batch: Promise<void>[] = [];
    for (let j = i; j < Math.min(i + inFlight, accounts); j++)
      batch.push(target.failLogin(`spray-${j.toString(36)}-${j}@spray.test`));
    await Promise.all(batch);
    attempted += batch.length;
  }
  const heapUsedAfterBytes = heapUsedAfterGc();
  const elapsedMs = Date.now() - started;
  let realAccountLocked: boolean | null = null;
  const lockAttempts = Math.min(Math.max(1, target.lockAfterFailures), 1000);
  for (let i = 0; i < lockAttempts; i++) await target.failLogin(target.realLogin);
  realAccountLocked = await target.isLocked(target.realLogin);
  await target.close?.();
  return {
    status: attempted < accounts ? 'timed-out' : 'ok',
    accounts,
    attempted,
    heapUsedBeforeBytes,
    heapUsedAfterBytes,
    elapsedMs,
    realAccountLocked,
    gcExposed,
  };
}

export async function runSprayBench(opts: SprayOptions = {}): Promise<SprayReport> {
  const accounts = Math.min(Math.max(1, Math.floor(opts.accounts ?? 100_000)), MAX_ACCOUNTS);
  const timeLimitSec = opts.timeLimitSec ?? 120;
  const { first } = await forkBenchChild<SprayResultMessage>(
    'spray-child.ts',
    [String(accounts), String(timeLimitSec)],
    {
      nodeFlags: ['--expose-gc'],
      timeoutMs: (timeLimitSec + 60) * 1000,
    },
  );
  return { result: first.result, markdown: renderSpray(first.result) };
}

function renderSpray(r: SprayMeasurement): string {
  const mb = (b: number): string => fmt(Math.abs(b) < 52_429 ? 0 : b / (1024 * 1024), 1); // |b| < 0.05 MB shows as 0.0
  const growth = r.heapUsedAfterBytes - r.heapUsedBeforeBytes;
  const table = mdTable(
    [
      'usernames sprayed',
      'heap used before (MB)',
      'heap used after (MB)',
      'growth (MB)',
      'bytes / username',
      'real account still locks',
      'spray time (s)',
      'status',
    ],
    [
      [
        `${fmt(r.attempted)} / ${fmt(r.accounts)}`,
        mb(r.heapUsedBeforeBytes),
        mb(r.heapUsedAfterBytes),
        mb(growth),
        r.attempted ? fmt(growth / r.attempted, 0) : 'n/a',
        r.realAccountLocked === null ? 'not measured' : r.realAccountLocked ? 'yes' : 'NO',
        fmt(r.elapsedMs / 1000, 1),
        r.status + (r.note ? ` — ${r.note}` : ''),
      ],
    ],
  );
  return [
    '## Username spray (memory stores)',
    '',
    'One failed login for each of N distinct usernames, in a fresh process; heap measured after forced GC' +
      (r.gcExposed ? '' : ' (WARNING: gc not exposed, numbers include garbage)') +
      '. Then the real account is failed until it should lock, and checked.',
    '',
    table,
  ].join('\n');
}
