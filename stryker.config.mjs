// @ts-check
// StrykerJS configuration for every scope (mutation.scopes.mjs); MUTATION_SCOPE selects one.
// Incremental: a re-run only re-tests mutants whose code or covering tests changed.
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { resolve } from 'node:path';
import { currentScope } from './mutation.scopes.mjs';

const scope = currentScope();
const tempDirName = `.stryker-tmp-${scope.name}`;

// Tests read `../shared` beside the repository (IDLs, Wycheproof vectors). Stryker runs them in a
// sandbox, `<tempDir>/sandbox-*/`, whose `../shared` is `<tempDir>/shared`: link it there, or those
// test files would load nothing (the Wycheproof suites skip, the IDL suites fail to import) and
// their mutants would look uncovered.
const shared = resolve('..', 'shared');
const link = resolve(tempDirName, 'shared');
if (existsSync(shared) && !existsSync(link)) {
  mkdirSync(tempDirName, { recursive: true });
  symlinkSync(shared, link, 'dir');
}

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
  tempDirName,
  // Another scope's temp directory (two scopes may run at once) holds sandboxes and a link to
  // ../shared: never copy it into this sandbox.
  ignorePatterns: ['/.stryker-tmp-*', '/reports'],
  cleanTempDir: true,
};
