// Run in a child process by __tests__/edge/metrics.test.ts: a login and a guarded call on an instance whose metrics()
// was never called, then whether prom-client got loaded, and what metrics() says when prom-client cannot be found.
import request from 'supertest';
import { createTestApp, PASSWORDS } from './create-app';

void (async () => {
  const t = await createTestApp({ rateLimit: false });
  const login = await request(t.app).post('/auth/login').send({ username: 'admin', password: PASSWORDS.admin });
  const guarded = await request(t.app).get('/api/protected').set('Authorization', `Bearer ${login.body.accessToken}`);
  const refused = await request(t.app).get('/api/protected');
  const promClientLoaded = Object.keys(require.cache).some((file) => file.includes(`${'/'}prom-client${'/'}`));
  let metricsError: string | undefined;
  try {
    t.auth.metrics({ registerMetric: () => undefined, getSingleMetric: () => undefined });
  } catch (error) {
    metricsError = `${(error as Error).name}: ${(error as Error).message}`;
  }
  await t.close();
  process.stdout.write(
    `${JSON.stringify({ login: login.status, guarded: guarded.status, refused: refused.status, promClientLoaded, metricsError })}\n`,
  );
})();
