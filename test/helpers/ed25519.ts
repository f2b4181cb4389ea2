/**
 * Ed25519 test material that does not come from the library under test: SIMD-0376's small-order
 * and non-canonical encodings, an independent signer (tweetnacl) and independent verifiers
 * (node:crypto / OpenSSL, tweetnacl) to compare the strict verifier against.
 */
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import nacl from 'tweetnacl';
import { base58Encode } from './secrets.js';

/**
 * SIMD-0376 "Test Vectors": the eight canonical encodings of the order-8 torsion subgroup. Each must
 * be rejected as A and as R.
 */
export const SMALL_ORDER_ENCODINGS: readonly (readonly [hex: string, order: number])[] = [
  ['0000000000000000000000000000000000000000000000000000000000000000', 4],
  ['0000000000000000000000000000000000000000000000000000000000000080', 4],
  ['0100000000000000000000000000000000000000000000000000000000000000', 1],
  ['26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', 8],
  ['26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85', 8],
  ['c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', 8],
  ['c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa', 8],
  ['ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', 2],
];

/**
 * SIMD-0376: the six non-canonical encodings of small-order points. The first four have
 * y >= p = 2^255 - 19; the last two are "-0": the sign bit set while x = 0 (y = 1 and y = -1).
 */
export const NONCANONICAL_SMALL_ORDER_ENCODINGS: readonly (readonly [hex: string, why: string])[] = [
  ['edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', 'y = p (= 0 mod p)'],
  ['edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', 'y = p (= 0 mod p), sign bit set'],
  ['eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', 'y = p + 1 (= 1 mod p)'],
  ['eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', 'y = p + 1 (= 1 mod p), sign bit set'],
  ['0100000000000000000000000000000000000000000000000000000000000080', '-0: y = 1, x = 0 with sign bit set'],
  ['ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', '-0: y = -1, x = 0 with sign bit set'],
];

/** The group order L = 2^252 + 27742317777372353535851937790883648493 (RFC 8032 section 5.1). */
export const ED25519_L = 2n ** 252n + 27742317777372353535851937790883648493n;

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** node:crypto (OpenSSL) Ed25519 verify; `'error'` when OpenSSL refuses the key or throws. */
export function nodeVerifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean | 'error' {
  try {
    const key = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]), format: 'der', type: 'spki' });
    return nodeVerify(null, message, key, signature);
  } catch {
    return 'error';
  }
}

/** tweetnacl's verify; `'error'` when it throws (it throws on wrong lengths). */
export function naclVerifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean | 'error' {
  try {
    return nacl.sign.detached.verify(message, signature, publicKey);
  } catch {
    return 'error';
  }
}

/** A wallet stand-in signing with tweetnacl (not the library's crypto stack). */
export interface TestWallet {
  readonly seed: Uint8Array;
  readonly publicKey: Uint8Array;
  /** base58 address, computed with the test helper's own base58. */
  readonly address: string;
  sign(message: Uint8Array): Uint8Array;
}

/** A deterministic test wallet from a 32-byte seed (random when omitted). */
export function testWallet(seed: Uint8Array = nacl.randomBytes(32)): TestWallet {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) throw new Error('testWallet: seed must be 32 bytes');
  const kp = nacl.sign.keyPair.fromSeed(seed);
  return {
    seed: Uint8Array.from(seed),
    publicKey: kp.publicKey,
    address: base58Encode(kp.publicKey),
    sign: (message) => nacl.sign.detached(message, kp.secretKey),
  };
}
