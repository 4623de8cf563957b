// Guard overhead: GET /ping behind each guard, as req/s, CPU per request and p99, relative to bare Express measured
// in the same run. Servers are forked (one process each, all started up front); rounds are interleaved.
//
// Why CPU per request beside req/s: the load generator shares the machine's cores with the server, so req/s also
// measures how the two are scheduled; the server's own CPU time per request served is what the guard costs.
import type { ChildProcess } from 'node:child_process';
import { forkBenchChild, stopChild } from './proc';
import type { CpuSample, SampleRequest, ServerReady } from './server';
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
  /** Only these subject ids (bare is always run). @default every subject */
  subjects?: readonly string[];
}

export interface GuardRound {
  reqPerSec: number;
  /** The server child's CPU time (user + system) over the measured run ÷ the requests it served, in microseconds. */
  cpuMicrosPerRequest: number;
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
  medianCpuMicros: number;
  /** Median over rounds of (bare CPU per request / subject CPU per request in the same round): 1.00 = no overhead. */
  medianCpuRatio: number;
  minCpuRatio: number;
  maxCpuRatio: number;
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

let nextSampleId = 1;

/** The server child's CPU totals and requests served so far (it answers over IPC between requests). */
function sampleChild(child: ChildProcess, timeoutMs = 10_000): Promise<CpuSample> {
  const id = nextSampleId++;
  return new Promise<CpuSample>((resolve, reject) => {
    const onMessage = (raw: unknown): void => {
      const msg = raw as Partial<CpuSample> | null;
      if (msg?.type !== 'sample' || msg.id !== id) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(msg as CpuSample);
    };
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error(`server child ${child.pid} did not answer a CPU sample within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('message', onMessage);
    const request: SampleRequest = { type: 'sample', id };
    child.send(request);
  });
}

async function preflight(
  subject: GuardSubject,
  port: number,
  good: Record<string, string>,
  bad: Record<string, string>,
): Promise<string | null> {
  const url = `http://127.0.0.1:${port}/ping`;
  const ok = await probe(url, { headers: good });
  if (ok.status !== 200 || !ok.text.includes('"ok":true')) {
    return `valid token -> ${ok.status} ${ok.text}`;
  }
  if (subject.unguarded === true) return null;
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
  const only = opts.subjects;
  const unknown = only?.filter((id) => !guardSubjects.some((subject) => subject.id === id)) ?? [];
  if (unknown.length > 0)
    throw new Error(
      `unknown guard subject(s): ${unknown.join(', ')} (known: ${guardSubjects.map((s) => s.id).join(', ')})`,
    );
  const subjects = guardSubjects.filter(
    (subject) => subject.id === 'bare' || only === undefined || only.includes(subject.id),
  );

  const token = signBenchToken(benchTokenClaims);
  const wrongToken = signBenchToken(benchTokenClaims, WRONG_SECRET);
  const failures = new Map<string, string>();
  const results = new Map<string, GuardRound[]>(subjects.map((s) => [s.id, []]));
  const live: Live[] = [];

  try {
    // Start sequentially so one server's startup does not skew another's.
    for (const subject of subjects) {
      try {
        const { child, first } = await forkBenchChild<ServerReady>('server.ts', ['guard', subject.id], {
          timeoutMs: 60_000,
        });
        const credential = subject.credential ? await subject.credential() : undefined;
        const problem = await preflight(
          subject,
          first.port,
          credential?.valid ?? { authorization: `Bearer ${token}` },
          credential?.invalid ?? { authorization: `Bearer ${wrongToken}` },
        );
        if (problem) {
          failures.set(subject.id, `preflight: ${problem}`);
          await stopChild(child);
          log(`guard: ${subject.name} FAILED preflight: ${problem}`);
          continue;
        }
        live.push({
          subject,
          child,
          port: first.port,
          headers: credential?.valid ?? { authorization: `Bearer ${token}` },
        });
        log(`guard: ${subject.name} ready on 127.0.0.1:${first.port} (pid ${child.pid})`);
      } catch (err) {
        failures.set(subject.id, `start: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
        log(`guard: ${subject.name} FAILED to start: ${String(err)}`);
      }
    }
    if (!live.some((l) => l.subject.id === 'bare')) throw new Error('bare express did not start; no ratios possible');

    for (let round = 1; round <= rounds; round++) {
      // Odd rounds run the subjects in order, even rounds in reverse (ABBA): a machine getting busier or calmer during
      // the run then weighs on bare and on the last subjects alike instead of always on the last ones.
      const order = round % 2 === 1 ? live : [...live].reverse();
      for (const { subject, child, port, headers } of order) {
        const base = {
          url: `http://127.0.0.1:${port}/ping`,
          connections,
          pipelining: 1,
          headers,
        };
        if (warmupSec > 0) await cannon({ ...base, duration: warmupSec });
        const before = await sampleChild(child);
        const r = await cannon({ ...base, duration: durationSec });
        const after = await sampleChild(child);
        const reqPerSec = r['2xx'] / r.duration;
        const served = after.served - before.served;
        const cpuMicrosPerRequest =
          served > 0
            ? (after.userMicros - before.userMicros + after.systemMicros - before.systemMicros) / served
            : Number.NaN;
        results
          .get(subject.id)
          ?.push({ reqPerSec, cpuMicrosPerRequest, p99Ms: r.latency.p99, non2xx: r.non2xx, errors: r.errors });
        log(
          `guard: round ${round}/${rounds} ${subject.name}: ${fmt(reqPerSec)} req/s, ${fmt(cpuMicrosPerRequest, 1)} µs CPU/req, p99 ${r.latency.p99} ms` +
            (r.non2xx || r.errors ? `, non-2xx ${r.non2xx}, errors ${r.errors}` : ''),
        );
        await sleep(200);
      }
    }
  } finally {
    await Promise.all(live.map((l) => stopChild(l.child)));
  }

  const bareRounds = results.get('bare') ?? [];
  const rows: GuardRow[] = subjects.map((subject) => {
    const rs = results.get(subject.id) ?? [];
    const ratios = rs.map((r, i) => r.reqPerSec / (bareRounds[i]?.reqPerSec ?? Number.NaN));
    const cpuRatios = rs.map((r, i) => (bareRounds[i]?.cpuMicrosPerRequest ?? Number.NaN) / r.cpuMicrosPerRequest);
    const row: GuardRow = {
      id: subject.id,
      name: subject.name,
      rounds: rs,
      medianReqPerSec: median(rs.map((r) => r.reqPerSec)),
      medianP99Ms: median(rs.map((r) => r.p99Ms)),
      medianRatio: median(ratios),
      minRatio: ratios.length ? Math.min(...ratios) : Number.NaN,
      maxRatio: ratios.length ? Math.max(...ratios) : Number.NaN,
      medianCpuMicros: median(rs.map((r) => r.cpuMicrosPerRequest)),
      medianCpuRatio: median(cpuRatios),
      minCpuRatio: cpuRatios.length ? Math.min(...cpuRatios) : Number.NaN,
      maxCpuRatio: cpuRatios.length ? Math.max(...cpuRatios) : Number.NaN,
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
    [
      'subject',
      'median req/s',
      'ratio to bare',
      'ratio range',
      'CPU µs / req',
      'CPU ratio to bare',
      'CPU ratio range',
      'median p99 (ms)',
      'non-2xx / errors',
    ],
    rows.map((r) =>
      r.failure
        ? [r.name, 'FAILED', '-', '-', '-', '-', '-', '-', r.failure]
        : [
            r.name,
            fmt(r.medianReqPerSec),
            fmt(r.medianRatio, 2),
            `${fmt(r.minRatio, 2)}–${fmt(r.maxRatio, 2)}`,
            fmt(r.medianCpuMicros, 1),
            fmt(r.medianCpuRatio, 2),
            `${fmt(r.minCpuRatio, 2)}–${fmt(r.maxCpuRatio, 2)}`,
            fmt(r.medianP99Ms, 0),
            `${r.rounds.reduce((a, x) => a + x.non2xx, 0)} / ${r.rounds.reduce((a, x) => a + x.errors, 0)}`,
          ],
    ),
  );
  const perRound = mdTable(
    ['subject', ...Array.from({ length: o.rounds }, (_, i) => `round ${i + 1} req/s (CPU µs/req)`)],
    rows
      .filter((r) => !r.failure)
      .map((r) => [r.name, ...r.rounds.map((x) => `${fmt(x.reqPerSec)} (${fmt(x.cpuMicrosPerRequest, 1)})`)]),
  );
  return [
    '## Guard overhead (GET /ping)',
    '',
    `autocannon ${o.connections} connections, pipelining 1, ${o.durationSec} s measured + ${o.warmupSec} s warm-up ` +
      `per subject per round, ${o.rounds} interleaved rounds (even rounds in reverse order). req/s counts 2xx only. ` +
      '"ratio to bare" is the median over rounds of (subject / bare in the same round); 1.00 = no overhead. ' +
      '"CPU µs / req" is the server process\'s own CPU time (user + system, process.cpuUsage() sampled by the server ' +
      'around each measured run) divided by the requests it served; "CPU ratio to bare" is the median over rounds of ' +
      '(bare CPU per request / subject CPU per request in the same round), so again 1.00 = no overhead and higher is better.',
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
