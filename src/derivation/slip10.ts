/**
 * SLIP-0010 ed25519 private derivation (DESIGN 8). Internal: the public entry is
 * `deriveSolanaKeypair`.
 *
 * The path is parsed and checked here first (every segment hardened, < 2^31). Then, by backend
 * (SPEC 3.6):
 * - `noble`: `micro-key-producer/slip10`, one `HDKey.deriveChild(index + 2^31)` at a time rather
 *   than `HDKey.derive(text)`, so that every intermediate node is reachable and its private key
 *   and chain code can be zeroed (SPEC 3.3). `forceHardened` is never used.
 * - `node`: the same chain written out with the backend's native HMAC-SHA512 (issue 18): I =
 *   HMAC-SHA512("ed25519 seed", seed), then I = HMAC-SHA512(I[32..64], 0x00 || I[0..32] ||
 *   ser32(index + 2^31)) per segment. micro-key-producer also computes each parent's public key
 *   for a BIP32 fingerprint that ed25519 private derivation never outputs (four scalar
 *   multiplications on m/44'/501'/0'/0'), and leaves its HMAC inputs and outputs unzeroed; this
 *   path does neither. The tests check both paths against the SLIP-0010 vectors and against each
 *   other on random seeds and paths.
 * @module
 */
import { HDKey } from 'micro-key-producer/slip10.js';
import { abytes, utf8, zero } from '../_utils.js';
import { fail } from '../errors.js';
import { nativeCrypto } from '../primitives/_backend.js';
import { hmacSha512 } from '../primitives/_native-hash.js';
import { HARDENED_OFFSET, parseDerivationPath, type DerivationPath } from './path.js';

/** @internal One derived node: raw bytes owned by the caller, who must zero them. */
export interface Slip10Node {
  readonly privateKey: Uint8Array;
  readonly chainCode: Uint8Array;
}

/** SLIP-0010 master key label for ed25519. */
const MASTER_SECRET = /* @__PURE__ */ utf8('ed25519 seed');

function wipe(node: HDKey): void {
  // HDKey exposes its buffers as readonly properties; zeroing them in place is all JS allows.
  zero(node.privateKey, node.chainCode);
}

/**
 * @internal Derive the node at `path` from a SLIP-0010 master `seed` (16..64 bytes; a BIP39 seed
 * is 64). Returns copies; every intermediate made on the way is zeroed before returning or throwing.
 */
export function _deriveSlip10Node(seed: Uint8Array, path: string | DerivationPath): Slip10Node {
  abytes(seed, 'seed');
  const parsed = typeof path === 'string' ? parseDerivationPath(path) : path;
  if (seed.length < 16 || seed.length > 64) fail('INVALID_INPUT', `seed: expected 16 to 64 bytes, got ${seed.length}`, { field: 'seed' });
  return nativeCrypto() !== undefined ? deriveWithNativeHmac(seed, parsed.indexes) : deriveWithMicroKeyProducer(seed, parsed.indexes);
}

function deriveWithNativeHmac(seed: Uint8Array, indexes: readonly number[]): Slip10Node {
  // hmacSha512 returns a plain array of its own and zeroes node's Buffer (SPEC 3.3).
  let I = hmacSha512(MASTER_SECRET, seed);
  const data = new Uint8Array(37); // 0x00 || kpar || ser32(i)
  const view = new DataView(data.buffer);
  try {
    for (const index of indexes) {
      data.set(I.subarray(0, 32), 1);
      view.setUint32(33, index + HARDENED_OFFSET, false);
      const child = hmacSha512(I.subarray(32), data);
      I.fill(0);
      I = child;
    }
    return { privateKey: I.slice(0, 32), chainCode: I.slice(32) };
  } finally {
    zero(I, data);
  }
}

function deriveWithMicroKeyProducer(seed: Uint8Array, indexes: readonly number[]): Slip10Node {
  let node = HDKey.fromMasterSeed(seed);
  try {
    for (const index of indexes) {
      const child = node.deriveChild(index + HARDENED_OFFSET);
      wipe(node);
      node = child;
    }
    return { privateKey: Uint8Array.from(node.privateKey), chainCode: Uint8Array.from(node.chainCode) };
  } finally {
    wipe(node);
  }
}
