/**
 * SHA-256, HMAC-SHA256, HMAC-SHA512 and PBKDF2-HMAC-SHA512 computed by the active crypto backend
 * (SPEC 3.6): node:crypto when `cryptoBackend()` is `node`, else @noble/hashes. The
 * results are the same bytes either way (standard, deterministic functions; the backend's
 * self-test and test/primitives/backend.test.ts check it). Internal: not exported from a public
 * entry. For the library's own hot paths: record checksums, nonce and policy hashes (SHA-256), the vault MAC (HMAC-SHA256),
 * SLIP-0010 (HMAC-SHA512) and the BIP39 seed (PBKDF2-HMAC-SHA512, 2048 rounds), where the pure-JS
 * versions cost several times the native ones.
 * @module
 */
import { hmac } from '@noble/hashes/hmac.js';
import { pbkdf2 } from '@noble/hashes/pbkdf2.js';
import { sha256 as nobleSha256, sha512 } from '@noble/hashes/sha2.js';
import { abytes, aint } from '../_utils.js';
import { nativeCrypto } from './_backend.js';

/** A fresh plain Uint8Array copy of a (possibly pooled) Node Buffer; the source is zeroed when `wipe`. */
function own(buf: Uint8Array, wipe: boolean): Uint8Array {
  const out = new Uint8Array(buf); // a copy (the typed-array constructor, not the iterator path of Uint8Array.from)
  if (wipe) buf.fill(0);
  return out;
}

/** SHA-256 (FIPS 180-4). */
export function sha256(data: Uint8Array): Uint8Array {
  abytes(data, 'data');
  const nc = nativeCrypto();
  if (nc === undefined) return nobleSha256(data);
  // The one-shot `crypto.hash` where Node has it: one native call instead of three objects.
  return own(nc.hash !== undefined ? nc.hash('sha256', data, 'buffer') : nc.createHash('sha256').update(data).digest(), false);
}

/** HMAC-SHA256 (RFC 2104), e.g. the vault MAC. */
export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  abytes(key, 'key');
  abytes(data, 'data');
  const nc = nativeCrypto();
  return nc !== undefined ? own(nc.createHmac('sha256', key).update(data).digest(), true) : hmac(nobleSha256, key, data);
}

/** HMAC-SHA512 (RFC 2104), e.g. SLIP-0010 child derivation. */
export function hmacSha512(key: Uint8Array, data: Uint8Array): Uint8Array {
  abytes(key, 'key');
  abytes(data, 'data');
  const nc = nativeCrypto();
  return nc !== undefined ? own(nc.createHmac('sha512', key).update(data).digest(), true) : hmac(sha512, key, data);
}

/** PBKDF2-HMAC-SHA512 (RFC 8018), e.g. the BIP39 seed: (NFKD mnemonic, "mnemonic" + passphrase, 2048, 64). */
export function pbkdf2HmacSha512(password: Uint8Array, salt: Uint8Array, iterations: number, length: number): Uint8Array {
  abytes(password, 'password');
  abytes(salt, 'salt');
  aint(iterations, 'iterations', 1, 10_000_000);
  aint(length, 'length', 1, 1024);
  const nc = nativeCrypto();
  return nc !== undefined ? own(nc.pbkdf2Sync(password, salt, iterations, length, 'sha512'), true) : pbkdf2(sha512, password, salt, { c: iterations, dkLen: length });
}
