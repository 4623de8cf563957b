// A UserStore in PostgreSQL: users and API keys in two tables, through the host's pg Pool or Client. The tables and
// their DDL are in postgres/schema.ts, their upgrade in postgres/migration.ts, the reading of rows in postgres/rows.ts;
// this module holds the queries of the UserStore methods.
import { foldName, isStorableName } from './fold-name';
import { migrateTables } from './postgres/migration';
import { firstRow, toApiKey, toPasskey, toUser } from './postgres/rows';
import { resolveTables, type PostgresSchemaOptions, type Tables } from './postgres/schema';
import { changedAny, pgErrorCode, type PgQueryable } from './postgres/sql';
import type {
  ApiKeyRecord,
  CreateUserResult,
  NewUser,
  PasskeyRecord,
  SecondFactorMethod,
  User,
  UserStore,
} from './types';

export { postgresUserStoreSchema, type PostgresSchemaOptions } from './postgres/schema';
export type { PgQueryable } from './postgres/sql';

export interface PostgresUserStoreOptions extends PostgresSchemaOptions {
  /** A `pg.Pool` (or a connected `pg.Client`); the store never ends it. */
  pool: PgQueryable;
}

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
    await migrateTables(this.pool, this.tables);
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
      if (pgErrorCode(error) !== '23505') throw error;
    }
    const { rows } = await this.pool.query(`SELECT 1 FROM ${users} WHERE login_key = $1 OR email_key = $1`, [loginKey]);
    return { taken: rows.length > 0 ? 'login' : 'email' };
  }

  async markEmailVerified(id: string): Promise<boolean> {
    return changedAny(
      await this.pool.query(`UPDATE ${this.tables.users} SET email_verified = true WHERE id = $1`, [id]),
    );
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
    const result = await this.pool.query(
      `UPDATE ${this.tables.users} SET password_hash = $3 WHERE id = $1 AND password_hash = $2`,
      [id, expectedHash, newHash],
    );
    return changedAny(result);
  }

  async updateSecondFactor(id: string, method: SecondFactorMethod | null, totpSecret: string | null): Promise<void> {
    await this.pool.query(`UPDATE ${this.tables.users} SET second_factor = $2, totp_secret = $3 WHERE id = $1`, [
      id,
      method,
      totpSecret,
    ]);
  }

  async replaceRecoveryCodes(id: string, codeHashes: readonly string[]): Promise<void> {
    await this.pool.query(`UPDATE ${this.tables.users} SET recovery_code_hashes = $2 WHERE id = $1`, [
      id,
      [...codeHashes],
    ]);
  }

  // One conditional UPDATE: a concurrent consumer of the same code waits for the row lock, re-checks the condition
  // on the updated row, and finds the code gone.
  async consumeRecoveryCode(id: string, codeHash: string): Promise<number | null> {
    const { rows } = await this.pool.query(
      `UPDATE ${this.tables.users} SET recovery_code_hashes = array_remove(recovery_code_hashes, $2)
       WHERE id = $1 AND $2 = ANY(recovery_code_hashes) RETURNING cardinality(recovery_code_hashes) AS remaining`,
      [id, codeHash],
    );
    const row = rows[0];
    return row === undefined ? null : Number(row.remaining);
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
    const result = await this.pool.query(`DELETE FROM ${this.tables.apiKeys} WHERE id = $1 AND owner_id = $2`, [
      id,
      ownerId,
    ]);
    return changedAny(result);
  }

  // One statement: a key created by a request racing the revocation is either deleted here or created after it.
  async deleteApiKeysOfOwner(ownerId: string): Promise<ApiKeyRecord[]> {
    const { rows } = await this.pool.query(`DELETE FROM ${this.tables.apiKeys} WHERE owner_id = $1 RETURNING *`, [
      ownerId,
    ]);
    return rows.map(toApiKey).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id));
  }

  async touchApiKey(id: string, at: Date): Promise<void> {
    await this.pool.query(`UPDATE ${this.tables.apiKeys} SET last_used_at = $2 WHERE id = $1`, [id, at]);
  }

  async createPasskey(record: PasskeyRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.tables.passkeys} (id, user_id, credential_id, public_key, counter, transports, name, created_at,
         last_used_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        record.id,
        record.userId,
        record.credentialId,
        record.publicKey,
        record.counter,
        [...record.transports],
        record.name,
        record.createdAt,
        record.lastUsedAt,
      ],
    );
  }

  async listPasskeys(userId: string): Promise<PasskeyRecord[]> {
    const { rows } = await this.pool.query(
      `SELECT * FROM ${this.tables.passkeys} WHERE user_id = $1 ORDER BY created_at, id`,
      [userId],
    );
    return rows.map(toPasskey);
  }

  async findPasskeyByCredentialId(credentialId: string): Promise<PasskeyRecord | null> {
    const { rows } = await this.pool.query(`SELECT * FROM ${this.tables.passkeys} WHERE credential_id = $1`, [
      credentialId,
    ]);
    return rows[0] ? toPasskey(rows[0]) : null;
  }

  // One conditional UPDATE: of two sign-ins that read one counter, only the first writes.
  async updatePasskeyUse(id: string, expectedCounter: number, counter: number, at: Date): Promise<boolean> {
    const result = await this.pool.query(
      `UPDATE ${this.tables.passkeys} SET counter = $3, last_used_at = $4 WHERE id = $1 AND counter = $2`,
      [id, expectedCounter, counter, at],
    );
    return changedAny(result);
  }

  async renamePasskey(userId: string, id: string, name: string): Promise<boolean> {
    return changedAny(
      await this.pool.query(`UPDATE ${this.tables.passkeys} SET name = $3 WHERE id = $1 AND user_id = $2`, [
        id,
        userId,
        name,
      ]),
    );
  }

  async deletePasskey(userId: string, id: string): Promise<boolean> {
    return changedAny(
      await this.pool.query(`DELETE FROM ${this.tables.passkeys} WHERE id = $1 AND user_id = $2`, [id, userId]),
    );
  }
}
