/**
 * HKDF-SHA256 (RFC 5869), the only KDF for keys from high-entropy inputs (DESIGN 5). Computed
 * with node:crypto's HMAC or noble's, whichever `cryptoBackend()` names (SPEC 3.6).
 * @module
 */
import { expand, extract } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { abytes, aint } from '../_utils.js';
import { nativeCrypto } from './_backend.js';
import { nativeHkdf, nativeHkdfExpand, nativeHkdfExtract, nativeHkdfPair } from './_native.js';

/** HKDF-SHA256(ikm, salt, info, length). RFC 5869 section 2. */
export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array | undefined, info: Uint8Array, length: number): Uint8Array {
  abytes(ikm, 'ikm');
  if (salt !== undefined) abytes(salt, 'salt');
  abytes(info, 'info');
  aint(length, 'length', 1, 255 * 32);
  const nc = nativeCrypto();
  if (nc !== undefined) return nativeHkdf(nc, ikm, salt, info, length);
  // extract + expand rather than noble's one-shot `hkdf`, so the PRK can be zeroed (SPEC 3.3).
  const prk = extract(sha256, ikm, salt);
  try {
    return expand(sha256, prk, info, length);
  } finally {
    prk.fill(0);
  }
}

/** HKDF-Extract (RFC 5869 section 2.2). */
export function hkdfExtract(ikm: Uint8Array, salt: Uint8Array | undefined): Uint8Array {
  abytes(ikm, 'ikm');
  if (salt !== undefined) abytes(salt, 'salt');
  const nc = nativeCrypto();
  if (nc !== undefined) return nativeHkdfExtract(nc, ikm, salt);
  return extract(sha256, ikm, salt);
}

/** HKDF-Expand (RFC 5869 section 2.3). */
export function hkdfExpand(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  aint(length, 'length', 1, 255 * 32);
  abytes(prk, 'prk', 32);
  abytes(info, 'info');
  const nc = nativeCrypto();
  if (nc !== undefined) return nativeHkdfExpand(nc, prk, info, length);
  return expand(sha256, prk, info, length);
}

/**
 * @internal Two 32-byte outputs of one HKDF-SHA256 PRK: `[Expand(prk, info1, 32), Expand(prk,
 * info2, 32)]` with `prk = Extract(salt, ikm)` (SPEC 4.3: a record's key and its key commitment).
 * The same bytes as `hkdfExtract` + `hkdfExpand` twice; the PRK is zeroed, the caller zeroes the
 * outputs. Not exported from a public entry.
 */
export function hkdfSha256Pair(ikm: Uint8Array, salt: Uint8Array, info1: Uint8Array, info2: Uint8Array): [Uint8Array, Uint8Array] {
  abytes(ikm, 'ikm');
  abytes(salt, 'salt');
  abytes(info1, 'info');
  abytes(info2, 'info');
  const nc = nativeCrypto();
  if (nc !== undefined) return nativeHkdfPair(nc, ikm, salt, info1, info2);
  const prk = extract(sha256, ikm, salt);
  try {
    return [expand(sha256, prk, info1, 32), expand(sha256, prk, info2, 32)];
  } finally {
    prk.fill(0);
  }
}
