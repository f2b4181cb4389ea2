/**
 * The one source of randomness (DESIGN 5: the platform CSPRNG via noble's `randomBytes`).
 * Internal. Tests that check fixed-input vectors replace the source through
 * `_setRandomSourceForTests`; no public entry exports it.
 *
 * Two entry points (SPEC 3.3):
 * - `randomBytes`: every secret (keys, entropy, peppers, session secrets, recovery codes) comes
 *   straight from the CSPRNG, so no future key ever sits pre-generated in memory;
 * - `randomPublicBytes`: values that are public once used (record salts and IVs, wrap IVs) of at
 *   most 64 bytes are served from a 2 KiB buffer filled by one CSPRNG call: on a loaded machine one
 *   `getRandomValues` call costs several microseconds whatever its size, which was half of
 *   `sealRecord` (issue 18). Bytes are copied out and zeroed in the buffer as they are handed out,
 *   so no two requests share a byte.
 * @module
 */
import { randomBytes as cryptoRandomBytes } from '@noble/hashes/utils.js';

let source: (n: number) => Uint8Array = cryptoRandomBytes;

const POOL_SIZE = 2048;
const POOLED_MAX = 64;
let pool: Uint8Array | undefined;
let poolOff = POOL_SIZE;

function fromSource(n: number): Uint8Array {
  const out = source(n);
  if (!(out instanceof Uint8Array) || out.length !== n) throw new Error('random source returned the wrong length');
  return out;
}

/** `n` bytes straight from the CSPRNG: for secrets. */
export function randomBytes(n: number): Uint8Array {
  return fromSource(n);
}

/** `n` bytes for a value that is public once used (salt, IV): pooled when small. Never for secrets. */
export function randomPublicBytes(n: number): Uint8Array {
  // A test source gets every request itself, so fixed-input vectors see the sequence they expect.
  if (n > POOLED_MAX || source !== cryptoRandomBytes) return fromSource(n);
  if (pool === undefined || poolOff + n > POOL_SIZE) {
    pool?.fill(0);
    pool = fromSource(POOL_SIZE);
    poolOff = 0;
  }
  const part = pool.subarray(poolOff, (poolOff += n));
  const out = Uint8Array.from(part);
  part.fill(0);
  return out;
}

/** Test seam: replace the random source; call with no argument to restore the CSPRNG. */
export function _setRandomSourceForTests(fn?: (n: number) => Uint8Array): void {
  source = fn ?? cryptoRandomBytes;
  pool?.fill(0);
  pool = undefined;
  poolOff = POOL_SIZE;
}
