/**
 * Every refusal of the record layer with its exact code, message and details (SPEC 2: a message
 * names the argument; `details.field` and `details.reason` are stable). The vectors pin codes and
 * reasons; this table pins the rest, one row per refusal, in parse order (SPEC 4.5).
 */
import { createHash } from 'node:crypto';
import { base64urlnopad } from '@scure/base';
import { describe, expect, it } from 'vitest';
import { AgentvaultError } from '../../src/errors.js';
import { encodeAddress } from '../../src/primitives/address.js';
import { assertRecordType, parseRecordBytes, parseRecordText } from '../../src/records/format.js';
import { openRecord, recordUmkVersion, sealRecord } from '../../src/records/record.js';
import { SecretBytes } from '../../src/secret.js';

const address = encodeAddress(new Uint8Array(32).fill(7));
const key = new Uint8Array(32).map((_, i) => i + 1);
const ctx = { address };
const TYPE_RULE = 'must match [a-z0-9][a-z0-9._:-]{0,63}';

function refusal(fn: () => unknown): AgentvaultError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AgentvaultError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

/** Decode, change, re-encode with a valid checksum (a forger's move). */
const rewrite = (record: string, f: (b: Uint8Array) => void) => {
  const b = base64urlnopad.decode(record.slice(5));
  f(b);
  b.set(createHash('sha256').update(b.subarray(0, b.length - 4)).digest().subarray(0, 4), b.length - 4);
  return 'avr1.' + base64urlnopad.encode(b);
};

const small = sealRecord(key, Uint8Array.of(1, 2), { type: 'x', context: ctx });
const smallBytes = base64urlnopad.decode(small.slice(5));

type Row = readonly [name: string, fn: () => unknown, code: string, message: string, details: Record<string, string> | undefined];

const PARSE: Row[] = [
  ['not a string', () => parseRecordText(42), 'INVALID_INPUT', 'record: expected a string', { field: 'record' }],
  ['too long', () => parseRecordText('avr1.' + 'A'.repeat(87_611)), 'INVALID_INPUT', 'record: longer than the maximum record size', { field: 'record', reason: 'too-long' }],
  ['another text version', () => parseRecordText('avr2.' + small.slice(5)), 'UNSUPPORTED_VERSION', 'record: unknown record text version', { field: 'record', reason: 'text-version' }],
  ['no prefix', () => parseRecordText(small.slice(5)), 'INVALID_INPUT', "record: not an agentvault record (expected prefix 'avr1.')", { field: 'record', reason: 'prefix' }],
  ['a base64url letter outside the alphabet', () => parseRecordText(small + '='), 'INVALID_INPUT', 'record: not the canonical base64url (bad-alphabet)', { field: 'record', reason: 'bad-alphabet' }],
  ['wrong length', () => parseRecordText('avr1.' + base64urlnopad.encode(smallBytes.subarray(0, 60))), 'INVALID_INPUT', 'record: wrong length', { field: 'record', reason: 'length' }],
  [
    'checksum',
    () => {
      const b = Uint8Array.from(smallBytes);
      b[b.length - 1]! ^= 1;
      return parseRecordText('avr1.' + base64urlnopad.encode(b));
    },
    'INTEGRITY',
    'record: checksum mismatch (corrupted or modified)',
    { field: 'record', reason: 'checksum' },
  ],
  ['magic', () => parseRecordText(rewrite(small, (b) => void (b[0] = 0x42))), 'INVALID_INPUT', 'record: bad magic', { field: 'record', reason: 'magic' }],
  ['format version', () => parseRecordText(rewrite(small, (b) => void (b[3] = 7))), 'UNSUPPORTED_VERSION', 'record: unknown format version 7', { field: 'record', reason: 'format-version' }],
  ['suite', () => parseRecordText(rewrite(small, (b) => void (b[4] = 1))), 'UNSUPPORTED_VERSION', 'record: unknown suite 257', { field: 'record', reason: 'suite' }],
  ['UMK version 0', () => parseRecordText(rewrite(small, (b) => void b.set([0, 0, 0, 0], 6))), 'INVALID_INPUT', 'record: UMK version must be >= 1', { field: 'record', reason: 'umk-version' }],
  ['type length 0', () => parseRecordText(rewrite(small, (b) => void (b[10] = 0))), 'INVALID_INPUT', 'record: bad type length', { field: 'record', reason: 'type-length' }],
  ['truncated', () => parseRecordText(rewrite(small, (b) => void (b[10] = 40))), 'INVALID_INPUT', 'record: truncated', { field: 'record', reason: 'truncated' }],
  ['type bytes that are not a type', () => parseRecordText(rewrite(small, (b) => void (b[11] = 0x41))), 'INVALID_INPUT', `record type: ${TYPE_RULE}`, { field: 'record type' }],
];

const SEAL: Row[] = [
  ['key of 31 bytes', () => sealRecord(new Uint8Array(31), new Uint8Array(1), { type: 'x', context: ctx }), 'INVALID_INPUT', 'key: expected 32 bytes, got 31', { field: 'key' }],
  ['key not bytes', () => sealRecord('k' as unknown as Uint8Array, new Uint8Array(1), { type: 'x', context: ctx }), 'INVALID_INPUT', 'key: expected Uint8Array, got string', { field: 'key' }],
  ['plaintext not bytes', () => sealRecord(key, 'p' as unknown as Uint8Array, { type: 'x', context: ctx }), 'INVALID_INPUT', 'plaintext: expected Uint8Array, got string', { field: 'plaintext' }],
  ['plaintext over 64 KiB', () => sealRecord(key, new Uint8Array(65537), { type: 'x', context: ctx }), 'INVALID_INPUT', 'plaintext: longer than 65536 bytes', undefined],
  ['options missing', () => sealRecord(key, new Uint8Array(1), undefined as never), 'INVALID_INPUT', 'options: expected an object, got undefined', { field: 'options' }],
  [
    'an unknown option',
    () => sealRecord(key, new Uint8Array(1), { type: 'x', context: ctx, umk: 2 } as never),
    'INVALID_INPUT',
    'options.umk: unknown option (known: type, context, umkVersion)',
    { field: 'options.umk', reason: 'unknown-option' },
  ],
  ['a bad type', () => sealRecord(key, new Uint8Array(1), { type: 'X', context: ctx }), 'INVALID_INPUT', `type: ${TYPE_RULE}`, { field: 'type' }],
  ['UMK version 0', () => sealRecord(key, new Uint8Array(1), { type: 'x', context: ctx, umkVersion: 0 }), 'INVALID_INPUT', 'umkVersion: must be in [1, 4294967295]', { field: 'umkVersion' }],
  ['UMK version 1.5', () => sealRecord(key, new Uint8Array(1), { type: 'x', context: ctx, umkVersion: 1.5 }), 'INVALID_INPUT', 'umkVersion: expected an integer, got number', { field: 'umkVersion' }],
  ['a bad context', () => sealRecord(key, new Uint8Array(1), { type: 'x', context: { address: 'x' } }), 'INVALID_INPUT', 'context.address: not the canonical base58 encoding of exactly 32 bytes (bad-length)', { field: 'context.address', reason: 'bad-length' }],
];

const OPEN: Row[] = [
  ['key of 33 bytes', () => openRecord(new Uint8Array(33), small, { type: 'x', context: ctx }), 'INVALID_INPUT', 'key: expected 32 bytes, got 33', { field: 'key' }],
  [
    'an unknown option',
    () => openRecord(key, small, { type: 'x', context: ctx, umkVersion: 1 } as never),
    'INVALID_INPUT',
    'options.umkVersion: unknown option (known: type, context)',
    { field: 'options.umkVersion', reason: 'unknown-option' },
  ],
  ['a bad type', () => openRecord(key, small, { type: '', context: ctx }), 'INVALID_INPUT', `type: ${TYPE_RULE}`, { field: 'type' }],
  ['not a record', () => openRecord(key, 'avr1', { type: 'x', context: ctx }), 'INVALID_INPUT', "record: not an agentvault record (expected prefix 'avr1.')", { field: 'record', reason: 'prefix' }],
  ['another type', () => openRecord(key, small, { type: 'y', context: ctx }), 'CONTEXT_MISMATCH', 'record holds another type than expected', { reason: 'type' }],
  ['another key', () => openRecord(new Uint8Array(32).fill(1), small, { type: 'x', context: ctx }), 'KEY_MISMATCH', 'record was sealed under another key', { reason: 'commitment' }],
  [
    'another context',
    () => openRecord(key, small, { type: 'x', context: { address, id: '1' } }),
    'CONTEXT_MISMATCH',
    'record authentication failed: the context (address or fields) differs, or it was modified',
    { reason: 'tag' },
  ],
  [
    'a modified ciphertext with a recomputed checksum',
    () => openRecord(key, rewrite(small, (b) => void (b[b.length - 6]! ^= 1)), { type: 'x', context: ctx }),
    'CONTEXT_MISMATCH',
    'record authentication failed: the context (address or fields) differs, or it was modified',
    { reason: 'tag' },
  ],
];

describe.each([
  ['parseRecordText', PARSE],
  ['sealRecord', SEAL],
  ['openRecord', OPEN],
] as const)('%s refusals', (_n, rows) => {
  it.each(rows.map((r) => [...r] as const))('%s', (_name, fn, code, message, details) => {
    const e = refusal(fn);
    expect(e.code).toBe(code);
    expect(e.message).toBe(message);
    expect(e.details).toEqual(details);
  });
});

describe('the rest of the record API', () => {
  it('assertRecordType names the argument it is given (default "type") and returns the type', () => {
    expect(assertRecordType('a.b:c-d_9')).toBe('a.b:c-d_9');
    expect(refusal(() => assertRecordType(7)).details).toEqual({ field: 'type' });
    const e = refusal(() => assertRecordType('A', 'opts.kind'));
    expect(e.message).toBe(`opts.kind: ${TYPE_RULE}`);
    expect(e.details).toEqual({ field: 'opts.kind' });
  });

  it('parseRecordBytes refuses a binary record over the maximum size by length (defence in depth)', () => {
    const max = 3 + 1 + 2 + 4 + 1 + 32 + 32 + 12 + 64 + 65536 + 16 + 4;
    const e = refusal(() => parseRecordBytes(new Uint8Array(max + 1)));
    expect(e.message).toBe('record: wrong length');
    expect(e.details).toEqual({ field: 'record', reason: 'length' });
    // At the maximum the length passes and the checksum decides.
    expect(refusal(() => parseRecordBytes(new Uint8Array(max))).details).toEqual({ field: 'record', reason: 'checksum' });
  });

  it('a SecretBytes key seals and opens like its bytes; recordUmkVersion reads the header', () => {
    const r = sealRecord(SecretBytes.copy(key), Uint8Array.of(9), { type: 'x', context: ctx, umkVersion: 7 });
    const o = openRecord(SecretBytes.copy(key), r, { type: 'x', context: ctx });
    expect(Array.from(o.plaintext.expose())).toEqual([9]);
    expect(o.type).toBe('x');
    expect(o.umkVersion).toBe(7);
    expect(recordUmkVersion(r)).toBe(7);
    expect(openRecord(key, r, { type: 'x', context: ctx }).umkVersion).toBe(7);
  });
});
