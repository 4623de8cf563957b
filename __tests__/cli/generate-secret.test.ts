// generate-secret: only the secret on stdout, base64url, as many random bytes as the HMAC algorithm needs.
import { runCli } from './helpers/run-cli';

describe('express-auth-kit generate-secret', () => {
  it.each([
    [[], 32],
    [['--algorithm', 'HS256'], 32],
    [['--algorithm', 'HS384'], 48],
    [['--algorithm', 'HS512'], 64],
  ])('with %j prints a base64url secret of %d bytes and nothing else', async (args, bytes) => {
    const result = await runCli(['generate-secret', ...args]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^[A-Za-z0-9_-]+\n$/);
    const secret = result.stdout.trimEnd();
    expect(Buffer.from(secret, 'base64url')).toHaveLength(bytes);
    expect(Buffer.from(secret, 'base64url').toString('base64url')).toBe(secret);
  });

  it('prints a different secret every time', async () => {
    const [first, second] = await Promise.all([runCli(['generate-secret']), runCli(['generate-secret'])]);
    expect(first!.stdout).not.toBe(second!.stdout);
  });

  it.each([['RS256'], ['hs256'], ['']])('refuses --algorithm %j with exit 2', async (algorithm) => {
    const result = await runCli(['generate-secret', '--algorithm', algorithm]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/--algorithm must be one of HS256, HS384, HS512/);
  });
});
