/**
 * Solana addresses: base58 text of a 32-byte ed25519 public key (DESIGN 4).
 * @module
 */
import { base58 } from '@scure/base';
import { abytes, astring } from '../_utils.js';
import { fail } from '../errors.js';

/** Base58 address -> 32 bytes. Refuses anything that is not the canonical encoding of 32 bytes. */
export function decodeAddress(address: unknown, name = 'address'): Uint8Array {
  const text = astring(address, name, 64);
  let bytes: Uint8Array;
  try {
    bytes = base58.decode(text);
  } catch {
    return fail('INVALID_INPUT', `${name}: not base58`, { field: name });
  }
  // Round trip: base58 of 32 bytes has one canonical text; anything else is a different string
  // for the same key and must not be accepted as an identity.
  if (bytes.length !== 32 || base58.encode(bytes) !== text)
    fail('INVALID_INPUT', `${name}: must be the base58 encoding of exactly 32 bytes`, { field: name });
  return bytes;
}

/** 32 bytes -> base58 address. */
export function encodeAddress(publicKey: Uint8Array): string {
  return base58.encode(abytes(publicKey, 'publicKey', 32));
}

/** True when `address` is a canonical base58 32-byte address. */
export function isAddress(address: unknown): address is string {
  try {
    decodeAddress(address);
    return true;
  } catch {
    return false;
  }
}
