// API keys on the default preset: create, list, delete, expiry, last use, roles, and where the guard reads keys.
import request from 'supertest';
import { createApiKey, keyOwnerToken, sha256 } from '../helpers/api-keys';
import { closeAfterEach, createTestApp, type CreateTestAppOptions, type TestApp } from '../helpers/create-app';

let t: TestApp;

async function start(options: CreateTestAppOptions = {}): Promise<TestApp> {
  t = await createTestApp(options);
  return t;
}

closeAfterEach(() => t);

// Creating a key needs the password (step-up, api-keys-step-up.security.test.ts): each token remembers it.
const accessToken = (login: 'admin' | 'guest' = 'admin'): Promise<string> => keyOwnerToken(t, login);
const createKey = (token: string, body?: Record<string, unknown>) => createApiKey(t, token, body);

async function mintKey(body: Record<string, unknown> = { name: 'ci' }, login: 'admin' | 'guest' = 'admin') {
  const res = await createKey(await accessToken(login), body);
  expect(res.status).toBe(201);
  return { id: res.body.id as string, key: res.body.key as string, body: res.body as Record<string, unknown> };
}

const protectedWith = (key: string) => request(t.app).get('/api/protected').set('Authorization', `Bearer ${key}`);

describe('creating a key', () => {
  beforeEach(() => start());

  it('answers 201 with the key text once, and the store keeps only its SHA-256', async () => {
    const { id, key, body } = await mintKey({ name: 'deploy bot' });
    expect(body).toEqual({
      id: expect.any(String),
      name: 'deploy bot',
      key: expect.stringMatching(/^eak_[A-Za-z0-9_-]{32}$/),
      roles: null,
      createdAt: '2026-01-01T12:00:00.000Z',
      expiresAt: null,
      lastUsedAt: null,
    });
    // 24 random bytes after the prefix: 192 bits.
    expect(Buffer.from(key.slice(4), 'base64url')).toHaveLength(24);

    const [record] = await t.users.listApiKeys('1');
    expect(record).toMatchObject({
      id,
      ownerId: '1',
      name: 'deploy bot',
      keyHash: sha256(key),
      prefix: key.slice(0, 12),
    });
    const secret = key.slice(4);
    for (const value of Object.values(record!)) {
      const text = value instanceof Date ? value.toISOString() : JSON.stringify(value);
      expect(text).not.toContain(key);
      expect(text).not.toContain(secret);
    }
    expect(await t.users.findApiKeyByHash(sha256(key))).toEqual(record);
    expect(await t.users.findApiKeyByHash(key)).toBeNull();
  });

  it('gives two keys with the same name different texts and ids', async () => {
    const a = await mintKey({ name: 'same' });
    const b = await mintKey({ name: 'same' });
    expect(a.key).not.toBe(b.key);
    expect(a.id).not.toBe(b.id);
    expect(await t.users.listApiKeys('1')).toHaveLength(2);
  });

  it.each<[Record<string, unknown>, string]>([
    [{}, 'missing name'],
    [{ name: '' }, 'empty name'],
    [{ name: 42 }, 'name not a string'],
    [{ name: 'x'.repeat(101) }, 'name too long'],
    [{ name: 'k', expiresIn: 0 }, 'expiresIn 0'],
    [{ name: 'k', expiresIn: -5 }, 'expiresIn negative'],
    [{ name: 'k', expiresIn: 1.5 }, 'expiresIn fractional'],
    [{ name: 'k', expiresIn: '60' }, 'expiresIn a string'],
    [{ name: 'k', expiresIn: 11 * 365 * 86400 }, 'expiresIn past ten years'],
    [{ name: 'k', roles: 'ROLE_USER' }, 'roles not an array'],
    [{ name: 'k', roles: [''] }, 'an empty role'],
  ])('answers 400 and stores nothing for %j (%s)', async (body) => {
    const res = await createKey(await accessToken(), body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_request', message: expect.any(String) });
    expect(await t.users.listApiKeys('1')).toEqual([]);
  });

  it('answers 400 for roles the owner does not hold, and stores nothing', async () => {
    const res = await createKey(await accessToken('guest'), { name: 'k', roles: ['ROLE_USER', 'ROLE_ADMIN'] });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
    expect(await t.users.listApiKeys('3')).toEqual([]);
  });

  it('answers 401 without a token', async () => {
    const res = await request(t.app).post('/auth/api-keys').send({ name: 'k' });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('token_missing');
  });
});

describe('listing keys', () => {
  beforeEach(() => start());

  it('shows the caller’s keys with a masked prefix and never the secret', async () => {
    const token = await accessToken();
    const a = await createKey(token, { name: 'a' });
    t.clock.advance(1000);
    const b = await createKey(token, { name: 'b', roles: ['ROLE_USER'], expiresIn: 3600 });
    const res = await request(t.app).get('/auth/api-keys').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual(
      expect.arrayContaining([
        {
          id: a.body.id,
          name: 'a',
          key: `${(a.body.key as string).slice(0, 12)}…`,
          roles: null,
          createdAt: '2026-01-01T12:00:00.000Z',
          expiresAt: null,
          lastUsedAt: null,
        },
        {
          id: b.body.id,
          name: 'b',
          key: `${(b.body.key as string).slice(0, 12)}…`,
          roles: ['ROLE_USER'],
          createdAt: '2026-01-01T12:00:01.000Z',
          expiresAt: '2026-01-01T13:00:01.000Z',
          lastUsedAt: null,
        },
      ]),
    );
    expect(res.body).toHaveLength(2);
    for (const key of [a.body.key as string, b.body.key as string]) {
      expect(res.text).not.toContain(key);
      expect(res.text).not.toContain(key.slice(12));
      expect(res.text).not.toContain(sha256(key));
    }
  });

  it('is empty for a user with no keys', async () => {
    await mintKey();
    const res = await request(t.app)
      .get('/auth/api-keys')
      .set('Authorization', `Bearer ${await accessToken('guest')}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual([]);
  });
});

describe('using and deleting a key', () => {
  beforeEach(() => start());

  it('acts as its owner with the owner’s roles, on Authorization: Bearer', async () => {
    const { key, id } = await mintKey();
    const res = await protectedWith(key);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ userId: '1', authorities: ['ROLE_ADMIN', 'ROLE_USER'], method: 'apiKey' });
    const admin = await request(t.app).get('/api/admin').set('Authorization', `bearer ${key}`);
    expect(admin.status).toBe(200);
    expect(admin.body).toEqual({ userId: '1' });
    expect((await t.users.findApiKeyByHash(sha256(key)))?.id).toBe(id);
  });

  it('is refused where a route takes tokens only', async () => {
    const { key } = await mintKey();
    const res = await request(t.app).get('/api/tokens-only').set('Authorization', `Bearer ${key}`);
    expect(res.status).toBe(401);
  });

  it('records the last-used time on a successful use only', async () => {
    const { key } = await mintKey();
    t.clock.advance(5000);
    expect((await protectedWith(`${key}x`)).status).toBe(401);
    expect((await t.users.findApiKeyByHash(sha256(key)))?.lastUsedAt).toBeNull();
    expect((await protectedWith(key)).status).toBe(200);
    expect((await t.users.findApiKeyByHash(sha256(key)))?.lastUsedAt).toEqual(new Date('2026-01-01T12:00:05.000Z'));
    t.clock.advance(60_000);
    expect((await protectedWith(key)).status).toBe(200);
    const list = await request(t.app)
      .get('/auth/api-keys')
      .set('Authorization', `Bearer ${await accessToken()}`);
    expect(list.body[0].lastUsedAt).toBe('2026-01-01T12:01:05.000Z');
  });

  it('expires after expiresIn seconds, at once, while the owner’s login token still works', async () => {
    const token = await accessToken();
    const res = await createKey(token, { name: 'short', expiresIn: 60 });
    expect(res.body.expiresAt).toBe('2026-01-01T12:01:00.000Z');
    const key = res.body.key as string;
    t.clock.advance(59_999);
    expect((await protectedWith(key)).status).toBe(200);
    t.clock.advance(1);
    const expired = await protectedWith(key);
    expect(expired.status).toBe(401);
    expect(expired.body).toEqual({ error: 'api_key_invalid', message: 'The API key is invalid.' });
    expect((await request(t.app).get('/api/protected').set('Authorization', `Bearer ${token}`)).status).toBe(200);
  });

  it('deletes by id: 204, the key is refused at once, and a second delete is 404', async () => {
    const token = await accessToken();
    const { key, id } = await mintKey();
    expect((await protectedWith(key)).status).toBe(200);
    const del = await request(t.app).delete(`/auth/api-keys/${id}`).set('Authorization', `Bearer ${token}`);
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    expect(await t.users.findApiKeyByHash(sha256(key))).toBeNull();
    expect(await t.users.listApiKeys('1')).toEqual([]);
    const refused = await protectedWith(key);
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('api_key_invalid');
    const again = await request(t.app).delete(`/auth/api-keys/${id}`).set('Authorization', `Bearer ${token}`);
    expect(again.status).toBe(404);
    expect(again.body).toEqual({ error: 'not_found', message: 'Not found.' });
  });

  it('deleting one key leaves the owner’s other keys working', async () => {
    const token = await accessToken();
    const a = await mintKey({ name: 'a' });
    const b = await mintKey({ name: 'b' });
    expect((await request(t.app).delete(`/auth/api-keys/${a.id}`).set('Authorization', `Bearer ${token}`)).status).toBe(
      204,
    );
    expect((await protectedWith(a.key)).status).toBe(401);
    expect((await protectedWith(b.key)).status).toBe(200);
  });
});

describe('a key’s roles', () => {
  beforeEach(() => start());

  it('with a subset of roles acts with that subset only', async () => {
    const { key, body } = await mintKey({ name: 'read-only', roles: ['ROLE_USER', 'ROLE_USER'] });
    expect(body.roles).toEqual(['ROLE_USER']);
    expect((await protectedWith(key)).body.authorities).toEqual(['ROLE_USER']);
    const admin = await request(t.app).get('/api/admin').set('Authorization', `Bearer ${key}`);
    expect(admin.status).toBe(403);
    expect(admin.body.error).toBe('forbidden');
  });

  it('follows the owner’s current roles: demoting the owner demotes the key', async () => {
    const full = await mintKey({ name: 'full' });
    const adminOnly = await mintKey({ name: 'admin-only', roles: ['ROLE_ADMIN'] });
    expect((await request(t.app).get('/api/admin').set('Authorization', `Bearer ${full.key}`)).status).toBe(200);
    expect((await request(t.app).get('/api/admin').set('Authorization', `Bearer ${adminOnly.key}`)).status).toBe(200);

    t.users.update('1', { authorities: ['ROLE_USER'] });

    expect((await request(t.app).get('/api/admin').set('Authorization', `Bearer ${full.key}`)).status).toBe(403);
    expect((await protectedWith(full.key)).body.authorities).toEqual(['ROLE_USER']);
    // The intersection of {ROLE_ADMIN} and the owner's {ROLE_USER} is empty.
    expect((await request(t.app).get('/api/admin').set('Authorization', `Bearer ${adminOnly.key}`)).status).toBe(403);
    expect((await protectedWith(adminOnly.key)).body.authorities).toEqual([]);

    t.users.update('1', { authorities: ['ROLE_ADMIN', 'ROLE_USER'] });
    expect((await request(t.app).get('/api/admin').set('Authorization', `Bearer ${adminOnly.key}`)).status).toBe(200);
  });

  it('is refused once its owner is disabled, and again accepted when re-enabled', async () => {
    const { key } = await mintKey();
    t.users.update('1', { disabled: true });
    const res = await protectedWith(key);
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('api_key_invalid');
    t.users.update('1', { disabled: false });
    expect((await protectedWith(key)).status).toBe(200);
  });
});

describe('where the guard reads keys', () => {
  it('with apiKeys.header "x-api-key", takes keys from X-API-Key and tokens still from Authorization', async () => {
    await start({ apiKeys: { header: 'x-api-key' } });
    const token = await accessToken();
    const { key } = await mintKey();
    const byHeader = await request(t.app).get('/api/protected').set('X-API-Key', key);
    expect(byHeader.status).toBe(200);
    expect(byHeader.body).toEqual({ userId: '1', authorities: ['ROLE_ADMIN', 'ROLE_USER'], method: 'apiKey' });
    const token200 = await request(t.app).get('/api/protected').set('Authorization', `Bearer ${token}`);
    expect(token200.body.method).toBe('token');
    // The key is not read from Authorization in this mode.
    expect((await protectedWith(key)).status).toBe(401);
    expect((await request(t.app).get('/api/protected').set('X-API-Key', `${key}x`)).status).toBe(401);
    // Nor does a route that takes tokens only read X-API-Key.
    expect((await request(t.app).get('/api/tokens-only').set('X-API-Key', key)).status).toBe(401);
  });

  it('with a custom prefix, mints keys with it', async () => {
    await start({ apiKeys: { prefix: 'acme_' } });
    const { key } = await mintKey();
    expect(key).toMatch(/^acme_[A-Za-z0-9_-]{32}$/);
    expect((await protectedWith(key)).status).toBe(200);
  });

  it('with apiKeys false, does not mount the key routes and refuses keys while tokens work', async () => {
    await start({ apiKeys: false });
    const token = await accessToken();
    expect((await createKey(token, { name: 'ci' })).status).toBe(404);
    // A key that exists in the store (made by another instance, or before keys were turned off) is refused.
    const key = `eak_${'A'.repeat(32)}`;
    await t.users.createApiKey({
      id: 'k1',
      ownerId: '1',
      name: 'old',
      keyHash: sha256(key),
      prefix: key.slice(0, 12),
      roles: null,
      createdAt: new Date(t.clock()),
      expiresAt: null,
      lastUsedAt: null,
    });
    expect((await protectedWith(key)).status).toBe(401);
    expect((await request(t.app).get('/api/protected').set('X-API-Key', key)).status).toBe(401);
    expect((await request(t.app).get('/api/protected').set('Authorization', `Bearer ${token}`)).status).toBe(200);
    expect((await t.users.findApiKeyByHash(sha256(key)))?.lastUsedAt).toBeNull();
  });
});
