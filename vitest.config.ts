import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Examples and e2e tests import the public entry points by package name ('agentvault/vault');
// resolve them to the sources named in package.json `exports` (dist -> src), exactly as
// tsconfig `paths` does for tsc and tsx. test/package.test.ts checks the built dist separately.
const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const alias = Object.entries<{ default: string } | string>(pkg.exports)
  .filter(([subpath]) => subpath !== './package.json')
  .map(([subpath, target]) => ({
    find: new RegExp(`^agentvault${subpath.slice(1).replace(/\//g, '\\/')}$`),
    replacement: fileURLToPath(new URL((target as { default: string }).default.replace('./dist/', './src/').replace(/\.js$/, '.ts'), import.meta.url)),
  }));

export default defineConfig({
  resolve: { alias },
  test: {
    // Starts redis-server and a PostgreSQL cluster on loopback (test/setup/services.ts).
    globalSetup: ['test/setup/services.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two crypto backends (SPEC 3.6): every test on the default (node:crypto where available), and
    // every vector and property test again on the portable noble path.
    projects: [
      {
        extends: true,
        test: { name: 'node', include: ['test/**/*.test.ts', 'examples/**/*.test.ts'], provide: { cryptoBackend: 'node' } },
      },
      {
        extends: true,
        test: {
          name: 'noble',
          include: ['test/{primitives,records,vault,messages,derivation,execution,sessions}/**/*.test.ts'],
          env: { AGENTVAULT_CRYPTO: 'noble' },
          provide: { cryptoBackend: 'noble' },
        },
      },
    ],
  },
});
