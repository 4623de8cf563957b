// Guard overhead: GET /ping behind each guard, as req/s and p99 relative to bare Express measured in the
// same run. Servers are forked (one process each, all started up front); rounds are interleaved.
import type { ChildProcess } from 'node:child_process';
import { forkBenchChild, stopChild } from './proc';
import type { ServerReady } from './server';
import { benchTokenClaims, guardSubjects, type GuardSubject } from './subjects';
import { WRONG_SECRET, signBenchToken } from './fixtures';
import { cannon, fmt, log, mdTable, median, probe, sleep } from './util';

export interface GuardBenchOptions {
  /** Measured seconds per subject per round (default 5). */
  durationSec?: number;
  /** Unmeasured warm-up seconds before each measured run (default 1). */
  warmupSec?: number;
  /** Interleaved rounds (default 3). */
  rounds?: number;
  /** autocannon connections (default 10); pipelining is always 1. */
  connections?: number;
}

export interface GuardRound {
  reqPerSec: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

export interface GuardRow {
  id: string;
  name: string;
  /** Set when the subject failed to start or failed preflight; it then has no rounds. */
  failure?: string;
  rounds: GuardRound[];
  medianReqPerSec: number;
  medianP99Ms: number;
  /** Median over rounds of (subject req/s / bare req/s in the same round). */
  medianRatio: number;
  minRatio: number;
  maxRatio: number;
}

export interface GuardBenchReport {
  rows: GuardRow[];
  markdown: string;
}

interface Live {
  subject: GuardSubject;
  child: ChildProcess;
  port: number;
  /** The headers carrying this subject's valid credential. */
  headers: Record<string, string>;
}

async function preflight(subject: GuardSubject, port: number, good: Record<string, string>, bad: Record<string, string>): Promise<string | null> {
  const url = `http://127.0.0.1:${port}/ping`;
  const ok = await probe(url, { headers: good });
  if (ok.status !== 200 || !ok.text.includes('"ok":true')) {
    return `valid token -> ${ok.status} ${ok.text}`;
  }
  if (subject.id === 'bare') return null;
  const none = await probe(url);
  if (none.status !== 401) return `no token -> ${none.status} (expected 401)`;
  const wrong = await probe(url, { headers: bad });
  if (wrong.status !== 401) return `token signed with another secret -> ${wrong.status} (expected 401)`;
  return null;
}

export async function runGuardBench(opts: GuardBenchOptions = {}): Promise<GuardBenchReport> {
  const durationSec = opts.durationSec ?? 5;
  const warmupSec = opts.warmupSec ?? 1;
  const rounds = opts.rounds ?? 3;
  const connections = opts.connections ?? 10;
  if (guardSubjects[0]?.id !== 'bare') throw new Error("guardSubjects[0] must be the 'bare' subject");

  const token = signBenchToken(benchTokenClaims);
  const wrongToken = signBenchToken(benchTokenClaims, WRONG_SECRET);
  const failures = new Map<string, string>();
  const results = new Map<string, GuardRound[]>(guardSubjects.map((s) => [s.id, []]));
  const live: Live[] = [];

  try {
    // Start sequentially so one server's startup does not skew another's.
    for (const subject of guardSubjects) {
      try {
        const { child, first } = await forkBenchChild<ServerReady>('server.ts', ['guard', subject.id], { timeoutMs: 60_000 });
        const credential = subject.credential ? await subject.credential() : undefined;
        const problem = await preflight(subject, first.port, credential?.valid ?? { authorization: `Bearer ${token}` }, credential?.invalid ?? { authorization: `Bearer ${wrongToken}` });
        if (problem) {
          failures.set(subject.id, `preflight: ${problem}`);
          await stopChild(child);
          log(`guard: ${subject.name} FAILED preflight: ${problem}`);
          continue;
        }
        live.push({ subject, child, port: first.port, headers: credential?.valid ?? { authorization: `Bearer ${token}` } });
        log(`guard: ${subject.name} ready on 127.0.0.1:${first.port} (pid ${child.pid})`);
      } catch (err) {
        failures.set(subject.id, `start: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
        log(`guard: ${subject.name} FAILED to start: ${String(err)}`);
      }
    }
    if (!live.some((l) => l.subject.id === 'bare')) throw new Error('bare express did not start; no ratios possible');

    for (let round = 1; round <= rounds; round++) {
      for (const { subject, port, headers } of live) {
        const base = {
          url: `http://127.0.0.1:${port}/ping`,
          connections,
          pipelining: 1,
          headers,
        };
        if (warmupSec > 0) await cannon({ ...base, duration: warmupSec });
        const r = await cannon({ ...base, duration: durationSec });
        const reqPerSec = r['2xx'] / r.duration;
        results.get(subject.id)?.push({ reqPerSec, p99Ms: r.latency.p99, non2xx: r.non2xx, errors: r.errors });
        log(`guard: round ${round}/${rounds} ${subject.name}: ${fmt(reqPerSec)} req/s, p99 ${r.latency.p99} ms` +
          (r.non2xx || r.errors ? `, non-2xx ${r.non2xx}, errors ${r.errors}` : ''));
        await sleep(200);
      }
    }
  } finally {
    await Promise.all(live.map((l) => stopChild(l.child)));
  }

  const bareRounds = results.get('bare') ?? [];
  const rows: GuardRow[] = guardSubjects.map((subject) => {
    const rs = results.get(subject.id) ?? [];
    const ratios = rs.map((r, i) => r.reqPerSec / (bareRounds[i]?.reqPerSec ?? Number.NaN));
    const row: GuardRow = {
      id: subject.id,
      name: subject.name,
      rounds: rs,
      medianReqPerSec: median(rs.map((r) => r.reqPerSec)),
      medianP99Ms: median(rs.map((r) => r.p99Ms)),
      medianRatio: median(ratios),
      minRatio: ratios.length ? Math.min(...ratios) : Number.NaN,
      maxRatio: ratios.length ? Math.max(...ratios) : Number.NaN,
    };
    const failure = failures.get(subject.id);
    if (failure) row.failure = failure;
    return row;
  });

  return { rows, markdown: renderGuard(rows, { durationSec, warmupSec, rounds, connections }) };
}

function renderGuard(
  rows: GuardRow[],
  o: { durationSec: number; warmupSec: number; rounds: number; connections: number },
): string {
  const table = mdTable(
    ['subject', 'median req/s', 'ratio to bare', 'ratio range', 'median p99 (ms)', 'non-2xx / errors'],
    rows.map((r) =>
      r.failure
        ? [r.name, 'FAILED', '-', '-', '-', r.failure]
        : [
            r.name,
            fmt(r.medianReqPerSec),
            fmt(r.medianRatio, 2),
            `${fmt(r.minRatio, 2)}–${fmt(r.maxRatio, 2)}`,
            fmt(r.medianP99Ms, 0),
            `${r.rounds.reduce((a, x) => a + x.non2xx, 0)} / ${r.rounds.reduce((a, x) => a + x.errors, 0)}`,
          ],
    ),
  );
  const perRound = mdTable(
    ['subject', ...Array.from({ length: o.rounds }, (_, i) => `round ${i + 1} req/s`)],
    rows.filter((r) => !r.failure).map((r) => [r.name, ...r.rounds.map((x) => fmt(x.reqPerSec))]),
  );
  return [
    '## Guard overhead (GET /ping)',
    '',
    `autocannon ${o.connections} connections, pipelining 1, ${o.durationSec} s measured + ${o.warmupSec} s warm-up ` +
      `per subject per round, ${o.rounds} interleaved rounds. req/s counts 2xx only. ` +
      '"ratio to bare" is the median over rounds of (subject / bare in the same round); 1.00 = no overhead.',
    '',
    table,
    '',
    '<details><summary>per round</summary>',
    '',
    perRound,
    '',
    '</details>',
  ].join('\n');
}
