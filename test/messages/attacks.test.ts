/**
 * Attacks that @solana/wallet-standard-util's `verifySignIn` accepts (lenient ed25519, no binding of
 * the message address to the key, optional expectations, no clock, regex parser), each refused by
 * `verifySignedMessage`. Where verifySignIn accepts, the test shows it first, so the attack is real.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { base58 } from '@scure/base';
import type { SolanaSignInInput } from '@solana/wallet-standard-features';
import { parseSignInMessageText, verifySignIn } from '@solana/wallet-standard-util';
import { describe, expect, it } from 'vitest';
import { issueChallenge, verifySignedMessage, type ExpectedMessage } from '../../src/messages/challenge.js';
import { buildSiwsMessage, parseSiwsMessage } from '../../src/messages/siws.js';
import { expectCodeAsync } from '../helpers/errors.js';
import { CHAIN, DOMAIN, NOW, URI, enc, expected, issue, newStore, other, replaceLine, signInOutput, wallet } from './_fixtures.js';

const ZERO32 = new Uint8Array(32);
/** The identity point (order 1), canonical encoding: y = 1. */
const IDENTITY = Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 1 : 0));

/** A signer object whose "key" is a given public key and whose signature is fixed. */
const fakeSigner = (publicKey: Uint8Array) => ({ address: base58.encode(publicKey), publicKey, sign: () => new Uint8Array(64) });

async function issueFor(address: string, nonces = newStore()) {
  const ch = await issueChallenge({ purpose: 'sign-in', domain: DOMAIN, uri: URI, chain: CHAIN, address, nonces, now: NOW });
  return { ch, nonces };
}

describe('attacks verifySignIn accepts are refused', () => {
  it('message address A signed by key B', async () => {
    const { ch, nonces } = await issueFor(wallet.address);
    const out = signInOutput(ch.message, other); // other's key signs a message naming wallet
    // A dapp's input usually leaves `address` to the wallet: nothing binds the text's address to the key.
    const { address: _a, ...input } = parseSiwsMessage(ch.message);
    expect(verifySignIn(input as SolanaSignInInput, out)).toBe(true);
    await expectCodeAsync(
      verifySignedMessage({ message: ch.message, signature: out.signature, expected: expected(), nonces, now: NOW }),
      'INVALID_SIGNATURE',
    );
    // and naming the expected address does not help the attacker
    await expectCodeAsync(
      verifySignedMessage({ message: ch.message, signature: out.signature, expected: expected('sign-in', { address: wallet.address }), nonces, now: NOW }),
      'INVALID_SIGNATURE',
    );
  });

  it('all-zero public key with an all-zero signature', async () => {
    const zeroAddress = base58.encode(ZERO32);
    expect(zeroAddress).toBe('11111111111111111111111111111111');
    const { ch, nonces } = await issueFor(zeroAddress);
    const sig = new Uint8Array(64);
    expect(verifySignIn(parseSiwsMessage(ch.message) as SolanaSignInInput, signInOutput(ch.message, fakeSigner(ZERO32), sig))).toBe(true);
    await expectCodeAsync(
      verifySignedMessage({ message: ch.message, signature: sig, expected: expected(), nonces, now: NOW }),
      'INVALID_SIGNATURE',
    );
  });

  it('small-order public key (identity) with R = identity, S = 0: verifies for any message under lenient rules', async () => {
    const address = base58.encode(IDENTITY);
    const { ch, nonces } = await issueFor(address);
    const sig = new Uint8Array(64);
    sig.set(IDENTITY, 0);
    expect(ed25519.verify(sig, enc(ch.message), IDENTITY, { zip215: true })).toBe(true);
    expect(verifySignIn(parseSiwsMessage(ch.message) as SolanaSignInInput, signInOutput(ch.message, fakeSigner(IDENTITY), sig))).toBe(true);
    await expectCodeAsync(
      verifySignedMessage({ message: ch.message, signature: sig, expected: expected(), nonces, now: NOW }),
      'INVALID_SIGNATURE',
    );
  });

  it('expired message', async () => {
    const nonces = newStore();
    const ch = await issue(nonces, 'sign-in');
    const out = signInOutput(ch.message);
    expect(verifySignIn(parseSiwsMessage(ch.message) as SolanaSignInInput, out)).toBe(true); // no clock at all
    await expectCodeAsync(
      verifySignedMessage({ message: ch.message, signature: out.signature, expected: expected(), nonces, now: ch.expiresAt + 60_000 + 1 }),
      'MESSAGE_EXPIRED',
    );
  });

  it('missing domain expectation: impossible to omit (TypeScript and runtime)', async () => {
    const nonces = newStore();
    const ch = await issueChallenge({ purpose: 'sign-in', domain: 'evil.example', uri: 'https://evil.example/', chain: CHAIN, address: wallet.address, nonces, now: NOW });
    const out = signInOutput(ch.message);
    const { domain: _d, ...fieldsWithoutDomain } = parseSiwsMessage(ch.message);
    expect(verifySignIn(fieldsWithoutDomain as SolanaSignInInput, out)).toBe(true); // domain silently unchecked
    const noDomain = { uri: 'https://evil.example/', chain: CHAIN, purpose: 'sign-in' } as const;
    await expectCodeAsync(
      // @ts-expect-error -- `expected.domain` is required by the type
      verifySignedMessage({ message: ch.message, signature: out.signature, expected: noDomain, nonces, now: NOW }),
      'INVALID_INPUT',
    );
    // the nonce was not consumed by the refused call: with the domain named, it verifies
    const ok = await verifySignedMessage({ message: ch.message, signature: out.signature, expected: { ...noDomain, domain: 'evil.example' }, nonces, now: NOW });
    expect(ok.domain).toBe('evil.example');
  });

  for (const key of ['domain', 'uri', 'chain', 'purpose'] as const) {
    it(`every expectation is mandatory at run time: expected.${key} missing or empty -> INVALID_INPUT`, async () => {
      const nonces = newStore();
      const ch = await issue(nonces);
      const sig = wallet.sign(ch.message);
      const missing: Record<string, unknown> = { ...expected() };
      delete missing[key];
      for (const exp of [missing, { ...expected(), [key]: '' }, { ...expected(), [key]: undefined }, { ...expected(), [key]: 1 }]) {
        await expectCodeAsync(
          verifySignedMessage({ message: ch.message, signature: sig, expected: exp as unknown as ExpectedMessage, nonces, now: NOW }),
          'INVALID_INPUT',
        );
      }
    });
  }
  it('expected itself missing -> INVALID_INPUT', async () => {
    const nonces = newStore();
    const ch = await issue(nonces);
    await expectCodeAsync(
      // @ts-expect-error -- `expected` is required by the type
      verifySignedMessage({ message: ch.message, signature: wallet.sign(ch.message), nonces, now: NOW }),
      'INVALID_INPUT',
    );
  });

  it('statement smuggling (`\\n\\nURI: ...` inside the statement)', async () => {
    const nonces = newStore();
    const ch = await issue(nonces);
    const fields = parseSiwsMessage(ch.message);
    const smuggled = ch.message.replace(fields.statement!, `${fields.statement}\n\nURI: https://evil.example/`);
    const theirs = parseSignInMessageText(smuggled);
    expect(theirs?.statement).toContain('\n\nURI: https://evil.example/'); // their regex folds it into the statement
    expect(verifySignIn(theirs as SolanaSignInInput, signInOutput(smuggled))).toBe(true);
    await expectCodeAsync(
      verifySignedMessage({ message: smuggled, signature: wallet.sign(smuggled), expected: expected(), nonces, now: NOW }),
      'MESSAGE_MALFORMED',
    );
  });

  describe('newline injected through any field', () => {
    // At issue: every caller-supplied text is validated before a message exists.
    const cases: readonly (readonly [string, Record<string, unknown>])[] = [
      ['domain', { domain: `${DOMAIN}\nURI: https://evil.example` }],
      ['uri', { uri: `${URI}\nChain ID: devnet` }],
      ['address', { address: `${wallet.address}\n` }],
      ['chain', { chain: 'mainnet\n' }],
      ['requestId', { requestId: 'r1\nNonce: AAAAAAAAAAAA' }],
      ['resources', { resources: ['https://a.example/\n- https://evil.example'] }],
      ['resources (U+2028)', { resources: ['https://a.example/\u2028x'] }],
      ['requestId (CR)', { requestId: 'r1\rNonce: AAAAAAAAAAAA' }],
    ];
    for (const [label, patch] of cases) {
      it(`issueChallenge refuses ${label}`, async () => {
        await expectCodeAsync(issue(newStore(), 'sign-in', patch), 'MESSAGE_MALFORMED');
      });
    }
    // At verification: a signed text with a line injected inside a field value.
    it('verifySignedMessage refuses a signed text with an injected line', async () => {
      const nonces = newStore();
      const ch = await issue(nonces);
      const injected = replaceLine(ch.message, 'Chain ID: ', 'Chain ID: mainnet\nChain ID: devnet');
      await expectCodeAsync(
        verifySignedMessage({ message: injected, signature: wallet.sign(injected), expected: expected(), nonces, now: NOW }),
        'MESSAGE_MALFORMED',
      );
    });
  });

  it('duplicate field', async () => {
    const nonces = newStore();
    const ch = await issue(nonces);
    const dup = replaceLine(ch.message, 'Expiration Time: ', `${ch.message.split('\n').find((l) => l.startsWith('Expiration Time: '))}\nExpiration Time: 2099-01-01T00:00:00Z`);
    await expectCodeAsync(
      verifySignedMessage({ message: dup, signature: wallet.sign(dup), expected: expected(), nonces, now: NOW }),
      'MESSAGE_MALFORMED',
    );
  });

  it('reordered fields', async () => {
    const nonces = newStore();
    const ch = await issue(nonces);
    const lines = ch.message.split('\n');
    const v = lines.findIndex((l) => l.startsWith('Version: '));
    [lines[v], lines[v + 1]] = [lines[v + 1]!, lines[v]!];
    const reordered = lines.join('\n');
    await expectCodeAsync(
      verifySignedMessage({ message: reordered, signature: wallet.sign(reordered), expected: expected(), nonces, now: NOW }),
      'MESSAGE_MALFORMED',
    );
  });

  it('CRLF line endings', async () => {
    const nonces = newStore();
    const ch = await issue(nonces);
    const crlf = ch.message.replaceAll('\n', '\r\n');
    await expectCodeAsync(
      verifySignedMessage({ message: crlf, signature: wallet.sign(crlf), expected: expected(), nonces, now: NOW }),
      'MESSAGE_MALFORMED',
    );
  });

  it('trailing newline', async () => {
    const nonces = newStore();
    const ch = await issue(nonces);
    const trailing = `${ch.message}\n`;
    expect(parseSignInMessageText(trailing)).not.toBeNull(); // their parser accepts it
    await expectCodeAsync(
      verifySignedMessage({ message: trailing, signature: wallet.sign(trailing), expected: expected(), nonces, now: NOW }),
      'MESSAGE_MALFORMED',
    );
  });

  it('UUID nonce', async () => {
    const uuid = '123e4567-e89b-12d3-a456-426614174000';
    const text = replaceLine((await issue(newStore())).message, 'Nonce: ', `Nonce: ${uuid}`);
    expect(parseSignInMessageText(text)?.nonce).toBe(uuid); // their parser accepts it
    expect(verifySignIn(parseSignInMessageText(text) as SolanaSignInInput, signInOutput(text))).toBe(true);
    await expectCodeAsync(
      verifySignedMessage({ message: text, signature: wallet.sign(text), expected: expected(), nonces: newStore(), now: NOW }),
      'MESSAGE_MALFORMED',
    );
  });

  it('a message the server never issued (valid SIWS, valid signature)', async () => {
    const text = buildSiwsMessage({ ...parseSiwsMessage((await issue(newStore())).message), nonce: 'NeverIssued123456' });
    expect(verifySignIn(parseSiwsMessage(text) as SolanaSignInInput, signInOutput(text))).toBe(true);
    await expectCodeAsync(
      verifySignedMessage({ message: text, signature: wallet.sign(text), expected: expected(), nonces: newStore(), now: NOW }),
      'NONCE_UNKNOWN',
    );
  });
});
