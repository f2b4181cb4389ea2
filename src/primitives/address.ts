/**
 * Solana addresses: base58 text of a 32-byte ed25519 public key (DESIGN 4).
 * @module
 */
import { encode32 } from './_base58.js';
import { decodeBase58 } from '../_encoding.js';
import { abytes, astring } from '../_utils.js';

/** Base58 address -> 32 bytes. Refuses anything that is not the canonical encoding of 32 bytes. */
export function decodeAddress(address: unknown, name = 'address'): Uint8Array {
  const text = astring(address, name, 64);
  // SPEC 3.7: base58 of 32 bytes has one canonical text; anything else is a different string
  // for the same key and must not be accepted as an identity.
  return decodeBase58(text, { field: name, what: 'base58 encoding of exactly 32 bytes' }, 32);
}

// Addresses already found canonical (public strings, no secret): the records' contexts and the
// grants name the same few addresses on every call, and a canonical text stays canonical.
// Bounded; emptied when full.
const KNOWN_ADDRESSES = 1024;
const known = new Set<string>();

/**
 * @internal Assert `address` is a canonical base58 32-byte address (the same decision and errors as
 * `decodeAddress`) and return it, when only the check is needed (record contexts). Not exported
 * from a public entry.
 */
export function assertAddress(address: unknown, name = 'address'): string {
  if (typeof address === 'string' && known.has(address)) return address;
  decodeAddress(address, name);
  if (known.size >= KNOWN_ADDRESSES) known.clear();
  known.add(address as string);
  return address as string;
}

/** 32 bytes -> base58 address. */
export function encodeAddress(publicKey: Uint8Array): string {
  return encode32(abytes(publicKey, 'publicKey', 32));
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
