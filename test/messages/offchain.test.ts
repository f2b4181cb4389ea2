/**
 * Solana off-chain message v1 (SPEC 7.7): byte layout, round trip with @solana/offchain-messages
 * (and Kit's WebCrypto signer), verification of signed envelopes, and every refusal.
 */
import { address as kitAddress, createKeyPairFromPrivateKeyBytes } from '@solana/kit';
import {
  compileOffchainMessageV1Envelope,
  getOffchainMessageDecoder,
  getOffchainMessageV0Encoder,
  signOffchainMessageEnvelope,
  verifyOffchainMessageEnvelope,
} from '@solana/offchain-messages';
import { describe, expect, it } from 'vitest';
import { verifySignedMessage } from '../../src/messages/challenge.js';
import {
  OFFCHAIN_SIGNING_DOMAIN,
  encodeOffchainMessage,
  isOffchainMessage,
  parseOffchainMessage,
  signedBytesFor,
} from '../../src/messages/offchain.js';
import { expectCode, expectCodeAsync } from '../helpers/errors.js';
import { NOT_BYTES } from '../helpers/wrong-types.js';
import { NOW, enc, expected, issue, newStore, other, wallet } from './_fixtures.js';

const cat = (...parts: (Uint8Array | number[])[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
/** '\xffsolana offchain', written out independently of the library. */
const DOMAIN_BYTES = cat([0xff], enc('solana offchain'));

/** A naive envelope writer: any version, signer list and body, unsorted if asked. */
const envelope = (signers: Uint8Array[], body: Uint8Array, version = 1) => cat(DOMAIN_BYTES, [version, signers.length], ...signers, body);

const sortedPair = () => {
  const [a, b] = [wallet.publicKey, other.publicKey];
  for (let i = 0; i < 32; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? [a, b] : [b, a];
  throw new Error('equal keys');
};

describe('encodeOffchainMessage: byte layout', () => {
  it('is domain || 0x01 || 0x01 || signer || UTF-8 body', () => {
    const body = 'Hello \u00e9\u{1F600}';
    const bytes = encodeOffchainMessage(body, wallet.address);
    expect(DOMAIN_BYTES).toEqual(OFFCHAIN_SIGNING_DOMAIN);
    expect(bytes).toEqual(cat(DOMAIN_BYTES, [1, 1], wallet.publicKey, Buffer.from(body, 'utf8')));
    expect(isOffchainMessage(bytes)).toBe(true);
    expect(isOffchainMessage(enc(body))).toBe(false);
  });
  it('matches @solana/offchain-messages compileOffchainMessageV1Envelope', () => {
    const content = 'app.example.com wants you to sign in with your Solana account:\nline two\n\u00e9\u{1F600}';
    const theirs = compileOffchainMessageV1Envelope({
      version: 1,
      content,
      requiredSignatories: [{ address: kitAddress(wallet.address) }],
    });
    expect(encodeOffchainMessage(content, wallet.address)).toEqual(new Uint8Array(theirs.content));
  });
  it('decodes with @solana/offchain-messages to the same content and signer', () => {
    const decoded = getOffchainMessageDecoder().decode(encodeOffchainMessage('Sign in please.', wallet.address));
    expect(decoded.version).toBe(1);
    expect(decoded.content).toBe('Sign in please.');
    expect(decoded.requiredSignatories.map((s) => s.address)).toEqual([wallet.address]);
  });
  it('refuses empty text, lone surrogates, oversize text, bad addresses', () => {
    expectCode(() => encodeOffchainMessage('', wallet.address), 'INVALID_INPUT');
    expectCode(() => encodeOffchainMessage('a\ud800b', wallet.address), 'INVALID_INPUT');
    expectCode(() => encodeOffchainMessage('a'.repeat(1183), wallet.address), 'MESSAGE_TOO_LONG');
    expectCode(() => encodeOffchainMessage('\u00e9'.repeat(592), wallet.address), 'MESSAGE_TOO_LONG'); // 1,184 bytes
    expectCode(() => encodeOffchainMessage('hi', 'not-an-address'), 'INVALID_INPUT');
    expectCode(() => encodeOffchainMessage(42 as never, wallet.address), 'INVALID_INPUT');
  });
});

describe('parseOffchainMessage', () => {
  it('reads what @solana/offchain-messages writes, with several sorted signers', () => {
    const theirs = compileOffchainMessageV1Envelope({
      version: 1,
      content: 'Approve treasury withdrawal #42',
      requiredSignatories: [{ address: kitAddress(other.address) }, { address: kitAddress(wallet.address) }],
    });
    const parsed = parseOffchainMessage(new Uint8Array(theirs.content));
    expect(parsed.text).toBe('Approve treasury withdrawal #42');
    expect([...parsed.signers].sort()).toEqual([other.address, wallet.address].sort());
    const [first, second] = sortedPair();
    expect(new Uint8Array(theirs.content)).toEqual(envelope([first!, second!], enc('Approve treasury withdrawal #42')));
  });

  const refusals: readonly (readonly [string, () => Uint8Array])[] = [
    ['unsorted signers', () => envelope(sortedPair().reverse(), enc('hi'))],
    ['duplicate signers', () => envelope([wallet.publicKey, wallet.publicKey], enc('hi'))],
    ['zero signers', () => envelope([], enc('hi'))],
    ['invalid UTF-8 body (lone continuation byte)', () => envelope([wallet.publicKey], Uint8Array.of(0x68, 0x80))],
    ['invalid UTF-8 body (overlong NUL)', () => envelope([wallet.publicKey], Uint8Array.of(0xc0, 0x80))],
    ['invalid UTF-8 body (UTF-16 surrogate encoded)', () => envelope([wallet.publicKey], Uint8Array.of(0xed, 0xa0, 0x80))],
    ['empty body', () => envelope([wallet.publicKey], new Uint8Array(0))],
    ['truncated signer', () => envelope([wallet.publicKey], new Uint8Array(0)).subarray(0, 40)],
    ['truncated preamble', () => DOMAIN_BYTES.slice(0, 17)],
    ['version 0 (legacy layout)', () => new Uint8Array(getOffchainMessageV0Encoder().encode({
      version: 0,
      applicationDomain: kitAddress(wallet.address) as never,
      format: 0,
      content: { format: 0, text: 'hi' },
      requiredSignatories: [{ address: kitAddress(wallet.address) }],
    } as never))],
    ['version 0 byte in a v1 layout', () => envelope([wallet.publicKey], enc('hi'), 0)],
    ['version 2', () => envelope([wallet.publicKey], enc('hi'), 2)],
    ['wrong signing domain (capital S)', () => cat([0xff], enc('Solana offchain'), [1, 1], wallet.publicKey, enc('hi'))],
    ['no signing domain', () => enc('hi')],
  ];
  for (const [label, make] of refusals) {
    it(`refuses ${label} -> OFFCHAIN_MALFORMED`, () => {
      expectCode(() => parseOffchainMessage(make()), 'OFFCHAIN_MALFORMED');
    });
  }
  it('refuses a body over 1,182 bytes and any envelope over its maximum size -> MESSAGE_TOO_LONG', () => {
    expectCode(() => parseOffchainMessage(envelope([wallet.publicKey], new Uint8Array(1183).fill(0x41))), 'MESSAGE_TOO_LONG');
    expectCode(() => parseOffchainMessage(cat(DOMAIN_BYTES, new Uint8Array(1 << 20))), 'MESSAGE_TOO_LONG');
  });
  it('refuses wrong-typed input with INVALID_INPUT', () => {
    for (const [, v] of NOT_BYTES) expectCode(() => parseOffchainMessage(v as Uint8Array), 'INVALID_INPUT');
  });
  it('does not alias the input', () => {
    const bytes = encodeOffchainMessage('hello', wallet.address);
    const parsed = parseOffchainMessage(bytes);
    bytes.fill(0);
    expect(new TextDecoder().decode(parsed.body)).toBe('hello');
  });
});

describe('verifySignedMessage with an off-chain v1 envelope', () => {
  it('verifies a tweetnacl-signed envelope; reports signedAs offchain-v1; @solana/offchain-messages agrees', async () => {
    const nonces = newStore();
    const ch = await issue(nonces, 'unlock');
    const bytes = encodeOffchainMessage(ch.message, wallet.address);
    const signature = wallet.sign(bytes);
    await verifyOffchainMessageEnvelope({ content: bytes as never, signatures: { [wallet.address]: signature } as never });
    const v = await verifySignedMessage({ signedBytes: bytes, signature, expected: expected('unlock'), nonces, now: NOW });
    expect(v.signedAs).toBe('offchain-v1');
    expect(v.text).toBe(ch.message);
    expect(v.signedBytes).toEqual(bytes);
    expect(signedBytesFor(v.text, v.address, v.signedAs)).toEqual(bytes);
  });

  it('verifies an envelope compiled and signed by Kit (WebCrypto signer)', async () => {
    const nonces = newStore();
    const ch = await issue(nonces, 'sign-in');
    const keyPair = await createKeyPairFromPrivateKeyBytes(wallet.seed);
    const env = compileOffchainMessageV1Envelope({ version: 1, content: ch.message, requiredSignatories: [{ address: kitAddress(wallet.address) }] });
    const signed = await signOffchainMessageEnvelope([keyPair], env);
    const signature = signed.signatures[kitAddress(wallet.address)]!;
    const v = await verifySignedMessage({ signedBytes: new Uint8Array(signed.content), signature: new Uint8Array(signature), expected: expected(), nonces, now: NOW });
    expect(v.signedAs).toBe('offchain-v1');
  });

  it('a signature over the raw text does not verify the envelope, and vice versa', async () => {
    const nonces = newStore();
    const ch = await issue(nonces);
    const bytes = encodeOffchainMessage(ch.message, wallet.address);
    await expectCodeAsync(verifySignedMessage({ signedBytes: bytes, signature: wallet.sign(ch.message), expected: expected(), nonces, now: NOW }), 'INVALID_SIGNATURE');
    await expectCodeAsync(verifySignedMessage({ message: ch.message, signature: wallet.sign(bytes), expected: expected(), nonces, now: NOW }), 'INVALID_SIGNATURE');
  });

  const signerCases: readonly (readonly [string, () => Uint8Array[]])[] = [
    ['another signer only', () => [other.publicKey]],
    ['the address plus another signer', () => sortedPair()],
  ];
  for (const [label, signers] of signerCases) {
    it(`wrong signer list (${label}) -> OFFCHAIN_MALFORMED`, async () => {
      const nonces = newStore();
      const ch = await issue(nonces);
      const bytes = envelope(signers(), enc(ch.message));
      await expectCodeAsync(verifySignedMessage({ signedBytes: bytes, signature: wallet.sign(bytes), expected: expected(), nonces, now: NOW }), 'OFFCHAIN_MALFORMED');
    });
  }
  it('unsorted signer list -> OFFCHAIN_MALFORMED', async () => {
    const nonces = newStore();
    const ch = await issue(nonces);
    const bytes = envelope(sortedPair().reverse(), enc(ch.message));
    await expectCodeAsync(verifySignedMessage({ signedBytes: bytes, signature: wallet.sign(bytes), expected: expected(), nonces, now: NOW }), 'OFFCHAIN_MALFORMED');
  });
  it('trailing junk (non-text bytes) after the body -> MESSAGE_MALFORMED', async () => {
    const nonces = newStore();
    const ch = await issue(nonces);
    const bytes = cat(encodeOffchainMessage(ch.message, wallet.address), [0, 0x6a, 0x75, 0x6e, 0x6b]);
    await expectCodeAsync(verifySignedMessage({ signedBytes: bytes, signature: wallet.sign(bytes), expected: expected(), nonces, now: NOW }), 'MESSAGE_MALFORMED');
  });
  it('trailing junk that extends the last resource -> MESSAGE_MISMATCH (the body must equal the issued text)', async () => {
    const nonces = newStore();
    const ch = await issue(nonces);
    const bytes = cat(encodeOffchainMessage(ch.message, wallet.address), enc('junk'));
    await expectCodeAsync(verifySignedMessage({ signedBytes: bytes, signature: wallet.sign(bytes), expected: expected(), nonces, now: NOW }), 'MESSAGE_MISMATCH');
  });
  it('invalid UTF-8 in the body -> OFFCHAIN_MALFORMED', async () => {
    const nonces = newStore();
    const ch = await issue(nonces);
    const bytes = cat(encodeOffchainMessage(ch.message, wallet.address), [0xc3]);
    await expectCodeAsync(verifySignedMessage({ signedBytes: bytes, signature: wallet.sign(bytes), expected: expected(), nonces, now: NOW }), 'OFFCHAIN_MALFORMED');
  });
  it('an envelope over 1,232 bytes -> MESSAGE_TOO_LONG', async () => {
    const nonces = newStore();
    const bytes = cat(DOMAIN_BYTES, [1, 1], wallet.publicKey, new Uint8Array(1183).fill(0x61));
    await expectCodeAsync(verifySignedMessage({ signedBytes: bytes, signature: wallet.sign(bytes), expected: expected(), nonces, now: NOW }), 'MESSAGE_TOO_LONG');
  });
});

describe('signedBytesFor', () => {
  it('raw is the UTF-8 text; offchain-v1 is the envelope', () => {
    expect(signedBytesFor('KDM text \u00e9', wallet.address, 'raw')).toEqual(new Uint8Array(Buffer.from('KDM text \u00e9', 'utf8')));
    expect(signedBytesFor('KDM text', wallet.address, 'offchain-v1')).toEqual(cat(DOMAIN_BYTES, [1, 1], wallet.publicKey, enc('KDM text')));
  });
  it('refuses an unknown form, bad address, lone surrogate', () => {
    expectCode(() => signedBytesFor('x', wallet.address, 'offchain-v0' as never), 'INVALID_INPUT');
    expectCode(() => signedBytesFor('x', 'bad', 'raw'), 'INVALID_INPUT');
    expectCode(() => signedBytesFor('\udc00', wallet.address, 'raw'), 'INVALID_INPUT');
  });
});
