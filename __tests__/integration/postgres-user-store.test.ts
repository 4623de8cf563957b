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
      const { rows } = await pool.query(
        `SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename`,
        [schema],
      );
      expect(rows.map((row) => row.tablename)).toEqual(['idp_api_keys', 'idp_users']);
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
      await store.addUser({ id: 'a', login: 'x@example.com', email: 'a@example.com', passwordHash: 'h', authorities: [] });
      await store.addUser({ id: 'b', login: 'b', email: 'x@example.com', passwordHash: 'h', authorities: [] });
      expect((await store.findByLogin('X@example.com'))?.id).toBe('a');
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
    expect(sql).toContain('CREATE UNIQUE INDEX IF NOT EXISTS "app_users_login_lower_idx" ON "auth"."app_users" (lower(login))');
  });
});
