/**
 * Solana addresses (DESIGN 4: "address must decode from base58 to exactly 32 bytes"). Known
 * addresses are checked against bytes typed in here and against @solana/kit's address codec (an
 * independent base58 implementation); the test helper's own base58 encoder is a third.
 */
import { getAddressDecoder, getAddressEncoder, type Address } from '@solana/kit';
import { base58 as scureBase58 } from '@scure/base';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeAddress, encodeAddress, isAddress } from '../../src/primitives/address.js';
import { cat, hex, toHex } from '../helpers/bytes.js';
import { expectCode } from '../helpers/errors.js';
import type { AgentvaultError } from '../../src/errors.js';
import { base58Encode } from '../helpers/secrets.js';
import { runs } from './_runs.js';

const KNOWN: readonly (readonly [name: string, address: string, bytes: string])[] = [
  ['System Program', '11111111111111111111111111111111', '00'.repeat(32)],
  ['SPL Token program', 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA', '06ddf6e1d765a193d9cbe146ceeb79ac1cb485ed5f5b37913a8cf5857eff00a9'],
  ['Associated Token program', 'ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL', '8c97258f4e2489f1bb3d1029148e0d830b5a1399daff1084048e7bd8dbe9f859'],
  ['Rent sysvar', 'SysvarRent111111111111111111111111111111111', '06a7d517192c5c51218cc94c3d4af17f58daee089ba1fd44e3dbd98a00000000'],
];

describe('known addresses', () => {
  it.each(KNOWN.map((k) => [...k] as const))('%s %s', (_name, address, bytes) => {
    expect(toHex(decodeAddress(address))).toBe(bytes);
    expect(encodeAddress(hex(bytes))).toBe(address);
    expect(isAddress(address)).toBe(true);
    // Independent implementations agree with the typed-in bytes.
    expect(Buffer.from(getAddressEncoder().encode(address as Address)).toString('hex')).toBe(bytes);
    expect(base58Encode(hex(bytes))).toBe(address);
  });
});

describe('round trip (fast-check)', () => {
  it('decodeAddress(encodeAddress(b)) == b for every 32-byte b, and matches @solana/kit and the helper base58', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (b) => {
        const text = encodeAddress(b);
        expect(text).toBe(base58Encode(b));
        expect(text).toBe(getAddressDecoder().decode(b));
        expect(toHex(decodeAddress(text))).toBe(toHex(b));
      }),
      { numRuns: runs(300) },
    );
  });
  it('leading zero bytes become leading 1s and back', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (zeros, b) => {
        const bytes = cat(new Uint8Array(zeros), b.subarray(zeros));
        const text = encodeAddress(bytes);
        expect(text.startsWith('1'.repeat(zeros))).toBe(true);
        expect(toHex(decodeAddress(text))).toBe(toHex(bytes));
      }),
      { numRuns: runs(100) },
    );
  });
});

describe('refusals: INVALID_INPUT', () => {
  const token = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA';
  const cases: readonly (readonly [why: string, text: string])[] = [
    ['empty', ''],
    ['31 bytes', base58Encode(new Uint8Array(31).fill(7))],
    ['33 bytes', base58Encode(new Uint8Array(33).fill(7))],
    ['31 zero bytes (31 ones)', '1'.repeat(31)],
    ['33 zero bytes (33 ones)', '1'.repeat(33)],
    ['a 32-byte address padded with a leading 1 (33 bytes)', '1' + token],
    ['a 32-byte address with a character dropped', token.slice(1)],
    ['0 (not in the alphabet)', token.slice(0, -1) + '0'],
    ['O (not in the alphabet)', token.slice(0, -1) + 'O'],
    ['I (not in the alphabet)', token.slice(0, -1) + 'I'],
    ['l (not in the alphabet)', token.slice(0, -1) + 'l'],
    ['leading space', ' ' + token],
    ['trailing newline', token + '\n'],
    ['NUL inside', token.slice(0, 10) + '\0' + token.slice(10)],
    ['full-width digit', token.slice(0, -1) + '\uff15'],
    ['hex of the bytes', '06ddf6e1d765a193d9cbe146ceeb79ac1cb485ed5f5b37913a8cf5857eff00a9'],
    ['base64 of the bytes', Buffer.from(hex('06ddf6e1d765a193d9cbe146ceeb79ac1cb485ed5f5b37913a8cf5857eff00a9')).toString('base64')],
    ['65 characters', '2'.repeat(65)],
    ['a very long string', 'A'.repeat(100_000)],
  ];
  it.each(cases.map((c) => [...c] as const))('%s', (_why, text) => {
    const e = expectCode(() => decodeAddress(text), 'INVALID_INPUT');
    expect(e.message).toMatch(/^address:/);
    expect(isAddress(text)).toBe(false);
  });

  it('the argument name given is used in the message and details', () => {
    const e = expectCode(() => decodeAddress('0', 'recipient'), 'INVALID_INPUT');
    expect(e.message).toMatch(/^recipient:/);
    expect(e.details).toEqual({ field: 'recipient', reason: 'bad-alphabet' });
  });

  it('encodeAddress refuses anything but exactly 32 bytes', () => {
    for (const n of [0, 31, 33, 64]) expect(expectCode(() => encodeAddress(new Uint8Array(n)), 'INVALID_INPUT').message).toMatch(/^publicKey/);
  });

  it('decodeAddress returns a fresh array each call (callers may zero or mutate it)', () => {
    const a = decodeAddress(token);
    a.fill(0);
    expect(toHex(decodeAddress(token))).toBe(KNOWN[1]![2]);
  });
});

describe('the 32-byte codec decides exactly as @scure/base (issue 18: faster codec, same decisions)', () => {
  // The reference decision, written with the general-purpose codec the library used before.
  const reference = (text: string): string | 'not base58' | 'not 32' => {
    let b: Uint8Array;
    try {
      b = scureBase58.decode(text);
    } catch {
      return 'not base58';
    }
    return b.length === 32 && scureBase58.encode(b) === text ? toHex(b) : 'not 32';
  };
  const ours = (text: string): string => {
    try {
      return toHex(decodeAddress(text));
    } catch (e) {
      // SPEC 3.7 names the rule: a character outside the alphabet is `bad-alphabet` (the empty
      // text too, which @scure/base decodes to zero bytes: 'not 32' there).
      return (e as AgentvaultError).details?.['reason'] === 'bad-alphabet' && text !== '' ? 'not base58' : 'not 32';
    }
  };
  const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
  it('random strings over the alphabet (lengths 0..50), with occasional foreign characters', () => {
    const ch = fc.oneof({ weight: 30, arbitrary: fc.constantFrom(...alphabet) }, { weight: 1, arbitrary: fc.constantFrom('0', 'O', 'I', 'l', ' ', '\u00e9', '\uff15') });
    fc.assert(
      fc.property(fc.array(ch, { maxLength: 50 }), (cs) => {
        const text = cs.join('');
        expect(ours(text)).toBe(reference(text));
      }),
      { numRuns: runs(2000) },
    );
  });
  it('values near 2^256 and leading-one variants of real addresses', () => {
    const max = scureBase58.encode(new Uint8Array(32).fill(0xff));
    const over = scureBase58.encode(Uint8Array.of(1, ...new Uint8Array(32)));
    for (const t of [max, over, '1' + max, max.slice(1), '1'.repeat(32), '1'.repeat(32) + '2', '2' + '1'.repeat(31)])
      expect(ours(t)).toBe(reference(t));
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.integer({ min: 0, max: 3 }), (b, ones) => {
        const text = '1'.repeat(ones) + scureBase58.encode(b);
        expect(ours(text)).toBe(reference(text));
        expect(encodeAddress(b)).toBe(scureBase58.encode(b));
      }),
      { numRuns: runs(500) },
    );
  });
});
