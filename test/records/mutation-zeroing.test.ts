/**
 * SPEC 3.3 / 4.3: the record layer zeroes its key material (the per-record encryption key, and on
 * open the recomputed commitment) on success and on every failure after the keys were derived.
 * Observed through a pass-through mock of `hkdfSha256Pair` (one PRK, two expansions; it zeroes the
 * PRK itself, which test/primitives/hot-paths.test.ts checks) that keeps a reference to every
 * output it hands to the record layer.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { encodeAddress } from '../../src/primitives/address.js';
import { openRecord, sealRecord } from '../../src/records/record.js';
import { AgentvaultError } from '../../src/errors.js';

const seen = vi.hoisted(() => ({ pairs: 0, expanded: [] as Uint8Array[] }));
vi.mock('../../src/primitives/hkdf.js', async (importOriginal) => {
  const m = await importOriginal<typeof import('../../src/primitives/hkdf.js')>();
  return {
    ...m,
    hkdfSha256Pair: (...a: Parameters<typeof m.hkdfSha256Pair>) => {
      const out = m.hkdfSha256Pair(...a);
      seen.pairs++;
      seen.expanded.push(...out);
      return out;
    },
  };
});

const address = encodeAddress(new Uint8Array(32).fill(7));
const key = new Uint8Array(32).map((_, i) => i + 1);
const ctx = { address };
const isZero = (b: Uint8Array) => b.length === 32 && b.every((x) => x === 0);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

afterEach(() => {
  seen.pairs = 0;
  seen.expanded.length = 0;
});

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof AgentvaultError) return e.code;
    throw e;
  }
  return 'ok';
}

describe('record key material is zeroed', () => {
  it('sealRecord: the encryption key is zero afterwards; the commitment went into the header', () => {
    const r = sealRecord(key, Uint8Array.of(1, 2, 3), { type: 'x', context: ctx });
    expect(seen.pairs).toBe(1);
    expect(seen.expanded).toHaveLength(2); // encryption key, then commitment (SPEC 4.3)
    expect(isZero(seen.expanded[0]!)).toBe(true);
    const commitment = seen.expanded[1]!;
    expect(isZero(commitment)).toBe(false);
    expect(Buffer.from(r.slice(5), 'base64url').subarray(44, 76).toString('hex')).toBe(hex(commitment));
    expect(Array.from(key)).toEqual(Array.from({ length: 32 }, (_, i) => i + 1)); // the caller's key is untouched
  });

  it.each([
    ['success', key, ctx, 'ok'],
    ['another key (KEY_MISMATCH)', new Uint8Array(32).fill(5), ctx, 'KEY_MISMATCH'],
    ['another context (CONTEXT_MISMATCH after the tag check)', key, { address, id: '2' }, 'CONTEXT_MISMATCH'],
  ] as const)('openRecord, %s: the encryption key and the recomputed commitment are zero afterwards', (_n, k, c, want) => {
    const r = sealRecord(key, Uint8Array.of(1, 2, 3), { type: 'x', context: ctx });
    seen.pairs = 0;
    seen.expanded.length = 0;
    expect(codeOf(() => openRecord(k, r, { type: 'x', context: c }))).toBe(want);
    expect(seen.pairs).toBe(1);
    expect(seen.expanded).toHaveLength(2);
    for (const b of seen.expanded) expect(isZero(b)).toBe(true);
  });
});
