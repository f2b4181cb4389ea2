/**
 * HKDF-SHA256 (RFC 5869), the only KDF for keys from high-entropy inputs (DESIGN 5).
 * @module
 */
import { expand, extract, hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { abytes, aint } from '../_utils.js';

/** HKDF-SHA256(ikm, salt, info, length). RFC 5869 section 2. */
export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array | undefined, info: Uint8Array, length: number): Uint8Array {
  abytes(ikm, 'ikm');
  if (salt !== undefined) abytes(salt, 'salt');
  abytes(info, 'info');
  aint(length, 'length', 1, 255 * 32);
  return hkdf(sha256, ikm, salt, info, length);
}

/** HKDF-Extract (RFC 5869 section 2.2). */
export function hkdfExtract(ikm: Uint8Array, salt: Uint8Array | undefined): Uint8Array {
  return extract(sha256, abytes(ikm, 'ikm'), salt === undefined ? undefined : abytes(salt, 'salt'));
}

/** HKDF-Expand (RFC 5869 section 2.3). */
export function hkdfExpand(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  aint(length, 'length', 1, 255 * 32);
  return expand(sha256, abytes(prk, 'prk', 32), abytes(info, 'info'), length);
}
