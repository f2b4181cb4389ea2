/**
 * ed25519 rules pinned on both backends (SPEC 3.4, 3.6), cheaply enough for the mutation scope:
 * the byte rules of the node path against a naive bigint reference on every edge encoding, the
 * SIMD-0376 decisions of the noble path (the only path of the noble backend and the fallback of the
 * node one), and the signer / lease life cycle (dispose, sharing, counts, refusals).
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { afterAll, describe, expect, it } from 'vitest';
import { _setCryptoBackendForTests, type CryptoBackend } from '../../src/primitives/_backend.js';
import {
  _ed25519KeyStats,
  assertWalletSignature,
  createEd25519Signer,
  getEd25519PublicKey,
  leaseEd25519Key,
  passesStrictEncodingRules,
  signEd25519,
  verifyEd25519Strict,
  verifyWalletSignature,
} from '../../src/primitives/ed25519.js';
import { bigIntToLe, cat, flipBit, hex, leToBigInt, toHex } from '../helpers/bytes.js';
import { ED25519_L as L, NONCANONICAL_SMALL_ORDER_ENCODINGS, SMALL_ORDER_ENCODINGS, nodeVerifyEd25519 } from '../helpers/ed25519.js';
import { expectCode } from '../helpers/errors.js';
import { base58Encode } from '../helpers/secrets.js';

const Point = ed25519.Point;
const P = 2n ** 255n - 19n;
const utf8 = (s: string) => new TextEncoder().encode(s);

afterAll(() => _setCryptoBackendForTests());

/** Encodings on the edges of the byte rules: y around 0, 1, p - 1, p and 2^255 - 1, sign bit clear and set. */
function edgeEncodings(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const y of [0n, 1n, 2n, P - 2n, P - 1n, P, P + 1n, P + 5n, P + 18n, 2n ** 255n - 1n, 2n ** 248n - 1n, (2n ** 248n - 1n) * 256n + 0xedn])
    for (const sign of [0, 0x80]) {
      const e = bigIntToLe(y);
      e[31]! |= sign;
      out.push(e);
    }
  // y = 1 with a non-zero middle byte, sign set (not "-0"); y = p - 1 pattern with one middle byte off.
  const a = bigIntToLe(1n + (1n << 100n));
  a[31]! |= 0x80;
  const b = bigIntToLe(P - 1n);
  b[15] = 0xfe;
  b[31]! |= 0x80;
  const c = bigIntToLe(P);
  c[30] = 0xfe;
  return [...out, a, b, c];
}

/** RFC 8032 5.1.3 as SIMD-0376 reads it: y < p, and no sign bit when x = 0 (y = 1 or p - 1). */
const canonical = (e: Uint8Array) => {
  const v = leToBigInt(e);
  const y = v & (2n ** 255n - 1n);
  return y < P && !(v >> 255n === 1n && (y === 1n || y === P - 1n));
};
const SMALL = new Set(SMALL_ORDER_ENCODINGS.map(([e]) => e));
const reference = (pk: Uint8Array, sig: Uint8Array) =>
  leToBigInt(sig.subarray(32)) < L && canonical(pk) && canonical(sig.subarray(0, 32)) && !SMALL.has(toHex(pk)) && !SMALL.has(toHex(sig.subarray(0, 32)));

describe('the byte rules (node path) = a naive bigint reference', () => {
  it('on every pair of special and edge encodings as A and R, with S around L', () => {
    const encs = [
      ...SMALL_ORDER_ENCODINGS.map(([e]) => hex(e)),
      ...NONCANONICAL_SMALL_ORDER_ENCODINGS.map(([e]) => hex(e)),
      ...edgeEncodings(),
      ed25519.getPublicKey(new Uint8Array(32)),
    ];
    const scalars = [0n, 1n, L - 1n, L, L + 1n, 2n * L, 2n ** 252n, 2n ** 252n - 1n, 2n ** 253n, 2n ** 256n - 1n, L - 256n, L + 2n ** 200n].map((s) => bigIntToLe(s));
    let accepted = 0;
    let refused = 0;
    for (const A of encs)
      for (const R of encs)
        for (const S of scalars) {
          const sig = cat(R, S);
          const want = reference(A, sig);
          if (want) accepted++;
          else refused++;
          if (passesStrictEncodingRules(A, sig) !== want) expect.fail(`A=${toHex(A)} R=${toHex(R)} S=${toHex(S)}: want ${want}`);
        }
    expect(accepted).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(100);
  });

  it('on random bytes and on S differing from L in one byte', () => {
    const pk = ed25519.getPublicKey(new Uint8Array(32).fill(1));
    const R = ed25519.getPublicKey(new Uint8Array(32).fill(2));
    const Lb = bigIntToLe(L);
    for (let i = 0; i < 32; i++)
      for (const d of [-1, 1]) {
        const S = Uint8Array.from(Lb);
        S[i] = (S[i]! + d) & 0xff;
        const sig = cat(R, S);
        expect(passesStrictEncodingRules(pk, sig), `S byte ${i} ${d}`).toBe(reference(pk, sig));
      }
    for (let i = 0; i < 300; i++) {
      const A = sha512(Uint8Array.of(i, 1)).subarray(0, 32);
      const sig = sha512(Uint8Array.of(i, 2));
      expect(passesStrictEncodingRules(A, sig)).toBe(reference(A, sig));
    }
  });
});

describe('the byte rules (node path): the "-0" patterns with every other top byte', () => {
  it('ec ff..ff XX and 01 00..00 XX, sign bit clear and set, as A and as R, equal the naive reference', () => {
    // Only y = 1 (01 00..00 80) and y = p - 1 (ec ff..ff ff) with the sign bit are "-0"; the same low
    // bytes under another top byte are other y values (< p), decided by the curve, not by these rules.
    const S = bigIntToLe(L - 1n);
    const honestR = ed25519.getPublicKey(new Uint8Array(32).fill(2));
    const A0 = ed25519.getPublicKey(new Uint8Array(32).fill(1));
    let accepted = 0;
    for (let top = 0; top < 256; top++)
      for (const low of [0xec, 0x01]) {
        const e = new Uint8Array(32).fill(low === 0xec ? 0xff : 0);
        e[0] = low;
        e[31] = top;
        for (const [A, sig] of [
          [e, cat(honestR, S)],
          [A0, cat(e, S)],
        ] as const) {
          const want = reference(A, sig);
          if (want) accepted++;
          if (passesStrictEncodingRules(A, sig) !== want) expect.fail(`A=${toHex(A)} sig=${toHex(sig)}: want ${want}`);
        }
      }
    // Refused, 4 of 512 per role: "-0" (ec..ff, 01..80) and the small-order y = p - 1, y = 1 (ec..7f, 01..00).
    expect(accepted).toBe(2 * (2 * 256 - 4));
  });
});

// ---- SIMD-0376 decisions, on both backends ----

const seed = hex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
const pk = ed25519.getPublicKey(seed);
const a = ed25519.utils.getExtendedPublicKey(seed).scalar % L;
const msg = utf8('agentvault: transfer 1 SOL to bob');
const sig = ed25519.sign(msg, seed);
const challenge = (R: Uint8Array, A: Uint8Array, M: Uint8Array) => leToBigInt(sha512(cat(R, A, M))) % L;
const T8 = Point.fromBytes(hex(SMALL_ORDER_ENCODINGS[3]![0]), false); // a point of order 8
const r = 0x1234567890abcdefn;

interface Case {
  readonly name: string;
  readonly pk: Uint8Array;
  readonly sig: Uint8Array;
  /** SIMD-0376's decision. */
  readonly want: boolean;
  /** OpenSSL's (cofactorless) decision, asserted so that the case exercises the fallback. */
  readonly openssl: boolean | 'error';
}

function cases(): Case[] {
  const out: Case[] = [];
  out.push({ name: 'honest', pk, sig, want: true, openssl: true });
  out.push({ name: 'S + L', pk, sig: cat(sig.subarray(0, 32), bigIntToLe(leToBigInt(sig.subarray(32)) + L)), want: false, openssl: false });
  out.push({ name: 'flipped R bit', pk, sig: flipBit(sig, 3), want: false, openssl: false });
  // Torsion on A: fails the cofactorless equation, holds cofactored: accepted.
  const A2 = Point.fromBytes(pk, false).add(T8).toBytes();
  const R = Point.BASE.multiply(r).toBytes();
  out.push({ name: 'A + T8', pk: A2, sig: cat(R, bigIntToLe((r + challenge(R, A2, msg) * a) % L)), want: true, openssl: false });
  // Torsion on R: the same.
  const R2 = Point.BASE.multiply(r).add(T8).toBytes();
  out.push({ name: 'R + T8', pk, sig: cat(R2, bigIntToLe((r + challenge(R2, pk, msg) * a) % L)), want: true, openssl: false });
  // Small-order R with S = h.a: the cofactored equation holds; refused (SIMD-0376 step 4).
  for (const [i, [e]] of SMALL_ORDER_ENCODINGS.entries()) {
    const Rs = hex(e);
    out.push({ name: `R = small order ${i}`, pk, sig: cat(Rs, bigIntToLe((challenge(Rs, pk, msg) * a) % L)), want: false, openssl: nodeVerifyEd25519(pk, msg, cat(Rs, bigIntToLe((challenge(Rs, pk, msg) * a) % L))) });
  }
  // Small-order A: R = sB, S = s verifies for any message under A = identity.
  const s = 987654321n;
  out.push({ name: 'A = identity', pk: hex(SMALL_ORDER_ENCODINGS[2]![0]), sig: cat(Point.BASE.multiply(s).toBytes(), bigIntToLe(s)), want: false, openssl: true });
  // Non-canonical encodings of small-order points as R and as A.
  for (const [i, [e]] of NONCANONICAL_SMALL_ORDER_ENCODINGS.entries()) {
    out.push({ name: `R non-canonical ${i}`, pk, sig: cat(hex(e), sig.subarray(32)), want: false, openssl: nodeVerifyEd25519(pk, msg, cat(hex(e), sig.subarray(32))) });
    out.push({ name: `A non-canonical ${i}`, pk: hex(e), sig, want: false, openssl: nodeVerifyEd25519(hex(e), msg, sig) });
  }
  // An off-curve A (canonical bytes, no point): refused, never an exception.
  const off = bigIntToLe(2n);
  out.push({ name: 'A off the curve', pk: off, sig, want: false, openssl: nodeVerifyEd25519(off, msg, sig) });
  out.push({ name: 'R off the curve', pk, sig: cat(off, sig.subarray(32)), want: false, openssl: nodeVerifyEd25519(pk, msg, cat(off, sig.subarray(32))) });
  return out;
}
const CASES = cases();

describe.each<CryptoBackend>(['node', 'noble'])('%s backend', (backend) => {
  const use = () => _setCryptoBackendForTests(backend);

  it('the crafted cases exercise the fallback: OpenSSL alone decides some of them otherwise', () => {
    expect(CASES.filter((c) => c.openssl !== c.want).map((c) => c.name)).toEqual(expect.arrayContaining(['A + T8', 'R + T8', 'A = identity']));
    expect(CASES.some((c) => c.name.startsWith('R = small order') && c.openssl === true)).toBe(true);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('SIMD-0376 decision: %s', (_n, c) => {
    use();
    expect(verifyEd25519Strict(c.pk, msg, c.sig)).toBe(c.want);
  });

  it('verifyWalletSignature / assertWalletSignature take the base58 address; a refusal is INVALID_SIGNATURE', () => {
    use();
    const address = base58Encode(pk);
    expect(verifyWalletSignature(address, msg, sig)).toBe(true);
    expect(verifyWalletSignature(address, utf8('other'), sig)).toBe(false);
    expect(assertWalletSignature(address, msg, sig)).toBeUndefined();
    const e = expectCode(() => assertWalletSignature(address, utf8('other'), sig), 'INVALID_SIGNATURE');
    expect(e.message).toBe('signature does not verify for this address and message');
    expect(expectCode(() => verifyWalletSignature('0', msg, sig), 'INVALID_INPUT').details).toEqual({ field: 'address', reason: 'bad-alphabet' });
  });

  it('argument checks name the argument (field and message)', () => {
    use();
    const checks: [() => unknown, string, string][] = [
      [() => verifyEd25519Strict(new Uint8Array(31), msg, sig), 'publicKey', 'publicKey: expected 32 bytes, got 31'],
      [() => verifyEd25519Strict(pk, 'm' as unknown as Uint8Array, sig), 'message', 'message: expected Uint8Array, got string'],
      [() => verifyEd25519Strict(pk, msg, new Uint8Array(63)), 'signature', 'signature: expected 64 bytes, got 63'],
      [() => signEd25519(new Uint8Array(33), msg), 'seed', 'seed: expected 32 bytes, got 33'],
      [() => signEd25519(seed, 'm' as unknown as Uint8Array), 'message', 'message: expected Uint8Array, got string'],
      [() => getEd25519PublicKey(new Uint8Array(31)), 'seed', 'seed: expected 32 bytes, got 31'],
      [() => createEd25519Signer(new Uint8Array(31)), 'seed', 'seed: expected 32 bytes, got 31'],
      [() => leaseEd25519Key(new Uint8Array(31)), 'seed', 'seed: expected 32 bytes, got 31'],
    ];
    for (const [f, field, message] of checks) {
      const e = expectCode(f, 'INVALID_INPUT');
      expect(e.details).toEqual({ field });
      expect(e.message).toBe(message);
    }
  });

  it('signEd25519 and getEd25519PublicKey: RFC 8032 7.1 TEST 1', () => {
    use();
    expect(toHex(getEd25519PublicKey(seed))).toBe('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    expect(toHex(signEd25519(seed, new Uint8Array(0)))).toBe(
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    );
  });

  const seedOf = (i: number) => sha512(Uint8Array.of(i, backend === 'node' ? 1 : 2)).subarray(0, 32);
  const m = utf8('message');

  it('a signer: RFC 8032 public key and signature; dispose drops the key (signer-closed), idempotent, counted once', () => {
    use();
    const before = _ed25519KeyStats();
    const s = createEd25519Signer(seed);
    expect(_ed25519KeyStats()).toEqual({ live: before.live + 1, leases: before.leases });
    expect(toHex(s.publicKey)).toBe('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    expect(toHex(s.sign(new Uint8Array(0)))).toBe(
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    );
    expect(Object.isFrozen(s)).toBe(true);
    const wrong = expectCode(() => s.sign('m' as unknown as Uint8Array), 'INVALID_INPUT');
    expect(wrong.details).toEqual({ field: 'message' });
    s.dispose();
    expect(_ed25519KeyStats()).toEqual(before);
    s.dispose();
    expect(_ed25519KeyStats()).toEqual(before);
    const e = expectCode(() => s.sign(m), 'SIGNING_REFUSED');
    expect(e.message).toBe('the signing key was released (the signer is closed)');
    expect(e.details).toEqual({ reason: 'signer-closed' });
  });

  it('a signer of a leased seed shares the lease and stops when the lease is disposed', () => {
    use();
    const before = _ed25519KeyStats();
    const sd = seedOf(1);
    const lease = leaseEd25519Key(sd);
    expect(_ed25519KeyStats()).toEqual({ live: before.live + 1, leases: before.leases + 1 });
    const shared = createEd25519Signer(Uint8Array.from(sd)); // the same bytes, another buffer
    expect(_ed25519KeyStats()).toEqual({ live: before.live + 1, leases: before.leases + 1 });
    expect(toHex(shared.publicKey)).toBe(toHex(ed25519.getPublicKey(sd)));
    expect(toHex(shared.sign(m))).toBe(toHex(ed25519.sign(m, sd)));
    expect(toHex(lease.sign(m))).toBe(toHex(ed25519.sign(m, sd)));
    // Another seed is not served by the lease.
    const other = createEd25519Signer(seedOf(2));
    expect(toHex(other.publicKey)).toBe(toHex(ed25519.getPublicKey(seedOf(2))));
    expect(_ed25519KeyStats()).toEqual({ live: before.live + 2, leases: before.leases + 1 });
    other.dispose();
    // Disposing the shared signer releases nothing of the lease's.
    const shared2 = createEd25519Signer(sd);
    shared2.dispose();
    expect(_ed25519KeyStats()).toEqual({ live: before.live + 1, leases: before.leases + 1 });
    expect(toHex(lease.sign(m))).toBe(toHex(ed25519.sign(m, sd)));
    expect(expectCode(() => shared2.sign(m), 'SIGNING_REFUSED').details).toEqual({ reason: 'signer-closed' });
    lease.dispose();
    expect(_ed25519KeyStats()).toEqual(before);
    for (const s of [shared, lease]) {
      const e = expectCode(() => s.sign(m), 'SIGNING_REFUSED');
      expect(e.message).toBe('the signing key was released (the signer is closed)');
      expect(e.details).toEqual({ reason: 'signer-closed' });
    }
    // Once no lease holds the seed, a new signer imports its own key again.
    const fresh = createEd25519Signer(sd);
    expect(_ed25519KeyStats()).toEqual({ live: before.live + 1, leases: before.leases });
    expect(toHex(fresh.sign(m))).toBe(toHex(ed25519.sign(m, sd)));
    fresh.dispose();
    expect(_ed25519KeyStats()).toEqual(before);
  });

  it('two leases of one seed: disposing either leaves the other serving new signers', () => {
    use();
    const before = _ed25519KeyStats();
    const sd = seedOf(3);
    const x = leaseEd25519Key(sd);
    const y = leaseEd25519Key(sd);
    expect(_ed25519KeyStats()).toEqual({ live: before.live + 2, leases: before.leases + 2 });
    x.dispose();
    expect(_ed25519KeyStats()).toEqual({ live: before.live + 1, leases: before.leases + 1 });
    const c = createEd25519Signer(sd);
    expect(_ed25519KeyStats()).toEqual({ live: before.live + 1, leases: before.leases + 1 }); // c shares y
    expect(toHex(c.sign(m))).toBe(toHex(ed25519.sign(m, sd)));
    // The other order: the later lease disposed first.
    const z = leaseEd25519Key(sd);
    z.dispose();
    const d = createEd25519Signer(sd);
    expect(_ed25519KeyStats()).toEqual({ live: before.live + 1, leases: before.leases + 1 }); // d shares y
    y.dispose();
    expect(_ed25519KeyStats()).toEqual(before);
    expect(expectCode(() => c.sign(m), 'SIGNING_REFUSED').details).toEqual({ reason: 'signer-closed' });
    expect(expectCode(() => d.sign(m), 'SIGNING_REFUSED').details).toEqual({ reason: 'signer-closed' });
  });
});

describe('a signer keeps the key form it was made with when the backend changes', () => {
  it('made under noble (the seed bytes), used under node: still signs, with the same bytes', () => {
    _setCryptoBackendForTests('noble');
    const s = createEd25519Signer(seed);
    const l = leaseEd25519Key(seedOf2());
    try {
      _setCryptoBackendForTests('node');
      const want = toHex(ed25519.sign(utf8('x'), seed));
      expect(toHex(s.sign(utf8('x')))).toBe(want);
      expect(toHex(l.sign(utf8('x')))).toBe(toHex(ed25519.sign(utf8('x'), seedOf2())));
    } finally {
      s.dispose();
      l.dispose();
      _setCryptoBackendForTests();
    }
  });
});

function seedOf2(): Uint8Array {
  return sha512(utf8('seed 2')).subarray(0, 32);
}
