/**
 * Solana addresses: base58 text of a 32-byte ed25519 public key (DESIGN 4).
 *
 * The codec is specialised to 32 bytes (SPEC 3.6, issue 18): a fixed 32-byte accumulator instead
 * of @scure/base's general radix conversion, about 5x faster, so that validating the addresses in
 * a record context or a grant costs little. Decisions are unchanged: the text must be the one
 * canonical base58 encoding of exactly 32 bytes (checked by re-encoding); the tests compare this
 * codec with @scure/base, @solana/kit and a naive reference on random and hostile inputs.
 * @module
 */
import { abytes, astring } from '../_utils.js';
import { fail } from '../errors.js';

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
/** char code -> digit, -1 for characters outside the alphabet. */
const DIGIT = /* @__PURE__ */ (() => {
  const t = new Int8Array(128).fill(-1);
  for (let i = 0; i < 58; i++) t[ALPHABET.charCodeAt(i)] = i;
  return t;
})();
/** base58 of 32 bytes is at most 44 characters. */
const MAX_ADDRESS_CHARS = 44;

/** The 32 bytes of base58 `text`, 'char' for a character outside the alphabet, 'size' if it is not 32 bytes wide. */
function decode32(text: string): Uint8Array | 'char' | 'size' {
  const out = new Uint8Array(32);
  let size = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let carry = c < 128 ? DIGIT[c]! : -1;
    if (carry < 0) return 'char';
    for (let j = 31; j >= 0; j--) {
      carry += out[j]! * 58;
      out[j] = carry & 0xff;
      carry >>>= 8;
    }
    if (carry !== 0) size = true; // keeps scanning: a bad character anywhere is reported as such
  }
  return size || text.length === 0 || text.length > MAX_ADDRESS_CHARS ? 'size' : out;
}

/** base58 of exactly 32 bytes (Bitcoin alphabet, one '1' per leading zero byte). */
function encode32(bytes: Uint8Array): string {
  const digits = new Uint8Array(MAX_ADDRESS_CHARS); // little-endian base-58 digits
  let n = 0;
  for (let i = 0; i < 32; i++) {
    let carry = bytes[i]!;
    for (let j = 0; j < n; j++) {
      carry += digits[j]! << 8;
      digits[j] = carry % 58;
      carry = (carry / 58) | 0;
    }
    while (carry > 0) {
      digits[n++] = carry % 58;
      carry = (carry / 58) | 0;
    }
  }
  let out = '';
  for (let i = 0; i < 32 && bytes[i] === 0; i++) out += '1';
  for (let j = n - 1; j >= 0; j--) out += ALPHABET[digits[j]!];
  return out;
}

/** Base58 address -> 32 bytes. Refuses anything that is not the canonical encoding of 32 bytes. */
export function decodeAddress(address: unknown, name = 'address'): Uint8Array {
  const text = astring(address, name, 64);
  const bytes = decode32(text);
  if (bytes === 'char') return fail('INVALID_INPUT', `${name}: not base58`, { field: name });
  // Round trip: base58 of 32 bytes has one canonical text; anything else is a different string
  // for the same key and must not be accepted as an identity.
  if (bytes === 'size' || encode32(bytes) !== text)
    fail('INVALID_INPUT', `${name}: must be the base58 encoding of exactly 32 bytes`, { field: name });
  return bytes as Uint8Array;
}

/** 32 bytes -> base58 address. */
export function encodeAddress(publicKey: Uint8Array): string {
  return encode32(abytes(publicKey, 'publicKey', 32));
}

/** True when `address` is a canonical base58 32-byte address. */
export function isAddress(address: unknown): address is string {
  try {
    decodeAddress(address);
    return true;
  } catch {
    return false;
  }
}
