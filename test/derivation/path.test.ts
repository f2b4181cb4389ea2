/**
 * Derivation path grammar (docs/DERIVATION.md): every segment hardened, < 2^31, canonical
 * decimal; anything else INVALID_PATH, never silently hardened. And the Solana CLI
 * `prompt://?key=i[/j]` form.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDerivationPath, HARDENED_OFFSET, MAX_PATH_DEPTH, parseDerivationPath, parseSolanaCliKeyUri } from '../../src/derivation/index.js';
import { expectCode } from '../helpers/errors.js';
import { NOT_STRINGS } from '../helpers/wrong-types.js';
import { loadVectors } from './_reference.js';

const V = loadVectors();
const index = fc.integer({ min: 0, max: HARDENED_OFFSET - 1 });
const mark = fc.constantFrom("'", 'h');

describe('parseDerivationPath', () => {
  it('parses the presets and normalizes h to the canonical apostrophe', () => {
    expect(parseDerivationPath("m/44'/501'/0'/0'")).toEqual({ text: "m/44'/501'/0'/0'", indexes: [44, 501, 0, 0] });
    expect(parseDerivationPath('m/44h/501h/7h')).toEqual({ text: "m/44'/501'/7'", indexes: [44, 501, 7] });
    expect(parseDerivationPath('m')).toEqual({ text: 'm', indexes: [] });
    expect(parseDerivationPath("m/2147483647'").indexes).toEqual([2147483647]);
  });

  it('round-trips any hardened path (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(index, mark), { maxLength: 12 }), (segments) => {
        const text = ['m', ...segments.map(([i, h]) => `${i}${h}`)].join('/');
        const parsed = parseDerivationPath(text);
        expect(parsed.indexes).toEqual(segments.map(([i]) => i));
        expect(parsed.text).toBe(formatDerivationPath(parsed.indexes));
        expect(parseDerivationPath(parsed.text)).toEqual(parsed);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a path with any non-hardened segment, wherever it is (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(index, { minLength: 1, maxLength: 10 }), fc.nat(), (indexes, at) => {
        const k = at % indexes.length;
        const text = ['m', ...indexes.map((i, j) => (j === k ? `${i}` : `${i}'`))].join('/');
        const e = expectCode(() => parseDerivationPath(text), 'INVALID_PATH');
        expect(e.details?.['segment']).toBe(k + 1);
        expect(e.message).toMatch(/not hardened/);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses any index >= 2^31 (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: HARDENED_OFFSET, max: 9_999_999_999 }), mark, (i, h) => {
        expectCode(() => parseDerivationPath(`m/44'/${i}${h}`), 'INVALID_PATH');
      }),
    );
  });

  for (const v of V.invalid.paths) {
    it(`refuses ${JSON.stringify(v.path)} (${v.why})`, () => {
      expectCode(() => parseDerivationPath(v.path), 'INVALID_PATH');
    });
  }

  it(`refuses more than ${MAX_PATH_DEPTH} segments`, () => {
    expect(parseDerivationPath('m' + "/0'".repeat(MAX_PATH_DEPTH)).indexes).toHaveLength(MAX_PATH_DEPTH);
    expectCode(() => parseDerivationPath('m' + "/0'".repeat(MAX_PATH_DEPTH + 1)), 'INVALID_PATH');
  });

  it.each(NOT_STRINGS)('refuses a %s path with INVALID_INPUT', (_l, value) => {
    expectCode(() => parseDerivationPath(value), 'INVALID_INPUT');
  });
});

describe('formatDerivationPath', () => {
  it('formats and checks indexes', () => {
    expect(formatDerivationPath([44, 501, 3, 0])).toBe("m/44'/501'/3'/0'");
    expect(formatDerivationPath([])).toBe('m');
    expectCode(() => formatDerivationPath([HARDENED_OFFSET]), 'INVALID_PATH');
    expectCode(() => formatDerivationPath([-1]), 'INVALID_PATH');
    expectCode(() => formatDerivationPath([1.5]), 'INVALID_INPUT');
    expectCode(() => formatDerivationPath('m/0' as never), 'INVALID_INPUT');
  });
});

describe('parseSolanaCliKeyUri', () => {
  it('parses ?key=i/j and ?key=i, with or without apostrophes', () => {
    expect(parseSolanaCliKeyUri('prompt://?key=0/0')).toEqual({ account: 0, change: 0 });
    expect(parseSolanaCliKeyUri('prompt://?key=12/3')).toEqual({ account: 12, change: 3 });
    expect(parseSolanaCliKeyUri("prompt://?key=1'/2'")).toEqual({ account: 1, change: 2 });
    expect(parseSolanaCliKeyUri('prompt://?key=5')).toEqual({ account: 5 });
    expect(parseSolanaCliKeyUri('prompt://?key=2147483647/2147483647')).toEqual({ account: 2147483647, change: 2147483647 });
  });

  it('round-trips any account/change (fast-check)', () => {
    fc.assert(
      fc.property(index, fc.option(index, { nil: undefined }), (a, c) => {
        const uri = c === undefined ? `prompt://?key=${a}` : `prompt://?key=${a}/${c}`;
        expect(parseSolanaCliKeyUri(uri)).toEqual(c === undefined ? { account: a } : { account: a, change: c });
      }),
    );
  });

  for (const v of V.invalid.cliKeyUris) {
    it(`refuses ${JSON.stringify(v.uri)} (${v.why})`, () => {
      expectCode(() => parseSolanaCliKeyUri(v.uri), v.code as 'INVALID_PATH');
    });
  }

  it.each(NOT_STRINGS)('refuses a %s uri with INVALID_INPUT', (_l, value) => {
    expectCode(() => parseSolanaCliKeyUri(value), 'INVALID_INPUT');
  });
});
