// `express-auth-kit generate-secret`: a random HMAC signing secret of the length its algorithm needs.
import { randomBytes } from 'node:crypto';
import { HMAC_ALGORITHMS, HMAC_MIN_BYTES, type HmacAlgorithm } from '../tokens/keys';
import { oneOf, parseCommandArgs, writeResult, type CliCommand } from './command';

const usage = `Usage: express-auth-kit generate-secret [--algorithm HS256|HS384|HS512]

Prints only a new secret for the "secret" option: ${HMAC_ALGORITHMS.map((a) => `${HMAC_MIN_BYTES[a]} bytes for ${a}`).join(', ')}
(the hash's output size, RFC 7518 §3.2), from the operating system's CSPRNG, encoded as base64url.

Options:
  --algorithm A   HS256, HS384 or HS512 (default HS256)
  -h, --help      Show this help

Example:
  JWT_SECRET=$(npx express-auth-kit generate-secret --algorithm HS512)

Exit codes: 0 the secret is on stdout, 2 usage error.`;

export const generateSecretCommand: CliCommand = {
  name: 'generate-secret',
  summary: 'Print a new random HMAC secret (base64url) for HS256, HS384 or HS512',
  usage,
  async run(args) {
    const values = parseCommandArgs(args, { algorithm: { type: 'string' } });
    const algorithm: HmacAlgorithm = oneOf(values.algorithm, HMAC_ALGORITHMS, 'algorithm') ?? 'HS256';
    await writeResult(randomBytes(HMAC_MIN_BYTES[algorithm]).toString('base64url'));
  },
};
