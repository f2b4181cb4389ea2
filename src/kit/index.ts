/**
 * `agentvault/kit`: the scoped execution signer as `@solana/kit` signers (SPEC 10.9).
 *
 * `createKitSigner(signer)` returns an object that is both Kit's `TransactionPartialSigner` and
 * `MessagePartialSigner`, assignable without casts: put it in a transaction message as the fee
 * payer (`setTransactionMessageFeePayerSigner`) and sign with `signTransactionMessageWithSigners`.
 * Every signature still goes through the scoped signer, so the grant's policy decides what is
 * signed; the adapter adds no rule and removes none.
 *
 * `@solana/kit` (8.x) is an optional peer dependency: only its types are used, nothing is imported
 * at run time.
 * @module
 */
import type {
  Address,
  MessagePartialSigner,
  MessagePartialSignerConfig,
  SignableMessage,
  SignatureBytes,
  SignatureDictionary,
  Transaction,
  TransactionPartialSigner,
  TransactionPartialSignerConfig,
} from '@solana/kit';
import { fail } from '../errors.js';
import { isBytes, typeName } from '../_utils.js';
import { aSignature, aSigner, type AgentSigner } from './_signer.js';

export type { AgentSigner } from './_signer.js';

/** Kit's transaction and message partial signer, for one address. */
export type KitExecutionSigner<TAddress extends string = string> = TransactionPartialSigner<TAddress> & MessagePartialSigner<TAddress>;

function checkAbort(config: { readonly abortSignal?: AbortSignal } | undefined): void {
  config?.abortSignal?.throwIfAborted();
}

function aList(value: unknown, name: string): readonly unknown[] {
  if (!Array.isArray(value)) fail('INVALID_INPUT', `${name}: expected an array, got ${typeName(value)}`, { field: name });
  return value;
}

/**
 * Adapt a scoped execution signer (or any `AgentSigner`) to Kit's `TransactionPartialSigner` and
 * `MessagePartialSigner`. Transactions and messages are signed one after the other, in order (the
 * scoped signer counts signatures). A transaction that does not list the agent as a signer is
 * refused (`INVALID_INPUT`, `details.reason = 'not-a-signer'`) before anything is signed; the
 * scoped signer's refusals (`SIGNING_REFUSED`) pass through unchanged.
 * @example
 * await withExecutionSigner(grant, opts, async (signer) => {
 *   const agent = createKitSigner(signer);
 *   const message = pipe(createTransactionMessage({ version: 0 }),
 *     (m) => setTransactionMessageFeePayerSigner(agent, m),
 *     (m) => setTransactionMessageLifetimeUsingBlockhash(latestBlockhash, m),
 *     (m) => appendTransactionMessageInstructions(instructions, m));
 *   const signed = await signTransactionMessageWithSigners(message);
 * });
 */
export function createKitSigner<TAddress extends string = string>(signer: AgentSigner & { readonly address: TAddress }): KitExecutionSigner<TAddress> {
  const s = aSigner(signer);
  // Kit's Address is a branded base58 string; aSigner checked that it decodes to 32 bytes.
  const address = s.address as Address<TAddress>;
  const dictionary = (signature: Uint8Array): SignatureDictionary =>
    Object.freeze({ [address]: signature as SignatureBytes }) as SignatureDictionary;

  async function signTransactions(transactions: readonly Transaction[], config?: TransactionPartialSignerConfig): Promise<readonly SignatureDictionary[]> {
    const list = aList(transactions, 'transactions');
    // Check every transaction before signing any, so a refusal never leaves half a batch signed.
    for (const [i, tx] of list.entries()) {
      const t = tx as Partial<Transaction> | null;
      if (typeof t !== 'object' || t === null || !isBytes(t.messageBytes))
        fail('INVALID_INPUT', `transactions[${i}]: expected a Kit Transaction (messageBytes)`, { field: `transactions[${i}]` });
      if (typeof t.signatures !== 'object' || t.signatures === null || !Object.hasOwn(t.signatures, address))
        fail('INVALID_INPUT', `transactions[${i}]: the agent is not a signer of this transaction`, {
          field: `transactions[${i}]`,
          reason: 'not-a-signer',
        });
    }
    const out: SignatureDictionary[] = [];
    for (const tx of list as readonly Transaction[]) {
      checkAbort(config);
      out.push(dictionary(aSignature(await s.signTransactionMessage(Uint8Array.from(tx.messageBytes)))));
    }
    return Object.freeze(out);
  }

  async function signMessages(messages: readonly SignableMessage[], config?: MessagePartialSignerConfig): Promise<readonly SignatureDictionary[]> {
    const list = aList(messages, 'messages');
    for (const [i, m] of list.entries()) {
      const msg = m as Partial<SignableMessage> | null;
      if (typeof msg !== 'object' || msg === null || !isBytes(msg.content))
        fail('INVALID_INPUT', `messages[${i}]: expected a Kit SignableMessage (content)`, { field: `messages[${i}]` });
    }
    const out: SignatureDictionary[] = [];
    for (const m of list as readonly SignableMessage[]) {
      checkAbort(config);
      out.push(dictionary(aSignature(await s.signMessage(m.content))));
    }
    return Object.freeze(out);
  }

  return Object.freeze({ address, signTransactions, signMessages });
}
