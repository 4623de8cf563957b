// rotate-keys: the next key is published in jwks.json beside the signing one, and replaced keys keep verifying.
import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { printedKid, readJwks, signWithKeyDir, verifyWithJwks } from './helpers/keys';
import { runCli, scratchDir } from './helpers/run-cli';

let scratch: ReturnType<typeof scratchDir>;
beforeEach(() => (scratch = scratchDir('rotate')));
afterEach(() => scratch.remove());

async function generate(alg: string): Promise<string> {
  const result = await runCli(['generate-keys', '--algorithm', alg, '--out', scratch.dir]);
  expect(result.code).toBe(0);
  return printedKid(result.stdout);
}

const kidsOf = (dir: string) =>
  readJwks(dir)
    .keys.map((key) => key.kid)
    .sort();

describe('express-auth-kit rotate-keys', () => {
  it('publishes a new key beside the old one, which keeps signing until publish-ahead has passed', async () => {
    const oldKid = await generate('EdDSA');
    const oldToken = await signWithKeyDir(scratch.dir, 'EdDSA', oldKid);
    const oldPrivate = readFileSync(path.join(scratch.dir, 'private.pem'), 'utf8');

    const result = await runCli(['rotate-keys', '--dir', scratch.dir]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const newKid = printedKid(result.stdout);
    expect(newKid).not.toBe(oldKid);
    expect(result.stdout).toMatch(new RegExp(`^next +${newKid} EdDSA signs from `, 'm'));
    expect(result.stdout).toMatch(new RegExp(`^signing ${oldKid} EdDSA`, 'm'));

    const jwks = readJwks(scratch.dir);
    expect(kidsOf(scratch.dir)).toEqual([newKid, oldKid].sort());
    expect(jwks.keys.every((key) => key.alg === 'EdDSA' && key.use === 'sig' && !('d' in key))).toBe(true);
    expect(readFileSync(path.join(scratch.dir, 'private.pem'), 'utf8')).toBe(oldPrivate);
    expect(statSync(path.join(scratch.dir, `${newKid}.private.pem`)).mode & 0o777).toBe(0o600);

    await expect(verifyWithJwks(oldToken, jwks)).resolves.toBe('user-1');
    const newToken = await signWithKeyDir(scratch.dir, 'EdDSA', newKid, `${newKid}.private.pem`);
    await expect(verifyWithJwks(newToken, jwks)).resolves.toBe('user-1');
    // A token naming the new kid but signed with the old key does not verify: the kids name different keys.
    const mislabelled = await signWithKeyDir(scratch.dir, 'EdDSA', newKid);
    await expect(verifyWithJwks(mislabelled, jwks)).rejects.toThrow();

    // Run again (as cron would): a next key is already waiting, so nothing is created.
    const again = await runCli(['rotate-keys', '--dir', scratch.dir]);
    expect(again.code).toBe(0);
    expect(again.stdout).not.toMatch(/^created/m);
    expect(kidsOf(scratch.dir)).toEqual([newKid, oldKid].sort());
  });

  it('with --publish-ahead 0 the new key signs at once and the old one only verifies', async () => {
    const oldKid = await generate('ES256');
    const result = await runCli(['rotate-keys', '--dir', scratch.dir, '--publish-ahead', '0', '--algorithm', 'EdDSA']);
    expect(result.code).toBe(0);
    const newKid = printedKid(result.stdout);
    expect(result.stdout).toMatch(new RegExp(`^signing ${newKid} EdDSA`, 'm'));
    expect(result.stdout).toMatch(new RegExp(`^retired ${oldKid} ES256 .*verifies until `, 'm'));
    expect(
      readJwks(scratch.dir)
        .keys.map((key) => [key.kid, key.alg])
        .sort(),
    ).toEqual(
      [
        [newKid, 'EdDSA'],
        [oldKid, 'ES256'],
      ].sort(),
    );
  });

  it('fails (exit 1) on a folder that is not a key folder', async () => {
    const result = await runCli(['rotate-keys', '--dir', scratch.dir]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/neither keys\.json nor private\.pem is there/);
  });

  it.each([
    [[]],
    [['--dir', '.', '--every', 'monthly']],
    [['--dir', '.', '--every', '1h']], // not longer than the default publish-ahead of 1h
    [['--dir', '.', '--algorithm', 'HS256']],
  ])('is a usage error (exit 2) with %j', async (args) => {
    if (args.length > 0) await generate('EdDSA');
    const jwksBefore = args.length > 0 ? readFileSync(path.join(scratch.dir, 'jwks.json'), 'utf8') : undefined;
    const result = await runCli(['rotate-keys', ...args], { cwd: scratch.dir });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/--dir|--every|--algorithm/);
    if (jwksBefore !== undefined) expect(readFileSync(path.join(scratch.dir, 'jwks.json'), 'utf8')).toBe(jwksBefore);
  });
});
