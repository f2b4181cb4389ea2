/**
 * AES-256-GCM with a 12-byte IV and a 16-byte tag, nothing else (DESIGN 5, SPEC 3.2).
 * Any other key, IV or tag length is refused before any work is done. Computed by node:crypto or
 * noble, whichever `cryptoBackend()` names; the bytes are the same (SPEC 3.6).
 * @module
 */
import { gcm } from '@noble/ciphers/aes.js';
import { abytes } from '../_utils.js';
import { fail } from '../errors.js';
import { nativeCrypto } from './_backend.js';
import { nativeGcmDecrypt, nativeGcmEncrypt } from './_native.js';

export const AES_KEY_LENGTH = 32;
export const GCM_IV_LENGTH = 12;
export const GCM_TAG_LENGTH = 16;

/** Encrypt; returns ciphertext || tag. The caller supplies a fresh random IV (see `randomBytes`). */
export function aesGcmEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  abytes(key, 'key', AES_KEY_LENGTH);
  abytes(iv, 'iv', GCM_IV_LENGTH);
  abytes(plaintext, 'plaintext');
  abytes(aad, 'aad');
  const nc = nativeCrypto();
  if (nc !== undefined) return nativeGcmEncrypt(nc, key, iv, plaintext, aad);
  return gcm(key, iv, aad).encrypt(plaintext);
}

/**
 * Decrypt ciphertext || tag. A wrong tag throws `INTEGRITY` with one generic message: no detail
 * that could serve as an oracle, and no plaintext is released before the tag is checked.
 */
export function aesGcmDecrypt(key: Uint8Array, iv: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array {
  abytes(key, 'key', AES_KEY_LENGTH);
  abytes(iv, 'iv', GCM_IV_LENGTH);
  abytes(sealed, 'ciphertext');
  abytes(aad, 'aad');
  if (sealed.length < GCM_TAG_LENGTH) fail('INVALID_INPUT', 'ciphertext: shorter than the 16-byte tag');
  const nc = nativeCrypto();
  if (nc !== undefined) {
    const plaintext = nativeGcmDecrypt(nc, key, iv, sealed, aad);
    return plaintext ?? fail('INTEGRITY', 'decryption failed: the data was modified or the context differs');
  }
  try {
    return gcm(key, iv, aad).decrypt(sealed);
  } catch {
    return fail('INTEGRITY', 'decryption failed: the data was modified or the context differs');
  }
}
