// The login-flood bench's server: `login-flood-server.ts floor|bounded|unbounded`, our library at the default bcrypt
// cost with `trust proxy` = loopback, plus debug routes (bench only) that expose the bcrypt pool's counters, the
// process's peak memory and the server-side time to answer each login. Reports `{ type: 'ready', port, pid }` over IPC.
// floor: the same app and guarded cheap route, but POST /login is a bare Express handler that answers 503 at once (no
// library code, no body parsing): the fastest this app can refuse the flood. The library's own login routes are then
// mounted under /preflight only, for the bench's token and warm-up.
import express from 'express';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createAuth, hashPassword, MemoryUserStore, silentLogger } from '../lib';
import { contextOf } from '../lib/auth';
import { sharedBcryptPool } from '../lib/passwords/hasher';
import {
  BCRYPT_COST,
  BENCH_EMAIL,
  BENCH_LOGIN,
  BENCH_PASSWORD,
  BENCH_SECRET,
  BENCH_USER_ID,
  FLOOD_USERS,
  floodLogin,
  floodPassword,
} from './fixtures';
import { FLOOD_SERVER_MODES, type FloodServerMode } from './login-flood-modes';
import { childLifetimeGuard } from './proc';

/** What `GET /debug/flood` answers. */
export interface FloodServerStats {
  /** The resolved `passwords.maxQueueWaitMs` (null = unbounded), read back to prove the option reached the library. */
  maxQueueWaitMs: number | null;
  pool: ReturnType<typeof sharedBcryptPool>['stats'];
  rssBytes: number;
  heapUsedBytes: number;
  /** Peaks since the last `POST /debug/flood/reset`, sampled every 50 ms. */
  rssPeakBytes: number;
  heapUsedPeakBytes: number;
  /** Server-side login durations since the reset (request event to response finished), by status. */
  loginMsByStatus: Record<string, number[]>;
  /** The same from the connection's accept (so including the wait for the loop to read the request). */
  loginMsFromAcceptByStatus: Record<string, number[]>;
  /** Login requests whose connection closed before the answer was written. */
  loginsClosedUnanswered: number;
  /** The main thread's event-loop delay since the reset, in ms. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

async function main(): Promise<void> {
  childLifetimeGuard();
  const mode = process.argv[2] as FloodServerMode;
  if (!FLOOD_SERVER_MODES.includes(mode))
    throw new Error(`usage: login-flood-server.ts floor|bounded|unbounded (got '${mode}')`);

  const accounts = await Promise.all(
    Array.from({ length: FLOOD_USERS }, async (_, k) => ({
      id: `flood-${k}`,
      login: floodLogin(k),
      email: `${floodLogin(k)}@example.test`,
      passwordHash: await hashPassword(floodPassword(k), { cost: BCRYPT_COST }),
      authorities: ['ROLE_USER'],
    })),
  );
  const benchHash = await hashPassword(BENCH_PASSWORD, { cost: BCRYPT_COST });
  const users = new MemoryUserStore([
    { id: BENCH_USER_ID, login: BENCH_LOGIN, email: BENCH_EMAIL, passwordHash: benchHash, authorities: ['ROLE_USER'] },
    ...accounts,
  ]);
  // Default lockout and per-IP limits: every flood client comes from its own /56 through X-Forwarded-For.
  const auth = createAuth({
    secret: BENCH_SECRET,
    users,
    // bounded (and floor, where no flood login reaches it): the library's default (2 s); unbounded: the queue as it
    // was before issue 11.
    passwords: { bcryptCost: BCRYPT_COST, ...(mode === 'unbounded' ? { maxQueueWaitMs: false } : {}) },
    logger: silentLogger,
  });
  const hasher = contextOf(auth).passwords;

  const pool = sharedBcryptPool();
  let rssPeak = 0;
  let heapPeak = 0;
  let loginMs: Record<string, number[]> = {};
  let loginMsFromAccept: Record<string, number[]> = {};
  let closedUnanswered = 0;
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const sampleMemory = (): void => {
    const m = process.memoryUsage();
    rssPeak = Math.max(rssPeak, m.rss);
    heapPeak = Math.max(heapPeak, m.heapUsed);
  };
  setInterval(sampleMemory, 50).unref();

  const app = express();
  app.set('trust proxy', 'loopback');
  app.get('/debug/flood', (_req, res) => {
    sampleMemory();
    const m = process.memoryUsage();
    const stats: FloodServerStats = {
      maxQueueWaitMs: hasher.maxQueueWaitMs ?? null,
      pool: pool.stats,
      rssBytes: m.rss,
      heapUsedBytes: m.heapUsed,
      rssPeakBytes: rssPeak,
      heapUsedPeakBytes: heapPeak,
      loginMsByStatus: loginMs,
      loginMsFromAcceptByStatus: loginMsFromAccept,
      loginsClosedUnanswered: closedUnanswered,
      loopDelayP99Ms: loop.percentile(99) / 1e6,
      loopDelayMaxMs: loop.max / 1e6,
    };
    res.json(stats);
  });
  app.post('/debug/flood/reset', (_req, res) => {
    const m = process.memoryUsage();
    rssPeak = m.rss;
    heapPeak = m.heapUsed;
    loginMs = {};
    loginMsFromAccept = {};
    closedUnanswered = 0;
    loop.reset();
    res.json({ ok: true });
  });
  app.get('/cheap', auth.requireAuth(), (_req, res) => {
    res.json({ ok: true });
  });
  if (mode === 'floor') {
    // The physical floor: no library code and no body parsing on the flood's path.
    app.post('/login', (_req, res) => {
      res.status(503).set('Retry-After', '1').json({ error: 'unavailable' });
    });
    app.use('/preflight', auth.router); // the real login, for the bench's token and warm-up only
  } else {
    app.use(auth.router); // the default preset's POST /login
  }

  const server = http.createServer(app);
  const acceptedAt = new WeakMap<object, number>();
  server.on('connection', (socket) => acceptedAt.set(socket, performance.now()));
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (req.method !== 'POST' || req.url !== '/login') return;
    const started = performance.now();
    const accepted = acceptedAt.get(req.socket) ?? started;
    res.on('finish', () => {
      (loginMs[res.statusCode] ??= []).push(performance.now() - started);
      (loginMsFromAccept[res.statusCode] ??= []).push(performance.now() - accepted);
    });
    res.on('close', () => {
      if (!res.writableFinished) closedUnanswered++;
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // 2,000 connections arrive at once: a backlog that holds them all (the kernel caps it at somaxconn).
    server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve);
  });
  const { port } = server.address() as AddressInfo;
  if (process.send) process.send({ type: 'ready', port, pid: process.pid });
  else console.log(`listening on http://127.0.0.1:${port}`); // run by hand, e.g. under --cpu-prof
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  if (process.send) process.send({ type: 'error', message }, () => process.exit(1));
  else {
    console.error(message);
    process.exit(1);
  }
});
