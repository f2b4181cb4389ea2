/**
 * Canonical JSON of a normalized policy (SPEC 10.3.2): keys sorted by UTF-16 code unit at every
 * level, no whitespace, strings as `JSON.stringify` writes them, safe integers in plain decimal,
 * `null` as `null`. The same algorithm as `src/_json.ts` (which v1 keeps using, byte for byte),
 * plus `null`, which v2 rule values may hold. For this value domain it is RFC 8785 (JCS).
 * @module
 * @internal
 */
import { typeName } from '../../_utils.js';
import { fail } from '../../errors.js';

export function canonicalJsonWithNull(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) fail('POLICY_INVALID', 'canonical JSON: only safe integers');
    return String(value + 0);
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJsonWithNull(v)).join(',')}]`;
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    // Absent optional fields are omitted, never written as null.
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJsonWithNull(o[k])}`).join(',')}}`;
  }
  return fail('POLICY_INVALID', `canonical JSON: unsupported value ${typeName(value)}`);
}
