// The behaviour every UserStore must show; run by the memory unit tests and the PostgreSQL integration tests.
import type { ApiKeyRecord, PasskeyRecord, User, UserStore } from '../../lib/stores/types';

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

// Users whose names exercise Unicode case folding. The rule is String.prototype.toLowerCase() (locale-independent),
// so a store must not add what its database's collation would fold (PostgreSQL's lower() maps U+0130 to plain "i").
const unicodeUsers: User[] = [
  ['u-istanbul', '\u0130stanbul'], // İ, capital I with dot above: JS folds it to i + U+0307
  ['u-kita', 'k\u0131ta'], // ı, dotless i: its own lower case
  ['u-strasse', 'Stra\u00dfe'], // ß
  ['u-kelvin', '\u212aelvin'], // K, the Kelvin sign: folds to ASCII k
  ['u-fullwidth', '\uff46\uff55\uff4c\uff4c'], // ｆｕｌｌ, fullwidth letters
  ['u-jose', 'Jos\u00e9'], // é precomposed (U+00E9)
  ['u-rene', 'Rene\u0301'], // e + combining acute (U+0301)
  ['u-odos', '\u039f\u0394\u039f\u03a3'], // ΟΔΟΣ: JS folds a word-final Σ to ς (U+03C2), lower() to σ
  ['u-fffd', 'ab\ufffd'], // a real U+FFFD, which a lone surrogate must not match
].map(([id, login]) => ({
  id: id as string,
  login: login as string,
  email: `${id}@example.net`,
  passwordHash: 'h',
  authorities: [],
}));

// Each lookup and the one user it must find (or null) in every store: exactly what toLowerCase() equality gives.
const unicodeLookups: { note: string; lookup: string; expected: string | null }[] = [
  { note: 'admİn (U+0130) is not admin', lookup: 'adm\u0130n', expected: null },
  { note: 'ADMİN@EXAMPLE.COM is not the admin email', lookup: 'ADM\u0130N@EXAMPLE.COM', expected: null },
  { note: 'fullwidth ａｄｍｉｎ is not admin', lookup: '\uff41\uff44\uff4d\uff49\uff4e', expected: null },
  { note: 'fullwidth ＡＤＭＩＮ is not admin', lookup: '\uff21\uff24\uff2d\uff29\uff2e', expected: null },
  { note: 'İstanbul as stored', lookup: '\u0130stanbul', expected: 'u-istanbul' },
  { note: 'i + U+0307 stanbul', lookup: 'i\u0307stanbul', expected: 'u-istanbul' },
  { note: 'İSTANBUL', lookup: '\u0130STANBUL', expected: 'u-istanbul' },
  { note: 'plain istanbul is not İstanbul', lookup: 'istanbul', expected: null },
  { note: 'plain ISTANBUL is not İstanbul', lookup: 'ISTANBUL', expected: null },
  { note: 'ıstanbul (dotless) is not İstanbul', lookup: '\u0131stanbul', expected: null },
  { note: 'kıta as stored', lookup: 'k\u0131ta', expected: 'u-kita' },
  { note: 'KıTA', lookup: 'K\u0131TA', expected: 'u-kita' },
  { note: 'kita is not kıta', lookup: 'kita', expected: null },
  { note: 'KITA is not kıta', lookup: 'KITA', expected: null },
  { note: 'straße as stored', lookup: 'stra\u00dfe', expected: 'u-strasse' },
  { note: 'STRAẞE (capital sharp s U+1E9E)', lookup: 'STRA\u1e9eE', expected: 'u-strasse' },
  { note: 'strasse is not straße', lookup: 'strasse', expected: null },
  { note: 'STRASSE is not straße', lookup: 'STRASSE', expected: null },
  { note: 'kelvin finds the Kelvin-sign login', lookup: 'kelvin', expected: 'u-kelvin' },
  { note: 'KELVIN finds the Kelvin-sign login', lookup: 'KELVIN', expected: 'u-kelvin' },
  { note: 'Kelvin sign + ELVIN', lookup: '\u212aELVIN', expected: 'u-kelvin' },
  { note: 'fullwidth ｆｕｌｌ as stored', lookup: '\uff46\uff55\uff4c\uff4c', expected: 'u-fullwidth' },
  { note: 'fullwidth ＦＵＬＬ', lookup: '\uff26\uff35\uff2c\uff2c', expected: 'u-fullwidth' },
  { note: 'ASCII full is not fullwidth', lookup: 'full', expected: null },
  { note: 'ASCII FULL is not fullwidth', lookup: 'FULL', expected: null },
  { note: 'josé precomposed', lookup: 'jos\u00e9', expected: 'u-jose' },
  { note: 'JOSÉ precomposed', lookup: 'JOS\u00c9', expected: 'u-jose' },
  { note: 'jose + U+0301 is not precomposed josé', lookup: 'jose\u0301', expected: null },
  { note: 'JOSE + U+0301 is not precomposed josé', lookup: 'JOSE\u0301', expected: null },
  { note: 'rene + U+0301 as stored', lookup: 'rene\u0301', expected: 'u-rene' },
  { note: 'RENE + U+0301', lookup: 'RENE\u0301', expected: 'u-rene' },
  { note: 'precomposed rené is not rene + U+0301', lookup: 'ren\u00e9', expected: null },
  { note: 'ΟΔΟΣ as stored', lookup: '\u039f\u0394\u039f\u03a3', expected: 'u-odos' },
  { note: 'οδος with final ς', lookup: '\u03bf\u03b4\u03bf\u03c2', expected: 'u-odos' },
  { note: 'οδοσ with medial σ is not ΟΔΟΣ', lookup: '\u03bf\u03b4\u03bf\u03c3', expected: null },
  { note: 'ab + U+FFFD as stored', lookup: 'ab\ufffd', expected: 'u-fffd' },
  { note: 'ab + a lone surrogate is not ab + U+FFFD', lookup: 'ab\ud800', expected: null },
];

// Names no PostgreSQL text column can hold (U+0000) or that are not well-formed UTF-16: never anyone's name.
const unstorableLookups: { note: string; lookup: string }[] = [
  { note: 'U+0000 alone', lookup: '\u0000' },
  { note: 'admin + U+0000', lookup: 'admin\u0000' },
  { note: 'U+0000 inside the admin email', lookup: 'admin\u0000@example.com' },
  { note: 'a lone high surrogate', lookup: 'adm\ud800in' },
  { note: 'a lone low surrogate', lookup: '\udc00admin' },
];

function passkey(id: string, userId: string, changes: Partial<PasskeyRecord> = {}): PasskeyRecord {
  return {
    id,
    userId,
    credentialId: `cred-${id}`,
    publicKey: `pQECAyYgASFYIP-public-key-of-${id}`,
    counter: 0,
    transports: ['internal', 'hybrid'],
    name: `passkey ${id}`,
    createdAt: new Date('2025-01-01T00:00:00.000Z'),
    lastUsedAt: null,
    ...changes,
  };
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
      it.each(['admin', 'ADMIN', 'admin@example.com', 'Admin@Example.COM'])(
        'finds admin by %p',
        async (loginOrEmail) => {
          expect((await store.findByLogin(loginOrEmail))?.id).toBe('u-admin');
        },
      );

      it.each(['jane.doe', 'JANE.DOE', 'Jane@Example.org'])(
        'finds the mixed-case login user by %p',
        async (loginOrEmail) => {
          expect((await store.findByLogin(loginOrEmail))?.id).toBe('u-user');
        },
      );

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

      describe('replacePasswordHash (compare-and-set, for rehashing at login)', () => {
        const replace = () => required(store.replacePasswordHash, 'replacePasswordHash').bind(store);

        it('replaces the hash when it is still the expected one, keeping the expiry', async () => {
          expect(await replace()('u-admin', admin.passwordHash, '$2b$12$rehashed')).toBe(true);
          const found = await store.findById('u-admin');
          expect(found?.passwordHash).toBe('$2b$12$rehashed');
          expect(found?.passwordExpiresAt?.getTime()).toBe(admin.passwordExpiresAt?.getTime());
          expect((await store.findById('u-user'))?.passwordHash).toBe(user.passwordHash);
        });

        it('keeps a null expiry null', async () => {
          expect(await replace()('u-user', user.passwordHash, '$2b$12$rehashed')).toBe(true);
          const found = await store.findById('u-user');
          expect(found?.passwordHash).toBe('$2b$12$rehashed');
          expect(found?.passwordExpiresAt ?? null).toBeNull();
        });

        it('refuses when the password changed since the hash was read, and leaves the newer hash', async () => {
          const newerExpiry = new Date('2029-09-09T09:09:09.999Z');
          await store.updatePassword('u-admin', '$2b$12$changed', newerExpiry);
          expect(await replace()('u-admin', admin.passwordHash, '$2b$12$rehashed-old-password')).toBe(false);
          const found = await store.findById('u-admin');
          expect(found?.passwordHash).toBe('$2b$12$changed');
          expect(found?.passwordExpiresAt?.getTime()).toBe(newerExpiry.getTime());
        });

        it('of two concurrent replacements from one expected hash, exactly one wins', async () => {
          const results = await Promise.all([
            replace()('u-admin', admin.passwordHash, '$2b$12$first'),
            replace()('u-admin', admin.passwordHash, '$2b$12$second'),
          ]);
          expect(results.filter(Boolean)).toHaveLength(1);
          expect((await store.findById('u-admin'))?.passwordHash).toBe(results[0] ? '$2b$12$first' : '$2b$12$second');
        });

        it('returns false for an unknown id', async () => {
          expect(await replace()('u-missing', admin.passwordHash, '$2b$12$rehashed')).toBe(false);
          expect(await store.findById('u-missing')).toBeNull();
        });
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

    describe('recovery codes (hashes only)', () => {
      const codes = () => ({
        replace: required(store.replaceRecoveryCodes, 'replaceRecoveryCodes').bind(store),
        consume: required(store.consumeRecoveryCode, 'consumeRecoveryCode').bind(store),
      });

      it('consumes each hash once and says how many are left', async () => {
        await codes().replace('u-admin', ['h1', 'h2', 'h3']);
        expect(await codes().consume('u-admin', 'h2')).toBe(2);
        expect(await codes().consume('u-admin', 'h2')).toBeNull();
        expect(await codes().consume('u-admin', 'h1')).toBe(1);
        // The user read back says how many remain; a user who never had codes says null.
        expect((await store.findById('u-admin'))?.recoveryCodesRemaining).toBe(1);
        expect((await store.findById('u-user'))?.recoveryCodesRemaining ?? null).toBeNull();
        expect(await codes().consume('u-user', 'h3')).toBeNull();
        expect(await codes().consume('u-missing', 'h3')).toBeNull();
      });

      it('a new set replaces the old one', async () => {
        await codes().replace('u-admin', ['old-1', 'old-2']);
        await codes().replace('u-admin', ['new-1']);
        expect(await codes().consume('u-admin', 'old-1')).toBeNull();
        expect(await codes().consume('u-admin', 'new-1')).toBe(0);
      });

      it('of concurrent consumptions of one hash exactly one succeeds', async () => {
        await codes().replace('u-user', ['h1', 'h2']);
        const results = await Promise.all(Array.from({ length: 5 }, () => codes().consume('u-user', 'h1')));
        expect(results.filter((r) => r !== null)).toEqual([1]);
      });
    });

    describe('createUser and markEmailVerified (sign-up)', () => {
      const signup = () => ({
        create: required(store.createUser, 'createUser').bind(store),
        verify: required(store.markEmailVerified, 'markEmailVerified').bind(store),
      });
      const newUser = (login: string, email: string) => ({
        login,
        email,
        passwordHash: '$2b$04$signup',
        authorities: ['ROLE_USER'],
        firstName: 'Nina',
        langKey: 'fr',
        emailVerified: false,
      });

      it('creates an unverified user with a new id, found by login and by email, and verifies it', async () => {
        const result = await signup().create(newUser('nina', 'Nina@Example.org'));
        expect('user' in result).toBe(true);
        const created = 'user' in result ? result.user : undefined;
        expect(created?.id).toEqual(expect.any(String));
        expect(created?.id).not.toBe('u-admin');
        expect(created).toMatchObject({
          login: 'nina',
          email: 'Nina@Example.org',
          authorities: ['ROLE_USER'],
          firstName: 'Nina',
          langKey: 'fr',
          emailVerified: false,
        });
        expect((await store.findByLogin('NINA'))?.id).toBe(created?.id);
        expect((await store.findByLogin('nina@example.org'))?.emailVerified).toBe(false);
        expect(await signup().verify(created!.id)).toBe(true);
        expect((await store.findById(created!.id))?.emailVerified).toBe(true);
        expect(await signup().verify('u-missing')).toBe(false);
      });

      it('seeded users count as verified', async () => {
        expect((await store.findById('u-admin'))?.emailVerified ?? true).toBe(true);
      });

      it('refuses a taken login (ignoring case) before a taken email, and a taken email', async () => {
        expect(await signup().create(newUser('ADMIN', 'fresh@example.org'))).toEqual({ taken: 'login' });
        expect(await signup().create(newUser('admin', 'jane@example.org'))).toEqual({ taken: 'login' });
        expect(await signup().create(newUser('fresh', 'JANE@example.org'))).toEqual({ taken: 'email' });
        // A new login may not be someone's email either (logins with "@" are refused earlier, by the flow).
        expect(await signup().create(newUser('admin@example.com', 'other@example.org'))).toEqual({ taken: 'login' });
        expect(await store.findByLogin('fresh')).toBeNull();
      });

      it('of concurrent sign-ups with one login exactly one is created', async () => {
        const results = await Promise.all(
          Array.from({ length: 5 }, (_, i) => signup().create(newUser('race', `race${i}@example.org`))),
        );
        expect(results.filter((r) => 'user' in r)).toHaveLength(1);
        expect(results.filter((r) => 'taken' in r && r.taken === 'login')).toHaveLength(4);
      });

      it('of concurrent sign-ups with one email exactly one is created', async () => {
        const results = await Promise.all(
          Array.from({ length: 5 }, (_, i) => signup().create(newUser(`same${i}`, 'same@example.org'))),
        );
        expect(results.filter((r) => 'user' in r)).toHaveLength(1);
        expect(results.filter((r) => 'taken' in r && r.taken === 'email')).toHaveLength(4);
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

      it('deleteApiKeysOfOwner deletes every key of the owner, and only theirs, returning what it deleted', async () => {
        const { create, find, list } = keys();
        const removeAll = required(store.deleteApiKeysOfOwner, 'deleteApiKeysOfOwner').bind(store);
        await create(apiKey('k-1', 'u-admin'));
        await create(apiKey('k-2', 'u-admin', { createdAt: new Date('2025-01-02T00:00:00.000Z') }));
        await create(apiKey('k-3', 'u-user'));
        const deleted = await removeAll('u-admin');
        expect(deleted.map((key) => [key.id, key.name])).toEqual([
          ['k-1', 'key k-1'],
          ['k-2', 'key k-2'],
        ]);
        expect(await list('u-admin')).toEqual([]);
        expect(await find(apiKey('k-1', 'u-admin').keyHash)).toBeNull();
        expect((await list('u-user')).map((key) => key.id)).toEqual(['k-3']);
        expect(await removeAll('u-admin')).toEqual([]);
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
    describe('passkeys (public keys only)', () => {
      const passkeys = () => ({
        create: required(store.createPasskey, 'createPasskey').bind(store),
        list: required(store.listPasskeys, 'listPasskeys').bind(store),
        find: required(store.findPasskeyByCredentialId, 'findPasskeyByCredentialId').bind(store),
        use: required(store.updatePasskeyUse, 'updatePasskeyUse').bind(store),
        rename: required(store.renamePasskey, 'renamePasskey').bind(store),
        remove: required(store.deletePasskey, 'deletePasskey').bind(store),
      });

      it("stores a passkey and gives it back whole: by credential id, and in its user's list only, oldest first", async () => {
        const { create, list, find } = passkeys();
        const first = passkey('p-1', 'u-admin', { counter: 4_000_000_000 });
        const second = passkey('p-2', 'u-admin', { createdAt: new Date('2025-02-01T00:00:00.000Z'), transports: [] });
        await create(second);
        await create(first);
        await create(passkey('p-3', 'u-user'));
        expect(await find('cred-p-1')).toEqual(first);
        expect(await find('cred-nope')).toBeNull();
        expect(await list('u-admin')).toEqual([first, second]);
        expect(await list('u-nobody')).toEqual([]);
      });

      it('refuses a second passkey with a credential id already stored, for any user', async () => {
        const { create, list } = passkeys();
        await create(passkey('p-1', 'u-admin'));
        await expect(
          Promise.resolve().then(() => create(passkey('p-2', 'u-user', { credentialId: 'cred-p-1' }))),
        ).rejects.toThrow();
        expect(await list('u-user')).toEqual([]);
      });

      it('updatePasskeyUse is a compare-and-set on the counter, and sets lastUsedAt', async () => {
        const { create, find, use } = passkeys();
        await create(passkey('p-1', 'u-admin', { counter: 5 }));
        const at = new Date('2025-07-08T09:10:11.012Z');
        expect(await use('p-1', 4, 9, at)).toBe(false);
        expect(await use('p-1', 5, 9, at)).toBe(true);
        expect(await use('p-1', 5, 10, at)).toBe(false);
        expect(await use('p-nope', 0, 1, at)).toBe(false);
        const found = await find('cred-p-1');
        expect(found?.counter).toBe(9);
        expect(found?.lastUsedAt?.getTime()).toBe(at.getTime());
      });

      it("renames and deletes only the user's own passkey: another user's answers false and stays", async () => {
        const { create, find, rename, remove } = passkeys();
        await create(passkey('p-1', 'u-admin'));
        expect(await rename('u-user', 'p-1', 'Mine')).toBe(false);
        expect(await remove('u-user', 'p-1')).toBe(false);
        expect((await find('cred-p-1'))?.name).toBe('passkey p-1');
        expect(await rename('u-admin', 'p-1', 'Phone')).toBe(true);
        expect((await find('cred-p-1'))?.name).toBe('Phone');
        expect(await remove('u-admin', 'p-1')).toBe(true);
        expect(await remove('u-admin', 'p-1')).toBe(false);
        expect(await find('cred-p-1')).toBeNull();
      });
    });
  });

  describe(`UserStore contract: ${name}: Unicode names match exactly when toLowerCase() equality does`, () => {
    let unicodeFixture: UserStoreFixture;
    beforeEach(async () => {
      unicodeFixture = await factory([admin, ...unicodeUsers]);
    });
    afterEach(async () => {
      await unicodeFixture.cleanup();
    });

    it('the expected results are what toLowerCase() equality gives (a check on this table)', () => {
      for (const { lookup, expected } of unicodeLookups) {
        const folded = lookup.toLowerCase();
        const matching = [admin, ...unicodeUsers].filter(
          (candidate) => candidate.login.toLowerCase() === folded || candidate.email.toLowerCase() === folded,
        );
        expect([lookup, matching.map((candidate) => candidate.id)]).toEqual([lookup, expected ? [expected] : []]);
      }
    });

    it.each(unicodeLookups)('$note', async ({ lookup, expected }) => {
      expect((await unicodeFixture.store.findByLogin(lookup))?.id ?? null).toBe(expected);
    });

    it.each(unstorableLookups)('returns null, without throwing, for $note', async ({ lookup }) => {
      await expect(Promise.resolve(unicodeFixture.store.findByLogin(lookup))).resolves.toBeNull();
    });
  });
}
