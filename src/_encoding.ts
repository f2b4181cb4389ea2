/**
 * Canonical text decoders for every boundary of the library (SPEC 3.7). Internal: not exported
 * from any public entry.
 *
 * Each decoder refuses non-canonical text by an explicit rule checked before any decoding:
 * the alphabet, the length, and (base64/base64url) that the unused low bits of the last
 * character are zero. One byte string therefore has exactly one accepted text, and a refusal never
 * depends on whether an underlying decoder happens to throw. Every refusal is an
 * `AgentvaultError` with the caller's code and `details.reason`:
 * `bad-alphabet`, `bad-length`, `non-zero-unused-bits`, `bad-padding`, `non-canonical`.
 * @module
 */
import { base58, base64 } from '@scure/base';
import { decodeBase64url as rawDecodeBase64url, encodeBase64url } from './primitives/_base64url.js';
import { decode32, isCanonical32 } from './primitives/_base58.js';
import { fail, type ErrorCode } from './errors.js';

/** How to report a refusal: the code and the field named in `details.field`. */
export interface DecodeFailure {
  readonly code?: ErrorCode;
  readonly field: string;
  readonly what?: string;
}

const B64URL_RE = /^[A-Za-z0-9_-]*$/;
const B64_BODY_RE = /^[A-Za-z0-9+/]*$/;
const B58_RE = /^[1-9A-HJ-NP-Za-km-z]*$/;
const B64_VALUE: Record<string, number> = Object.create(null);
for (const [i, c] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'].entries()) B64_VALUE[c] = i;
B64_VALUE['+'] = B64_VALUE['-'] = 62;
B64_VALUE['/'] = B64_VALUE['_'] = 63;

function refuse(f: DecodeFailure, reason: string): never {
  return fail(f.code ?? 'INVALID_INPUT', `${f.field}: not the canonical ${f.what ?? 'encoding'} (${reason})`, { field: f.field, reason });
}

/**
 * SPEC 3.7 rule B3: in a text of 4k + 2 characters the last one carries 4 unused bits, of 4k + 3
 * characters 2 unused bits; they MUST be zero. A length of 4k + 1 is never valid.
 */
function checkUnusedBits(body: string, f: DecodeFailure): void {
  const rem = body.length % 4;
  if (rem === 1) refuse(f, 'bad-length');
  if (rem === 0) return;
  const last = B64_VALUE[body[body.length - 1]!]!;
  const mask = rem === 2 ? 0x0f : 0x03;
  if ((last & mask) !== 0) refuse(f, 'non-zero-unused-bits');
}

/** Re-encoding check: defence in depth, never expected to fire after the rules above. */
function roundTrip(bytes: Uint8Array, text: string, encode: (b: Uint8Array) => string, f: DecodeFailure): Uint8Array {
  if (encode(bytes) !== text) refuse(f, 'non-canonical');
  return bytes;
}

/** base64url (RFC 4648 section 5) without padding, canonical (SPEC 3.7). */
export function decodeBase64url(text: string, f: DecodeFailure, length?: number): Uint8Array {
  const g = { what: 'base64url', ...f };
  if (!B64URL_RE.test(text)) refuse(g, 'bad-alphabet');
  checkUnusedBits(text, g);
  if (length !== undefined && text.length !== Math.ceil((length * 4) / 3)) refuse(g, 'bad-length');
  // The table codec (issue 18: @scure/base's radix code cost ~6 us per record) applies the same
  // rules again and returns undefined on any refusal; the rules above already decided.
  const bytes = rawDecodeBase64url(text);
  if (bytes === undefined) return refuse(g, 'non-canonical');
  return roundTrip(bytes, text, encodeBase64url, g);
}

/** Standard base64 (RFC 4648 section 4) with `=` padding to a multiple of 4, canonical (SPEC 3.7). */
export function decodeBase64(text: string, f: DecodeFailure, length?: number): Uint8Array {
  const g = { what: 'base64', ...f };
  if (text.length % 4 !== 0) refuse(g, 'bad-length');
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const body = text.slice(0, text.length - pad);
  if (!B64_BODY_RE.test(body)) refuse(g, body.includes('=') ? 'bad-padding' : 'bad-alphabet');
  checkUnusedBits(body, g);
  // The text length alone fits 3k + 1, 3k + 2 and 3k + 3 bytes alike: the padding tells them apart.
  if (length !== undefined && (text.length !== 4 * Math.ceil(length / 3) || pad !== (3 - (length % 3)) % 3)) refuse(g, 'bad-length');
  let bytes: Uint8Array;
  try {
    bytes = base64.decode(text);
  } catch {
    return refuse(g, 'non-canonical');
  }
  return roundTrip(bytes, text, base64.encode, g);
}

/**
 * base58 (Bitcoin alphabet), canonical: every leading `1` stands for one leading zero byte and no
 * other text decodes to the same bytes (SPEC 3.7 rule B4). `length` is the exact byte length.
 */
export function decodeBase58(text: string, f: DecodeFailure, length?: number): Uint8Array {
  const g = { what: 'base58', ...f };
  if (text.length === 0 || !B58_RE.test(text)) refuse(g, 'bad-alphabet');
  // ceil(n * log(256) / log(58)) characters at most: 44 for 32 bytes, 88 for 64 (and no
  // quadratic work on a long hostile text).
  if (length !== undefined && text.length > Math.ceil((length * 8) / Math.log2(58))) refuse(g, 'bad-length');
  if (length === 32) {
    // Addresses: the fixed-width codec (issue 18); same decisions, no general radix conversion.
    const b = decode32(text);
    if (b === 'char') return refuse(g, 'bad-alphabet');
    if (b === 'size') return refuse(g, 'bad-length');
    // Leading '1's that are not the leading zero bytes: @scure/base would decode ones + (32 -
    // zeros) bytes, so the length is what is wrong (the same reason as the general path).
    if (!isCanonical32(text, b)) return refuse(g, 'bad-length');
    return b;
  }
  let bytes: Uint8Array;
  try {
    bytes = base58.decode(text);
  } catch {
    return refuse(g, 'non-canonical');
  }
  if (length !== undefined && bytes.length !== length) refuse(g, 'bad-length');
  return roundTrip(bytes, text, base58.encode, g);
}
