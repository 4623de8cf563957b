// Login storm: does bcrypt block the event loop? 20 concurrent logins hammer POST /login while a second,
// rate-limited autocannon (2 connections, 50 req/s overall) measures GET /cheap latency on the same server.
import type { ChildProcess } from 'node:child_process';
import { forkBenchChild, stopChild } from './proc';
import type { ServerReady } from './server';
import { loginSubjects, type LoginSubject } from './subjects';
import { DEFAULT_LOGIN_REQUEST, type LoginRequest } from './fixtures';
import type autocannon from 'autocannon';
import { cannon, fmt, log, mdTable, median, probe, sleep, startCannon } from './util';

export interface LoginStormOptions {
  /** Measured seconds per subject per round (default 5). */
  durationSec?: number;
  /** Uncounted seconds of login load before the measured window (default 2: with 20 connections at ~75 ms
   *  a hash, a single-threaded server needs ~1.5 s to answer every connection once). */
  warmupSec?: number;
  /** Interleaved rounds (default 3). */
  rounds?: number;
  /** Concurrent login connections (default 20). */
  loginConnections?: number;
  /** Cheap-route probe: connections (default 2) and overall rate in req/s (default 50). */
  probeConnections?: number;
  probeRate?: number;
}

/** The bar the target subject must clear. */
export const STORM_TARGET = { maxCheapP99Ms: 20, minLoginRatio: 1.6 } as const;

export interface StormRound {
  loginsPerSec: number;
  loginNon2xx: number;
  loginErrors: number;
  cheapP99Ms: number;
  /** Probes answered in the window, and how many the rate asked for (answered << expected = blocked). */
  cheapRequests: number;
  cheapExpected: number;
  /** True when < 90% of the expected probes were answered: cheapP99Ms is then a lower bound. */
  cheapCensored: boolean;
  cheapNon2xx: number;
  cheapErrors: number;
}

export interface StormRow {
  id: string;
  name: string;
  failure?: string;
  rounds: StormRound[];
  medianLoginsPerSec: number;
  /** Median over rounds of (subject logins/s / ratio-base logins/s in the same round). */
  medianRatio: number;
  medianCheapP99Ms: number;
  worstCheapP99Ms: number;
  target: boolean;
  /** For the target subject: whether it met STORM_TARGET. */
  targetMet?: boolean;
}

export interface LoginStormReport {
  rows: StormRow[];
  markdown: string;
}

interface Live {
  subject: LoginSubject;
  child: ChildProcess;
  port: number;
  login: LoginRequest;
}

function postLogin(
  port: number,
  login: LoginRequest,
  body: Record<string, unknown>,
  timeoutMs?: number,
): Promise<{ status: number; text: string }> {
  return probe(
    `http://127.0.0.1:${port}${login.path}`,
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
    timeoutMs,
  );
}

/**
 * Waits until the logins a run left queued on the server are done: autocannon closes its sockets when it
 * stops, but the server still hashes what it had already read. One more login queues behind them.
 */
async function drain(port: number, login: LoginRequest): Promise<void> {
  const r = await postLogin(port, login, login.body, 30_000);
  if (r.status === 0) log(`storm: drain login did not answer within 30 s (${r.text}); measuring anyway`);
}

async function preflight(port: number, login: LoginRequest): Promise<string | null> {
  const cheap = await probe(`http://127.0.0.1:${port}/cheap`);
  if (cheap.status !== 200) return `GET /cheap -> ${cheap.status} ${cheap.text}`;
  const post = (body: Record<string, unknown>): Promise<{ status: number; text: string }> =>
    postLogin(port, login, body);
  const ok = await post(login.body);
  if (ok.status < 200 || ok.status > 299) return `right password -> ${ok.status} ${ok.text}`;
  const wrongBody: Record<string, unknown> = { ...login.body };
  for (const k of Object.keys(wrongBody)) if (/pass/i.test(k)) wrongBody[k] = 'definitely-not-the-password';
  const bad = await post(wrongBody);
  if (bad.status < 400 || bad.status > 499 || bad.status === 429)
    return `wrong password -> ${bad.status} (expected 4xx, not 429)`;
  return null;
}

export async function runLoginStormBench(opts: LoginStormOptions = {}): Promise<LoginStormReport> {
  const durationSec = opts.durationSec ?? 5;
  const warmupSec = opts.warmupSec ?? 2;
  const rounds = opts.rounds ?? 3;
  const loginConnections = opts.loginConnections ?? 20;
  const probeConnections = opts.probeConnections ?? 2;
  const probeRate = opts.probeRate ?? 50;
  const baseSubject = loginSubjects.find((s) => s.ratioBase);
  if (!baseSubject) throw new Error('loginSubjects needs one entry with ratioBase: true');

  const failures = new Map<string, string>();
  const results = new Map<string, StormRound[]>(loginSubjects.map((s) => [s.id, []]));
  const live: Live[] = [];

  try {
    for (const subject of loginSubjects) {
      const login = subject.login ?? DEFAULT_LOGIN_REQUEST;
      try {
        const { child, first } = await forkBenchChild<ServerReady>('server.ts', ['login', subject.id], {
          timeoutMs: 60_000,
        });
        const problem = await preflight(first.port, login);
        if (problem) {
          failures.set(subject.id, `preflight: ${problem}`);
          await stopChild(child);
          log(`storm: ${subject.name} FAILED preflight: ${problem}`);
          continue;
        }
        live.push({ subject, child, port: first.port, login });
        log(`storm: ${subject.name} ready on 127.0.0.1:${first.port} (pid ${child.pid})`);
      } catch (err) {
        failures.set(subject.id, `start: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
        log(`storm: ${subject.name} FAILED to start: ${String(err)}`);
      }
    }
    if (!live.some((l) => l.subject.id === baseSubject.id))
      throw new Error(`${baseSubject.name} did not start; no ratios possible`);

    for (let round = 1; round <= rounds; round++) {
      for (const { subject, port, login } of live) {
        const loginOpts = {
          url: `http://127.0.0.1:${port}${login.path}`,
          method: 'POST' as const,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(login.body),
          connections: loginConnections,
          pipelining: 1,
        };
        // One continuous login load: the first warmupSec are not counted (responses are timestamped), and it
        // keeps running until the probe has finished, so the last probes still see a loaded server.
        const loginTimes: number[] = [];
        const load = startCannon({ ...loginOpts, duration: warmupSec + durationSec + 30 });
        load.instance.on('response', (_client: unknown, statusCode: number) => {
          if (statusCode >= 200 && statusCode < 300) loginTimes.push(performance.now());
        });
        let c: autocannon.Result;
        let windowStart = 0;
        let windowEnd = 0;
        try {
          await sleep(warmupSec * 1000);
          windowStart = performance.now();
          c = await cannon({
            url: `http://127.0.0.1:${port}/cheap`,
            connections: probeConnections,
            pipelining: 1,
            overallRate: probeRate,
            duration: durationSec,
          });
          windowEnd = performance.now();
        } finally {
          load.instance.stop();
        }
        const l = await load.done;
        await drain(port, login); // let this server finish its queued logins before the next subject starts
        const windowSec = (windowEnd - windowStart) / 1000;
        const counted = loginTimes.filter((t) => t >= windowStart && t <= windowEnd).length;
        const cheapExpected = Math.round(probeRate * c.duration);
        // Probes still waiting when the window closed are not in autocannon's latencies; if many are missing,
        // the p99 of the answered ones is only a lower bound (and with none answered, the window is).
        const cheapCensored = c.requests.total < 0.9 * cheapExpected;
        const r: StormRound = {
          loginsPerSec: counted / windowSec,
          loginNon2xx: l.non2xx,
          loginErrors: l.errors,
          cheapP99Ms: c.requests.total > 0 ? c.latency.p99 : Math.round(windowEnd - windowStart),
          cheapCensored,
          cheapRequests: c.requests.total,
          cheapExpected,
          cheapNon2xx: c.non2xx,
          cheapErrors: c.errors,
        };
        results.get(subject.id)?.push(r);
        log(
          `storm: round ${round}/${rounds} ${subject.name}: ${fmt(r.loginsPerSec, 1)} logins/s, ` +
            `cheap p99 ${r.cheapCensored ? '>= ' : ''}${r.cheapP99Ms} ms (${r.cheapRequests}/${r.cheapExpected} probes answered)` +
            (r.loginNon2xx || r.loginErrors ? `, login non-2xx ${r.loginNon2xx}, errors ${r.loginErrors}` : ''),
        );
        await sleep(300);
      }
    }
  } finally {
    await Promise.all(live.map((x) => stopChild(x.child)));
  }

  const baseRounds = results.get(baseSubject.id) ?? [];
  const rows: StormRow[] = loginSubjects.map((subject) => {
    const rs = results.get(subject.id) ?? [];
    const ratios = rs.map((r, i) => r.loginsPerSec / (baseRounds[i]?.loginsPerSec ?? Number.NaN));
    const row: StormRow = {
      id: subject.id,
      name: subject.name,
      rounds: rs,
      medianLoginsPerSec: median(rs.map((r) => r.loginsPerSec)),
      medianRatio: median(ratios),
      medianCheapP99Ms: median(rs.map((r) => r.cheapP99Ms)),
      worstCheapP99Ms: rs.length ? Math.max(...rs.map((r) => r.cheapP99Ms)) : Number.NaN,
      target: subject.target === true,
    };
    const failure = failures.get(subject.id);
    if (failure) row.failure = failure;
    if (row.target) {
      row.targetMet =
        !failure &&
        rs.length > 0 &&
        !rs.some((r) => r.cheapCensored) &&
        row.medianCheapP99Ms < STORM_TARGET.maxCheapP99Ms &&
        row.medianRatio >= STORM_TARGET.minLoginRatio;
    }
    return row;
  });

  return {
    rows,
    markdown: renderStorm(rows, baseSubject.name, {
      durationSec,
      warmupSec,
      rounds,
      loginConnections,
      probeConnections,
      probeRate,
    }),
  };
}

function renderStorm(rows: StormRow[], baseName: string, o: Required<LoginStormOptions>): string {
  const sum = (rs: StormRound[], f: (r: StormRound) => number): number => rs.reduce((a, r) => a + f(r), 0);
  const table = mdTable(
    [
      'subject',
      'median logins/s',
      'ratio to A',
      'median cheap p99 (ms)',
      'worst-round cheap p99 (ms)',
      'probes answered',
      'login non-2xx / errors',
      'cheap non-2xx / errors',
    ],
    rows.map((r) =>
      r.failure
        ? [r.name, 'FAILED', '-', '-', '-', '-', r.failure, '-']
        : [
            r.name,
            fmt(r.medianLoginsPerSec, 1),
            fmt(r.medianRatio, 2),
            (r.rounds.some((x) => x.cheapCensored) ? '≥ ' : '') + fmt(r.medianCheapP99Ms, 0),
            (r.rounds.some((x) => x.cheapCensored) ? '≥ ' : '') + fmt(r.worstCheapP99Ms, 0),
            `${sum(r.rounds, (x) => x.cheapRequests)} / ${sum(r.rounds, (x) => x.cheapExpected)}`,
            `${sum(r.rounds, (x) => x.loginNon2xx)} / ${sum(r.rounds, (x) => x.loginErrors)}`,
            `${sum(r.rounds, (x) => x.cheapNon2xx)} / ${sum(r.rounds, (x) => x.cheapErrors)}`,
          ],
    ),
  );
  const verdicts = rows
    .filter((r) => r.target)
    .map(
      (r) =>
        `**Target** (${r.name}): cheap p99 < ${STORM_TARGET.maxCheapP99Ms} ms and logins/s ≥ ${STORM_TARGET.minLoginRatio}× A — ` +
        (r.targetMet ? 'MET' : 'NOT MET') +
        (r.failure ? '' : ` (p99 ${fmt(r.medianCheapP99Ms, 0)} ms, ${fmt(r.medianRatio, 2)}×)`),
    );
  const perRound = mdTable(
    ['subject', ...Array.from({ length: o.rounds }, (_, i) => `round ${i + 1} logins/s · cheap p99`)],
    rows
      .filter((r) => !r.failure)
      .map((r) => [
        r.name,
        ...r.rounds.map((x) => `${fmt(x.loginsPerSec, 1)} · ${x.cheapCensored ? '≥ ' : ''}${x.cheapP99Ms} ms`),
      ]),
  );
  return [
    '## Login storm (bcrypt cost 10 vs the event loop)',
    '',
    `${o.loginConnections} login connections on POST /login for ${o.durationSec} s (after ${o.warmupSec} s warm-up) while ` +
      `${o.probeConnections} connections probe GET /cheap at ${o.probeRate} req/s overall; ${o.rounds} interleaved rounds. ` +
      `logins/s counts 2xx answered inside the probe window; "ratio to A" is the median over rounds of ` +
      `(subject / ${baseName} in the same round). "≥" marks a cheap-route p99 that is only a lower bound ` +
      '(fewer than 90% of the probes were answered inside the window: the route was blocked).',
    '',
    table,
    '',
    ...verdicts,
    '',
    '<details><summary>per round</summary>',
    '',
    perRound,
    '',
    '</details>',
  ].join('\n');
}
