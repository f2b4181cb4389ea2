/**
 * Bench rows for the v2 signing pipeline (issue 12 item 8): `explainTransaction` on a whole v2
 * transaction (decode, resolve, native and IDL decoding, rules, order binding; no signature), for a
 * spot swap (ATA create, wrap, SyncNative, Jupiter sharedAccountsRoute, CloseAccount) and a Drift
 * perps order. Reference: decoding the same bytes through Kit (`getCompiledTransactionMessageDecoder`,
 * decode only, no decision); peer: Kit decode plus Codama decoding the Anchor instruction.
 */
import { readFileSync } from 'node:fs';
import { getNodeCodec } from '@codama/dynamic-codecs';
import { rootNodeFromAnchor } from '@codama/nodes-from-anchor';
import {
  address,
  appendTransactionMessageInstructions,
  blockhash,
  compileTransactionMessage,
  createTransactionMessage,
  getCompiledTransactionMessageDecoder,
  getCompiledTransactionMessageEncoder,
  pipe,
  setTransactionMessageFeePayer,
  setTransactionMessageLifetimeUsingBlockhash,
  type Instruction,
} from '@solana/kit';
import { getTransferSolInstruction } from '@solana-program/system';
import { findAssociatedTokenPda, getCloseAccountInstruction, getCreateAssociatedTokenIdempotentInstruction, getSyncNativeInstruction } from '@solana-program/token';
import { createHash } from 'node:crypto';
import { base58 } from '@scure/base';
import { driftV2Preset, explainTransaction, jupiterV6Preset, normalizePolicy } from '../src/execution/index.js';
import { createProgramDecoder } from '../src/execution/programs/idl/index.js';
import type { Impl, Timed } from './harness.js';

const SHARED = new URL('../../shared/', import.meta.url);
const JUP = 'JUP6LkbZbjS1jKKwapdHNy74zcZ3tLUZoi5QNyVTaV4';
const DRIFT = 'dRiftyHA39MWEi3m9aunc5MzRF1JYuBsbn6VPcn33UH';
const TOKEN = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA';
const WSOL = 'So11111111111111111111111111111111111111112';
const USDC = 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v';
const addr = (s: string) => base58.encode(createHash('sha256').update(s).digest());

export interface PipelineRow {
  readonly name: string;
  readonly agentvault: Impl;
  readonly native: Impl;
  readonly peers: readonly Impl[];
  readonly note?: string;
}
const batch = (fn: () => unknown) => (n: number): Timed => () => {
  for (let i = 0; i < n; i++) fn();
};

export async function pipelineRows(check: (c: boolean, what: string) => void): Promise<PipelineRow[]> {
  const jIdl = readFileSync(new URL('idl/jupiter-v6.json', SHARED));
  const dIdl = readFileSync(new URL('idl/drift-v2.json', SHARED));
  const programs = [createProgramDecoder(jIdl, { program: JUP }), createProgramDecoder(dIdl, { program: DRIFT })];
  const jRoot = rootNodeFromAnchor(JSON.parse(jIdl.toString('utf8')));
  const dRoot = rootNodeFromAnchor(JSON.parse(dIdl.toString('utf8')));
  const codec = (root: any, name: string) => getNodeCodec([root, root.program, root.program.instructions.find((i: { name: string }) => i.name === name)]);
  const enc = (root: any, name: string, args: Record<string, unknown>) =>
    new Uint8Array(codec(root, name).encode({ discriminator: ['base16', root.program.instructions.find((i: { name: string }) => i.name === name).arguments[0].defaultValue.data], ...args }));
  const agent = addr('bench agent');
  const me = { address: address(agent) } as never;
  const ata = async (owner: string, mint: string) => (await findAssociatedTokenPda({ owner: address(owner), mint: address(mint), tokenProgram: address(TOKEN) }))[0] as string;
  const compile = (ixs: Instruction[]) =>
    Uint8Array.from(getCompiledTransactionMessageEncoder().encode(compileTransactionMessage(pipe(
      createTransactionMessage({ version: 0 }),
      (x) => setTransactionMessageFeePayer(address(agent), x),
      (x) => setTransactionMessageLifetimeUsingBlockhash({ blockhash: blockhash('4vJ9JU1bJJE96FWSJKvHsmmFADCg4gpZQff4P3bkLKi'), lastValidBlockHeight: 1n }, x),
      (x) => appendTransactionMessageInstructions(ixs, x),
    ))));
  const wsol = await ata(agent, WSOL);
  const names = ['tokenProgram', 'programAuthority', 'userTransferAuthority', 'sourceTokenAccount', 'programSourceTokenAccount', 'programDestinationTokenAccount', 'destinationTokenAccount', 'sourceMint', 'destinationMint', 'platformFeeAccount', 'token2022Program', 'eventAuthority', 'program'];
  const ro = new Set(['tokenProgram', 'programAuthority', 'sourceMint', 'destinationMint', 'token2022Program', 'eventAuthority', 'program']);
  const fixed: Record<string, string> = { tokenProgram: TOKEN, userTransferAuthority: agent, sourceTokenAccount: wsol, destinationTokenAccount: await ata(agent, USDC), sourceMint: WSOL, destinationMint: USDC, program: JUP, token2022Program: 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb' };
  const routeData = enc(jRoot, 'sharedAccountsRoute', { id: 0, routePlan: [{ swap: { __kind: 'Raydium' }, percent: 100, inputIndex: 0, outputIndex: 1 }], inAmount: 1_000_000_000n, quotedOutAmount: 150_000_000n, slippageBps: 50, platformFeeBps: 0 });
  const swapBytes = compile([
    getCreateAssociatedTokenIdempotentInstruction({ payer: me, ata: address(wsol), owner: address(agent), mint: address(WSOL) }),
    getTransferSolInstruction({ source: me, destination: address(wsol), amount: 1_000_000_000n }),
    getSyncNativeInstruction({ account: address(wsol) }),
    { programAddress: address(JUP), accounts: names.map((n, i) => ({ address: address(fixed[n] ?? addr(`acc${i}`)), role: n === 'userTransferAuthority' ? 3 : ro.has(n) ? 0 : 1 })), data: routeData } as unknown as Instruction,
    getCloseAccountInstruction({ account: address(wsol), destination: address(agent), owner: me }),
  ]);
  const placeData = enc(dRoot, 'placePerpOrder', { params: { orderType: 'market', marketType: 'perp', direction: 'long', userOrderId: 0, baseAssetAmount: 1_000_000_000n, price: 0n, marketIndex: 0, reduceOnly: false, postOnly: 'none', bitFlags: 0, maxTs: null, triggerPrice: null, triggerCondition: 'above', oraclePriceOffset: null, auctionDuration: null, auctionStartPrice: null, auctionEndPrice: null } });
  const perpBytes = compile([{ programAddress: address(DRIFT), accounts: [addr('state'), addr('user'), agent].map((a, i) => ({ address: address(a), role: i === 2 ? 2 : 1 })), data: placeData } as unknown as Instruction]);
  const policy = normalizePolicy({
    v: 2, enabled: true, killSwitch: false,
    wrapSol: { maxLamports: '1000000000' },
    spot: { pairs: [{ inputMint: WSOL, outputMint: USDC }], maxInput: { [WSOL]: '1000000000' }, maxSlippageBps: 50 },
    perps: { markets: ['SOL-PERP'], orderTypes: ['market', 'cancel'], maxLeverage: '2', maxPositionNotional: '1000', maxSlippageBps: 100, dailyLossLimit: '100' },
    programs: [
      { program: '11111111111111111111111111111111', native: 'system', instructions: ['Transfer'] },
      { program: TOKEN, native: 'spl-token', instructions: ['CloseAccount', 'SyncNative'] },
      { program: 'ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL', native: 'associated-token', instructions: ['CreateIdempotent'] },
      jupiterV6Preset({ maxPlatformFeeBps: 0 }),
      driftV2Preset({ markets: { 'SOL-PERP': 0 }, maxBaseAssetAmount: '5000000000' }),
    ],
  });
  const swapOrder = { type: 'swap', inputMint: WSOL, outputMint: USDC, inputAmount: '1000000000', slippageBps: 50 } as const;
  const perpOrder = { type: 'market', market: 'SOL-PERP', side: 'buy', notional: '150', leverage: '1', baseAmount: '1000000000', reduceOnly: false, slippageBps: 50 } as const;
  const explainSwap = () => explainTransaction({ policy, agent, message: swapBytes, order: swapOrder, programs, now: Date.now() });
  const explainPerp = () => explainTransaction({ policy, agent, message: perpBytes, order: perpOrder, programs, state: { positionNotional: '0', dailyLoss: '0', markPrice: '150' }, now: Date.now() });
  check(explainSwap().allowed && explainPerp().allowed, 'the v2 swap and perps transactions are allowed');
  const kit = getCompiledTransactionMessageDecoder();
  const routeCodec = codec(jRoot, 'sharedAccountsRoute');
  const placeCodec = codec(dRoot, 'placePerpOrder');
  return [
    {
      name: 'explain a v2 spot swap tx (5 ixs, Jupiter preset)',
      agentvault: { name: 'agentvault', prepare: batch(explainSwap) },
      native: { name: 'Kit decode only', prepare: batch(() => kit.decode(swapBytes)) },
      peers: [{ name: 'Kit decode + Codama route decode', prepare: batch(() => (kit.decode(swapBytes), routeCodec.decode(routeData))) }],
      note: 'agentvault decides (decode, ATA derivations, rules, binding); the references only decode',
    },
    {
      name: 'explain a v2 perps tx (Drift placePerpOrder)',
      agentvault: { name: 'agentvault', prepare: batch(explainPerp) },
      native: { name: 'Kit decode only', prepare: batch(() => kit.decode(perpBytes)) },
      peers: [{ name: 'Kit decode + Codama placePerpOrder decode', prepare: batch(() => (kit.decode(perpBytes), placeCodec.decode(placeData))) }],
    },
  ];
}
