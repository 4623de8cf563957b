// Runs the CLI from its TypeScript sources in a child process (node --import tsx), as a user's shell would.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const CLI_ENTRY = path.join(REPO_ROOT, 'lib', 'cli', 'main.ts');
// An absolute URL, so the CLI can run with any working directory (generate-keys writes into it by default).
export const TSX_LOADER = pathToFileURL(require.resolve('tsx', { paths: [REPO_ROOT] })).href;

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to the CLI's stdin, which is then closed (an empty stdin when omitted). */
  stdin?: string | Buffer;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Extra node options before the loader (e.g. `--require` a module-blocking hook). */
  nodeArgs?: string[];
}

/** The node arguments that run the CLI from the sources. */
export function cliCommand(args: string[], nodeArgs: string[] = []): string[] {
  return [...nodeArgs, '--import', TSX_LOADER, CLI_ENTRY, ...args];
}

export function runCli(args: string[], options: RunOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, cliCommand(args, options.nodeArgs), {
      cwd: options.cwd ?? REPO_ROOT,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin.on('error', () => undefined); // the CLI may exit (usage error) before reading stdin
    child.stdin.end(options.stdin ?? '');
  });
}

/** A fresh folder under the OS temp dir, removed by the returned function. */
export function scratchDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), `eak-cli-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
