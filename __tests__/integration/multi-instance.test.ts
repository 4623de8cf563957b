// Two app instances on one Redis and one PostgreSQL share lockouts, rate limits, challenges, refresh families and sessions.
import request from 'supertest';
import type { AuthOptions } from '../../lib';
import { PASSWORDS } from '../helpers/create-app';
import { sharedServicesSkipReason, startDeployment, type Deployment, type Instance } from '../helpers/redis-postgres';

const skipReason = sharedServicesSkipReason();
if (skipReason) process.stderr.write(`Skipping the multi-instance integration tests: ${skipReason}.\n`);
const describeWithServices = skipReason ? describe.skip : describe;

describeWithServices('two instances on one Redis and one PostgreSQL', () => {
  let deployment: Deployment | undefined;
  let a: Instance;
  let b: Instance;

  async function start(options: Partial<AuthOptions> = {}): Promise<Deployment> {
    deployment = await startDeployment();
    a = await deployment.startInstance(options);
    b = await deployment.startInstance(options);
    return deployment;
  }

  afterEach(async () => {
    await deployment?.close();
    deployment = undefined;
  });

  const login = (instance: Instance, username: string, password: string) =>
    request(instance.app).post(`${instance.base}/login`).send({ username, password });
  const refresh = (instance: Instance, refreshToken: string) =>
    request(instance.app).post(`${instance.base}/token/refresh`).send({ refreshToken });
  const protectedRoute = (instance: Instance, accessToken: string) =>
    request(instance.app).get('/api/protected').set('Authorization', `Bearer ${accessToken}`);

  it('locks an account after failures counted on both instances', async () => {
    await start({ lockout: { maxFailures: 4, window: '10m', duration: '10m' } });
    for (const instance of [a, b, a]) expect((await login(instance, 'admin', 'wrong-password')).status).toBe(401);

    // The fourth failure, on b, reaches the limit; each instance alone has seen at most two.
    expect((await login(b, 'admin', 'wrong-password')).status).toBe(401);
    for (const instance of [a, b]) {
      const blocked = await login(instance, 'admin', PASSWORDS.admin);
      expect(blocked.status).toBe(403);
      expect(blocked.body).toMatchObject({ error: 'login_blocked' });
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    }
  });

  it('shares the per-IP rate limit, each limiter with its own counter', async () => {
    const { keys } = await start({ rateLimit: { credentials: { limit: 3, window: '1m' } }, lockout: false });
    const remaining: string[] = [];
    for (const instance of [a, b, a]) {
      const response = await login(instance, 'guest', 'wrong-password');
      expect(response.status).toBe(401);
      remaining.push(/;\s*r=(\d+)/.exec(String(response.headers.ratelimit))?.[1] ?? 'none');
    }
    expect(remaining).toEqual(['2', '1', '0']);

    const limited = await login(b, 'guest', PASSWORDS.guest);
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ error: 'rate_limited' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await login(a, 'guest', PASSWORDS.guest)).status).toBe(429);

    // The refresh limiter counts apart from the login limiter: its first request is not limited.
    const refreshed = await refresh(b, 'not-a-token');
    expect(refreshed.status).toBe(401);
    const limiterKeys = (await keys()).filter((key) => key.startsWith('rl:'));
    expect(limiterKeys.map((key) => key.split(':')[1])).toEqual(['login', 'refresh']);
  });

  it('completes a second-factor challenge on the other instance, once', async () => {
    const { users } = await start();
    const challenge = await login(a, 'user', PASSWORDS.user);
    expect(challenge.status).toBe(200);
    expect(challenge.body).toMatchObject({ tfaRequired: true, method: 'EMAIL' });
    const code = a.mailer.last('user@example.com')?.code as string;
    expect(code).toMatch(/^\d{6}$/);
    expect(b.mailer.sent).toHaveLength(0);

    const verify = (instance: Instance) =>
      request(instance.app)
        .post(`${instance.base}/tfa/verify`)
        .set('Authorization', `Bearer ${challenge.body.challengeToken}`)
        .send({ code });
    const verified = await verify(b);
    expect(verified.status).toBe(200);
    expect((await protectedRoute(a, verified.body.accessToken)).body).toMatchObject({ userId: '2' });
    expect((await users.findById('2'))?.lastLoginAt).toBeInstanceOf(Date);

    const replayed = await verify(a);
    expect(replayed.status).toBe(401);
    expect(replayed.body).toMatchObject({ error: 'tfa_invalid' });
  });

  it("spends one challenge's wrong-code budget across both instances", async () => {
    await start({ secondFactor: { maxAttempts: 4 } });
    const challenge = await login(a, 'user', PASSWORDS.user);
    const code = a.mailer.last('user@example.com')?.code as string;
    const wrong = code === '000000' ? '111111' : '000000';
    const verify = (instance: Instance, guess: string) =>
      request(instance.app)
        .post(`${instance.base}/tfa/verify`)
        .set('Authorization', `Bearer ${challenge.body.challengeToken}`)
        .send({ code: guess });
    for (const instance of [a, b, a, b])
      expect((await verify(instance, wrong)).body).toMatchObject({ error: 'tfa_invalid' });

    const late = await verify(b, code);
    expect(late.status).toBe(401);
    expect(late.body).toMatchObject({ error: 'tfa_attempts_exceeded' });
  });

  it('detects a refresh token reused on the other instance and revokes its family (strict detection)', async () => {
    await start({ sessions: { refresh: { reuseGrace: 0 } } });
    const first = (await login(a, 'admin', PASSWORDS.admin)).body.refreshToken as string;
    const rotated = await refresh(a, first);
    expect(rotated.status).toBe(200);

    const reused = await refresh(b, first);
    expect(reused.status).toBe(401);
    expect(reused.body).toMatchObject({ error: 'token_revoked' });
    const next = await refresh(a, rotated.body.refreshToken);
    expect(next.status).toBe(401);
    expect(next.body).toMatchObject({ error: 'token_revoked' });
  });

  it('with strict detection (reuseGrace 0), lets exactly one of concurrent refreshes split across both instances succeed', async () => {
    await start({ sessions: { refresh: { reuseGrace: 0 } } });
    const token = (await login(a, 'admin', PASSWORDS.admin)).body.refreshToken as string;

    const responses = await Promise.all(Array.from({ length: 6 }, (_, i) => refresh(i % 2 === 0 ? a : b, token)));
    const winners = responses.filter((response) => response.status === 200);
    expect(winners).toHaveLength(1);
    for (const loser of responses.filter((response) => response.status !== 200)) {
      expect(loser.status).toBe(401);
      expect(loser.body).toMatchObject({ error: 'token_revoked' });
    }
    // The losers were reuse: the family is gone, so the winner's new refresh token is refused too.
    expect((await refresh(b, winners[0]?.body.refreshToken)).status).toBe(401);
  });

  it('within the grace window, concurrent refreshes split across both instances all get the same successor', async () => {
    await start();
    const token = (await login(a, 'admin', PASSWORDS.admin)).body.refreshToken as string;
    const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => refresh(i % 2 === 0 ? a : b, token)));
    expect(responses.map((response) => response.status)).toEqual(Array(10).fill(200));
    expect(new Set(responses.map((response) => response.body.refreshToken as string)).size).toBe(1);
    expect((await refresh(b, responses[0]?.body.refreshToken)).status).toBe(200);
  });

  it('honours "log out everywhere" from the other instance once its session cache expires', async () => {
    const { clock } = await start({ sessions: { cacheMs: 2000 } });
    const token = (await login(a, 'admin', PASSWORDS.admin)).body.accessToken as string;
    expect((await protectedRoute(b, token)).status).toBe(200);

    expect((await request(a.app).post(`${a.base}/logout/all`).set('Authorization', `Bearer ${token}`)).status).toBe(
      204,
    );
    expect((await protectedRoute(a, token)).body).toMatchObject({ error: 'token_revoked' });
    // b may answer from its cache for at most sessionCacheMs (the documented bound), then asks Redis.
    expect((await protectedRoute(b, token)).status).toBe(200);
    clock.advance(2001);
    const refused = await protectedRoute(b, token);
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ error: 'token_revoked' });

    const fresh = (await login(b, 'admin', PASSWORDS.admin)).body.accessToken as string;
    expect((await protectedRoute(a, fresh)).status).toBe(200);
  });

  it('honours "log out everywhere" from the other instance at once with sessionCacheMs 0', async () => {
    await start({ sessions: { cacheMs: 0 } });
    const token = (await login(a, 'admin', PASSWORDS.admin)).body.accessToken as string;
    expect((await protectedRoute(b, token)).status).toBe(200);
    expect((await request(a.app).post(`${a.base}/logout/all`).set('Authorization', `Bearer ${token}`)).status).toBe(
      204,
    );
    const refused = await protectedRoute(b, token);
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ error: 'token_revoked' });
  });
});
