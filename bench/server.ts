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
