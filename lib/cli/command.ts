// What every CLI command shares: the exit codes, the two kinds of error, argument parsing, and writing results.
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** The CLI's exit codes: 0 done, 1 the command failed, 2 it was called wrongly (the usage is on stderr). */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** The command line is wrong (unknown option, missing or bad value): exit 2 with the command's usage. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The command was called rightly but could not do its work (weak password, file exists, database down): exit 1. */
export class CommandFailure extends Error {
  override readonly name = 'CommandFailure';
}

/** One `express-auth-kit <name>` command. */
export interface CliCommand {
  name: string;
  /** One line for the command list of `express-auth-kit --help`. */
  summary: string;
  /** The full text of `express-auth-kit <name> --help`. */
  usage: string;
  /** Does the work; throws UsageError or CommandFailure. `args` come after the command name. */
  run(args: string[]): Promise<void>;
}

export type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/**
 * `util.parseArgs` in strict mode, its errors turned into UsageErrors. Positional arguments are refused without
 * repeating them (one might be a secret typed in the wrong place).
 */
export function parseCommandArgs<T extends OptionsConfig>(args: string[], options: T) {
  let parsed;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (parsed.positionals.length > 0) {
    throw new UsageError(
      `unexpected argument${parsed.positionals.length > 1 ? 's' : ''} (this command takes options only).`,
    );
  }
  return parsed.values;
}

/** Chooses one of `allowed` for the option `name`, or explains which values work. */
export function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], name: string): T | undefined {
  if (value === undefined) return undefined;
  const chosen = allowed.find((candidate) => candidate === value);
  if (chosen !== undefined) return chosen;
  throw new UsageError(`--${name} must be one of ${allowed.join(', ')}; got "${value}".`);
}

/** An integer option within [min, max], or a UsageError naming the option and its range. */
export function integerOption(value: string | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const number = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(number) || number < min || number > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}; got "${value}".`);
  }
  return number;
}

/** The `code` of a Node.js system error (`'ENOENT'`, `'EEXIST'`...) or of a pg error, if `error` has one. */
export function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}

/** Writes a result line on stdout, resolving once it is flushed (so the process may exit right after). */
export function writeResult(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(`${text}\n`, (error) => (error ? reject(error) : resolve()));
  });
}

/** A note for the person at the terminal (a warning, a prompt): stderr, never mixed with results. */
export function writeNote(text: string): void {
  process.stderr.write(`${text}\n`);
}
