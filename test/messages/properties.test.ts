/**
 * Property tests (fast-check): build -> parse round trip over generated valid fields (and byte
 * equality with @solana/wallet-standard-util's builder); the parsers never throw anything but the
 * library's errors, over arbitrary input and over mutations of valid messages.
 */
import { base58 } from '@scure/base';
import { createSignInMessageText, parseSignInMessageText } from '@solana/wallet-standard-util';
import type { SolanaSignInInput } from '@solana/wallet-standard-features';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AgentvaultError, isAgentvaultError } from '../../src/errors.js';
import { decodeSignature, verifySignedMessage } from '../../src/messages/challenge.js';
import { CHAIN_IDS, MAX_MESSAGE_BYTES } from '../../src/messages/fields.js';
import { encodeOffchainMessage, parseOffchainMessage } from '../../src/messages/offchain.js';
import { buildSiwsMessage, parseSiwsMessage, type SiwsFields } from '../../src/messages/siws.js';
import { FULL_FIELDS, NOW, expected, runs, wallet } from './_fixtures.js';

const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?$/);
const domain = fc.oneof(
  fc
    .tuple(fc.array(label, { minLength: 1, maxLength: 3 }), fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }))
    // SPEC 7.2: a last label that is a number (decimal or 0x-hex) would be read as IPv4 by browsers.
    .filter(([labels]) => !/^(?:\d+|0x[0-9a-f]*)$/.test(labels[labels.length - 1]!))
    .map(([labels, port]) => `${labels.join('.')}${port === undefined ? '' : `:${port}`}`),
  fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })).map(([a, b]) => `10.${a}.${b}.1`),
  fc.constant('[::1]:8080'),
);
const uriChars = fc.stringMatching(/^(?:[A-Za-z0-9\-._~:/?@!$&'()*+,;=]|%[0-9A-F]{2})*$/).filter((s) => s.length <= 60);
const uri = fc.oneof(
  fc.tuple(domain, uriChars).map(([d, p]) => `https://${d}/${p}`),
  fc.tuple(fc.stringMatching(/^[a-z][a-z0-9+.-]{0,8}$/), uriChars).map(([s, p]) => `${s}:${p}`),
);
const statement = fc
  .stringMatching(/^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;= ]{1,120}$/)
  .filter(
    (s) =>
      !/^(URI|Version|Chain ID|Nonce|Issued At|Expiration Time|Not Before|Request ID|Resources):/.test(s) &&
      !s.startsWith('- ') &&
      !s.startsWith(' ') &&
      !s.endsWith(' ') &&
      !/wants you to sign in with your solana account/i.test(s),
  );
const time = fc
  .tuple(
    fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }),
    fc.option(fc.stringMatching(/^[0-9]{1,9}$/), { nil: undefined }),
  )
  .map(([d, frac]) => `${d.toISOString().slice(0, 19)}${frac === undefined ? '' : `.${frac}`}Z`);
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

const validFields: fc.Arbitrary<SiwsFields> = fc.record({
  domain,
  address: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => base58.encode(b)),
  statement: opt(statement),
  uri,
  version: fc.constant('1' as const),
  chainId: fc.constantFrom(...CHAIN_IDS),
  nonce: fc.stringMatching(/^[A-Za-z0-9]{8,40}$/),
  issuedAt: time,
  expirationTime: opt(time),
  notBefore: opt(time),
  requestId: opt(fc.stringMatching(/^[A-Za-z0-9\-._~!$&'()*+,;=:@]{1,20}$/)),
  resources: opt(fc.array(uri, { maxLength: 4 })),
});

/** Build, or undefined when the generated fields are simply too long together. */
function tryBuild(f: SiwsFields): string | undefined {
  try {
    return buildSiwsMessage(f);
  } catch (e) {
    if (isAgentvaultError(e, 'MESSAGE_TOO_LONG')) return undefined;
    throw e;
  }
}

/**
 * Any code points (lone surrogates included), half of them ASCII: what `fc.string({ unit: 'binary' })`
 * draws, without its one-time set-up cost of several seconds per process (paid again by every
 * mutation-test run of this file).
 */
const anyCodePoints = (maxLength: number) =>
  fc
    .array(fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0, max: 0x10ffff })), { maxLength })
    .map((cps) => String.fromCodePoint(...cps));

const defined = (o: object) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** Run `fn`; anything thrown must be an AgentvaultError. */
function onlyLibraryErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof AgentvaultError)) throw new Error(`non-library error: ${String(e)}`);
  }
}

describe('round trip', () => {
  it('parse(build(fields)) returns the same fields', () => {
    fc.assert(
      fc.property(validFields, (f) => {
        const text = tryBuild(f);
        fc.pre(text !== undefined);
        expect(defined(parseSiwsMessage(text))).toEqual(defined(f));
        expect(buildSiwsMessage(parseSiwsMessage(text))).toBe(text);
        expect(new TextEncoder().encode(text).length).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
      }),
      { numRuns: runs(500) },
    );
  });
  it('our text equals createSignInMessageText, and parseSignInMessageText reads the same fields', () => {
    fc.assert(
      fc.property(validFields, (f) => {
        const text = tryBuild(f);
        fc.pre(text !== undefined);
        expect(createSignInMessageText(f as SolanaSignInInput & { domain: string; address: string })).toBe(text);
        expect(defined(parseSignInMessageText(text)!)).toEqual(defined(f));
      }),
      { numRuns: runs(300) },
    );
  });
  it('off-chain envelope round trip', () => {
    fc.assert(
      fc.property(validFields, (f) => {
        const text = tryBuild(f);
        fc.pre(text !== undefined);
        const env = parseOffchainMessage(encodeOffchainMessage(text, f.address));
        expect(env.text).toBe(text);
        expect(env.signers).toEqual([f.address]);
      }),
      { numRuns: runs(200) },
    );
  });
});

const base = buildSiwsMessage(FULL_FIELDS);
const nasty = ['\n', '\r', '\r\n', '\u0000', '\u2028', '\u2029', '\ufeff', '\ud800', ' ', '-', ':', 'URI: ', 'Resources:\n- ', '\n\n', 'é', '%', '\t'];
/** Mutations of a valid message: insert a nasty string, delete a range, duplicate or swap lines. */
const mutated = fc.oneof(
  fc.tuple(fc.nat(base.length), fc.constantFrom(...nasty)).map(([i, s]) => base.slice(0, i) + s + base.slice(i)),
  fc.tuple(fc.nat(base.length), fc.nat(20)).map(([i, n]) => base.slice(0, i) + base.slice(i + n)),
  fc.tuple(fc.nat(20), fc.nat(20)).map(([a, b]) => {
    const lines = base.split('\n');
    const i = a % lines.length;
    const j = b % lines.length;
    [lines[i], lines[j]] = [lines[j]!, lines[i]!];
    return lines.join('\n');
  }),
  fc.nat(20).map((a) => {
    const lines = base.split('\n');
    const i = a % lines.length;
    lines.splice(i, 0, lines[i]!);
    return lines.join('\n');
  }),
);

describe('the parsers throw only library errors', () => {
  it('parseSiwsMessage over arbitrary strings (UTF-16 units, graphemes)', () => {
    fc.assert(
      fc.property(fc.oneof(anyCodePoints(1500), fc.string({ unit: 'grapheme', maxLength: 300 }), fc.string({ maxLength: 1500 })), (s) =>
        onlyLibraryErrors(() => parseSiwsMessage(s)),
      ),
      { numRuns: runs(1000) },
    );
  });
  it('parseSiwsMessage over arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 1400 }), (b) => onlyLibraryErrors(() => parseSiwsMessage(b))), { numRuns: runs(500) });
  });
  it('parseSiwsMessage over mutations of a valid message: refused, or parsed to fields that rebuild the same text', () => {
    fc.assert(
      fc.property(mutated, (s) => {
        let parsed: SiwsFields | undefined;
        onlyLibraryErrors(() => (parsed = parseSiwsMessage(s)));
        // Anything accepted must be canonical: no folding, no normalization.
        if (parsed !== undefined) expect(buildSiwsMessage(parsed)).toBe(s);
      }),
      { numRuns: runs(1000) },
    );
  });
  it('parseOffchainMessage over arbitrary bytes and mutated envelopes', () => {
    const env = encodeOffchainMessage(base, wallet.address);
    const mutatedEnv = fc.tuple(fc.nat(env.length - 1), fc.integer({ min: 0, max: 255 })).map(([i, b]) => {
      const copy = env.slice();
      copy[i] = b;
      return copy;
    });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 1400 }), mutatedEnv, fc.uint8Array({ maxLength: 300 }).map((b) => Uint8Array.from([...env.subarray(0, 18), ...b]))), (b) =>
        onlyLibraryErrors(() => parseOffchainMessage(b)),
      ),
      { numRuns: runs(1000) },
    );
  });
  it('decodeSignature over arbitrary strings', () => {
    fc.assert(fc.property(anyCodePoints(120), (s) => onlyLibraryErrors(() => decodeSignature(s))), { numRuns: runs(500) });
  });
  it('verifySignedMessage over arbitrary text and signatures rejects only with library errors', async () => {
    const nonces = { issue: async () => {}, consume: async () => null };
    await fc.assert(
      fc.asyncProperty(fc.oneof(mutated, fc.string({ maxLength: 300 })), fc.uint8Array({ minLength: 64, maxLength: 64 }), async (message, signature) => {
        await verifySignedMessage({ message, signature, expected: expected(), nonces, now: NOW }).then(
          () => expect.fail('an unsigned message verified'),
          (e: unknown) => expect(e).toBeInstanceOf(AgentvaultError),
        );
      }),
      { numRuns: runs(200) },
    );
  });
});
