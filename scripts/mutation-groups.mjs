// The mutation-testing groups of the security core (`npm run mutate`, docs/mutation-testing.md): each group mutates a
// few files and runs only its own test files, so one group finishes in minutes. A listed file that does not exist
// (yet) is skipped; test files whose name matches `testsNamed` join the explicit list. A `file:from-to` entry mutates
// those lines only (Stryker's syntax): of key-set.ts, the verification-side lines (generation, signingKeyFor,
// verificationKey, the internal keys, keysAcceptingMissingKid, the removal count, pending, dropAt, stateOf, prune), not
// the start-up validation and rotation scheduling.
import { existsSync, readFileSync } from 'node:fs';

/**
 * `file:from-to` for the methods from the one whose line contains `first` to the end (the next line `  }`) of the one
 * whose line contains `last`: found in the source on every run, so the range follows the code when lines shift (fixed
 * numbers had drifted onto the wrong methods once internal keys were added). Throws when a marker is gone.
 */
function methods(file, first, last = first) {
  if (!existsSync(file)) return file;
  const lines = readFileSync(file, 'utf8').split('\n');
  const from = lines.findIndex((line) => line.includes(first));
  if (from < 0) throw new Error(`scripts/mutation-groups.mjs: no "${first}" in ${file}; update the markers`);
  const lastStart = lines.findIndex((line, index) => index >= from && line.includes(last));
  const to =
    last === first && !lines[from].trimEnd().endsWith('{')
      ? from
      : lines.findIndex((line, index) => index > lastStart && line === '  }');
  if (from < 0 || lastStart < 0 || to < 0)
    throw new Error(`scripts/mutation-groups.mjs: no "${first}" … "${last}" in ${file}; update the markers`);
  return `${file}:${from + 1}-${to + 1}`;
}

/** `file:from-to` from the line after the one containing `marker` to the next line containing `end`. */
function lines(file, marker, end) {
  if (!existsSync(file)) return file;
  const source = readFileSync(file, 'utf8').split('\n');
  const from = source.findIndex((line) => line.includes(marker)) + 1;
  const to = source.findIndex((line, index) => index >= from && line.includes(end));
  if (from < 1 || to < 0)
    throw new Error(`scripts/mutation-groups.mjs: no "${marker}" … "${end}" in ${file}; update the markers`);
  return `${file}:${from + 1}-${to + 1}`;
}

const KEY_SET = 'lib/tokens/key-set.ts';

export const GROUPS = {
  tokens: {
    mutate: [
      'lib/tokens/jws.ts',
      'lib/tokens/token-service.ts',
      methods(KEY_SET, 'get generation(): number {', 'keysAcceptingMissingKid(): PreparedKey[] {'),
      // The removal count at the end of install(): its condition and the count.
      lines(KEY_SET, '// A removed kid, or a kid whose key changed', 'this.removals += 1;'),
      methods(KEY_SET, 'private pending(now: number)', 'private prune(now: number)'),
    ],
    tests: [
      '__tests__/tokens/token-service.test.ts',
      '__tests__/tokens/key-set.test.ts',
      '__tests__/tokens/guard.security.test.ts',
    ],
    testsNamed: /^(token-|verified-token|jws|key-set|forged-signatures)/,
  },
  lockout: {
    mutate: ['lib/core/lockout.ts', 'lib/core/devices.ts'],
    tests: [
      '__tests__/login/lockout.test.ts',
      '__tests__/login/lockout.security.test.ts',
      '__tests__/login/device-cookie.security.test.ts',
      '__tests__/second-factor/second-factor-lockout.security.test.ts',
    ],
    testsNamed: /^(lockout|device-lockout|second-factor-lockout)/,
  },
  csrf: {
    mutate: ['lib/http/csrf.ts', 'lib/http/cookies.ts'],
    tests: ['__tests__/cookies/cookie-csrf.security.test.ts', '__tests__/cookies/cookie-transport.test.ts'],
    testsNamed: /^(csrf|cookie)/,
  },
  reset: {
    mutate: ['lib/core/password-reset.ts', 'lib/core/recovery-codes.ts'],
    tests: ['__tests__/passwords/password-reset.test.ts', '__tests__/second-factor/recovery-codes.test.ts'],
    testsNamed: /^(password-reset|reset-|recovery-code)/,
  },
  'step-up': {
    mutate: ['lib/core/step-up.ts'],
    tests: [],
    testsNamed: /step-up/,
  },
};
