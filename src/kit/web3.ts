/**
 * `agentvault/kit/web3`: sign `@solana/web3.js` 1.x transactions with the scoped execution signer
 * (SPEC 10.9). `signVersionedTransaction` for a `VersionedTransaction` (legacy or v0 message),
 * `signLegacyTransaction` for a legacy `Transaction`. Both sign the message bytes web3.js itself
 * serializes, through the scoped signer (so the grant's policy decides), and add the signature to
 * the transaction in place.
 *
 * No import of `@solana/web3.js`, not even of its types: the parameters are the structural shapes
 * below, which web3.js 1.x classes satisfy (checked in test/kit). So this subpath works with any
 * 1.x copy the app has, and needs no `@solana/kit` either.
 * @module
 */
import { fail } from '../errors.js';
import { isBytes, typeName } from '../_utils.js';
import { aSignature, aSigner, type AgentSigner } from './_signer.js';

export type { AgentSigner } from './_signer.js';

/** What web3.js 1.x's `PublicKey` offers that this module uses. */
export interface Web3PublicKeyLike {
  toBase58(): string;
}

/** The part of web3.js 1.x's `VersionedTransaction` this module uses. */
export interface Web3VersionedTransactionLike {
  readonly message: {
    readonly header: { readonly numRequiredSignatures: number };
    readonly staticAccountKeys: readonly Web3PublicKeyLike[];
    serialize(): Uint8Array;
  };
  addSignature(publicKey: Web3PublicKeyLike, signature: Uint8Array): void;
}

/** The part of web3.js 1.x's legacy `Transaction` this module uses. */
export interface Web3LegacyTransactionLike {
  readonly signatures: readonly { readonly publicKey: Web3PublicKeyLike }[];
  serializeMessage(): Uint8Array;
  addSignature(publicKey: Web3PublicKeyLike, signature: Uint8Array): void;
}

function notASigner(): never {
  return fail('INVALID_INPUT', 'transaction: the agent is not a required signer of this transaction', {
    field: 'transaction',
    reason: 'not-a-signer',
  });
}

/**
 * Sign a web3.js 1.x `VersionedTransaction` as the agent: serializes `transaction.message`, signs
 * it with the scoped signer and calls `transaction.addSignature`. The agent must be one of the
 * message's required signers (`INVALID_INPUT`, `details.reason = 'not-a-signer'`); the scoped
 * signer's refusals (`SIGNING_REFUSED`) pass through and leave the transaction unchanged.
 * Returns the 64-byte signature.
 * @example
 * const tx = new VersionedTransaction(new TransactionMessage({ payerKey: agentKey, recentBlockhash,
 *   instructions }).compileToV0Message());
 * await signVersionedTransaction(signer, tx);
 */
export async function signVersionedTransaction(signer: AgentSigner, transaction: Web3VersionedTransactionLike): Promise<Uint8Array> {
  const s = aSigner(signer);
  const t = transaction as Partial<Web3VersionedTransactionLike> | null;
  if (typeof t !== 'object' || t === null || typeof t.addSignature !== 'function' || typeof t.message?.serialize !== 'function')
    fail('INVALID_INPUT', `transaction: expected a web3.js VersionedTransaction, got ${typeName(transaction)}`, { field: 'transaction' });
  const { header, staticAccountKeys } = t.message;
  const n = header?.numRequiredSignatures;
  if (typeof n !== 'number' || !Array.isArray(staticAccountKeys)) return notASigner();
  const key = staticAccountKeys.slice(0, n).find((k) => k.toBase58() === s.address);
  if (key === undefined) return notASigner();
  const bytes = t.message.serialize();
  if (!isBytes(bytes)) fail('INVALID_INPUT', 'transaction.message.serialize(): expected bytes', { field: 'transaction' });
  const signature = aSignature(await s.signTransactionMessage(Uint8Array.from(bytes)));
  t.addSignature(key, signature);
  return signature;
}

/**
 * Sign a web3.js 1.x legacy `Transaction` as the agent: `transaction.serializeMessage()` (which
 * needs `feePayer` and `recentBlockhash` set), the scoped signer, then `transaction.addSignature`.
 * Other signers (e.g. a co-signer's `partialSign`) may sign before or after. Refusals as for
 * `signVersionedTransaction`. Returns the 64-byte signature.
 * @example
 * const tx = new Transaction({ feePayer: agentKey, recentBlockhash }).add(instruction);
 * await signLegacyTransaction(signer, tx);
 */
export async function signLegacyTransaction(signer: AgentSigner, transaction: Web3LegacyTransactionLike): Promise<Uint8Array> {
  const s = aSigner(signer);
  const t = transaction as Partial<Web3LegacyTransactionLike> | null;
  if (typeof t !== 'object' || t === null || typeof t.addSignature !== 'function' || typeof t.serializeMessage !== 'function')
    fail('INVALID_INPUT', `transaction: expected a web3.js Transaction, got ${typeName(transaction)}`, { field: 'transaction' });
  // serializeMessage compiles the message and brings `signatures` in line with its signers.
  const bytes = t.serializeMessage();
  if (!isBytes(bytes)) fail('INVALID_INPUT', 'transaction.serializeMessage(): expected bytes', { field: 'transaction' });
  const entry = Array.isArray(t.signatures) ? t.signatures.find((e) => e.publicKey.toBase58() === s.address) : undefined;
  if (entry === undefined) return notASigner();
  const signature = aSignature(await s.signTransactionMessage(Uint8Array.from(bytes)));
  t.addSignature(entry.publicKey, signature);
  return signature;
}
