/**
 * The vault mutation scope (mutation.scopes.mjs) as ONE vitest file: it imports every test file
 * of the scope, so each mutant costs one worker and one import of the library, not one per test
 * file (on the shared machine that per-file overhead was most of the ~18 s a mutant took). Same
 * tests, same assertions; the normal suite runs the files themselves (this one is not *.test.ts).
 * Left out: bitflip.test.ts (1,200 unlocks; its refusals are the record layer's AEAD).
 */
import { vi } from 'vitest';

// Before any test file loads the library: scrypt memoized on disk in mutation runs (_scrypt-cache.ts).
vi.mock('@noble/hashes/scrypt.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('@noble/hashes/scrypt.js')>();
  const { cachedScrypt } = await import('./_scrypt-cache.js');
  return { ...real, scrypt: cachedScrypt(real.scrypt as never) };
});

// mac.test.ts first: it wraps hkdfSha256 (vi.mock) before anything else loads the library.
await import('./mac.test.js');
await import('./mutation-data.test.js');
await import('./mutation-kdm.test.js');
await import('./mutation-vault.test.js');
await import('./mutation-rotation.test.js');
await import('./mutation-recovery.test.js');
await import('./unknown-options.test.js');
await import('./canonical.test.js');
await import('./vectors.test.js');
await import('./validate-once.test.js');
await import('./vault.test.js');
await import('../security/vault.test.js');
