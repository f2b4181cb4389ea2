/**
 * Canonical encoding of a record's context (SPEC 4.4). The context is authenticated as part of
 * the AAD but never stored: the caller must present the same context to open, so a record moved
 * to another user or row fails. Canonical means one byte string per context: entries sorted by
 * the UTF-8 bytes of their names (never `localeCompare`), each length-prefixed.
 * @module
 */
import { aobject, concatBytes, lp, u16be, utf8 } from '../_utils.js';
import { fail } from '../errors.js';
import { decodeAddress } from '../primitives/address.js';

/** A record context: the owner's wallet address plus app fields (for example a record id). */
export type RecordContext = Readonly<{ address: string } & Record<string, string>>;

export const MAX_CONTEXT_ENTRIES = 32;
export const MAX_CONTEXT_VALUE_BYTES = 1024;
const NAME_RE = /^[A-Za-z0-9_.-]{1,64}$/;

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/**
 * Validate and encode: u16be(count) || for each entry in byte order of its name:
 * lp(name) || lp(value), where lp(x) = u16be(len(x)) || x. `address` is required and must be a
 * canonical base58 32-byte address.
 */
export function encodeContext(context: unknown): Uint8Array {
  const obj = aobject(context, 'context');
  if (Object.getPrototypeOf(obj) !== Object.prototype && Object.getPrototypeOf(obj) !== null)
    fail('INVALID_INPUT', 'context: expected a plain object', { field: 'context' });
  decodeAddress(obj['address'], 'context.address');
  const names = Object.keys(obj);
  if (names.length > MAX_CONTEXT_ENTRIES)
    fail('INVALID_INPUT', `context: at most ${MAX_CONTEXT_ENTRIES} entries`, { field: 'context' });
  const entries: [Uint8Array, Uint8Array][] = [];
  for (const name of names) {
    if (!NAME_RE.test(name)) fail('INVALID_INPUT', 'context: entry names must match [A-Za-z0-9_.-]{1,64}', { field: 'context' });
    const value = obj[name];
    // Lone surrogates would encode to U+FFFD, making two different strings one context.
    if (typeof value !== 'string' || !value.isWellFormed())
      fail('INVALID_INPUT', `context.${name}: expected a well-formed string`, { field: `context.${name}` });
    const v = utf8(value);
    if (v.length > MAX_CONTEXT_VALUE_BYTES)
      fail('INVALID_INPUT', `context.${name}: longer than ${MAX_CONTEXT_VALUE_BYTES} bytes`, { field: `context.${name}` });
    entries.push([utf8(name), v]);
  }
  entries.sort((a, b) => compareBytes(a[0], b[0]));
  return concatBytes(u16be(entries.length), ...entries.flatMap(([n, v]) => [lp(n), lp(v)]));
}
