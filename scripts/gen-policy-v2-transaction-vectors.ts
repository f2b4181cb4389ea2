/**
 * Writes vectors/policy-v2-transactions.json (SPEC 10.4): transaction messages built by
 * @solana-program/* clients and compiled by @solana/kit 8, with the pipeline's decisions. The test
 * (test/execution/pipeline-vectors.test.ts) re-derives every decision with a naive checker written
 * on Kit's own decoder and findAssociatedTokenPda, and checks the library against the file.
 * Run: npx tsx scripts/gen-policy-v2-transaction-vectors.ts
 */
import { writeFileSync } from 'node:fs';
import {
  address,
  appendTransactionMessageInstructions,
  blockhash,
  compileTransactionMessage,
  compressTransactionMessageUsingAddressLookupTables,
  createTransactionMessage,
  getCompiledTransactionMessageEncoder,
  pipe,
  setTransactionMessageFeePayer,
  setTransactionMessageLifetimeUsingBlockhash,
  type Address,
  type Instruction,
} from '@solana/kit';
import { getSetComputeUnitLimitInstruction, getSetComputeUnitPriceInstruction } from '@solana-program/compute-budget';
import { getTransferSolInstruction } from '@solana-program/system';
import {
  findAssociatedTokenPda,
  getApproveInstruction,
  getCloseAccountInstruction,
  getCreateAssociatedTokenIdempotentInstruction,
  getSyncNativeInstruction,
  getTransferCheckedInstruction,
  getTransferInstruction,
} from '@solana-program/token';
import { createHash } from 'node:crypto';
import { base58 } from '@scure/base';
import { explainTransaction } from '../src/execution/pipeline/explain.js';

const addr = (seed: string) => base58.encode(createHash('sha256').update(seed).digest());
const SYSTEM = '11111111111111111111111111111111';
const TOKEN = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA';
const TOKEN22 = 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb';
const ATA_PROGRAM = 'ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL';
const CB = 'ComputeBudget111111111111111111111111111111';
const WSOL = 'So11111111111111111111111111111111111111112';
const USDC = 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v';
const BH = '4vJ9JU1bJJE96FWSJKvHsmmFADCg4gpZQff4P3bkLKi';
const agent = addr('vector agent');
const friend = addr('vector friend');
const attacker = addr('vector attacker');
const me = { address: address(agent) } as never;

const policy = {
  v: 2,
  enabled: true,
  killSwitch: false,
  maxPriorityFeeLamports: '100000',
  wrapSol: { maxLamports: '2000000000' },
  spot: { pairs: [{ inputMint: WSOL, outputMint: USDC }], maxInput: { [WSOL]: '2000000000' }, maxSlippageBps: 100 },
  transfers: { maxAmount: { [USDC]: '5000000' }, destinations: [friend] },
  programs: [
    { program: SYSTEM, native: 'system', instructions: ['Transfer'] },
    { program: TOKEN, native: 'spl-token', instructions: ['CloseAccount', 'SyncNative', 'Transfer', 'TransferChecked'] },
    { program: TOKEN22, native: 'spl-token-2022', instructions: ['Transfer', 'TransferChecked'] },
    { program: ATA_PROGRAM, native: 'associated-token', instructions: ['CreateIdempotent'] },
    { program: CB, native: 'compute-budget', instructions: ['SetComputeUnitLimit', 'SetComputeUnitPrice'] },
  ],
};
const transfer = { type: 'transfer', mint: USDC, amount: '5000000', destination: friend };
const swap = { type: 'swap', inputMint: WSOL, outputMint: USDC, inputAmount: '1000000000', slippageBps: 50 };

const ata = async (owner: string, mint: string, program = TOKEN) =>
  (await findAssociatedTokenPda({ owner: address(owner), mint: address(mint), tokenProgram: address(program) }))[0] as string;
function compile(ixs: Instruction[], o: { payer?: string; tables?: Record<string, string[]>; version?: 'legacy' | 0 | 1 } = {}): Uint8Array {
  let m = pipe(
    createTransactionMessage({ version: (o.version ?? 0) as 0 }),
    (x) => setTransactionMessageFeePayer(address(o.payer ?? agent), x),
    (x) => setTransactionMessageLifetimeUsingBlockhash({ blockhash: blockhash(BH), lastValidBlockHeight: 1n }, x),
    (x) => appendTransactionMessageInstructions(ixs, x),
  );
  if (o.tables)
    m = compressTransactionMessageUsingAddressLookupTables(m as never, Object.fromEntries(Object.entries(o.tables).map(([t, l]) => [t, l.map((a) => address(a))])) as Record<Address, Address[]>) as never;
  return Uint8Array.from(getCompiledTransactionMessageEncoder().encode(compileTransactionMessage(m)));
}
const checked = async (amount: bigint, to: string, program = TOKEN, mint = USDC) =>
  getTransferCheckedInstruction(
    { source: address(await ata(agent, mint, program)), mint: address(mint), destination: address(await ata(to, mint, program)), authority: me, amount, decimals: 6 },
    { programAddress: address(program) },
  );

const table = addr('vector table');
const cases: { name: string; message: Uint8Array; order: unknown; lookupTables?: Record<string, string[]>; agent?: string }[] = [];
const add = (name: string, message: Uint8Array, order: unknown, extra: { lookupTables?: Record<string, string[]>; agent?: string } = {}) => cases.push({ name, message, order, ...extra });

add('TransferChecked of the cap to a listed destination', compile([await checked(5_000_000n, friend)]), transfer);
add('TransferChecked under Token-2022 to a listed destination', compile([await checked(5_000_000n, friend, TOKEN22)]), transfer);
add('legacy message, TransferChecked to a listed destination', compile([await checked(1n, friend)], { version: 'legacy' }), transfer);
add('TransferChecked above the per-mint cap', compile([await checked(5_000_001n, friend)]), { ...transfer, amount: '9000000' });
add('two transfers that together exceed the cap', compile([await checked(3_000_000n, friend), await checked(3_000_000n, friend)]), { ...transfer, amount: '9000000' });
add('TransferChecked to a foreign destination', compile([await checked(1n, attacker)]), transfer);
add('TransferChecked of an unlisted mint', compile([await checked(1n, friend, TOKEN, WSOL)]), transfer);
add("TransferChecked to the agent's own ATA (not the order's destination)", compile([await checked(1n, agent)]), transfer);
add('TransferChecked above the order amount', compile([await checked(4_000_000n, friend)]), { ...transfer, amount: '3000000' });
add('TransferChecked under a swap order', compile([await checked(1n, friend)]), swap);
add("plain Transfer from the agent's ATA of a listed mint", compile([getTransferInstruction({ source: address(await ata(agent, USDC)), destination: address(await ata(friend, USDC)), authority: me, amount: 10n })]), transfer);
add('plain Transfer from an account whose mint is unknown', compile([getTransferInstruction({ source: address(addr('some account')), destination: address(await ata(friend, USDC)), authority: me, amount: 10n })]), transfer);
add('Approve to the attacker', compile([getApproveInstruction({ source: address(await ata(agent, USDC)), delegate: address(attacker), owner: me, amount: 1n })]), transfer);
add('CloseAccount paying the attacker', compile([getCloseAccountInstruction({ account: address(await ata(agent, USDC)), destination: address(attacker), owner: me }), await checked(1n, friend)]), transfer);
add('compute budget within the fee cap, then a transfer', compile([getSetComputeUnitLimitInstruction({ units: 200_000 }), getSetComputeUnitPriceInstruction({ microLamports: 500_000n }), await checked(1n, friend)]), transfer);
add('priority fee above the cap', compile([getSetComputeUnitLimitInstruction({ units: 200_000 }), getSetComputeUnitPriceInstruction({ microLamports: 500_001n }), await checked(1n, friend)]), transfer);
add("ATA CreateIdempotent for the agent, then a transfer", compile([getCreateAssociatedTokenIdempotentInstruction({ payer: me, ata: address(await ata(agent, USDC)), owner: address(agent), mint: address(USDC) }), await checked(1n, friend)]), transfer);
add('ATA CreateIdempotent for the attacker', compile([getCreateAssociatedTokenIdempotentInstruction({ payer: me, ata: address(await ata(attacker, USDC)), owner: address(attacker), mint: address(USDC) }), await checked(1n, friend)]), transfer);
const wsol = await ata(agent, WSOL);
add('wrap SOL alone under a swap order (implements no swap)', compile([getTransferSolInstruction({ source: me, destination: address(wsol), amount: 1_000_000_000n }), getSyncNativeInstruction({ account: address(wsol) })]), swap);
add('System transfer to a foreign account', compile([getTransferSolInstruction({ source: me, destination: address(attacker), amount: 1n })]), swap);
add('System transfer above wrapSol.maxLamports', compile([getTransferSolInstruction({ source: me, destination: address(wsol), amount: 2_000_000_001n })]), swap);
add('a fee payer other than the agent', compile([await checked(1n, friend)], { payer: friend }), transfer);
const lt = [addr('filler'), await ata(friend, USDC), USDC];
add('destination from a lookup table, contents supplied', compile([await checked(1n, friend)], { tables: { [table]: lt } }), transfer, { lookupTables: { [table]: lt } });
add('destination from a lookup table, contents not supplied', compile([await checked(1n, friend)], { tables: { [table]: lt } }), transfer);
add('lookup-table contents too short for the message', compile([await checked(1n, friend)], { tables: { [table]: lt } }), transfer, { lookupTables: { [table]: lt.slice(0, 1) } });
add('a v1 message (Kit 8 compiles it; mainnet does not execute it)', compile([], { version: 1 }), transfer);

const out = cases.map((c) => {
  const e = explainTransaction({ policy, agent: c.agent ?? agent, message: c.message, order: c.order, ...(c.lookupTables ? { lookupTables: c.lookupTables } : {}) });
  return {
    name: c.name,
    agent: c.agent ?? agent,
    order: c.order,
    ...(c.lookupTables ? { lookupTables: c.lookupTables } : {}),
    messageBase64: Buffer.from(c.message).toString('base64'),
    decision: { allowed: e.allowed, ...(e.reason ? { reason: e.reason } : {}), ...(e.rule ? { rule: e.rule } : {}), ...(e.instructionIndex !== undefined ? { instructionIndex: e.instructionIndex } : {}) },
  };
});
writeFileSync(
  new URL('../vectors/policy-v2-transactions.json', import.meta.url),
  JSON.stringify(
    {
      description: 'Signing pipeline decisions for policy v2 (SPEC 10.4): transaction messages and the decision (allowed, or reason + policy path + instruction index). The policy is given as written; `programs[i]` paths index its normalized (sorted by program id) list.',
      source: 'messages built with @solana-program/system 0.14.1, @solana-program/token 0.16.1 (Token-2022 via programAddress), @solana-program/compute-budget 0.18.1 and compiled by @solana/kit 8.4.0; ATAs from findAssociatedTokenPda; decisions re-derived by a naive checker on Kit\'s decoder in test/execution/pipeline-vectors.test.ts',
      policy,
      valid: out.filter((c) => c.decision.allowed),
      invalid: out.filter((c) => !c.decision.allowed),
    },
    null,
    1,
  ) + '\n',
);
for (const c of out) console.log(c.decision.allowed ? 'ALLOW' : 'DENY ', c.name, JSON.stringify(c.decision));
