// PostgresUserStore.migrate(): creates the tables when missing and upgrades a users table made by an earlier version,
// whose name keys were lower() indexes in SQL rather than foldName() columns filled in JavaScript.
import { foldName } from '../fold-name';
import { optionalTextArray, text } from './rows';
import { apiKeysTableDdl, keyIndexesDdl, passkeysTableDdl, usersTableDdl, type Tables } from './schema';
import { pgErrorCode, type PgQueryable } from './sql';

// Rows backfilled per round trip when upgrading a table of an earlier version.
const BACKFILL_BATCH = 1_000;
// Finishing the upgrade fails if a process of an earlier version adds a user (with no keys) after the backfill.
const MIGRATION_ATTEMPTS = 5;

/**
 * Creates the tables and indexes when missing, and upgrades a users table made by an earlier version (adds
 * `login_key` and `email_key`, fills them in JavaScript, indexes them, drops the old `lower()` indexes).
 * Safe to run from several processes at once. Throws, leaving the old indexes in place, when two existing users'
 * logins (or emails) fold to the same key.
 */
export async function migrateTables(pool: PgQueryable, tables: Tables): Promise<void> {
  const { schema, prefix, users } = tables;
  // Each multi-statement query runs as one transaction on one connection, so the advisory lock serialises
  // concurrent migrations (CREATE ... IF NOT EXISTS alone can still race on the catalog). The backfill between the
  // two steps needs no lock: concurrent backfills write the same keys.
  const lock = `SELECT pg_advisory_xact_lock(hashtext('express-auth-kit:${schema}.${prefix}'));\n`;
  // The ALTERs are guarded, so that a table already upgraded is not locked exclusively at every start-up.
  const hasNullableKey = `EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = '${users}'::regclass
      AND attname IN ('login_key', 'email_key') AND NOT attisdropped AND NOT attnotnull)`;
  await pool.query(`${lock}${usersTableDdl(tables)}\n${addMissingColumnsSql(tables)}`);
  for (let attempt = 1; ; attempt++) {
    await backfillNameKeys(pool, tables);
    try {
      await pool.query(
        `${lock}DO $$ BEGIN
  IF ${hasNullableKey} THEN
    ALTER TABLE ${users} ALTER COLUMN login_key SET NOT NULL, ALTER COLUMN email_key SET NOT NULL;
  END IF;
END $$;
${keyIndexesDdl(tables)}
DROP INDEX IF EXISTS "${schema}"."${prefix}users_login_lower_idx";
DROP INDEX IF EXISTS "${schema}"."${prefix}users_email_lower_idx";
${apiKeysTableDdl(tables)}
${passkeysTableDdl(tables)}`,
      );
      return;
    } catch (error) {
      const code = pgErrorCode(error);
      // 23502: a process of an earlier version added a user without keys since the backfill; backfill again.
      if (code === '23502' && attempt < MIGRATION_ATTEMPTS) continue;
      if (code === '23505') throw await describeDuplicateKeys(pool, tables, error);
      throw error;
    }
  }
}

// The columns later versions added to the users table; the ALTERs are guarded so that a table already upgraded is
// not locked exclusively at every start-up.
function addMissingColumnsSql({ users }: Tables): string {
  return `DO $$ BEGIN
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
END $$;`;
}

// Until an upgrade from an earlier version is finished (the key columns still nullable), computes every row's keys
// and writes those that are missing or stale: a failed upgrade is fixed by renaming a user in SQL, which leaves the
// key of the previous attempt behind. A row whose login or email changed since it was read is skipped; if that
// leaves a key NULL, SET NOT NULL fails and migrate() comes back here.
async function backfillNameKeys(pool: PgQueryable, { users }: Tables): Promise<void> {
  const { rows: pending } = await pool.query(
    `SELECT 1 FROM pg_attribute WHERE attrelid = '${users}'::regclass
         AND attname IN ('login_key', 'email_key') AND NOT attisdropped AND NOT attnotnull`,
  );
  if (pending.length === 0) return;
  for (let after: string | null = null; ;) {
    const { rows } = await pool.query(
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
    await pool.query(
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

/** The error for two users whose names fold to one key: it names them, so the operator knows which to rename. */
async function describeDuplicateKeys(pool: PgQueryable, { users }: Tables, cause: unknown): Promise<Error> {
  const { rows } = await pool.query(
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
