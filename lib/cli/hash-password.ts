// `express-auth-kit hash-password`: a bcrypt hash for seeding a UserStore, from a password read on stdin.
import { AuthError } from '../errors';
import { DEFAULT_BCRYPT_COST, hashPassword } from '../passwords/hasher';
import { BCRYPT_MAX_BYTES } from '../passwords/policy';
import {
  CommandFailure,
  UsageError,
  integerOption,
  parseCommandArgs,
  writeNote,
  writeResult,
  type CliCommand,
} from './command';
import { promptPassword, readPasswordFromPipe } from './read-password';

const usage = `Usage: express-auth-kit hash-password [--cost N] < password.txt

Reads a password on stdin (all of it, less one trailing newline; with a terminal on stdin, prompts twice without
echo), checks it against the default password policy (at least 8 characters, at most ${BCRYPT_MAX_BYTES} bytes after
Unicode NFKC normalisation) and prints only its bcrypt hash, as hashPassword() makes it.

The password is never taken from an argument: arguments show in the process list and in shell history.

Options:
  --cost N     bcrypt cost factor, 4 to 15 (default ${DEFAULT_BCRYPT_COST}; below 10 only for tests)
  -h, --help   Show this help

Example:
  printf '%s' "$ADMIN_PASSWORD" | npx express-auth-kit hash-password

Exit codes: 0 the hash is on stdout, 1 the password was refused, 2 usage error.`;

// `--password=…` would otherwise reach parseArgs, whose error message could repeat the value.
function refusePasswordArgument(args: string[]): void {
  const end = args.indexOf('--');
  for (const arg of end === -1 ? args : args.slice(0, end)) {
    if (arg === '--password' || arg.startsWith('--password=')) {
      throw new UsageError(
        'refusing --password: a password given as an argument is visible to other users in the process list and ' +
          'stays in shell history. Pipe it on stdin instead (printf \'%s\' "$PASSWORD" | express-auth-kit hash-password), ' +
          'or run the command at a terminal to be prompted.',
      );
    }
  }
}

export const hashPasswordCommand: CliCommand = {
  name: 'hash-password',
  summary: 'Hash a password read from stdin with bcrypt; prints only the hash',
  usage,
  async run(args) {
    refusePasswordArgument(args);
    const values = parseCommandArgs(args, { cost: { type: 'string' } });
    const cost = integerOption(values.cost, 'cost', 4, 15) ?? DEFAULT_BCRYPT_COST;
    if (cost < DEFAULT_BCRYPT_COST) {
      writeNote(
        `warning: cost ${cost} is below ${DEFAULT_BCRYPT_COST}, OWASP's floor: fine for tests, too weak for real passwords.`,
      );
    }
    const stdin = process.stdin;
    const password = stdin.isTTY ? await promptPassword(stdin) : await readPasswordFromPipe(stdin);
    let hash: string;
    try {
      hash = await hashPassword(password, { cost });
    } catch (error) {
      // The policy's message names the rule, never the password.
      if (error instanceof AuthError && error.code === 'weak_password') throw new CommandFailure(error.message);
      throw error;
    }
    await writeResult(hash);
  },
};
