// hash-password: the password from stdin (or a no-echo prompt at a terminal), the policy, and only the hash on stdout.
import { spawn, spawnSync } from 'node:child_process';
import { compareSync } from 'bcryptjs';
import { cliCommand, runCli } from './helpers/run-cli';

const PASSWORD = 'correct horse battery';

function expectOnlyAHash(stdout: string): string {
  expect(stdout).toMatch(/^\$2b\$04\$[./A-Za-z0-9]{53}\n$/);
  return stdout.trimEnd();
}

describe('express-auth-kit hash-password', () => {
  it('hashes the password read from stdin, less its trailing newline, and never echoes it', async () => {
    const result = await runCli(['hash-password', '--cost', '4'], { stdin: `${PASSWORD}\n` });
    expect(result.code).toBe(0);
    const hash = expectOnlyAHash(result.stdout);
    expect(compareSync(PASSWORD, hash)).toBe(true);
    expect(compareSync(`${PASSWORD}\n`, hash)).toBe(false);
    expect(result.stderr).not.toContain(PASSWORD);
    expect(result.stderr).toMatch(/cost 4 is below 10/);
  });

  it('takes a password without a newline, or with CRLF, as it is', async () => {
    const [bare, crlf] = await Promise.all([
      runCli(['hash-password', '--cost', '4'], { stdin: PASSWORD }),
      runCli(['hash-password', '--cost', '4'], { stdin: `${PASSWORD}\r\n` }),
    ]);
    expect(compareSync(PASSWORD, expectOnlyAHash(bare.stdout))).toBe(true);
    expect(compareSync(PASSWORD, expectOnlyAHash(crlf.stdout))).toBe(true);
  });

  it('hashes the NFKC form, as hashPassword does', async () => {
    const result = await runCli(['hash-password', '--cost', '4'], { stdin: '\uFB01ne-passphrase\n' }); // "ﬁ" ligature
    expect(result.code).toBe(0);
    expect(compareSync('fine-passphrase', expectOnlyAHash(result.stdout))).toBe(true);
  });

  it('refuses a too-short password with exit 1, naming the rule but not the password', async () => {
    const result = await runCli(['hash-password', '--cost', '4'], { stdin: 'short7!\n' });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/at least 8 characters\. \(rule: min_length\)/);
    expect(result.stderr).not.toContain('short7!');
  });

  it('refuses a password over 72 bytes (exit 1) rather than let bcrypt truncate it', async () => {
    const result = await runCli(['hash-password', '--cost', '4'], { stdin: `${'é'.repeat(37)}\n` }); // 74 bytes
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/rule: max_bytes/);
  });

  it('refuses more than one line and input that is not UTF-8 (exit 1)', async () => {
    const [twoLines, latin1] = await Promise.all([
      runCli(['hash-password', '--cost', '4'], { stdin: `${PASSWORD}\nsecond line\n` }),
      runCli(['hash-password', '--cost', '4'], { stdin: Buffer.from('mot de passe très long', 'latin1') }),
    ]);
    expect(twoLines).toMatchObject({ code: 1, stdout: '' });
    expect(twoLines.stderr).toMatch(/more than one line/);
    expect(twoLines.stderr).not.toContain(PASSWORD);
    expect(latin1).toMatchObject({ code: 1, stdout: '' });
    expect(latin1.stderr).toMatch(/not valid UTF-8/);
  });

  it.each([['--password', PASSWORD], [`--password=${PASSWORD}`]])(
    'refuses %s with exit 2, says why, and does not repeat the value',
    async (...args) => {
      const result = await runCli(['hash-password', ...args], { stdin: `${PASSWORD}\n` });
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/refusing --password: .*process list.*shell history.*stdin/s);
      expect(result.stderr).not.toContain(PASSWORD);
    },
  );

  it('refuses a password given as a positional argument without repeating it (exit 2)', async () => {
    const result = await runCli(['hash-password', 'hunter2-hunter2'], { stdin: `${PASSWORD}\n` });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/unexpected argument/);
    expect(result.stderr).not.toContain('hunter2');
  });

  it.each([['3'], ['16'], ['ten']])('refuses --cost %s with exit 2', async (cost) => {
    const result = await runCli(['hash-password', '--cost', cost], { stdin: `${PASSWORD}\n` });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/--cost must be an integer from 4 to 15/);
  });

  // script(1) gives the CLI a terminal on stdin; keys are typed only once the prompt shows (raw mode is on by then),
  // so any echo seen would be the CLI's.
  const hasScript = spawnSync('script', ['--version']).status === 0;
  if (!hasScript) console.warn('Skipping the hash-password terminal test: script(1) is not installed.');
  (hasScript ? it : it.skip)('at a terminal, prompts twice without echo and prints the hash', async () => {
    const command = ['node', ...cliCommand(['hash-password', '--cost', '4'])].map((arg) => `'${arg}'`).join(' ');
    const child = spawn('script', ['-qec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    let typed = 0;
    const done = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const prompts = (output.match(/Password: |Repeat the password: /g) ?? []).length;
      while (typed < prompts) {
        typed += 1;
        child.stdin.write(`${PASSWORD}\r`);
      }
      if (/\$2b\$04\$\S{53}/.test(output)) child.stdin.end();
    });
    expect(await done).toBe(0);
    expect(typed).toBe(2);
    expect(output).not.toContain(PASSWORD);
    const hash = /\$2b\$04\$\S{53}/.exec(output)![0];
    expect(compareSync(PASSWORD, hash)).toBe(true);
  });
});
