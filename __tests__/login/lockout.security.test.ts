// Lockout under attack: no user enumeration, no bcrypt while locked, and a concurrent burst that cannot beat the budget.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { contextOf } from '../../lib/auth';
import { sharedBcryptPool } from '../../lib/passwords/hasher';
import { createTestApp, PASSWORDS, type TestApp } from '../helpers/create-app';
import { observable } from '../helpers/responses';

const LOGIN = '/auth/login';

let t: TestApp;

beforeEach(async () => {
  // The per-IP limit is off: the lockout alone must stop these attacks.
  t = await createTestApp({ rateLimit: false });
});

afterEach(async () => {
  jest.restoreAllMocks();
  await t.close();
});

function login(username: string, password: string, target: string | TestApp['app'] = t.app): request.Test {
  return request(target).post(LOGIN).send({ username, password });
}

/** Counts bcrypt comparisons at the worker pool, where both real and dummy comparisons go. */
function countComparisons(): jest.SpiedFunction<ReturnType<typeof sharedBcryptPool>['compare']> {
  return jest.spyOn(sharedBcryptPool(), 'compare');
}

describe('an unknown user and a real one are indistinguishable', () => {
  it.each([
    ['a login name', 'admin', 'ghost'],
    ['an email address', 'admin@example.com', 'ghost@example.com'],
  ])(
    'gives byte-identical responses for %s at every step up to and through the lockout',
    async (_kind, real, unknown) => {
      for (let step = 1; step <= 12; step += 1) {
        const a = await login(real, `wrong-${step}`);
        const b = await login(unknown, `wrong-${step}`);
        expect(a.status).toBe(step <= 10 ? 401 : 403);
        expect(observable(b, 'connection', 'keep-alive')).toEqual(observable(a, 'connection', 'keep-alive'));
      }
      // Through the lockout: the real user's right password changes nothing, and Retry-After counts down alike.
      t.clock.advance(123_400);
      const right = await login(real, PASSWORDS.admin);
      const guess = await login(unknown, PASSWORDS.admin);
      expect(right.status).toBe(403);
      expect(right.headers['retry-after']).toBe('477');
      expect(observable(guess, 'connection', 'keep-alive')).toEqual(observable(right, 'connection', 'keep-alive'));
    },
  );

  it('locks a disabled user exactly like an unknown one', async () => {
    for (let step = 1; step <= 11; step += 1) {
      const a = await login('disabled', step === 11 ? PASSWORDS.disabled : `wrong-${step}`);
      const b = await login('nobody-here', `wrong-${step}`);
      expect(observable(b, 'connection', 'keep-alive')).toEqual(observable(a, 'connection', 'keep-alive'));
    }
  });
});

describe('attempts during a lockout cost no bcrypt comparison', () => {
  it('refuses real and unknown users, right and wrong passwords, with zero comparisons', async () => {
    const context = contextOf(t.auth);
    for (let i = 0; i < 10; i += 1) {
      await login('admin', `wrong-${i}`).expect(401);
      await login('ghost', `wrong-${i}`).expect(401);
    }
    const compare = countComparisons();
    const verify = jest.spyOn(context.passwords, 'verify');
    const burn = jest.spyOn(context.passwords, 'burnComparison');

    for (const [name, password] of [
      ['admin', PASSWORDS.admin],
      ['admin', 'wrong'],
      ['admin@example.com', PASSWORDS.admin],
      ['ghost', 'wrong'],
      ['GHOST', PASSWORDS.admin],
    ] as const) {
      const res = await login(name, password);
      expect(res.status).toBe(403);
    }
    expect(compare).not.toHaveBeenCalled();
    expect(verify).not.toHaveBeenCalled();
    expect(burn).not.toHaveBeenCalled();

    // The spies count real calls: once the lockout has passed, a login compares again.
    t.clock.advance(600_000);
    await login('admin', PASSWORDS.admin).expect(200);
    expect(compare).toHaveBeenCalledTimes(1);
    expect(verify).toHaveBeenCalledTimes(1);
  });

  it('spends one comparison per attempt before the lockout, for unknown users too', async () => {
    const compare = countComparisons();
    await login('admin', 'wrong').expect(401);
    await login('ghost', 'wrong').expect(401);
    expect(compare).toHaveBeenCalledTimes(2);
  });
});

describe('a concurrent burst cannot beat the budget', () => {
  let server: Server;
  let url: string;

  // One listening server for the whole burst, so the requests really are concurrent on one process.
  beforeEach(async () => {
    server = createServer(t.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('answers 50 concurrent wrong passwords then 20 right ones with no 200, in 10 comparisons', async () => {
    const compare = countComparisons();
    const wrong = await Promise.all(Array.from({ length: 50 }, (_, i) => login('admin', `wrong-${i}`, url)));
    const right = await Promise.all(Array.from({ length: 20 }, () => login('admin', PASSWORDS.admin, url)));

    const statuses = [...wrong, ...right].map((res) => res.status);
    expect(statuses).not.toContain(200);
    expect(wrong.filter((res) => res.status === 401)).toHaveLength(10);
    expect(wrong.filter((res) => res.status === 403)).toHaveLength(40);
    expect(right.every((res) => res.status === 403 && res.headers['retry-after'] === '600')).toBe(true);
    // Only the 10 attempts within the budget ever reached bcrypt.
    expect(compare).toHaveBeenCalledTimes(10);
    expect((await t.users.findById('1'))?.lastLoginAt ?? null).toBeNull();
  });
});
