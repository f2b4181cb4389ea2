/**
 * Mutation runs only (MUTATION_SCOPE set, vitest.mutation.config.ts): a disk memo in front of
 * noble's scrypt, so that the ~13 scrypt(N = 2^15) calls of the vault tests (about a second each
 * on the shared machine) are computed once, not once per mutant. scrypt is a pure function: the
 * memo is keyed by every argument (password, salt, N, r, p, dkLen, maxmem) and returns a fresh
 * copy of the real output, so no test can tell it from the real call; a call that throws is
 * never cached. The normal suite (MUTATION_SCOPE unset) gets noble's scrypt unchanged.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Scrypt = (password: Uint8Array | string, salt: Uint8Array | string, opts: Record<string, unknown>) => Uint8Array;

const bytesOf = (x: Uint8Array | string) => (typeof x === 'string' ? new TextEncoder().encode(x) : x);

export function cachedScrypt(real: Scrypt): Scrypt {
  if (!process.env['MUTATION_SCOPE']) return real;
  const dir = join(tmpdir(), 'agentvault-mutation-scrypt-cache');
  mkdirSync(dir, { recursive: true });
  return (password, salt, opts) => {
    const { N, r, p, dkLen, maxmem, ...other } = opts;
    // Anything else (an onProgress callback, asyncTick) is not a pure input: no memo for it.
    if (Object.keys(other).length > 0) return real(password, salt, opts);
    const h = createHash('sha256');
    for (const part of [bytesOf(password), bytesOf(salt), new TextEncoder().encode(JSON.stringify([N, r, p, dkLen, maxmem]))])
      h.update(String(part.length) + ':').update(part);
    const file = join(dir, h.digest('hex'));
    try {
      return new Uint8Array(readFileSync(file));
    } catch {
      const out = real(password, salt, opts);
      const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
      writeFileSync(tmp, out);
      renameSync(tmp, file);
      return out;
    }
  };
}

/**
 * Mutation runs only: run `fn` (a vault creation with a passphrase slot) with a deterministic
 * random source, so its recovery salt, and therefore every scrypt call on it, is the same at every
 * mutant and the memo above answers them. The tests assert nothing about the random bytes
 * themselves. The normal suite runs `fn` with the real random source.
 */
export async function seededForMutation<T>(fn: () => T, seed: string): Promise<T> {
  if (!process.env['MUTATION_SCOPE']) return fn();
  const { _setRandomSourceForTests } = await import('../../src/_random.js');
  let counter = 0;
  _setRandomSourceForTests((n) => {
    const out = new Uint8Array(n);
    for (let off = 0; off < n; off += 32) out.set(createHash('sha256').update(`${seed}/${counter++}`).digest().subarray(0, Math.min(32, n - off)), off);
    return out;
  });
  try {
    return fn();
  } finally {
    _setRandomSourceForTests();
  }
}
