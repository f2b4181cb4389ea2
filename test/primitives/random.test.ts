/**
 * The pooled CSPRNG (src/_random.ts, SPEC 3.3): small requests are served from a buffer, each
 * byte handed out once. Outputs never overlap (no two requests share bytes, across refills), are
 * fresh arrays the caller may zero, and a test source still sees every request.
 */
import { describe, expect, it, vi } from 'vitest';
import { _setRandomSourceForTests, randomBytes, randomPublicBytes } from '../../src/_random.js';

describe('randomPublicBytes pool', () => {
  it('no repeated 32-byte output over several pool refills; lengths exact; fresh arrays', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const n = [12, 16, 32, 44, 64][i % 5]!;
      const b = randomPublicBytes(n);
      expect(b.length).toBe(n);
      expect(b.byteOffset).toBe(0);
      if (n === 32) {
        const h = Buffer.from(b).toString('hex');
        expect(seen.has(h)).toBe(false);
        seen.add(h);
      }
      b.fill(0); // the caller owns it: zeroing it must not affect the next outputs
    }
    expect(randomPublicBytes(32).some((x) => x !== 0)).toBe(true);
  });
  it('a test source receives every request, pooled sizes included', () => {
    const asked: number[] = [];
    _setRandomSourceForTests((n) => (asked.push(n), new Uint8Array(n).fill(7)));
    try {
      expect(randomBytes(32)).toEqual(new Uint8Array(32).fill(7));
      expect(randomPublicBytes(12)).toEqual(new Uint8Array(12).fill(7));
      expect(randomBytes(100).length).toBe(100);
    } finally {
      _setRandomSourceForTests();
    }
    expect(asked).toEqual([32, 12, 100]);
  });
  it('secrets never come from the pool: each randomBytes call reaches the CSPRNG, public bytes may not', () => {
    randomPublicBytes(12); // the pool is filled now
    const real = globalThis.crypto.getRandomValues.bind(globalThis.crypto);
    let calls = 0;
    const spy = vi.spyOn(globalThis.crypto, 'getRandomValues').mockImplementation(((a: Uint8Array) => (calls++, real(a))) as never);
    try {
      randomBytes(32);
      randomBytes(16);
      expect(calls).toBe(2);
      randomPublicBytes(12);
      expect(calls).toBe(2);
    } finally {
      spy.mockRestore();
    }
  });
});
