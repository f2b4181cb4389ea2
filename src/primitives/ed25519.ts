/**
 * Strict ed25519 verification, as strict as Solana's SIMD-0376 (DESIGN 5, SPEC 3.4):
 * canonical A and R encodings (y < p, no negative zero), S < L, A and R not of small order,
 * cofactored equation. `@noble/curves` with `zip215: false` gives all but the R check, which
 * is added here.
 * @module
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { abytes } from '../_utils.js';
import { fail } from '../errors.js';
import { decodeAddress } from './address.js';

export const SIGNATURE_LENGTH = 64;
export const PUBLIC_KEY_LENGTH = 32;

const Point = ed25519.Point;

/**
 * Verify `signature` over `message` under `publicKey` (32 bytes) with the strict rules.
 * Returns false for every invalid signature; throws only on wrong argument types/lengths.
 */
export function verifyEd25519Strict(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  abytes(publicKey, 'publicKey', PUBLIC_KEY_LENGTH);
  abytes(message, 'message');
  abytes(signature, 'signature', SIGNATURE_LENGTH);
  // SIMD-0376: small-order R lets a signature verify for any message under some keys.
  // Point.fromBytes(_, false) also refuses non-canonical encodings.
  try {
    if (Point.fromBytes(signature.subarray(0, 32), false).isSmallOrder()) return false;
  } catch {
    return false;
  }
  try {
    // zip215: false -> canonical A, R; S < L; small-order A refused; cofactored equation.
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

/**
 * Verify a wallet signature: `address` is the base58 Solana address whose key signed `message`.
 * @example
 * if (!verifyWalletSignature(address, utf8(text), sig)) throw ...
 */
export function verifyWalletSignature(address: string, message: Uint8Array, signature: Uint8Array): boolean {
  return verifyEd25519Strict(decodeAddress(address), message, signature);
}

/** Like `verifyWalletSignature`, but throws `INVALID_SIGNATURE` when it does not verify. */
export function assertWalletSignature(address: string, message: Uint8Array, signature: Uint8Array): void {
  if (!verifyWalletSignature(address, message, signature))
    fail('INVALID_SIGNATURE', 'signature does not verify for this address and message');
}
