// Per-IP limits: X-Forwarded-For cannot choose a bucket, trust proxy handled safely, IPv6 /56 buckets, stores, defaults.
import { MemoryStore } from 'express-rate-limit';
import request from 'supertest';
import { MemoryStateStore, type StateStore } from '../../lib';
import {
  createFakeClock,
  createTestApp,
  PASSWORDS,
  type CreateTestAppOptions,
  type TestApp,
} from '../helpers/create-app';

// The storm preset allows 5 login attempts a minute per IP, so the sixth shows whether a request escaped its bucket.
const LOGIN = '/api/auth/login';

let t: TestApp;

async function storm(options: CreateTestAppOptions = {}): Promise<TestApp> {
  t = await createTestApp({ preset: 'storm', ...options });
  return t;
}

function attempt(forwardedFor?: string): request.Test {
  const req = request(t.app).post(LOGIN);
  if (forwardedFor !== undefined) req.set('X-Forwarded-For', forwardedFor);
  return req.send({ username: 'admin', password: 'wrong-password' });
}

/** The partition key express-rate-limit publishes in RateLimit-Policy: a hash of the bucket's key. */
function partition(res: request.Response): string {
  const match = /pk=:([^:]+):/.exec(String(res.headers['ratelimit-policy']));
  if (!match) throw new Error(`no partition key in ${String(res.headers['ratelimit-policy'])}`);
  return match[1] as string;
}

afterEach(async () => {
  await t.close();
});

describe('X-Forwarded-For cannot choose the bucket', () => {
  it('ignores rotating X-Forwarded-For with the default settings (no trust proxy)', async () => {
    await storm();
    for (let i = 1; i <= 5; i += 1) await attempt(`203.0.113.${i}`).expect(401);
    const sixth = await attempt('198.51.100.99');
    expect(sixth.status).toBe(429);
    expect(sixth.headers['retry-after']).toMatch(/^\d+$/);
    expect(t.logger.warnings.some((message) => message.includes('PERMISSIVE_TRUST_PROXY'))).toBe(false);
  });

  it('ignores it with trust proxy = true too, and warns PERMISSIVE_TRUST_PROXY once', async () => {
    await storm({ configureApp: (app) => app.set('trust proxy', true) });
    for (let i = 1; i <= 5; i += 1) await attempt(`203.0.113.${i}`).expect(401);
    await attempt('198.51.100.99').expect(429);
    const permissive = t.logger.warnings.filter((message) => message.includes('PERMISSIVE_TRUST_PROXY'));
    expect(permissive).toEqual([
      '[express-auth-kit] PERMISSIVE_TRUST_PROXY: "trust proxy" trusts every address, which lets clients choose their address; rate limits, sessions and events use the connection\'s address instead, and the rotation grace window is off. Set it to your proxy count or addresses. (see docs/errors.md#permissive_trust_proxy)',
    ]);
  });

  it.each([
    ['a CIDR list covering everything', '0.0.0.0/1,128.0.0.0/1,::/1,8000::/1'],
    ['an absurd hop count', 100_000],
    ['a hop count the first hop could spoof (above rateLimit.maxProxyHops, 2 by default)', 3],
    ['a function that trusts all', () => true],
  ] as const)('treats %s like true', async (_kind, setting) => {
    await storm({ configureApp: (app) => app.set('trust proxy', setting) });
    for (let i = 1; i <= 5; i += 1) await attempt(`203.0.113.${i}`).expect(401);
    await attempt('198.51.100.99').expect(429);
    expect(t.logger.warnings.some((message) => message.includes('PERMISSIVE_TRUST_PROXY'))).toBe(true);
  });

  it('uses the address the proxy saw with trust proxy = 1: one bucket per client, without a warning', async () => {
    await storm({ configureApp: (app) => app.set('trust proxy', 1) });
    for (let i = 1; i <= 5; i += 1) await attempt('203.0.113.7').expect(401);
    await attempt('203.0.113.7').expect(429);
    // Another client behind the same proxy has its own budget.
    await attempt('203.0.113.8').expect(401);
    expect(t.logger.warnings.some((message) => message.includes('PERMISSIVE_TRUST_PROXY'))).toBe(false);
  });

  it('accepts a hop count up to rateLimit.maxProxyHops without a warning', async () => {
    await storm({ rateLimit: { maxProxyHops: 3 }, configureApp: (app) => app.set('trust proxy', 3) });
    for (let i = 1; i <= 5; i += 1) await attempt('203.0.113.7').expect(401);
    await attempt('203.0.113.8').expect(401);
    expect(t.logger.warnings.some((message) => message.includes('PERMISSIVE_TRUST_PROXY'))).toBe(false);
  });

  it("with trust proxy = 1, ignores what the client wrote before the proxy's entry", async () => {
    await storm({ configureApp: (app) => app.set('trust proxy', 1) });
    // The proxy appends the address it saw; whatever the client sent stays to its left.
    for (let i = 1; i <= 5; i += 1) await attempt(`10.0.0.${i}, 203.0.113.7`).expect(401);
    await attempt('10.9.9.9, 203.0.113.7').expect(429);
  });
});

describe('IPv6 clients are bucketed by /56', () => {
  // supertest cannot choose the peer address, so these requests come "through a proxy": trust proxy = 1 and the
  // client's IPv6 address in X-Forwarded-For, which is how Express hands the limiter a real IPv6 client address.
  it('puts two addresses of one /56 in one bucket', async () => {
    await storm({ configureApp: (app) => app.set('trust proxy', 1) });
    const first = await attempt('2001:db8:abcd:1200::1');
    for (let i = 2; i <= 5; i += 1) await attempt(`2001:db8:abcd:12${i}0::${i}`).expect(401);
    const sixth = await attempt('2001:db8:abcd:12ff:ffff:ffff:ffff:fffe');
    expect(sixth.status).toBe(429);
    expect(partition(sixth)).toBe(partition(first));
  });

  it('gives the next /56 its own bucket', async () => {
    await storm({ configureApp: (app) => app.set('trust proxy', 1) });
    const first = await attempt('2001:db8:abcd:1200::1');
    for (let i = 2; i <= 5; i += 1) await attempt('2001:db8:abcd:1200::1').expect(401);
    const neighbour = await attempt('2001:db8:abcd:1300::1');
    expect(neighbour.status).toBe(401);
    expect(partition(neighbour)).not.toBe(partition(first));
  });

  it('counts an IPv4-mapped IPv6 address as its IPv4 address, not as the /56 of every IPv4 client', async () => {
    await storm({ configureApp: (app) => app.set('trust proxy', 1) });
    for (let i = 1; i <= 5; i += 1) await attempt('::ffff:203.0.113.7').expect(401);
    await attempt('203.0.113.7').expect(429);
    await attempt('::ffff:203.0.113.8').expect(401);
  });
});

describe('the defaults and the other credential routes', () => {
  it('lets the lockout meet a single-account attacker first: 10 failures lock, the 21st request is 429', async () => {
    t = await createTestApp({ preset: 'utmstack' });
    const statuses: number[] = [];
    for (let i = 1; i <= 21; i += 1) {
      const res = await request(t.app)
        .post('/api/authenticate')
        .send({ username: 'admin', password: `wrong-${i}` });
      statuses.push(res.status);
      if (i === 1) expect(res.headers['ratelimit-policy']).toMatch(/^"login"; q=20; w=60;/);
    }
    expect(statuses).toEqual([...Array(10).fill(401), ...Array(10).fill(403), 429]);
  });

  it('limits change-password on its own budget', async () => {
    await storm();
    for (let i = 1; i <= 5; i += 1) await attempt().expect(401);
    const change = () =>
      request(t.app)
        .post('/api/auth/change-password')
        .send({ username: 'expired', currentPassword: 'wrong', newPassword: 'a-new-password-1' });
    for (let i = 1; i <= 5; i += 1) await change().expect(401);
    const sixth = await change();
    expect(sixth.status).toBe(429);
    expect(sixth.headers['ratelimit-policy']).toMatch(/^"change-password"; q=5; w=60;/);
    expect(sixth.body).toEqual({ message: 'Too many login attempts, please try again later' });
  });

  it('sends no RateLimit headers and never 429s with rateLimit: false', async () => {
    await storm({ rateLimit: false, lockout: false });
    for (let i = 1; i <= 8; i += 1) {
      const res = await attempt();
      expect(res.status).toBe(401);
      expect(res.headers.ratelimit).toBeUndefined();
    }
    await request(t.app).post(LOGIN).send({ username: 'admin', password: PASSWORDS.admin }).expect(200);
  });

  it("counts in the state store's own rate-limit store when it offers one", async () => {
    const clock = createFakeClock();
    const inner = new MemoryStateStore({ clock });
    const limiterStores = new Map<string, MemoryStore>();
    const stateStore: StateStore = {
      get: (key) => inner.get(key),
      set: (key, value, ttlMs) => inner.set(key, value, ttlMs),
      delete: (key) => inner.delete(key),
      increment: (key, ttlMs) => inner.increment(key, ttlMs),
      take: (key) => inner.take(key),
      createRateLimitStore: (prefix) => {
        const store = new MemoryStore();
        limiterStores.set(prefix, store);
        return store;
      },
    };
    await storm({ clock, stateStore });
    try {
      expect([...limiterStores.keys()]).toEqual(expect.arrayContaining(['login', 'change-password', 'second-factor']));
      await attempt().expect(401);
      await attempt().expect(401);
      expect(await limiterStores.get('login')?.get('127.0.0.1')).toEqual({ totalHits: 2, resetTime: expect.any(Date) });
    } finally {
      for (const store of limiterStores.values()) store.shutdown();
      await inner.shutdown();
    }
  });
});
