/**
 * Shared parsing helpers of the policy schemas (SPEC 10.3.1): every refusal is `POLICY_INVALID`
 * with `details.field` naming the path, so an app can point at the offending field.
 * @module
 * @internal
 */
import { typeName } from '../../_utils.js';
import { fail } from '../../errors.js';
import { formatTimestamp, parseTimestamp } from '../../messages/fields.js';

/** Decimal amounts: at most 30 integer digits and 18 fraction digits. */
const DECIMAL_RE = /^(0|[1-9][0-9]{0,29}|0[0-9]{1,29})(?:\.([0-9]{1,18}))?$/;
const SCALE = 18;

export function invalid(field: string, why: string): never {
  return fail('POLICY_INVALID', `policy.${field}: ${why}`, { field: `policy.${field}` });
}

export function plainObject(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    invalid(field, `expected an object, got ${typeName(value)}`);
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) invalid(field, 'expected a plain object');
  return value as Record<string, unknown>;
}

export function onlyKeys(obj: Record<string, unknown>, allowed: ReadonlySet<string>, field: string): void {
  for (const k of Object.keys(obj))
    // SPEC 10.3.1: an unknown field could be a limit the user believes is enforced.
    if (!allowed.has(k)) invalid(field === '' ? k : `${field}.${k}`, 'unknown field (refused: it would not be enforced)');
}

export function bool(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') invalid(field, `expected a boolean, got ${typeName(value)}`);
  return value;
}

/**
 * Parse a decimal amount into an integer scaled by 10^18. Accepts non-negative decimal strings
 * (leading zeros and trailing fraction zeros allowed on input); refuses numbers, signs, exponents,
 * spaces. Returns null on refusal.
 */
export function parseDecimal(value: unknown): bigint | null {
  if (typeof value !== 'string') return null;
  const m = DECIMAL_RE.exec(value);
  if (m === null) return null;
  const frac = (m[2] ?? '').padEnd(SCALE, '0');
  return BigInt(m[1]!) * 10n ** BigInt(SCALE) + BigInt(frac);
}

/** The canonical spelling of a scaled decimal: no leading zeros, no trailing fraction zeros, no `.` if whole. */
export function formatDecimal(scaled: bigint): string {
  const unit = 10n ** BigInt(SCALE);
  const int = scaled / unit;
  const frac = (scaled % unit).toString().padStart(SCALE, '0').replace(/0+$/, '');
  return frac === '' ? int.toString() : `${int}.${frac}`;
}

export function decimal(value: unknown, field: string): string {
  if (typeof value === 'number') invalid(field, 'write amounts as decimal strings (e.g. "2.5"), never as JSON numbers');
  const d = parseDecimal(value);
  if (d === null) invalid(field, 'expected a non-negative decimal string (at most 30 integer and 18 fraction digits)');
  return formatDecimal(d);
}

export function integerString(value: unknown, field: string): string {
  const s = decimal(value, field);
  if (s.includes('.')) invalid(field, 'expected a whole number');
  if (BigInt(s) > 0xffffffffffffffffn) invalid(field, 'larger than a u64');
  return s;
}

export function stringSet(value: unknown, field: string, max: number, check: (s: string, i: number) => void): string[] {
  if (!Array.isArray(value)) invalid(field, `expected an array, got ${typeName(value)}`);
  if (value.length > max) invalid(field, `at most ${max} entries`);
  // An index loop, not forEach/map: those skip holes, and a sparse array would reach the Set below
  // with `undefined` in it.
  const out: string[] = [];
  for (let i = 0; i < value.length; i++) {
    if (!Object.prototype.hasOwnProperty.call(value, i)) invalid(`${field}[${i}]`, 'missing entry (sparse array)');
    const s: unknown = value[i];
    if (typeof s !== 'string') invalid(`${field}[${i}]`, `expected a string, got ${typeName(s)}`);
    check(s, i);
    out.push(s);
  }
  // Sets: sort by code unit (every allowed string is ASCII, so this is byte order too) and de-duplicate.
  return [...new Set(out)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function timestamp(value: unknown, field: string): string {
  let ms: number;
  try {
    ms = parseTimestamp(value, field);
  } catch {
    return invalid(field, 'expected an RFC 3339 UTC time with whole seconds, e.g. 2025-01-31T12:00:00Z');
  }
  if (/\.[0-9]*[1-9]/.test(value as string)) invalid(field, 'expected whole seconds');
  return formatTimestamp(ms, field);
}
