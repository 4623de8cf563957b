// Where PostgresUserStore's tables live and their DDL, shared by a fresh install (postgresUserStoreSchema) and by
// migrate(), which creates the same tables and upgrades those of earlier versions.

/** Where the tables live. */
export interface PostgresSchemaOptions {
  /** The schema holding the tables; it must exist already. @default 'public' */
  schema?: string;
  /** Prepended to the table names (`auth_users`, `auth_api_keys`). @default 'auth_' */
  tablePrefix?: string;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

export interface Tables {
  schema: string;
  prefix: string;
  users: string;
  apiKeys: string;
  passkeys: string;
}

// Identifiers cannot be query parameters, so they are validated here and only then interpolated (and quoted, so a
// reserved word such as "user" still works as a schema name).
export function resolveTables(options: PostgresSchemaOptions, owner: string): Tables {
  const schema = options.schema ?? 'public';
  const prefix = options.tablePrefix ?? 'auth_';
  if (typeof schema !== 'string' || !IDENTIFIER.test(schema)) {
    throw new TypeError(`${owner}: "schema" option must match ${IDENTIFIER} (lower-case letters, digits, _).`);
  }
  if (typeof prefix !== 'string' || !IDENTIFIER.test(prefix)) {
    throw new TypeError(`${owner}: "tablePrefix" option must match ${IDENTIFIER} (lower-case letters, digits, _).`);
  }
  return {
    schema,
    prefix,
    users: `"${schema}"."${prefix}users"`,
    apiKeys: `"${schema}"."${prefix}api_keys"`,
    passkeys: `"${schema}"."${prefix}passkeys"`,
  };
}

// login_key and email_key hold foldName(login) and foldName(email), computed in JavaScript: matching by them makes the
// store agree with MemoryUserStore by construction, whatever the database's collation and ctype say lower() is.
export function usersTableDdl({ users }: Tables): string {
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

export function keyIndexesDdl({ prefix, users }: Tables): string {
  return `CREATE UNIQUE INDEX IF NOT EXISTS "${prefix}users_login_key_idx" ON ${users} (login_key);
CREATE UNIQUE INDEX IF NOT EXISTS "${prefix}users_email_key_idx" ON ${users} (email_key);`;
}

export function apiKeysTableDdl({ prefix, users, apiKeys }: Tables): string {
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
export function passkeysTableDdl({ prefix, users, passkeys }: Tables): string {
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
