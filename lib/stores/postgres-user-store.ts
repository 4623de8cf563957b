// A UserStore in PostgreSQL: users and API keys in two tables, through the host's pg Pool or Client.
import { foldName, isStorableName } from './fold-name';
import type { ApiKeyRecord, CreateUserResult, NewUser, PasskeyRecord, SecondFactorMethod, User, UserStore } from './types';

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
  passkeys: string;
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
  return { schema, prefix, users: `"${schema}"."${prefix}users"`, apiKeys: `"${schema}"."${prefix}api_keys"`, passkeys: `"${schema}"."${prefix}passkeys"` };
}

// login_key and email_key hold foldName(login) and foldName(email), computed in JavaScript: matching by them makes the
// store agree with MemoryUserStore by construction, whatever the database's collation and ctype say lower() is.
function usersTableDdl({ users }: Tables): string {
  return `CREATE TABLE IF NOT EXISTS ${users} (
  id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  login text NOT NULL,
  email text NOT NULL,
  login_key text NOT NULL,
  email_key text NOT NULL,
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
  created_at timestamptz NOT NULL DEFAULT now(),
  recovery_code_hashes text[],
  email_verified boolean NOT NULL DEFAULT true
);`;
}

function keyIndexesDdl({ prefix, users }: Tables): string {
  return `CREATE UNIQUE INDEX IF NOT EXISTS "${prefix}users_login_key_idx" ON ${users} (login_key);
CREATE UNIQUE INDEX IF NOT EXISTS "${prefix}users_email_key_idx" ON ${users} (email_key);`;
}

function apiKeysTableDdl({ prefix, users, apiKeys }: Tables): string {
  return `CREATE TABLE IF NOT EXISTS ${apiKeys} (
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
CREATE INDEX IF NOT EXISTS "${prefix}api_keys_owner_id_idx" ON ${apiKeys} (owner_id);`;
}

// Passkeys: public keys only. The counter is WebAuthn's unsigned 32-bit signature counter, hence bigint.
function passkeysTableDdl({ prefix, users, passkeys }: Tables): string {
  return `CREATE TABLE IF NOT EXISTS ${passkeys} (
  id text PRIMARY KEY,
  user_id text NOT NULL REFERENCES ${users} (id) ON DELETE CASCADE,
  credential_id text NOT NULL UNIQUE,
  public_key text NOT NULL,
  counter bigint NOT NULL DEFAULT 0,
  transports text[] NOT NULL DEFAULT '{}',
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz
);
CREATE INDEX IF NOT EXISTS "${prefix}passkeys_user_id_idx" ON ${passkeys} (user_id);`;
}

/**
 * The DDL for {@link PostgresUserStore}'s tables on a fresh database (idempotent: CREATE ... IF NOT EXISTS), for your
 * own migration tool. `gen_random_uuid()` needs PostgreSQL 13 or later.
 *
 * To upgrade a users table made by an earlier version (with `lower(login)` indexes and no `login_key`/`email_key`
 * columns), call `migrate()` once instead: the new columns are filled in JavaScript, which SQL alone cannot do.
 */
export function postgresUserStoreSchema(options: PostgresSchemaOptions = {}): string {
  const tables = resolveTables(options, 'postgresUserStoreSchema');
  return [usersTableDdl(tables), keyIndexesDdl(tables), apiKeysTableDdl(tables), passkeysTableDdl(tables)].join('\n');
}

// Rows backfilled per round trip when upgrading a table of an earlier version.
const BACKFILL_BATCH = 1_000;
// Finishing the upgrade fails if a process of an earlier version adds a user (with no keys) after the backfill.
const MIGRATION_ATTEMPTS = 5;

/**
 * {@link UserStore} in PostgreSQL. Call `migrate()` once at start-up (or run {@link postgresUserStoreSchema}'s SQL
 * in your migrations). Login and email are unique ignoring case and looked up by `foldName()` keys computed in
 * JavaScript (columns `login_key`, `email_key`), so they match exactly the names {@link MemoryUserStore} matches,
 * whatever the database's collation.
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

  /**
   * Creates the tables and indexes when missing, and upgrades a users table made by an earlier version (adds
   * `login_key` and `email_key`, fills them in JavaScript, indexes them, drops the old `lower()` indexes).
   * Safe to run from several processes at once. Throws, leaving the old indexes in place, when two existing users'
   * logins (or emails) fold to the same key.
   */
  async migrate(): Promise<void> {
    const { schema, prefix, users } = this.tables;
    // Each multi-statement query runs as one transaction on one connection, so the advisory lock serialises
    // concurrent migrations (CREATE ... IF NOT EXISTS alone can still race on the catalog). The backfill between the
    // two steps needs no lock: concurrent backfills write the same keys.
    const lock = `SELECT pg_advisory_xact_lock(hashtext('express-auth-kit:${schema}.${prefix}'));\n`;
    // The ALTERs are guarded, so that a table already upgraded is not locked exclusively at every start-up.
    const hasNullableKey = `EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = '${users}'::regclass
      AND attname IN ('login_key', 'email_key') AND NOT attisdropped AND NOT attnotnull)`;
    await this.pool.query(
      `${lock}${usersTableDdl(this.tables)}
DO $$ BEGIN
  IF (SELECT count(*) FROM pg_attribute WHERE attrelid = '${users}'::regclass
      AND attname IN ('login_key', 'email_key') AND NOT attisdropped) < 2 THEN
    ALTER TABLE ${users} ADD COLUMN IF NOT EXISTS login_key text, ADD COLUMN IF NOT EXISTS email_key text;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = '${users}'::regclass
      AND attname = 'recovery_code_hashes' AND NOT attisdropped) THEN
    ALTER TABLE ${users} ADD COLUMN IF NOT EXISTS recovery_code_hashes text[];
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = '${users}'::regclass
      AND attname = 'email_verified' AND NOT attisdropped) THEN
    ALTER TABLE ${users} ADD COLUMN IF NOT EXISTS email_verified boolean NOT NULL DEFAULT true;
  END IF;
END $$;`,
    );
    for (let attempt = 1; ; attempt++) {
      await this.backfillNameKeys();
      try {
        await this.pool.query(
          `${lock}DO $$ BEGIN
  IF ${hasNullableKey} THEN
    ALTER TABLE ${users} ALTER COLUMN login_key SET NOT NULL, ALTER COLUMN email_key SET NOT NULL;
  END IF;
END $$;
${keyIndexesDdl(this.tables)}
DROP INDEX IF EXISTS "${schema}"."${prefix}users_login_lower_idx";
DROP INDEX IF EXISTS "${schema}"."${prefix}users_email_lower_idx";
${apiKeysTableDdl(this.tables)}
${passkeysTableDdl(this.tables)}`,
        );
        return;
      } catch (error) {
        const code = (error as { code?: unknown } | null)?.code;
        // 23502: a process of an earlier version added a user without keys since the backfill; backfill again.
        if (code === '23502' && attempt < MIGRATION_ATTEMPTS) continue;
        if (code === '23505') throw await this.describeDuplicateKeys(error);
        throw error;
      }
    }
  }

  // Until an upgrade from an earlier version is finished (the key columns still nullable), computes every row's keys
  // and writes those that are missing or stale: a failed upgrade is fixed by renaming a user in SQL, which leaves the
  // key of the previous attempt behind. A row whose login or email changed since it was read is skipped; if that
  // leaves a key NULL, SET NOT NULL fails and migrate() comes back here.
  private async backfillNameKeys(): Promise<void> {
    const { users } = this.tables;
    const { rows: pending } = await this.pool.query(
      `SELECT 1 FROM pg_attribute WHERE attrelid = '${users}'::regclass
         AND attname IN ('login_key', 'email_key') AND NOT attisdropped AND NOT attnotnull`,
    );
    if (pending.length === 0) return;
    for (let after: string | null = null; ; ) {
      const { rows } = await this.pool.query(
        `SELECT id, login, email, login_key, email_key FROM ${users} WHERE $1::text IS NULL OR id > $1
         ORDER BY id LIMIT $2`,
        [after, BACKFILL_BATCH],
      );
      const last = rows.at(-1);
      if (!last) return;
      after = text(last, 'id');
      const stale = rows
        .map((row) => ({ row, loginKey: foldName(text(row, 'login')), emailKey: foldName(text(row, 'email')) }))
        .filter(({ row, loginKey, emailKey }) => row.login_key !== loginKey || row.email_key !== emailKey);
      if (stale.length === 0) continue;
      await this.pool.query(
        `UPDATE ${users} AS u SET login_key = v.login_key, email_key = v.email_key
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS v(id, login, email, login_key, email_key)
         WHERE u.id = v.id AND u.login = v.login AND u.email = v.email`,
        [
          stale.map(({ row }) => text(row, 'id')),
          stale.map(({ row }) => text(row, 'login')),
          stale.map(({ row }) => text(row, 'email')),
          stale.map(({ loginKey }) => loginKey),
          stale.map(({ emailKey }) => emailKey),
        ],
      );
    }
  }

  private async describeDuplicateKeys(cause: unknown): Promise<Error> {
    const { users } = this.tables;
    const { rows } = await this.pool.query(
      `SELECT kind, array_agg(id ORDER BY id) AS ids FROM (
         SELECT 'login' AS kind, login_key AS key, id FROM ${users} UNION ALL
         SELECT 'email' AS kind, email_key AS key, id FROM ${users}) AS k
       WHERE key IS NOT NULL GROUP BY kind, key HAVING count(*) > 1 ORDER BY kind DESC, min(id) LIMIT 1`,
    );
    const row = rows[0];
    if (!row) return cause instanceof Error ? cause : new Error(String(cause));
    const ids = (optionalTextArray(row, 'ids') ?? []).map((id) => `"${id}"`).join(' and ');
    const kind = text(row, 'kind');
    return new Error(
      `PostgresUserStore.migrate: users ${ids} in ${users} have ${kind}s that are equal ignoring case as this ` +
        `version compares them (String.prototype.toLowerCase(), not the database's lower()); change one ${kind} and ` +
        'run migrate() again. The old lower() indexes are still in place, so earlier versions keep working.',
      { cause },
    );
  }

  /** Inserts a user (for seeding and admin tools); `id` defaults to a random UUID. Returns the stored user. */
  async addUser(user: Omit<User, 'id'> & { id?: string }): Promise<User> {
    if (!isStorableName(user.login) || !isStorableName(user.email)) {
      throw new TypeError('PostgresUserStore: a login or email must not contain U+0000 or a lone surrogate.');
    }
    const { rows } = await this.pool.query(
      `INSERT INTO ${this.tables.users} (id, login, email, password_hash, authorities, first_name, last_name,
         image_url, lang_key, disabled, second_factor, totp_secret, password_expires_at, last_login_at, created_at,
         login_key, email_key)
       VALUES (COALESCE($1, gen_random_uuid()::text), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
         COALESCE($15, now()), $16, $17)
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
        foldName(user.login),
        foldName(user.email),
      ],
    );
    return toUser(firstRow(rows));
  }

  /**
   * Creates an unverified (or verified) user at sign-up. The unique indexes decide between concurrent sign-ups; a
   * login equal to another user's email (or the reverse) is refused by the same statement.
   */
  async createUser(user: NewUser): Promise<CreateUserResult> {
    if (!isStorableName(user.login) || !isStorableName(user.email)) {
      throw new TypeError('PostgresUserStore: a login or email must not contain U+0000 or a lone surrogate.');
    }
    const { users } = this.tables;
    const loginKey = foldName(user.login);
    const emailKey = foldName(user.email);
    if (loginKey === emailKey) return { taken: 'login' };
    try {
      const { rows } = await this.pool.query(
        `INSERT INTO ${users} (login, email, password_hash, authorities, first_name, last_name, image_url, lang_key,
           email_verified, login_key, email_key)
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11
         WHERE NOT EXISTS (SELECT 1 FROM ${users} WHERE login_key IN ($10, $11) OR email_key IN ($10, $11))
         RETURNING *`,
        [
          user.login,
          user.email,
          user.passwordHash,
          [...user.authorities],
          user.firstName ?? null,
          user.lastName ?? null,
          user.imageUrl ?? null,
          user.langKey ?? null,
          user.emailVerified,
          loginKey,
          emailKey,
        ],
      );
      if (rows[0]) return { user: toUser(rows[0]) };
    } catch (error) {
      // 23505: a concurrent sign-up took the login or the email between the check and the insert.
      if ((error as { code?: unknown } | null)?.code !== '23505') throw error;
    }
    const { rows } = await this.pool.query(`SELECT 1 FROM ${users} WHERE login_key = $1 OR email_key = $1`, [loginKey]);
    return { taken: rows.length > 0 ? 'login' : 'email' };
  }

  async markEmailVerified(id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(`UPDATE ${this.tables.users} SET email_verified = true WHERE id = $1`, [id]);
    return (rowCount ?? 0) > 0;
  }

  async findByLogin(loginOrEmail: string): Promise<User | null> {
    // No text column holds U+0000 (PostgreSQL would reject the query), and a lone surrogate would reach the database
    // as U+FFFD: neither is anyone's name.
    if (!isStorableName(loginOrEmail)) return null;
    // One user's login may equal another's email (the two unique indexes are separate); the login match wins.
    const { rows } = await this.pool.query(
      `SELECT * FROM ${this.tables.users} WHERE login_key = $1 OR email_key = $1
       ORDER BY login_key = $1 DESC LIMIT 1`,
      [foldName(loginOrEmail)],
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

  async replacePasswordHash(id: string, expectedHash: string, newHash: string): Promise<boolean> {
    // One conditional UPDATE: the row lock makes the check and the write atomic against a concurrent updatePassword.
    const { rowCount } = await this.pool.query(
      `UPDATE ${this.tables.users} SET password_hash = $3 WHERE id = $1 AND password_hash = $2`,
      [id, expectedHash, newHash],
    );
    return (rowCount ?? 0) > 0;
  }

  async updateSecondFactor(id: string, method: SecondFactorMethod | null, totpSecret: string | null): Promise<void> {
    await this.pool.query(`UPDATE ${this.tables.users} SET second_factor = $2, totp_secret = $3 WHERE id = $1`, [
      id,
      method,
      totpSecret,
    ]);
  }

  async replaceRecoveryCodes(id: string, codeHashes: readonly string[]): Promise<void> {
    await this.pool.query(`UPDATE ${this.tables.users} SET recovery_code_hashes = $2 WHERE id = $1`, [id, [...codeHashes]]);
  }

  // One conditional UPDATE: a concurrent consumer of the same code waits for the row lock, re-checks the condition
  // on the updated row, and finds the code gone.
  async consumeRecoveryCode(id: string, codeHash: string): Promise<number | null> {
    const { rows } = await this.pool.query(
      `UPDATE ${this.tables.users} SET recovery_code_hashes = array_remove(recovery_code_hashes, $2)
       WHERE id = $1 AND $2 = ANY(recovery_code_hashes) RETURNING cardinality(recovery_code_hashes) AS remaining`,
      [id, codeHash],
    );
    return rows.length === 0 ? null : Number(rows[0]!.remaining);
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

  // One statement: a key created by a request racing the revocation is either deleted here or created after it.
  async deleteApiKeysOfOwner(ownerId: string): Promise<ApiKeyRecord[]> {
    const { rows } = await this.pool.query(`DELETE FROM ${this.tables.apiKeys} WHERE owner_id = $1 RETURNING *`, [ownerId]);
    return rows.map(toApiKey).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id));
  }

  async touchApiKey(id: string, at: Date): Promise<void> {
    await this.pool.query(`UPDATE ${this.tables.apiKeys} SET last_used_at = $2 WHERE id = $1`, [id, at]);
  }

  async createPasskey(record: PasskeyRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.tables.passkeys} (id, user_id, credential_id, public_key, counter, transports, name, created_at,
         last_used_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [record.id, record.userId, record.credentialId, record.publicKey, record.counter, [...record.transports], record.name, record.createdAt, record.lastUsedAt],
    );
  }

  async listPasskeys(userId: string): Promise<PasskeyRecord[]> {
    const { rows } = await this.pool.query(`SELECT * FROM ${this.tables.passkeys} WHERE user_id = $1 ORDER BY created_at, id`, [userId]);
    return rows.map(toPasskey);
  }

  async findPasskeyByCredentialId(credentialId: string): Promise<PasskeyRecord | null> {
    const { rows } = await this.pool.query(`SELECT * FROM ${this.tables.passkeys} WHERE credential_id = $1`, [credentialId]);
    return rows[0] ? toPasskey(rows[0]) : null;
  }

  // One conditional UPDATE: of two sign-ins that read one counter, only the first writes.
  async updatePasskeyUse(id: string, expectedCounter: number, counter: number, at: Date): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE ${this.tables.passkeys} SET counter = $3, last_used_at = $4 WHERE id = $1 AND counter = $2`,
      [id, expectedCounter, counter, at],
    );
    return (rowCount ?? 0) > 0;
  }

  async renamePasskey(userId: string, id: string, name: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(`UPDATE ${this.tables.passkeys} SET name = $3 WHERE id = $1 AND user_id = $2`, [id, userId, name]);
    return (rowCount ?? 0) > 0;
  }

  async deletePasskey(userId: string, id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(`DELETE FROM ${this.tables.passkeys} WHERE id = $1 AND user_id = $2`, [id, userId]);
    return (rowCount ?? 0) > 0;
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
    recoveryCodesRemaining: Array.isArray(row.recovery_code_hashes) ? row.recovery_code_hashes.length : null,
    emailVerified: row.email_verified !== false,
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

function toPasskey(row: Row): PasskeyRecord {
  return {
    id: text(row, 'id'),
    userId: text(row, 'user_id'),
    credentialId: text(row, 'credential_id'),
    publicKey: text(row, 'public_key'),
    // bigint arrives as a string from pg.
    counter: Number(row.counter),
    transports: optionalTextArray(row, 'transports') ?? [],
    name: text(row, 'name'),
    createdAt: optionalDate(row, 'created_at') ?? new Date(0),
    lastUsedAt: optionalDate(row, 'last_used_at'),
  };
}
