/**
 * vectors/messages.json, checked twice: by the library, and independently (tweetnacl for every
 * key and signature, a naive string template for every text, a hand-written envelope writer), so a
 * vector can never be right only because the library produced it.
 */
import { createHash } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import vectors from '../../vectors/messages.json' with { type: 'json' };
import type { ErrorCode } from '../../src/errors.js';
import { issueChallenge, nonceHash, verifySignedMessage, type IssueChallengeOptions } from '../../src/messages/challenge.js';
import { encodeOffchainMessage } from '../../src/messages/offchain.js';
import { buildSiwsMessage, parseSiwsMessage, type SiwsFields } from '../../src/messages/siws.js';
import { verifyWalletSignature } from '../../src/primitives/ed25519.js';
import { MemoryNonceStore } from '../../src/stores/memory.js';
import type { NonceStore } from '../../src/stores/types.js';
import { expectCode } from '../helpers/errors.js';
import { withFixedRandom } from '../helpers/random.js';
import { base58Ref } from '../helpers/reference.js';

const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const enc = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

/** Naive reference: the SIWS maximal template, written independently of src/. */
function naiveSiws(fields: object): string {
  const f = fields as Record<string, unknown>;
  const lines = [`${f['domain']} wants you to sign in with your Solana account:`, String(f['address']), ''];
  if (f['statement'] !== undefined) lines.push(String(f['statement']), '');
  lines.push(`URI: ${f['uri']}`, `Version: ${f['version']}`, `Chain ID: ${f['chainId']}`, `Nonce: ${f['nonce']}`, `Issued At: ${f['issuedAt']}`);
  for (const [k, tag] of [['expirationTime', 'Expiration Time'], ['notBefore', 'Not Before'], ['requestId', 'Request ID']] as const)
    if (f[k] !== undefined) lines.push(`${tag}: ${f[k]}`);
  if (Array.isArray(f['resources'])) lines.push('Resources:', ...f['resources'].map((r) => `- ${r}`));
  return lines.join('\n');
}
/** Naive envelope: 0xff "solana offchain" || 1 || 1 || key || body. */
const naiveEnvelope = (publicKey: Uint8Array, text: string) =>
  Uint8Array.from([0xff, ...enc('solana offchain'), 1, 1, ...publicKey, ...enc(text)]);

const key = nacl.sign.keyPair.fromSeed(hex(vectors.key.seedHex));

describe('vectors/messages.json: the key', () => {
  it('seed 0x01..0x20 gives the recorded public key and address (tweetnacl, reference base58)', () => {
    expect(vectors.key.seedHex).toBe(Buffer.from(Uint8Array.from({ length: 32 }, (_, i) => i + 1)).toString('hex'));
    expect(Buffer.from(key.publicKey).toString('hex')).toBe(vectors.key.publicKeyHex);
    expect(base58Ref(key.publicKey)).toBe(vectors.key.address);
  });
});

describe('vectors/messages.json: valid', () => {
  for (const v of vectors.valid) {
    describe(v.name, () => {
      it('text: naive template and library builder both give the recorded text; parser gives the fields back', () => {
        expect(naiveSiws(v.fields)).toBe(v.text);
        expect(buildSiwsMessage(v.fields as SiwsFields)).toBe(v.text);
        const parsed = Object.fromEntries(Object.entries(parseSiwsMessage(v.text)).filter(([, x]) => x !== undefined));
        expect(parsed).toEqual(v.fields);
      });
      it('raw signature: tweetnacl verifies it and reproduces it (deterministic); the strict verifier accepts it', () => {
        const sig = hex(v.signatureHex);
        expect(base58Ref(sig)).toBe(v.signatureBase58);
        expect(nacl.sign.detached.verify(enc(v.text), sig, key.publicKey)).toBe(true);
        expect(Buffer.from(nacl.sign.detached(enc(v.text), key.secretKey)).toString('hex')).toBe(v.signatureHex);
        expect(verifyWalletSignature(vectors.key.address, enc(v.text), sig)).toBe(true);
      });
      it('off-chain v1: naive envelope and library envelope equal the recorded bytes; tweetnacl verifies the signature', () => {
        const env = hex(v.offchainV1Hex);
        expect(naiveEnvelope(key.publicKey, v.text)).toEqual(env);
        expect(encodeOffchainMessage(v.text, vectors.key.address)).toEqual(env);
        const sig = hex(v.offchainV1SignatureHex);
        expect(nacl.sign.detached.verify(env, sig, key.publicKey)).toBe(true);
        expect(verifyWalletSignature(vectors.key.address, env, sig)).toBe(true);
      });
    });
  }
});

describe('vectors/messages.json: issueChallenge with fixed clock and randomness', () => {
  const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  for (const c of vectors.challenges) {
    it(`${c.name}: exact text, nonce, store key, expiry; tweetnacl verifies; the library verifies it once`, async () => {
      // Independent nonce derivation (rejection sampling) from the recorded random bytes.
      let nonce = '';
      for (const chunk of c.randomHex) for (const b of hex(chunk)) if (b < 248 && nonce.length < 24) nonce += BASE62[b % 62];
      expect(nonce).toBe(c.nonce);
      expect(naiveSiws(parseSiwsMessage(c.text))).toBe(c.text);

      // SPEC 7.5 store key, recomputed independently (node:crypto), and the one the library uses.
      expect(createHash('sha256').update(`agentvault:siws-nonce:v1\n${c.options.address}\n${c.nonce}`, 'utf8').digest('hex')).toBe(c.storeKeyHex);
      expect(nonceHash(c.nonce, c.options.address)).toBe(c.storeKeyHex);
      const memory = new MemoryNonceStore({ sweepIntervalMs: 0, clock: () => c.options.now });
      const keys: string[] = [];
      const nonces: NonceStore = {
        issue: (h, e, m) => (keys.push(h), memory.issue(h, e, m)),
        consume: (h, n) => (keys.push(h), memory.consume(h, n)),
      };
      const ch = await withFixedRandom(c.randomHex.map(hex), () => issueChallenge({ ...(c.options as unknown as IssueChallengeOptions), nonces }));
      expect(ch.message).toBe(c.text);
      expect(ch.nonce).toBe(c.nonce);
      expect(ch.expiresAt).toBe(c.expiresAt);

      const sig = hex(c.signatureHex);
      expect(nacl.sign.detached.verify(enc(c.text), sig, key.publicKey)).toBe(true);
      const o = c.options;
      const v = await verifySignedMessage({
        message: c.text,
        signature: sig,
        expected: { domain: o.domain, uri: o.uri, chain: o.chain as 'mainnet', purpose: o.purpose as 'sign-in', address: o.address },
        nonces,
        now: o.now,
      });
      expect(v.purpose).toBe(o.purpose);
      expect(keys).toEqual([c.storeKeyHex, c.storeKeyHex]);
    });
  }
});

describe('vectors/messages.json: invalid', () => {
  for (const v of vectors.invalid) {
    it(`${v.name} -> ${v.code}`, () => {
      expectCode(() => parseSiwsMessage(v.text), v.code as ErrorCode);
    });
  }
  for (const v of vectors.invalidSignatures) {
    it(`strict verification refuses: ${v.name}`, () => {
      const pk = hex(v.publicKeyHex);
      expect(base58Ref(pk)).toBe(v.address);
      expect(verifyWalletSignature(v.address, enc(v.text), hex(v.signatureHex))).toBe(false);
      // The message names the test key while another key signed: tweetnacl refuses too. The
      // small-order cases pass a lenient (ZIP-215) verifier, which is why the strict rules exist.
      if (v.address === vectors.key.address) expect(nacl.sign.detached.verify(enc(v.text), hex(v.signatureHex), pk)).toBe(false);
      else expect(ed25519.verify(hex(v.signatureHex), enc(v.text), pk, { zip215: true })).toBe(true);
    });
  }
});
