/**
 * Internal fast paths added for issue 18 decide and compute exactly as the functions they stand
 * in for: the record key pair (one PRK, two expands) equals hkdfExtract + hkdfExpand (and RFC 5869
 * HKDF recomputed with node:crypto), and the address check with its cache of canonical texts
 * makes the same decisions, with the same errors, as decodeAddress.
 */
import { createHash, hkdfSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertAddress, decodeAddress, encodeAddress } from '../../src/primitives/address.js';
import { hkdfExpand, hkdfExtract, hkdfSha256Pair } from '../../src/primitives/hkdf.js';
import { sha256 } from '../../src/primitives/_native-hash.js';
import { toHex } from '../helpers/bytes.js';

describe('hkdfSha256Pair', () => {
  it('equals Extract then Expand(info1), Expand(info2), and node:crypto hkdfSync', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }), (ikm, salt, i1, i2) => {
        const [a, b] = hkdfSha256Pair(ikm, salt, i1, i2);
        const prk = hkdfExtract(ikm, salt);
        expect(toHex(a)).toBe(toHex(hkdfExpand(prk, i1, 32)));
        expect(toHex(b)).toBe(toHex(hkdfExpand(prk, i2, 32)));
        // An empty salt is the HMAC key "" (RFC 5869 allows it), as node:crypto computes it.
        expect(toHex(a)).toBe(Buffer.from(hkdfSync('sha256', ikm, salt, i1, 32)).toString('hex'));
        expect(toHex(b)).toBe(Buffer.from(hkdfSync('sha256', ikm, salt, i2, 32)).toString('hex'));
      }),
      { numRuns: 200 },
    );
  });
  it('does not touch its inputs and returns two distinct buffers', () => {
    const ikm = Uint8Array.from({ length: 32 }, (_, i) => i);
    const salt = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);
    const before = toHex(ikm) + toHex(salt);
    const [a, b] = hkdfSha256Pair(ikm, salt, Uint8Array.of(1), Uint8Array.of(1));
    expect(toHex(ikm) + toHex(salt)).toBe(before);
    expect(toHex(a)).toBe(toHex(b));
    a.fill(0);
    expect(b.some((x) => x !== 0)).toBe(true);
  });
  it('refuses non-bytes like the other HKDF functions', () => {
    const k = new Uint8Array(32);
    expect(() => hkdfSha256Pair('k' as never, k, k, k)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => hkdfSha256Pair(k, undefined as never, k, k)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => hkdfSha256Pair(k, k, [1] as never, k)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => hkdfSha256Pair(k, k, k, null as never)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});

describe('sha256 (one-shot where Node has it)', () => {
  it('equals node:crypto createHash, and its output is a plain copy', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        expect(toHex(sha256(b))).toBe(createHash('sha256').update(b).digest('hex'));
      }),
      { numRuns: 200 },
    );
  });
});

describe('assertAddress', () => {
  const errorOf = (f: () => unknown): unknown => {
    try {
      f();
      return undefined;
    } catch (e) {
      const x = e as { code?: string; message?: string; details?: unknown };
      return { code: x.code, message: x.message, details: x.details };
    }
  };
  it('the same decision and error as decodeAddress, before and after the text is known', () => {
    const valid = Array.from({ length: 50 }, (_, i) => encodeAddress(Uint8Array.from({ length: 32 }, (_, j) => (i * 31 + j * 7) & 0xff)));
    const bad = ['', '0', 'l'.repeat(44), '1'.repeat(33), valid[0]! + '1', '1' + valid[1]!, valid[2]!.slice(0, -1) + '0', valid[3]! + 'zzz', 'x'.repeat(70), 42, null, undefined, {}, [valid[0]]];
    for (let pass = 0; pass < 2; pass++) {
      for (const a of valid) expect(assertAddress(a, 'context.address')).toBe(a);
      for (const a of bad) {
        expect(errorOf(() => assertAddress(a, 'context.address'))).toEqual(errorOf(() => decodeAddress(a, 'context.address')));
        expect(errorOf(() => assertAddress(a, 'context.address'))).not.toBe(undefined);
      }
    }
  });
  it('stays correct past the size of its cache (bounded, emptied when full)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (b) => {
        const a = encodeAddress(b);
        expect(assertAddress(a)).toBe(a);
        expect(toHex(decodeAddress(a))).toBe(toHex(b));
        // Non-canonical spellings of the same key stay refused however many texts were seen.
        expect(() => assertAddress('1' + a)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
      }),
      { numRuns: 3000 },
    );
  });
});
