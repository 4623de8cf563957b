/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // Only *.test.ts files are suites; helpers and contract suites beside them are not collected.
  testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
  transform: {
    // Type-checking is `npm run typecheck`'s job; transpiling alone keeps the suite fast.
    '^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }],
  },
  testTimeout: 20000,
};
