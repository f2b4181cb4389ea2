/**
 * The transaction for a v1 policy's order, and a raw message helper for tests.
 *
 * A v1 policy knows only a program allowlist, so the example signs the smallest honest stand-in:
 * one SPL Memo instruction describing the order, compiled by Kit with the agent as fee payer (the
 * router does that). v2 policies get real venue instructions (venues.ts). The grant signer checks
 * whatever it is given: every program must be allowed, the agent must pay, and no transfer out is
 * ever signed.
 */
import { address } from '@solana/kit';
import { decodeAddress } from 'agentvault';
import type { BuildTransaction } from './venues.js';

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

/** The memo that stands for a v1 order (no venue rules in a v1 policy: the allowlist only). */
export function memoText(order: Readonly<Record<string, unknown>>, bot: string): string {
  return `agentvault example ${bot}: ${String(order['side'])} ${String(order['type'])} ${String(order['market'])} notional ${String(order['notional'])} leverage ${String(order['leverage'])}`;
}

/** The default builder for v1 policies: one SPL Memo instruction naming the order (Kit instruction). */
export const memoInstructions: BuildTransaction = ({ order, bot }) => [{ programAddress: address(MEMO_PROGRAM), data: new TextEncoder().encode(memoText(order, bot)) }];
