/**
 * Small byte helpers for tests. Deliberately independent of src/ (hex via Buffer), so a bug in a
 * library helper cannot hide itself in the test that checks it.
 */

/** Hex (upper or lower case, even length, optional whitespace) -> a fresh Uint8Array. */
export function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) throw new Error(`test helper hex(): bad hex '${clean}'`);
  return Uint8Array.from(Buffer.from(clean, 'hex'));
}

/** Uint8Array -> lowercase hex. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** a || b || ... as a fresh Uint8Array. */
export function cat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength))));
}

/** A copy of `bytes` with bit `bit` (0 = least significant bit of byte 0) flipped. */
export function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  if (!Number.isInteger(bit) || bit < 0 || bit >= bytes.length * 8) throw new Error(`flipBit: bit ${bit} out of range`);
  const out = Uint8Array.from(bytes);
  out[bit >>> 3]! ^= 1 << (bit & 7);
  return out;
}

/** `n` bytes `0, 1, 2, ...` starting at `start` (mod 256): the RFC 5869 test-case style. */
export function seq(start: number, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (start + i) & 0xff);
}

/** Little-endian bytes -> bigint (ed25519 scalars). */
export function leToBigInt(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}

/** bigint -> `length` little-endian bytes; throws if it does not fit. */
export function bigIntToLe(n: bigint, length = 32): Uint8Array {
  if (n < 0n) throw new Error('bigIntToLe: negative');
  const out = new Uint8Array(length);
  let v = n;
  for (let i = 0; i < length; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  if (v !== 0n) throw new Error(`bigIntToLe: does not fit in ${length} bytes`);
  return out;
}

/** Deep snapshot of byte arguments, to check afterwards that a call did not mutate its inputs. */
export function snapshot(...parts: Uint8Array[]): () => void {
  const copies = parts.map((p) => Uint8Array.from(p));
  return () => {
    parts.forEach((p, i) => {
      if (toHex(p) !== toHex(copies[i]!)) throw new Error(`input #${i} was mutated by the call`);
    });
  };
}
