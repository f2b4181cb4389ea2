// The 20-line Kit example scripts/check-packed-kit.sh type-checks against the packed tarball
// (tsc --strict, no casts): the scoped signer is a Kit TransactionPartialSigner as it is.
import {
  appendTransactionMessageInstruction, createTransactionMessage, pipe, setTransactionMessageFeePayerSigner,
  setTransactionMessageLifetimeUsingBlockhash, signTransactionMessageWithSigners,
  type Blockhash, type Instruction, type MessagePartialSigner, type SignatureBytes, type TransactionPartialSigner,
} from '@solana/kit';
import type { ExecutionSigner } from 'agentvault/execution';
import { createKitSigner } from 'agentvault/kit';

export async function signWithAgent(signer: ExecutionSigner, ix: Instruction, lifetime: { blockhash: Blockhash; lastValidBlockHeight: bigint }): Promise<SignatureBytes | null | undefined> {
  const agent = createKitSigner(signer);
  const partial: TransactionPartialSigner = agent;
  const messages: MessagePartialSigner = agent;
  const message = pipe(
    createTransactionMessage({ version: 0 }),
    (m) => setTransactionMessageFeePayerSigner(agent, m),
    (m) => setTransactionMessageLifetimeUsingBlockhash(lifetime, m),
    (m) => appendTransactionMessageInstruction(ix, m),
  );
  const signed = await signTransactionMessageWithSigners(message);
  return messages.address === partial.address ? signed.signatures[partial.address] : undefined;
}
