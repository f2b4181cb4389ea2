/**
 * The record encoder without Node's Buffer (browsers, Deno without Node compatibility): the module
 * detects Buffer once, when it is loaded, so a fresh copy is loaded with `globalThis.Buffer` absent,
 * and must then encode with its own table, giving the RFC 4648 section 5 text.
 */
import { base64urlnopad } from '@scure/base';
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.resetModules();
});

/** _base64url.ts loaded while `globalThis.Buffer` is undefined. */
async function loadWithoutBuffer(): Promise<typeof import('../../src/primitives/_base64url.js')> {
  vi.resetModules();
  const g = globalThis as { Buffer?: unknown };
  const saved = Object.getOwnPropertyDescriptor(g, 'Buffer')!;
  Object.defineProperty(g, 'Buffer', { value: undefined, configurable: true, writable: true });
  try {
    return await import('../../src/primitives/_base64url.js');
  } finally {
    Object.defineProperty(g, 'Buffer', saved);
  }
}

describe('base64url encoding without Buffer', () => {
  it('every length 0..70 and every byte value: the RFC 4648 section 5 text (@scure/base), unpadded', async () => {
    const { encodeBase64url, decodeBase64url } = await loadWithoutBuffer();
    for (let n = 0; n <= 70; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 97 + n * 13 + 255) & 0xff);
      expect(encodeBase64url(bytes)).toBe(base64urlnopad.encode(bytes));
      expect(decodeBase64url(encodeBase64url(bytes))).toEqual(bytes);
    }
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(encodeBase64url(all)).toBe(base64urlnopad.encode(all));
    // A view into a larger buffer: only its own bytes.
    const big = Uint8Array.from({ length: 40 }, (_, i) => i);
    expect(encodeBase64url(big.subarray(7, 30))).toBe(base64urlnopad.encode(big.slice(7, 30)));
  });
});
