// The mutation-testing groups of the security core (`npm run mutate`, docs/mutation-testing.md): each group mutates a
// few files and runs only its own test files, so one group finishes in minutes. A listed file that does not exist
// (yet) is skipped; test files whose name matches `testsNamed` join the explicit list. A `file:from-to` entry mutates
// those lines only (Stryker's syntax): of key-set.ts, the verification-side lines (generation, signingKeyFor,
// verificationKey, the removal count, dropAt, prune), not the start-up validation and rotation scheduling.
export const GROUPS = {
  tokens: {
    mutate: ['lib/tokens/jws.ts', 'lib/tokens/token-service.ts', 'lib/tokens/key-set.ts:249-274', 'lib/tokens/key-set.ts:428-429', 'lib/tokens/key-set.ts:461-480'],
    tests: [
      '__tests__/unit/token-service.test.ts',
      '__tests__/unit/key-set.test.ts',
      '__tests__/http/guard.security.test.ts',
    ],
    testsNamed: /^(token-|verified-token|jws|key-set|forged-signatures)/,
  },
  lockout: {
    mutate: ['lib/core/lockout.ts', 'lib/core/devices.ts'],
    tests: [
      '__tests__/http/lockout.test.ts',
      '__tests__/http/lockout.security.test.ts',
      '__tests__/http/device-cookie.security.test.ts',
      '__tests__/http/second-factor-lockout.security.test.ts',
    ],
    testsNamed: /^(lockout|device-lockout|second-factor-lockout)/,
  },
  csrf: {
    mutate: ['lib/http/csrf.ts', 'lib/http/cookies.ts'],
    tests: ['__tests__/http/cookie-csrf.security.test.ts', '__tests__/http/cookie-transport.test.ts'],
    testsNamed: /^(csrf|cookie)/,
  },
  reset: {
    mutate: ['lib/core/password-reset.ts', 'lib/core/recovery-codes.ts'],
    tests: ['__tests__/http/password-reset.test.ts', '__tests__/http/recovery-codes.test.ts'],
    testsNamed: /^(password-reset|reset-|recovery-code)/,
  },
  'step-up': {
    mutate: ['lib/core/step-up.ts'],
    tests: [],
    testsNamed: /step-up/,
  },
};
