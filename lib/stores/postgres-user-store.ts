// A UserStore in PostgreSQL: users and API keys in two tables, through the host's pg Pool or Client.
import type { ApiKeyRecord, SecondFactorMethod, User, UserStore } from './types';

/** The part of a `pg.Pool` or `pg.Client` this store uses. */
export interface PgQueryable {
  query(text: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
}

/** Where the tables live. */
export interface PostgresSchemaOptions {
  /** The schema holding the tables; it must exist already. @default 'public' */
  schema?: string;
  /** Prepended to the table names (`auth_users`, `auth_api_keys`). @default 'auth_' */
  tablePrefix?: string;
}

export interface PostgresUserStoreOptions extends PostgresSchemaOptions {
  /** A `pg.Pool` (or a connected `pg.Client`); the store never ends it. */
  pool: PgQueryable;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

interface Tables {
  schema: string;
  prefix: string;
  users: string;
  apiKeys: string;
}

// Identifiers cannot be query parameters, so they are validated here and only then interpolated (and quoted, so a
// reserved word such as "user" still works as a schema name).
function resolveTables(options: PostgresSchemaOptions, owner: string): Tables {
  const schema = options.schema ?? 'public';
  const prefix = options.tablePrefix ?? 'auth_';
  if (typeof schema !== 'string' || !IDENTIFIER.test(schema)) {
    throw new TypeError(`${owner}: "schema" option must match ${IDENTIFIER} (lower-case letters, digits, _).`);
  }
  if (typeof prefix !== 'string' || !IDENTIFIER.test(prefix)) {
    throw new TypeError(`${owner}: "tablePrefix" option must match ${IDENTIFIER} (lower-case letters, digits, _).`);
  }
  return { schema, prefix, users: `"${schema}"."${prefix}users"`, apiKeys: `"${schema}"."${prefix}api_keys"` };
}

/**
 * The DDL for {@link PostgresUserStore}'s tables (idempotent: CREATE ... IF NOT EXISTS), for your own migration tool.
 * `gen_random_uuid()` needs PostgreSQL 13 or later.
 */
export function postgresUserStoreSchema(options: PostgresSchemaOptions = {}): string {
  const { prefix, users, apiKeys } = resolveTables(options, 'postgresUserStoreSchema');
  const index = (name: string) => `"${prefix}${name}"`;
  return `CREATE TABLE IF NOT EXISTS ${users} (
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
CREATE UNIQUE INDEX IF NOT EXISTS ${index('users_login_lower_idx')} ON ${users} (lower(login));
CREATE UNIQUE INDEX IF NOT EXISTS ${index('users_email_lower_idx')} ON ${users} (lower(email));
CREATE TABLE IF NOT EXISTS ${apiKeys} (
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
CREATE INDEX IF NOT EXISTS ${index('api_keys_owner_id_idx')} ON ${apiKeys} (owner_id);`;
}

/**
 * {@link UserStore} in PostgreSQL. Call `migrate()` once at start-up (or run {@link postgresUserStoreSchema}'s SQL
 * in your migrations). Login and email are unique ignoring case, and looked up through `lower()` indexes.
 *
 * @example
 * import { Pool } from 'pg';
 * const users = new PostgresUserStore({ pool: new Pool({ connectionString: process.env.DATABASE_URL }) });
 * await users.migrate();
 * await users.addUser({ login: 'admin', email: 'admin@example.com', passwordHash: await hashPassword('s3cret-pass'), authorities: ['ROLE_ADMIN'] });
 */
export class PostgresUserStore implements UserStore {
  private readonly pool: PgQueryable;
  private readonly tables: Tables;

  constructor(options: PostgresUserStoreOptions) {
    if (typeof options?.pool?.query !== 'function') {
      throw new TypeError('PostgresUserStore: "pool" option must be a pg Pool or Client (an object with query()).');
    }
    this.pool = options.pool;
    this.tables = resolveTables(options, 'PostgresUserStore');
  }

  /** Creates the tables and indexes when missing. Safe to run from several processes at once. */
  async migrate(): Promise<void> {
    const { schema, prefix } = this.tables;
    // One multi-statement query runs as one transaction on one connection, so the advisory lock serialises
    // concurrent migrations (CREATE ... IF NOT EXISTS alone can still race on the catalog).
    await this.pool.query(
      `SELECT pg_advisory_xact_lock(hashtext('express-auth-kit:${schema}.${prefix}'));\n` +
        postgresUserStoreSchema({ schema, tablePrefix: prefix }),
    );
  }

  /** Inserts a user (for seeding and admin tools); `id` defaults to a random UUID. Returns the stored user. */
  async addUser(user: Omit<User, 'id'> & { id?: string }): Promise<User> {
    const { rows } = await this.pool.query(
      `INSERT INTO ${this.tables.users} (id, login, email, password_hash, authorities, first_name, last_name,
         image_url, lang_key, disabled, second_factor, totp_secret, password_expires_at, last_login_at, created_at)
       VALUES (COALESCE($1, gen_random_uuid()::text), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
         COALESCE($15, now()))
       RETURNING *`,
      [
        user.id ?? null,
        user.login,
        user.email,
        user.passwordHash,
        [...user.authorities],
        user.firstName ?? null,
        user.lastName ?? null,
        user.imageUrl ?? null,
        user.langKey ?? null,
        user.disabled ?? false,
        user.secondFactor ?? null,
        user.totpSecret ?? null,
        user.passwordExpiresAt ?? null,
        user.lastLoginAt ?? null,
        user.createdAt ?? null,
      ],
    );
    return toUser(firstRow(rows));
  }

  async findByLogin(loginOrEmail: string): Promise<User | null> {
    // One user's login may equal another's email (the two unique indexes are separate); the login match wins.
    const { rows } = await this.pool.query(
      `SELECT * FROM ${this.tables.users} WHERE lower(login) = lower($1) OR lower(email) = lower($1)
       ORDER BY lower(login) = lower($1) DESC LIMIT 1`,
      [loginOrEmail],
    );
    return rows[0] ? toUser(rows[0]) : null;
  }

  async findById(id: string): Promise<User | null> {
    const { rows } = await this.pool.query(`SELECT * FROM ${this.tables.users} WHERE id = $1`, [id]);
    return rows[0] ? toUser(rows[0]) : null;
  }

  async recordLogin(id: string, at: Date): Promise<void> {
    await this.pool.query(`UPDATE ${this.tables.users} SET last_login_at = $2 WHERE id = $1`, [id, at]);
  }

  async updatePassword(id: string, passwordHash: string, expiresAt: Date | null): Promise<void> {
    await this.pool.query(
      `UPDATE ${this.tables.users} SET password_hash = $2, password_expires_at = $3 WHERE id = $1`,
      [id, passwordHash, expiresAt],
    );
  }

  async updateSecondFactor(id: string, method: SecondFactorMethod | null, totpSecret: string | null): Promise<void> {
    await this.pool.query(`UPDATE ${this.tables.users} SET second_factor = $2, totp_secret = $3 WHERE id = $1`, [
      id,
      method,
      totpSecret,
    ]);
  }

  async createApiKey(record: ApiKeyRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.tables.apiKeys} (id, owner_id, name, key_hash, prefix, roles, created_at, expires_at,
         last_used_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        record.id,
        record.ownerId,
        record.name,
        record.keyHash,
        record.prefix,
        record.roles ? [...record.roles] : null,
        record.createdAt,
        record.expiresAt,
        record.lastUsedAt,
      ],
    );
  }

  async listApiKeys(ownerId: string): Promise<ApiKeyRecord[]> {
    const { rows } = await this.pool.query(
      `SELECT * FROM ${this.tables.apiKeys} WHERE owner_id = $1 ORDER BY created_at, id`,
      [ownerId],
    );
    return rows.map(toApiKey);
  }

  async findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | null> {
    const { rows } = await this.pool.query(`SELECT * FROM ${this.tables.apiKeys} WHERE key_hash = $1`, [keyHash]);
    return rows[0] ? toApiKey(rows[0]) : null;
  }

  async deleteApiKey(ownerId: string, id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM ${this.tables.apiKeys} WHERE id = $1 AND owner_id = $2`,
      [id, ownerId],
    );
    return (rowCount ?? 0) > 0;
  }

  async touchApiKey(id: string, at: Date): Promise<void> {
    await this.pool.query(`UPDATE ${this.tables.apiKeys} SET last_used_at = $2 WHERE id = $1`, [id, at]);
  }
}

type Row = Record<string, unknown>;

function firstRow(rows: Row[]): Row {
  if (!rows[0]) throw new Error('PostgresUserStore: the INSERT returned no row.');
  return rows[0];
}

const text = (row: Row, column: string): string => String(row[column]);
const optionalText = (row: Row, column: string): string | null => (row[column] == null ? null : String(row[column]));
// pg parses timestamptz into Date already; the conversion covers drivers or type parsers that return strings.
const optionalDate = (row: Row, column: string): Date | null => {
  const value = row[column];
  if (value == null) return null;
  return value instanceof Date ? value : new Date(String(value));
};
const optionalTextArray = (row: Row, column: string): string[] | null => {
  const value = row[column];
  return Array.isArray(value) ? value.map(String) : null;
};

function toUser(row: Row): User {
  const secondFactor = optionalText(row, 'second_factor');
  return {
    id: text(row, 'id'),
    login: text(row, 'login'),
    email: text(row, 'email'),
    passwordHash: text(row, 'password_hash'),
    authorities: optionalTextArray(row, 'authorities') ?? [],
    firstName: optionalText(row, 'first_name'),
    lastName: optionalText(row, 'last_name'),
    imageUrl: optionalText(row, 'image_url'),
    langKey: optionalText(row, 'lang_key'),
    disabled: row.disabled === true,
    secondFactor: secondFactor === 'EMAIL' || secondFactor === 'TOTP' ? secondFactor : null,
    totpSecret: optionalText(row, 'totp_secret'),
    passwordExpiresAt: optionalDate(row, 'password_expires_at'),
    lastLoginAt: optionalDate(row, 'last_login_at'),
    createdAt: optionalDate(row, 'created_at'),
  };
}

function toApiKey(row: Row): ApiKeyRecord {
  return {
    id: text(row, 'id'),
    ownerId: text(row, 'owner_id'),
    name: text(row, 'name'),
    keyHash: text(row, 'key_hash'),
    prefix: text(row, 'prefix'),
    roles: optionalTextArray(row, 'roles'),
    createdAt: optionalDate(row, 'created_at') ?? new Date(0),
    expiresAt: optionalDate(row, 'expires_at'),
    lastUsedAt: optionalDate(row, 'last_used_at'),
  };
}
