/**
 * Boundary checks and byte helpers shared by every module (noble's `abytes` style). Internal:
 * not exported from any public entry. Messages name the argument, never print its bytes.
 * @module
 */
import { fail } from './errors.js';

/** True for a real Uint8Array (or Buffer); false for look-alikes built on its prototype. */
export function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && ArrayBuffer.isView(value);
}

/** Assert `value` is a Uint8Array (of `length` bytes when given). Wrong type and wrong length differ. */
export function abytes(value: unknown, name: string, length?: number): Uint8Array {
  if (!isBytes(value)) fail('INVALID_INPUT', `${name}: expected Uint8Array, got ${typeName(value)}`, { field: name });
  if (length !== undefined && value.length !== length)
    fail('INVALID_INPUT', `${name}: expected ${length} bytes, got ${value.length}`, { field: name });
  return value;
}

/** Assert `value` is a string of at most `maxLength` UTF-16 units. */
export function astring(value: unknown, name: string, maxLength = 4096): string {
  if (typeof value !== 'string') fail('INVALID_INPUT', `${name}: expected string, got ${typeName(value)}`, { field: name });
  if (value.length > maxLength) fail('INVALID_INPUT', `${name}: longer than ${maxLength} characters`, { field: name });
  return value;
}

/** Assert `value` is a safe integer in [min, max]. */
export function aint(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value))
    fail('INVALID_INPUT', `${name}: expected an integer, got ${typeName(value)}`, { field: name });
  if (value < min || value > max) fail('INVALID_INPUT', `${name}: must be in [${min}, ${max}]`, { field: name });
  return value;
}

/** Assert a plain object (not null, not an array). */
export function aobject(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail('INVALID_INPUT', `${name}: expected an object, got ${typeName(value)}`, { field: name });
  return value as Record<string, unknown>;
}

/** A type name for error messages: never the value itself. */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (isBytes(value)) return `Uint8Array(${value.length})`;
  return typeof value;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

const encoder = new TextEncoder();
/**
 * UTF-8 bytes of `s` (lone surrogates become U+FFFD, as TextEncoder does). Short ASCII strings
 * (names, addresses, labels, record contexts) are copied code unit by code unit: Node 20's
 * `TextEncoder.encode` costs a native call and an allocation of several microseconds each, which
 * was the largest single cost of `encodeContext` (issue 18). Same bytes either way.
 */
export function utf8(s: string): Uint8Array {
  const n = s.length;
  if (n > 256) return encoder.encode(s);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return encoder.encode(s);
    out[i] = c;
  }
  return out;
}

const fatalDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/** Strict UTF-8 decode: invalid sequences throw INVALID_INPUT instead of becoming U+FFFD. */
export function decodeUtf8(bytes: Uint8Array, name: string): string {
  try {
    return fatalDecoder.decode(bytes);
  } catch {
    return fail('INVALID_INPUT', `${name}: not valid UTF-8`, { field: name });
  }
}

export function u16be(n: number): Uint8Array {
  return Uint8Array.of((n >>> 8) & 0xff, n & 0xff);
}

export function u32be(n: number): Uint8Array {
  return Uint8Array.of((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

/**
 * Length-prefixed field: u16be(byte length) || bytes. SPEC 3.1: every variable field in a KDF
 * `info` is written this way so that no two field lists encode to the same bytes.
 */
export function lp(part: Uint8Array | string): Uint8Array {
  const bytes = typeof part === 'string' ? utf8(part) : part;
  if (bytes.length > 0xffff) fail('INVALID_INPUT', 'field longer than 65535 bytes');
  return concatBytes(u16be(bytes.length), bytes);
}

/**
 * Constant-time equality for tags, commitments and hashes of secrets (DESIGN 5). Length is not
 * secret: different lengths return false at once.
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  abytes(a, 'a');
  abytes(b, 'b');
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Zero every buffer given (best effort in JS: SPEC 3.3). */
export function zero(...buffers: (Uint8Array | undefined)[]): void {
  for (const b of buffers) b?.fill(0);
}
