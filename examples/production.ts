// Production: state in Redis, users in PostgreSQL, codes by SMTP (REDIS_URL, DATABASE_URL, SMTP_URL, all required).
// Optional: REDIS_PREFIX (default 'eak:') and DATABASE_SCHEMA (default 'public', must exist) let several deployments
// share one Redis and one database. Run several instances behind a load balancer with one JWT_SECRET: with a random
// key per start, no instance could verify another's tokens.
import { Pool } from 'pg';
import { createClient } from 'redis';
import { NodemailerMailer, PostgresUserStore, RedisStateStore, type User } from '../lib';
import pino from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { runExample, type ExampleServices } from './shared/demo-server';

const missing = ['REDIS_URL', 'DATABASE_URL', 'SMTP_URL'].filter((name) => !process.env[name]);
if (missing.length > 0) {
  console.error(
    `cannot start: ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not set; the production example needs ` +
      'Redis (REDIS_URL), PostgreSQL (DATABASE_URL) and SMTP (SMTP_URL).',
  );
  process.exit(1);
}

async function productionServices(demoUsers: Array<Omit<User, 'id'>>): Promise<ExampleServices> {
  const redis = createClient({
    url: process.env.REDIS_URL,
    // Fail fast: while Redis is unreachable, commands reject at once and logins answer 503, instead of waiting in
    // an offline queue until Redis returns. The client keeps reconnecting on its own.
    disableOfflineQueue: true,
  });
  redis.on('error', (error: Error) => console.error(`redis: ${error.message}`));
  await redis.connect();

  const pool = new Pool({ connectionString: process.env.DATABASE_URL });
  // An idle connection dropped by the server is reported here; unheard, it would end the process.
  pool.on('error', (error) => console.error(`postgres: ${error.message}`));
  const users = new PostgresUserStore({ pool, schema: process.env.DATABASE_SCHEMA || 'public' });
  await users.migrate();
  for (const user of demoUsers) {
    if (await users.findByLogin(user.login)) continue;
    // Two instances starting together may both find the user missing: the second insert's unique violation is fine.
    await users.addUser(user).catch((error: { code?: string }) => {
      if (error.code !== '23505') throw error;
    });
  }

  const mailer = new NodemailerMailer({
    transport: process.env.SMTP_URL as string,
    from: 'express-auth-kit <no-reply@example.com>',
  });

  let stopping = false;
  const shutdown = (): void => {
    // A signal can arrive twice (from the terminal and relayed by a wrapper such as tsx): act on the first.
    if (stopping) return;
    stopping = true;
    mailer.close();
    Promise.all([redis.close(), pool.end()])
      .then(() => console.log('stopped: connections to Redis, PostgreSQL and SMTP closed'))
      .catch((error: Error) => console.error(`shutdown: ${error.message}`))
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);

  return {
    users,
    stateStore: new RedisStateStore({
      sendCommand: (...args) => redis.sendCommand(args),
      prefix: process.env.REDIS_PREFIX || 'eak:',
    }),
    mailer,
  };
}

// Audit events through pino, the way a production log pipeline takes them: one structured line each, at info level,
// with the event name as the message (no secret is ever in an event).
const audit = pino({ name: 'express-auth-kit.audit' });

// Prometheus metrics: the library's counters and latencies (never labelled by user or address) beside the process's
// own. Scraped at GET /metrics; in production let only the scraper reach it (an internal port, or the proxy's rules).
const metrics = new Registry();
collectDefaultMetrics({ register: metrics });

void runExample({
  preset: 'default',
  guardedRoute: '/api/protected',
  services: productionServices,
  onEvent: (event) => audit.info(event, event.event),
  hostRoutes: (app, auth) => {
    auth.metrics(metrics);
    app.get('/metrics', async (_req, res) => {
      res.set('Content-Type', metrics.contentType).send(await metrics.metrics());
    });
  },
});
