/**
 * Strict ed25519 verification (DESIGN 5; SIMD-0376 "Relaxing Transaction Signature Verification",
 * solana-foundation/solana-improvement-documents proposals/0376; Chalkias, Garillot, Nikolaenko,
 * "Taming the many EdDSAs", eprint 2020/1244).
 *
 * SIMD-0376 algorithm: reject non-canonical A and R (y >= p, or the sign bit set with x = 0);
 * reject S >= L; reject small-order A and small-order R; accept iff 8(S.B) - 8R - 8(h.A) = O.
 *
 * Every rejection case below is built so that it DOES verify under a more lenient rule
 * (@noble/curves' default ZIP-215 verify, noble with zip215:false alone, node:crypto/OpenSSL or
 * tweetnacl), and that is asserted first: a case that nobody would accept proves nothing.
 */
import { createHash, randomBytes } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertWalletSignature, verifyEd25519Strict, verifyWalletSignature } from '../../src/primitives/ed25519.js';
import { bigIntToLe, cat, flipBit, hex, leToBigInt, snapshot, toHex } from '../helpers/bytes.js';
import {
  ED25519_L as L,
  NONCANONICAL_SMALL_ORDER_ENCODINGS,
  SMALL_ORDER_ENCODINGS,
  naclVerifyEd25519,
  nodeVerifyEd25519,
  testWallet,
} from '../helpers/ed25519.js';
import { expectCode } from '../helpers/errors.js';
import { base58Encode } from '../helpers/secrets.js';
import { runs } from './_runs.js';

const Point = ed25519.Point;
const utf8 = (s: string) => new TextEncoder().encode(s);

/** Lenient reference: @noble/curves' default ed25519.verify is ZIP-215 (accepts non-canonical and small-order). */
const zip215Verify = (pk: Uint8Array, msg: Uint8Array, sig: Uint8Array) => ed25519.verify(sig, msg, pk);
/** noble strict mode alone: canonical A/R, S < L, small-order A refused, but NOT small-order R. */
const nobleStrictVerify = (pk: Uint8Array, msg: Uint8Array, sig: Uint8Array) => ed25519.verify(sig, msg, pk, { zip215: false });

/** RFC 8032 5.1.5 secret scalar, computed here with node:crypto's SHA-512. */
function secretScalar(seed: Uint8Array): bigint {
  const h = createHash('sha512').update(seed).digest();
  const a = Uint8Array.from(h.subarray(0, 32));
  a[0]! &= 248;
  a[31]! &= 127;
  a[31]! |= 64;
  return leToBigInt(a);
}

/** h = SHA-512(R || A || M) mod L over the exact bytes given (RFC 8032 5.1.7 step 2). */
function challenge(R: Uint8Array, A: Uint8Array, M: Uint8Array): bigint {
  return leToBigInt(createHash('sha512').update(cat(R, A, M)).digest()) % L;
}

function randomScalar(): bigint {
  return (leToBigInt(randomBytes(64)) % (L - 1n)) + 1n;
}

const baseMul = (s: bigint) => Point.BASE.multiply(s).toBytes();

// RFC 8032 section 7.1, TEST 1 and TEST 2 (typed in from the RFC).
const RFC8032 = [
  {
    name: 'TEST 1 (empty message)',
    seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    pk: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    msg: '',
    sig:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    name: 'TEST 2 (one byte)',
    seed: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    pk: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    msg: '72',
    sig:
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
];

const wallet = testWallet(hex(RFC8032[0]!.seed));
const a = secretScalar(wallet.seed) % L; // the clamped scalar is >= L; the point a.B is the same
const message = utf8('agentvault: transfer 1 SOL to bob');
/**
 * Every bit index below `n`; in a mutation run (npm run mutation sets MUTATION_SCOPE) one bit per
 * byte, at a different position in each byte: each flipped bit costs a reference (noble) verify
 * after OpenSSL refuses, and the full sweep made every ed25519 mutant cost ~20 s.
 */
const bitsOf = (n: number): number[] =>
  Array.from({ length: n }, (_, i) => i).filter((bit) => process.env.MUTATION_SCOPE === undefined || bit % 8 === (bit >>> 3) % 8);

describe('honest signatures', () => {
  it('the independent scalar computation matches tweetnacl (sanity for the crafted cases below)', () => {
    expect(toHex(baseMul(a))).toBe(toHex(wallet.publicKey));
  });

  for (const v of RFC8032) {
    it(`RFC 8032 7.1 ${v.name} verifies; tweetnacl and node:crypto agree`, () => {
      const [pk, msg, sig] = [hex(v.pk), hex(v.msg), hex(v.sig)];
      expect(toHex(testWallet(hex(v.seed)).sign(msg))).toBe(v.sig);
      expect(nodeVerifyEd25519(pk, msg, sig)).toBe(true);
      expect(verifyEd25519Strict(pk, msg, sig)).toBe(true);
    });
  }

  it('a tweetnacl signature verifies; another message, another key, or any flipped bit does not', () => {
    const sig = wallet.sign(message);
    expect(verifyEd25519Strict(wallet.publicKey, message, sig)).toBe(true);
    expect(verifyEd25519Strict(wallet.publicKey, utf8('agentvault: transfer 9 SOL to eve'), sig)).toBe(false);
    expect(verifyEd25519Strict(testWallet().publicKey, message, sig)).toBe(false);
    for (const bit of bitsOf(512)) expect(verifyEd25519Strict(wallet.publicKey, message, flipBit(sig, bit)), `sig bit ${bit}`).toBe(false);
    for (const bit of bitsOf(256)) expect(verifyEd25519Strict(flipBit(wallet.publicKey, bit), message, sig), `pk bit ${bit}`).toBe(false);
    for (const bit of bitsOf(message.length * 8))
      expect(verifyEd25519Strict(wallet.publicKey, flipBit(message, bit), sig), `msg bit ${bit}`).toBe(false);
  });

  it('random keys and messages: strict == node:crypto for honest signatures, and inputs are not mutated', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 200 }), (seed, msg) => {
        const w = testWallet(seed);
        const sig = w.sign(msg);
        const check = snapshot(w.publicKey, msg, sig);
        expect(verifyEd25519Strict(w.publicKey, msg, sig)).toBe(true);
        check();
        expect(nodeVerifyEd25519(w.publicKey, msg, sig)).toBe(true);
      }),
      { numRuns: runs(40) },
    );
  });

  it('verifyWalletSignature / assertWalletSignature take the base58 address', () => {
    const sig = wallet.sign(message);
    expect(verifyWalletSignature(wallet.address, message, sig)).toBe(true);
    expect(() => assertWalletSignature(wallet.address, message, sig)).not.toThrow();
    expect(verifyWalletSignature(wallet.address, utf8('other'), sig)).toBe(false);
    expectCode(() => assertWalletSignature(wallet.address, utf8('other'), sig), 'INVALID_SIGNATURE');
  });
});

describe('SIMD-0376 test vectors: small-order A', () => {
  it.each(SMALL_ORDER_ENCODINGS.map(([e, order]) => [e, order] as const))(
    'A = %s (order %i) with R = s.B, S = s: ZIP-215 accepts for any message, strict rejects',
    (encHex, order) => {
      const A = hex(encHex);
      expect(Point.fromBytes(A, false).isSmallOrder()).toBe(true);
      const s = randomScalar();
      const sig = cat(baseMul(s), bigIntToLe(s));
      for (const msg of [message, utf8('any other message'), new Uint8Array(0)]) {
        expect(zip215Verify(A, msg, sig)).toBe(true); // cofactored equation holds: 8hA = O
        expect(verifyEd25519Strict(A, msg, sig)).toBe(false);
      }
      if (order === 1) {
        // The identity as A: even the cofactorless equation S.B - h.A = R holds, so OpenSSL and
        // tweetnacl accept a "signature" that needs no secret key, for every message.
        expect(nodeVerifyEd25519(A, message, sig)).toBe(true);
        expect(naclVerifyEd25519(A, message, sig)).toBe(true);
      }
    },
  );

  it('all-zero public key (System Program 1111...1) with the all-zero signature is rejected for every message', () => {
    const pk = new Uint8Array(32);
    const sig = new Uint8Array(64);
    // SIMD-0376 Security Considerations: this verifies under unmodified ZIP-215.
    expect(zip215Verify(pk, message, sig)).toBe(true);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (msg) => {
        expect(verifyEd25519Strict(pk, msg, sig)).toBe(false);
      }),
      { numRuns: runs(50) },
    );
    expect(verifyWalletSignature('11111111111111111111111111111111', message, sig)).toBe(false);
    expectCode(() => assertWalletSignature('11111111111111111111111111111111', message, sig), 'INVALID_SIGNATURE');
  });
});

describe('SIMD-0376 test vectors: small-order R', () => {
  it.each(SMALL_ORDER_ENCODINGS.map(([e, order]) => [e, order] as const))(
    'R = %s (order %i) with a real key and S = h.a: noble (zip215:false) alone accepts, strict rejects',
    (encHex, order) => {
      const R = hex(encHex);
      const S = (challenge(R, wallet.publicKey, message) * a) % L;
      const sig = cat(R, bigIntToLe(S));
      expect(zip215Verify(wallet.publicKey, message, sig)).toBe(true);
      // The reason src/primitives/ed25519.ts adds its own R check on top of zip215:false:
      expect(nobleStrictVerify(wallet.publicKey, message, sig)).toBe(true);
      expect(verifyEd25519Strict(wallet.publicKey, message, sig)).toBe(false);
      if (order === 1) {
        // R = identity satisfies the cofactorless equation too: OpenSSL and tweetnacl accept.
        expect(nodeVerifyEd25519(wallet.publicKey, message, sig)).toBe(true);
        expect(naclVerifyEd25519(wallet.publicKey, message, sig)).toBe(true);
      }
    },
  );
});

describe('SIMD-0376 test vectors: non-canonical encodings', () => {
  it.each(NONCANONICAL_SMALL_ORDER_ENCODINGS.map(([e, why]) => [e, why] as const))('%s (%s) is not a canonical encoding', (encHex) => {
    expect(() => Point.fromBytes(hex(encHex), false)).toThrow();
    expect(Point.fromBytes(hex(encHex), true).isSmallOrder()).toBe(true);
  });

  it.each(NONCANONICAL_SMALL_ORDER_ENCODINGS.map(([e, why]) => [e, why] as const))(
    'as A = %s (%s) with R = s.B, S = s: ZIP-215 accepts, strict rejects',
    (encHex) => {
      const A = hex(encHex);
      const s = randomScalar();
      const sig = cat(baseMul(s), bigIntToLe(s));
      expect(zip215Verify(A, message, sig)).toBe(true);
      expect(verifyEd25519Strict(A, message, sig)).toBe(false);
    },
  );

  it.each(NONCANONICAL_SMALL_ORDER_ENCODINGS.map(([e, why]) => [e, why] as const))(
    'as R = %s (%s) with a real key and S = h.a: ZIP-215 accepts, strict rejects',
    (encHex) => {
      const R = hex(encHex);
      const S = (challenge(R, wallet.publicKey, message) * a) % L; // h over the exact non-canonical bytes
      const sig = cat(R, bigIntToLe(S));
      expect(zip215Verify(wallet.publicKey, message, sig)).toBe(true);
      expect(verifyEd25519Strict(wallet.publicKey, message, sig)).toBe(false);
    },
  );

  it('all 14 x 14 (A, R) combinations with S = 0: ZIP-215 accepts every one, strict rejects every one', () => {
    const all = [...SMALL_ORDER_ENCODINGS.map(([e]) => e), ...NONCANONICAL_SMALL_ORDER_ENCODINGS.map(([e]) => e)];
    expect(all).toHaveLength(14);
    let zipAccepted = 0;
    for (const A of all)
      for (const R of all) {
        const sig = cat(hex(R), new Uint8Array(32));
        if (zip215Verify(hex(A), message, sig)) zipAccepted++;
        expect(verifyEd25519Strict(hex(A), message, sig), `A=${A} R=${R}`).toBe(false);
      }
    expect(zipAccepted).toBe(196);
  });
});

describe('S must be fully reduced (S < L; RFC 8032 5.1.7, SIMD-0376 step 3)', () => {
  const sig = wallet.sign(message);
  const S = leToBigInt(sig.subarray(32));

  it('S + k.L for every k that still fits 32 bytes: tweetnacl accepts S + L, strict rejects all', () => {
    const R = sig.subarray(0, 32);
    const malleated = cat(R, bigIntToLe(S + L));
    expect(naclVerifyEd25519(wallet.publicKey, message, malleated)).toBe(true); // the naive check
    expect(zip215Verify(wallet.publicKey, message, malleated)).toBe(false);
    for (let k = 1n; S + k * L < 2n ** 256n; k++)
      expect(verifyEd25519Strict(wallet.publicKey, message, cat(R, bigIntToLe(S + k * L))), `k=${k}`).toBe(false);
  });

  it('S = L, S = L - 1 with R of an honest signature, and S = 2^256 - 1 are rejected', () => {
    const R = sig.subarray(0, 32);
    for (const s of [L, L - 1n, 2n ** 256n - 1n]) expect(verifyEd25519Strict(wallet.publicKey, message, cat(R, bigIntToLe(s)))).toBe(false);
  });
});

describe('cofactored equation (SIMD-0376 step 7): torsion components on non-small-order points', () => {
  // Not a rejection: SIMD-0376 deliberately accepts A or R that carry a torsion component but are
  // not themselves small order (the cofactorless verify_strict/OpenSSL/tweetnacl reject these).
  // Pinning it here makes a silent switch to a cofactorless equation visible.
  const T = Point.fromBytes(hex(SMALL_ORDER_ENCODINGS[3]![0]), false); // order 8

  it('A + T (a mixed-order key) with a signature by a: accepted by strict, rejected by OpenSSL and tweetnacl', () => {
    const A2 = Point.fromBytes(wallet.publicKey, false).add(T).toBytes();
    expect(Point.fromBytes(A2, false).isSmallOrder()).toBe(false);
    // Cofactorless: S.B - h.A2 = R - h.T, which equals R exactly when h = 0 mod 8. Pick r so that
    // h is not a multiple of 8 (7 in 8 draws), so the cofactorless verifiers must disagree.
    let r: bigint;
    let R: Uint8Array;
    let h: bigint;
    do {
      r = randomScalar();
      R = baseMul(r);
      h = challenge(R, A2, message);
    } while (h % 8n === 0n);
    const S = (r + h * a) % L;
    const sig = cat(R, bigIntToLe(S));
    expect(verifyEd25519Strict(A2, message, sig)).toBe(true);
    expect(nodeVerifyEd25519(A2, message, sig)).toBe(false);
    expect(naclVerifyEd25519(A2, message, sig)).toBe(false);
  });

  it('R + T with S = r + h.a: accepted by strict, rejected by OpenSSL and tweetnacl', () => {
    const r = randomScalar();
    const R2 = Point.BASE.multiply(r).add(T).toBytes();
    const S = (r + challenge(R2, wallet.publicKey, message) * a) % L;
    const sig = cat(R2, bigIntToLe(S));
    expect(verifyEd25519Strict(wallet.publicKey, message, sig)).toBe(true);
    expect(nodeVerifyEd25519(wallet.publicKey, message, sig)).toBe(false);
    expect(naclVerifyEd25519(wallet.publicKey, message, sig)).toBe(false);
  });
});

describe('argument checks', () => {
  it('wrong lengths are INVALID_INPUT naming the argument, not false', () => {
    const sig = wallet.sign(message);
    expect(expectCode(() => verifyEd25519Strict(wallet.publicKey.subarray(0, 31), message, sig), 'INVALID_INPUT').message).toMatch(/^publicKey/);
    expect(expectCode(() => verifyEd25519Strict(wallet.publicKey, message, sig.subarray(0, 63)), 'INVALID_INPUT').message).toMatch(/^signature/);
    expect(expectCode(() => verifyEd25519Strict(wallet.publicKey, message, cat(sig, new Uint8Array(1))), 'INVALID_INPUT').message).toMatch(/^signature/);
  });
  it('an address that is not base58 of 32 bytes is INVALID_INPUT', () => {
    const sig = wallet.sign(message);
    expectCode(() => verifyWalletSignature(base58Encode(wallet.publicKey.subarray(1)), message, sig), 'INVALID_INPUT');
    expectCode(() => assertWalletSignature('0OIl', message, sig), 'INVALID_INPUT');
  });
});
