/**
 * Recovery keyslot keys (DESIGN 3, SPEC 6.4). Either a 128-bit random code shown to the user
 * once (HKDF is enough for 128 bits of entropy), or a human passphrase stretched with scrypt
 * (memory-hard) before HKDF.
 * @module
 */
import { scrypt } from '@noble/hashes/scrypt.js';
import { base32crockford } from '@scure/base';
import { aint, astring, concatBytes, lp, utf8, zero } from '../_utils.js';
import { randomBytes } from '../_random.js';
import { fail } from '../errors.js';
import { hkdfSha256 } from '../primitives/hkdf.js';
import { assertStrongKey } from '../primitives/keys.js';
import { LABEL_RECOVERY_CODE, LABEL_RECOVERY_PASSPHRASE } from '../primitives/labels.js';
import { SecretBytes } from '../secret.js';

export const RECOVERY_CODE_BYTES = 16;
export const RECOVERY_SALT_LENGTH = 32;
/** scrypt defaults for passphrases: N = 2^17, r = 8, p = 1 (128 MiB); N below 2^15 is refused. */
export const SCRYPT_DEFAULTS = { N: 2 ** 17, r: 8, p: 1 } as const;
export const SCRYPT_MIN_LOG_N = 15;
export const MIN_PASSPHRASE_LENGTH = 12;

export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** A new recovery code: 16 random bytes in Crockford base32, grouped for reading (26 characters). */
export function generateRecoveryCode(): SecretBytes {
  const bytes = randomBytes(RECOVERY_CODE_BYTES);
  try {
    // SPEC 6.4.1: 26 symbols in groups of 5 from the left (5-5-5-5-5-1), joined by '-'.
    const text = base32crockford.encode(bytes);
    const grouped = text.match(/.{1,5}/g)!.join('-');
    return SecretBytes.from(utf8(grouped));
  } finally {
    zero(bytes);
  }
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** SPEC 6.4.1: separators ignored anywhere in a typed code (hyphen-minus, space, tab, CR, LF). */
const CODE_SEPARATORS_RE = /[- \t\r\n]/g;
export const RECOVERY_CODE_SYMBOLS = 26;
export const MAX_RECOVERY_CODE_INPUT = 64;

/**
 * Parse a typed recovery code (SPEC 6.4.1): separators removed, letters upper-cased, `O` read as
 * `0`, `I` and `L` as `1`; then exactly 26 symbols of the Crockford alphabet, most significant
 * bit first, whose last symbol's two low (spare) bits are zero. Every refusal is INVALID_INPUT
 * with `details.reason`.
 */
export function parseRecoveryCode(code: string): Uint8Array {
  const field = 'recoveryCode';
  if (typeof code !== 'string' || code.length > MAX_RECOVERY_CODE_INPUT)
    fail('INVALID_INPUT', 'recoveryCode: expected the code as text', { field, reason: 'bad-type-or-length' });
  const compact = code.replace(CODE_SEPARATORS_RE, '').toUpperCase().replace(/O/g, '0').replace(/[IL]/g, '1');
  const values: number[] = [];
  for (const c of compact) {
    const v = CROCKFORD.indexOf(c);
    if (v < 0) fail('INVALID_INPUT', 'recoveryCode: not a recovery code (Crockford base32)', { field, reason: 'bad-alphabet' });
    values.push(v);
  }
  if (values.length !== RECOVERY_CODE_SYMBOLS) fail('INVALID_INPUT', 'recoveryCode: wrong length', { field, reason: 'bad-length' });
  if ((values[RECOVERY_CODE_SYMBOLS - 1]! & 0x03) !== 0)
    fail('INVALID_INPUT', 'recoveryCode: not a recovery code (spare bits set)', { field, reason: 'non-zero-unused-bits' });
  // 26 x 5 = 130 bits, big-endian: bit 0 of the code is the top bit of the first symbol.
  const bytes = new Uint8Array(RECOVERY_CODE_BYTES);
  let acc = 0;
  let bits = 0;
  let i = 0;
  for (const v of values) {
    acc = ((acc << 5) | v) & 0xfff;
    bits += 5;
    if (bits >= 8 && i < RECOVERY_CODE_BYTES) {
      bits -= 8;
      bytes[i++] = (acc >>> bits) & 0xff;
    }
  }
  return bytes;
}

/**
 * ikm || pepper when peppered, and the info ends with u8(peppered): the server pepper protects the
 * recovery keyslot as it protects the wallet keyslot (SPEC 6.4).
 */
function withPepper(ikm: Uint8Array, pepper: Uint8Array | undefined): Uint8Array {
  return pepper ? concatBytes(ikm, assertStrongKey(pepper, 'pepper')) : Uint8Array.from(ikm);
}

/** key = HKDF-SHA256(code bytes [|| pepper], recovery salt, lp(LABEL_RECOVERY_CODE) || lp(owner) || u8(peppered), 32). */
export function deriveRecoveryCodeKey(code: string, salt: Uint8Array, owner: string, pepper?: Uint8Array): SecretBytes {
  const bytes = parseRecoveryCode(code);
  const ikm = withPepper(bytes, pepper);
  try {
    return SecretBytes.from(hkdfSha256(ikm, salt, concatBytes(lp(LABEL_RECOVERY_CODE), lp(owner), Uint8Array.of(pepper ? 1 : 0)), 32));
  } finally {
    zero(bytes, ikm);
  }
}

/** Memory (128·r·(N+p+1) bytes) and work (N·r·p) bounds, so a stored vault cannot make us spin. */
export const SCRYPT_MAX_MEMORY = 256 * 1024 * 1024;
export const SCRYPT_MAX_WORK = 2 ** 24;
export const MAX_PASSPHRASE_LENGTH = 1024;

export function assertScryptParams(p: ScryptParams): ScryptParams {
  aint(p.r, 'scrypt.r', 8, 32);
  aint(p.p, 'scrypt.p', 1, 16);
  aint(p.N, 'scrypt.N', 2 ** SCRYPT_MIN_LOG_N, 2 ** 22);
  if ((p.N & (p.N - 1)) !== 0) fail('INVALID_INPUT', 'scrypt.N: must be a power of two', { field: 'scrypt.N' });
  if (128 * p.r * (p.N + p.p + 1) > SCRYPT_MAX_MEMORY || p.N * p.r * p.p > SCRYPT_MAX_WORK)
    fail('INVALID_INPUT', 'scrypt: parameters exceed the memory (256 MiB) or work (2^24) bound', { field: 'scrypt' });
  return { N: p.N, r: p.r, p: p.p };
}

/**
 * key = HKDF-SHA256(scrypt(NFKD(passphrase), salt, N, r, p, 32) [|| pepper], salt,
 *                   lp(LABEL_RECOVERY_PASSPHRASE) || lp(owner) || u8(peppered), 32).
 */
export function deriveRecoveryPassphraseKey(
  passphrase: string,
  salt: Uint8Array,
  owner: string,
  params: ScryptParams,
  pepper?: Uint8Array,
): SecretBytes {
  astring(passphrase, 'passphrase', MAX_PASSPHRASE_LENGTH);
  if (!passphrase.isWellFormed()) fail('INVALID_INPUT', 'passphrase: not well-formed text', { field: 'passphrase' });
  const normalized = passphrase.normalize('NFKD');
  if ([...normalized].length < MIN_PASSPHRASE_LENGTH)
    fail('WEAK_KEY', `passphrase: at least ${MIN_PASSPHRASE_LENGTH} characters`, { field: 'passphrase' });
  const { N, r, p } = assertScryptParams(params);
  const pw = utf8(normalized);
  let stretched: Uint8Array | undefined;
  let ikm: Uint8Array | undefined;
  try {
    try {
      stretched = scrypt(pw, salt, { N, r, p, dkLen: 32, maxmem: SCRYPT_MAX_MEMORY + 1024 * 1024 });
    } catch {
      return fail('INVALID_INPUT', 'scrypt: could not run with these parameters', { field: 'scrypt' });
    }
    ikm = withPepper(stretched, pepper);
    return SecretBytes.from(hkdfSha256(ikm, salt, concatBytes(lp(LABEL_RECOVERY_PASSPHRASE), lp(owner), Uint8Array.of(pepper ? 1 : 0)), 32));
  } finally {
    zero(pw, stretched, ikm);
  }
}
