/**
 * The canonical JSON writer of v2 policies (SPEC 10.3.2) on its own: the value domain it accepts
 * and the refusals outside it. Mutation testing, issue 16 item 5.
 */
import { describe, expect, it } from 'vitest';
import { canonicalJsonWithNull } from '../../src/execution/policy/_canonical.js';
import { expectCode } from '../helpers/errors.js';

describe('canonicalJsonWithNull', () => {
  it('writes sorted keys, no whitespace, null, booleans, safe integers, JSON strings', () => {
    expect(canonicalJsonWithNull({ b: [1, null, true, false, 'x"y'], a: { d: -5, c: 0 }, B: 'é' })).toBe('{"B":"é","a":{"c":0,"d":-5},"b":[1,null,true,false,"x\\"y"]}');
    expect(canonicalJsonWithNull(-0)).toBe('0');
    expect(canonicalJsonWithNull([])).toBe('[]');
    expect(canonicalJsonWithNull({})).toBe('{}');
    expect(canonicalJsonWithNull(Number.MAX_SAFE_INTEGER)).toBe('9007199254740991');
    // Absent optional fields are omitted, never written as null.
    expect(canonicalJsonWithNull({ a: undefined, b: 1 })).toBe('{"b":1}');
    // Keys by UTF-16 code unit, not by locale.
    expect(canonicalJsonWithNull({ b: 1, a: 2, Z: 3, _: 4, '10': 5, '9': 6 })).toBe('{"10":5,"9":6,"Z":3,"_":4,"a":2,"b":1}');
  });
  it('refuses what canonical JSON cannot hold (POLICY_INVALID)', () => {
    for (const n of [1.5, Number.NaN, Infinity, Number.MAX_SAFE_INTEGER + 1]) {
      const e = expectCode(() => canonicalJsonWithNull({ n }), 'POLICY_INVALID');
      expect(e.message).toBe('canonical JSON: only safe integers');
    }
    expect(expectCode(() => canonicalJsonWithNull(undefined), 'POLICY_INVALID').message).toBe('canonical JSON: unsupported value undefined');
    expect(expectCode(() => canonicalJsonWithNull([1n]), 'POLICY_INVALID').message).toMatch(/^canonical JSON: unsupported value /);
    expect(expectCode(() => canonicalJsonWithNull({ f: () => 1 }), 'POLICY_INVALID').message).toMatch(/^canonical JSON: unsupported value /);
  });
});
