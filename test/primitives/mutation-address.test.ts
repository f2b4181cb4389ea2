/**
 * assertAddress (issue 18): the default argument name, and its cache of canonical texts observed
 * through a pass-through copy of the base58 decoder that counts calls. A text found canonical is
 * not decoded again; the cache holds 1024 texts and is emptied when a 1025th arrives, so that an
 * old text is decoded (and decided) again. Each cache test loads a fresh copy of address.ts.
 */
import { createHash } from 'node:crypto';
import { base58 } from '@scure/base';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { assertAddress, decodeAddress } from '../../src/primitives/address.js';
import { expectCode } from '../helpers/errors.js';

const ENCODING = '../../src/_encoding.js';

/** A canonical address made outside the library: @scure/base of a SHA-256 (32 bytes). */
const addressOf = (i: number): string => base58.encode(createHash('sha256').update(`address ${i}`).digest());

afterEach(() => {
  vi.doUnmock(ENCODING);
  vi.resetModules();
});

/** A fresh address.ts whose base58 decoder counts its calls. */
async function counted(): Promise<{ assertAddress: typeof assertAddress; decodes: () => number }> {
  vi.resetModules();
  let n = 0;
  vi.doMock(ENCODING, async (importOriginal) => {
    const m = await importOriginal<typeof import('../../src/_encoding.js')>();
    return {
      ...m,
      decodeBase58: (...a: Parameters<typeof m.decodeBase58>) => {
        n++;
        return m.decodeBase58(...a);
      },
    };
  });
  const fresh = await import('../../src/primitives/address.js');
  return { assertAddress: fresh.assertAddress, decodes: () => n };
}

describe('assertAddress: the argument name', () => {
  it('without a name the field is "address", in the message and the details, for every refusal', () => {
    const valid = addressOf(1);
    expect(assertAddress(valid)).toBe(valid); // cached from here on: refusals below must not hit it
    const notString = expectCode(() => assertAddress(42), 'INVALID_INPUT');
    expect(notString.message).toBe('address: expected string, got number');
    expect(notString.details).toEqual({ field: 'address' });
    const bad = expectCode(() => assertAddress('0' + valid.slice(1)), 'INVALID_INPUT');
    expect(bad.message).toBe('address: not the canonical base58 encoding of exactly 32 bytes (bad-alphabet)');
    expect(bad.details).toEqual({ field: 'address', reason: 'bad-alphabet' });
    const extraOne = expectCode(() => assertAddress('1' + valid), 'INVALID_INPUT');
    expect(extraOne.details).toEqual({ field: 'address', reason: 'bad-length' });
    expect(extraOne.message).toBe(expectCode(() => decodeAddress('1' + valid), 'INVALID_INPUT').message);
  });
});

describe('assertAddress: the cache of canonical texts', () => {
  it('a text already found canonical is returned without decoding it again; a new one is decoded', async () => {
    const { assertAddress: check, decodes } = await counted();
    const [a, b] = [addressOf(2), addressOf(3)];
    expect(check(a)).toBe(a);
    expect(decodes()).toBe(1);
    expect(check(a)).toBe(a);
    expect(check(a, 'owner')).toBe(a);
    expect(decodes()).toBe(1);
    expect(check(b)).toBe(b);
    expect(decodes()).toBe(2);
    // Both are kept (one new text does not evict the others).
    expect(check(a)).toBe(a);
    expect(check(b)).toBe(b);
    expect(decodes()).toBe(2);
    // Refusals are never cached: the same bad text is decided (and refused) every time.
    for (let i = 0; i < 2; i++) expect(() => check('1' + a)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(decodes()).toBe(4);
  });

  it('holds 1024 texts; the 1025th empties it first, so the older ones are decoded again', async () => {
    const { assertAddress: check, decodes } = await counted();
    const texts = Array.from({ length: 1025 }, (_, i) => addressOf(1000 + i));
    expect(new Set(texts).size).toBe(1025);
    for (const t of texts.slice(0, 1024)) expect(check(t)).toBe(t);
    expect(decodes()).toBe(1024);
    // All 1024 are kept.
    for (const t of texts.slice(0, 1024)) expect(check(t)).toBe(t);
    expect(decodes()).toBe(1024);
    // One more: the cache was full, so it starts again with only the new text.
    expect(check(texts[1024]!)).toBe(texts[1024]);
    expect(decodes()).toBe(1025);
    expect(check(texts[1024]!)).toBe(texts[1024]);
    expect(decodes()).toBe(1025);
    expect(check(texts[0]!)).toBe(texts[0]);
    expect(check(texts[1023]!)).toBe(texts[1023]);
    expect(decodes()).toBe(1027);
  });
});
