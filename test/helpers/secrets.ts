/**
 * Leak detection: assert that a secret appears in none of the encodings a careless log line,
 * error message or serializer would use. Independent of src/ (own base58, Buffer for the rest).
 */
import { expect } from 'vitest';

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** Bitcoin/Solana base58 (leading zero bytes -> '1'), written here so it shares no code with src/. */
export function base58Encode(bytes: Uint8Array): string {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let out = '';
  while (n > 0n) {
    out = B58[Number(n % 58n)]! + out;
    n /= 58n;
  }
  return '1'.repeat(zeros) + out;
}

/**
 * Base64 / base64url text of `secret` as it appears inside a longer buffer at any alignment: for
 * each of the 3 possible offsets, the characters that depend only on secret bytes.
 */
function base64Cores(secret: Uint8Array, url: boolean): string[] {
  const out: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const padded = Buffer.concat([Buffer.alloc(shift), Buffer.from(secret)]);
    const full = padded.toString(url ? 'base64url' : 'base64').replace(/=+$/, '');
    // Character j encodes bits [6j, 6j + 6); keep those made only of secret bits.
    const start = Math.ceil((shift * 8) / 6);
    const end = Math.floor(((shift + secret.length) * 8) / 6);
    const text = full.slice(start, end);
    if (text.length >= 8) out.push(text);
  }
  return out;
}

/** One encoding to look for: a literal substring, or a pattern (for whitespace-tolerant forms). */
export interface SecretEncoding {
  name: string;
  text?: string;
  pattern?: RegExp;
}

/** Numbers separated by commas and any whitespace (util.inspect pads and wraps them). */
function decimalPattern(values: readonly number[]): RegExp {
  return new RegExp(`(?<![0-9])${values.join(',\\s*')}(?![0-9])`);
}

/** The encodings checked by `expectNoSecretIn`, labelled, for one secret of at least 8 bytes. */
export function secretEncodings(secret: Uint8Array): SecretEncoding[] {
  if (secret.length < 8) throw new Error('secretEncodings: a secret shorter than 8 bytes cannot be searched for reliably');
  const buf = Buffer.from(secret);
  const list: SecretEncoding[] = [
    { name: 'hex', text: buf.toString('hex') },
    { name: 'HEX', text: buf.toString('hex').toUpperCase() },
    { name: 'base64', text: buf.toString('base64') },
    { name: 'base64url', text: buf.toString('base64url') },
    { name: 'base58', text: base58Encode(secret) },
    ...base64Cores(secret, false).map((text) => ({ name: 'base64 (inside a longer buffer)', text })),
    ...base64Cores(secret, true).map((text) => ({ name: 'base64url (inside a longer buffer)', text })),
    // JSON.stringify(uint8array) -> {"0":12,"1":34,...}
    { name: 'JSON object', text: JSON.stringify(Object.assign({}, Array.from(secret))).slice(1, -1) },
  ];
  // Whole and partial leaks: every 8-byte window in hex, in Node's `<Buffer de ad ...>` form, and
  // as a decimal list (`${u8}`, JSON arrays, util.inspect's padded and wrapped `[ 222, 173, ... ]`).
  for (let i = 0; i + 8 <= secret.length; i++) {
    const w = Array.from(secret.subarray(i, i + 8));
    list.push({ name: `hex window @${i}`, text: Buffer.from(w).toString('hex') });
    list.push({ name: `spaced hex window @${i}`, text: w.map((b) => b.toString(16).padStart(2, '0')).join(' ') });
    list.push({ name: `decimal window @${i}`, pattern: decimalPattern(w) });
  }
  return list;
}

/**
 * Fail if any secret appears in `text` in any of its usual encodings (hex either case, base64,
 * base64url, base58, decimal lists, JSON objects, and 8-byte windows of those). String secrets
 * (a mnemonic, a passphrase) are searched for as text and as the encodings of their UTF-8 bytes.
 */
export function expectNoSecretIn(text: string, secrets: readonly (Uint8Array | string)[], label = 'text'): void {
  const haystack = text;
  const lower = text.toLowerCase();
  for (const [index, secret] of secrets.entries()) {
    if (typeof secret === 'string') {
      if (secret.length < 8) throw new Error('expectNoSecretIn: a string secret must be at least 8 characters');
      expect(haystack.includes(secret), `${label} contains secret #${index} as plain text`).toBe(false);
    }
    const bytes = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
    for (const { name, text: enc, pattern } of secretEncodings(bytes)) {
      const found =
        pattern !== undefined
          ? pattern.test(haystack)
          : name.startsWith('hex') || name.startsWith('spaced hex')
            ? lower.includes(enc!)
            : haystack.includes(enc!);
      expect(found, `${label} contains secret #${index} in ${name} encoding`).toBe(false);
    }
  }
}
