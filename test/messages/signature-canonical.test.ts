/**
 * SPEC 3.7 / issue 16: `decodeSignature` decides canonical text by explicit rules (the shared
 * decoders of src/_encoding.ts), not by whether a codec happens to throw: base64 whose unused low
 * bits are not zero, base58 with an extra leading `1`, wrong lengths and alphabets are refused with
 * INVALID_INPUT and a `details.reason`. Aliases are computed with node's Buffer (which accepts
 * them), independently of the library.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AgentvaultError } from '../../src/errors.js';
import { decodeSignature } from '../../src/messages/challenge.js';
import { expectCode } from '../helpers/errors.js';
import { base58Ref } from '../helpers/reference.js';
import { runs } from './_fixtures.js';

const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** The 15 other texts Buffer decodes to the same 64 bytes: the last data character with non-zero unused bits. */
function base64Aliases(sig: Uint8Array): string[] {
  const text = Buffer.from(sig).toString('base64');
  const i = text.length - 3; // 88 characters: 85 data + ... the last data character, then '=='
  const v = A.indexOf(text[i]!);
  return Array.from({ length: 15 }, (_, k) => text.slice(0, i) + A[(v & 0x30) | (k + 1)]! + text.slice(i + 1));
}

describe('decodeSignature: canonical text only (SPEC 3.7)', () => {
  it('base64 with non-zero unused bits is refused (non-zero-unused-bits), though Buffer decodes it to the same bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), (sig) => {
        expect(decodeSignature(Buffer.from(sig).toString('base64'))).toEqual(sig);
        for (const alias of base64Aliases(sig)) {
          expect(Uint8Array.from(Buffer.from(alias, 'base64'))).toEqual(sig);
          const e = expectCode(() => decodeSignature(alias), 'INVALID_INPUT');
          expect(e.details).toEqual({ field: 'signature', reason: 'non-zero-unused-bits' });
        }
      }),
      { numRuns: runs(50) },
    );
  });

  it('base58 with an extra leading 1 (65 bytes) or of 63 bytes is refused (bad-length); a wrong alphabet (bad-alphabet)', () => {
    const sig = Uint8Array.from({ length: 64 }, (_, i) => 255 - i);
    expect(decodeSignature(base58Ref(sig))).toEqual(sig);
    expect(expectCode(() => decodeSignature('1' + base58Ref(sig)), 'INVALID_INPUT').details).toMatchObject({ field: 'signature', reason: 'bad-length' });
    expect(expectCode(() => decodeSignature(base58Ref(sig.subarray(1))), 'INVALID_INPUT').details).toMatchObject({ field: 'signature' });
    expect(expectCode(() => decodeSignature(base58Ref(sig).replace(/.$/, '0')), 'INVALID_INPUT').details).toMatchObject({ reason: 'bad-alphabet' });
    expect(expectCode(() => decodeSignature(Buffer.from(sig).toString('base64').replace('==', '=A')), 'INVALID_INPUT').details).toMatchObject({ field: 'signature' });
  });

  it('single-character changes and arbitrary strings: a value or an AgentvaultError, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.nat(), fc.integer({ min: 0, max: 127 }), fc.boolean(), (sig, at, code, b64) => {
        const text = b64 ? Buffer.from(sig).toString('base64') : base58Ref(sig);
        const i = at % text.length;
        const changed = text.slice(0, i) + String.fromCharCode(code) + text.slice(i + 1);
        try {
          const out = decodeSignature(changed);
          // accepted only if it is the canonical text of what it decodes to
          expect(b64 && changed.endsWith('==') ? Buffer.from(out).toString('base64') : base58Ref(out)).toBe(changed);
        } catch (e) {
          expect(e).toBeInstanceOf(AgentvaultError);
        }
      }),
      { numRuns: runs(500) },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), (s) => {
        try {
          decodeSignature(s);
        } catch (e) {
          expect(e).toBeInstanceOf(AgentvaultError);
        }
      }),
    );
  });
});
