/**
 * HKDF-SHA256 (DESIGN 5; SPEC 3.1). Known answers typed in from RFC 5869 Appendix A (test cases
 * A.1, A.2, A.3: the SHA-256 ones), checked against our functions AND against node:crypto's
 * hkdfSync / createHmac as an independent implementation. Wycheproof: see wycheproof-hkdf.test.ts.
 */
import { createHmac, hkdfSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hkdfExpand, hkdfExtract, hkdfSha256 } from '../../src/primitives/hkdf.js';
import { hex, seq, snapshot, toHex } from '../helpers/bytes.js';
import { expectCode } from '../helpers/errors.js';
import { runs } from './_runs.js';

interface RfcCase {
  name: string;
  ikm: Uint8Array;
  salt: Uint8Array;
  info: Uint8Array;
  L: number;
  prk: string;
  okm: string;
}

// RFC 5869, Appendix A. "Test Vectors" (https://www.rfc-editor.org/rfc/rfc5869#appendix-A).
const RFC5869: RfcCase[] = [
  {
    // A.1. Test Case 1: basic test case with SHA-256
    name: 'A.1 basic',
    ikm: hex('0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b'), // 22 octets
    salt: hex('000102030405060708090a0b0c'), // 13 octets
    info: hex('f0f1f2f3f4f5f6f7f8f9'), // 10 octets
    L: 42,
    prk: '077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5',
    okm: '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
  },
  {
    // A.2. Test Case 2: test with SHA-256 and longer inputs/outputs
    name: 'A.2 long inputs',
    ikm: seq(0x00, 80), // 0x000102...4f
    salt: seq(0x60, 80), // 0x606162...af
    info: seq(0xb0, 80), // 0xb0b1b2...ff
    L: 82,
    prk: '06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244',
    okm:
      'b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c' +
      '59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71' +
      'cc30c58179ec3e87c14c01d5c1f3434f1d87',
  },
  {
    // A.3. Test Case 3: test with SHA-256 and zero-length salt/info
    name: 'A.3 empty salt and info',
    ikm: hex('0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b'),
    salt: new Uint8Array(0),
    info: new Uint8Array(0),
    L: 42,
    prk: '19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04',
    okm: '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
  },
];

describe('HKDF-SHA256: RFC 5869 Appendix A', () => {
  it('the typed-in inputs have the lengths the RFC states', () => {
    expect(RFC5869.map((c) => [c.ikm.length, c.salt.length, c.info.length, c.L])).toEqual([
      [22, 13, 10, 42],
      [80, 80, 80, 82],
      [22, 0, 0, 42],
    ]);
    expect(toHex(RFC5869[1]!.salt).endsWith('af')).toBe(true);
    expect(toHex(RFC5869[1]!.info).endsWith('ff')).toBe(true);
  });

  for (const c of RFC5869) {
    describe(c.name, () => {
      it('hkdfExtract gives PRK', () => {
        expect(toHex(hkdfExtract(c.ikm, c.salt))).toBe(c.prk);
      });
      it('hkdfExpand(PRK) gives OKM', () => {
        expect(toHex(hkdfExpand(hex(c.prk), c.info, c.L))).toBe(c.okm);
      });
      it('hkdfSha256 gives OKM', () => {
        expect(toHex(hkdfSha256(c.ikm, c.salt, c.info, c.L))).toBe(c.okm);
      });
      it('node:crypto hkdfSync agrees with the RFC (independent check of the typed-in vector)', () => {
        expect(Buffer.from(hkdfSync('sha256', c.ikm, c.salt, c.info, c.L)).toString('hex')).toBe(c.okm);
        expect(createHmac('sha256', c.salt).update(c.ikm).digest('hex')).toBe(c.prk);
      });
      it('does not mutate its inputs', () => {
        const check = snapshot(c.ikm, c.salt, c.info);
        hkdfSha256(c.ikm, c.salt, c.info, c.L);
        hkdfExtract(c.ikm, c.salt);
        check();
      });
    });
  }

  it('A.3: an omitted salt (undefined) equals the zero-length salt and HashLen zero bytes (RFC 5869 2.2)', () => {
    const c = RFC5869[2]!;
    expect(toHex(hkdfExtract(c.ikm, undefined))).toBe(c.prk);
    expect(toHex(hkdfExtract(c.ikm, new Uint8Array(32)))).toBe(c.prk);
    expect(toHex(hkdfSha256(c.ikm, undefined, c.info, c.L))).toBe(c.okm);
  });
});

describe('HKDF-SHA256: cross-check with node:crypto', () => {
  it('hkdfSha256 == hkdfSync for random inputs and lengths', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 80 }),
        fc.uint8Array({ minLength: 0, maxLength: 80 }),
        fc.uint8Array({ minLength: 0, maxLength: 80 }),
        fc.integer({ min: 1, max: 255 * 32 }),
        (ikm, salt, info, length) => {
          const ours = hkdfSha256(ikm, salt, info, length);
          const node = new Uint8Array(hkdfSync('sha256', ikm, salt, info, length));
          expect(toHex(ours)).toBe(toHex(node));
        },
      ),
      { numRuns: runs(150) },
    );
  });

  it('hkdfExtract == HMAC-SHA256(salt, ikm) and Extract+Expand == hkdfSha256', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.uint8Array({ minLength: 1, maxLength: 100 }), fc.uint8Array({ maxLength: 40 }), (ikm, salt, info) => {
        const prk = hkdfExtract(ikm, salt);
        expect(toHex(prk)).toBe(createHmac('sha256', salt).update(ikm).digest('hex'));
        expect(toHex(hkdfExpand(prk, info, 64))).toBe(toHex(hkdfSha256(ikm, salt, info, 64)));
      }),
      { numRuns: runs(100) },
    );
  });

  it('output of length n is the prefix of output of length m > n (RFC 5869 2.3: T(1) || T(2) ...)', () => {
    const ikm = hex('0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b');
    const long = hkdfSha256(ikm, undefined, new Uint8Array(0), 100);
    expect(toHex(hkdfSha256(ikm, undefined, new Uint8Array(0), 33))).toBe(toHex(long.subarray(0, 33)));
  });
});

describe('HKDF-SHA256: output length bounds (RFC 5869 2.3: L <= 255 * HashLen)', () => {
  it('accepts 1 and 8160 bytes', () => {
    expect(hkdfSha256(new Uint8Array(32), undefined, new Uint8Array(0), 1)).toHaveLength(1);
    const max = hkdfSha256(new Uint8Array(32), undefined, new Uint8Array(0), 8160);
    expect(toHex(max)).toBe(Buffer.from(hkdfSync('sha256', new Uint8Array(32), new Uint8Array(0), new Uint8Array(0), 8160)).toString('hex'));
  });
  for (const bad of [0, -1, 8161, 1e9]) {
    it(`refuses length ${bad} with INVALID_INPUT naming 'length'`, () => {
      expect(expectCode(() => hkdfSha256(new Uint8Array(32), undefined, new Uint8Array(0), bad), 'INVALID_INPUT').message).toMatch(/^length/);
      expect(expectCode(() => hkdfExpand(new Uint8Array(32), new Uint8Array(0), bad), 'INVALID_INPUT').message).toMatch(/^length/);
    });
  }
  it('hkdfExpand refuses a PRK that is not 32 bytes (our restriction; RFC 5869 allows >= HashLen)', () => {
    expect(expectCode(() => hkdfExpand(new Uint8Array(31), new Uint8Array(0), 32), 'INVALID_INPUT').message).toMatch(/^prk/);
    expectCode(() => hkdfExpand(new Uint8Array(64), new Uint8Array(0), 32), 'INVALID_INPUT');
  });
});
