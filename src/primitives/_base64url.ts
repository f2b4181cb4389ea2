/**
 * Unpadded base64url (RFC 4648 section 5) for the record text form (SPEC 4.2). Internal.
 *
 * Table-driven and specialised (issue 18: @scure/base's general radix code cost about 6 us per
 * 150-byte record each way). It decides exactly as `base64urlnopad` of @scure/base, which the
 * tests check on random and hostile strings: only the 64 URL-safe letters, no `=`, no white
 * space, a length that is not 1 mod 4, and zero bits in the unused part of the last letter (so
 * that every byte string has exactly one text). Returns `undefined` on any refusal; the caller
 * names the error.
 * @module
 */

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const VALUE = /* @__PURE__ */ (() => {
  const t = new Int8Array(128).fill(-1);
  for (let i = 0; i < 64; i++) t[LETTERS.charCodeAt(i)] = i;
  return t;
})();

// Node's (and Bun's) Buffer encodes base64url natively, unpadded, with the same letters: one
// call instead of a string built four letters at a time (a record is encoded on every seal and
// re-encoded by the canonical-decoding check on every open). Elsewhere: the table below.
const NodeBuffer = /* @__PURE__ */ (() => {
  const B = (globalThis as { Buffer?: { from(b: ArrayBufferLike, off: number, len: number): { toString(e: 'base64url'): string } } }).Buffer;
  return typeof B?.from === 'function' ? B : undefined;
})();

export function encodeBase64url(bytes: Uint8Array): string {
  if (NodeBuffer !== undefined) return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
  return encodeBase64urlTable(bytes);
}

/** @internal The portable encoder (exported for the tests that compare both). */
export function encodeBase64urlTable(bytes: Uint8Array): string {
  let out = '';
  const n = bytes.length;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += LETTERS[v >>> 18]! + LETTERS[(v >>> 12) & 63]! + LETTERS[(v >>> 6) & 63]! + LETTERS[v & 63]!;
  }
  if (n - i === 1) {
    const v = bytes[i]!;
    out += LETTERS[v >>> 2]! + LETTERS[(v & 3) << 4]!;
  } else if (n - i === 2) {
    const v = (bytes[i]! << 8) | bytes[i + 1]!;
    out += LETTERS[v >>> 10]! + LETTERS[(v >>> 4) & 63]! + LETTERS[(v & 15) << 2]!;
  }
  return out;
}

function letter(text: string, i: number): number {
  const c = text.charCodeAt(i);
  return c < 128 ? VALUE[c]! : -1;
}

export function decodeBase64url(text: string): Uint8Array | undefined {
  const rest = text.length % 4;
  if (rest === 1) return undefined;
  const full = text.length - rest;
  const out = new Uint8Array((full / 4) * 3 + (rest === 0 ? 0 : rest - 1));
  let o = 0;
  for (let i = 0; i < full; i += 4) {
    const a = letter(text, i);
    const b = letter(text, i + 1);
    const c = letter(text, i + 2);
    const d = letter(text, i + 3);
    if ((a | b | c | d) < 0) return undefined;
    const v = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = v >>> 16;
    out[o++] = (v >>> 8) & 0xff;
    out[o++] = v & 0xff;
  }
  if (rest === 2) {
    const a = letter(text, full);
    const b = letter(text, full + 1);
    if ((a | b) < 0 || (b & 15) !== 0) return undefined;
    out[o] = (a << 2) | (b >>> 4);
  } else if (rest === 3) {
    const a = letter(text, full);
    const b = letter(text, full + 1);
    const c = letter(text, full + 2);
    if ((a | b | c) < 0 || (c & 3) !== 0) return undefined;
    const v = (a << 10) | (b << 4) | (c >>> 2);
    out[o++] = v >>> 8;
    out[o] = v & 0xff;
  }
  return out;
}
