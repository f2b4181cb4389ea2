import { defineConfig } from 'vitest/config';

// Mutation testing (npm run mutation, docs/MUTATION.md). Two scopes, so that each mutant runs
// only the tests of its own layer (the vault tests seal hundreds of records and would make every
// record mutant cost seconds): MUTATION_SCOPE=records (src/records) or vault (src/vault/mac.ts).
// No database services (no globalSetup), one backend.
const scope = process.env['MUTATION_SCOPE'] === 'vault' ? 'vault' : 'records';
const include =
  scope === 'records'
    ? ['test/records/**/*.test.ts', 'test/primitives/encoding.test.ts']
    : ['test/vault/canonical.test.ts', 'test/vault/mac.test.ts'];

export default defineConfig({
  test: {
    include,
    provide: { cryptoBackend: 'node' },
    setupFiles: ['test/setup/mutation.ts'],
    testTimeout: 60_000,
  },
});
