// @ts-check
// StrykerJS configuration for every scope (mutation.scopes.mjs); MUTATION_SCOPE selects one.
// Incremental: a re-run only re-tests mutants whose code or covering tests changed.
import { currentScope } from './mutation.scopes.mjs';

const scope = currentScope();

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  mutate: scope.mutate,
  coverageAnalysis: 'perTest',
  concurrency: Number(process.env.MUTATION_CONCURRENCY ?? 1),
  timeoutMS: 10000,
  ignoreStatic: true,
  incremental: true,
  incrementalFile: `reports/mutation/${scope.name}.incremental.json`,
  reporters: ['clear-text', 'json', 'progress'],
  jsonReporter: { fileName: `reports/mutation/${scope.name}.json` },
  tempDirName: `.stryker-tmp-${scope.name}`,
  cleanTempDir: true,
};
