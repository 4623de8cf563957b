// The express-auth-kit command itself: the command list, --version, per-command help, and usage errors (exit 2).
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT, runCli } from './helpers/run-cli';

const COMMANDS = ['hash-password', 'generate-secret', 'generate-keys', 'rotate-keys', 'migrate'];

describe('express-auth-kit (the CLI)', () => {
  it('--help lists every command on stdout and exits 0', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^Usage: express-auth-kit <command>/);
    for (const command of COMMANDS) expect(result.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(result.stdout).toMatch(/0 ok, 1 the command failed, 2 usage error/);
  });

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    const result = await runCli(['--version']);
    expect(result).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('an unknown command exits 2 with the usage on stderr and nothing on stdout', async () => {
    const result = await runCli(['hash-passwords']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/unknown command "hash-passwords"/);
    expect(result.stderr).toMatch(/Usage: express-auth-kit <command>/);
  });

  it('no command at all is a usage error', async () => {
    const result = await runCli([]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/Usage: express-auth-kit <command>/);
  });

  it.each(COMMANDS)('%s --help prints its usage on stdout and does nothing else', async (command) => {
    // stdin is a password here: --help must win over reading it.
    const result = await runCli([command, '--help'], { stdin: 'correct horse battery\n' });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(new RegExp(`^Usage: express-auth-kit ${command}`));
    expect(result.stdout).toMatch(/Exit codes: 0 /);
  });

  it('an unknown option of a command exits 2, naming it, with the synopsis on stderr', async () => {
    const result = await runCli(['generate-secret', '--length', '12']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/Unknown option '--length'/);
    expect(result.stderr).toMatch(/Usage: express-auth-kit generate-secret/);
  });
});
