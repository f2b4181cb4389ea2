/**
 * Mnemonic generation and validation: word counts, the check order (count, then words, then
 * checksum), NFKD normalization, randomness from the library source, and error messages that
 * never contain a word of the input.
 */
import { wordlist } from '@scure/bip39/wordlists/english.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAgentvaultError } from '../../src/errors.js';
import {
  deriveSolanaKeypair,
  generateMnemonic,
  isValidMnemonic,
  mnemonicToSeed,
  validateMnemonic,
} from '../../src/derivation/index.js';
import { _entropyToMnemonic } from '../../src/derivation/mnemonic.js';
import { SecretBytes } from '../../src/secret.js';
import { errorText, expectCode } from '../helpers/errors.js';
import { withFixedRandom } from '../helpers/random.js';
import { NOT_STRINGS } from '../helpers/wrong-types.js';
import { bip39SeedRef, loadVectors, toHexRef } from './_reference.js';

const V = loadVectors();
const WORDS = new Set(wordlist);
const ABOUT = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

describe('generateMnemonic', () => {
  it('makes 24 words by default and 12 on request, all valid', () => {
    const m24 = generateMnemonic();
    const m12 = generateMnemonic({ words: 12 });
    expect(m24.split(' ')).toHaveLength(24);
    expect(m12.split(' ')).toHaveLength(12);
    expect(validateMnemonic(m24)).toBe(m24);
    expect(validateMnemonic(m12)).toBe(m12);
    expect(generateMnemonic()).not.toBe(m24);
  });

  it('draws its entropy from the library random source (32 bytes for 24 words, 16 for 12)', () => {
    const e32 = new Uint8Array(32).fill(0xff);
    expect(withFixedRandom([e32], () => generateMnemonic())).toBe(_entropyToMnemonic(e32));
    const e16 = new Uint8Array(16).fill(0x7f);
    expect(withFixedRandom([e16], () => generateMnemonic({ words: 12 }))).toBe('legal winner thank year wave sausage worth useful legal winner thank yellow');
  });

  it.each([15, 18, 21, 0, 25, 13, '24', null])('refuses words = %s', (words) => {
    const e = expectCode(() => generateMnemonic({ words } as never), 'MNEMONIC_WORD_COUNT');
    expect(e.details?.['field']).toBe('words');
  });

  it.each([null, 'x', 24])('refuses options = %s', (opts) => {
    expectCode(() => generateMnemonic(opts as never), 'INVALID_INPUT');
  });
});

describe('validateMnemonic', () => {
  it('accepts every BIP39 length (12, 15, 18, 21, 24)', () => {
    for (const bytes of [16, 20, 24, 28, 32]) {
      const m = _entropyToMnemonic(new Uint8Array(bytes).fill(0x42));
      expect(validateMnemonic(m)).toBe(m);
      expect(isValidMnemonic(m)).toBe(true);
    }
  });

  for (const v of V.invalid.mnemonics) {
    it(`refuses: ${v.name} -> ${v.code}`, () => {
      const e = expectCode(() => validateMnemonic(v.mnemonic), v.code as never);
      if (v.ordinal !== undefined) expect(e.details?.['ordinal']).toBe(v.ordinal);
      expect(isValidMnemonic(v.mnemonic)).toBe(false);
    });
  }

  it('checks the count before the words, and the words before the checksum', () => {
    // 13 entries, one unknown: count wins.
    expectCode(() => validateMnemonic(`${ABOUT} qqq`), 'MNEMONIC_WORD_COUNT');
    // 12 entries, one unknown and a bad checksum: unknown word wins, and names the first one.
    const e = expectCode(() => validateMnemonic('abandon qqq abandon abandon abandon abandon abandon abandon abandon abandon zzz abandon'), 'MNEMONIC_UNKNOWN_WORD');
    expect(e.details?.['ordinal']).toBe(2);
  });

  it('canonicalizes white space: trims, collapses runs, accepts tabs, newlines and ideographic spaces', () => {
    const messy = `\n  ${ABOUT.split(' ').join(' \t ')}\u3000 `;
    expect(validateMnemonic(messy)).toBe(ABOUT);
    // ...and the seed is computed from the canonical form (as solana-keygen does).
    const a = deriveSolanaKeypair(messy, { preset: 'solana-cli' });
    const b = deriveSolanaKeypair(ABOUT, { preset: 'solana-cli' });
    expect(a.address).toBe(b.address);
  });

  it('applies NFKD: full-width letters are the same words', () => {
    const fullWidth = [...ABOUT].map((c) => (c === ' ' ? '\u3000' : String.fromCharCode(c.charCodeAt(0) - 0x61 + 0xff41))).join('');
    expect(fullWidth).not.toBe(ABOUT);
    expect(validateMnemonic(fullWidth)).toBe(ABOUT);
  });

  it('does not fold case: an upper-case word is an unknown word', () => {
    expectCode(() => validateMnemonic(ABOUT.toUpperCase()), 'MNEMONIC_UNKNOWN_WORD');
  });

  it('accepts the mnemonic as UTF-8 SecretBytes, without disposing or changing it', () => {
    const bytes = new TextEncoder().encode(ABOUT);
    const s = SecretBytes.copy(bytes);
    expect(validateMnemonic(s)).toBe(ABOUT);
    expect(s.disposed).toBe(false);
    expect(toHexRef(s.expose())).toBe(toHexRef(bytes));
    s.dispose();
    expectCode(() => validateMnemonic(s), 'VAULT_LOCKED');
    expectCode(() => validateMnemonic(SecretBytes.copy(Uint8Array.of(0xff, 0xfe))), 'INVALID_INPUT');
  });

  it.each(NOT_STRINGS.filter(([l]) => l !== 'Uint8Array' && l !== 'Buffer'))('refuses a %s mnemonic with INVALID_INPUT', (_label, value) => {
    expectCode(() => validateMnemonic(value as never), 'INVALID_INPUT');
    expect(isValidMnemonic(value)).toBe(false);
  });

  it('refuses raw bytes (only SecretBytes carries a mnemonic as bytes) and oversize text', () => {
    expectCode(() => validateMnemonic(new TextEncoder().encode(ABOUT) as never), 'INVALID_INPUT');
    expectCode(() => validateMnemonic(' '.repeat(5000) + ABOUT), 'INVALID_INPUT');
  });
});

describe('error messages never contain the mnemonic', () => {
  const word = fc.constantFrom(...wordlist);
  const nonWord = fc.stringMatching(/^[a-z]{3,8}$/).filter((w) => !WORDS.has(w));

  /**
   * What an error prints about the input: its message, its details and String(e), minus the fixed
   * code and class name (MNEMONIC_WORD_COUNT contains "word", a BIP39 word, but it is the code, not
   * an echo). The stack is left out: it holds file paths, not input.
   */
  function printed(e: unknown): string {
    if (!isAgentvaultError(e)) throw e;
    return [String(e), e.message, JSON.stringify(e.details ?? null)].join('\n').replaceAll(e.code, '').replaceAll(e.name, '').toLowerCase();
  }

  function assertNoInputWord(input: string): void {
    let caught: unknown;
    try {
      validateMnemonic(input);
    } catch (e) {
      caught = e;
    }
    if (caught === undefined) return; // a valid mnemonic: nothing printed
    const tokens = new Set(printed(caught).match(/[a-z]+/g) ?? []);
    for (const w of input.split(' ')) expect(tokens.has(w), `error text contains input word "${w}"`).toBe(false);
  }

  it('for wrong counts, unknown words and bad checksums (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(word, { minLength: 0, maxLength: 30 }), fc.option(fc.tuple(nonWord, fc.nat()), { nil: undefined }), (words, bad) => {
        const list = [...words];
        if (bad !== undefined && list.length > 0) list[bad[1] % list.length] = bad[0];
        assertNoInputWord(list.join(' '));
      }),
      { numRuns: 300 },
    );
  });

  it('for 12- and 24-word inputs with one word changed (mostly checksum failures)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.boolean(), word, fc.nat(), (entropy, long, w, at) => {
        const list = _entropyToMnemonic(long ? entropy : entropy.subarray(0, 16)).split(' ');
        list[at % list.length] = w;
        assertNoInputWord(list.join(' '));
      }),
      { numRuns: 200 },
    );
  });

  it('and no message uses any BIP39 word at all, so none can ever echo one', () => {
    const samples = [`${ABOUT} about`, ABOUT.replace('about', 'qqqq'), ABOUT.replace('about', 'abandon'), ''];
    for (const s of samples) {
      let text = '';
      try {
        validateMnemonic(s);
      } catch (e) {
        text = printed(e);
      }
      expect(text.length).toBeGreaterThan(0);
      for (const t of text.match(/[a-z]+/g) ?? []) expect(WORDS.has(t), `"${t}" in: ${text}`).toBe(false);
    }
  });

  it('the full error text (inspect, stack, JSON) never contains the mnemonic itself', async () => {
    const m = generateMnemonic({ words: 12 }).split(' ');
    m[11] = m[11] === 'zoo' ? 'abandon' : 'zoo';
    const input = m.join(' ');
    let caught: unknown;
    try {
      validateMnemonic(input);
    } catch (e) {
      caught = e;
    }
    if (caught !== undefined) {
      const text = await errorText(caught);
      expect(text).not.toContain(m.slice(0, 3).join(' '));
      expect(text).not.toContain(m.slice(-3).join(' '));
    }
  });
});

describe('mnemonicToSeed and passphrases', () => {
  it('matches the spec with an empty and a non-empty passphrase', () => {
    const empty = mnemonicToSeed(ABOUT);
    expect(toHexRef(empty.expose())).toBe(bip39SeedRef(ABOUT, '').toString('hex'));
    const trezor = mnemonicToSeed(ABOUT, { passphrase: 'TREZOR' });
    expect(toHexRef(trezor.expose())).toBe(V.bip39.valid[0]!.seed);
    expect(toHexRef(trezor.expose())).not.toBe(toHexRef(empty.expose()));
  });

  it('NFKD-normalizes the passphrase (NFC, NFD and compatibility forms agree)', () => {
    const forms = ['caf\u00e9 \u2163', 'cafe\u0301 \u2163', 'caf\u00e9 IV'];
    const seeds = forms.map((p) => toHexRef(mnemonicToSeed(ABOUT, { passphrase: p }).expose()));
    expect(new Set(seeds).size).toBe(1);
    expect(seeds[0]).toBe(bip39SeedRef(ABOUT, 'cafe\u0301 IV').toString('hex'));
  });

  it('validates the mnemonic first, and refuses bad passphrases with INVALID_INPUT', () => {
    expectCode(() => mnemonicToSeed(ABOUT.replace('about', 'abandon')), 'MNEMONIC_CHECKSUM');
    expectCode(() => mnemonicToSeed(ABOUT, { passphrase: 42 as never }), 'INVALID_INPUT');
    expectCode(() => mnemonicToSeed(ABOUT, { passphrase: 'a\ud800b' }), 'INVALID_INPUT');
    expectCode(() => mnemonicToSeed(ABOUT, { passphrase: 'x'.repeat(1025) }), 'INVALID_INPUT');
    expectCode(() => mnemonicToSeed(ABOUT, null as never), 'INVALID_INPUT');
  });

  it('returns a SecretBytes that redacts itself', () => {
    const s = mnemonicToSeed(ABOUT);
    expect(String(s)).not.toContain(toHexRef(s.expose()).slice(0, 16));
    expect(JSON.stringify({ s })).toBe('{"s":"<redacted>"}');
  });
});
