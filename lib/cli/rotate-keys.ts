// `express-auth-kit rotate-keys`: one rotation step for a key folder, by the library's rotateKeyDirectory().
import * as path from 'node:path';
import { parseDuration, type Duration } from '../primitives/duration';
import { ASYMMETRIC_ALGORITHMS } from '../tokens/jws';
import { rotateKeyDirectory, type RotateKeyDirectoryOptions } from '../tokens/key-directory';
import { CommandFailure, UsageError, oneOf, parseCommandArgs, writeResult, type CliCommand } from './command';

const usage = `Usage: express-auth-kit rotate-keys --dir DIR [--algorithm A] [--every D] [--publish-ahead D] [--retain-for D]

One rotation step for a folder made by generate-keys (safe to run again, e.g. daily from cron; run it in one place):
  1. drops the keys every token of which has expired (removed from jwks.json, their <kid>.*.pem files deleted);
  2. unless a next key is already waiting, creates one (<kid>.private.pem, mode 0600, and <kid>.public.pem) and
     publishes it in jwks.json at once; it starts signing --publish-ahead later, so every verifier has it by then;
  3. the key it replaces keeps verifying for --retain-for after it stops signing.
keys.json records the schedule, which every instance loading the folder (loadKeySetFromDirectory) follows.
Prints "created <kid>" when it made a key, then one line per key: state (next, signing, retired), kid,
algorithm and times, and "dropped <kid>" per key removed.

Options:
  --dir DIR             The key folder; required
  --algorithm A         The new key's algorithm: EdDSA, ES256 or RS256 (default: the signing key's)
  --every D             Create the next key only when the signing key is this old, e.g. 30d (default: every run)
  --publish-ahead D     How long the new key is published before it signs, e.g. 1h, or 0 to sign at once
                        (default: keys.json's, else 1h)
  --retain-for D        How long a replaced key keeps verifying (default: keys.json's, else 30 days + 60 s);
                        make it longer than your longest-lived token
  -h, --help            Show this help
Durations: a whole number of seconds, or with a unit: 90s, 15m, 1h, 30d.

Exit codes: 0 rotated (or nothing was due), 1 the folder is not a key folder or cannot be written, 2 usage error.`;

// A Duration is what parseDuration accepts (the library parses it again, by the same function): this says so to the
// type checker, which cannot read the pattern in a template literal type.
function isDuration(value: string): value is Extract<Duration, string> {
  return parseDuration(value) !== undefined;
}

function durationOption(value: string | undefined, name: string, allowZero = false): Duration | undefined {
  if (value === undefined) return undefined;
  if (allowZero && value.trim() === '0') return 0;
  const normalized = /^\d+$/.test(value) ? `${value}s` : value;
  if (!isDuration(normalized)) {
    throw new UsageError(
      `--${name} must be a duration such as 90s, 15m, 1h or 30d${allowZero ? ', or 0' : ''}; got "${value}".`,
    );
  }
  return normalized;
}

const iso = (time: number | undefined) => (time === undefined ? undefined : new Date(time).toISOString());

export const rotateKeysCommand: CliCommand = {
  name: 'rotate-keys',
  summary: 'Add the next signing key to a generate-keys folder; older keys keep verifying',
  usage,
  async run(args) {
    const values = parseCommandArgs(args, {
      dir: { type: 'string' },
      algorithm: { type: 'string' },
      every: { type: 'string' },
      'publish-ahead': { type: 'string' },
      'retain-for': { type: 'string' },
    });
    if (!values.dir) throw new UsageError('--dir is required: the folder generate-keys wrote.');
    const options: RotateKeyDirectoryOptions = {};
    const algorithm = oneOf(values.algorithm, ASYMMETRIC_ALGORITHMS, 'algorithm');
    if (algorithm !== undefined) options.algorithm = algorithm;
    const every = durationOption(values.every, 'every');
    if (every !== undefined) options.every = every;
    const publishAhead = durationOption(values['publish-ahead'], 'publish-ahead', true);
    if (publishAhead !== undefined) options.publishAhead = publishAhead;
    const retainFor = durationOption(values['retain-for'], 'retain-for');
    if (retainFor !== undefined) options.retainFor = retainFor;

    let rotation;
    try {
      rotation = rotateKeyDirectory(path.resolve(values.dir), options);
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
      // The library names its options ("every", "publishAhead"): those are the command line's fault.
      const option = /^"(every|publishAhead|retainFor|algorithm)"/.exec(error.message)?.[1];
      if (option)
        throw new UsageError(error.message.replace(/^"publishAhead"/, '--publish-ahead').replace(/^"(\w+)"/, '--$1'));
      throw new CommandFailure(error.message);
    }
    const lines: string[] = [];
    if (rotation.created !== undefined) lines.push(`created ${rotation.created}`);
    for (const key of rotation.keys) {
      const times = [
        key.signsFrom !== undefined ? `signs from ${iso(key.signsFrom)}` : undefined,
        key.retiredAt !== undefined ? `retired at ${iso(key.retiredAt)}` : undefined,
        key.dropAt !== undefined ? `verifies until ${iso(key.dropAt)}` : undefined,
      ].filter(Boolean);
      lines.push([key.state.padEnd(7), key.kid, key.algorithm, ...times].join(' '));
    }
    for (const kid of rotation.dropped) lines.push(`dropped ${kid}`);
    await writeResult(lines.join('\n'));
  },
};
