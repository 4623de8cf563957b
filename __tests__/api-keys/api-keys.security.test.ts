// Attacks on API keys: other users' keys, forged and stale keys, keys and challenges minting keys, key guessing.
import request from 'supertest';
import { randomBytes } from 'node:crypto';
import { createApiKey, keyOwnerToken, sha256 } from '../helpers/api-keys';
import {
  closeAfterEach,
  createTestApp,
  PASSWORDS,
  type CreateTestAppOptions,
  type TestApp,
} from '../helpers/create-app';
import { observable } from '../helpers/responses';

let t: TestApp;

async function start(options: CreateTestAppOptions = {}): Promise<TestApp> {
  t = await createTestApp(options);
  return t;
}

closeAfterEach(() => t);

// Creating a key needs the password (step-up, api-keys-step-up.security.test.ts): each token remembers it.
const login = (name: 'admin' | 'guest'): Promise<string> => keyOwnerToken(t, name);

async function mintKey(
  token: string,
  body: Record<string, unknown> = { name: 'ci' },
): Promise<{ id: string; key: string }> {
  const res = await createApiKey(t, token, body);
  expect(res.status).toBe(201);
  return { id: res.body.id as string, key: res.body.key as string };
}

const useKey = (key: string, path = '/api/protected') => request(t.app).get(path).set('Authorization', `Bearer ${key}`);

/** A key never issued, shaped like a real one. */
const unknownKey = () => `eak_${randomBytes(24).toString('base64url')}`;

/** The key with the character at `index` replaced by another base64url character. */
function flip(key: string, index: number): string {
  const replacement = key[index] === 'A' ? 'B' : 'A';
  return key.slice(0, index) + replacement + key.slice(index + 1);
}

describe('another user’s key', () => {
  let adminKey: { id: string; key: string };
  let guestToken: string;

  beforeEach(async () => {
    await start();
    adminKey = await mintKey(await login('admin'));
    guestToken = await login('guest');
  });

  it('is not in the other user’s list', async () => {
    const res = await request(t.app).get('/auth/api-keys').set('Authorization', `Bearer ${guestToken}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual([]);
    expect(res.text).not.toContain(adminKey.id);
  });

  it('cannot be deleted by id: the answer is exactly that for a key that does not exist, and the key keeps working', async () => {
    const theirs = await request(t.app)
      .delete(`/auth/api-keys/${adminKey.id}`)
      .set('Authorization', `Bearer ${guestToken}`);
    const none = await request(t.app)
      .delete('/auth/api-keys/00000000-0000-4000-8000-000000000000')
      .set('Authorization', `Bearer ${guestToken}`);
    expect(theirs.status).toBe(404);
    expect(observable(theirs)).toEqual(observable(none));
    expect(await t.users.listApiKeys('1')).toHaveLength(1);
    const still = await useKey(adminKey.key);
    expect(still.status).toBe(200);
    expect(still.body.userId).toBe('1');
  });
});

describe('a request body naming an owner', () => {
  beforeEach(() => start());

  it('is ignored: userId, owner, ownerId (and id, key, keyHash) cannot choose whose key it is or what it is', async () => {
    const guestToken = await login('guest');
    const chosenKey = unknownKey();
    const res = await request(t.app)
      .post('/auth/api-keys')
      .set('Authorization', `Bearer ${guestToken}`)
      .send({
        name: 'mine',
        password: PASSWORDS.guest,
        userId: '1',
        owner: '1',
        ownerId: '1',
        id: 'chosen-id',
        key: chosenKey,
        keyHash: sha256(chosenKey),
      });
    expect(res.status).toBe(201);
    expect(res.body.id).not.toBe('chosen-id');
    expect(res.body.key).not.toBe(chosenKey);
    expect(await t.users.listApiKeys('1')).toEqual([]);
    const [record] = await t.users.listApiKeys('3');
    expect(record).toMatchObject({ id: res.body.id, ownerId: '3', keyHash: sha256(res.body.key as string) });
    expect(await t.users.findApiKeyByHash(sha256(chosenKey))).toBeNull();
    const used = await useKey(res.body.key as string);
    expect(used.body).toEqual({ userId: '3', authorities: ['ROLE_USER'], method: 'apiKey' });
    expect((await useKey(chosenKey)).status).toBe(401);
  });
});

describe('forged and stale keys', () => {
  let key: string;
  let id: string;
  let adminToken: string;

  beforeEach(async () => {
    await start();
    adminToken = await login('admin');
    ({ key, id } = await mintKey(adminToken, { name: 'short', expiresIn: 3600 }));
  });

  it.each([
    ['the last character flipped', (k: string) => flip(k, k.length - 1)],
    ['a middle character flipped', (k: string) => flip(k, 20)],
    ['the first secret character flipped', (k: string) => flip(k, 4)],
    ['the prefix altered', (k: string) => `eaK_${k.slice(4)}`],
    ['the last character cut', (k: string) => k.slice(0, -1)],
    ['only the listed prefix', (k: string) => k.slice(0, 12)],
    ['a character appended', (k: string) => `${k}A`],
    ['its SHA-256 instead of the key', (k: string) => sha256(k)],
    ['a key never issued', () => unknownKey()],
    ['a very long key', (k: string) => k + 'A'.repeat(500)],
  ])('refuses a key with %s (401), and the real key still works', async (_label, forge) => {
    const res = await useKey(forge(key));
    expect(res.status).toBe(401);
    expect(res.body).not.toHaveProperty('userId');
    expect((await useKey(key)).status).toBe(200);
  });

  it('refuses the key from the instant it expires (fake clock)', async () => {
    t.clock.advance(3600 * 1000 - 1);
    expect((await useKey(key)).status).toBe(200);
    t.clock.advance(1);
    const res = await useKey(key);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'api_key_invalid', message: 'The API key is invalid.' });
  });

  it('refuses the key on the first request after it is deleted', async () => {
    expect((await useKey(key)).status).toBe(200);
    expect(
      (await request(t.app).delete(`/auth/api-keys/${id}`).set('Authorization', `Bearer ${adminToken}`)).status,
    ).toBe(204);
    const res = await useKey(key);
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('api_key_invalid');
  });
});

describe('only a real login manages keys', () => {
  let adminToken: string;
  let existing: { id: string; key: string };

  beforeEach(async () => {
    await start();
    adminToken = await login('admin');
    existing = await mintKey(adminToken);
  });

  async function expectKeysUnchanged(): Promise<void> {
    const records = await t.users.listApiKeys('1');
    expect(records.map((record) => record.id)).toEqual([existing.id]);
  }

  async function attempt(credential: (r: request.Test) => request.Test) {
    return {
      create: await credential(request(t.app).post('/auth/api-keys')).send({ name: 'minted' }),
      list: await credential(request(t.app).get('/auth/api-keys')),
      remove: await credential(request(t.app).delete(`/auth/api-keys/${existing.id}`)),
    };
  }

  it('a key cannot mint, list or delete keys', async () => {
    const results = await attempt((r) => r.set('Authorization', `Bearer ${existing.key}`));
    for (const res of Object.values(results)) expect(res.status).toBe(401);
    expect(results.list.text).not.toContain(existing.id);
    await expectKeysUnchanged();
    expect((await useKey(existing.key)).status).toBe(200);
  });

  it('a key in X-API-Key cannot either, where X-API-Key is the key header', async () => {
    await t.close();
    await start({ apiKeys: { header: 'x-api-key' } });
    adminToken = await login('admin');
    existing = await mintKey(adminToken);
    const results = await attempt((r) => r.set('X-API-Key', existing.key));
    for (const res of Object.values(results)) expect(res.status).toBe(401);
    await expectKeysUnchanged();
  });

  it('a disabled user’s still-unexpired access token cannot', async () => {
    t.users.update('1', { disabled: true });
    const results = await attempt((r) => r.set('Authorization', `Bearer ${adminToken}`));
    for (const res of Object.values(results)) {
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('token_revoked');
    }
    await expectKeysUnchanged();
  });

  it('a second-factor challenge token cannot', async () => {
    const challenge = await request(t.app).post('/auth/login').send({ username: 'user', password: PASSWORDS.user });
    expect(challenge.status).toBe(200);
    expect(challenge.body.tfaRequired).toBe(true);
    const token = challenge.body.challengeToken as string;
    const results = await attempt((r) => r.set('Authorization', `Bearer ${token}`));
    for (const res of Object.values(results)) expect(res.status).toBe(401);
    expect(await t.users.listApiKeys('2')).toEqual([]);
    await expectKeysUnchanged();
  });

  it('a refresh token cannot', async () => {
    const res = await request(t.app).post('/auth/login').send({ username: 'admin', password: PASSWORDS.admin });
    const refresh = res.body.refreshToken as string;
    expect(refresh).toEqual(expect.any(String));
    const results = await attempt((r) => r.set('Authorization', `Bearer ${refresh}`));
    for (const result of Object.values(results)) expect(result.status).toBe(401);
    await expectKeysUnchanged();
  });
});

describe('guessing keys', () => {
  const limited: CreateTestAppOptions = {
    rateLimit: { credentials: { limit: 3, window: '1m' } },
    configureApp: (app) => app.set('trust proxy', 1),
  };
  const from = (ip: string, key: string, path = '/api/protected') =>
    request(t.app).get(path).set('X-Forwarded-For', ip).set('Authorization', `Bearer ${key}`);

  let key: string;
  beforeEach(async () => {
    await start(limited);
    key = (await mintKey(await login('admin'))).key;
  });

  it('answers 429 in the preset’s format after the credential limit of failures, even to a valid key', async () => {
    for (let i = 0; i < 3; i++) expect((await from('203.0.113.7', unknownKey())).status).toBe(401);
    const limitedRes = await from('203.0.113.7', unknownKey());
    expect(limitedRes.status).toBe(429);
    expect(limitedRes.body).toEqual({ error: 'rate_limited', message: 'Too many requests: slow down.' });
    expect(Number(limitedRes.headers['retry-after'])).toBeGreaterThan(0);
    // A blocked address cannot tell a valid key from an invalid one.
    const valid = await from('203.0.113.7', key);
    expect(valid.status).toBe(429);
    expect((await t.users.findApiKeyByHash(sha256(key)))?.lastUsedAt).toBeNull();
  });

  it('counts per IP: another address is not blocked', async () => {
    for (let i = 0; i < 4; i++) await from('203.0.113.7', unknownKey());
    expect((await from('203.0.113.7', unknownKey())).status).toBe(429);
    expect((await from('198.51.100.9', unknownKey())).status).toBe(401);
    expect((await from('198.51.100.9', key)).status).toBe(200);
  });

  it('does not count successful key use', async () => {
    for (let i = 0; i < 10; i++) expect((await from('203.0.113.7', key)).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await from('203.0.113.7', unknownKey())).status).toBe(401);
    expect((await from('203.0.113.7', unknownKey())).status).toBe(429);
  });

  // Known guard bug (lib/guard/require-auth.ts): each requireAuth() builds its own key limiter, so every guarded
  // route adds another `limit` guesses per IP. Turn this into it() once the patch in the issue-7 report lands.
  it('shares one failure budget across guarded routes', async () => {
    for (let i = 0; i < 3; i++) expect((await from('203.0.113.7', unknownKey(), '/api/protected')).status).toBe(401);
    expect((await from('203.0.113.7', unknownKey(), '/api/admin')).status).toBe(429);
  });
});

describe('bforeai: another user’s key by text, and keys minting keys', () => {
  let adminKey: { id: string; token: string };
  let guestToken: string;

  beforeEach(async () => {
    await start({ preset: 'bforeai' });
    const adminToken = (await request(t.app).post('/user/login').send({ username: 'admin', password: PASSWORDS.admin }))
      .body.Token as string;
    adminKey = (
      await request(t.app).post('/authheader/add').set('Authorization', adminToken).send({ name: 'admin key' })
    ).body;
    guestToken = (await request(t.app).post('/user/login').send({ username: 'guest', password: PASSWORDS.guest })).body
      .Token as string;
  });

  it('cannot be listed or deleted by text or id: the answers equal those for keys that do not exist', async () => {
    const list = await request(t.app).get('/authheader/list').set('Authorization', guestToken);
    expect(list.body).toEqual([]);

    const byText = await request(t.app)
      .post('/authheader/delete')
      .set('Authorization', guestToken)
      .send({ text: adminKey.token });
    const noText = await request(t.app)
      .post('/authheader/delete')
      .set('Authorization', guestToken)
      .send({ text: unknownKey() });
    expect(byText.status).toBe(404);
    expect(byText.body).toEqual({ message: 'Not found.' });
    expect(observable(byText)).toEqual(observable(noText));

    const byId = await request(t.app).delete(`/authheader/${adminKey.id}`).set('Authorization', guestToken);
    const noId = await request(t.app)
      .delete('/authheader/00000000-0000-4000-8000-000000000000')
      .set('Authorization', guestToken);
    expect(byId.status).toBe(404);
    expect(observable(byId)).toEqual(observable(noId));

    expect(await t.users.listApiKeys('1')).toHaveLength(1);
    const still = await request(t.app).get('/api/protected').set('Authorization', adminKey.token);
    expect(still.status).toBe(200);
    expect(still.body.userId).toBe('1');
  });

  it('a key, bare or with Bearer, cannot add, list or delete keys', async () => {
    for (const header of [adminKey.token, `Bearer ${adminKey.token}`]) {
      const add = await request(t.app).post('/authheader/add').set('Authorization', header).send({ name: 'minted' });
      const list = await request(t.app).get('/authheader/list').set('Authorization', header);
      const del = await request(t.app)
        .post('/authheader/delete')
        .set('Authorization', header)
        .send({ text: adminKey.token });
      for (const res of [add, list, del]) {
        expect(res.status).toBe(401);
        expect(Object.keys(res.body as object)).toEqual(['message']);
      }
    }
    expect((await t.users.listApiKeys('1')).map((record) => record.id)).toEqual([adminKey.id]);
    expect((await request(t.app).get('/api/protected').set('Authorization', adminKey.token)).status).toBe(200);
  });
});

describe('the key-failure budget', () => {
  it("counts only the guard's own refusals, not the host's 4xx answers to a valid key", async () => {
    await start();
    // A host route behind the guard that answers 404 for things it does not have.
    t.app.get('/api/things/:id', t.auth.requireAuth(), (_req, res) => {
      res.status(404).json({ error: 'no such thing' });
    });
    const { key } = await mintKey(await login('admin'));
    for (let i = 0; i < 25; i += 1) {
      const res = await useKey(key, `/api/things/${i}`);
      expect(res.status).toBe(404);
    }
    expect((await useKey(key)).status).toBe(200);
  });
});
