/**
 * Exact limits of the record format and the context encoding (SPEC 3.8, 4.1, 4.4, 4.5): each
 * limit accepted at its value and refused one past it, so that no off-by-one survives (issue 16
 * item 5, mutation testing).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { base64urlnopad } from '@scure/base';
import { AgentvaultError } from '../../src/errors.js';
import { encodeAddress } from '../../src/primitives/address.js';
import { encodeContext } from '../../src/records/context.js';
import { parseRecordText } from '../../src/records/format.js';
import { openRecord, recordUmkVersion, sealRecord } from '../../src/records/record.js';
import { encodeContext as encodeContextRef } from '../helpers/reference.js';

const address = encodeAddress(new Uint8Array(32).fill(7));
const key = new Uint8Array(32).map((_, i) => i + 1);
const why = (fn: () => unknown) => {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (!(e instanceof AgentvaultError)) throw e;
    return `${e.code}:${String(e.details?.['reason'] ?? e.details?.['field'] ?? '')}`;
  }
};
const rewrite = (record: string, f: (b: Uint8Array) => Uint8Array | void) => {
  let b = base64urlnopad.decode(record.slice(5));
  b = f(b) ?? b;
  b.set(createHash('sha256').update(b.subarray(0, b.length - 4)).digest().subarray(0, 4), b.length - 4);
  return 'avr1.' + base64urlnopad.encode(b);
};

describe('context limits (SPEC 4.4)', () => {
  const withEntries = (n: number) => Object.fromEntries([['address', address], ...Array.from({ length: n - 1 }, (_, i) => [`f${i}`, 'v'])]);
  it('32 entries encode, 33 are refused', () => {
    expect(Buffer.from(encodeContext(withEntries(32))).equals(encodeContextRef(withEntries(32)))).toBe(true);
    expect(why(() => encodeContext(withEntries(33)))).toBe('INVALID_INPUT:context');
  });
  it('a value of 1,024 UTF-8 bytes encodes, 1,025 is refused (bytes, not characters)', () => {
    expect(encodeContext({ address, v: 'a'.repeat(1024) }).length).toBeGreaterThan(1024);
    expect(why(() => encodeContext({ address, v: 'a'.repeat(1025) }))).toBe('INVALID_INPUT:context.v');
    expect(why(() => encodeContext({ address, v: '\u00e9'.repeat(512) }))).toBe('ok');
    expect(why(() => encodeContext({ address, v: '\u00e9'.repeat(513) }))).toBe('INVALID_INPUT:context.v');
  });
  it('names of 64 characters encode, 65 and the empty name are refused', () => {
    expect(why(() => encodeContext({ address, ['n'.repeat(64)]: 'x' }))).toBe('ok');
    expect(why(() => encodeContext({ address, ['n'.repeat(65)]: 'x' }))).toBe('INVALID_INPUT:context');
    expect(why(() => encodeContext({ address, '': 'x' }))).toBe('INVALID_INPUT:context');
  });
  it('entries sorted by name bytes: a prefix sorts first; upper case before lower case', () => {
    const ctx = { address, ab: '2', a: '1', B: '3', 'a.': '4' };
    expect(Buffer.from(encodeContext(ctx)).equals(encodeContextRef(ctx))).toBe(true);
    const bytes = encodeContext(ctx);
    expect(bytes[0]! * 256 + bytes[1]!).toBe(5);
  });
  it('plain and null-prototype objects only; a lone surrogate is refused', () => {
    expect(why(() => encodeContext(Object.assign(Object.create(null), { address })))).toBe('ok');
    class C {
      address = address;
    }
    expect(why(() => encodeContext(new C() as never))).toBe('INVALID_INPUT:context');
    expect(why(() => encodeContext({ address, v: '\ud800' }))).toBe('INVALID_INPUT:context.v');
    expect(why(() => encodeContext({ address, v: 1 as unknown as string }))).toBe('INVALID_INPUT:context.v');
  });
});

describe('context refusals name the argument (SPEC 2)', () => {
  const err = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return e as AgentvaultError;
    }
    throw new Error('expected a refusal');
  };
  it.each([
    ['not an object', () => encodeContext('x' as never), 'context', /^context: expected an object/],
    ['class instance', () => encodeContext(new (class { address = address; })() as never), 'context', /^context: expected a plain object/],
    ['bad address', () => encodeContext({ address: 'x' }), 'context.address', /^context\.address: /],
    ['33 entries', () => encodeContext(Object.fromEntries([['address', address], ...Array.from({ length: 32 }, (_, i) => [`f${i}`, 'v'])])), 'context', /^context: at most 32 entries/],
    ['bad name', () => encodeContext({ address, 'a b': 'x' }), 'context', /^context: entry names must match/],
    ['lone surrogate', () => encodeContext({ address, v: '\ud800' }), 'context.v', /^context\.v: expected a well-formed string/],
    ['long value', () => encodeContext({ address, v: 'a'.repeat(1025) }), 'context.v', /^context\.v: longer than 1024 bytes/],
  ] as const)('%s', (_n, fn, field, message) => {
    const e = err(fn);
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.details?.['field']).toBe(field);
    expect(e.message).toMatch(message);
  });
});

describe('record limits (SPEC 4.1, 4.2, 4.5)', () => {
  const ctx = { address };
  it('type of 64 characters seals and opens; 65 is refused', () => {
    const t = 'a'.repeat(64);
    const r = sealRecord(key, new Uint8Array(1), { type: t, context: ctx });
    expect(openRecord(key, r, { type: t, context: ctx }).type).toBe(t);
    expect(why(() => sealRecord(key, new Uint8Array(1), { type: 'a'.repeat(65), context: ctx }))).toBe('INVALID_INPUT:type');
  });
  it('plaintext of 65,536 bytes with the longest type is the largest record: it opens; one more text character is too long', () => {
    const t = 'b'.repeat(64);
    const r = sealRecord(key, new Uint8Array(65536).fill(1), { type: t, context: ctx });
    expect(openRecord(key, r, { type: t, context: ctx }).plaintext.expose().length).toBe(65536);
    expect(why(() => parseRecordText(r + 'A'))).toBe('INVALID_INPUT:too-long');
    expect(why(() => sealRecord(key, new Uint8Array(65537), { type: 'x', context: ctx }))).toBe('INVALID_INPUT:');
  });
  it('the smallest record (type of 1, empty plaintext) parses; one byte less is refused by length', () => {
    const r = sealRecord(key, new Uint8Array(0), { type: 'x', context: ctx });
    expect(base64urlnopad.decode(r.slice(5)).length).toBe(87 + 1 + 16 + 4);
    expect(openRecord(key, r, { type: 'x', context: ctx }).plaintext.expose().length).toBe(0);
    const short = 'avr1.' + base64urlnopad.encode(base64urlnopad.decode(r.slice(5)).subarray(0, 107));
    expect(why(() => parseRecordText(short))).toBe('INVALID_INPUT:length');
  });
  it('UMK versions 1 and 2^32 - 1 round trip; 0 and 2^32 are refused when sealing; 0 in a header is refused', () => {
    for (const v of [1, 2, 0xffffffff]) {
      const r = sealRecord(key, new Uint8Array(2), { type: 'x', context: ctx, umkVersion: v });
      expect(recordUmkVersion(r)).toBe(v);
      expect(openRecord(key, r, { type: 'x', context: ctx }).umkVersion).toBe(v);
    }
    for (const v of [0, 2 ** 32]) expect(why(() => sealRecord(key, new Uint8Array(2), { type: 'x', context: ctx, umkVersion: v }))).toBe('INVALID_INPUT:umkVersion');
    const r = sealRecord(key, new Uint8Array(2), { type: 'x', context: ctx });
    expect(why(() => parseRecordText(rewrite(r, (b) => void b.set([0, 0, 0, 0], 6))))).toBe('INVALID_INPUT:umk-version');
    expect(why(() => parseRecordText(rewrite(r, (b) => void b.set([0x80, 0, 0, 0], 6))))).toBe('ok');
  });
  it('type length byte: 0 and 65 are refused, a length past the end is truncated', () => {
    const r = sealRecord(key, new Uint8Array(200), { type: 'x', context: ctx });
    expect(why(() => parseRecordText(rewrite(r, (b) => void (b[10] = 0))))).toBe('INVALID_INPUT:type-length');
    expect(why(() => parseRecordText(rewrite(r, (b) => void (b[10] = 65))))).toBe('INVALID_INPUT:type-length');
    const small = sealRecord(key, new Uint8Array(0), { type: 'x', context: ctx });
    expect(why(() => parseRecordText(rewrite(small, (b) => void (b[10] = 64))))).toBe('INVALID_INPUT:truncated');
    // 64 is accepted as a length (then the bytes must be a valid type).
    expect(why(() => parseRecordText(rewrite(r, (b) => void (b[10] = 64))))).toBe('INVALID_INPUT:record type');
  });
  it('suite and version bytes: each byte of them is checked', () => {
    const r = sealRecord(key, new Uint8Array(2), { type: 'x', context: ctx });
    expect(why(() => parseRecordText(rewrite(r, (b) => void (b[4] = 1))))).toBe('UNSUPPORTED_VERSION:suite');
    expect(why(() => parseRecordText(rewrite(r, (b) => void (b[5] = 0))))).toBe('UNSUPPORTED_VERSION:suite');
    expect(why(() => parseRecordText(rewrite(r, (b) => void (b[3] = 0))))).toBe('UNSUPPORTED_VERSION:format-version');
    for (const i of [0, 1, 2]) expect(why(() => parseRecordText(rewrite(r, (b) => void (b[i]! ^= 0x20))))).toBe('INVALID_INPUT:magic');
  });
  it('every checksum byte counts', () => {
    const r = sealRecord(key, new Uint8Array(2), { type: 'x', context: ctx });
    const b = base64urlnopad.decode(r.slice(5));
    for (let i = 1; i <= 4; i++) {
      const c = Uint8Array.from(b);
      c[c.length - i]! ^= 0x80;
      expect(why(() => parseRecordText('avr1.' + base64urlnopad.encode(c)))).toBe('INTEGRITY:checksum');
    }
  });
  it('text prefix: avr10. is another version; AVR1. and avr1 without the dot are not records', () => {
    const r = sealRecord(key, new Uint8Array(2), { type: 'x', context: ctx });
    expect(why(() => parseRecordText('avr10.' + r.slice(5)))).toBe('UNSUPPORTED_VERSION:text-version');
    expect(why(() => parseRecordText('avr.' + r.slice(5)))).toBe('INVALID_INPUT:prefix');
    expect(why(() => parseRecordText('avr1' + r.slice(5)))).toBe('INVALID_INPUT:prefix');
    expect(why(() => parseRecordText(42))).toBe('INVALID_INPUT:record');
  });
  it('survivors of the mutation run: anchored version prefix, truncation bound, non-string type', () => {
    const small = sealRecord(key, new Uint8Array(0), { type: 'x', context: ctx });
    // A type length of 2 needs 16 more bytes than this record has (header + tag), not 16 fewer.
    expect(why(() => parseRecordText(rewrite(small, (b) => void (b[10] = 2))))).toBe('INVALID_INPUT:truncated');
    expect(why(() => parseRecordText('xavr2.' + small.slice(5)))).toBe('INVALID_INPUT:prefix');
    expect(why(() => sealRecord(key, new Uint8Array(1), { type: ['x'] as unknown as string, context: ctx }))).toBe('INVALID_INPUT:type');
  });
  it('a wrong key, a wrong-length key and a SecretBytes key', () => {
    const r = sealRecord(key, new Uint8Array(2), { type: 'x', context: ctx });
    expect(why(() => openRecord(new Uint8Array(32), r, { type: 'x', context: ctx }))).toBe('KEY_MISMATCH:commitment');
    expect(why(() => openRecord(new Uint8Array(31), r, { type: 'x', context: ctx }))).toBe('INVALID_INPUT:key');
  });
});
