/**
 * The fast paths of the shared store checks (issue 18) decide exactly as the plain versions:
 * `checkHash` as /^[0-9a-f]{64}$/, `checkMeta`'s byte limit as counting UTF-8 bytes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { _HASH_RE, checkHash, checkMeta, MAX_META_BYTES } from '../../src/stores/_checks.js';

const accepts = (fn: () => unknown) => {
  try {
    fn();
    return true;
  } catch {
    return false;
  }
};

describe('store checks', () => {
  it('checkHash accepts exactly what the regex accepts', () => {
    const ch = fc.constantFrom(...'0123456789abcdefABCDEFgx/:`G\u0660'.split(''));
    fc.assert(
      fc.property(fc.array(ch, { minLength: 62, maxLength: 66 }), fc.nat(63), (cs, flip) => {
        const h = cs.join('');
        expect(accepts(() => checkHash(h))).toBe(_HASH_RE.test(h));
        const good = 'a'.repeat(64);
        const one = good.slice(0, flip) + cs[0] + good.slice(flip + 1);
        expect(accepts(() => checkHash(one))).toBe(_HASH_RE.test(one));
      }),
      { numRuns: 2000 },
    );
  });
  it('checkMeta: the UTF-8 byte limit at its edge, for 1-, 2-, 3- and 4-byte characters', () => {
    for (const [c, bytes] of [['a', 1], ['\u00e9', 2], ['\u20ac', 3], ['\u{1f600}', 4]] as const) {
      const fits = Math.floor(MAX_META_BYTES / bytes);
      expect(accepts(() => checkMeta(c.repeat(fits)))).toBe(true);
      expect(accepts(() => checkMeta(c.repeat(fits + 1)))).toBe(Buffer.byteLength(c.repeat(fits + 1)) <= MAX_META_BYTES);
    }
  });
});
