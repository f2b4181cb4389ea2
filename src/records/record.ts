/**
 * Key-committing AES-256-GCM records (DESIGN 6, SPEC 4). One record is one encrypted value
 * (a mnemonic, an agent key, a profile secret) in a text form that fits a text column.
 *
 * Per-record keys follow the AWS Encryption SDK v2 committing suites (SPEC 4.3):
 *   prk        = HKDF-Extract(salt = record salt, ikm = key)
 *   enc key    = HKDF-Expand(prk, u16be(suite) || "DERIVEKEY", 32)
 *   commitment = HKDF-Expand(prk, "COMMITKEY", 32)
 * On open the commitment is compared in constant time before decrypting, so a wrong key reads
 * as KEY_MISMATCH and never as a decryption error (this is what lets the vault say "the wallet
 * did not reproduce the key").
 * @module
 */
import { abytes, aint, aobject, concatBytes, equalBytes, u16be, utf8, zero } from '../_utils.js';
import { aoptions } from '../_options.js';
import { randomBytes, randomPublicBytes } from '../_random.js';
import { fail } from '../errors.js';
import { aesGcmDecrypt, aesGcmEncrypt, GCM_IV_LENGTH } from '../primitives/aead.js';
import { hkdfSha256Pair } from '../primitives/hkdf.js';
import { LABEL_RECORD_COMMITKEY, LABEL_RECORD_DERIVEKEY } from '../primitives/labels.js';
import { SecretBytes } from '../secret.js';
import { encodeContext, type RecordContext } from './context.js';
import {
  assertRecordType,
  encodeHeader,
  encodeRecordText,
  MAX_PLAINTEXT_LENGTH,
  parseRecordText,
  SALT_LENGTH,
  SUITE_AES256GCM_HKDF_COMMIT,
} from './format.js';

/** A 32-byte key, as bytes or as a SecretBytes handle. */
export type KeyInput = Uint8Array | SecretBytes;

export interface SealRecordOptions {
  /** What the record holds, e.g. `mnemonic`, `agent-key`, `profile`. Stored in the header. */
  readonly type: string;
  /** Authenticated, not stored: the owner's address plus app fields. Required again to open. */
  readonly context: RecordContext;
  /** UMK version the key was derived from (stored in the header). Default 1. */
  readonly umkVersion?: number;
}

export interface OpenRecordOptions {
  readonly type: string;
  readonly context: RecordContext;
}

export interface OpenedRecord {
  readonly plaintext: SecretBytes;
  readonly type: string;
  readonly umkVersion: number;
}

function keyBytes(key: KeyInput): Uint8Array {
  return abytes(key instanceof SecretBytes ? key.expose() : key, 'key', 32);
}

// SPEC 4.3 info strings, encoded once (they are constants of suite 0x0001).
const DERIVEKEY_INFO = /* @__PURE__ */ concatBytes(u16be(SUITE_AES256GCM_HKDF_COMMIT), utf8(LABEL_RECORD_DERIVEKEY));
const COMMITKEY_INFO = /* @__PURE__ */ utf8(LABEL_RECORD_COMMITKEY);

// SPEC 4.3: prk = Extract(salt, key); enc key = Expand(prk, DERIVEKEY info); commitment =
// Expand(prk, COMMITKEY info). One call, three HMACs; the PRK never leaves it.
function deriveRecordKeys(key: Uint8Array, salt: Uint8Array): { encKey: Uint8Array; commitment: Uint8Array } {
  const [encKey, commitment] = hkdfSha256Pair(key, salt, DERIVEKEY_INFO, COMMITKEY_INFO);
  return { encKey, commitment };
}

/**
 * Encrypt `plaintext` (at most 64 KiB) under `key` for `type` and `context`.
 * @example
 * const text = sealRecord(subkey, utf8('secret'), { type: 'profile', context: { address } });
 */
export function sealRecord(key: KeyInput, plaintext: Uint8Array, opts: SealRecordOptions): string {
  const k = keyBytes(key);
  abytes(plaintext, 'plaintext');
  if (plaintext.length > MAX_PLAINTEXT_LENGTH) fail('INVALID_INPUT', `plaintext: longer than ${MAX_PLAINTEXT_LENGTH} bytes`);
  aoptions(opts, 'options', ['type', 'context', 'umkVersion']);
  const type = assertRecordType(opts.type);
  const umkVersion = aint(opts.umkVersion ?? 1, 'umkVersion', 1, 0xffffffff);
  const contextBytes = encodeContext(opts.context);
  const salt = randomPublicBytes(SALT_LENGTH);
  const iv = randomPublicBytes(GCM_IV_LENGTH);
  const { encKey, commitment } = deriveRecordKeys(k, salt);
  try {
    const headerBytes = encodeHeader({ suite: SUITE_AES256GCM_HKDF_COMMIT, umkVersion, type, salt, commitment, iv });
    const sealed = aesGcmEncrypt(encKey, iv, plaintext, concatBytes(headerBytes, contextBytes));
    return encodeRecordText(headerBytes, sealed);
  } finally {
    zero(encKey);
  }
}

/**
 * Authenticate and decrypt a record. Errors, in the order checked:
 * INVALID_INPUT / UNSUPPORTED_VERSION (parse), INTEGRITY (checksum: corrupted),
 * CONTEXT_MISMATCH (another type), KEY_MISMATCH (commitment: another key),
 * CONTEXT_MISMATCH (tag fails on an intact record: another address or field).
 */
export function openRecord(key: KeyInput, record: string, opts: OpenRecordOptions): OpenedRecord {
  const k = keyBytes(key);
  aoptions(opts, 'options', ['type', 'context']);
  const type = assertRecordType(opts.type);
  const contextBytes = encodeContext(opts.context);
  const parsed = parseRecordText(record);
  if (parsed.type !== type) fail('CONTEXT_MISMATCH', 'record holds another type than expected', { reason: 'type' });
  const { encKey, commitment } = deriveRecordKeys(k, parsed.salt);
  try {
    if (!equalBytes(commitment, parsed.commitment))
      fail('KEY_MISMATCH', 'record was sealed under another key', { reason: 'commitment' });
    let plaintext: Uint8Array;
    try {
      plaintext = aesGcmDecrypt(encKey, parsed.iv, parsed.sealed, concatBytes(parsed.headerBytes, contextBytes));
    } catch {
      // The checksum passed and the key is right: the likely cause is another context. A
      // deliberate forgery with a recomputed checksum also lands here; either way, refused.
      return fail('CONTEXT_MISMATCH', 'record authentication failed: the context (address or fields) differs, or it was modified', { reason: 'tag' });
    }
    return { plaintext: SecretBytes.from(plaintext), type: parsed.type, umkVersion: parsed.umkVersion };
  } finally {
    zero(encKey, commitment);
  }
}

/**
 * The UMK version a record names, for routing reads and migrations. Unauthenticated: use it
 * only to pick a key; `openRecord` then authenticates it.
 */
export function recordUmkVersion(record: string): number {
  return parseRecordText(record).umkVersion;
}
