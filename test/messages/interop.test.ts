/**
 * Interop with @solana/wallet-standard-util (the reference SIWS helpers wallets and dapps use):
 * our messages parse and verify there; its messages from valid inputs parse here with identical
 * fields.
 */
import {
  createSignInMessageText,
  parseSignInMessage,
  parseSignInMessageText,
  verifySignIn,
} from '@solana/wallet-standard-util';
import type { SolanaSignInInput } from '@solana/wallet-standard-features';
import { describe, expect, it } from 'vitest';
import { verifySignedMessage } from '../../src/messages/challenge.js';
import { buildSiwsMessage, parseSiwsMessage, type SiwsFields } from '../../src/messages/siws.js';
import { FULL_FIELDS, MIN_FIELDS, NOW, enc, expected, issue, newStore, signInOutput, wallet } from './_fixtures.js';

/** Drop undefined keys so two field objects compare by content. */
const defined = (o: object) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

const VARIANTS: readonly (readonly [string, SiwsFields])[] = [
  ['full', FULL_FIELDS],
  ['minimal', MIN_FIELDS],
  ['statement only', { ...MIN_FIELDS, statement: 'Hello.' }],
  ['empty resources', { ...MIN_FIELDS, resources: [] }],
  ['solana: chain, fractional time, request id', { ...MIN_FIELDS, chainId: 'solana:devnet', issuedAt: '2025-01-31T12:00:00.5Z', requestId: 'r1' }],
  ['expiration only', { ...MIN_FIELDS, expirationTime: '2025-01-31T12:10:00Z' }],
];

describe('our messages in @solana/wallet-standard-util', () => {
  for (const [label, fields] of VARIANTS) {
    it(`${label}: same text from createSignInMessageText, same fields from parseSignInMessageText`, () => {
      const text = buildSiwsMessage(fields);
      expect(createSignInMessageText(fields as SolanaSignInInput & { domain: string; address: string })).toBe(text);
      const theirs = parseSignInMessageText(text);
      expect(theirs).not.toBeNull();
      expect(defined(theirs!)).toEqual(defined(fields));
      expect(defined(parseSignInMessage(enc(text))!)).toEqual(defined(fields));
    });
  }

  it('an issued challenge verifies with verifySignIn', async () => {
    const ch = await issue(newStore(), 'enable-execution');
    const fields = parseSiwsMessage(ch.message);
    expect(verifySignIn(fields as SolanaSignInInput, signInOutput(ch.message))).toBe(true);
    // and a one-character change is refused there too (the comparison is real)
    expect(verifySignIn({ ...fields, nonce: `${fields.nonce}x` } as SolanaSignInInput, signInOutput(ch.message))).toBe(false);
  });

  it('a message verified by verifySignIn also verifies here (same signature, same bytes)', async () => {
    const nonces = newStore();
    const ch = await issue(nonces, 'sign-in');
    const out = signInOutput(ch.message);
    expect(verifySignIn(parseSiwsMessage(ch.message) as SolanaSignInInput, out)).toBe(true);
    const v = await verifySignedMessage({ signedBytes: out.signedMessage, signature: out.signature, expected: expected('sign-in'), nonces, now: NOW });
    expect(v.address).toBe(wallet.address);
  });
});

describe('messages from createSignInMessageText in our parser', () => {
  for (const [label, fields] of VARIANTS) {
    it(`${label}: identical fields`, () => {
      const text = createSignInMessageText(fields as SolanaSignInInput & { domain: string; address: string });
      expect(defined(parseSiwsMessage(text))).toEqual(defined(fields));
      expect(buildSiwsMessage(parseSiwsMessage(text))).toBe(text);
    });
  }
});
