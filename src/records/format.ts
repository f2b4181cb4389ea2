/**
 * The record binary layout and its text form (SPEC 4.1, 4.2). Parsing checks sizes, magic,
 * version, suite and lengths before any cryptography, and trusts nothing it returns: the caller
 * (`openRecord`) authenticates every header byte as AAD.
 * @module
 */
import { sha256 } from '../primitives/_native-hash.js';
import { decodeBase64url } from '../_encoding.js';
import { encodeBase64url } from '../primitives/_base64url.js';
import { equalBytes, u16be, u32be } from '../_utils.js';
import { fail } from '../errors.js';
import { GCM_IV_LENGTH, GCM_TAG_LENGTH } from '../primitives/aead.js';

export const RECORD_MAGIC = Uint8Array.of(0x41, 0x56, 0x52); // "AVR"
export const RECORD_FORMAT_VERSION = 1;
/** Suite 0x0001: HKDF-SHA256 per-record key + key commitment, AES-256-GCM (SPEC 4.3). */
export const SUITE_AES256GCM_HKDF_COMMIT = 0x0001;
export const RECORD_TEXT_PREFIX = 'avr1.';
export const SALT_LENGTH = 32;
export const COMMITMENT_LENGTH = 32;
export const CHECKSUM_LENGTH = 4;
export const MAX_PLAINTEXT_LENGTH = 65536;
export const MAX_TYPE_LENGTH = 64;
const TYPE_RE = /^[a-z0-9][a-z0-9._:-]{0,63}$/;
const FIXED_LENGTH = 3 + 1 + 2 + 4 + 1 + SALT_LENGTH + COMMITMENT_LENGTH + GCM_IV_LENGTH; // + type
const MAX_BINARY_LENGTH = FIXED_LENGTH + MAX_TYPE_LENGTH + MAX_PLAINTEXT_LENGTH + GCM_TAG_LENGTH + CHECKSUM_LENGTH;
const MAX_TEXT_LENGTH = RECORD_TEXT_PREFIX.length + Math.ceil((MAX_BINARY_LENGTH * 4) / 3);

export interface RecordHeader {
  readonly suite: number;
  readonly umkVersion: number;
  readonly type: string;
  readonly salt: Uint8Array;
  readonly commitment: Uint8Array;
  readonly iv: Uint8Array;
}

export interface ParsedRecord extends RecordHeader {
  /** Header bytes exactly as stored (the first part of the AAD). */
  readonly headerBytes: Uint8Array;
  /** Ciphertext || tag. */
  readonly sealed: Uint8Array;
}

/** Record types name what a record holds: lowercase, digits and `._:-`, 1..64 characters. */
export function assertRecordType(type: unknown, name = 'type'): string {
  if (typeof type !== 'string' || !TYPE_RE.test(type))
    fail('INVALID_INPUT', `${name}: must match [a-z0-9][a-z0-9._:-]{0,63}`, { field: name });
  return type;
}

export function encodeHeader(h: RecordHeader): Uint8Array {
  // The type is checked ASCII ([a-z0-9._:-], assertRecordType), so one char code is one byte.
  const t = h.type;
  const out = new Uint8Array(FIXED_LENGTH + t.length);
  out.set(RECORD_MAGIC);
  out[3] = RECORD_FORMAT_VERSION;
  out.set(u16be(h.suite), 4);
  out.set(u32be(h.umkVersion), 6);
  out[10] = t.length;
  for (let i = 0; i < t.length; i++) out[11 + i] = t.charCodeAt(i);
  let off = 11 + t.length;
  out.set(h.salt, off);
  out.set(h.commitment, (off += SALT_LENGTH));
  out.set(h.iv, off + COMMITMENT_LENGTH);
  return out;
}

function checksum(bytes: Uint8Array): Uint8Array {
  return sha256(bytes).subarray(0, CHECKSUM_LENGTH);
}

/** header || sealed || checksum, as text. The checksum is unkeyed: it diagnoses, it does not protect. */
export function encodeRecordText(headerBytes: Uint8Array, sealed: Uint8Array): string {
  const n = headerBytes.length + sealed.length;
  const out = new Uint8Array(n + CHECKSUM_LENGTH);
  out.set(headerBytes);
  out.set(sealed, headerBytes.length);
  out.set(checksum(out.subarray(0, n)), n);
  return RECORD_TEXT_PREFIX + encodeBase64url(out);
}

/** Parse the text form. Throws INVALID_INPUT, UNSUPPORTED_VERSION or INTEGRITY (checksum). */
export function parseRecordText(text: unknown): ParsedRecord {
  if (typeof text !== 'string') return fail('INVALID_INPUT', 'record: expected a string', { field: 'record' });
  if (text.length > MAX_TEXT_LENGTH) fail('INVALID_INPUT', 'record: longer than the maximum record size', { field: 'record', reason: 'too-long' });
  if (!text.startsWith(RECORD_TEXT_PREFIX)) {
    if (/^avr[0-9]+\./.test(text)) fail('UNSUPPORTED_VERSION', 'record: unknown record text version', { field: 'record', reason: 'text-version' });
    fail('INVALID_INPUT', `record: not an agentvault record (expected prefix '${RECORD_TEXT_PREFIX}')`, { field: 'record', reason: 'prefix' });
  }
  // SPEC 4.2 / 3.7: the canonical base64url only (one text per record).
  return parseRecordBytes(decodeBase64url(text.slice(RECORD_TEXT_PREFIX.length), { field: 'record' }));
}

export function parseRecordBytes(bytes: Uint8Array): ParsedRecord {
  if (bytes.length < FIXED_LENGTH + 1 + GCM_TAG_LENGTH + CHECKSUM_LENGTH || bytes.length > MAX_BINARY_LENGTH)
    fail('INVALID_INPUT', 'record: wrong length', { field: 'record', reason: 'length' });
  const body = bytes.subarray(0, bytes.length - CHECKSUM_LENGTH);
  // Checked first so that accidental corruption reads as INTEGRITY, not as a wrong key (SPEC 4.5).
  if (!equalBytes(checksum(body), bytes.subarray(bytes.length - CHECKSUM_LENGTH)))
    fail('INTEGRITY', 'record: checksum mismatch (corrupted or modified)', { field: 'record', reason: 'checksum' });
  if (!equalBytes(body.subarray(0, 3), RECORD_MAGIC)) fail('INVALID_INPUT', 'record: bad magic', { field: 'record', reason: 'magic' });
  if (body[3] !== RECORD_FORMAT_VERSION) fail('UNSUPPORTED_VERSION', `record: unknown format version ${body[3]}`, { field: 'record', reason: 'format-version' });
  const suite = (body[4]! << 8) | body[5]!;
  if (suite !== SUITE_AES256GCM_HKDF_COMMIT) fail('UNSUPPORTED_VERSION', `record: unknown suite ${suite}`, { field: 'record', reason: 'suite' });
  const umkVersion = ((body[6]! << 24) | (body[7]! << 16) | (body[8]! << 8) | body[9]!) >>> 0;
  if (umkVersion < 1) fail('INVALID_INPUT', 'record: UMK version must be >= 1', { field: 'record', reason: 'umk-version' });
  const typeLen = body[10]!;
  if (typeLen < 1 || typeLen > MAX_TYPE_LENGTH) fail('INVALID_INPUT', 'record: bad type length', { field: 'record', reason: 'type-length' });
  const headerLength = FIXED_LENGTH + typeLen;
  if (body.length < headerLength + GCM_TAG_LENGTH) fail('INVALID_INPUT', 'record: truncated', { field: 'record', reason: 'truncated' });
  let type = '';
  for (const c of body.subarray(11, 11 + typeLen)) type += String.fromCharCode(c);
  assertRecordType(type, 'record type');
  let off = 11 + typeLen;
  // Views, not copies: `bytes` is this parse's own buffer (freshly decoded from text, or the
  // caller's, which the caller already owns); nothing here is secret.
  const salt = body.subarray(off, (off += SALT_LENGTH));
  const commitment = body.subarray(off, (off += COMMITMENT_LENGTH));
  const iv = body.subarray(off, (off += GCM_IV_LENGTH));
  return {
    suite,
    umkVersion,
    type,
    salt,
    commitment,
    iv,
    headerBytes: body.subarray(0, headerLength),
    sealed: body.subarray(headerLength),
  };
}
