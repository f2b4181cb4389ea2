/**
 * Canonical JSON (internal): keys sorted by UTF-16 code unit at every level, no whitespace,
 * strings as `JSON.stringify` writes them, safe integers in plain decimal. For the values the
 * library hashes or MACs (ASCII-range strings, safe integers, booleans) it is RFC 8785 (JCS).
 * Used for the policy hash (SPEC 10.3.2) and the vault MAC (SPEC 6.1).
 * @module
 */
import { typeName } from './_utils.js';
import { fail, type ErrorCode } from './errors.js';

export function canonicalJson(value: unknown, code: ErrorCode = 'INVALID_INPUT'): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) fail(code, 'canonical JSON: only safe integers');
    return String(value + 0);
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v, code)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k], code)}`).join(',')}}`;
  }
  return fail(code, `canonical JSON: unsupported value ${typeName(value)}`);
}
