/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // Only *.test.ts files are suites; helpers and contract suites beside them are not collected.
  testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
  transform: {
    // Type-checking is `npm run typecheck`'s job; with isolatedModules in tsconfig.json ts-jest only transpiles.
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  testTimeout: 20000,
};
