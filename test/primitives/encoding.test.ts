/**
 * SPEC 3.7: every base64 / base64url / base58 text accepted at a boundary is the canonical
 * encoding, refused by an explicit rule (alphabet, length, unused bits) with a typed error.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base58, base64, base64urlnopad } from '@scure/base';
import { decodeBase58, decodeBase64, decodeBase64url } from '../../src/_encoding.js';
import { AgentvaultError } from '../../src/errors.js';
import { decodeAddress } from '../../src/primitives/address.js';
import { parseRecordText } from '../../src/records/format.js';
import { expectCode } from '../helpers/errors.js';

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const f = { field: 'x' };

function reasonOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof AgentvaultError)) throw e;
    return e.details?.['reason'] as string | undefined;
  }
  return undefined;
}

describe('canonical base64url (SPEC 3.7)', () => {
  it('round trip for every length 0..40', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
      expect(decodeBase64url(base64urlnopad.encode(b), f)).toEqual(b);
    }));
  });
  it('refuses non-zero unused bits in the last character, for 1 and 2 remaining bytes', () => {
    for (const len of [1, 2, 31, 32]) {
      const text = base64urlnopad.encode(new Uint8Array(len));
      const used = text.length % 4 === 2 ? 0x0f : 0x03;
      for (let v = 0; v < 64; v++) {
        const t = text.slice(0, -1) + B64URL[v];
        if (t === text) continue;
        if ((v & used) !== 0) {
          expectCode(() => decodeBase64url(t, f), 'INVALID_INPUT');
          expect(reasonOf(() => decodeBase64url(t, f))).toBe('non-zero-unused-bits');
        } else expect(decodeBase64url(t, f).length).toBe(len);
      }
    }
  });
  it('refuses padding, other alphabets, 4k+1 lengths, wrong byte length; the caller picks the code', () => {
    expect(reasonOf(() => decodeBase64url('AA==', f))).toBe('bad-alphabet');
    expect(reasonOf(() => decodeBase64url('A+/A', f))).toBe('bad-alphabet');
    expect(reasonOf(() => decodeBase64url('AAAAA', f))).toBe('bad-length');
    expect(reasonOf(() => decodeBase64url('AAAA', f, 4))).toBe('bad-length');
    expectCode(() => decodeBase64url('AB', { code: 'INTEGRITY', field: 'mac' }), 'INTEGRITY');
  });
  it('throws nothing but AgentvaultError on any text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 20 }), (s) => {
      try {
        decodeBase64url(s, f);
      } catch (e) {
        expect(e).toBeInstanceOf(AgentvaultError);
      }
    }));
  });
});

describe('canonical base64 (SPEC 3.7)', () => {
  it('round trip', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 70 }), (b) => {
      expect(decodeBase64(base64.encode(b), f)).toEqual(b);
    }));
  });
  it('refuses missing padding, non-zero unused bits, padding inside, wrong byte length', () => {
    const sig = base64.encode(new Uint8Array(64)); // 88 chars, ends with '=='
    expect(reasonOf(() => decodeBase64(sig.slice(0, -2), f))).toBe('bad-length');
    expect(reasonOf(() => decodeBase64(sig.slice(0, -3) + 'B==', f))).toBe('non-zero-unused-bits');
    expect(reasonOf(() => decodeBase64('A=AA', f))).toBe('bad-padding');
    expect(reasonOf(() => decodeBase64('AAA-', f))).toBe('bad-alphabet');
    expect(reasonOf(() => decodeBase64('AAAA', f, 64))).toBe('bad-length');
  });
  it('throws nothing but AgentvaultError', () => {
    fc.assert(fc.property(fc.string({ maxLength: 20 }), (s) => {
      try {
        decodeBase64(s, f);
      } catch (e) {
        expect(e).toBeInstanceOf(AgentvaultError);
      }
    }));
  });
});

describe('canonical base58 (SPEC 3.7)', () => {
  it('round trip, leading zeros kept', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (b) => {
      expect(decodeBase58(base58.encode(b), f, 32)).toEqual(b);
    }));
    expect(decodeBase58('11111111111111111111111111111111', f, 32)).toEqual(new Uint8Array(32));
  });
  it('refuses 0 O I l, the empty text, a wrong byte length and overlong text', () => {
    for (const t of ['0', 'O', 'I', 'l', '', ' 1']) expect(reasonOf(() => decodeBase58(t, f))).toBe('bad-alphabet');
    expect(reasonOf(() => decodeBase58('1111', f, 32))).toBe('bad-length');
    expect(reasonOf(() => decodeBase58('2'.repeat(45), f, 32))).toBe('bad-length');
    expectCode(() => decodeAddress('1'.repeat(33)), 'INVALID_INPUT');
  });
});

describe('boundaries use the canonical decoders', () => {
  it('a record text with non-zero unused bits is INVALID_INPUT (reason non-zero-unused-bits), never a decoder Error', () => {
    // 'avr1.' + 'AB': 2 characters = 1 byte, 4 unused bits, 'B' sets one of them.
    const e = expectCode(() => parseRecordText('avr1.AB'), 'INVALID_INPUT');
    expect(e.details?.['reason']).toBe('non-zero-unused-bits');
  });
});
