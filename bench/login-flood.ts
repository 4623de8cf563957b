// Login flood (issue 11, defect 5): 2,000 logins at once at bcrypt cost 10, each from its own IPv6 /56, a quarter of
// the clients hanging up after 2 s, while a steady client probes a cheap guarded route. Run three times, each in a
// fresh server: floor (the same app, but POST /login a bare Express 503: the fastest this machine can refuse the
// flood), the bounded bcrypt queue (the default passwords.maxQueueWaitMs) and unbounded (false), the old behaviour.
// `npx tsx bench/login-flood.ts [--clients N] [--ramp-ms MS]`, or `npm run bench -- --only flood`.
import http from 'node:http';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import type { ChildProcess } from 'node:child_process';
import { forkBenchChild, installChildCleanup, stopChild } from './proc';
import type { ServerReady } from './server';
import type { FloodServerStats } from './login-flood-server';
import { FLOOD_SERVER_MODES, type FloodServerMode } from './login-flood-modes';
import { BENCH_LOGIN, BENCH_PASSWORD, FLOOD_USERS, floodLogin, floodPassword } from './fixtures';
import { fmt, log, mdTable, sleep } from './util';

export interface LoginFloodOptions {
  /** Concurrent logins (default 2,000). */
  clients?: number;
  /** Every `leaverEvery`-th client hangs up if unanswered after `leaveAfterMs` (defaults 4 and 2,000). */
  leaverEvery?: number;
  leaveAfterMs?: number;
  /** Spread the logins' start evenly over this many ms (default 0: all in one go). */
  rampMs?: number;
  /** Cheap-route probe rate, req/s (default 50). */
  probeRate?: number;
  /** Longest wait for the flood to settle, per mode (default 180 s). */
  settleTimeoutMs?: number;
  /**
   * The cheap probe runs at least this long from the flood's start (default 5 s), so that a mode that settles fast
   * (the floor: well under a second) has its cheap p99 taken over as many probes as one that settles slowly.
   */
  minProbeMs?: number;
}

/** The bar the bounded run must clear. */
export const FLOOD_TARGET = {
  max503Ms: 50,
  maxAnsweredMs: 3000,
  maxRssGrowthMb: 30,
  maxLeaverComparisons: 0,
  maxCheapP99Ms: 20,
} as const;

interface ClientResult {
  status: number; // 0 = transport error, -1 = the client hung up
  /** From the request being flushed to the kernel (the client's own loop, busy opening 2,000 sockets, excluded). */
  ms: number;
  retryAfter: string | undefined;
  leaver: boolean;
  /** The `error` code of a refusal's JSON body, when there is one. */
  code?: string;
}

export interface FloodRun {
  mode: FloodServerMode;
  failure?: string;
  maxQueueWaitMs: number | null;
  clients: ClientResult[];
  cheapMs: number[];
  cheapSent: number;
  cheapFailed: number;
  before: FloodServerStats;
  after: FloodServerStats;
  settleMs: number;
}

export interface LoginFloodReport {
  runs: FloodRun[];
  markdown: string;
  /** Whether the bounded run met FLOOD_TARGET (undefined when it failed). */
  targetMet: boolean | undefined;
}

function request(
  port: number,
  method: 'GET' | 'POST',
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; agent?: http.Agent | false; timeoutMs?: number } = {},
): Promise<{ status: number; text: string }> {
  return new Promise((resolve) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: options.agent ?? false,
        headers: {
          ...(payload
            ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }
            : {}),
          ...options.headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', () => resolve({ status: 0, text }));
      },
    );
    req.setTimeout(options.timeoutMs ?? 10_000, () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, text: e.message }));
    req.end(payload);
  });
}

/** Client i's address: its own /56 (and /48) inside 2001:db8::/32, the documentation prefix. */
const clientIp = (i: number): string => `2001:db8:${(i + 1).toString(16)}::1`;

/** Client i's login: half right passwords of real users, 15 % wrong ones (6 per user, under the lockout), 35 % unknown names. */
function floodBody(i: number): { username: string; password: string } {
  const k = i % FLOOD_USERS;
  const slot = i % 20;
  if (slot < 10) return { username: floodLogin(k), password: floodPassword(k) };
  if (slot < 13) return { username: floodLogin(k), password: `wrong password ${i}` };
  return { username: `ghost-${i}`, password: `guess ${i}` };
}

/** One flood login on its own connection; a leaver hangs up when unanswered after `leaveAfterMs`. */
function sendFloodLogin(port: number, i: number, leaver: boolean, leaveAfterMs: number): Promise<ClientResult> {
  return new Promise((resolve) => {
    const payload = JSON.stringify(floodBody(i));
    let sent = performance.now();
    let done = false;
    const finish = (status: number, retryAfter?: string, at = performance.now(), code?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(leaveTimer);
      resolve({ status, ms: at - sent, retryAfter, leaver, ...(code ? { code } : {}) });
    };
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/login',
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(payload)),
          'x-forwarded-for': clientIp(i),
          connection: 'close',
        },
      },
      (res) => {
        const retryAfter = res.headers['retry-after'];
        const result = {
          status: res.statusCode ?? 0,
          retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
        };
        if (result.status === 200) {
          finish(result.status, result.retryAfter);
          res.resume();
          return;
        }
        // A refusal: its latency counts at the headers, its code is read from the (small) body.
        const headersAt = performance.now();
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          finish(result.status, result.retryAfter, headersAt, /"error"\s*:\s*"([a-z_]+)"/.exec(text)?.[1]),
        );
        res.on('error', () => finish(result.status, result.retryAfter, headersAt));
      },
    );
    const leaveTimer = leaver
      ? setTimeout(() => {
          if (done) return;
          finish(-1);
          req.destroy();
        }, leaveAfterMs)
      : undefined;
    req.on('finish', () => (sent = performance.now()));
    req.on('error', () => finish(0));
    req.end(payload);
  });
}

/** GETs /cheap at a fixed rate on one keep-alive connection; latency counts from the scheduled time. */
function startCheapProbe(
  port: number,
  token: string,
  rate: number,
): { stop: () => Promise<{ ms: number[]; sent: number; failed: number }> } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const ms: number[] = [];
  const inflight = new Set<Promise<void>>();
  let sent = 0;
  let failed = 0;
  const interval = 1000 / rate;
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const tick = (): void => {
    const scheduled = t0 + sent * interval;
    sent++;
    const p = request(port, 'GET', '/cheap', {
      agent,
      headers: { authorization: `Bearer ${token}` },
      timeoutMs: 30_000,
    }).then((r) => {
      if (r.status === 200) ms.push(performance.now() - scheduled);
      else failed++;
    });
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
    timer = setTimeout(tick, Math.max(0, t0 + sent * interval - performance.now()));
  };
  tick();
  return {
    stop: async () => {
      clearTimeout(timer);
      await Promise.all(inflight);
      agent.destroy();
      return { ms, sent, failed };
    },
  };
}

async function serverStats(port: number): Promise<FloodServerStats> {
  const r = await request(port, 'GET', '/debug/flood');
  if (r.status !== 200) throw new Error(`GET /debug/flood -> ${r.status} ${r.text}`);
  return JSON.parse(r.text) as FloodServerStats;
}

async function preflight(port: number, mode: FloodServerMode): Promise<string> {
  const stats = await serverStats(port);
  const expected = mode === 'unbounded' ? null : 'a number';
  if (mode === 'unbounded' ? stats.maxQueueWaitMs !== null : typeof stats.maxQueueWaitMs !== 'number') {
    throw new Error(
      `passwords.maxQueueWaitMs resolved to ${JSON.stringify(stats.maxQueueWaitMs)}, expected ${expected}: is the option wired?`,
    );
  }
  // floor: POST /login is the bare 503; the library's login is mounted under /preflight for the token and warm-up.
  const loginPath = mode === 'floor' ? '/preflight/login' : '/login';
  if (mode === 'floor') {
    const floor = await request(port, 'POST', '/login', {
      body: { username: BENCH_LOGIN, password: BENCH_PASSWORD },
      headers: { 'x-forwarded-for': '2001:db8:fffd::1' },
    });
    if (floor.status !== 503 || !floor.text.includes('unavailable'))
      throw new Error(`floor POST /login -> ${floor.status} ${floor.text.slice(0, 200)} (expected the bare 503)`);
  }
  const ok = await request(port, 'POST', loginPath, {
    body: { username: BENCH_LOGIN, password: BENCH_PASSWORD },
    headers: { 'x-forwarded-for': '2001:db8:ffff::1' },
  });
  if (ok.status !== 200) throw new Error(`right password -> ${ok.status} ${ok.text.slice(0, 200)}`);
  const token = (JSON.parse(ok.text) as { accessToken?: string }).accessToken;
  if (!token) throw new Error(`the login answer has no accessToken: ${ok.text.slice(0, 200)}`);
  const bad = await request(port, 'POST', loginPath, {
    body: { username: BENCH_LOGIN, password: 'not the password' },
    headers: { 'x-forwarded-for': '2001:db8:fffe::1' },
  });
  if (bad.status !== 401) throw new Error(`wrong password -> ${bad.status} (expected 401)`);
  const cheap = await request(port, 'GET', '/cheap', { headers: { authorization: `Bearer ${token}` } });
  if (cheap.status !== 200) throw new Error(`GET /cheap with the token -> ${cheap.status}`);
  const anonymous = await request(port, 'GET', '/cheap');
  if (anonymous.status !== 401) throw new Error(`GET /cheap without a token -> ${anonymous.status} (expected 401)`);
  // Warm-up: every flood account once (so the pool's moving average is measured), two at a time like the cores.
  for (let k = 0; k < 10; k += 2) {
    await Promise.all(
      [k, k + 1].map((j) =>
        request(port, 'POST', loginPath, {
          body: { username: floodLogin(j), password: floodPassword(j) },
          headers: { 'x-forwarded-for': `2001:db8:fff${j % 10}::1` },
        }),
      ),
    );
  }
  return token;
}

async function runMode(mode: FloodServerMode, opts: Required<LoginFloodOptions>): Promise<FloodRun> {
  let child: ChildProcess | undefined;
  let cheapProbe: ReturnType<typeof startCheapProbe> | undefined;
  const empty = {} as FloodServerStats;
  try {
    const forked = await forkBenchChild<ServerReady>('login-flood-server.ts', [mode], { timeoutMs: 120_000 });
    child = forked.child;
    const port = forked.first.port;
    const token = await preflight(port, mode);
    await request(port, 'POST', '/debug/flood/reset');
    await sleep(200);
    const before = await serverStats(port);
    log(
      `flood ${mode}: ${opts.clients} logins at once (${mode === 'floor' ? 'bare 503 on POST /login' : `passwords.maxQueueWaitMs ${before.maxQueueWaitMs ?? 'false'}`})`,
    );
    cheapProbe = startCheapProbe(port, token, opts.probeRate);
    await sleep(200);
    const t0 = performance.now();
    const send = (i: number): Promise<ClientResult> =>
      sendFloodLogin(port, i, i % opts.leaverEvery === opts.leaverEvery - 1, opts.leaveAfterMs);
    const all = Promise.all(
      Array.from({ length: opts.clients }, (_, i) =>
        opts.rampMs > 0 ? sleep((i * opts.rampMs) / opts.clients).then(() => send(i)) : send(i),
      ),
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), opts.settleTimeoutMs)));
    const clients = await Promise.race([all, timeout]);
    clearTimeout(timer);
    if (!clients) throw new Error(`the flood did not settle within ${opts.settleTimeoutMs / 1000} s`);
    // The server may still be finishing comparisons for clients that left while theirs ran.
    for (let i = 0; i < 100 && (await serverStats(port)).pool.running > 0; i++) await sleep(50);
    const settleMs = performance.now() - t0;
    await sleep(opts.minProbeMs - settleMs);
    const cheap = await cheapProbe.stop();
    cheapProbe = undefined;
    const after = await serverStats(port);
    return {
      mode,
      maxQueueWaitMs: before.maxQueueWaitMs,
      clients,
      cheapMs: cheap.ms,
      cheapSent: cheap.sent,
      cheapFailed: cheap.failed,
      before,
      after,
      settleMs,
    };
  } catch (err) {
    const failure = err instanceof Error ? err.message : String(err);
    log(`flood ${mode}: FAILED: ${failure}`);
    return {
      mode,
      failure,
      maxQueueWaitMs: null,
      clients: [],
      cheapMs: [],
      cheapSent: 0,
      cheapFailed: 0,
      before: empty,
      after: empty,
      settleMs: 0,
    };
  } finally {
    if (cheapProbe) void cheapProbe.stop(); // its last requests fail once the server is gone
    if (child) await stopChild(child);
  }
}

function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] as number;
}
const max = (values: readonly number[]): number => (values.length ? Math.max(...values) : Number.NaN);

interface Figures {
  answered: number;
  status200: number;
  status401: number;
  status403: number;
  /** The 403s' error codes and counts, e.g. `login_blocked × 700`. */
  codes403: string;
  status429: number;
  status503: number;
  other: number;
  leftUnanswered: number;
  transportErrors: number;
  ms503: number[];
  msAnswered: number[];
  server503Ms: number[];
  server503FromAcceptMs: number[];
  /** Request event to finish for every status but 503. */
  serverAnsweredMs: number[];
  retryAfter: string;
  rssGrowthMb: number;
  heapGrowthMb: number;
  /** The server's RSS and heap used right before the flood (after the preflight, warm-up and reset). */
  rssBeforeMb: number;
  heapBeforeMb: number;
  completed: number;
  dropped: number;
  rejected: number;
  abandoned: number;
  /** Comparisons that started after their client had hung up: completed − those a delivered answer needed − abandoned. */
  startedForLeavers: number;
  cheapMs: number[];
  cheapAnswered: string;
  loopP99Ms: number;
  loopMaxMs: number;
  settleS: number;
}

function tally(values: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([v, n]) => `${v} × ${n}`).join(', ');
}

function figuresOf(run: FloodRun): Figures {
  const by = (pred: (c: ClientResult) => boolean): ClientResult[] => run.clients.filter(pred);
  const count = (status: number): number => by((c) => c.status === status).length;
  const answered = by((c) => c.status >= 200 && c.status !== 503);
  const pool = (key: 'completed' | 'dropped' | 'rejected' | 'abandoned'): number =>
    (run.after.pool[key] ?? 0) - (run.before.pool[key] ?? 0);
  const retry = by((c) => c.status === 503).map((c) => Number(c.retryAfter));
  const completed = pool('completed');
  const abandoned = pool('abandoned');
  // Every delivered 200 and 401 cost exactly one comparison (the user's hash or the dummy); 403, 429 and 503 none.
  const startedForLeavers = completed - count(200) - count(401) - abandoned;
  return {
    answered: answered.length,
    status200: count(200),
    status401: count(401),
    status403: count(403),
    codes403: tally(by((c) => c.status === 403).map((c) => c.code ?? 'no code')),
    status429: count(429),
    status503: count(503),
    other: by((c) => c.status > 0 && ![200, 401, 403, 429, 503].includes(c.status)).length,
    leftUnanswered: count(-1),
    transportErrors: count(0),
    ms503: by((c) => c.status === 503).map((c) => c.ms),
    msAnswered: answered.map((c) => c.ms),
    server503Ms: run.after.loginMsByStatus?.['503'] ?? [],
    server503FromAcceptMs: run.after.loginMsFromAcceptByStatus?.['503'] ?? [],
    serverAnsweredMs: Object.entries(run.after.loginMsByStatus ?? {})
      .filter(([status]) => status !== '503')
      .flatMap(([, values]) => values),
    retryAfter: retry.length ? `${Math.min(...retry)}–${Math.max(...retry)}` : 'n/a',
    rssGrowthMb: (run.after.rssPeakBytes - run.before.rssBytes) / 2 ** 20,
    heapGrowthMb: (run.after.heapUsedPeakBytes - run.before.heapUsedBytes) / 2 ** 20,
    rssBeforeMb: run.before.rssBytes / 2 ** 20,
    heapBeforeMb: run.before.heapUsedBytes / 2 ** 20,
    completed,
    dropped: pool('dropped'),
    rejected: pool('rejected'),
    abandoned,
    startedForLeavers,
    cheapMs: run.cheapMs,
    cheapAnswered: `${run.cheapMs.length}/${run.cheapSent}`,
    loopP99Ms: run.after.loopDelayP99Ms,
    loopMaxMs: run.after.loopDelayMaxMs,
    settleS: run.settleMs / 1000,
  };
}

function render(
  runs: FloodRun[],
  opts: Required<LoginFloodOptions>,
): { markdown: string; targetMet: boolean | undefined } {
  const ok = (mode: FloodServerMode): Figures | undefined => {
    const run = runs.find((r) => r.mode === mode);
    return run && !run.failure ? figuresOf(run) : undefined;
  };
  const bounded = runs.find((r) => r.mode === 'bounded');
  const lines: string[] = [
    `## flood — ${fmt(opts.clients)} concurrent logins (bcrypt cost 10)`,
    '',
    `${opts.clients} concurrent POST /login${opts.rampMs > 0 ? ` started evenly over ${opts.rampMs / 1000} s` : ' started at once'}, each on its own connection from its own /56 (X-Forwarded-For, trust proxy = loopback): ` +
      `50 % right passwords of ${FLOOD_USERS} users, 15 % wrong ones, 35 % unknown names; every ${opts.leaverEvery}th client hangs up ` +
      `when unanswered after ${opts.leaveAfterMs / 1000} s. GET /cheap (requireAuth) probed at ${opts.probeRate} req/s on one keep-alive connection ` +
      `from 0.2 s before the flood until it settles, and for at least ${opts.minProbeMs / 1000} s from its start. Default lockout and per-IP limits. Each mode in a fresh server process, floor first, then bounded, then unbounded. ` +
      'floor is the same Express app and guarded cheap route, but POST /login is a bare Express handler answering 503 at once (no library code, body not parsed): the fastest this app can refuse the flood on this machine.',
    '',
    'Times at the client run from the request being flushed to the response headers; times in the server from the ' +
      "request event to the response's finish, so they leave out the accept queue and the loop's backlog of other " +
      'requests. Comparisons "started after the client left" = pool completions − delivered 200s and 401s (one ' +
      'comparison each; 403, 429 and 503 cost none) − comparisons already running when their client left.',
    '',
  ];
  for (const run of runs) if (run.failure) lines.push(`- **${run.mode}: FAILED** — ${run.failure}`);
  const b = ok('bounded');
  if (!bounded || !b) return { markdown: lines.join('\n'), targetMet: undefined };
  const f = ok('floor');
  const u = ok('unbounded');
  const ms = (n: number): string => fmt(n, n < 10 && !Number.isInteger(n) ? 1 : 0);
  const ratio = (x: number, y: number | undefined): string =>
    y === undefined || !Number.isFinite(x) || !Number.isFinite(y) || y === 0 ? 'n/a' : `${fmt(x / y, 2)}×`;
  /** A measure: its value for one mode's figures, the target (bounded), and an optional note shown after each value. */
  type Row = [string, (x: Figures) => number, string, ((x: Figures) => string)?];
  const rows: Row[] = [
    ['time to 503 at the client, p50 (ms)', (x) => quantile(x.ms503, 0.5), `< ${FLOOD_TARGET.max503Ms}`],
    ['time to 503 at the client, p99 (ms)', (x) => quantile(x.ms503, 0.99), `< ${FLOOD_TARGET.max503Ms}`],
    ['time to 503 at the client, max (ms)', (x) => max(x.ms503), `< ${FLOOD_TARGET.max503Ms}`],
    ['time to 503 in the server, p50 (ms)', (x) => quantile(x.server503Ms, 0.5), `< ${FLOOD_TARGET.max503Ms}`],
    ['time to 503 in the server, p99 (ms)', (x) => quantile(x.server503Ms, 0.99), `< ${FLOOD_TARGET.max503Ms}`],
    ['time to 503 in the server, max (ms)', (x) => max(x.server503Ms), `< ${FLOOD_TARGET.max503Ms}`],
    [
      '… in the server from the accept, p99 (ms)',
      (x) => quantile(x.server503FromAcceptMs, 0.99),
      '',
      (x) => `max ${ms(max(x.server503FromAcceptMs))}`,
    ],
    // Leavers still unanswered at the hang-up have no time to 503: the 503 rows leave out these slowest clients.
    [
      `leavers hung up unanswered after ${opts.leaveAfterMs / 1000} s (of ${Math.floor(opts.clients / opts.leaverEvery)})`,
      (x) => x.leftUnanswered,
      '',
    ],
    ['answered login latency, p50 (ms)', (x) => quantile(x.msAnswered, 0.5), ''],
    ['answered login latency, p99 (ms)', (x) => quantile(x.msAnswered, 0.99), ''],
    ['answered login latency, max (ms)', (x) => max(x.msAnswered), `< ${FLOOD_TARGET.maxAnsweredMs}`],
    ['answered login latency in the server, max (ms)', (x) => max(x.serverAnsweredMs), ''],
    ['server RSS right before the flood (MB)', (x) => x.rssBeforeMb, ''],
    ['server heap used right before the flood (MB)', (x) => x.heapBeforeMb, ''],
    ['server RSS growth, peak (MB)', (x) => x.rssGrowthMb, `< ${FLOOD_TARGET.maxRssGrowthMb}`],
    ['server heap-used growth, peak (MB)', (x) => x.heapGrowthMb, ''],
    ['comparisons started after the client left', (x) => x.startedForLeavers, `${FLOOD_TARGET.maxLeaverComparisons}`],
    ['comparisons running when the client left (finished unused)', (x) => x.abandoned, ''],
    ['queued comparisons dropped when the client left', (x) => x.dropped, ''],
    ['comparisons run (pool completed)', (x) => x.completed, ''],
    ['GET /cheap p50 (ms)', (x) => quantile(x.cheapMs, 0.5), ''],
    ['GET /cheap p99 (ms)', (x) => quantile(x.cheapMs, 0.99), `< ${FLOOD_TARGET.maxCheapP99Ms}`],
    ['GET /cheap max (ms)', (x) => max(x.cheapMs), ''],
    ['server event-loop delay p99 (ms)', (x) => x.loopP99Ms, '', (x) => `max ${ms(x.loopMaxMs)}`],
    ['flood settled after (s)', (x) => x.settleS, ''],
  ];
  const cell = (x: Figures | undefined, value: (y: Figures) => number, note?: (y: Figures) => string): string =>
    x === undefined ? 'n/a' : `${ms(value(x))}${note ? ` (${note(x)})` : ''}`;
  const table = mdTable(
    [
      'measure',
      'floor (bare 503)',
      'bounded (default)',
      'unbounded (false)',
      'bounded / floor',
      'bounded / unbounded',
      'target (bounded)',
    ],
    rows.map(([name, value, target, note]) => [
      name,
      cell(f, value, note),
      cell(b, value, note),
      cell(u, value, note),
      ratio(value(b), f && value(f)),
      ratio(value(b), u && value(u)),
      target,
    ]),
  );
  const outcome = (x: Figures): string =>
    `200: ${x.status200}, 401: ${x.status401}, 403: ${x.status403}${x.codes403 ? ` (${x.codes403})` : ''}, 429: ${x.status429}, 503: ${x.status503} (Retry-After ${x.retryAfter} s), ` +
    `other: ${x.other}, hung up unanswered: ${x.leftUnanswered}, transport errors: ${x.transportErrors}; cheap probes answered ${x.cheapAnswered}`;
  /** The targets; `floor` marks those the bare-503 floor can be held to (it answers no login, runs no comparison). */
  const checks: [string, (x: Figures) => boolean, boolean][] = [
    ['503 max < 50 ms at the client', (x) => x.ms503.length > 0 && max(x.ms503) < FLOOD_TARGET.max503Ms, true],
    [
      '503 max < 50 ms in the server',
      (x) => x.server503Ms.length > 0 && max(x.server503Ms) < FLOOD_TARGET.max503Ms,
      true,
    ],
    ['answered max < 3 s', (x) => max(x.msAnswered) < FLOOD_TARGET.maxAnsweredMs, false],
    ['RSS growth < 30 MB', (x) => x.rssGrowthMb < FLOOD_TARGET.maxRssGrowthMb, true],
    [
      'no comparison started for a client that left',
      (x) => x.startedForLeavers <= FLOOD_TARGET.maxLeaverComparisons,
      false,
    ],
    ['cheap p99 < 20 ms', (x) => quantile(x.cheapMs, 0.99) < FLOOD_TARGET.maxCheapP99Ms, true],
  ];
  const targetMet = checks.every(([, pass]) => pass(b));
  const verdicts = (x: Figures, floorOnly: boolean): string =>
    checks
      .filter(([, , forFloor]) => !floorOnly || forFloor)
      .map(([name, pass]) => `${name}: ${pass(x) ? 'yes' : 'NO'}`)
      .join('; ');
  lines.push(
    table,
    '',
    f ? `- floor (bare 503): ${outcome(f)}` : '- floor: not measured',
    `- bounded (passwords.maxQueueWaitMs ${bounded.maxQueueWaitMs}): ${outcome(b)}`,
    u ? `- unbounded: ${outcome(u)}` : '- unbounded: not measured',
    `- target: **${targetMet ? 'MET' : 'NOT MET'}** (${verdicts(b, false)})`,
    f
      ? `- the floor against the same targets: ${verdicts(f, true)}`
      : '- the floor against the same targets: not measured',
  );
  return { markdown: lines.join('\n'), targetMet };
}

export async function runLoginFloodBench(options: LoginFloodOptions = {}): Promise<LoginFloodReport> {
  const opts: Required<LoginFloodOptions> = {
    clients: options.clients ?? 2000,
    leaverEvery: options.leaverEvery ?? 4,
    leaveAfterMs: options.leaveAfterMs ?? 2000,
    rampMs: options.rampMs ?? 0,
    probeRate: options.probeRate ?? 50,
    settleTimeoutMs: options.settleTimeoutMs ?? 180_000,
    minProbeMs: options.minProbeMs ?? 5000,
  };
  const runs: FloodRun[] = [];
  for (const mode of FLOOD_SERVER_MODES) runs.push(await runMode(mode, opts));
  const { markdown, targetMet } = render(runs, opts);
  return { runs, markdown, targetMet };
}

if (require.main === module) {
  installChildCleanup();
  const { values } = parseArgs({
    options: { clients: { type: 'string' }, 'ramp-ms': { type: 'string' } },
    strict: true,
  });
  const clients = values.clients === undefined ? 2000 : Number(values.clients);
  const rampMs = values['ramp-ms'] === undefined ? 0 : Number(values['ramp-ms']);
  if (
    !Number.isInteger(clients) ||
    clients < 1 ||
    clients > 10_000 ||
    !Number.isInteger(rampMs) ||
    rampMs < 0 ||
    rampMs > 60_000
  ) {
    console.error(
      'usage: npx tsx bench/login-flood.ts [--clients N (1-10000, default 2000)] [--ramp-ms MS (0-60000, default 0)]',
    );
    process.exit(2);
  }
  runLoginFloodBench({ clients, rampMs }).then(
    (report) => {
      console.log(report.markdown);
      if (report.runs.some((r) => r.failure)) process.exitCode = 1;
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
