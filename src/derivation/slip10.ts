/**
 * SLIP-0010 ed25519 private derivation through `micro-key-producer/slip10` (DESIGN 8). Internal:
 * the public entry is `deriveSolanaKeypair`.
 *
 * The path is parsed and checked here first (every segment hardened, < 2^31), then each child is
 * derived with `HDKey.deriveChild(index + 2^31)`, one step at a time rather than through
 * `HDKey.derive(text)`, so that every intermediate node is reachable and its private key and
 * chain code can be zeroed (SPEC 3.3). `forceHardened` is never used.
 * @module
 */
import { HDKey } from 'micro-key-producer/slip10.js';
import { abytes, zero } from '../_utils.js';
import { fail } from '../errors.js';
import { HARDENED_OFFSET, parseDerivationPath, type DerivationPath } from './path.js';

/** @internal One derived node: raw bytes owned by the caller, who must zero them. */
export interface Slip10Node {
  readonly privateKey: Uint8Array;
  readonly chainCode: Uint8Array;
}

function wipe(node: HDKey): void {
  // HDKey exposes its buffers as readonly properties; zeroing them in place is all JS allows.
  zero(node.privateKey, node.chainCode);
}

/**
 * @internal Derive the node at `path` from a SLIP-0010 master `seed` (16..64 bytes; a BIP39 seed
 * is 64). Returns copies; every HDKey created on the way is wiped before returning or throwing.
 */
export function _deriveSlip10Node(seed: Uint8Array, path: string | DerivationPath): Slip10Node {
  abytes(seed, 'seed');
  const parsed = typeof path === 'string' ? parseDerivationPath(path) : path;
  if (seed.length < 16 || seed.length > 64) fail('INVALID_INPUT', `seed: expected 16 to 64 bytes, got ${seed.length}`, { field: 'seed' });
  let node = HDKey.fromMasterSeed(seed);
  try {
    for (const index of parsed.indexes) {
      const child = node.deriveChild(index + HARDENED_OFFSET);
      wipe(node);
      node = child;
    }
    return { privateKey: Uint8Array.from(node.privateKey), chainCode: Uint8Array.from(node.chainCode) };
  } finally {
    wipe(node);
  }
}
