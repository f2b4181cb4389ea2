/**
 * BIP39 mnemonics for agent wallets (DESIGN 8): English word list only, NFKD normalization of the
 * mnemonic and the passphrase, typed errors that name the problem and never echo a word.
 *
 * Word counts: `generateMnemonic` makes 24 words (default) or 12. Validation and derivation accept
 * every BIP39 length (12, 15, 18, 21, 24) so that existing wallets can be imported; see
 * docs/DERIVATION.md.
 *
 * Canonical form (what is hashed into the seed): NFKD, surrounding white space removed, words
 * separated by one ASCII space. Runs of white space between words are collapsed (as
 * `solana-keygen` does). Case is not folded: an upper-case word is an unknown word, so this library
 * never computes a seed from a text that a strict BIP39 implementation would hash differently.
 * @module
 */
import { entropyToMnemonic as scureEntropyToMnemonic, mnemonicToEntropy } from '@scure/bip39';
import { pbkdf2HmacSha512 } from '../primitives/_native-hash.js';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { aoptions } from '../_options.js';
import { aobject, astring, zero } from '../_utils.js';
import { randomBytes } from '../_random.js';
import { fail, isAgentvaultError } from '../errors.js';
import { SecretBytes } from '../secret.js';

/** Word counts `generateMnemonic` makes. */
export const GENERATE_WORD_COUNTS = [24, 12] as const;
/** Word counts accepted by validation and derivation (every BIP39 length). */
export const MNEMONIC_WORD_COUNTS = [12, 15, 18, 21, 24] as const;

export type MnemonicWordCount = (typeof GENERATE_WORD_COUNTS)[number];

/** A mnemonic as text, or as UTF-8 bytes in a SecretBytes holder (read, never disposed here). */
export type MnemonicInput = string | SecretBytes;

// 24 words of at most 8 letters plus separators fit easily; the cap only bounds the work done on
// hostile input before it is refused.
const MAX_MNEMONIC_CHARS = 2048;
const MAX_PASSPHRASE_CHARS = 1024;

const WORD_INDEX: ReadonlyMap<string, number> = new Map(wordlist.map((w, i) => [w, i]));

export interface GenerateMnemonicOptions {
  /** 24 (default, 256 bits of entropy) or 12 (128 bits). */
  readonly words?: MnemonicWordCount;
}

/**
 * Generate an English BIP39 mnemonic from the library's CSPRNG (DESIGN 5).
 * The returned string cannot be zeroed: seal it (see `createAgentWallet`) and drop it.
 * @example
 * const mnemonic = generateMnemonic();            // 24 words
 * const short = generateMnemonic({ words: 12 });  // 12 words
 */
export function generateMnemonic(opts: GenerateMnemonicOptions = {}): string {
  aoptions(opts, 'options', ['words']);
  const words = opts.words === undefined ? 24 : opts.words;
  if (words !== 24 && words !== 12) fail('MNEMONIC_WORD_COUNT', 'words: generation makes 24 or 12 words', { field: 'words', allowed: ['24', '12'] });
  const entropy = randomBytes(words === 24 ? 32 : 16);
  try {
    return scureEntropyToMnemonic(entropy, wordlist);
  } finally {
    zero(entropy);
  }
}

/** @internal BIP39 entropy (16..32 bytes, step 4) -> mnemonic. Used by the known-answer tests. */
export function _entropyToMnemonic(entropy: Uint8Array): string {
  return scureEntropyToMnemonic(entropy, wordlist);
}

function mnemonicText(mnemonic: unknown): string {
  if (mnemonic instanceof SecretBytes) {
    try {
      return astring(mnemonic.exposeText(), 'mnemonic', MAX_MNEMONIC_CHARS);
    } catch (e) {
      if (isAgentvaultError(e)) throw e;
      return fail('INVALID_INPUT', 'mnemonic: SecretBytes holds invalid UTF-8', { field: 'mnemonic' });
    }
  }
  return astring(mnemonic, 'mnemonic', MAX_MNEMONIC_CHARS);
}

/**
 * Check `mnemonic` and return its canonical form (NFKD, single spaces). Checks run in this
 * order and stop at the first failure: word count (MNEMONIC_WORD_COUNT), then each word against
 * the English list (MNEMONIC_UNKNOWN_WORD, with the 1-based `details.ordinal`), then the
 * checksum (MNEMONIC_CHECKSUM). No message or detail contains a word of the input.
 * @example
 * const canonical = validateMnemonic('  legal winner thank year wave sausage worth useful legal winner thank yellow ');
 */
export function validateMnemonic(mnemonic: MnemonicInput): string {
  const text = mnemonicText(mnemonic);
  // BIP39: the mnemonic is UTF-8 NFKD. NFKD also maps ideographic and other compatibility
  // spaces and full-width letters onto their ASCII forms.
  const words = text.normalize('NFKD').trim().split(/\s+/u).filter((w) => w.length > 0);
  if (!(MNEMONIC_WORD_COUNTS as readonly number[]).includes(words.length))
    fail('MNEMONIC_WORD_COUNT', `mnemonic: ${words.length} words given; BIP39 allows 12, 15, 18, 21 or 24`, {
      count: words.length,
      allowed: MNEMONIC_WORD_COUNTS.map(String),
    });
  for (let i = 0; i < words.length; i++) {
    if (!WORD_INDEX.has(words[i]!))
      fail('MNEMONIC_UNKNOWN_WORD', `mnemonic: #${i + 1} is not in the English BIP39 wordlist (lowercase)`, { ordinal: i + 1 });
  }
  const canonical = words.join(' ');
  let entropy: Uint8Array | undefined;
  try {
    entropy = mnemonicToEntropy(canonical, wordlist);
  } catch {
    // Count and membership passed above, so the checksum is the only thing left to fail. The
    // upstream error is not chained: its text is not ours to vouch for.
    return fail('MNEMONIC_CHECKSUM', 'mnemonic: checksum mismatch (a typo, or tokens swapped)');
  } finally {
    zero(entropy);
  }
  return canonical;
}

/** True when `mnemonic` passes `validateMnemonic`. Never throws. */
export function isValidMnemonic(mnemonic: unknown): boolean {
  try {
    validateMnemonic(mnemonic as MnemonicInput);
    return true;
  } catch {
    return false;
  }
}

/** @internal Assert a BIP39 passphrase (any string; NFKD is applied by the seed function). */
export function assertPassphrase(passphrase: unknown): string {
  const p = astring(passphrase === undefined ? '' : passphrase, 'passphrase', MAX_PASSPHRASE_CHARS);
  if (!p.isWellFormed()) fail('INVALID_INPUT', 'passphrase: not well-formed Unicode (lone surrogate)', { field: 'passphrase' });
  return p;
}

/**
 * BIP39 seed: PBKDF2-HMAC-SHA512(NFKD(mnemonic), "mnemonic" || NFKD(passphrase), 2048, 64).
 * Validates the mnemonic first (a wallet would refuse it too). Dispose the result after use.
 * @example
 * const seed = mnemonicToSeed(mnemonic, { passphrase: 'TREZOR' });
 * try { use(seed.expose()) } finally { seed.dispose() }
 */
export function mnemonicToSeed(mnemonic: MnemonicInput, opts: { readonly passphrase?: string } = {}): SecretBytes {
  aoptions(opts, 'options', ['passphrase']);
  const canonical = validateMnemonic(mnemonic);
  const passphrase = assertPassphrase(opts.passphrase);
  return SecretBytes.from(bip39Seed(canonical, passphrase));
}

/**
 * @internal BIP39 seed: PBKDF2-HMAC-SHA512(NFKD(mnemonic), "mnemonic" || NFKD(passphrase), 2048, 64),
 * computed by the crypto backend (node:crypto where available: about 3x faster than pure JS; the
 * BIP39 reference vectors run on both backends). `canonical` is a validated mnemonic.
 */
export function bip39Seed(canonical: string, passphrase: string): Uint8Array {
  const enc = new TextEncoder();
  const password = enc.encode(canonical.normalize('NFKD'));
  const salt = enc.encode('mnemonic' + passphrase.normalize('NFKD'));
  try {
    return pbkdf2HmacSha512(password, salt, 2048, 64);
  } finally {
    password.fill(0);
    salt.fill(0);
  }
}
