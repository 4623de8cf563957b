// PostgresUserStore against a real PostgreSQL (DATABASE_URL), each store in a schema of its own.
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { PostgresUserStore, postgresUserStoreSchema } from '../../lib/stores/postgres-user-store';
import { describeUserStoreContract } from '../contracts/user-store-contract';

const DATABASE_URL = process.env.DATABASE_URL;
if (!DATABASE_URL) console.warn('Skipping the PostgresUserStore integration tests: DATABASE_URL is not set.');
const describeWithPostgres = DATABASE_URL ? describe : describe.skip;

const runId = `${process.pid}_${randomUUID().slice(0, 8)}`;
let schemaCount = 0;

// The DDL of the versions before lookup keys (lower() indexes, no login_key/email_key): migrate() must upgrade it.
function oldSchemaDdl(schema: string, prefix = 'auth_'): string {
  const users = `"${schema}"."${prefix}users"`;
  return `CREATE TABLE ${users} (
  id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  login text NOT NULL,
  email text NOT NULL,
  password_hash text NOT NULL,
  authorities text[] NOT NULL DEFAULT '{}',
  first_name text,
  last_name text,
  image_url text,
  lang_key text,
  disabled boolean NOT NULL DEFAULT false,
  second_factor text CHECK (second_factor IN ('EMAIL', 'TOTP')),
  totp_secret text,
  password_expires_at timestamptz,
  last_login_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX "${prefix}users_login_lower_idx" ON ${users} (lower(login));
CREATE UNIQUE INDEX "${prefix}users_email_lower_idx" ON ${users} (lower(email));
CREATE TABLE "${schema}"."${prefix}api_keys" (
  id text PRIMARY KEY,
  owner_id text NOT NULL REFERENCES ${users} (id) ON DELETE CASCADE,
  name text NOT NULL,
  key_hash text NOT NULL UNIQUE,
  prefix text NOT NULL,
  roles text[],
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz,
  last_used_at timestamptz
);
CREATE INDEX "${prefix}api_keys_owner_id_idx" ON "${schema}"."${prefix}api_keys" (owner_id);`;
}

describeWithPostgres('PostgresUserStore', () => {
  let pool: Pool;

  beforeAll(() => {
    pool = new Pool({ connectionString: DATABASE_URL, max: 4 });
  });
  afterAll(async () => {
    await pool.end();
  });

  // A fresh schema per store keeps tests independent; the name is generated, so interpolating it is safe.
  async function freshSchema(): Promise<{ schema: string; drop(): Promise<void> }> {
    const schema = `eak_test_${runId}_${++schemaCount}`;
    await pool.query(`CREATE SCHEMA ${schema}`);
    return { schema, drop: async () => void (await pool.query(`DROP SCHEMA ${schema} CASCADE`)) };
  }

  describeUserStoreContract('PostgresUserStore', async (seed) => {
    const { schema, drop } = await freshSchema();
    const store = new PostgresUserStore({ pool, schema });
    await store.migrate();
    for (const user of seed) await store.addUser(user);
    return { store, cleanup: drop };
  });

  describe('PostgreSQL specifics', () => {
    let schema: string;
    let drop: () => Promise<void>;
    beforeEach(async () => ({ schema, drop } = await freshSchema()));
    afterEach(() => drop());

    it('migrates idempotently, also when several processes migrate at once', async () => {
      const stores = [1, 2, 3].map(() => new PostgresUserStore({ pool, schema, tablePrefix: 'idp_' }));
      await Promise.all(stores.map((store) => store.migrate()));
      await stores[0]?.migrate();
      const { rows } = await pool.query(`SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename`, [
        schema,
      ]);
      expect(rows.map((row) => row.tablename)).toEqual(['idp_api_keys', 'idp_passkeys', 'idp_users']);
    });

    it('adds a user with a generated id and default fields', async () => {
      const store = new PostgresUserStore({ pool, schema });
      await store.migrate();
      const added = await store.addUser({ login: 'new', email: 'new@example.com', passwordHash: 'h', authorities: [] });
      expect(added.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(added).toMatchObject({ authorities: [], disabled: false, secondFactor: null, lastLoginAt: null });
      expect(added.createdAt).toBeInstanceOf(Date);
      expect(await store.findByLogin('NEW@example.com')).toEqual(added);
    });

    it('refuses a login or email that differs from a stored one only in case', async () => {
      const store = new PostgresUserStore({ pool, schema });
      await store.migrate();
      await store.addUser({ login: 'taken', email: 'taken@example.com', passwordHash: 'h', authorities: [] });
      await expect(
        store.addUser({ login: 'TAKEN', email: 'other@example.com', passwordHash: 'h', authorities: [] }),
      ).rejects.toMatchObject({ code: '23505' });
      await expect(
        store.addUser({ login: 'other', email: 'Taken@Example.com', passwordHash: 'h', authorities: [] }),
      ).rejects.toMatchObject({ code: '23505' });
    });

    it("prefers a login match when one user's login is another's email", async () => {
      const store = new PostgresUserStore({ pool, schema });
      await store.migrate();
      await store.addUser({
        id: 'a',
        login: 'x@example.com',
        email: 'a@example.com',
        passwordHash: 'h',
        authorities: [],
      });
      await store.addUser({ id: 'b', login: 'b', email: 'x@example.com', passwordHash: 'h', authorities: [] });
      expect((await store.findByLogin('X@example.com'))?.id).toBe('a');
    });

    it('refuses a login that folds (toLowerCase) to a taken one, and accepts one that only lower() would fold', async () => {
      const store = new PostgresUserStore({ pool, schema });
      await store.migrate();
      await store.addUser({
        id: 'i',
        login: '\u0130stanbul',
        email: 'i@example.com',
        passwordHash: 'h',
        authorities: [],
      });
      await expect(
        store.addUser({ login: 'i\u0307STANBUL', email: 'j@example.com', passwordHash: 'h', authorities: [] }),
      ).rejects.toMatchObject({ code: '23505' });
      await store.addUser({ id: 'a', login: 'admin', email: 'a@example.com', passwordHash: 'h', authorities: [] });
      await store.addUser({ id: 'b', login: 'adm\u0130n', email: 'b@example.com', passwordHash: 'h', authorities: [] });
      expect((await store.findByLogin('ADMIN'))?.id).toBe('a');
      expect((await store.findByLogin('adm\u0130N'))?.id).toBe('b');
    });

    it('refuses to add a name no text column can hold, as the memory store does', async () => {
      const store = new PostgresUserStore({ pool, schema });
      await store.migrate();
      const base = { passwordHash: 'h', authorities: [] };
      await expect(store.addUser({ ...base, login: 'nul\u0000', email: 'n@example.com' })).rejects.toThrow(TypeError);
      await expect(store.addUser({ ...base, login: 'n', email: 'n\ud800@example.com' })).rejects.toThrow(TypeError);
    });

    it("stores the lookup keys computed in JavaScript, not by the database's lower()", async () => {
      const store = new PostgresUserStore({ pool, schema });
      await store.migrate();
      await store.addUser({
        id: 'k',
        login: '\u0130\u212a\u03a3',
        email: 'X@\u0130.example',
        passwordHash: 'h',
        authorities: [],
      });
      const { rows } = await pool.query(`SELECT login_key, email_key FROM ${schema}.auth_users WHERE id = 'k'`);
      // toLowerCase() folds a word-final Σ to ς (U+03C2), where lower() gives σ
      expect(rows).toEqual([{ login_key: 'i\u0307k\u03c2', email_key: 'x@i\u0307.example' }]);
    });

    it('the schema DDL installs a working store on a fresh database', async () => {
      await pool.query(postgresUserStoreSchema({ schema, tablePrefix: 'ddl_' }));
      const store = new PostgresUserStore({ pool, schema, tablePrefix: 'ddl_' });
      await store.addUser({
        id: 'd',
        login: '\u212aelvin',
        email: 'd@example.com',
        passwordHash: 'h',
        authorities: [],
      });
      expect((await store.findByLogin('KELVIN'))?.id).toBe('d');
      await expect(
        store.addUser({ login: 'kelvin', email: 'e@example.com', passwordHash: 'h', authorities: [] }),
      ).rejects.toMatchObject({
        code: '23505',
      });
      await store.migrate(); // and migrate() on a DDL-made table changes nothing
      expect((await store.findByLogin('kelvin'))?.id).toBe('d');
    });

    it('migrate() adds the recovery-code column to a table of the version before it, keeping the rows', async () => {
      await pool.query(postgresUserStoreSchema({ schema, tablePrefix: 'prev_' }));
      await pool.query(`ALTER TABLE ${schema}.prev_users DROP COLUMN recovery_code_hashes`);
      const store = new PostgresUserStore({ pool, schema, tablePrefix: 'prev_' });
      await store.addUser({ id: 'r', login: 'rita', email: 'r@example.com', passwordHash: 'h', authorities: [] });
      await expect(store.replaceRecoveryCodes('r', ['h1'])).rejects.toMatchObject({ code: '42703' });
      await store.migrate();
      await store.migrate();
      await store.replaceRecoveryCodes('r', ['h1', 'h2']);
      expect(await store.consumeRecoveryCode('r', 'h1')).toBe(1);
      expect((await store.findByLogin('rita'))?.id).toBe('r');
    });

    it('migrate() adds the email_verified column to a table of the version before it: existing users stay verified', async () => {
      await pool.query(postgresUserStoreSchema({ schema, tablePrefix: 'prev2_' }));
      await pool.query(`ALTER TABLE ${schema}.prev2_users DROP COLUMN email_verified`);
      const store = new PostgresUserStore({ pool, schema, tablePrefix: 'prev2_' });
      await store.addUser({ id: 'v', login: 'vera', email: 'v@example.com', passwordHash: 'h', authorities: [] });
      await expect(
        store.createUser({
          login: 'nina',
          email: 'n@example.com',
          passwordHash: 'h',
          authorities: [],
          emailVerified: false,
        }),
      ).rejects.toMatchObject({ code: '42703' });
      await store.migrate();
      await store.migrate();
      expect((await store.findById('v'))?.emailVerified).toBe(true);
      const created = await store.createUser({
        login: 'nina',
        email: 'n@example.com',
        passwordHash: 'h',
        authorities: [],
        emailVerified: false,
      });
      expect('user' in created && created.user.emailVerified).toBe(false);
      expect((await store.findByLogin('nina'))?.emailVerified).toBe(false);
    });

    it('migrate() adds the passkeys table to a database of the version before it, keeping the rows', async () => {
      await pool.query(postgresUserStoreSchema({ schema, tablePrefix: 'prepk_' }));
      await pool.query(`DROP TABLE ${schema}.prepk_passkeys`);
      const store = new PostgresUserStore({ pool, schema, tablePrefix: 'prepk_' });
      await store.addUser({ id: 'p', login: 'pat', email: 'p@example.com', passwordHash: 'h', authorities: [] });
      await expect(store.listPasskeys('p')).rejects.toMatchObject({ code: '42P01' });
      await store.migrate();
      await store.migrate();
      const record = {
        id: 'k',
        userId: 'p',
        credentialId: 'c',
        publicKey: 'pk',
        counter: 1,
        transports: ['internal'],
        name: 'n',
        createdAt: new Date('2025-01-01T00:00:00Z'),
        lastUsedAt: null,
      };
      await store.createPasskey(record);
      expect(await store.listPasskeys('p')).toEqual([record]);
      expect((await store.findByLogin('pat'))?.id).toBe('p');
      // Deleting the user deletes their passkeys.
      await pool.query(`DELETE FROM ${schema}.prepk_users WHERE id = 'p'`);
      expect(await store.findPasskeyByCredentialId('c')).toBeNull();
    });

    describe('upgrading a table made by the old schema', () => {
      async function oldTableWithUsers(prefix = 'auth_'): Promise<void> {
        await pool.query(oldSchemaDdl(schema, prefix));
        const users = `${schema}.${prefix}users`;
        await pool.query(
          `INSERT INTO ${users} (id, login, email, password_hash, password_expires_at) VALUES
           ('a', 'Admin', 'Admin@Example.com', 'ha', '2031-01-01T00:00:00Z'),
           ('i', '\u0130stanbul', 'ist@example.com', 'hi', NULL),
           ('s', '\u039f\u0394\u039f\u03a3', 'odos@example.com', 'hs', NULL)`,
        );
        await pool.query(
          `INSERT INTO ${schema}.${prefix}api_keys (id, owner_id, name, key_hash, prefix) VALUES ('k', 'a', 'n', 'kh', 'p')`,
        );
      }

      async function indexesOf(prefix = 'auth_'): Promise<string[]> {
        const { rows } = await pool.query(
          `SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = $2 ORDER BY indexname`,
          [schema, `${prefix}users`],
        );
        return rows.map((row) => String(row.indexname));
      }

      it('adds and backfills the keys, swaps the indexes, and keeps every row', async () => {
        await oldTableWithUsers();
        const store = new PostgresUserStore({ pool, schema });
        await store.migrate();

        expect(await indexesOf()).toEqual(['auth_users_email_key_idx', 'auth_users_login_key_idx', 'auth_users_pkey']);
        const { rows } = await pool.query(`SELECT id, login_key, email_key FROM ${schema}.auth_users ORDER BY id`);
        expect(rows).toEqual([
          { id: 'a', login_key: 'admin', email_key: 'admin@example.com' },
          { id: 'i', login_key: 'i\u0307stanbul', email_key: 'ist@example.com' },
          { id: 's', login_key: '\u03bf\u03b4\u03bf\u03c2', email_key: 'odos@example.com' },
        ]);
        const { rows: columns } = await pool.query(
          `SELECT column_name, is_nullable FROM information_schema.columns
           WHERE table_schema = $1 AND table_name = 'auth_users' AND column_name IN ('login_key', 'email_key') ORDER BY column_name`,
          [schema],
        );
        expect(columns).toEqual([
          { column_name: 'email_key', is_nullable: 'NO' },
          { column_name: 'login_key', is_nullable: 'NO' },
        ]);

        expect(await store.findByLogin('ADMIN@example.COM')).toMatchObject({ id: 'a', passwordHash: 'ha' });
        expect((await store.findByLogin('admin'))?.passwordExpiresAt?.toISOString()).toBe('2031-01-01T00:00:00.000Z');
        expect((await store.findByLogin('i\u0307stanbul'))?.id).toBe('i');
        expect(await store.findByLogin('istanbul')).toBeNull(); // what lower() matched before the upgrade
        expect((await store.findByLogin('\u03bf\u03b4\u03bf\u03c2'))?.id).toBe('s');
        expect((await store.findApiKeyByHash('kh'))?.ownerId).toBe('a');
        await expect(
          store.addUser({ login: 'ADMIN', email: 'other@example.com', passwordHash: 'h', authorities: [] }),
        ).rejects.toMatchObject({ code: '23505' });
      });

      it('is safe when several processes upgrade at once, and idempotent afterwards', async () => {
        await oldTableWithUsers('up_');
        const stores = [1, 2, 3].map(() => new PostgresUserStore({ pool, schema, tablePrefix: 'up_' }));
        await Promise.all(stores.map((store) => store.migrate()));
        await stores[0]?.migrate();
        expect(await indexesOf('up_')).toEqual(['up_users_email_key_idx', 'up_users_login_key_idx', 'up_users_pkey']);
        const { rows } = await pool.query(`SELECT count(*)::int AS n FROM ${schema}.up_users WHERE login_key IS NULL`);
        expect(rows).toEqual([{ n: 0 }]);
        expect((await stores[1]?.findByLogin('admin'))?.id).toBe('a');
      });

      it('backfills more rows than one batch', async () => {
        await oldTableWithUsers();
        await pool.query(`INSERT INTO ${schema}.auth_users (id, login, email, password_hash)
          SELECT 'g' || n, 'User-' || n, 'User-' || n || '@Example.com', 'h' FROM generate_series(1, 2500) AS n`);
        await new PostgresUserStore({ pool, schema }).migrate();
        const { rows } = await pool.query(
          `SELECT count(*)::int AS n FROM ${schema}.auth_users WHERE login_key = lower(login) AND email_key = lower(email)`,
        );
        expect(rows).toEqual([{ n: 2501 }]); // all but İstanbul and ΟΔΟΣ, where lower() and toLowerCase() differ
      });

      it('backfills again when a process of the old version adds a user during the upgrade', async () => {
        await oldTableWithUsers();
        let intruded = false;
        const racingPool = {
          query: async (sql: string, params?: unknown[]) => {
            if (!intruded && sql.includes('SET NOT NULL')) {
              intruded = true; // what an old-version addUser writes: no keys
              await pool.query(`INSERT INTO ${schema}.auth_users (id, login, email, password_hash)
                VALUES ('late', 'Late', 'late@example.com', 'hl')`);
            }
            return pool.query(sql, params);
          },
        };
        const store = new PostgresUserStore({ pool: racingPool, schema });
        await store.migrate();
        expect(intruded).toBe(true);
        expect((await store.findByLogin('LATE'))?.id).toBe('late');
      });

      it('fails with a clear error, keeping the old indexes, when two rows fold to one key', async () => {
        await oldTableWithUsers();
        // lower() told these apart (İ became i), toLowerCase() does not (both become i + U+0307)
        await pool.query(`INSERT INTO ${schema}.auth_users (id, login, email, password_hash) VALUES
          ('dup', 'i\u0307STANBUL', 'dup@example.com', 'hd')`);
        const store = new PostgresUserStore({ pool, schema });
        await expect(store.migrate()).rejects.toThrow(/users "dup" and "i" .* have logins that are equal/);
        expect(await indexesOf()).toEqual([
          'auth_users_email_lower_idx',
          'auth_users_login_lower_idx',
          'auth_users_pkey',
        ]);

        await pool.query(`UPDATE ${schema}.auth_users SET login = 'istanbul-2' WHERE id = 'dup'`);
        await store.migrate();
        expect((await store.findByLogin('Istanbul-2'))?.id).toBe('dup');
      });
    });

    it("deletes a user's API keys with the user", async () => {
      const store = new PostgresUserStore({ pool, schema });
      await store.migrate();
      await store.addUser({ id: 'u', login: 'u', email: 'u@example.com', passwordHash: 'h', authorities: [] });
      const key = { id: 'k', ownerId: 'u', name: 'n', keyHash: 'hash', prefix: 'p', roles: null };
      await store.createApiKey({ ...key, createdAt: new Date(), expiresAt: null, lastUsedAt: null });
      await pool.query(`DELETE FROM ${schema}.auth_users WHERE id = 'u'`);
      expect(await store.findApiKeyByHash('hash')).toBeNull();
    });
  });
});

describe('PostgresUserStore options', () => {
  const pool = { query: async () => ({ rows: [], rowCount: 0 }) };

  it('names the option it rejects', () => {
    expect(() => new PostgresUserStore({ pool, schema: 'Public' })).toThrow(/"schema"/);
    expect(() => new PostgresUserStore({ pool, schema: 'a; DROP TABLE x' })).toThrow(TypeError);
    expect(() => new PostgresUserStore({ pool, tablePrefix: 'auth-' })).toThrow(/"tablePrefix"/);
    expect(() => new PostgresUserStore({} as never)).toThrow(/"pool"/);
    expect(() => postgresUserStoreSchema({ tablePrefix: '' })).toThrow(/"tablePrefix"/);
  });

  it('puts the schema and prefix into the DDL', () => {
    const sql = postgresUserStoreSchema({ schema: 'auth', tablePrefix: 'app_' });
    expect(sql).toContain('CREATE TABLE IF NOT EXISTS "auth"."app_users"');
    expect(sql).toContain('REFERENCES "auth"."app_users" (id) ON DELETE CASCADE');
    expect(sql).toContain(
      'CREATE UNIQUE INDEX IF NOT EXISTS "app_users_login_key_idx" ON "auth"."app_users" (login_key)',
    );
    expect(sql).toContain(
      'CREATE UNIQUE INDEX IF NOT EXISTS "app_users_email_key_idx" ON "auth"."app_users" (email_key)',
    );
    expect(sql).not.toContain('lower(');
  });
});
