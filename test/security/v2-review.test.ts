/**
 * Adversarial review of execution policy v2 (issues 12 and 13): proofs of concept by someone who
 * controls the bot's inputs (order object, transaction bytes, swap API response). Every test states
 * the property the signer should have. Every finding is fixed (branch fixv2: each comment says
 * FIXED and where); its proof of concept stays as a regression test.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
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
  type Instruction,
} from '@solana/kit';
import { getAdvanceNonceAccountInstruction, getAssignInstruction, getCreateAccountAllowPrefundInstruction, getCreateAccountInstruction, getTransferSolInstruction } from '@solana-program/system';
import { findAssociatedTokenPda, getCloseAccountInstruction, getCreateAssociatedTokenIdempotentInstruction, getSyncNativeInstruction } from '@solana-program/token';
import { getRequestHeapFrameInstruction, getSetComputeUnitLimitInstruction, getSetComputeUnitPriceInstruction } from '@solana-program/compute-budget';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { asOrder, asPolicy } from '../helpers/untyped.js';
import { AgentvaultError } from '../../src/errors.js';
import { createExecutionGrant, withExecutionSigner } from '../../src/execution/grant.js';
import { evaluateOrder, normalizePolicy, policyHash, summarizePolicy } from '../../src/execution/policy/index.js';
import { explainTransaction } from '../../src/execution/pipeline/explain.js';
import { createProgramDecoder } from '../../src/execution/programs/idl/decoder.js';
import { driftV2Preset, DRIFT_V2_PROGRAM } from '../../src/execution/programs/presets/drift.js';
import { jupiterV6Preset, JUPITER_V6_PROGRAM } from '../../src/execution/programs/presets/jupiter.js';
import { createScopedSigner } from '../../src/execution/signer.js';
import { issueChallenge, verifySignedMessage } from '../../src/messages/challenge.js';
import { testWallet } from '../helpers/wallet.js';
import { BOT, DOMAIN, newNonces, newRevocations, NOW, setup, URI, wrapperV1 } from '../execution/_fixtures.js';
import { encodeIx, randomAddress } from '../execution/programs/_fixtures.js';

const SHARED = fileURLToPath(new URL('../../../shared/', import.meta.url));
const SYSTEM = '11111111111111111111111111111111';
const TOKEN = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA';
const TOKEN22 = 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb';
const ATA_PROGRAM = 'ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL';
const CB = 'ComputeBudget111111111111111111111111111111';
const WSOL = 'So11111111111111111111111111111111111111112';
const USDC = 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v';
const BH = '4vJ9JU1bJJE96FWSJKvHsmmFADCg4gpZQff4P3bkLKi';

const agentW = testWallet(61);
const agent = agentW.address;
const friend = testWallet(62).address;
const noop = { address: address(agent) } as never;

async function ata(owner: string, mint: string, tokenProgram = TOKEN): Promise<string> {
  const [pda] = await findAssociatedTokenPda({ owner: address(owner), mint: address(mint), tokenProgram: address(tokenProgram) });
  return pda;
}
function compile(ixs: Instruction[], payer = agent): Uint8Array {
  const m = pipe(
    createTransactionMessage({ version: 0 }),
    (x) => setTransactionMessageFeePayer(address(payer), x),
    (x) => setTransactionMessageLifetimeUsingBlockhash({ blockhash: blockhash(BH), lastValidBlockHeight: 1n }, x),
    (x) => appendTransactionMessageInstructions(ixs, x),
  );
  return Uint8Array.from(getCompiledTransactionMessageEncoder().encode(compileTransactionMessage(m)));
}

const jupiterIdl = readFileSync(`${SHARED}idl/jupiter-v6.json`);
const driftIdl = readFileSync(`${SHARED}idl/drift-v2.json`);
const jupiter = createProgramDecoder(jupiterIdl, { program: JUPITER_V6_PROGRAM });
const drift = createProgramDecoder(driftIdl, { program: DRIFT_V2_PROGRAM });
const jupiterJson = JSON.parse(jupiterIdl.toString('utf8'));
const driftJson = JSON.parse(driftIdl.toString('utf8'));

const natives = [
  { program: SYSTEM, native: 'system', instructions: ['Transfer'] },
  { program: TOKEN, native: 'spl-token', instructions: ['CloseAccount', 'SyncNative', 'TransferChecked'] },
  { program: ATA_PROGRAM, native: 'associated-token', instructions: ['CreateIdempotent'] },
  { program: CB, native: 'compute-budget', instructions: ['SetComputeUnitLimit', 'SetComputeUnitPrice'] },
];
const policyInput = (extra: Record<string, unknown> = {}) => asPolicy({
  v: 2 as const,
  enabled: true,
  killSwitch: false,
  maxPriorityFeeLamports: '100000',
  wrapSol: { maxLamports: '2000000000' },
  spot: { pairs: [{ inputMint: WSOL, outputMint: USDC }], maxInput: { [WSOL]: '1000000000' }, maxSlippageBps: 100 },
  perps: { markets: ['SOL-PERP'], orderTypes: ['market', 'cancel'], maxLeverage: '2', maxPositionNotional: '1000', maxSlippageBps: 100, dailyLossLimit: '10' },
  programs: [...natives, jupiterV6Preset({ maxPlatformFeeBps: 0, maxSlippageBps: 100 }), driftV2Preset({ markets: { 'SOL-PERP': 0, 'BTC-PERP': 1 }, maxBaseAssetAmount: '5000000000' })],
  ...extra,
});
const policy = normalizePolicy(policyInput());
const swapOrder = { type: 'swap', inputMint: WSOL, outputMint: USDC, inputAmount: '1000000000', slippageBps: 50 } as const;
const perpOrder = { type: 'market', market: 'SOL-PERP', side: 'buy', notional: '150', leverage: '1', baseAmount: '1000000000', reduceOnly: false, slippageBps: 50 } as const;
const STATE = { positionNotional: '0', dailyLoss: '0', markPrice: '150' };
const explain = (message: Uint8Array, order: unknown) => explainTransaction({ policy, agent, message, order: asOrder(order), programs: [jupiter, drift], state: STATE, now: NOW });
const decision = (e: ReturnType<typeof explainTransaction>) => (e.allowed ? 'allowed' : `${e.reason} @ ${e.rule}${e.instructionIndex === undefined ? '' : ` #${e.instructionIndex}`}`);

// Jupiter sharedAccountsRoute / ExactOut with honest accounts (agent's own ATAs), Codama-encoded data.
const SHARED_NAMES = ['tokenProgram', 'programAuthority', 'userTransferAuthority', 'sourceTokenAccount', 'programSourceTokenAccount', 'programDestinationTokenAccount', 'destinationTokenAccount', 'sourceMint', 'destinationMint', 'platformFeeAccount', 'token2022Program', 'eventAuthority', 'program'];
const READONLY = new Set(['tokenProgram', 'programAuthority', 'sourceMint', 'destinationMint', 'token2022Program', 'eventAuthority', 'program']);
const plan = [{ swap: { __kind: 'Raydium' }, percent: 100, inputIndex: 0, outputIndex: 1 }];
async function sharedRoute(name: 'sharedAccountsRoute' | 'sharedAccountsExactOutRoute', args: Record<string, unknown>): Promise<Instruction> {
  const fixed: Record<string, string> = {
    tokenProgram: TOKEN,
    userTransferAuthority: agent,
    sourceTokenAccount: await ata(agent, WSOL),
    destinationTokenAccount: await ata(agent, USDC),
    sourceMint: WSOL,
    destinationMint: USDC,
    program: JUPITER_V6_PROGRAM,
    token2022Program: TOKEN22,
  };
  const accounts = SHARED_NAMES.map((n, i) => ({ address: address(fixed[n] ?? randomAddress(300 + i)), role: n === 'userTransferAuthority' ? 3 : READONLY.has(n) ? 0 : 1 }));
  return { programAddress: address(JUPITER_V6_PROGRAM), accounts, data: encodeIx(jupiterJson, name, { id: 0, routePlan: plan, platformFeeBps: 0, ...args }) } as unknown as Instruction;
}
const route = (inAmount: bigint) => sharedRoute('sharedAccountsRoute', { inAmount, quotedOutAmount: 10n, slippageBps: 50 });

const driftAccounts = () => [randomAddress(1), randomAddress(2), agent].map((a, i) => ({ address: address(a), role: i === 2 ? 2 : 1 }));
const driftIx = (name: string, args: Record<string, unknown>) => ({ programAddress: address(DRIFT_V2_PROGRAM), accounts: driftAccounts(), data: encodeIx(driftJson, name, args) }) as unknown as Instruction;
const placeParams = (p: Record<string, unknown> = {}) => ({
  params: { orderType: 'market', marketType: 'perp', direction: 'long', userOrderId: 0, baseAssetAmount: 1_000_000_000n, price: 0n, marketIndex: 0, reduceOnly: false, postOnly: 'none', bitFlags: 0, maxTs: null, triggerPrice: null, triggerCondition: 'above', oraclePriceOffset: null, auctionDuration: null, auctionStartPrice: null, auctionEndPrice: null, ...p },
});
const none = null;
const modifyParams = (p: Record<string, unknown> = {}) => ({
  direction: 'long', baseAssetAmount: 1_000_000_000n, price: none, reduceOnly: false, postOnly: none, bitFlags: none, maxTs: none, triggerPrice: none,
  triggerCondition: none, oraclePriceOffset: none, auctionDuration: none, auctionStartPrice: none, auctionEndPrice: none, policy: none, ...p,
});

describe('v2 review: the honest baseline signs (so every refusal below is meaningful)', () => {
  it('one route within the order, one perps order within the order', async () => {
    expect(decision(explain(compile([await route(1_000_000_000n)]), swapOrder))).toBe('allowed');
    expect(decision(explain(compile([driftIx('placePerpOrder', placeParams())]), perpOrder))).toBe('allowed');
  });
});

describe('v2 review F1 (high): several instructions together exceed the bound order', () => {
  // FIXED (bindStage, SPEC 10.4.8 rule 2): a swap or perps order is served by exactly one instruction.
  // FLAW src/execution/pipeline/bind.ts:63-67 (bindStage): each Anchor instruction is checked alone
  // against the order (inAmount <= order.inputAmount, baseAssetAmount <= order.baseAmount), nothing
  // sums them. FIX (pipeline): in bindStage, for a swap or perp order allow at most ONE instruction
  // whose rule serves the order's kind (refuse 'order-mismatch', rule 'order', at the second one);
  // cancel orders may keep several. (Or sum the OrderRef-bound `atMost` arguments per order field.)
  it('two Jupiter routes, each taking the whole order input, are refused (2x spot.maxInput)', async () => {
    const e = explain(compile([await route(1_000_000_000n), await route(1_000_000_000n)]), swapOrder);
    expect(e.allowed).toBe(false);
    expect(decision(e)).toBe('order-mismatch @ order #1');
  });
  it('two Drift placePerpOrder, each of the whole order size, are refused (2x the size)', () => {
    const e = explain(compile([driftIx('placePerpOrder', placeParams()), driftIx('placePerpOrder', placeParams())]), perpOrder);
    expect(e.allowed).toBe(false);
    expect(decision(e)).toBe('order-mismatch @ order #1');
  });
});

describe('v2 review F2 (medium): Drift modifyOrder is not bound to the order market', () => {
  // FLAW src/execution/programs/presets/drift.ts:98 before the fix (modifyOrder rule, always on): modifyOrder names no market
  // (it edits an existing order by id), so a SOL-PERP order lets the bot resize ANY open order of
  // the user (BTC-PERP, or one placed by hand) up to the cap, in the order's direction, and reprice
  // it. FIXED in the preset: modifyOrder only when the user opts in (`allowModify: true`, default false).
  it('a SOL-PERP order cannot sign modifyOrder of an arbitrary order id (default preset)', () => {
    const ix = driftIx('modifyOrder', { orderId: { __option: 'Some', value: 77 }, modifyOrderParams: modifyParams() });
    const e = explain(compile([ix]), perpOrder);
    expect(e.allowed).toBe(false);
    expect(e.reason).toBe('instruction-not-allowed');
    // opted in, it signs (the user chose it; the summary and SPEC say it has no market)
    const optIn = normalizePolicy(policyInput({ programs: [...natives, driftV2Preset({ markets: { 'SOL-PERP': 0 }, maxBaseAssetAmount: '5000000000', allowModify: true })] }));
    expect(explainTransaction({ policy: optIn, agent, message: compile([ix]), order: perpOrder, programs: [drift], state: STATE, now: NOW }).allowed).toBe(true);
  });
});

describe('v2 review F3 (medium): Jupiter ExactOut can spend more than the order input', () => {
  // FLAW src/execution/programs/presets/jupiter.ts:43-48,73 (before the fix: exactOut default true): for sharedAccountsExactOutRoute the bound
  // field is quotedInAmount, but Jupiter takes up to quotedInAmount * (10000 + slippageBps) / 10000
  // from the source; with quotedInAmount = order.inputAmount = spot.maxInput the signed transaction
  // may spend slippageBps more than the cap the user signed. FIXED in the preset: ExactOut is opt-in
  // (`exactOut` default false), documented in SPEC 10.5.5 as able to exceed the cap by the slippage.
  it('ExactOut with quotedInAmount = inputAmount and 50 bps slippage is refused by the default preset', async () => {
    const ix = await sharedRoute('sharedAccountsExactOutRoute', { outAmount: 10n, quotedInAmount: 1_000_000_000n, slippageBps: 50 });
    const e = explain(compile([ix]), swapOrder);
    expect(decision(e)).toMatch(/^instruction-not-allowed @ programs\[\d\]\.instructions #0$/);
  });
});

describe('v2 review F4 (low): SOL wrapped into an account no one can use', () => {
  // FLAW src/execution/pipeline/match.ts:76 (system rule): the destination may be the agent's
  // "Token-2022 ATA" of the So111... mint, an off-curve address whose token account can never be
  // created (the mint belongs to SPL Token); lamports sent there are lost. FIX (pipeline): compare
  // with associatedTokenAddress(agent, TOKEN_PROGRAM, WSOL_MINT) only (Token-2022's native mint is
  // another mint, 9pan9bMn5HatX4EJdBwg9VgCa7Uz5HL8N1m5D3NdXMBf).
  // FIXED (match.ts system rule, SPEC 10.4.7): only ata(agent, Token, So111...112).
  it('a System transfer to the Token-2022-derived ATA of So111... is refused', async () => {
    const lost = await ata(agent, WSOL, TOKEN22);
    const msg = compile([getTransferSolInstruction({ source: noop, destination: address(lost), amount: 1_000_000_000n }), await route(1_000_000_000n)]);
    const e = explain(msg, swapOrder);
    expect(e.allowed).toBe(false);
    expect(decision(e)).toBe('destination-not-allowed @ wrapSol #0');
  });
});

describe('v2 review F5 (low): evaluateOrder throws a non-AgentvaultError for a hostile mint string', () => {
  // FLAW (fixed) src/execution/policy/order.ts:266 before 3284527: `spot.maxInput[inputMint]` reads inherited properties
  // (maxInput is built by Object.fromEntries); inputMint "constructor" gives a function and
  // BigInt(function) throws SyntaxError. FIXED on v2 by the policy helper (3284527: caps are looked
  // up as own properties only); this test now guards it.
  for (const mint of ['constructor', 'toString', '__proto__']) {
    it(`order.inputMint = ${mint}: a refusal, never a crash`, () => {
      let r: unknown;
      try {
        r = evaluateOrder(policy, { ...swapOrder, inputMint: mint }, undefined, NOW);
      } catch (e) {
        r = e;
      }
      expect(r instanceof AgentvaultError || (typeof r === 'object' && r !== null && (r as { allowed?: unknown }).allowed === false)).toBe(true);
    });
  }
});

describe('v2 review F6 (medium): one checked order, several signatures, each implementing the whole order', () => {
  // FLAW src/execution/signer.ts:185-208: with maxSignatures > 1 each signature is bound to the
  // whole order on its own; nothing accumulates across the signatures of one use, so the bot signs
  // maxSignatures swaps of inputAmount each (up to 16x spot.maxInput), without any budget. FIX
  // (signer): keep per-use running totals of what binds to the order (route amounts bound to
  // inputAmount / baseAmount, wraps, token moves) across calls and refuse ('order-mismatch', rule
  // 'order') once they exceed the order, or allow at most one order-implementing signature per use.
  // FIXED (signer + bindUse, SPEC 10.4.8 "one use"): one order-implementing message per use for a swap or perps order.
  it('a second, distinct swap transaction under the same order is refused', async () => {
    const { signer } = createScopedSigner(Uint8Array.from(agentW.secretKey), agent, policy, { notAfter: Infinity, maxSignatures: 2 }, { order: swapOrder, programs: new Map([[JUPITER_V6_PROGRAM, jupiter]]) });
    const a = compile([await route(1_000_000_000n)]);
    const b = compile([await route(999_999_999n)]);
    const sa = await signer.signTransactionMessage(a);
    expect(nacl.sign.detached.verify(a, sa, agentW.publicKey)).toBe(true);
    await expect(signer.signTransactionMessage(b)).rejects.toThrow(expect.objectContaining({ code: 'SIGNING_REFUSED', details: { reason: 'order-mismatch', rule: 'order' } }));
    // the same bytes again: the same signature, no second swap
    expect(await signer.signTransactionMessage(a)).toEqual(sa);
  });
  it('transfer orders: the transfers of all signatures of one use are summed against the order amount', async () => {
    const p = normalizePolicy(policyInput({ transfers: { destinations: [friend], maxAmount: { [USDC]: '1000' } }, programs: [...natives] }));
    const order = { type: 'transfer', mint: USDC, amount: '1000', destination: friend } as const;
    const { signer } = createScopedSigner(Uint8Array.from(agentW.secretKey), agent, p, { notAfter: Infinity, maxSignatures: 3 }, { order });
    const { getTransferCheckedInstruction } = await import('@solana-program/token');
    const move = async (amount: bigint) =>
      compile([getTransferCheckedInstruction({ source: address(await ata(agent, USDC)), mint: address(USDC), destination: address(await ata(friend, USDC)), authority: noop, amount, decimals: 6 })]);
    await signer.signTransactionMessage(await move(600n));
    await expect(signer.signTransactionMessage(await move(401n))).rejects.toThrow(expect.objectContaining({ details: { reason: 'order-mismatch', rule: 'order.amount' } }));
    expect((await signer.signTransactionMessage(await move(400n))).length).toBe(64);
  });
});

describe('v2 review F7 (medium): the order checked is not the order bound (read twice)', () => {
  // FLAW src/execution/grant.ts:670 and :677: evaluateOrder(policy, o.order, ...) reads the order,
  // then aBoundOrder(o.order) reads it again for the signer. An order object whose fields are
  // getters (or a Proxy) passes evaluateOrder with inputAmount 1 SOL and is bound with 50 SOL; the
  // route taking 50 SOL then signs although spot.maxInput is 1 SOL. FIX (grant): snapshot the order
  // once at the boundary (own enumerable data properties copied into a frozen plain object, getters
  // refused as INVALID_INPUT) and pass that same object to evaluateOrder and aBoundOrder.
  // FIXED (snapshotOrder at the boundary, SPEC 10.4.8): accessors are INVALID_INPUT; one frozen copy is checked and bound.
  it('a getter order that grows after evaluateOrder cannot get a larger route signed', async () => {
    const s = setup(7);
    const input = policyInput({ programs: [...natives, jupiterV6Preset({ maxPlatformFeeBps: 0, maxSlippageBps: 100 })], perps: undefined });
    const summary = summarizePolicy(input);
    const nonces = newNonces();
    const { message } = await issueChallenge({
      purpose: 'enable-execution', domain: DOMAIN, uri: URI, chain: 'mainnet', address: s.owner.address, nonces, now: NOW,
      grant: { bot: BOT, agent: s.agent.address, policyHash: policyHash(input), policySummary: summary },
    });
    const auth = await verifySignedMessage({ message, signature: s.owner.sign(message), nonces, expected: { domain: DOMAIN, uri: URI, chain: 'mainnet', purpose: 'enable-execution' }, now: NOW });
    const grant = await createExecutionGrant({ authorization: auth, vault: s.vault, agentKeyRecord: s.agent.records.agentKey, agentAddress: s.agent.address, policy: input as never, wrapper: wrapperV1(), now: NOW });
    let reads = 0;
    const order = { type: 'swap', inputMint: WSOL, outputMint: USDC, slippageBps: 50 } as Record<string, unknown>;
    Object.defineProperty(order, 'inputAmount', { enumerable: true, get: () => (++reads === 1 ? '1000000000' : '50000000000') });
    const agentAddr = s.agent.address;
    const fixed: Record<string, string> = { tokenProgram: TOKEN, userTransferAuthority: agentAddr, sourceTokenAccount: await ata(agentAddr, WSOL), destinationTokenAccount: await ata(agentAddr, USDC), sourceMint: WSOL, destinationMint: USDC, program: JUPITER_V6_PROGRAM, token2022Program: TOKEN22 };
    const accounts = SHARED_NAMES.map((n, i) => ({ address: address(fixed[n] ?? randomAddress(400 + i)), role: n === 'userTransferAuthority' ? 3 : READONLY.has(n) ? 0 : 1 }));
    const big = { programAddress: address(JUPITER_V6_PROGRAM), accounts, data: encodeIx(jupiterJson, 'sharedAccountsRoute', { id: 0, routePlan: plan, inAmount: 50_000_000_000n, quotedOutAmount: 10n, slippageBps: 50, platformFeeBps: 0 }) } as unknown as Instruction;
    const msg = compile([big], agentAddr);
    await expect(
      withExecutionSigner(
        grant,
        { wrapper: wrapperV1(), policy: input as never, order: order as never, state: {} as never, revocations: newRevocations(), now: NOW + 60_000, expected: { owner: s.owner.address, bot: BOT }, programs: [jupiter] },
        (signer) => signer.signTransactionMessage(msg),
      ),
    ).rejects.toThrow(expect.objectContaining({ code: 'INVALID_INPUT', details: { field: 'order' } }));
    expect(reads).toBe(0);
  });
});

describe('v2 review F8 (low): an order reduceOnly flag is not bound to the transaction', () => {
  // FLAW src/execution/programs/presets/drift.ts:84-90: order.reduceOnly (an OrderV2 field the bot
  // was authorized with) is never compared with params.reduceOnly unless the preset forces
  // reduce-only for every order; a reduce-only order signs a position-opening order. FIX (presets
  // + engine): bind params.reduceOnly to order.reduceOnly when the order carries it (needs an
  // "optional" OrderRef: absent field = no constraint), or require orders to carry reduceOnly.
  // FIXED (driftV2Preset binds params.reduceOnly eq order.reduceOnly; absent = order-unbound; SPEC 10.5.5).
  it('a reduce-only order does not sign a placePerpOrder with reduceOnly false', () => {
    const e = explain(compile([driftIx('placePerpOrder', placeParams({ reduceOnly: false }))]), { ...perpOrder, reduceOnly: true });
    expect(e.allowed).toBe(false);
    expect(e.reason).toBe('arg-mismatch');
    const { reduceOnly: _, ...silent } = perpOrder;
    expect(explain(compile([driftIx('placePerpOrder', placeParams())]), silent).reason).toBe('order-unbound');
    expect(explain(compile([driftIx('placePerpOrder', placeParams({ reduceOnly: true }))]), { ...perpOrder, reduceOnly: true }).allowed).toBe(true);
  });
});

describe('v2 review: wrap + route baseline with the agent ATA helpers (regression guard)', () => {
  it('wrap for the swap input then route: allowed', async () => {
    const w = await ata(agent, WSOL);
    const msg = compile([
      getCreateAssociatedTokenIdempotentInstruction({ payer: noop, ata: address(w), owner: address(agent), mint: address(WSOL) }),
      getTransferSolInstruction({ source: noop, destination: address(w), amount: 1_000_000_000n }),
      getSyncNativeInstruction({ account: address(w) }),
      await route(1_000_000_000n),
    ]);
    expect(decision(explain(msg, swapOrder))).toBe('allowed');
  });
});

describe('v2 review F9 (medium): perps notional and leverage are the bot claim, never tied to the signed size', () => {
  // FLAW src/execution/policy/order.ts:195-212 (perps limits on order.notional / order.leverage as
  // stated by the bot) with src/execution/programs/presets/drift.ts:84-88 (the transaction is bound
  // only to order.baseAmount): nothing relates notional to baseAmount, so an order claiming a tiny
  // notional passes maxPositionNotional / maxLeverage and signs the full preset size; the only cap
  // the transaction obeys (maxBaseAssetAmount) is not in the signed summary (summary.ts:186-190
  // shows instruction names only). FIX (policy): for v2 perps orders require baseAmount and check
  // notional >= baseAmount x state.markPrice / 10^9 (markPrice from the app's own oracle read, a
  // required state field), or express the position cap in base units per market; and render the
  // literal atMost/oneOf constraints of program rules (size cap, fee cap) in the summary.
  // FIXED (evaluateOrder v2 perps: baseAmount and state.markPrice required, notional >= baseAmount x markPrice / 10^9;
  // the summary shows the program rules' literal caps; SPEC 10.3.6, 10.3.7).
  it('an order claiming notional 0.01 for 5 SOL, with the position at 999 of 1000, is not signed', () => {
    const order = { ...perpOrder, notional: '0.01', baseAmount: '5000000000' };
    const d = evaluateOrder(policy, order, { positionNotional: '999', dailyLoss: '0', markPrice: '150' }, NOW);
    expect(d.allowed ? [] : d.violations.map((v) => v.rule)).toContain('order.notional');
    // the size cap the transaction obeys is in the text the user signs
    const s = summarizePolicy(policyInput({ spot: undefined, wrapSol: undefined, programs: [driftV2Preset({ markets: { 'SOL-PERP': 0 }, maxBaseAssetAmount: '5000000000' })] }));
    expect(s).toContain('placePerpOrder (params.baseAssetAmount max 5000000000)');
    const e = explain(compile([driftIx('placePerpOrder', placeParams({ baseAssetAmount: 5_000_000_000n }))]), order);
    expect(d.allowed && e.allowed).toBe(false);
  });
});

describe('v2 review F10 (low): a failure that is not SIGNING_REFUSED leaves no audit event', () => {
  // FLAW src/execution/signer.ts:189-198: only SIGNING_REFUSED errors are audited; a budget store
  // that fails (STORE_UNAVAILABLE, or its own error) or any other error thrown between decode and
  // sign leaves no SigningDecisionEvent, so the hash-chained log misses attempts (a bot can probe
  // while the store is down without a trace). FIX (signer): in the catch, audit every error as
  // allowed: false with reason = details.reason ?? a stable code-derived reason ('store-unavailable',
  // 'internal-error'), never the message text, before rethrowing.
  // FIXED (signer catch audits every failure, SPEC 10.4.11).
  it('a budget store outage is audited as a refusal', async () => {
    const budgeted = normalizePolicy(policyInput({ budgets: [{ scope: 'grant', windowSeconds: 3600, unit: 'signatures', limit: '10' }] }));
    const events: unknown[] = [];
    const down = { spend: async () => Promise.reject(new AgentvaultError('STORE_UNAVAILABLE', 'store down')) };
    const { signer } = createScopedSigner(Uint8Array.from(agentW.secretKey), agent, budgeted, { notAfter: Infinity, maxSignatures: 1 }, {
      order: swapOrder,
      programs: new Map([[JUPITER_V6_PROGRAM, jupiter]]),
      budgets: down,
      audit: (e) => void events.push(e),
      identity: { grantId: 'g', bot: 'bot-1', wallet: agent },
    });
    await expect(signer.signTransactionMessage(compile([await route(1_000_000_000n)]))).rejects.toThrow(AgentvaultError);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ allowed: false, reason: 'store-unavailable' });
    // a store failing with its own (non-library) error: internal-error, the error itself rethrown
    const events2: { reason?: string }[] = [];
    const broken = { spend: async () => Promise.reject(new Error('secret-ish detail')) };
    const s2 = createScopedSigner(Uint8Array.from(agentW.secretKey), agent, budgeted, { notAfter: Infinity, maxSignatures: 1 }, {
      order: swapOrder, programs: new Map([[JUPITER_V6_PROGRAM, jupiter]]), budgets: broken, audit: (e) => void events2.push(e), identity: { grantId: 'g', bot: 'bot-1', wallet: agent },
    }).signer;
    await expect(s2.signTransactionMessage(compile([await route(1_000_000_000n)]))).rejects.toThrow('secret-ish detail');
    expect(events2).toEqual([expect.objectContaining({ allowed: false, reason: 'internal-error' })]);
    expect(JSON.stringify(events2)).not.toContain('secret-ish');
  });
});

describe('v2 review: attacks that are refused (regression guards, no finding)', () => {
  const attacker = testWallet(63).address;
  const signerOf = (a: string) => ({ address: address(a) }) as never;
  it('System: CreateAccount, CreateAccountAllowPrefund, Assign, AdvanceNonce, transfer to another wSOL ATA are refused', async () => {
    const w = await ata(agent, WSOL);
    const cases: Instruction[] = [
      getCreateAccountInstruction({ payer: noop, newAccount: signerOf(randomAddress(5)), lamports: 1n, space: 0, programAddress: address(attacker) }),
      getCreateAccountAllowPrefundInstruction({ payer: noop, newAccount: signerOf(randomAddress(5)), lamports: 1n, space: 0, programAddress: address(attacker) } as never),
      getAssignInstruction({ account: noop, programAddress: address(attacker) }),
      getAdvanceNonceAccountInstruction({ nonceAccount: address(randomAddress(6)), nonceAuthority: noop }),
      getTransferSolInstruction({ source: noop, destination: address(await ata(attacker, WSOL)), amount: 1n }),
      getTransferSolInstruction({ source: signerOf(attacker), destination: address(w), amount: 1n }),
    ];
    for (const ix of cases) {
      const e = explain(compile([ix, await route(1_000_000_000n)]), swapOrder);
      expect(e.allowed, ix.data?.[0]?.toString()).toBe(false);
      expect(e.instructionIndex).toBe(0);
    }
  });
  it('Token-2022 CloseAccount to the attacker is refused; compute-budget fee tricks are capped', async () => {
    const p2 = normalizePolicy(policyInput({ programs: [...natives, { program: TOKEN22, native: 'spl-token-2022', instructions: ['CloseAccount'] }, jupiterV6Preset({ maxPlatformFeeBps: 0 })] }));
    const close = getCloseAccountInstruction({ account: address(await ata(agent, USDC, TOKEN22)), destination: address(attacker), owner: noop }, { programAddress: address(TOKEN22) });
    const e = explainTransaction({ policy: p2, agent, message: compile([close, await route(1_000_000_000n)]), order: swapOrder, programs: [jupiter] });
    expect(decision(e)).toMatch(/^destination-not-allowed @ programs\[\d\]\.instructions #0$/);
    // no SetComputeUnitLimit: the price counts against the 1.4M maximum, not a 200k default
    const noLimit = compile([getSetComputeUnitPriceInstruction({ microLamports: 100_000n }), await route(1_000_000_000n)]);
    expect(decision(explain(noLimit, swapOrder))).toBe('priority-fee-too-high @ maxPriorityFeeLamports');
    const ok = compile([getSetComputeUnitLimitInstruction({ units: 1_000_000 }), getSetComputeUnitPriceInstruction({ microLamports: 100_000n }), await route(1_000_000_000n)]);
    expect(decision(explain(ok, swapOrder))).toBe('allowed');
    // not listed in this policy: refused
    expect(explain(compile([getRequestHeapFrameInstruction({ bytes: 64 * 1024 }), await route(1_000_000_000n)]), swapOrder).allowed).toBe(false);
  });
  it('fail-open options: a misspelt option is INVALID_INPUT; no decoder or another IDL refuses', async () => {
    const msg = compile([await route(1_000_000_000n)]);
    expect(() => explainTransaction({ policy, agent, message: msg, order: swapOrder, programs: [jupiter], lookuptables: {} } as never)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(explainTransaction({ policy, agent, message: msg, order: swapOrder }).reason).toBe('idl-missing');
    const other = createProgramDecoder(jupiterIdl.toString('utf8') + '\n', { program: JUPITER_V6_PROGRAM });
    expect(explainTransaction({ policy, agent, message: msg, order: swapOrder, programs: [other] }).reason).toBe('idl-mismatch');
    // a v2 policy without an order never signs
    expect(explainTransaction({ policy, agent, message: msg, programs: [jupiter] }).allowed).toBe(false);
  });
  it('a route whose optional destinationTokenAccount is the attacker is refused (route, not shared)', async () => {
    const names = ['tokenProgram', 'userTransferAuthority', 'userSourceTokenAccount', 'userDestinationTokenAccount', 'destinationTokenAccount', 'destinationMint', 'platformFeeAccount', 'eventAuthority', 'program'];
    const build = async (dest: string) => {
      const fixed: Record<string, string> = { tokenProgram: TOKEN, userTransferAuthority: agent, userSourceTokenAccount: await ata(agent, WSOL), userDestinationTokenAccount: await ata(agent, USDC), destinationTokenAccount: dest, destinationMint: USDC, platformFeeAccount: JUPITER_V6_PROGRAM, program: JUPITER_V6_PROGRAM };
      const accounts = names.map((n, i) => ({ address: address(fixed[n] ?? randomAddress(500 + i)), role: n === 'userTransferAuthority' ? 3 : fixed[n] === JUPITER_V6_PROGRAM || n === 'tokenProgram' || n === 'destinationMint' ? 0 : 1 }));
      return { programAddress: address(JUPITER_V6_PROGRAM), accounts, data: encodeIx(jupiterJson, 'route', { routePlan: plan, inAmount: 1_000_000_000n, quotedOutAmount: 1n, slippageBps: 50, platformFeeBps: 0 }) } as unknown as Instruction;
    };
    expect(decision(explain(compile([await build(JUPITER_V6_PROGRAM)]), swapOrder))).toBe('allowed');
    expect(explain(compile([await build(await ata(attacker, USDC))]), swapOrder).reason).toBe('account-mismatch');
  });
});

describe('v2 review F11 (medium): a cancel order for one market cancels any order by id (a stop-loss elsewhere)', () => {
  // FLAW src/execution/programs/presets/drift.ts:104 (cancelOrder: for ['cancel'], authority only):
  // cancelOrder names no market, so a cancel order for SOL-PERP signs the cancellation of any open
  // order of the user, e.g. a BTC-PERP stop-loss placed by hand, which the policy's cancel-for-a-
  // market semantics (and cancelOrders' market binding) do not allow. FIX (presets, same as
  // modifyOrder): make cancelOrder opt-in (`allowCancelById`, default false) so the default preset
  // cancels only through cancelOrders bound to the order's market. Not applied here because the
  // pipeline helper's tests (pipeline.test.ts:294, pipeline-grant.test.ts:169) and
  // vectors/programs.json use cancelOrder with the default preset and must be updated together.
  // FIXED (driftV2Preset `allowCancelById`, default false; SPEC 10.5.5).
  it('a SOL-PERP cancel order does not sign cancelOrder of an arbitrary order id', () => {
    const e = explain(compile([driftIx('cancelOrder', { orderId: { __option: 'Some', value: 4242 } })]), { type: 'cancel', market: 'SOL-PERP' });
    expect(e.allowed).toBe(false);
    expect(e.reason).toBe('instruction-not-allowed');
  });
});

describe('v2 review F12 (low): a program rule name can imitate the address rendering in the signed summary', () => {
  // FLAW src/execution/policy/v2.ts:100 (PROGRAM_NAME_RE allows '.', so "Jupiter v6 JUP6Lk..yVTaV4"
  // is a valid name) with summary.ts:189 (`${name} ${addr(program)}` unquoted): an app-written
  // rule for another program reads, in the statement the user signs, as the real Jupiter program
  // followed by noise. FIX (policy): refuse '..' (or any address-like token of 6+6 base58 chars
  // around '..') in names, or render names quoted / after the address (`JUP6Lk..yVTaV4 ("name")`).
  // FIXED (v2.ts program name rule, SPEC 10.3.5).
  it('a name containing the Jupiter address rendering is refused', () => {
    const fake = { program: randomAddress(900), name: 'Jupiter v6 JUP6Lk..yVTaV4 route', idlSha256: 'ab'.repeat(32), instructions: { withdraw: { for: ['swap'] } } };
    let refused = false;
    try {
      summarizePolicy(policyInput({ programs: [...natives, fake], perps: undefined }));
    } catch (e) {
      refused = e instanceof AgentvaultError;
    }
    expect(refused).toBe(true);
    for (const name of ['JUP6LkbZbjS1jKKwapdHNy74zcZ3tLUZoi5QNyVTaV4', 'a..b'])
      expect(() => normalizePolicy(policyInput({ programs: [...natives, { ...fake, name }], perps: undefined }))).toThrow(expect.objectContaining({ code: 'POLICY_INVALID' }));
    expect(normalizePolicy(policyInput({ programs: [...natives, { ...fake, name: 'My venue v1.2' }], perps: undefined })).v).toBe(2);
  });
});

describe('v2 review F13 (low): explainTransaction says allowed for an order the signer would refuse', () => {
  // FLAW src/execution/pipeline/explain.ts:64-65: explain binds the order (aBoundOrder) but never
  // evaluates it against the policy (pairs, spot.maxInput, slippage, window), so a route of 100 SOL
  // under a 100 SOL order is "allowed" while withExecutionSigner refuses the order (POLICY_VIOLATION).
  // An app using explain as its gate or log reports a decision the signer does not take. FIX
  // (pipeline): in explainTransaction, for v2 run evaluateOrder(policy, order, state?, now?) first
  // (new optional `state` and `now` options; perps without state -> refused 'order-refused') and
  // return allowed: false with reason 'order-refused' and rule = the first violation's rule.
  // FIXED (explainTransaction runs evaluateOrder first, SPEC 10.4.11).
  it('a swap above spot.maxInput is not explained as allowed', async () => {
    const big = { ...swapOrder, inputAmount: '100000000000' };
    expect(evaluateOrder(policy, big, undefined, NOW).allowed).toBe(false);
    expect(decision(explain(compile([await route(100_000_000_000n)]), big))).toBe(`order-refused @ spot.maxInput.${WSOL}`);
    // perps orders need the account state, as withExecutionSigner does
    expect(explainTransaction({ policy, agent, message: compile([driftIx('placePerpOrder', placeParams())]), order: perpOrder, programs: [drift], now: NOW }).reason).toBe('order-refused');
  });
});

describe('v2 review F14 (medium): with a platform fee allowed, the bot picks who receives it', () => {
  // FLAW src/execution/programs/presets/jupiter.ts:43-70: `platformFeeBps` is capped but
  // `platformFeeAccount` is not constrained, so with maxPlatformFeeBps > 0 (an app's own fee) a bot
  // routes the fee (up to 2.55% of every swap) to a token account of the attacker. FIX (presets;
  // patch in the review report, not applied because it shifts the sorted constraint index in
  // pipeline.test.ts:347, 'route.accounts[1]' -> 'route.accounts[2]', a file of the pipeline
  // helper): option `platformFeeAccounts` (<= 16 addresses, only with maxPlatformFeeBps > 0) and,
  // when maxPlatformFeeBps > 0, `{ account: 'platformFeeAccount', oneOf: [JUP program id (None),
  // ...platformFeeAccounts] }` on route, sharedAccountsRoute and sharedAccountsExactOutRoute.
  // FIXED (jupiterV6Preset `platformFeeAccounts`, SPEC 10.5.5).
  it('a 50 bps fee to the attacker token account is refused', async () => {
    const policyFee = normalizePolicy(policyInput({ programs: [...natives, jupiterV6Preset({ maxPlatformFeeBps: 50 })], perps: undefined }));
    const attackerFee = await ata(testWallet(64).address, USDC);
    const ix = (await sharedRoute('sharedAccountsRoute', { inAmount: 1_000_000_000n, quotedOutAmount: 10n, slippageBps: 50, platformFeeBps: 50 })) as unknown as { accounts: { address: unknown; role: number }[] };
    const accounts = ix.accounts.map((a, i) => (SHARED_NAMES[i] === 'platformFeeAccount' ? { address: address(attackerFee), role: 1 } : a));
    const message = compile([{ ...ix, accounts } as unknown as Instruction]);
    const e = explainTransaction({ policy: policyFee, agent, message, order: swapOrder, programs: [jupiter] });
    expect(e.allowed).toBe(false);
    expect(e.reason).toBe('account-mismatch');
    // the fee account the user listed is accepted
    const listed = normalizePolicy(policyInput({ programs: [...natives, jupiterV6Preset({ maxPlatformFeeBps: 50, platformFeeAccounts: [attackerFee] })], perps: undefined }));
    expect(explainTransaction({ policy: listed, agent, message, order: swapOrder, programs: [jupiter] }).allowed).toBe(true);
    expect(() => jupiterV6Preset({ maxPlatformFeeBps: 0, platformFeeAccounts: [attackerFee] })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});
