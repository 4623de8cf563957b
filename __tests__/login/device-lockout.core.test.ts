// OWASP device cookies in the core (lib/core/devices.ts), without HTTP: which identity an attempt is counted under,
// and the device token a completed login gets. A device token proves a device only for the account it was issued to,
// only while it verifies, and only while device cookies are on.
import { attemptIdentity, issueDeviceToken } from '../../lib/core/devices';
import { lockoutIdentity } from '../../lib/core/lockout';
import { createTestCore, type TestCore } from '../helpers/test-core';
import { claimsOf } from '../helpers/session';

let core: TestCore;
const cores: TestCore[] = [];

async function start(overrides: Parameters<typeof createTestCore>[0] = {}): Promise<TestCore> {
  const created = await createTestCore(overrides);
  cores.push(created);
  return created;
}

beforeEach(async () => {
  core = await start({ deviceCookie: { ttl: '30d' } });
});

afterEach(async () => {
  await Promise.all(cores.splice(0).map((created) => created.close()));
});

describe('issueDeviceToken', () => {
  test('a device token for the user, lasting deviceCookie.ttl, with a device id', () => {
    const issued = issueDeviceToken(core.context, '3', undefined)!;
    const claims = claimsOf(issued.token);
    expect(claims.sub).toBe('3');
    expect(claims.did).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect((claims.exp as number) - (claims.iat as number)).toBe(30 * 86400);
    expect(core.context.tokens.verify(issued.token, 'device')).toMatchObject({ sub: '3', did: claims.did });
  });

  test("a device it already proved for this user keeps its id; another user's token or a forged one gets a new one", () => {
    const first = issueDeviceToken(core.context, '3', undefined)!;
    const did = claimsOf(first.token).did;
    expect(claimsOf(issueDeviceToken(core.context, '3', first.token)!.token).did).toBe(did);
    expect(claimsOf(issueDeviceToken(core.context, '2', first.token)!.token).did).not.toBe(did);
    expect(claimsOf(issueDeviceToken(core.context, '3', `${first.token}x`)!.token).did).not.toBe(did);
    expect(claimsOf(issueDeviceToken(core.context, '3', undefined)!.token).did).not.toBe(did);
  });

  test('none with device cookies off', async () => {
    const off = await start({ deviceCookie: false });
    expect(issueDeviceToken(off.context, '3', undefined)).toBeUndefined();
  });
});

describe('attemptIdentity', () => {
  test('without a device token, the account (or, for a name that matched nobody, the name)', async () => {
    const guest = await core.user('3');
    expect(attemptIdentity(core.context, guest, 'guest', undefined)).toBe(lockoutIdentity(guest, 'guest'));
    expect(attemptIdentity(core.context, null, 'Nobody', undefined)).toBe(lockoutIdentity(null, 'Nobody'));
  });

  test("the device, when the client shows a device token of this very account: its own, not the account's nor another device's", async () => {
    const guest = await core.user('3');
    const one = issueDeviceToken(core.context, '3', undefined)!.token;
    const two = issueDeviceToken(core.context, '3', undefined)!.token;
    const byDevice = attemptIdentity(core.context, guest, 'guest', one);
    expect(byDevice).not.toBe(lockoutIdentity(guest, 'guest'));
    expect(attemptIdentity(core.context, guest, 'guest', one)).toBe(byDevice);
    expect(attemptIdentity(core.context, guest, 'guest', two)).not.toBe(byDevice);
  });

  test("the account when the token is another user's, forged, expired, of another kind, or shown for a name that matched nobody", async () => {
    const guest = await core.user('3');
    const account = lockoutIdentity(guest, 'guest');
    const admins = issueDeviceToken(core.context, '1', undefined)!.token;
    const guests = issueDeviceToken(core.context, '3', undefined)!.token;
    expect(attemptIdentity(core.context, guest, 'guest', admins)).toBe(account);
    expect(attemptIdentity(core.context, guest, 'guest', `${guests.slice(0, -2)}AA`)).toBe(account);
    expect(attemptIdentity(core.context, guest, 'guest', 'not-a-token')).toBe(account);
    expect(attemptIdentity(core.context, null, 'guest', guests)).toBe(lockoutIdentity(null, 'guest'));
    core.clock.advance(31 * 86400 * 1000);
    expect(attemptIdentity(core.context, guest, 'guest', guests)).toBe(account);
  });

  test('the account when device cookies are off, even for a token that verifies (issued while they were on)', async () => {
    const off = await start({ deviceCookie: false });
    const guest = await off.user('3');
    const token = issueDeviceToken(core.context, '3', undefined)!.token;
    // Same secret, so the same internal device key: the token verifies, and is still not honoured.
    expect(() => off.context.tokens.verify(token, 'device')).not.toThrow();
    expect(attemptIdentity(off.context, guest, 'guest', token)).toBe(lockoutIdentity(guest, 'guest'));
  });
});
