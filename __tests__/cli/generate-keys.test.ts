// generate-keys: private.pem (0600), public.pem and jwks.json; the JWKS verifies what the private key signs.
import { createPublicKey } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { calculateJwkThumbprint } from 'jose';
import { printedKid, readJwks, signWithKeyDir, verifyWithJwks } from './helpers/keys';
import { runCli, scratchDir } from './helpers/run-cli';

const FILES = ['private.pem', 'public.pem', 'jwks.json'];
let scratch: ReturnType<typeof scratchDir>;
beforeEach(() => (scratch = scratchDir('keys')));
afterEach(() => scratch.remove());

describe('express-auth-kit generate-keys', () => {
  it.each([
    ['EdDSA', { kty: 'OKP', crv: 'Ed25519' }],
    ['ES256', { kty: 'EC', crv: 'P-256' }],
    ['RS256', { kty: 'RSA', e: 'AQAB' }],
  ])('--algorithm %s writes three files whose JWKS verifies a token the private key signed', async (alg, shape) => {
    const out = path.join(scratch.dir, 'keys');
    const result = await runCli(['generate-keys', '--algorithm', alg, '--out', out]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    for (const name of FILES) expect(result.stdout).toContain(`wrote ${path.join(out, name)}`);

    expect(statSync(path.join(out, 'private.pem')).mode & 0o777).toBe(0o600);
    expect(statSync(out).mode & 0o777).toBe(0o700);
    const jwks = readJwks(out);
    expect(jwks.keys).toHaveLength(1);
    const [jwk] = jwks.keys;
    expect(jwk).toMatchObject({ ...shape, alg, use: 'sig', kid: printedKid(result.stdout) });
    expect(jwk).not.toHaveProperty('d'); // public members only
    // The kid is the RFC 7638 thumbprint's first 8 characters.
    expect(jwk!.kid).toBe((await calculateJwkThumbprint(jwk!, 'sha256')).slice(0, 8));
    // public.pem is the key the JWKS publishes.
    expect(createPublicKey(readFileSync(path.join(out, 'public.pem'))).export({ format: 'jwk' })).toEqual(
      createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' }).export({ format: 'jwk' }),
    );

    const token = await signWithKeyDir(out, alg, jwk!.kid!);
    await expect(verifyWithJwks(token, jwks)).resolves.toBe('user-1');
  });

  it('writes into the current folder by default', async () => {
    const result = await runCli(['generate-keys', '--algorithm', 'EdDSA'], { cwd: scratch.dir });
    expect(result.code).toBe(0);
    for (const name of FILES) expect(existsSync(path.join(scratch.dir, name))).toBe(true);
  });

  it('refuses to overwrite existing files (exit 1, nothing changed), and replaces them with --force', async () => {
    const first = await runCli(['generate-keys', '--algorithm', 'ES256', '--out', scratch.dir]);
    expect(first.code).toBe(0);
    const before = FILES.map((name) => readFileSync(path.join(scratch.dir, name), 'utf8'));

    const again = await runCli(['generate-keys', '--algorithm', 'ES256', '--out', scratch.dir]);
    expect(again.code).toBe(1);
    expect(again.stdout).toBe('');
    expect(again.stderr).toMatch(/private\.pem, public\.pem, jwks\.json already exist .*--force/);
    expect(FILES.map((name) => readFileSync(path.join(scratch.dir, name), 'utf8'))).toEqual(before);

    const forced = await runCli(['generate-keys', '--algorithm', 'ES256', '--out', scratch.dir, '--force']);
    expect(forced.code).toBe(0);
    expect(printedKid(forced.stdout)).not.toBe(printedKid(first.stdout));
    expect(readJwks(scratch.dir).keys.map((key) => key.kid)).toEqual([printedKid(forced.stdout)]);
    expect(statSync(path.join(scratch.dir, 'private.pem')).mode & 0o777).toBe(0o600);
  });

  it('refuses when any one of the files exists', async () => {
    writeFileSync(path.join(scratch.dir, 'jwks.json'), '{"keys":[]}');
    const result = await runCli(['generate-keys', '--algorithm', 'EdDSA', '--out', scratch.dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/jwks\.json already exists/);
    expect(existsSync(path.join(scratch.dir, 'private.pem'))).toBe(false);
  });

  it('refuses a folder rotate-keys manages (keys.json), even with --force', async () => {
    expect((await runCli(['generate-keys', '--algorithm', 'EdDSA', '--out', scratch.dir])).code).toBe(0);
    expect((await runCli(['rotate-keys', '--dir', scratch.dir])).code).toBe(0);
    const jwksBefore = readFileSync(path.join(scratch.dir, 'jwks.json'), 'utf8');
    const result = await runCli(['generate-keys', '--algorithm', 'EdDSA', '--out', scratch.dir, '--force']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/holds keys\.json: it is a key set rotate-keys manages/);
    expect(readFileSync(path.join(scratch.dir, 'jwks.json'), 'utf8')).toBe(jwksBefore);
  });

  it.each([[[]], [['--algorithm', 'HS256']], [['--algorithm', 'EdDSA', '--out', '']]])(
    'is a usage error (exit 2) with %j',
    async (args) => {
      const result = await runCli(['generate-keys', ...args], { cwd: scratch.dir });
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/--algorithm|--out/);
      expect(existsSync(path.join(scratch.dir, 'private.pem'))).toBe(false);
    },
  );
});
