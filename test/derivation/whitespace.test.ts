/** docs/DERIVATION.md "Mnemonics": the white-space set is written out; this pins it. */
import { describe, expect, it } from 'vitest';
import { validateMnemonic } from '../../src/derivation/mnemonic.js';
import { AgentvaultError } from '../../src/errors.js';

const WORDS = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about'.split(' ');
const SEPARATORS = [0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0xa0, 0x1680, ...Array.from({ length: 11 }, (_, i) => 0x2000 + i), 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff];
const NOT_SEPARATORS = [0x85, 0x180e, 0x200b, 0x200c, 0x200d, 0x2060];

describe('mnemonic white space (DERIVATION.md)', () => {
  it.each(SEPARATORS.map((c) => [c.toString(16).padStart(4, '0'), c]))('U+%s separates words and is trimmed', (_h, c) => {
    const sep = String.fromCodePoint(c as number);
    expect(String(validateMnemonic(sep + WORDS.join(sep + sep) + sep))).toBe(WORDS.join(' '));
  });
  it.each(NOT_SEPARATORS.map((c) => [c.toString(16).padStart(4, '0'), c]))('U+%s does not separate words', (_h, c) => {
    const sep = String.fromCodePoint(c as number);
    let code: string | undefined;
    try {
      validateMnemonic(WORDS.slice(0, 11).join(' ') + sep + WORDS[11]);
    } catch (e) {
      code = (e as AgentvaultError).code;
    }
    expect(code === 'MNEMONIC_UNKNOWN_WORD' || code === 'MNEMONIC_WORD_COUNT').toBe(true);
  });
});
