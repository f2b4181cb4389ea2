/**
 * The node:crypto (OpenSSL) side of the primitives (SPEC 3.6). Internal: callers go
 * through aead.ts, hkdf.ts and ed25519.ts, which check arguments, apply the strict rules and pick
 * the backend. Outputs are copied into plain Uint8Arrays (never Node Buffers, which may share a
 * pooled ArrayBuffer) and secret intermediates are zeroed.
 * @module
 */
import { base64urlnopad } from '@scure/base';
import { concatBytes, zero } from '../_utils.js';
import { PKCS8_ED25519_PREFIX, type NodeCryptoSubset } from './_backend.js';

const TAG = 16;

/**
 * A fresh plain Uint8Array with the bytes of `parts` (never a pooled Buffer); zeroes the parts
 * when `wipe`.
 */
function gather(wipe: boolean, ...parts: Uint8Array[]): Uint8Array {
  const out = concatBytes(...parts);
  if (wipe) zero(...parts);
  return out;
}

/** AES-256-GCM seal; returns ciphertext || tag. Arguments are already checked by aead.ts. */
export function nativeGcmEncrypt(nc: NodeCryptoSubset, key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  const c = nc.createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG });
  c.setAAD(aad);
  const body = c.update(plaintext);
  const fin = c.final();
  return gather(false, body, fin, c.getAuthTag());
}

/**
 * AES-256-GCM open of ciphertext || tag; `undefined` when the tag does not verify. The plaintext
 * OpenSSL produces before `final()` is held back and zeroed unless the tag verifies.
 */
export function nativeGcmDecrypt(nc: NodeCryptoSubset, key: Uint8Array, iv: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | undefined {
  const n = sealed.length - TAG;
  const d = nc.createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG });
  d.setAAD(aad);
  d.setAuthTag(sealed.subarray(n));
  const body = d.update(sealed.subarray(0, n));
  let fin: Uint8Array;
  try {
    fin = d.final();
  } catch {
    body.fill(0);
    return undefined;
  }
  return gather(true, body, fin);
}

function hmac(nc: NodeCryptoSubset, key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  const h = nc.createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return h.digest();
}

/** HKDF-Extract with HMAC-SHA256 (RFC 5869 2.2); a missing salt is 32 zero bytes. */
export function nativeHkdfExtract(nc: NodeCryptoSubset, ikm: Uint8Array, salt: Uint8Array | undefined): Uint8Array {
  return gather(true, hmac(nc, salt ?? new Uint8Array(32), ikm));
}

/** HKDF-Expand with HMAC-SHA256 (RFC 5869 2.3); `length` is already checked (1..8160). */
export function nativeHkdfExpand(nc: NodeCryptoSubset, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let t: Uint8Array = new Uint8Array(0);
  const counter = new Uint8Array(1);
  for (let i = 1, off = 0; off < length; i++) {
    counter[0] = i;
    const next = hmac(nc, prk, t, info, counter);
    t.fill(0);
    t = next;
    out.set(t.subarray(0, Math.min(t.length, length - off)), off);
    off += t.length;
  }
  t.fill(0);
  return out;
}

const ONE = /* @__PURE__ */ Uint8Array.of(1);

/**
 * Two 32-byte HKDF-SHA256 outputs of one PRK (SPEC 4.3: a record's key and its commitment): one
 * Extract and two one-block Expands, three HMACs, as `nativeHkdfExtract` + `nativeHkdfExpand` x2
 * compute them, without the intermediate copies. The PRK is zeroed; the outputs are fresh
 * digest buffers owned by the caller (to zero).
 */
export function nativeHkdfPair(nc: NodeCryptoSubset, ikm: Uint8Array, salt: Uint8Array, info1: Uint8Array, info2: Uint8Array): [Uint8Array, Uint8Array] {
  const prk = nc.createHmac('sha256', salt).update(ikm).digest();
  try {
    return [nc.createHmac('sha256', prk).update(info1).update(ONE).digest(), nc.createHmac('sha256', prk).update(info2).update(ONE).digest()];
  } finally {
    prk.fill(0);
  }
}

/** HKDF-SHA256 (RFC 5869 2). */
export function nativeHkdf(nc: NodeCryptoSubset, ikm: Uint8Array, salt: Uint8Array | undefined, info: Uint8Array, length: number): Uint8Array {
  const prk = nativeHkdfExtract(nc, ikm, salt);
  try {
    return nativeHkdfExpand(nc, prk, info, length);
  } finally {
    prk.fill(0);
  }
}

// Public keys are public and a KeyObject is immutable, so parsed keys are kept in a small LRU.
// They are imported as JWK ({ kty: 'OKP', crv: 'Ed25519', x }): OpenSSL 3.0 imports the raw key
// about ten times faster than it decodes the same key as SPKI DER.
const KEY_CACHE_SIZE = 512;
const keyCache = new Map<string, object>();

function publicKeyObject(nc: NodeCryptoSubset, publicKey: Uint8Array): object {
  const id = String.fromCharCode.apply(null, publicKey as unknown as number[]);
  let key = keyCache.get(id);
  if (key !== undefined) {
    keyCache.delete(id);
    keyCache.set(id, key);
    return key;
  }
  key = nc.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: base64urlnopad.encode(publicKey) }, format: 'jwk' });
  if (keyCache.size >= KEY_CACHE_SIZE) keyCache.delete(keyCache.keys().next().value!);
  keyCache.set(id, key);
  return key;
}

/**
 * OpenSSL's ed25519 verify: RFC 8032 with the cofactorless equation [S]B = R + [k]A. Only a
 * `true` is final for the caller (it implies the cofactored equation); see ed25519.ts.
 */
export function nativeEd25519Verify(nc: NodeCryptoSubset, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return nc.verify(null, message, publicKeyObject(nc, publicKey), signature) === true;
  } catch {
    return false;
  }
}

/**
 * A private KeyObject for a 32-byte seed. Imported from PKCS#8 DER held in a Uint8Array that is
 * zeroed at once (SPEC 3.3). JWK import would be ~10x faster on OpenSSL 3.0, but it needs the
 * seed as a base64url string, which JavaScript cannot zero: declined.
 */
export function nativeEd25519PrivateKey(nc: NodeCryptoSubset, seed: Uint8Array): object {
  const der = new Uint8Array(PKCS8_ED25519_PREFIX.length + 32);
  der.set(PKCS8_ED25519_PREFIX);
  der.set(seed, PKCS8_ED25519_PREFIX.length);
  try {
    return nc.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } finally {
    der.fill(0);
  }
}

/** The public key OpenSSL derived for a private KeyObject (via its JWK export: no DER encoder). */
export function nativeEd25519PublicKeyOf(nc: NodeCryptoSubset, key: object): Uint8Array {
  const x = (nc.createPublicKey(key) as unknown as { export(o: { format: 'jwk' }): { x?: unknown } }).export({ format: 'jwk' }).x;
  if (typeof x !== 'string') throw new Error('node:crypto: no public key in the JWK export');
  return base64urlnopad.decode(x);
}

/** RFC 8032 ed25519 signature by a 32-byte seed (deterministic: the same bytes as noble). */
export function nativeEd25519Sign(nc: NodeCryptoSubset, seed: Uint8Array, message: Uint8Array): Uint8Array {
  return gather(false, nc.sign(null, message, nativeEd25519PrivateKey(nc, seed)));
}

/** Sign with an already imported private KeyObject. */
export function nativeEd25519SignWith(nc: NodeCryptoSubset, key: object, message: Uint8Array): Uint8Array {
  return gather(false, nc.sign(null, message, key));
}

/** @internal For tests: how many public keys are cached. */
export function _publicKeyCacheSize(): number {
  return keyCache.size;
}
