// docs/guides/production.md, run as written against a real Redis, PostgreSQL and SMTP server (a schema and a key
// prefix of this run's own, removed afterwards): the key directory signs EdDSA tokens that verify with the served JWKS
// (issuer and audience required), `trust proxy` 1 attributes a session to the X-Forwarded-For client while `true` falls
// back to the socket's address, readiness pings both stores, a reset link goes out by SMTP, and metrics count the login.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { Pool } from 'pg';
import request from 'supertest';
import { generateKeyDirectory, hashPassword, type PostgresUserStore } from '../../lib';
import { loadDocModule } from '../helpers/doc-module';
import { connectRedis, deleteRedisKeys } from '../helpers/redis-postgres';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp-server';

const GUIDE = 'docs/guides/production.md';
const { REDIS_URL, DATABASE_URL } = process.env;
const skipReason = !REDIS_URL || !DATABASE_URL ? 'REDIS_URL and DATABASE_URL must be set' : undefined;
if (skipReason) process.stderr.write(`Skipping the production guide tests: ${skipReason}.\n`);
const describeWithServices = skipReason ? describe.skip : describe;

jest.setTimeout(60_000);

interface ProductionApp {
  app: Express;
  metricsApp: Express;
  users: PostgresUserStore;
  close(): Promise<void>;
}

describeWithServices('docs/guides/production.md', () => {
  const id = `${process.pid}_${randomUUID().slice(0, 8)}`;
  const schema = `guide_production_${id}`;
  const prefix = `guide-production:${id}:`;
  let keysDir: string;
  let smtp: TestSmtpServer;
  let admin: Pool;
  let server: ProductionApp;
  const logged: string[] = [];

  beforeAll(async () => {
    admin = new Pool({ connectionString: DATABASE_URL, max: 1 });
    await admin.query(`CREATE SCHEMA ${schema}`);
    keysDir = mkdtempSync(path.join(tmpdir(), 'guide-keys-'));
    generateKeyDirectory(keysDir, 'EdDSA'); // what `npx express-auth-kit generate-keys --algorithm EdDSA --out DIR` writes
    smtp = await startSmtpServer();
    jest.spyOn(console, 'log').mockImplementation((line: unknown) => void logged.push(String(line)));
    const { createProductionApp } = loadDocModule<{
      createProductionApp(env: NodeJS.ProcessEnv): Promise<ProductionApp>;
    }>(GUIDE, 'production-app');
    server = await createProductionApp({
      REDIS_URL,
      DATABASE_URL,
      SMTP_URL: smtp.url,
      JWT_KEYS_DIR: keysDir,
      DATABASE_SCHEMA: schema,
      REDIS_PREFIX: prefix,
    });
    await server.users.addUser({
      login: 'ada',
      email: 'ada@example.com',
      passwordHash: await hashPassword('ada-password', { cost: 4 }),
      authorities: ['ROLE_USER'],
    });
  });

  afterAll(async () => {
    await server?.close();
    await smtp?.close();
    const redis = await connectRedis(REDIS_URL as string);
    await deleteRedisKeys(redis, prefix);
    await redis.close();
    await admin?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin?.end();
    if (keysDir) rmSync(keysDir, { recursive: true, force: true });
    jest.restoreAllMocks();
  });

  test('refuses to start without its services, naming them', async () => {
    const { createProductionApp } = loadDocModule<{
      createProductionApp(env: NodeJS.ProcessEnv): Promise<ProductionApp>;
    }>(GUIDE, 'production-app');
    await expect(createProductionApp({ REDIS_URL })).rejects.toThrow(
      'cannot start: set DATABASE_URL, SMTP_URL, JWT_KEYS_DIR',
    );
  });

  test('health and readiness answer; the login is attributed to the client behind one proxy', async () => {
    await request(server.app).get('/healthz').expect(200, { status: 'ok' });
    await request(server.app).get('/readyz').expect(200, { status: 'ready' });

    const login = await request(server.app)
      .post('/auth/login')
      .set('X-Forwarded-For', '198.51.100.1, 203.0.113.9') // a client-written entry, then the proxy's
      .send({ username: 'ada', password: 'ada-password' })
      .expect(200);
    const token = login.body.accessToken as string;
    await request(server.app).get('/api/me').set('Authorization', `Bearer ${token}`).expect(200);
    const sessions = await request(server.app)
      .get('/auth/sessions')
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
    expect(sessions.body.sessions[0].client.network).toBe('203.0.113.0/24');
    expect(logged.some((line) => line.includes('"event":"login.succeeded"'))).toBe(true);

    // The token verifies downstream with the served JWKS alone, issuer and audience required.
    const jwks = await request(server.app).get('/.well-known/jwks.json').expect(200);
    expect(jwks.headers['cache-control']).toMatch(/max-age=\d+/);
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks.body as JSONWebKeySet), {
      algorithms: ['EdDSA'],
      typ: 'at+jwt',
      issuer: 'https://auth.example.com',
      audience: 'https://api.example.com',
    });
    expect(protectedHeader.alg).toBe('EdDSA');
    expect(payload.sub).toEqual(expect.any(String));

    const metrics = await request(server.metricsApp).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/^express_auth_logins_total\{outcome="succeeded"\} 1$/m);
  });

  test('`trust proxy` true is not believed: the socket address is used instead, with a warning', async () => {
    const warnings = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    server.app.set('trust proxy', true);
    try {
      const login = await request(server.app)
        .post('/auth/login')
        .set('X-Forwarded-For', '203.0.113.9')
        .send({ username: 'ada', password: 'ada-password' })
        .expect(200);
      const sessions = await request(server.app)
        .get('/auth/sessions')
        .set('Authorization', `Bearer ${login.body.accessToken as string}`)
        .expect(200);
      const current = (sessions.body.sessions as Array<{ current: boolean; client: { network: string } }>).find(
        (session) => session.current,
      );
      expect(current?.client.network).toBe('127.0.0.0/24');
      expect(warnings.mock.calls.map((call) => String(call[0]))).toEqual([
        expect.stringContaining('PERMISSIVE_TRUST_PROXY'),
      ]);
    } finally {
      server.app.set('trust proxy', 1);
    }
  });

  test('a password reset link is mailed through SMTP', async () => {
    await request(server.app).post('/auth/password/forgot').send({ email: 'ada@example.com' }).expect(202);
    const message = await smtp.waitForMessage((candidate) => candidate.to.includes('ada@example.com'));
    expect(message.raw).toContain('https://app.example.com/reset-password?token=');
  });
});
