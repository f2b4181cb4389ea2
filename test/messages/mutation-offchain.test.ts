/**
 * Mutation-test follow-ups for src/messages/offchain.ts (issue 16 item 5, SPEC 7.7): exact size
 * limits (body 1,182 bytes of UTF-8, envelope 18 + 255 x 32 + 1,182 bytes), the reason each
 * refusal gives, signer ordering down to the last byte, frozen results, and the fields named by
 * argument errors. Envelopes are written here byte by byte, independently of the library.
 */
import { describe, expect, it } from 'vitest';
import {
  OFFCHAIN_SIGNING_DOMAIN,
  OFFCHAIN_VERSION,
  encodeOffchainMessage,
  isOffchainMessage,
  parseOffchainMessage,
  signedBytesFor,
} from '../../src/messages/offchain.js';
import { expectCode } from '../helpers/errors.js';
import { base58Ref } from '../helpers/reference.js';
import { enc, wallet } from './_fixtures.js';

/** '\xffsolana offchain', written out independently of the library. */
const DOMAIN_BYTES = Uint8Array.of(0xff, ...enc('solana offchain'));

function cat(...parts: (Uint8Array | number[])[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
const envelope = (signers: Uint8Array[], body: Uint8Array, version = 1, count = signers.length) =>
  cat(DOMAIN_BYTES, [version, count], ...signers, body);
/** Key `i` of a strictly ascending list: first byte i, the rest zero. */
const key = (i: number, last = 0) => {
  const k = new Uint8Array(32);
  k[0] = i;
  k[31] = last;
  return k;
};
const malformed = (bytes: Uint8Array, reason: RegExp) => {
  const e = expectCode(() => parseOffchainMessage(bytes), 'OFFCHAIN_MALFORMED');
  expect(e.message).toMatch(/^off-chain message: /);
  expect(e.message).toMatch(reason);
};

describe('constants', () => {
  it('signing domain and version', () => {
    expect(OFFCHAIN_SIGNING_DOMAIN).toEqual(DOMAIN_BYTES);
    expect(OFFCHAIN_VERSION).toBe(1);
  });
});

describe('isOffchainMessage', () => {
  it('true exactly when the bytes begin with all 16 bytes of the signing domain', () => {
    expect(isOffchainMessage(DOMAIN_BYTES.slice())).toBe(true);
    expect(isOffchainMessage(DOMAIN_BYTES.slice(0, 15))).toBe(false);
    for (let i = 0; i < 16; i++) {
      const b = cat(DOMAIN_BYTES, [1, 1]);
      b[i] = b[i]! ^ 0x01;
      expect(isOffchainMessage(b), `byte ${i}`).toBe(false);
    }
    expect(isOffchainMessage(new Uint8Array(0))).toBe(false);
    expect(isOffchainMessage('\xffsolana offchain' as never)).toBe(false);
    expect(isOffchainMessage(null as never)).toBe(false);
  });
});

describe('parseOffchainMessage: sizes', () => {
  const MAX_ENVELOPE = 18 + 255 * 32 + 1182;
  it(`an envelope of exactly ${MAX_ENVELOPE} bytes (255 signers, 1,182-byte body) is read; one more byte is MESSAGE_TOO_LONG`, () => {
    const signers = Array.from({ length: 255 }, (_, i) => key(i));
    const ok = envelope(signers, new Uint8Array(1182).fill(0x61));
    expect(ok.length).toBe(MAX_ENVELOPE);
    const parsed = parseOffchainMessage(ok);
    expect(parsed.signers).toHaveLength(255);
    expect(parsed.signers[254]).toBe(base58Ref(key(254)));
    expect(parsed.text).toBe('a'.repeat(1182));
    const e = expectCode(() => parseOffchainMessage(cat(ok, [0x61])), 'MESSAGE_TOO_LONG');
    expect(e.details).toEqual({ max: MAX_ENVELOPE });
    expect(e.message).toBe(`off-chain message is ${MAX_ENVELOPE + 1} bytes; the maximum is ${MAX_ENVELOPE}`);
  });
  it('a body of exactly 1,182 bytes is read; 1,183 is MESSAGE_TOO_LONG with max 1182', () => {
    expect(parseOffchainMessage(envelope([wallet.publicKey], new Uint8Array(1182).fill(0x62))).body).toHaveLength(1182);
    const e = expectCode(() => parseOffchainMessage(envelope([wallet.publicKey], new Uint8Array(1183).fill(0x62))), 'MESSAGE_TOO_LONG');
    expect(e.details).toEqual({ max: 1182 });
    expect(e.message).toMatch(/body is 1183 bytes/);
  });
  it('a one-byte body is read; an empty one is refused', () => {
    expect(parseOffchainMessage(envelope([wallet.publicKey], enc('x'))).text).toBe('x');
    malformed(envelope([wallet.publicKey], new Uint8Array(0)), /missing signers or empty body/);
    malformed(envelope([key(1), key(2)], new Uint8Array(0)), /missing signers or empty body/);
    // The count says two signers, only one is there (and the "body" would be 0 bytes).
    malformed(envelope([wallet.publicKey], new Uint8Array(0), 1, 2), /missing signers or empty body/);
  });
});

describe('parseOffchainMessage: the reason of each refusal', () => {
  it('signing domain, preamble, version, count', () => {
    malformed(enc('hello'), /signing domain/);
    malformed(DOMAIN_BYTES.slice(), /truncated preamble/);
    malformed(cat(DOMAIN_BYTES, [1]), /truncated preamble/);
    malformed(envelope([wallet.publicKey], enc('hi'), 0), /version 0 \(legacy layout\) is not supported/);
    malformed(envelope([wallet.publicKey], enc('hi'), 2), /unsupported version 2/);
    malformed(envelope([wallet.publicKey], enc('hi'), 255), /unsupported version 255/);
    malformed(envelope([], enc('hi')), /signer count must not be zero/);
  });
  it('signers strictly ascending: a difference in the last byte counts, equal keys do not', () => {
    const two = parseOffchainMessage(envelope([key(7, 1), key(7, 2)], enc('hi')));
    expect(two.signers).toEqual([base58Ref(key(7, 1)), base58Ref(key(7, 2))]);
    malformed(envelope([key(7, 2), key(7, 1)], enc('hi')), /sorted ascending and unique/);
    malformed(envelope([key(7, 1), key(7, 1)], enc('hi')), /sorted ascending and unique/);
    // Only neighbours are compared, and every neighbour is: the third key out of order.
    malformed(envelope([key(1), key(3), key(2)], enc('hi')), /sorted ascending and unique/);
    expect(parseOffchainMessage(envelope([key(1), key(2), key(3)], enc('hi'))).signers).toHaveLength(3);
  });
  it('a body that is not UTF-8', () => {
    malformed(envelope([wallet.publicKey], Uint8Array.of(0xff)), /body is not valid UTF-8/);
  });
  it('not bytes: INVALID_INPUT naming bytes', () => {
    const e = expectCode(() => parseOffchainMessage('abc' as never), 'INVALID_INPUT');
    expect(e.details).toEqual({ field: 'bytes' });
    expect(e.message).toBe('bytes: expected Uint8Array');
  });
  it('the refusal texts name the argument and the sizes', () => {
    expect(expectCode(() => parseOffchainMessage([1, 2] as never), 'INVALID_INPUT').message).toBe('bytes: expected Uint8Array');
    const big = cat(DOMAIN_BYTES, new Uint8Array(9361 - 16));
    expect(expectCode(() => parseOffchainMessage(big), 'MESSAGE_TOO_LONG').message).toBe('off-chain message is 9361 bytes; the maximum is 9360');
  });
  it('the 18-byte preamble alone is complete: what is missing is the signers and body', () => {
    malformed(cat(DOMAIN_BYTES, [1, 1]), /truncated: missing signers or empty body/);
    malformed(cat(DOMAIN_BYTES, [1, 0]), /signer count must not be zero/);
  });
});

describe('parseOffchainMessage: result', () => {
  it('frozen, version 1, signers frozen, body an own copy', () => {
    const bytes = envelope([wallet.publicKey], enc('hello'));
    const parsed = parseOffchainMessage(bytes);
    expect(Object.isFrozen(parsed)).toBe(true);
    expect(Object.isFrozen(parsed.signers)).toBe(true);
    expect(parsed.version).toBe(1);
    expect(parsed.signers).toEqual([wallet.address]);
    expect(parsed.body).toEqual(enc('hello'));
    expect(parsed.body.buffer).not.toBe(bytes.buffer);
  });
});

describe('encodeOffchainMessage / signedBytesFor: limits and named arguments', () => {
  it('1,182 bytes of UTF-8 are accepted (591 two-byte characters); 1,183 are MESSAGE_TOO_LONG with max 1182', () => {
    const ok = encodeOffchainMessage('\u00e9'.repeat(591), wallet.address);
    expect(ok.length).toBe(50 + 1182);
    const e = expectCode(() => encodeOffchainMessage(`${'\u00e9'.repeat(591)}a`, wallet.address), 'MESSAGE_TOO_LONG');
    expect(e.details).toEqual({ max: 1182 });
    expect(e.message).toMatch(/^text: 1183 bytes/);
  });
  it('a string far longer than any message is refused as too long for a string argument (INVALID_INPUT), 4 x 1,182 characters being the cut', () => {
    expectCode(() => encodeOffchainMessage('a'.repeat(4 * 1182), wallet.address), 'MESSAGE_TOO_LONG');
    expect(expectCode(() => encodeOffchainMessage('a'.repeat(4 * 1182 + 1), wallet.address), 'INVALID_INPUT').details).toEqual({ field: 'text' });
  });
  it('errors name the argument: text, signerAddress, address, signedAs', () => {
    expect(expectCode(() => encodeOffchainMessage('', wallet.address), 'INVALID_INPUT').details).toEqual({ field: 'text' });
    expect(expectCode(() => encodeOffchainMessage('', wallet.address), 'INVALID_INPUT').message).toMatch(/^text: must not be empty/);
    expect(expectCode(() => encodeOffchainMessage('a\ud800', wallet.address), 'INVALID_INPUT').details).toEqual({ field: 'text' });
    expect(expectCode(() => encodeOffchainMessage('a\ud800', wallet.address), 'INVALID_INPUT').message).toMatch(/lone UTF-16 surrogate/);
    expect(expectCode(() => encodeOffchainMessage('hi', 'nope'), 'INVALID_INPUT').details).toMatchObject({ field: 'signerAddress' });
    expect(expectCode(() => signedBytesFor('hi', 'nope', 'raw'), 'INVALID_INPUT').details).toMatchObject({ field: 'address' });
    expect(expectCode(() => signedBytesFor('', wallet.address, 'raw'), 'INVALID_INPUT').details).toEqual({ field: 'text' });
    const e = expectCode(() => signedBytesFor('hi', wallet.address, 'RAW' as never), 'INVALID_INPUT');
    expect(e.details).toEqual({ field: 'signedAs' });
    expect(e.message).toMatch(/signedAs/);
  });
  it('raw and offchain-v1 give the text bytes and the envelope', () => {
    expect(signedBytesFor('hi', wallet.address, 'raw')).toEqual(enc('hi'));
    expect(signedBytesFor('hi', wallet.address, 'offchain-v1')).toEqual(envelope([wallet.publicKey], enc('hi')));
  });
});
