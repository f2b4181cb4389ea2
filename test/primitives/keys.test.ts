/**
 * assertStrongKey (DESIGN 5: "No fallback keys, ever: a missing or weak key ... is a startup error
 * with a message that says how to generate a proper one").
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { assertStrongKey } from '../../src/primitives/keys.js';
import { expectCode } from '../helpers/errors.js';

const HOW = 'openssl rand -base64 32';

function weak(key: unknown, length?: number) {
  const e = expectCode(() => (length === undefined ? assertStrongKey(key, 'PEPPER') : assertStrongKey(key, 'PEPPER', length)), 'WEAK_KEY');
  expect(e.message).toContain(HOW);
  expect(e.message).toMatch(/^PEPPER:/);
  expect(e.details).toEqual({ field: 'PEPPER' });
  return e;
}

/** 32 bytes using exactly `distinct` different values. */
function withDistinct(distinct: number): Uint8Array {
  return Uint8Array.from({ length: 32 }, (_, i) => (i % distinct) * 7 + 1);
}

describe('assertStrongKey', () => {
  it('missing (undefined, null, empty string) -> WEAK_KEY "missing" with how to generate one', () => {
    for (const v of [undefined, null, '']) expect(weak(v).message).toContain('missing');
  });
  it('a base64 string instead of decoded bytes -> WEAK_KEY (every other wrong type: wrong-types.test.ts)', () => {
    weak(Buffer.from(new Uint8Array(32).fill(9)).toString('base64'));
  });
  it('short or long keys -> WEAK_KEY naming the lengths', () => {
    for (const n of [0, 1, 16, 31, 33, 64]) expect(weak(new Uint8Array(randomBytes(n))).message).toContain(`got ${n}`);
  });
  it('all bytes equal -> WEAK_KEY', () => {
    for (const b of [0x00, 0x41, 0xff]) weak(new Uint8Array(32).fill(b));
  });
  it('a base64 text pasted as UTF-8 bytes still has too little variety when it repeats', () => {
    weak(new TextEncoder().encode('changeme'.repeat(4)));
  });
  it('fewer than 16 distinct byte values in 32 -> WEAK_KEY; 16 is the boundary', () => {
    for (const d of [1, 2, 8, 15]) expect(weak(withDistinct(d)).message).toContain('distinct');
    expect(new Set(withDistinct(16)).size).toBe(16);
    expect(() => assertStrongKey(withDistinct(16), 'PEPPER')).not.toThrow();
  });
  it('random 32-byte keys are accepted and returned as-is', () => {
    for (let i = 0; i < 200; i++) {
      const k = new Uint8Array(randomBytes(32));
      expect(assertStrongKey(k, 'PEPPER')).toBe(k);
    }
  });
  it('other lengths when asked: 64 random bytes accepted, 64 bytes with 8 distinct values refused', () => {
    expect(() => assertStrongKey(new Uint8Array(randomBytes(64)), 'K', 64)).not.toThrow();
    weak(Uint8Array.from({ length: 64 }, (_, i) => i % 8), 64);
    weak(new Uint8Array(randomBytes(32)), 64);
  });
  it('the message never contains the key bytes', () => {
    const k = new Uint8Array(randomBytes(31));
    const e = weak(k);
    expect(e.message).not.toContain(Buffer.from(k).toString('hex'));
    expect(e.message).not.toContain(Buffer.from(k).toString('base64'));
  });
});
