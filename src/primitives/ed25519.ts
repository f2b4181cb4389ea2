/**
 * Strict ed25519 verification, as strict as Solana's SIMD-0376 (DESIGN 5, SPEC 3.4):
 * canonical A and R encodings (y < p, no negative zero), S < L, A and R not of small order,
 * cofactored equation. `@noble/curves` with `zip215: false` gives all but the R check, which
 * is added here.
 *
 * With the node backend (`cryptoBackend() === 'node'`, SPEC 3.6) the encoding rules
 * (2-4) are checked on the bytes here, then OpenSSL checks the cofactorless equation. Its `true`
 * is final: with canonical, non-small-order A and R and S < L, [S]B = R + [k]A implies the
 * cofactored [8][S]B = [8]R + [8][k]A. Its `false` is not: A or R with a torsion component
 * (A + T, R + T) fails the cofactorless equation but may satisfy the cofactored one, so noble
 * decides. Every decision is therefore the noble decision; valid signatures (the common case)
 * are checked at OpenSSL speed, invalid ones that pass the byte rules cost one noble verify.
 * @module
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { abytes } from '../_utils.js';
import { fail } from '../errors.js';
import { nativeCrypto } from './_backend.js';
import { nativeEd25519PrivateKey, nativeEd25519PublicKeyOf, nativeEd25519Sign, nativeEd25519SignWith, nativeEd25519Verify } from './_native.js';
import { hmacSha256 } from './_native-hash.js';
import { randomBytes } from '../_random.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { decodeAddress } from './address.js';

export const SIGNATURE_LENGTH = 64;
export const PUBLIC_KEY_LENGTH = 32;

const Point = ed25519.Point;

const hexBytes = (h: string): Uint8Array => Uint8Array.from(h.match(/../g)!, (b) => parseInt(b, 16));

/**
 * SIMD-0376 "Test Vectors": the canonical encodings of the eight points of order 1, 2, 4 and 8
 * (there are no other small-order points, and a canonical encoding is unique).
 */
const SMALL_ORDER = /* @__PURE__ */ [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0000000000000000000000000000000000000000000000000000000000000080',
  '0100000000000000000000000000000000000000000000000000000000000000',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
].map(hexBytes);

/** L = 2^252 + 27742317777372353535851937790883648493, little-endian (RFC 8032 5.1). */
const L_LE = /* @__PURE__ */ hexBytes('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010');

function equalAt(a: Uint8Array, off: number, b: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) if (a[off + i] !== b[i]) return false;
  return true;
}

/**
 * SPEC 3.4 rule 2 on bytes, exactly as noble's `Point.fromBytes(_, false)` decides it short of the
 * curve equation: y (the low 255 bits) < p = 2^255 - 19, and not "negative zero" (sign bit set
 * while x = 0, which happens only for y = 1 and y = p - 1).
 */
function isCanonicalEncoding(b: Uint8Array, off: number): boolean {
  const top = b[off + 31]!;
  let middleAllOnes = true;
  for (let i = 1; i < 31; i++) if (b[off + i] !== 0xff) middleAllOnes = false;
  // y >= p: bytes ed..ff, ff x 30, then 7f in the low 7 bits of the last byte.
  if (middleAllOnes && (top & 0x7f) === 0x7f && b[off]! >= 0xed) return false;
  if ((top & 0x80) === 0) return true;
  // -0 with y = p - 1: ec ff..ff ff; with y = 1: 01 00..00 80.
  if (middleAllOnes && top === 0xff && b[off] === 0xec) return false;
  if (top === 0x80 && b[off] === 1) {
    for (let i = 1; i < 31; i++) if (b[off + i] !== 0) return true;
    return false;
  }
  return true;
}

/** SPEC 3.4 rule 3: S (little-endian) < L. */
function isReducedScalar(sig: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    const s = sig[32 + i]!;
    const l = L_LE[i]!;
    if (s !== l) return s < l;
  }
  return false; // S = L
}

function isSmallOrderEncoding(b: Uint8Array, off: number): boolean {
  for (const e of SMALL_ORDER) if (equalAt(b, off, e)) return true;
  return false;
}

/**
 * SPEC 3.4 rules 2-4 on the bytes: canonical A and R, S < L, neither A nor R of small order.
 * @internal Exported for the tests only (test/primitives/backend.test.ts).
 */
export function passesStrictEncodingRules(publicKey: Uint8Array, signature: Uint8Array): boolean {
  return (
    isReducedScalar(signature) &&
    isCanonicalEncoding(publicKey, 0) &&
    isCanonicalEncoding(signature, 0) &&
    !isSmallOrderEncoding(publicKey, 0) &&
    !isSmallOrderEncoding(signature, 0)
  );
}

/**
 * Verify `signature` over `message` under `publicKey` (32 bytes) with the strict rules.
 * Returns false for every invalid signature; throws only on wrong argument types/lengths.
 */
export function verifyEd25519Strict(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  abytes(publicKey, 'publicKey', PUBLIC_KEY_LENGTH);
  abytes(message, 'message');
  abytes(signature, 'signature', SIGNATURE_LENGTH);
  const nc = nativeCrypto();
  if (nc !== undefined) {
    // The byte rules are exactly noble's (tested on every SIMD-0376 encoding and by fuzzing).
    if (!passesStrictEncodingRules(publicKey, signature)) return false;
    // OpenSSL, cofactorless: true implies the cofactored equation, so it is final.
    if (nativeEd25519Verify(nc, publicKey, message, signature)) return true;
    // False may be a torsion component on A or R that SIMD-0376 accepts: the reference decides.
  }
  return verifyWithNoble(publicKey, message, signature);
}

/** The reference (noble) decision; the only path when the backend is noble. */
function verifyWithNoble(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
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
 * @internal RFC 8032 ed25519 signature of `message` by the 32-byte `seed` (deterministic, so both
 * backends give the same bytes). Not a public export; for the library's own signers.
 */
export function signEd25519(seed: Uint8Array, message: Uint8Array): Uint8Array {
  abytes(seed, 'seed', 32);
  abytes(message, 'message');
  const nc = nativeCrypto();
  return nc !== undefined ? nativeEd25519Sign(nc, seed, message) : ed25519.sign(message, seed);
}

/**
 * @internal The ed25519 public key of a 32-byte `seed` (RFC 8032 5.1.5). noble on both backends:
 * with OpenSSL 3.0 (Node 20, 22) importing a private key costs more than noble's fixed-base
 * multiplication. To check a key pair and then sign with it, use `createEd25519Signer`.
 */
export function getEd25519PublicKey(seed: Uint8Array): Uint8Array {
  abytes(seed, 'seed', 32);
  return ed25519.getPublicKey(seed);
}

/** @internal A signing key: its public key, computed once, `sign`, and `dispose`. */
export interface Ed25519Signer {
  readonly publicKey: Uint8Array;
  /** RFC 8032 signature. Throws SIGNING_REFUSED (`signer-closed`) once the key was released. */
  sign(message: Uint8Array): Uint8Array;
  /**
   * Release the key now (SPEC 3.6, 10.8): drop the reference to the OpenSSL KeyObject (node) or
   * to the caller's seed buffer (noble). Idempotent. A lease's `dispose` also releases every
   * signer that shares it.
   */
  dispose(): void;
}

/** The key one or more signers use; `key === undefined` once released. */
interface KeyState {
  key: object | Uint8Array | undefined;
  readonly publicKey: Uint8Array;
}

/** Undisposed signers that hold a key of their own or a lease (for the key-lifetime tests). */
let liveKeys = 0;
/**
 * Live leases by a keyed tag of their seed: HMAC-SHA256 under a random per-process key, so the
 * table holds no function of a seed anyone can compute, and is empty when no lease is live.
 */
const leases = new Map<string, KeyState[]>();
let tagKey: Uint8Array | undefined;

function seedTag(seed: Uint8Array): string {
  tagKey ??= randomBytes(32);
  return bytesToHex(hmacSha256(tagKey, seed));
}

function importKey(seed: Uint8Array): KeyState {
  const nc = nativeCrypto();
  if (nc !== undefined) {
    const key = nativeEd25519PrivateKey(nc, seed);
    return { key, publicKey: nativeEd25519PublicKeyOf(nc, key) };
  }
  return { key: seed, publicKey: ed25519.getPublicKey(seed) };
}

function signWith(state: KeyState, message: Uint8Array): Uint8Array {
  abytes(message, 'message');
  const key = state.key;
  if (key === undefined) fail('SIGNING_REFUSED', 'the signing key was released (the signer is closed)', { reason: 'signer-closed' });
  const nc = nativeCrypto();
  return nc !== undefined && !(key instanceof Uint8Array) ? nativeEd25519SignWith(nc, key, message) : ed25519.sign(message, key as Uint8Array);
}

function signerOf(state: KeyState, release: () => void): Ed25519Signer {
  let open = true;
  let own: KeyState | undefined = state;
  return Object.freeze({
    publicKey: state.publicKey,
    sign: (m: Uint8Array) => {
      if (own === undefined) return fail('SIGNING_REFUSED', 'the signing key was released (the signer is closed)', { reason: 'signer-closed' });
      return signWith(own, m);
    },
    dispose: () => {
      if (!open) return;
      open = false;
      own = undefined;
      release();
    },
  });
}

/**
 * @internal A signer for a 32-byte `seed`. With the node backend the key is imported into OpenSSL
 * once (from a DER buffer that is zeroed at once) and both the public key and every signature come
 * from it; with noble, `getPublicKey` once and `sign` per message over the caller's seed. When a
 * live lease (`leaseEd25519Key`) holds the same seed, the signer shares its key instead of
 * importing it again, and stops working when the lease is disposed. The caller keeps and zeroes
 * `seed` as usual, and calls `dispose()` when done (SPEC 3.6 says what that can and cannot clear).
 */
export function createEd25519Signer(seed: Uint8Array): Ed25519Signer {
  abytes(seed, 'seed', 32);
  if (leases.size > 0) {
    const shared = leases.get(seedTag(seed))?.find((s) => s.key !== undefined);
    if (shared !== undefined) return signerOf(shared, () => undefined);
  }
  const state = importKey(seed);
  liveKeys++;
  return signerOf(state, () => {
    state.key = undefined;
    liveKeys--;
  });
}

/**
 * @internal Import `seed` once for a bounded scope (issue 18, issue 14 item 6): until `dispose()`,
 * every `createEd25519Signer` of the same seed shares this key (no second ~0.4 ms PKCS#8 import on
 * OpenSSL 3.0, no second scalar multiplication on noble); `dispose()` releases it for all of them.
 * `withExecutionSigner` leases the agent key for the callback and disposes in `finally`.
 */
export function leaseEd25519Key(seed: Uint8Array): Ed25519Signer {
  abytes(seed, 'seed', 32);
  const tag = seedTag(seed);
  const state = importKey(seed);
  const list = leases.get(tag);
  if (list === undefined) leases.set(tag, [state]);
  else list.push(state);
  liveKeys++;
  return signerOf(state, () => {
    state.key = undefined;
    liveKeys--;
    const l = leases.get(tag)!.filter((s) => s !== state);
    if (l.length === 0) leases.delete(tag);
    else leases.set(tag, l);
  });
}

/** @internal For the key-lifetime tests: undisposed key-holding signers, and live leases. */
export function _ed25519KeyStats(): { readonly live: number; readonly leases: number } {
  let n = 0;
  for (const l of leases.values()) n += l.length;
  return { live: liveKeys, leases: n };
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
