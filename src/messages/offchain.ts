/**
 * Solana off-chain message format, version 1 (DESIGN 4, SPEC 7.7), as specified in the Solana
 * off-chain message signing SRFC and implemented by `@solana/offchain-messages`:
 *
 * ```
 * offset  length      field
 * 0       16          signing domain: 0xff "solana offchain"
 * 16      1           version: 0x01
 * 17      1           signer count n, 1..255
 * 18      32 * n      signer public keys, strictly ascending bytewise (sorted, unique)
 * 18+32n  rest (>=1)  message body: UTF-8, no length prefix, runs to the end of the bytes
 * ```
 *
 * Ledger and other hardware signers sign this envelope instead of the raw text. Version 0 (the
 * legacy layout with application domain, format byte and u16 length) is not supported: its bytes
 * are refused with `OFFCHAIN_MALFORMED`.
 * @module
 */
import { astring, concatBytes, decodeUtf8, utf8 } from '../_utils.js';
import { fail } from '../errors.js';
import { decodeAddress, encodeAddress } from '../primitives/address.js';
import type { SignedAs } from './authorization.js';
import { copyBytes, isBytes, MAX_MESSAGE_BYTES } from './fields.js';

/** `\xffsolana offchain`. */
export const OFFCHAIN_SIGNING_DOMAIN: Uint8Array = Uint8Array.of(
  0xff, 0x73, 0x6f, 0x6c, 0x61, 0x6e, 0x61, 0x20, 0x6f, 0x66, 0x66, 0x63, 0x68, 0x61, 0x69, 0x6e,
);
export const OFFCHAIN_VERSION = 1;
const PREAMBLE_FIXED = OFFCHAIN_SIGNING_DOMAIN.length + 2;
/** The largest envelope this library reads: 255 signers and a 1,182-byte body. */
const MAX_ENVELOPE_BYTES = PREAMBLE_FIXED + 255 * 32 + MAX_MESSAGE_BYTES;

/** A decoded v1 envelope. */
export interface OffchainMessageV1 {
  readonly version: 1;
  /** Signer addresses (base58), in envelope order (ascending by bytes). */
  readonly signers: readonly string[];
  /** The body, decoded with a fatal UTF-8 decoder. */
  readonly text: string;
  /** The body bytes, exactly as in the envelope. */
  readonly body: Uint8Array;
}

function malformed(why: string): never {
  return fail('OFFCHAIN_MALFORMED', `off-chain message: ${why}`);
}

function bodyBytes(text: unknown, name: string): Uint8Array {
  const s = astring(text, name, MAX_MESSAGE_BYTES * 4);
  // TextEncoder silently turns a lone surrogate into U+FFFD: refuse instead of signing other text.
  if (!s.isWellFormed()) fail('INVALID_INPUT', `${name}: contains a lone UTF-16 surrogate`, { field: name });
  const bytes = utf8(s);
  if (bytes.length === 0) fail('INVALID_INPUT', `${name}: must not be empty`, { field: name });
  if (bytes.length > MAX_MESSAGE_BYTES)
    fail('MESSAGE_TOO_LONG', `${name}: ${bytes.length} bytes; the maximum is ${MAX_MESSAGE_BYTES}`, { max: MAX_MESSAGE_BYTES });
  return bytes;
}

/** True when `bytes` begins with the off-chain signing domain (no valid UTF-8 text does: 0xff). */
export function isOffchainMessage(bytes: Uint8Array): boolean {
  if (!isBytes(bytes)) return false;
  // A shorter input fails at its first missing byte (undefined is no byte of the domain).
  for (let i = 0; i < OFFCHAIN_SIGNING_DOMAIN.length; i++) if (bytes[i] !== OFFCHAIN_SIGNING_DOMAIN[i]) return false;
  return true;
}

/**
 * Wrap `text` in a v1 envelope with the single signer `signerAddress` (what a Ledger signs).
 * @example
 * const bytes = encodeOffchainMessage(text, address); // sign these with the wallet
 */
export function encodeOffchainMessage(text: string, signerAddress: string): Uint8Array {
  const body = bodyBytes(text, 'text');
  const signer = decodeAddress(signerAddress, 'signerAddress');
  return concatBytes(OFFCHAIN_SIGNING_DOMAIN, Uint8Array.of(OFFCHAIN_VERSION, 1), signer, body);
}

/**
 * Parse a v1 envelope strictly: signing domain, version 1 (version 0 refused), 1..255 signers in
 * strictly ascending byte order, a non-empty body of valid UTF-8 (fatal decoding) of at most
 * 1,182 bytes. Throws `OFFCHAIN_MALFORMED` or `MESSAGE_TOO_LONG`.
 */
export function parseOffchainMessage(bytes: Uint8Array): OffchainMessageV1 {
  if (!isBytes(bytes)) fail('INVALID_INPUT', 'bytes: expected Uint8Array', { field: 'bytes' });
  if (bytes.length > MAX_ENVELOPE_BYTES)
    fail('MESSAGE_TOO_LONG', `off-chain message is ${bytes.length} bytes; the maximum is ${MAX_ENVELOPE_BYTES}`, {
      max: MAX_ENVELOPE_BYTES,
    });
  if (!isOffchainMessage(bytes)) malformed('does not begin with the signing domain \\xffsolana offchain');
  if (bytes.length < PREAMBLE_FIXED) malformed('truncated preamble');
  const version = bytes[16]!;
  if (version === 0) malformed('version 0 (legacy layout) is not supported');
  if (version !== OFFCHAIN_VERSION) malformed(`unsupported version ${version}`);
  const count = bytes[17]!;
  if (count === 0) malformed('signer count must not be zero');
  const bodyStart = PREAMBLE_FIXED + 32 * count;
  if (bytes.length <= bodyStart) malformed('truncated: missing signers or empty body');
  const signers = [encodeAddress(copyBytes(bytes, PREAMBLE_FIXED, PREAMBLE_FIXED + 32))];
  for (let k = 1; k < count; k++) {
    const off = PREAMBLE_FIXED + 32 * k;
    if (compareBytes(bytes, off - 32, off) >= 0) malformed('signers must be sorted ascending and unique');
    signers.push(encodeAddress(copyBytes(bytes, off, off + 32)));
  }
  const body = copyBytes(bytes, bodyStart);
  if (body.length > MAX_MESSAGE_BYTES)
    fail('MESSAGE_TOO_LONG', `off-chain message body is ${body.length} bytes; the maximum is ${MAX_MESSAGE_BYTES}`, {
      max: MAX_MESSAGE_BYTES,
    });
  let text: string;
  try {
    // Stryker disable next-line StringLiteral: equivalent, the catch below replaces decodeUtf8's error and the name it carries
    text = decodeUtf8(body, 'body');
  } catch {
    return malformed('body is not valid UTF-8');
  }
  return Object.freeze({ version: 1 as const, signers: Object.freeze(signers), text, body });
}

/** Compare two 32-byte keys inside one buffer. */
function compareBytes(buf: Uint8Array, a: number, b: number): number {
  for (let i = 0; i < 32; i++) {
    const d = buf[a + i]! - buf[b + i]!;
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The exact bytes a wallet signs for `text` in the given form: the UTF-8 text (`raw`) or its
 * off-chain v1 envelope with `address` as the only signer (`offchain-v1`). The vault uses this to
 * verify a key-message signature in the form it was made.
 * @example
 * verifyWalletSignature(address, signedBytesFor(kdmText, address, vault.kdmSignedAs), sigma)
 */
export function signedBytesFor(text: string, address: string, signedAs: SignedAs): Uint8Array {
  if (signedAs === 'raw') {
    decodeAddress(address, 'address');
    return bodyBytes(text, 'text');
  }
  if (signedAs === 'offchain-v1') return encodeOffchainMessage(text, address);
  return fail('INVALID_INPUT', "signedAs: expected 'raw' or 'offchain-v1'", { field: 'signedAs' });
}
