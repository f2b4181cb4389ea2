/**
 * Base58 (Bitcoin alphabet) specialised to 32 bytes, the width of every Solana address. Internal:
 * the raw codec under `_encoding.decodeBase58` (which states the refusal rules, SPEC 3.7) and
 * `encodeAddress`.
 *
 * Why not @scure/base here: its general radix conversion cost several microseconds per address,
 * and addresses are validated in every record context and grant (issue 18). Fixed-size limbs
 * decide exactly as @scure/base does; test/primitives/address.test.ts compares this codec with
 * @scure/base, @solana/kit and a naive reference on random and hostile inputs.
 * @module
 */
const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
/** char code -> digit, -1 for characters outside the alphabet. */
const DIGIT = /* @__PURE__ */ (() => {
  const t = new Int8Array(128).fill(-1);
  for (let i = 0; i < 58; i++) t[ALPHABET.charCodeAt(i)] = i;
  return t;
})();
/** base58 of 32 bytes is at most 44 characters. */
const MAX_ADDRESS_CHARS = 44;

/**
 * The 32 bytes of base58 `text`, 'char' for a character outside the alphabet, 'size' when the value
 * needs more than 32 bytes. The value is accumulated three digits at a time (58^3 < 2^18) into
 * eight 32-bit limbs, so every intermediate stays below 2^50 (exact in a double).
 */
export function decode32(text: string): Uint8Array | 'char' | 'size' {
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || DIGIT[c]! < 0) return 'char';
  }
  if (n === 0 || n > MAX_ADDRESS_CHARS) return 'size';
  const limbs = [0, 0, 0, 0, 0, 0, 0, 0]; // big-endian 32-bit limbs
  for (let i = 0; i < n; ) {
    let mul = 1;
    let add = 0;
    for (let k = 0; k < 3 && i < n; k++, i++) {
      mul *= 58;
      add = add * 58 + DIGIT[text.charCodeAt(i)]!;
    }
    let carry = add;
    for (let j = 7; j >= 0; j--) {
      const x = limbs[j]! * mul + carry;
      const low = x % 0x100000000;
      limbs[j] = low;
      carry = (x - low) / 0x100000000;
    }
    if (carry !== 0) return 'size';
  }
  const out = new Uint8Array(32);
  for (let j = 0; j < 8; j++) {
    const w = limbs[j]!;
    out[4 * j] = w >>> 24;
    out[4 * j + 1] = (w >>> 16) & 0xff;
    out[4 * j + 2] = (w >>> 8) & 0xff;
    out[4 * j + 3] = w & 0xff;
  }
  return out;
}

/**
 * True when `text` (which decoded to the 32 bytes `bytes`) is their canonical encoding. Once the
 * value fits, the digits after the leading '1's carry no leading zero digit, so they are exactly
 * the canonical digits of the value: the text is canonical iff its leading '1's are as many as the
 * leading zero bytes (32 '1's for 32 zero bytes).
 */
export function isCanonical32(text: string, bytes: Uint8Array): boolean {
  let ones = 0;
  while (ones < text.length && text.charCodeAt(ones) === 0x31) ones++;
  let zeros = 0;
  while (zeros < 32 && bytes[zeros] === 0) zeros++;
  return ones === zeros;
}

/** base58 of exactly 32 bytes (Bitcoin alphabet, one '1' per leading zero byte). */
export function encode32(bytes: Uint8Array): string {
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
