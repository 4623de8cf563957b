// `express-auth-kit migrate`: PostgresUserStore.migrate() from the command line, with pg loaded only when needed.
import { PostgresUserStore, postgresUserStoreSchema, type PgQueryable } from '../stores/postgres-user-store';
import { CommandFailure, UsageError, parseCommandArgs, writeResult, type CliCommand } from './command';

const usage = `Usage: express-auth-kit migrate [--database-url URL] [--schema S] [--table-prefix P]

Creates the PostgresUserStore tables and indexes when missing, and upgrades tables made by an earlier version
(PostgresUserStore.migrate()). Safe to run again, and from several processes at once. The schema must exist.
Needs the "pg" package installed beside express-auth-kit (npm install pg).

Options:
  --database-url URL   The PostgreSQL connection string (default: the DATABASE_URL environment variable)
  --schema S           The schema holding the tables (default public)
  --table-prefix P     Prepended to the table names (default auth_)
  -h, --help           Show this help

Exit codes: 0 migrated, 1 the migration failed (pg missing, database unreachable, ...), 2 usage error.`;

interface PgPool extends PgQueryable {
  end(): Promise<void>;
}
type PgPoolConstructor = new (config: { connectionString: string; max: number; connectionTimeoutMillis: number }) => PgPool;

/** pg is the host's choice (a devDependency of ours), so it is loaded here, never at the library's import. */
async function loadPgPool(): Promise<PgPoolConstructor> {
  let pg: { Pool?: PgPoolConstructor; default?: { Pool?: PgPoolConstructor } };
  try {
    pg = (await import('pg')) as unknown as typeof pg;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') {
      throw new CommandFailure('the "pg" package is not installed, and migrate needs it: run `npm install pg` and try again.');
    }
    throw error;
  }
  const Pool = pg.Pool ?? pg.default?.Pool;
  if (typeof Pool !== 'function') throw new CommandFailure('the installed "pg" package has no Pool class.');
  return Pool;
}

// A message fit for a terminal: pg's own (it names what failed, never the password), and PostgreSQL's hint.
function describeDatabaseError(error: unknown, schema: string): string {
  const pgError = error as { code?: string; message?: string } | undefined;
  if (pgError?.code === '3F000') return `schema "${schema}" does not exist; create it first (CREATE SCHEMA ${schema}).`;
  return `the migration failed: ${pgError?.message ?? String(error)}`;
}

export const migrateCommand: CliCommand = {
  name: 'migrate',
  summary: 'Create or upgrade the PostgresUserStore tables (needs the pg package)',
  usage,
  async run(args) {
    const values = parseCommandArgs(args, {
      'database-url': { type: 'string' },
      schema: { type: 'string' },
      'table-prefix': { type: 'string' },
    });
    const connectionString = values['database-url'] ?? process.env.DATABASE_URL;
    if (!connectionString) throw new UsageError('no database: give --database-url URL or set DATABASE_URL.');
    const schema = values.schema ?? 'public';
    const tablePrefix = values['table-prefix'] ?? 'auth_';

    try {
      postgresUserStoreSchema({ schema, tablePrefix }); // checks the names before anything loads or connects
    } catch (error) {
      const option = error instanceof Error && error.message.includes('"tablePrefix"') ? 'table-prefix' : 'schema';
      throw new UsageError(`--${option} must be lower-case letters, digits and _, not starting with a digit.`);
    }

    const Pool = await loadPgPool();
    const pool = new Pool({ connectionString, max: 1, connectionTimeoutMillis: 10_000 });
    try {
      await new PostgresUserStore({ pool, schema, tablePrefix }).migrate();
    } catch (error) {
      throw new CommandFailure(describeDatabaseError(error, schema));
    } finally {
      await pool.end().catch(() => undefined);
    }
    await writeResult(`migrated "${schema}"."${tablePrefix}users" and "${schema}"."${tablePrefix}api_keys"`);
  },
};
