// `express-auth-kit generate-keys`: a new asymmetric signing key pair and the JWKS that publishes its public half.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ASYMMETRIC_ALGORITHMS } from '../tokens/jws';
import { JWKS_FILE, MANIFEST_FILE, PRIVATE_KEY_FILE, PUBLIC_KEY_FILE } from '../tokens/key-directory';
import { generateKeyPair } from '../tokens/key-material';
import { CommandFailure, UsageError, oneOf, parseCommandArgs, writeResult, type CliCommand } from './command';
import { existingFiles, writeFiles } from './key-files';

const KEY_FILES = [PRIVATE_KEY_FILE, PUBLIC_KEY_FILE, JWKS_FILE];

const usage = `Usage: express-auth-kit generate-keys --algorithm EdDSA|ES256|RS256 [--out DIR] [--force]

Writes a new key pair into DIR:
  private.pem   the private key, PKCS #8 PEM, file mode 0600: keep it secret, it signs the tokens
  public.pem    the public key, SPKI PEM
  jwks.json     { "keys": [ the public key as a JWK with kid (8 characters of its RFC 7638 thumbprint), alg and use: "sig" ] }
and prints the kid and the three paths. DIR is created (mode 0700) when missing. Existing files are never
overwritten unless --force is given; a folder rotate-keys has managed (it holds keys.json) is always refused.
RSA keys are 2048 bits. Load the folder with loadKeySetFromDirectory(DIR); rotate it with rotate-keys.

Options:
  --algorithm A   EdDSA (Ed25519), ES256 (P-256) or RS256 (RSA); required
  --out DIR       The folder to write into (default: the current folder)
  --force         Replace existing private.pem, public.pem and jwks.json
  -h, --help      Show this help

Exit codes: 0 the files are written, 1 a file exists already or cannot be written, 2 usage error.`;

export const generateKeysCommand: CliCommand = {
  name: 'generate-keys',
  summary: 'Write a new signing key pair: private.pem, public.pem and jwks.json',
  usage,
  async run(args) {
    const values = parseCommandArgs(args, {
      algorithm: { type: 'string' },
      out: { type: 'string' },
      force: { type: 'boolean' },
    });
    const algorithm = oneOf(values.algorithm, ASYMMETRIC_ALGORITHMS, 'algorithm');
    if (!algorithm) throw new UsageError(`--algorithm is required: one of ${ASYMMETRIC_ALGORITHMS.join(', ')}.`);
    if (values.out === '') throw new UsageError('--out must name a folder.');
    const dir = path.resolve(values.out ?? '.');
    const force = values.force === true;

    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    if ((await existingFiles(dir, [MANIFEST_FILE])).length > 0) {
      // Replacing private.pem under a manifest would leave keys.json naming a key that is gone.
      throw new CommandFailure(
        `${dir} holds ${MANIFEST_FILE}: it is a key set rotate-keys manages. Rotate it with rotate-keys, or start over in an empty folder.`,
      );
    }
    const existing = await existingFiles(dir, KEY_FILES);
    if (existing.length > 0 && !force) {
      throw new CommandFailure(
        `${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''} in ${dir}; use --force to overwrite.`,
      );
    }
    const pair = generateKeyPair(algorithm);
    await writeFiles(
      dir,
      [
        { name: PRIVATE_KEY_FILE, text: pair.privateKeyPem, mode: 0o600 },
        { name: PUBLIC_KEY_FILE, text: pair.publicKeyPem, mode: 0o644 },
        { name: JWKS_FILE, text: `${JSON.stringify({ keys: [pair.publicJwk] }, null, 2)}\n`, mode: 0o644 },
      ],
      { replace: force },
    );
    await writeResult([`kid ${pair.kid}`, ...KEY_FILES.map((name) => `wrote ${path.join(dir, name)}`)].join('\n'));
  },
};
