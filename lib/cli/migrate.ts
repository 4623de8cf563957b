// `express-auth-kit migrate`: PostgresUserStore.migrate() from the command line, with pg loaded only when needed.
import { readFile } from 'node:fs/promises';
import { PostgresUserStore, postgresUserStoreSchema, type PgQueryable } from '../stores/postgres-user-store';
import { CommandFailure, UsageError, errorCode, parseCommandArgs, writeResult, type CliCommand } from './command';

const usage = `Usage: express-auth-kit migrate [--database-url-file PATH | --database-url - | --database-url URL]
                              [--schema S] [--table-prefix P]

Creates the PostgresUserStore tables and indexes when missing, and upgrades tables made by an earlier version
(PostgresUserStore.migrate()). Safe to run again, and from several processes at once. The schema must exist.
Needs the "pg" package installed beside express-auth-kit (npm install pg).

The connection string comes from the DATABASE_URL environment variable, a file, or stdin. A command line is no
place for a password (other users see it in the process list, and it stays in shell history): --database-url URL
is refused when the URL carries one.

Options:
  --database-url-file PATH  Read the connection string from PATH (one line)
  --database-url -          Read the connection string from stdin (one line)
  --database-url URL        A connection string without a password (peer, trust or .pgpass authentication)
  --schema S                The schema holding the tables (default public)
  --table-prefix P          Prepended to the table names (default auth_)
  -h, --help                Show this help

With none of them, DATABASE_URL is used.

Exit codes: 0 migrated, 1 the migration failed (pg missing, database unreachable, ...), 2 usage error.`;

const WAYS_WITHOUT_ARGV = 'set DATABASE_URL, or give --database-url-file PATH or --database-url - (stdin)';

/**
 * Whether a connection string holds a password: in the URL's user info, or as a `password` parameter (pg reads
 * both). What cannot be parsed as a URL is judged by its text, erring towards a refusal.
 */
function connectionStringHasPassword(connectionString: string): boolean {
  try {
    const url = new URL(connectionString);
    return url.password !== '' || [...url.searchParams.keys()].some((key) => key.toLowerCase() === 'password');
  } catch {
    return /password\s*=/i.test(connectionString) || /^[^/]*\/\/[^/@]*:[^/]*@/.test(connectionString);
  }
}

/** One line of text: the whole input less one trailing newline; empty or several lines is a usage error. */
function oneLine(text: string, source: string): string {
  const line = text.replace(/\r?\n$/, '').trim();
  if (line === '') throw new UsageError(`${source} holds no URL.`);
  if (/[\r\n]/.test(line))
    throw new UsageError(`${source} holds more than one line; give the connection string alone.`);
  return line;
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY)
    throw new UsageError('--database-url - reads the connection string from a pipe, and stdin is a terminal.');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return oneLine(Buffer.concat(chunks).toString('utf8'), 'stdin');
}

async function readUrlFile(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CommandFailure(`cannot read --database-url-file: ${errorCode(error) ?? String(error)}.`);
  }
  return oneLine(text, 'the --database-url-file');
}

/** The connection string from a file, stdin, the command line (without a password) or DATABASE_URL. */
async function connectionStringFrom(values: {
  'database-url'?: string;
  'database-url-file'?: string;
}): Promise<string> {
  const given = values['database-url'];
  const file = values['database-url-file'];
  if (given !== undefined && file !== undefined)
    throw new UsageError('give --database-url or --database-url-file, not both.');
  if (file !== undefined) return readUrlFile(file);
  if (given === '-') return readStdin();
  if (given !== undefined) {
    // The password is already in this process's argv; refusing keeps it out of the next run's, and says why.
    if (connectionStringHasPassword(given)) {
      throw new UsageError(
        `--database-url carries a password, which anyone on this machine can read in the process list and which stays in shell history; ${WAYS_WITHOUT_ARGV}.`,
      );
    }
    return given;
  }
  const fromEnvironment = process.env.DATABASE_URL;
  if (!fromEnvironment) throw new UsageError(`no database: ${WAYS_WITHOUT_ARGV}.`);
  return fromEnvironment;
}

interface PgPool extends PgQueryable {
  end(): Promise<void>;
}
type PgPoolConstructor = new (config: {
  connectionString: string;
  max: number;
  connectionTimeoutMillis: number;
}) => PgPool;

/** pg is the host's choice (a devDependency of ours), so it is loaded here, never at the library's import. */
async function loadPgPool(): Promise<PgPoolConstructor> {
  let pg: { Pool?: PgPoolConstructor; default?: { Pool?: PgPoolConstructor } };
  try {
    pg = (await import('pg')) as unknown as typeof pg;
  } catch (error) {
    const code = errorCode(error);
    if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') {
      throw new CommandFailure(
        'the "pg" package is not installed, and migrate needs it: run `npm install pg` and try again.',
      );
    }
    throw error;
  }
  const Pool = pg.Pool ?? pg.default?.Pool;
  if (typeof Pool !== 'function') throw new CommandFailure('the installed "pg" package has no Pool class.');
  return Pool;
}

// A message fit for a terminal: pg's own (it names what failed, never the password), and PostgreSQL's hint.
function describeDatabaseError(error: unknown, schema: string): string {
  if (errorCode(error) === '3F000')
    return `schema "${schema}" does not exist; create it first (CREATE SCHEMA ${schema}).`;
  const message = typeof error === 'object' && error !== null && 'message' in error ? error.message : undefined;
  return `the migration failed: ${String(message ?? error)}`;
}

export const migrateCommand: CliCommand = {
  name: 'migrate',
  summary: 'Create or upgrade the PostgresUserStore tables (needs the pg package)',
  usage,
  async run(args) {
    const values = parseCommandArgs(args, {
      'database-url': { type: 'string' },
      'database-url-file': { type: 'string' },
      schema: { type: 'string' },
      'table-prefix': { type: 'string' },
    });
    const schema = values.schema ?? 'public';
    const tablePrefix = values['table-prefix'] ?? 'auth_';

    try {
      postgresUserStoreSchema({ schema, tablePrefix }); // checks the names before anything loads or connects
    } catch (error) {
      const option = error instanceof Error && error.message.includes('"tablePrefix"') ? 'table-prefix' : 'schema';
      throw new UsageError(`--${option} must be lower-case letters, digits and _, not starting with a digit.`);
    }

    const connectionString = await connectionStringFrom(values);
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
