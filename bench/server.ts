// One bench server per process: `server.ts guard <id>` or `server.ts login <id>` (ids from subjects.ts).
// Listens on 127.0.0.1, port 0, and reports `{ type: 'ready', port }` to the parent over IPC.
import express from 'express';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { guardSubjects, loginSubjects } from './subjects';
import { childLifetimeGuard } from './proc';

export interface ServerReady {
  type: 'ready';
  port: number;
  pid: number;
}

/** The parent asks `{ type: 'sample', id }` around each measured run; the child answers with its totals so far. */
export interface SampleRequest {
  type: 'sample';
  id: number;
}

export interface CpuSample {
  type: 'sample';
  id: number;
  /** process.cpuUsage() of the server child: user and system CPU since it started, in microseconds. */
  userMicros: number;
  systemMicros: number;
  /** HTTP requests the server has received since it started. */
  served: number;
}

async function buildApp(kind: string, id: string): Promise<express.Express> {
  if (kind === 'guard') {
    const subject = guardSubjects.find((s) => s.id === id);
    if (!subject) throw new Error(`unknown guard subject '${id}'`);
    return subject.build();
  }
  if (kind === 'login') {
    const subject = loginSubjects.find((s) => s.id === id);
    if (!subject) throw new Error(`unknown login subject '${id}'`);
    const inner = await subject.build();
    // The probe route sits in front of the subject's app, so it measures the event loop, not middleware.
    const outer = express();
    outer.get('/cheap', (_req, res) => {
      res.json({ ok: true });
    });
    outer.use(inner);
    return outer;
  }
  throw new Error(`unknown kind '${kind}' (guard | login)`);
}

async function main(): Promise<void> {
  childLifetimeGuard();
  const [kind = '', id = ''] = process.argv.slice(2);
  const app = await buildApp(kind, id);
  const server = http.createServer(app);
  server.keepAliveTimeout = 30_000;
  // Counted for CPU per request: one more 'request' listener, the same for every subject.
  let served = 0;
  server.on('request', () => {
    served += 1;
  });
  process.on('message', (raw: unknown) => {
    const msg = raw as Partial<SampleRequest> | null;
    if (msg?.type !== 'sample' || typeof msg.id !== 'number') return;
    const { user, system } = process.cpuUsage();
    const sample: CpuSample = { type: 'sample', id: msg.id, userMicros: user, systemMicros: system, served };
    process.send?.(sample);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1' }, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const ready: ServerReady = { type: 'ready', port, pid: process.pid };
  process.send?.(ready);
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  if (process.send) process.send({ type: 'error', message }, () => process.exit(1));
  else {
    console.error(message);
    process.exit(1);
  }
});
