/**
 * Wycheproof aes_gcm_test.json against aesGcmEncrypt/aesGcmDecrypt (DESIGN 5: AES-256-GCM, 12-byte
 * IV, 16-byte tag, nothing else).
 * - keySize 256 / ivSize 96 / tagSize 128: every valid case round-trips exactly, every invalid
 *   case is refused by decrypt with INTEGRITY.
 * - every other group (other key size, other IV size incl. 0, other tag size): refused by both
 *   encrypt and decrypt with INVALID_INPUT, before any work is done.
 */
import { expect, it } from 'vitest';
import { aesGcmDecrypt, aesGcmEncrypt } from '../../src/primitives/aead.js';
import { cat, hex, toHex } from '../helpers/bytes.js';
import { expectCode } from '../helpers/errors.js';
import { type AeadTestGroup, countTests, describeWycheproof } from '../helpers/wycheproof.js';

describeWycheproof<AeadTestGroup>('aes_gcm_test.json', 'aead_test_schema_v1.json', (data) => {
  const ours = data.testGroups.filter((g) => g.keySize === 256 && g.ivSize === 96 && g.tagSize === 128);
  const others = data.testGroups.filter((g) => !ours.includes(g));
  const oursTests = ours.flatMap((g) => g.tests);

  it('is the file we expect', () => {
    expect(data.algorithm).toBe('AES-GCM');
    expect(countTests(data)).toBe(data.numberOfTests);
    // README: the relevant subset is 66 tests; guard against the subset silently shrinking.
    expect(oursTests).toHaveLength(66);
    expect(oursTests.filter((t) => t.result === 'acceptable')).toEqual([]);
    expect(oursTests.filter((t) => t.result === 'invalid').length).toBeGreaterThan(0);
  });

  it.each(oursTests.filter((t) => t.result === 'valid').map((t) => [t.tcId, t.comment, t] as const))(
    'valid tcId %i %s: encrypt gives ct || tag, decrypt gives msg',
    (_id, _c, t) => {
      const [key, iv, aad, msg] = [hex(t.key), hex(t.iv), hex(t.aad), hex(t.msg)];
      expect(toHex(aesGcmEncrypt(key, iv, msg, aad))).toBe(t.ct + t.tag);
      expect(toHex(aesGcmDecrypt(key, iv, hex(t.ct + t.tag), aad))).toBe(t.msg);
    },
  );

  it.each(oursTests.filter((t) => t.result === 'invalid').map((t) => [t.tcId, t.comment, t] as const))(
    'invalid tcId %i %s: decrypt refuses with INTEGRITY',
    (_id, _c, t) => {
      expectCode(() => aesGcmDecrypt(hex(t.key), hex(t.iv), hex(t.ct + t.tag), hex(t.aad)), 'INTEGRITY');
    },
  );
  it('every INTEGRITY failure carries the same generic message (no oracle)', () => {
    const messages = new Set(
      oursTests
        .filter((t) => t.result === 'invalid')
        .map((t) => expectCode(() => aesGcmDecrypt(hex(t.key), hex(t.iv), hex(t.ct + t.tag), hex(t.aad)), 'INTEGRITY').message),
    );
    expect(messages.size).toBe(1);
  });

  it('the file has groups outside 256/96/128 to refuse (other key sizes and IV sizes, incl. 0)', () => {
    expect(others.some((g) => g.keySize !== 256)).toBe(true);
    expect(others.some((g) => g.keySize === 256 && g.ivSize !== 96)).toBe(true);
    expect(others.some((g) => g.ivSize === 0)).toBe(true);
  });

  it.each(others.map((g) => [g.keySize, g.ivSize, g.tagSize, g] as const))(
    'group key %i / iv %i / tag %i: encrypt and decrypt refuse every test with INVALID_INPUT',
    (_k, _i, _t, g) => {
      for (const t of g.tests) {
        const [key, iv, aad, msg] = [hex(t.key), hex(t.iv), hex(t.aad), hex(t.msg)];
        if (g.tagSize === 128) {
          expectCode(() => aesGcmEncrypt(key, iv, msg, aad), 'INVALID_INPUT');
          expectCode(() => aesGcmDecrypt(key, iv, cat(hex(t.ct), hex(t.tag)), aad), 'INVALID_INPUT');
        } else {
          // A sealed blob does not state its tag length, so a shorter tag can only be refused
          // (INVALID_INPUT when the key/IV is wrong or the blob is shorter than 16 bytes,
          // INTEGRITY otherwise); encrypt never produces it. The v1 file has no such group.
          expect(() => aesGcmDecrypt(key, iv, cat(hex(t.ct), hex(t.tag)), aad)).toThrow();
        }
      }
    },
  );

  it('a truncated tag (12, 8, 4 bytes) is refused', () => {
    const t = oursTests.find((x) => x.result === 'valid' && x.msg.length === 32)!;
    const [key, iv, aad] = [hex(t.key), hex(t.iv), hex(t.aad)];
    for (const tagLen of [12, 8, 4]) {
      const sealed = hex(t.ct + t.tag.slice(0, tagLen * 2));
      expect(() => aesGcmDecrypt(key, iv, sealed, aad)).toThrow();
    }
    // Sealed shorter than a full tag: INVALID_INPUT before any crypto.
    expectCode(() => aesGcmDecrypt(key, iv, hex(t.tag.slice(0, 24)), aad), 'INVALID_INPUT');
  });
});
