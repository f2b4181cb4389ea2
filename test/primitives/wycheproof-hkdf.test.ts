/**
 * Wycheproof hkdf_sha256_test.json (all 86 tests): valid cases match hkdfSha256; invalid cases
 * (output size > 255 * 32) are refused with INVALID_INPUT.
 */
import { hkdfSync } from 'node:crypto';
import { expect, it } from 'vitest';
import { hkdfSha256 } from '../../src/primitives/hkdf.js';
import { hex, toHex } from '../helpers/bytes.js';
import { expectCode } from '../helpers/errors.js';
import { countTests, describeWycheproof, type HkdfTestGroup } from '../helpers/wycheproof.js';

describeWycheproof<HkdfTestGroup>('hkdf_sha256_test.json', 'hkdf_test_schema_v1.json', (data) => {
  const tests = data.testGroups.flatMap((g) => g.tests);

  it('is the file we expect (86 tests, nothing "acceptable")', () => {
    expect(data.algorithm).toBe('HKDF-SHA-256');
    expect(countTests(data)).toBe(data.numberOfTests);
    expect(data.numberOfTests).toBe(86);
    expect(tests.filter((t) => t.result === 'acceptable')).toEqual([]);
    expect(tests.filter((t) => t.result === 'invalid').length).toBeGreaterThan(0);
  });

  it.each(tests.filter((t) => t.result === 'valid').map((t) => [t.tcId, t] as const))('valid tcId %i', (_id, t) => {
    // Wycheproof's empty salt means "no salt" (equivalent to HashLen zeros, RFC 5869 2.2).
    const okm = hkdfSha256(hex(t.ikm), hex(t.salt), hex(t.info), t.size);
    expect(toHex(okm)).toBe(t.okm);
  });

  it.each(tests.filter((t) => t.result === 'invalid').map((t) => [t.tcId, t] as const))('invalid tcId %i is refused', (_id, t) => {
    // The invalid cases are output sizes node also refuses; check that first so the test means something.
    expect(() => hkdfSync('sha256', hex(t.ikm), hex(t.salt), hex(t.info), t.size)).toThrow();
    expectCode(() => hkdfSha256(hex(t.ikm), hex(t.salt), hex(t.info), t.size), 'INVALID_INPUT');
  });
});
