// Writing generate-keys' files without ever overwriting by accident or exposing the private key for a moment.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CommandFailure, errorCode } from './command';

/** Which of `names` already exist in `dir`. */
export async function existingFiles(dir: string, names: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const name of names) {
    try {
      await fs.lstat(path.join(dir, name));
      found.push(name);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw error;
    }
  }
  return found;
}

/**
 * Writes each file through a temporary file in the same folder, created with its final mode (0600 for a private key,
 * so it is never readable by others, not even for a moment), then moved into place: with `replace`, a rename
 * (atomic); without, a hard link, which fails if the name was taken in the meantime, so nothing is overwritten.
 */
export async function writeFiles(
  dir: string,
  files: readonly { name: string; text: string; mode: number }[],
  options: { replace: boolean },
): Promise<void> {
  for (const { name, text, mode } of files) {
    const target = path.join(dir, name);
    const temporary = path.join(dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
    await fs.writeFile(temporary, text, { mode, flag: 'wx' });
    try {
      await fs.chmod(temporary, mode); // writeFile's mode is filtered by the umask; set it exactly
      if (options.replace) {
        await fs.rename(temporary, target);
      } else {
        try {
          await fs.link(temporary, target);
        } catch (error) {
          if (errorCode(error) === 'EEXIST') {
            throw new CommandFailure(`${target} already exists; use --force to overwrite it.`);
          }
          throw error;
        }
      }
    } finally {
      await fs.rm(temporary, { force: true });
    }
  }
}
