import { defineConfig } from 'vitest/config';

// Mutation testing (npm run mutation, docs/MUTATION.md): the record format, records and the vault
// MAC, with the tests that pin them. No database services (no globalSetup), one backend.
export default defineConfig({
  test: {
    include: [
      'test/records/**/*.test.ts',
      'test/primitives/encoding.test.ts',
      'test/vault/canonical.test.ts',
      'test/vault/mac.test.ts',
    ],
    provide: { cryptoBackend: 'node' },
    setupFiles: ['test/setup/mutation.ts'],
    testTimeout: 60_000,
  },
});
