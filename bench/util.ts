// Small shared helpers: a bounded autocannon run, bounded HTTP preflight, medians, markdown tables.
import autocannon from 'autocannon';

export interface RunningCannon {
  instance: autocannon.Instance;
  done: Promise<autocannon.Result>;
}

/**
 * Starts autocannon; stops it if it overruns its duration by more than `graceMs`.
 * (autocannon acts on a stop at its next 1 s tick, so runs end up to ~1 s after their duration.)
 */
export function startCannon(opts: autocannon.Options, graceMs = 15_000): RunningCannon {
  const state: { timer?: NodeJS.Timeout; finished?: boolean } = {};
  let resolveDone!: (r: autocannon.Result) => void;
  let rejectDone!: (e: Error) => void;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  const instance = autocannon({ ...opts }, (err, result) => {
    state.finished = true;
    if (state.timer) clearTimeout(state.timer);
    if (err) rejectDone(err instanceof Error ? err : new Error(String(err)));
    else resolveDone(result);
  });
  const durationMs = Number(opts.duration ?? 10) * 1000;
  if (!state.finished) state.timer = setTimeout(() => instance.stop(), durationMs + graceMs);
  return { instance, done };
}

/** Runs autocannon to completion (bounded as in startCannon). */
export function cannon(opts: autocannon.Options, graceMs = 15_000): Promise<autocannon.Result> {
  return startCannon(opts, graceMs).done;
}

export interface Probe {
  status: number;
  text: string;
}

/** One HTTP request with a timeout (default 10 s); never throws (status 0 = transport error). */
export async function probe(url: string, init: RequestInit = {}, timeoutMs = 10_000): Promise<Probe> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.status, text: (await res.text()).slice(0, 200) };
  } catch (err) {
    return { status: 0, text: err instanceof Error ? err.message : String(err) };
  }
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function fmt(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return 'n/a';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function mdTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const esc = (c: string): string => c.replace(/\s+/g, ' ').replace(/\|/g, '\\|');
  const line = (cells: readonly string[]): string => `| ${cells.map(esc).join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Tiny logger to stderr so stdout carries only the tables. */
export function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}
