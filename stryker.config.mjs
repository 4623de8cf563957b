// StrykerJS over one group of the security core (scripts/mutation-groups.mjs), chosen by MUTATE_GROUP. Run it through
// `npm run mutate [-- group...]` (scripts/mutate.mjs), which runs every group and prints the scores. Not in CI: too
// slow for two cores. See docs/mutation-testing.md.
import { existsSync, readdirSync } from 'node:fs';
import { GROUPS } from './scripts/mutation-groups.mjs';

const name = process.env.MUTATE_GROUP ?? 'tokens';
const group = GROUPS[name];
if (group === undefined)
  throw new Error(`MUTATE_GROUP must be one of ${Object.keys(GROUPS).join(', ')}; got "${name}"`);

// The topic folders of __tests__ (login, tokens, sessions, …) but for those that need services, a browser or docs.
const notMutationTests = new Set(['helpers', 'contracts', 'integration', 'browser', 'clients', 'docs', 'cli']);
const topics = readdirSync('__tests__', { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && !notMutationTests.has(entry.name))
  .map((entry) => `__tests__/${entry.name}`);
const named = topics.flatMap((dir) =>
  readdirSync(dir)
    .filter((file) => file.endsWith('.test.ts') && group.testsNamed.test(file))
    .map((file) => `${dir}/${file}`),
);
// MUTATE_FILES / MUTATE_TESTS (comma-separated) narrow a run, e.g. to a few lines or to the fast unit tests on a busy
// machine; reports then cover only that subset (docs/mutation-testing.md says which subsets were measured).
const list = (value) => (value === undefined || value === '' ? undefined : value.split(','));
const tests = (list(process.env.MUTATE_TESTS) ?? [...new Set([...group.tests, ...named])]).filter((file) =>
  existsSync(file),
);
const mutate = (list(process.env.MUTATE_FILES) ?? group.mutate).filter((file) => existsSync(file.split(':')[0]));

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'jest',
  jest: {
    projectType: 'custom',
    configFile: 'jest.config.js',
    // Only the group's own tests: every test that covers a mutant runs for it, and the whole suite would take hours.
    config: { testMatch: tests.map((file) => `<rootDir>/${file}`) },
    enableFindRelatedTests: false,
  },
  mutate,
  coverageAnalysis: 'perTest',
  // The machine's two cores are shared.
  concurrency: 1,
  // Static mutants (module-level constants) re-run every test of the group each: too slow at concurrency 1.
  ignoreStatic: true,
  // Type errors are not mutants worth a verdict; ts-jest only transpiles (no TypeScript checker: too slow here).
  disableTypeChecks: 'lib/**/*.ts',
  timeoutMS: 20000,
  reporters: ['clear-text', 'progress-append-only', 'json', 'html'],
  jsonReporter: { fileName: `reports/mutation/${name}/mutation.json` },
  htmlReporter: { fileName: `reports/mutation/${name}/index.html` },
  incremental: process.env.MUTATE_INCREMENTAL === '1',
  incrementalFile: `reports/mutation/${name}/incremental.json`,
  tempDirName: `.stryker-tmp/${name}`,
  ignorePatterns: ['reports', '.stryker-tmp', '.express4', 'dist', 'coverage', 'bench/results', 'test-results'],
  clearTextReporter: { allowColor: false, logTests: false, reportMutants: false },
};
