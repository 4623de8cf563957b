// migrate: PostgresUserStore.migrate() against the test database (DATABASE_URL), each run in a fresh schema.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Pool } from 'pg';
import { runCli, scratchDir } from './helpers/run-cli';

const DATABASE_URL = process.env.DATABASE_URL;
if (!DATABASE_URL) console.warn('Skipping the migrate CLI tests against PostgreSQL: DATABASE_URL is not set.');
const describeWithPostgres = DATABASE_URL ? describe : describe.skip;

const HIDE_PG = path.join(__dirname, 'helpers', 'hide-pg.mjs');
const envWithout = (name: string): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== name));

describeWithPostgres('express-auth-kit migrate (PostgreSQL)', () => {
  const schema = `cli_migrate_${process.pid}_${randomUUID().slice(0, 8)}`;
  let pool: Pool;

  beforeAll(async () => {
    pool = new Pool({ connectionString: DATABASE_URL, max: 1 });
    await pool.query(`CREATE SCHEMA ${schema}`);
  });
  afterAll(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  });

  async function tablesIn(name: string): Promise<string[]> {
    const { rows } = await pool.query<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
      [name],
    );
    return rows.map((row) => row.table_name);
  }

  it('creates the tables in the schema (URL from --database-url), and is safe to run again', async () => {
    const args = ['migrate', '--database-url', DATABASE_URL!, '--schema', schema, '--table-prefix', 'kit_'];
    const result = await runCli(args, { env: envWithout('DATABASE_URL') });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(`migrated "${schema}"."kit_users" and "${schema}"."kit_api_keys"\n`);
    expect(await tablesIn(schema)).toEqual(['kit_api_keys', 'kit_passkeys', 'kit_users']);

    const again = await runCli(args, { env: envWithout('DATABASE_URL') });
    expect(again.code).toBe(0);
  });

  it('takes the URL from a file (--database-url-file) and from stdin (--database-url -)', async () => {
    const scratch = scratchDir('migrate');
    try {
      const file = path.join(scratch.dir, 'database-url');
      writeFileSync(file, `${DATABASE_URL!}\n`, { mode: 0o600 });
      const fromFile = await runCli(
        ['migrate', '--database-url-file', file, '--schema', schema, '--table-prefix', 'file_'],
        { env: envWithout('DATABASE_URL') },
      );
      expect(fromFile.code).toBe(0);
      expect(fromFile.stdout).toBe(`migrated "${schema}"."file_users" and "${schema}"."file_api_keys"\n`);
    } finally {
      scratch.remove();
    }
    const fromStdin = await runCli(['migrate', '--database-url', '-', '--schema', schema, '--table-prefix', 'stdin_'], {
      env: envWithout('DATABASE_URL'),
      stdin: `${DATABASE_URL!}\n`,
    });
    expect(fromStdin.code).toBe(0);
    expect(await tablesIn(schema)).toEqual(
      expect.arrayContaining(['file_api_keys', 'file_users', 'stdin_api_keys', 'stdin_users']),
    );
  });

  it('takes the URL from DATABASE_URL, with the default prefix', async () => {
    const result = await runCli(['migrate', '--schema', schema], { env: { ...process.env, DATABASE_URL } });
    expect(result.code).toBe(0);
    expect(await tablesIn(schema)).toEqual(expect.arrayContaining(['auth_api_keys', 'auth_users']));
  });

  it('fails (exit 1) with a clear message when the schema does not exist', async () => {
    const missing = `${schema}_missing`;
    const result = await runCli(['migrate', '--schema', missing], { env: { ...process.env, DATABASE_URL } });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`schema "${missing}" does not exist; create it first`);
    expect(await tablesIn(missing)).toEqual([]);
  });
});

describe('express-auth-kit migrate (no database needed)', () => {
  it('is a usage error (exit 2) without --database-url or DATABASE_URL', async () => {
    const result = await runCli(['migrate'], { env: envWithout('DATABASE_URL') });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /no database: set DATABASE_URL, or give --database-url-file PATH or --database-url - \(stdin\)/,
    );
  });

  it.each([
    ['in the URL', 'postgres://app:s3cret-Pa55@127.0.0.1:1/test'],
    ['as a query parameter', 'postgres://app@127.0.0.1:1/test?password=s3cret-Pa55'],
    ['percent-encoded', 'postgresql://app:s3cret%2DPa55@127.0.0.1:1/test'],
  ])(
    'refuses a URL with a password on the command line (%s): exit 2, saying why, printing no part of it',
    async (_how, url) => {
      const result = await runCli(['migrate', '--database-url', url], { env: envWithout('DATABASE_URL') });
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/--database-url carries a password/);
      expect(result.stderr).toMatch(/DATABASE_URL.*--database-url-file PATH.*--database-url -/s);
      for (const part of ['s3cret', 'Pa55', '%2D']) expect(result.stderr).not.toContain(part);
      // Nothing of the URL is echoed, not even the host.
      expect(result.stderr).not.toContain('127.0.0.1:1');
    },
  );

  it('reads the URL from --database-url-file PATH (the password stays off argv) and from stdin with --database-url -', async () => {
    const scratch = scratchDir('migrate');
    try {
      const file = path.join(scratch.dir, 'database-url');
      writeFileSync(file, 'postgres://app:s3cret-Pa55@127.0.0.1:1/test\n', { mode: 0o600 });
      const fromFile = await runCli(['migrate', '--database-url-file', file, '--schema', 'never_created'], {
        env: envWithout('DATABASE_URL'),
      });
      // It connected to the URL in the file: the port-1 database refuses the connection.
      expect(fromFile.code).toBe(1);
      expect(fromFile.stderr).toMatch(/ECONNREFUSED/);
      expect(fromFile.stderr).not.toContain('s3cret');
    } finally {
      scratch.remove();
    }
    const fromStdin = await runCli(['migrate', '--database-url', '-', '--schema', 'never_created'], {
      env: envWithout('DATABASE_URL'),
      stdin: 'postgres://app:s3cret-Pa55@127.0.0.1:1/test\n',
    });
    expect(fromStdin.code).toBe(1);
    expect(fromStdin.stderr).toMatch(/ECONNREFUSED/);
    expect(fromStdin.stderr).not.toContain('s3cret');
  });

  it.each([
    [
      'both --database-url and --database-url-file',
      ['--database-url', 'postgres://app@127.0.0.1:1/test', '--database-url-file', '/dev/null'],
      /not both/,
    ],
    ['an empty stdin', ['--database-url', '-'], /stdin holds no URL/],
    ['an empty file', ['--database-url-file', '/dev/null'], /holds no URL/],
  ])('refuses %s (exit 2)', async (_what, args, message) => {
    const result = await runCli(['migrate', ...args], { env: envWithout('DATABASE_URL') });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('fails (exit 1) when --database-url-file cannot be read', async () => {
    const result = await runCli(['migrate', '--database-url-file', '/nonexistent/database-url'], {
      env: envWithout('DATABASE_URL'),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot read --database-url-file: ENOENT/);
  });

  it('--help names the ways to give the URL without putting a password on argv', async () => {
    const result = await runCli(['migrate', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/--database-url-file PATH/);
    expect(result.stdout).toMatch(/--database-url -/);
    expect(result.stdout).toMatch(/DATABASE_URL/);
  });

  it.each([
    ['--schema', 'Public'],
    ['--table-prefix', 'auth-'],
  ])('refuses %s %s (exit 2) before connecting', async (option, value) => {
    const result = await runCli(['migrate', '--database-url', 'postgres://127.0.0.1:1/none', option, value]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${option} must be lower-case letters, digits and _`);
  });

  it('fails (exit 1) when the database cannot be reached, without a stack trace', async () => {
    const result = await runCli(['migrate', '--database-url', 'postgres://postgres@127.0.0.1:1/test']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^express-auth-kit migrate: the migration failed: .*ECONNREFUSED/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('says how to install pg when it is missing (exit 1)', async () => {
    const result = await runCli(['migrate', '--database-url', 'postgres://postgres@127.0.0.1:1/test'], {
      nodeArgs: ['--import', HIDE_PG],
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/the "pg" package is not installed, and migrate needs it: run `npm install pg`/);
  });
});
