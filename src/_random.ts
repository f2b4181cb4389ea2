/**
 * The one source of randomness (DESIGN 5: the platform CSPRNG via noble's `randomBytes`).
 * Internal. Tests that check fixed-input vectors replace the source through
 * `_setRandomSourceForTests`; no public entry exports it.
 * @module
 */
import { randomBytes as cryptoRandomBytes } from '@noble/hashes/utils.js';

let source: (n: number) => Uint8Array = cryptoRandomBytes;

export function randomBytes(n: number): Uint8Array {
  const out = source(n);
  if (!(out instanceof Uint8Array) || out.length !== n) throw new Error('random source returned the wrong length');
  return out;
}

/** Test seam: replace the random source; call with no argument to restore the CSPRNG. */
export function _setRandomSourceForTests(fn?: (n: number) => Uint8Array): void {
  source = fn ?? cryptoRandomBytes;
}
