import { defineConfig } from 'vitest/config';
import { currentScope } from './mutation.scopes.mjs';

// Mutation testing (npm run mutation, docs/MUTATION.md): MUTATION_SCOPE selects the layer, so that
// each mutant runs only the tests of its own layer (mutation.scopes.mjs). No database services (no
// globalSetup), one backend.
const scope = currentScope();

export default defineConfig({
  test: {
    include: scope.tests.filter((p) => !p.startsWith('!')),
    exclude: ['**/node_modules/**', ...scope.tests.filter((p) => p.startsWith('!')).map((p) => p.slice(1))],
    provide: { cryptoBackend: 'node' },
    setupFiles: ['test/setup/mutation.ts'],
    testTimeout: 60_000,
    // MUTATION_ISOLATE=0: test files share one module graph across mutant runs (much faster).
    isolate: process.env.MUTATION_ISOLATE !== '0',
  },
});
