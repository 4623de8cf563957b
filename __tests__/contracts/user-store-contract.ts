// The behaviour every UserStore must show; run by the memory unit tests and the PostgreSQL integration tests.
import type { ApiKeyRecord, User, UserStore } from '../../lib/stores/types';

export interface UserStoreFixture {
  store: UserStore;
  cleanup(): Promise<void>;
}

const admin: User = {
  id: 'u-admin',
  login: 'admin',
  email: 'admin@example.com',
  passwordHash: '$2b$04$adminhashadminhashadminhashadminhashadminhashadminha',
  authorities: ['ROLE_ADMIN', 'ROLE_USER'],
  firstName: 'Ada',
  lastName: 'Admin',
  langKey: 'en',
  passwordExpiresAt: new Date('2031-01-02T03:04:05.678Z'),
  createdAt: new Date('2024-05-06T07:08:09.123Z'),
};
const user: User = {
  id: 'u-user',
  login: 'Jane.Doe',
  email: 'jane@example.org',
  passwordHash: '$2b$04$userhashuserhashuserhashuserhashuserhashuserhashuserh',
  authorities: ['ROLE_USER'],
  secondFactor: 'EMAIL',
};

function apiKey(id: string, ownerId: string, changes: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  return {
    id,
    ownerId,
    name: `key ${id}`,
    keyHash: `sha256-of-${id}`.padEnd(64, '0'),
    prefix: `eak_${id.slice(0, 4)}`,
    roles: null,
    createdAt: new Date('2025-01-01T00:00:00.000Z'),
    expiresAt: null,
    lastUsedAt: null,
    ...changes,
  };
}

// The API-key and second-factor methods are optional in the interface; a store under this contract must have them.
function required<T>(method: T | undefined, methodName: string): T {
  if (typeof method !== 'function') throw new Error(`the store under test has no ${methodName}()`);
  return method;
}

export function describeUserStoreContract(name: string, factory: (seed: User[]) => Promise<UserStoreFixture>): void {
  describe(`UserStore contract: ${name}`, () => {
    let fixture: UserStoreFixture;
    let store: UserStore;

    beforeEach(async () => {
      fixture = await factory([admin, user]);
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    describe('lookups', () => {
      it.each(['admin', 'ADMIN', 'admin@example.com', 'Admin@Example.COM'])('finds admin by %p', async (loginOrEmail) => {
        expect((await store.findByLogin(loginOrEmail))?.id).toBe('u-admin');
      });

      it.each(['jane.doe', 'JANE.DOE', 'Jane@Example.org'])('finds the mixed-case login user by %p', async (loginOrEmail) => {
        expect((await store.findByLogin(loginOrEmail))?.id).toBe('u-user');
      });

      it.each(['nobody', '', 'admin@example', 'admin '])('returns null for %p', async (loginOrEmail) => {
        expect(await store.findByLogin(loginOrEmail)).toBeNull();
      });

      it('returns every seeded field, with dates as Date objects', async () => {
        const found = await store.findByLogin('admin');
        expect(found).toMatchObject({
          id: 'u-admin',
          login: 'admin',
          email: 'admin@example.com',
          passwordHash: admin.passwordHash,
          authorities: ['ROLE_ADMIN', 'ROLE_USER'],
          firstName: 'Ada',
          lastName: 'Admin',
          langKey: 'en',
        });
        expect(found?.passwordExpiresAt).toBeInstanceOf(Date);
        expect(found?.passwordExpiresAt?.getTime()).toBe(admin.passwordExpiresAt?.getTime());
        expect(found?.createdAt?.getTime()).toBe(admin.createdAt?.getTime());
        expect(found?.lastLoginAt ?? null).toBeNull();
        expect(found?.disabled ?? false).toBe(false);
        expect(found?.secondFactor ?? null).toBeNull();
        expect((await store.findById('u-user'))?.secondFactor).toBe('EMAIL');
      });

      it('finds by id, and returns null for an unknown id', async () => {
        expect((await store.findById('u-user'))?.login).toBe('Jane.Doe');
        expect(await store.findById('u-missing')).toBeNull();
      });
    });

    describe('updates', () => {
      it('records a login', async () => {
        const at = new Date('2026-02-03T04:05:06.789Z');
        await store.recordLogin('u-admin', at);
        const found = await store.findById('u-admin');
        expect(found?.lastLoginAt).toBeInstanceOf(Date);
        expect(found?.lastLoginAt?.getTime()).toBe(at.getTime());
        expect((await store.findById('u-user'))?.lastLoginAt ?? null).toBeNull();
      });

      it('replaces the password hash and its expiry', async () => {
        const expiresAt = new Date('2027-03-04T05:06:07.890Z');
        await store.updatePassword('u-user', '$2b$04$new', expiresAt);
        const found = await store.findByLogin('jane.doe');
        expect(found?.passwordHash).toBe('$2b$04$new');
        expect(found?.passwordExpiresAt?.getTime()).toBe(expiresAt.getTime());

        await store.updatePassword('u-user', '$2b$04$newer', null);
        const again = await store.findById('u-user');
        expect(again?.passwordHash).toBe('$2b$04$newer');
        expect(again?.passwordExpiresAt ?? null).toBeNull();
        expect((await store.findById('u-admin'))?.passwordHash).toBe(admin.passwordHash);
      });

      it('turns a second factor on and off', async () => {
        const updateSecondFactor = required(store.updateSecondFactor, 'updateSecondFactor').bind(store);
        await updateSecondFactor('u-admin', 'TOTP', 'JBSWY3DPEHPK3PXP');
        expect(await store.findById('u-admin')).toMatchObject({ secondFactor: 'TOTP', totpSecret: 'JBSWY3DPEHPK3PXP' });

        await updateSecondFactor('u-admin', null, null);
        const found = await store.findById('u-admin');
        expect(found?.secondFactor ?? null).toBeNull();
        expect(found?.totpSecret ?? null).toBeNull();
      });
    });

    describe('API keys', () => {
      const keys = () => ({
        create: required(store.createApiKey, 'createApiKey').bind(store),
        list: required(store.listApiKeys, 'listApiKeys').bind(store),
        find: required(store.findApiKeyByHash, 'findApiKeyByHash').bind(store),
        remove: required(store.deleteApiKey, 'deleteApiKey').bind(store),
        touch: required(store.touchApiKey, 'touchApiKey').bind(store),
      });

      it('stores a key and finds it by hash, with every field round-tripped', async () => {
        const { create, find } = keys();
        const record = apiKey('k-1', 'u-admin', {
          roles: ['ROLE_USER'],
          expiresAt: new Date('2026-12-31T23:59:59.999Z'),
          lastUsedAt: new Date('2025-06-01T12:00:00.500Z'),
        });
        await create(record);
        const found = await find(record.keyHash);
        expect(found).toEqual(record);
        expect(found?.createdAt).toBeInstanceOf(Date);
        expect(found?.expiresAt?.getTime()).toBe(record.expiresAt?.getTime());
        expect(found?.lastUsedAt?.getTime()).toBe(record.lastUsedAt?.getTime());
        expect(await find('0'.repeat(64))).toBeNull();
      });

      it("lists only the owner's keys", async () => {
        const { create, list } = keys();
        await create(apiKey('k-1', 'u-admin'));
        await create(apiKey('k-2', 'u-admin', { roles: [] }));
        await create(apiKey('k-3', 'u-user'));
        const adminKeys = (await list('u-admin')).sort((a, b) => a.id.localeCompare(b.id));
        expect(adminKeys).toEqual([apiKey('k-1', 'u-admin'), apiKey('k-2', 'u-admin', { roles: [] })]);
        expect((await list('u-user')).map((key) => key.id)).toEqual(['k-3']);
        expect(await list('u-missing')).toEqual([]);
      });

      it("deletes only the owner's key", async () => {
        const { create, find, list, remove } = keys();
        const record = apiKey('k-1', 'u-admin');
        await create(record);

        expect(await remove('u-user', 'k-1')).toBe(false);
        expect((await find(record.keyHash))?.id).toBe('k-1');

        expect(await remove('u-admin', 'k-1')).toBe(true);
        expect(await find(record.keyHash)).toBeNull();
        expect(await list('u-admin')).toEqual([]);
        expect(await remove('u-admin', 'k-1')).toBe(false);
        expect(await remove('u-admin', 'k-missing')).toBe(false);
      });

      it('records when a key was last used', async () => {
        const { create, find, touch } = keys();
        const record = apiKey('k-1', 'u-admin');
        await create(record);
        const at = new Date('2025-07-08T09:10:11.012Z');
        await touch('k-1', at);
        const found = await find(record.keyHash);
        expect(found?.lastUsedAt).toBeInstanceOf(Date);
        expect(found?.lastUsedAt?.getTime()).toBe(at.getTime());
      });
    });
  });
}
