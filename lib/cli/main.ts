#!/usr/bin/env node
// The `express-auth-kit` command: dispatches to one file per command, maps errors to exit codes (0, 1, 2).
import { version } from '../../package.json';
import { CommandFailure, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError, type CliCommand } from './command';
import { generateKeysCommand } from './generate-keys';
import { generateSecretCommand } from './generate-secret';
import { hashPasswordCommand } from './hash-password';
import { migrateCommand } from './migrate';
import { PromptInterrupted } from './read-password';
import { rotateKeysCommand } from './rotate-keys';

const COMMANDS: readonly CliCommand[] = [
  hashPasswordCommand,
  generateSecretCommand,
  generateKeysCommand,
  rotateKeysCommand,
  migrateCommand,
];

const width = Math.max(...COMMANDS.map((command) => command.name.length)) + 2;
const mainUsage = `Usage: express-auth-kit <command> [options]

Commands:
${COMMANDS.map((command) => `  ${command.name.padEnd(width)} ${command.summary}`).join('\n')}

Options:
  -h, --help      Show this help; \`express-auth-kit <command> --help\` shows a command's
  -v, --version   Print the version

Exit codes: 0 ok, 1 the command failed, 2 usage error. Results go to stdout, messages to stderr.`;

function wantsHelp(args: string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

/** Runs one command line (without `node` and the script) and answers its exit code. */
async function runCli(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined) {
    process.stderr.write(`${mainUsage}\n`);
    return EXIT_USAGE;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const command = COMMANDS.find((candidate) => candidate.name === args[0]);
    process.stdout.write(`${command ? command.usage : mainUsage}\n`);
    return EXIT_OK;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${version}\n`);
    return EXIT_OK;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    const what = name.startsWith('-') ? `unknown option "${name}"` : `unknown command "${name}"`;
    process.stderr.write(`express-auth-kit: ${what}.\n\n${mainUsage}\n`);
    return EXIT_USAGE;
  }
  if (wantsHelp(args)) {
    process.stdout.write(`${command.usage}\n`);
    return EXIT_OK;
  }
  try {
    await command.run(args);
    return EXIT_OK;
  } catch (error) {
    if (error instanceof UsageError) {
      // The message, the command's synopsis, and where the rest is: the whole help would bury the message.
      const synopsis = command.usage.split('\n', 1)[0];
      process.stderr.write(
        `express-auth-kit ${command.name}: ${error.message}\n${synopsis}\nRun \`express-auth-kit ${command.name} --help\` for the options.\n`,
      );
      return EXIT_USAGE;
    }
    if (error instanceof PromptInterrupted) return 130;
    process.stderr.write(
      `express-auth-kit ${command.name}: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    // An unexpected error's stack helps a bug report; DEBUG=1 shows it.
    if (!(error instanceof CommandFailure) && process.env.DEBUG && error instanceof Error)
      process.stderr.write(`${error.stack}\n`);
    return EXIT_FAILURE;
  }
}

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`express-auth-kit: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = EXIT_FAILURE;
  },
);
