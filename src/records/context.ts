/**
 * Canonical encoding of a record's context (SPEC 4.4). The context is authenticated as part of
 * the AAD but never stored: the caller must present the same context to open, so a record moved
 * to another user or row fails. Canonical means one byte string per context: entries sorted by
 * the UTF-8 bytes of their names (never `localeCompare`), each length-prefixed.
 * @module
 */
import { aobject, utf8 } from '../_utils.js';
import { fail } from '../errors.js';
import { assertAddress } from '../primitives/address.js';

/** A record context: the owner's wallet address plus app fields (for example a record id). */
export type RecordContext = Readonly<{ address: string } & Record<string, string>>;

export const MAX_CONTEXT_ENTRIES = 32;
export const MAX_CONTEXT_VALUE_BYTES = 1024;
const NAME_RE = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Validate and encode: u16be(count) || for each entry in byte order of its name:
 * lp(name) || lp(value), where lp(x) = u16be(len(x)) || x. `address` is required and must be a
 * canonical base58 32-byte address.
 *
 * Names match NAME_RE, so they are ASCII: their UTF-8 bytes are their char codes, and byte order
 * is code-unit order (plain `<`, never `localeCompare`). Values are UTF-8 encoded once and the
 * output is written in one allocation (issue 18: this runs on every seal and open).
 *
 * Typed `RecordContext` for the compiler; every rule above is still checked at run time
 * (`INVALID_INPUT`), whatever the static type.
 * @example
 * const aad = encodeContext({ address: user.address, record: 'bot-1/agent-key' });
 */
export function encodeContext(context: RecordContext): Uint8Array {
  const obj = aobject(context, 'context');
  if (Object.getPrototypeOf(obj) !== Object.prototype && Object.getPrototypeOf(obj) !== null)
    fail('INVALID_INPUT', 'context: expected a plain object', { field: 'context' });
  assertAddress(obj['address'], 'context.address');
  const names = Object.keys(obj);
  if (names.length > MAX_CONTEXT_ENTRIES)
    fail('INVALID_INPUT', `context: at most ${MAX_CONTEXT_ENTRIES} entries`, { field: 'context' });
  const entries: { readonly name: string; readonly v: Uint8Array }[] = [];
  let total = 2;
  for (const name of names) {
    if (!NAME_RE.test(name)) fail('INVALID_INPUT', 'context: entry names must match [A-Za-z0-9_.-]{1,64}', { field: 'context' });
    const value = obj[name];
    // Lone surrogates would encode to U+FFFD, making two different strings one context.
    if (typeof value !== 'string' || !value.isWellFormed())
      fail('INVALID_INPUT', `context.${name}: expected a well-formed string`, { field: `context.${name}` });
    const v = utf8(value);
    if (v.length > MAX_CONTEXT_VALUE_BYTES)
      fail('INVALID_INPUT', `context.${name}: longer than ${MAX_CONTEXT_VALUE_BYTES} bytes`, { field: `context.${name}` });
    entries.push({ name, v });
    total += 4 + name.length + v.length;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out = new Uint8Array(total);
  out[0] = entries.length >>> 8;
  out[1] = entries.length & 0xff;
  let off = 2;
  for (const { name, v } of entries) {
    out[off++] = name.length >>> 8;
    out[off++] = name.length & 0xff;
    for (let k = 0; k < name.length; k++) out[off++] = name.charCodeAt(k);
    out[off++] = v.length >>> 8;
    out[off++] = v.length & 0xff;
    out.set(v, off);
    off += v.length;
  }
  return out;
}
