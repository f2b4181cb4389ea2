/**
 * The transaction message the webhook asks the grant signer to sign.
 *
 * The example has no network, so it cannot fetch a recent blockhash or call an exchange's SDK.
 * It builds the smallest honest stand-in: a legacy Solana transaction message, paid by the agent
 * wallet, with one SPL Memo instruction describing the order. A real server replaces
 * `memoOrderTransaction` (the `buildTransaction` dependency of the router) with the venue's
 * instruction builder (for example a Drift `placePerpOrder`) and a blockhash from its RPC, then
 * sends the signed transaction. The grant signer checks whatever it is given: every program must
 * be in the policy's `allowedPrograms`, the agent must pay, and no transfer out is ever signed.
 */
import { decodeAddress } from 'agentvault';
import type { Order } from 'agentvault/execution';

export const MEMO_PROGRAM = 'MemoSq4gqABAXKb96qnH8TyKtxUdMphoXfcDMGP9tW5';

/** Solana's compact-u16 (short_vec) length prefix. */
function shortVec(n: number): number[] {
  const out: number[] = [];
  for (let v = n; ; ) {
    const b = v & 0x7f;
    v >>= 7;
    if (v === 0) return [...out, b];
    out.push(b | 0x80);
  }
}

/**
 * A legacy transaction message: header (1 signer, 0 read-only signers, 1 read-only non-signer),
 * accounts [agent, program], the blockhash, and one instruction `program(accounts: [agent], data)`.
 */
export function singleInstructionMessage(agent: string, program: string, data: Uint8Array, blockhash: Uint8Array): Uint8Array {
  if (blockhash.length !== 32) throw new Error('blockhash: expected 32 bytes');
  return Uint8Array.from([
    1, 0, 1,
    ...shortVec(2), ...decodeAddress(agent), ...decodeAddress(program),
    ...blockhash,
    ...shortVec(1), 1, ...shortVec(1), 0, ...shortVec(data.length), ...data,
  ]);
}

/** The default order transaction: a memo naming the order, with a placeholder blockhash (no RPC here). */
export function memoOrderTransaction(input: { order: Order; agent: string; bot: string }): Uint8Array {
  const { order } = input;
  const memo = `agentvault example ${input.bot}: ${order.side} ${order.type} ${order.market} notional ${order.notional} leverage ${order.leverage}`;
  return singleInstructionMessage(input.agent, MEMO_PROGRAM, new TextEncoder().encode(memo), crypto.getRandomValues(new Uint8Array(32)));
}
