/**
 * Shared fixtures for the messages tests: fixed clock, test wallets (tweetnacl), a memory nonce
 * store, and small helpers. Signatures here are always made with tweetnacl, never the library.
 */
import { base58 } from '@scure/base';
import type { SolanaSignInOutput } from '@solana/wallet-standard-features';
import fc from 'fast-check';
import { issueChallenge, type IssueChallengeOptions } from '../../src/messages/challenge.js';
import type { ExpectedMessage } from '../../src/messages/challenge.js';
import type { Purpose } from '../../src/messages/purposes.js';
import type { SiwsFields } from '../../src/messages/siws.js';
import { MemoryNonceStore } from '../../src/stores/memory.js';
import type { NonceStore } from '../../src/stores/types.js';
import { testWallet } from '../helpers/wallet.js';

/** 2025-01-31T12:00:00Z */
export const NOW = Date.UTC(2025, 0, 31, 12, 0, 0);
export const DOMAIN = 'app.example.com';
export const URI = 'https://app.example.com/login';
export const CHAIN = 'mainnet' as const;
/** Seed 0x01..0x20. */
export const wallet = testWallet(1);
/** Another wallet (seed 0x40..0x5f). */
export const other = testWallet(0x40);
/** The agent wallet address enable-execution messages name (seed 0x50..). */
export const AGENT = testWallet(0x50).address;
export const POLICY_HASH = 'ab'.repeat(32);

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

export function newStore(): MemoryNonceStore {
  return new MemoryNonceStore({ sweepIntervalMs: 0, clock: () => NOW });
}

export function expected(purpose: Purpose = 'sign-in', extra: Partial<ExpectedMessage> = {}): ExpectedMessage {
  return { domain: DOMAIN, uri: URI, chain: CHAIN, purpose, ...extra };
}

type IssueExtra = Partial<Omit<IssueChallengeOptions, 'nonces'>>;

export async function issue(nonces: NonceStore, purpose: Purpose = 'sign-in', extra: IssueExtra = {}) {
  return issueChallenge({
    purpose,
    domain: DOMAIN,
    uri: URI,
    chain: CHAIN,
    address: wallet.address,
    nonces,
    now: NOW,
    ...(purpose === 'enable-execution' || purpose === 'unlock-and-enable-execution' ? { grant: { bot: 'bot-1', agent: AGENT, policyHash: POLICY_HASH } } : {}),
    ...extra,
  } as IssueChallengeOptions);
}

/** A fully populated, valid field set. */
export const FULL_FIELDS: SiwsFields = {
  domain: DOMAIN,
  address: wallet.address,
  statement: 'Sign in to the app. No transaction, no fee.',
  uri: URI,
  version: '1',
  chainId: 'mainnet',
  nonce: 'abcDEF0123456789',
  issuedAt: '2025-01-31T12:00:00Z',
  expirationTime: '2025-01-31T12:10:00Z',
  notBefore: '2025-01-31T12:00:00Z',
  requestId: 'req-42',
  resources: ['urn:agentvault:purpose:sign-in', 'https://app.example.com/terms'],
};

/** The required fields only. */
export const MIN_FIELDS: SiwsFields = {
  domain: DOMAIN,
  address: wallet.address,
  uri: URI,
  version: '1',
  chainId: 'devnet',
  nonce: 'abcdefgh',
  issuedAt: '2025-01-31T12:00:00.123Z',
};

/** Replace one line of a message (by its prefix) with another text. */
export function replaceLine(text: string, prefix: string, replacement: string): string {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => l.startsWith(prefix));
  if (i < 0) throw new Error(`no line starting with ${prefix}`);
  lines[i] = replacement;
  return lines.join('\n');
}

export const b58 = (bytes: Uint8Array): string => base58.encode(bytes);

/** What a wallet returns from `signIn` (wallet standard), signed by tweetnacl. */
export function signInOutput(
  text: string | Uint8Array,
  signer: { address: string; publicKey: Uint8Array; sign(m: Uint8Array): Uint8Array } = wallet,
  signature?: Uint8Array,
): SolanaSignInOutput {
  const signedMessage = typeof text === 'string' ? enc(text) : text;
  return {
    account: { address: signer.address, publicKey: signer.publicKey, chains: ['solana:mainnet'], features: [] },
    signedMessage,
    signature: signature ?? signer.sign(signedMessage),
  } as unknown as SolanaSignInOutput;
}

/**
 * fast-check runs for a property: `n` in the normal suite; the global `numRuns` when one is
 * configured (mutation runs set 15 in test/setup/mutation.ts, which an explicit per-call
 * `numRuns` would otherwise override).
 */
export const runs = (n: number): number => fc.readConfigureGlobal().numRuns ?? n;
