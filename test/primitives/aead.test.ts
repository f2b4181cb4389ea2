/**
 * AES-256-GCM (DESIGN 5; SPEC 3.2): round trip, cross-check with node:crypto in both directions,
 * every single-bit flip of ciphertext || tag, IV and AAD refused, exact argument errors, and no
 * key or plaintext bytes in any error. Wycheproof: wycheproof-aes-gcm.test.ts.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AES_KEY_LENGTH, GCM_IV_LENGTH, GCM_TAG_LENGTH, aesGcmDecrypt, aesGcmEncrypt } from '../../src/primitives/aead.js';
import { cat, flipBit, snapshot, toHex } from '../helpers/bytes.js';
import { errorText, expectCode } from '../helpers/errors.js';
import { expectNoSecretIn } from '../helpers/secrets.js';
import { runs } from './_runs.js';

const rnd = (n: number) => Uint8Array.from(randomBytes(n));

function nodeEncrypt(key: Uint8Array, iv: Uint8Array, pt: Uint8Array, aad: Uint8Array): Uint8Array {
  const c = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
  c.setAAD(aad);
  return cat(c.update(pt), c.final(), c.getAuthTag());
}

function nodeDecrypt(key: Uint8Array, iv: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array {
  const d = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
  d.setAAD(aad);
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  return cat(d.update(sealed.subarray(0, sealed.length - 16)), d.final());
}

describe('AES-256-GCM parameters', () => {
  it('are 32-byte key, 12-byte IV, 16-byte tag', () => {
    expect([AES_KEY_LENGTH, GCM_IV_LENGTH, GCM_TAG_LENGTH]).toEqual([32, 12, 16]);
  });
});

describe('round trip and node:crypto cross-check', () => {
  it('encrypt -> decrypt returns the plaintext; output is plaintext length + 16', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 100 }), (pt, aad) => {
        const key = rnd(32);
        const iv = rnd(12);
        const sealed = aesGcmEncrypt(key, iv, pt, aad);
        expect(sealed).toHaveLength(pt.length + 16);
        expect(toHex(aesGcmDecrypt(key, iv, sealed, aad))).toBe(toHex(pt));
      }),
      { numRuns: runs(100) },
    );
  });

  it('ours -> node decrypts, node -> ours decrypts, and the bytes are equal', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.uint8Array({ maxLength: 300 }),
        fc.uint8Array({ maxLength: 100 }),
        (key, iv, pt, aad) => {
          const ours = aesGcmEncrypt(key, iv, pt, aad);
          const node = nodeEncrypt(key, iv, pt, aad);
          expect(toHex(ours)).toBe(toHex(node));
          expect(toHex(nodeDecrypt(key, iv, ours, aad))).toBe(toHex(pt));
          expect(toHex(aesGcmDecrypt(key, iv, node, aad))).toBe(toHex(pt));
        },
      ),
      { numRuns: runs(100) },
    );
  });

  it('does not mutate key, IV, plaintext, AAD or sealed input', () => {
    const [key, iv, pt, aad] = [rnd(32), rnd(12), rnd(50), rnd(20)];
    const check = snapshot(key, iv, pt, aad);
    const sealed = aesGcmEncrypt(key, iv, pt, aad);
    const checkSealed = snapshot(sealed);
    aesGcmDecrypt(key, iv, sealed, aad);
    check();
    checkSealed();
  });

  it('accepts subarray views (non-zero byteOffset) with the same result as copies', () => {
    const big = rnd(200);
    const [key, iv, pt, aad] = [big.subarray(1, 33), big.subarray(40, 52), big.subarray(60, 99), big.subarray(101, 110)];
    const sealed = aesGcmEncrypt(key, iv, pt, aad);
    expect(toHex(sealed)).toBe(toHex(nodeEncrypt(key, iv, pt, aad)));
    const view = cat(new Uint8Array(7), sealed).subarray(7);
    expect(toHex(aesGcmDecrypt(key, iv, view, aad))).toBe(toHex(pt));
  });

  it('empty plaintext and empty AAD are fine (tag only)', () => {
    const [key, iv] = [rnd(32), rnd(12)];
    const sealed = aesGcmEncrypt(key, iv, new Uint8Array(0), new Uint8Array(0));
    expect(sealed).toHaveLength(16);
    expect(aesGcmDecrypt(key, iv, sealed, new Uint8Array(0))).toHaveLength(0);
  });
});

describe('tampering: every single-bit flip is refused with INTEGRITY', () => {
  const [key, iv, pt, aad] = [rnd(32), rnd(12), rnd(24), rnd(10)];
  const sealed = aesGcmEncrypt(key, iv, pt, aad);

  it(`each of the ${sealed.length * 8} bits of ciphertext || tag`, () => {
    for (let bit = 0; bit < sealed.length * 8; bit++) expectCode(() => aesGcmDecrypt(key, iv, flipBit(sealed, bit), aad), 'INTEGRITY');
  });
  it('each of the 96 bits of the IV', () => {
    for (let bit = 0; bit < 96; bit++) expectCode(() => aesGcmDecrypt(key, flipBit(iv, bit), sealed, aad), 'INTEGRITY');
  });
  it(`each of the ${aad.length * 8} bits of the AAD, and a truncated, extended or empty AAD`, () => {
    for (let bit = 0; bit < aad.length * 8; bit++) expectCode(() => aesGcmDecrypt(key, iv, sealed, flipBit(aad, bit)), 'INTEGRITY');
    expectCode(() => aesGcmDecrypt(key, iv, sealed, aad.subarray(0, aad.length - 1)), 'INTEGRITY');
    expectCode(() => aesGcmDecrypt(key, iv, sealed, cat(aad, new Uint8Array(1))), 'INTEGRITY');
    expectCode(() => aesGcmDecrypt(key, iv, sealed, new Uint8Array(0)), 'INTEGRITY');
  });
  it('each of the 256 bits of the key', () => {
    for (let bit = 0; bit < 256; bit++) expectCode(() => aesGcmDecrypt(flipBit(key, bit), iv, sealed, aad), 'INTEGRITY');
  });
  it('a truncated or extended ciphertext', () => {
    expectCode(() => aesGcmDecrypt(key, iv, sealed.subarray(0, sealed.length - 1), aad), 'INTEGRITY');
    expectCode(() => aesGcmDecrypt(key, iv, sealed.subarray(1), aad), 'INTEGRITY');
    expectCode(() => aesGcmDecrypt(key, iv, cat(sealed, new Uint8Array(1)), aad), 'INTEGRITY');
  });
  it('random multi-byte corruption (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: sealed.length - 1 }), fc.integer({ min: 1, max: 255 }), (pos, x) => {
        const bad = Uint8Array.from(sealed);
        bad[pos]! ^= x;
        expectCode(() => aesGcmDecrypt(key, iv, bad, aad), 'INTEGRITY');
      }),
      { numRuns: runs(200) },
    );
  });
});

describe('argument errors: INVALID_INPUT with the argument named', () => {
  const [key, iv, pt, aad] = [rnd(32), rnd(12), rnd(16), rnd(4)];
  const sealed = aesGcmEncrypt(key, iv, pt, aad);

  for (const n of [0, 16, 24, 31, 33, 64]) {
    it(`key of ${n} bytes (AES-128/192 included) is refused`, () => {
      expect(expectCode(() => aesGcmEncrypt(rnd(n), iv, pt, aad), 'INVALID_INPUT').message).toMatch(/^key: expected 32 bytes/);
      expect(expectCode(() => aesGcmDecrypt(rnd(n), iv, sealed, aad), 'INVALID_INPUT').message).toMatch(/^key: expected 32 bytes/);
    });
  }
  for (const n of [0, 1, 8, 11, 13, 16, 32, 64]) {
    it(`IV of ${n} bytes is refused (DESIGN 5: 12 bytes only)`, () => {
      expect(expectCode(() => aesGcmEncrypt(key, rnd(n), pt, aad), 'INVALID_INPUT').message).toMatch(/^iv: expected 12 bytes/);
      expect(expectCode(() => aesGcmDecrypt(key, rnd(n), sealed, aad), 'INVALID_INPUT').message).toMatch(/^iv: expected 12 bytes/);
    });
  }
  it('sealed input shorter than the tag is refused before any crypto', () => {
    for (const n of [0, 1, 15]) expect(expectCode(() => aesGcmDecrypt(key, iv, sealed.subarray(0, n), aad), 'INVALID_INPUT').message).toMatch(/^ciphertext/);
  });
  it('wrong types name the argument', () => {
    const bad = 'not bytes' as unknown as Uint8Array;
    expect(expectCode(() => aesGcmEncrypt(bad, iv, pt, aad), 'INVALID_INPUT').message).toMatch(/^key: expected Uint8Array, got string/);
    expect(expectCode(() => aesGcmEncrypt(key, bad, pt, aad), 'INVALID_INPUT').message).toMatch(/^iv:/);
    expect(expectCode(() => aesGcmEncrypt(key, iv, bad, aad), 'INVALID_INPUT').message).toMatch(/^plaintext:/);
    expect(expectCode(() => aesGcmEncrypt(key, iv, pt, bad), 'INVALID_INPUT').message).toMatch(/^aad:/);
    expect(expectCode(() => aesGcmDecrypt(key, iv, bad, aad), 'INVALID_INPUT').message).toMatch(/^ciphertext:/);
    // AAD is mandatory: omitting it is an error, not "no AAD".
    expect(expectCode(() => aesGcmEncrypt(key, iv, pt, undefined as unknown as Uint8Array), 'INVALID_INPUT').message).toMatch(/^aad:/);
  });
});

describe('errors never contain key or plaintext bytes', () => {
  it('INTEGRITY (wrong key, tampered data) and INVALID_INPUT errors', async () => {
    const [key, iv, pt, aad] = [rnd(32), rnd(12), rnd(48), rnd(16)];
    const otherKey = rnd(32);
    const sealed = aesGcmEncrypt(key, iv, pt, aad);
    const secrets = [key, otherKey, pt];
    const errors = [
      expectCode(() => aesGcmDecrypt(otherKey, iv, sealed, aad), 'INTEGRITY'),
      expectCode(() => aesGcmDecrypt(key, iv, flipBit(sealed, 3), aad), 'INTEGRITY'),
      expectCode(() => aesGcmEncrypt(key.subarray(0, 31), iv, pt, aad), 'INVALID_INPUT'),
      expectCode(() => aesGcmEncrypt(cat(key, pt), iv, pt, aad), 'INVALID_INPUT'),
      expectCode(() => aesGcmEncrypt(key, pt, pt, aad), 'INVALID_INPUT'),
      expectCode(() => aesGcmDecrypt(key, iv, pt.subarray(0, 10), aad), 'INVALID_INPUT'),
      expectCode(() => aesGcmEncrypt(Buffer.from(key).toString('hex') as unknown as Uint8Array, iv, pt, aad), 'INVALID_INPUT'),
    ];
    for (const [i, e] of errors.entries()) expectNoSecretIn(await errorText(e), secrets, `error #${i}`);
  });
});
