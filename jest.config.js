// Jest: ts-jest transpiles, *.test.ts under __tests__ are the suites. AUTH_KIT_EXPRESS=4 (set by
// scripts/test-express4.sh) runs them on the Express 4.21 in .express4/node_modules instead of the dev install.
const fs = require('node:fs');
const path = require('node:path');

/** moduleNameMapper sending every require of express (lib/, tests, examples, dependencies) to Express 4.21. */
function express4Mapping() {
  const express4 = path.join(module.path, '.express4', 'node_modules', 'express'); // module.path: this file's folder
  const manifest = path.join(express4, 'package.json');
  const version = fs.existsSync(manifest) ? JSON.parse(fs.readFileSync(manifest, 'utf8')).version : undefined;
  // A run meant for Express 4 must never pass on Express 5 by falling back to the dev install.
  if (typeof version !== 'string' || !version.startsWith('4.21.')) {
    throw new Error(
      `AUTH_KIT_EXPRESS=4 needs express 4.21.x in ${express4} (found ${version ?? 'nothing'}): run scripts/test-express4.sh`,
    );
  }
  return { '^express$': express4, '^express/(.*)$': `${express4}/$1` };
}

const express = process.env.AUTH_KIT_EXPRESS;
if (express !== undefined && express !== '4' && express !== '5') {
  throw new Error(`AUTH_KIT_EXPRESS must be 4 or 5 (the dev install), not "${express}"`);
}

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // Only *.test.ts files are suites; helpers and contract suites beside them are not collected.
  testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
  transform: {
    // Type-checking is `npm run typecheck`'s job; with isolatedModules in tsconfig.json ts-jest only transpiles.
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  moduleNameMapper: express === '4' ? express4Mapping() : {},
  testTimeout: 20000,
};
