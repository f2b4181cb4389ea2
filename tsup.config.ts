import { defineConfig } from 'tsup';

// One entry per `exports` subpath (package.json). Keep the two lists in step:
// test/package.test.ts checks that every documented subpath imports.
export const entries: Record<string, string> = {
  index: 'src/index.ts',
  'primitives/index': 'src/primitives/index.ts',
  'records/index': 'src/records/index.ts',
  'vault/index': 'src/vault/index.ts',
  'messages/index': 'src/messages/index.ts',
  'derivation/index': 'src/derivation/index.ts',
  'execution/index': 'src/execution/index.ts',
  'execution/idl': 'src/execution/idl.ts',
  'stores/index': 'src/stores/index.ts',
  'stores/redis': 'src/stores/redis.ts',
  'stores/postgres': 'src/stores/postgres.ts',
  'sessions/index': 'src/sessions/index.ts',
  'sessions/redis': 'src/sessions/redis.ts',
  'sessions/postgres': 'src/sessions/postgres.ts',
  'client/index': 'src/client/index.ts',
  'kit/index': 'src/kit/index.ts',
  'kit/web3': 'src/kit/web3.ts',
  'execution/pkcs11': 'src/execution/pkcs11.ts',
  'testing/index': 'src/testing/index.ts',
};

export default defineConfig({
  entry: entries,
  format: ['esm'],
  // Declarations come from tsc (tsconfig.build.json): one readable .d.ts per source file.
  dts: false,
  clean: true,
  sourcemap: false,
  splitting: true,
  treeshake: true,
  target: 'es2022',
  platform: 'neutral',
  outDir: 'dist',
  external: ['ioredis', 'pg', '@solana/kit', '@solana/web3.js', 'pkcs11js', 'vitest'],
});
