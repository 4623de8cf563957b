// Guard cost in-process: the same access token as `Authorization: Bearer` and as the HttpOnly access-token cookie
// (beside the device and refresh cookies a browser also sends), HS256, session cache warm. No sockets: the guard alone.
// `npx tsx bench/guard-cookie.ts [iterations] [rounds]`
import type { Request, Response } from 'express';
import express from 'express';
import type { AddressInfo } from 'node:net';
import { createAuth, hashPassword, MemoryUserStore, silentLogger } from '../lib';

const ITERATIONS = Number(process.argv[2] ?? 300_000);
const ROUNDS = Number(process.argv[3] ?? 5);
const ORIGIN = 'https://app.example.com';

async function main(): Promise<void> {
  const users = new MemoryUserStore([
    {
      id: '1',
      login: 'bench',
      email: 'bench@example.test',
      passwordHash: await hashPassword('bench-password', { cost: 4 }),
      authorities: ['ROLE_USER'],
    },
  ]);
  const auth = createAuth({
    secret: 'bench-hs256-secret-0123456789abcdef0123456789',
    users,
    logger: silentLogger,
    passwords: { bcryptCost: 4 },
    rateLimit: false,
    // The bench measures the guard's synchronous path: the session cache stays warm for the whole run.
    sessions: { cacheMs: 60_000 },
    cookies: { trustedOrigins: [ORIGIN], accessTokenCookie: true },
  });
  const app = express().use('/auth', auth.router);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const login = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-auth-transport': 'cookie' },
    body: JSON.stringify({ username: 'bench', password: 'bench-password' }),
  });
  const cookies = login.headers.getSetCookie().map((line) => line.split(';', 1)[0]!);
  const access = ((await login.json()) as { accessToken: string }).accessToken;
  server.close();

  const guard = auth.requireAuth();
  const res = {
    setHeader() {},
    status() {
      return this;
    },
    set() {
      return this;
    },
    json() {
      throw new Error('refused');
    },
    end() {
      throw new Error('refused');
    },
  } as unknown as Response;
  const bearerReq = { method: 'GET', headers: { authorization: `Bearer ${access}` } } as unknown as Request;
  // A browser sends every cookie of the host: the device and refresh cookies come before the access cookie.
  const cookieReq = { method: 'GET', headers: { cookie: cookies.join('; ') } } as unknown as Request;
  let admitted = 0;
  const next = () => {
    admitted += 1;
  };
  const run = (req: Request): number => {
    admitted = 0;
    const started = process.hrtime.bigint();
    for (let i = 0; i < ITERATIONS; i++) guard(req, res, next);
    const elapsed = Number(process.hrtime.bigint() - started);
    // Every call must have been admitted synchronously, or the loop measured queued promises.
    if (admitted !== ITERATIONS) throw new Error(`${admitted} of ${ITERATIONS} admitted synchronously`);
    return (ITERATIONS * 1e9) / elapsed;
  };
  // Fill the session cache (the first check asks the store), then warm the JIT.
  guard(bearerReq, res, next);
  guard(cookieReq, res, next);
  await new Promise((resolve) => setTimeout(resolve, 50));
  run(bearerReq);
  run(cookieReq);
  const bearer: number[] = [];
  const cookie: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    bearer.push(run(bearerReq));
    cookie.push(run(cookieReq));
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const ratios = bearer.map((b, i) => cookie[i]! / b);
  console.log(`Cookie header: ${cookies.length} cookies, ${cookies.join('; ').length} bytes`);
  console.log(`bearer HS256: ${Math.round(median(bearer)).toLocaleString('en')} guard calls/s (median of ${ROUNDS})`);
  console.log(`cookie HS256: ${Math.round(median(cookie)).toLocaleString('en')} guard calls/s`);
  console.log(`cookie / bearer: ${median(ratios).toFixed(3)} (rounds ${ratios.map((r) => r.toFixed(3)).join(', ')})`);
  await auth.shutdown();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
