/**
 * The record text codec (src/primitives/_base64url.ts, issue 18) decides exactly as @scure/base's
 * `base64urlnopad` (the codec it replaced) and as Node's Buffer on canonical input.
 */
import { base64urlnopad } from '@scure/base';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64url, encodeBase64url, encodeBase64urlTable } from '../../src/primitives/_base64url.js';
import { toHex } from '../helpers/bytes.js';
import { runs } from './_runs.js';

const reference = (text: string): string | undefined => {
  try {
    return toHex(base64urlnopad.decode(text));
  } catch {
    return undefined;
  }
};
const ours = (text: string): string | undefined => {
  const b = decodeBase64url(text);
  return b === undefined ? undefined : toHex(b);
};

describe('base64url codec', () => {
  it('round trip and agreement with @scure/base and Buffer for every byte string', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        const t = encodeBase64url(b);
        expect(t).toBe(base64urlnopad.encode(b));
        expect(t).toBe(Buffer.from(b).toString('base64url'));
        // The portable table encoder (runtimes without Buffer) gives the same text.
        expect(encodeBase64urlTable(b)).toBe(t);
        // A view into a larger buffer encodes only its own bytes.
        const big = new Uint8Array(b.length + 7).fill(0xee);
        big.set(b, 3);
        expect(encodeBase64url(big.subarray(3, 3 + b.length))).toBe(t);
        expect(ours(t)).toBe(toHex(b));
      }),
      { numRuns: runs(1000) },
    );
  });
  it('same decision as @scure/base on arbitrary strings (foreign letters, padding, bad lengths, non-zero tail bits)', () => {
    const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const ch = fc.oneof({ weight: 40, arbitrary: fc.constantFrom(...letters) }, { weight: 1, arbitrary: fc.constantFrom('=', '+', '/', ' ', '\n', '\u00ff', '\u0100', '\ud800') });
    fc.assert(
      fc.property(fc.array(ch, { maxLength: 24 }), (cs) => {
        const t = cs.join('');
        expect(ours(t)).toBe(reference(t));
      }),
      { numRuns: runs(5000) },
    );
  });
  it('a single flipped bit of the last letter is refused when it lands in the unused bits', () => {
    for (const t of ['AB', 'AAB', 'AAAAAB', 'A', 'AAAAA', 'AA==', 'AA=']) expect(ours(t)).toBe(undefined);
    for (const t of ['', 'AA', 'AAA', 'AAAA', '_w', '__8']) expect(ours(t)).toBe(reference(t));
  });
});
