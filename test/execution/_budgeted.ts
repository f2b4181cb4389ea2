/**
 * A budgeted v2 grant and distinct transfer messages, shared by test/execution/stores-signer.test.ts
 * and its child processes (_signer-burst-worker.ts): the real stores of `agentvault/stores` plugged
 * into `withExecutionSigner` (SPEC 9.8, 10.4.9).
 */
import {
  address,
  appendTransactionMessageInstructions,
  blockhash,
  compileTransactionMessage,
  createTransactionMessage,
  getCompiledTransactionMessageEncoder,
  pipe,
  setTransactionMessageFeePayer,
  setTransactionMessageLifetimeUsingBlockhash,
} from '@solana/kit';
import { getSetComputeUnitLimitInstruction } from '@solana-program/compute-budget';
import { findAssociatedTokenPda, getTransferCheckedInstruction } from '@solana-program/token';
import { createExecutionGrant, serializeGrant } from '../../src/execution/grant.js';
import { normalizePolicy, policyHash, summarizePolicy, type ExecutionPolicyV2Input } from '../../src/execution/policy/index.js';
import { issueChallenge, verifySignedMessage } from '../../src/messages/challenge.js';
import { testWallet } from '../helpers/wallet.js';
import { BOT, DOMAIN, newNonces, NOW, setup, URI, wrapperV1 } from './_fixtures.js';

export const TOKEN = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA';
export const CB = 'ComputeBudget111111111111111111111111111111';
export const USDC = 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v';
const BH = '4vJ9JU1bJJE96FWSJKvHsmmFADCg4gpZQff4P3bkLKi';
export const friend = testWallet(71).address;

/** A v2 policy: USDC transfers to `friend`, compute-unit limits, and a budget of `limit` signatures per hour per grant. */
export function budgetedPolicy(limit: number): ExecutionPolicyV2Input {
  return {
    v: 2,
    enabled: true,
    killSwitch: false,
    maxPriorityFeeLamports: '100000',
    transfers: { maxAmount: { [USDC]: '5000000' }, destinations: [friend] },
    programs: [
      { program: TOKEN, native: 'spl-token', instructions: ['TransferChecked'] },
      { program: CB, native: 'compute-budget', instructions: ['SetComputeUnitLimit'] },
    ],
    budgets: [{ scope: 'grant', windowSeconds: 3600, unit: 'signatures', limit: String(limit) }],
  } as ExecutionPolicyV2Input;
}

export const transferOrder = { type: 'transfer', mint: USDC, amount: '5000000', destination: friend } as const;

/** A real enable-execution authorization signed by a tweetnacl wallet, then the grant (serialized). */
export async function budgetedGrant(limit: number, seed = 81): Promise<{ grant: string; owner: string; agent: string }> {
  const s = setup(seed);
  const policy = budgetedPolicy(limit);
  const nonces = newNonces();
  const { message } = await issueChallenge({
    purpose: 'enable-execution', domain: DOMAIN, uri: URI, chain: 'mainnet', address: s.owner.address, nonces, now: NOW,
    grant: { bot: BOT, agent: s.agent.address, policyHash: policyHash(policy), policySummary: summarizePolicy(normalizePolicy(policy)) },
  });
  const auth = await verifySignedMessage({ message, signature: s.owner.sign(message), nonces, expected: { domain: DOMAIN, uri: URI, chain: 'mainnet', purpose: 'enable-execution' }, now: NOW });
  const g = await createExecutionGrant({ authorization: auth, vault: s.vault, agentKeyRecord: s.agent.records.agentKey, agentAddress: s.agent.address, policy, wrapper: wrapperV1(), now: NOW });
  return { grant: serializeGrant(g), owner: s.owner.address, agent: s.agent.address };
}

/** `count` distinct messages (the compute-unit limit differs), each a 5 USDC transfer to `friend`, compiled by Kit. */
export async function distinctTransfers(agent: string, from: number, count: number): Promise<Uint8Array[]> {
  const [source] = await findAssociatedTokenPda({ owner: address(agent), mint: address(USDC), tokenProgram: address(TOKEN) });
  const [destination] = await findAssociatedTokenPda({ owner: address(friend), mint: address(USDC), tokenProgram: address(TOKEN) });
  const authority = { address: address(agent) } as never; // Kit only reads `.address` when compiling
  return Array.from({ length: count }, (_, i) =>
    Uint8Array.from(
      getCompiledTransactionMessageEncoder().encode(
        compileTransactionMessage(
          pipe(
            createTransactionMessage({ version: 0 }),
            (x) => setTransactionMessageFeePayer(address(agent), x),
            (x) => setTransactionMessageLifetimeUsingBlockhash({ blockhash: blockhash(BH), lastValidBlockHeight: 1n }, x),
            (x) =>
              appendTransactionMessageInstructions(
                [
                  getSetComputeUnitLimitInstruction({ units: 200_000 + from + i }),
                  getTransferCheckedInstruction({ source, mint: address(USDC), destination, authority, amount: 5_000_000n, decimals: 6 }),
                ],
                x,
              ),
          ),
        ),
      ),
    ),
  );
}
