import { beforeAll, describe, expect, it } from 'vitest';
import { checkInstructionRule, type ConstraintContext } from '../../../src/execution/programs/constraints.js';
import { createProgramDecoder } from '../../../src/execution/programs/idl/index.js';
import { DRIFT_V2_IDL_SHA256, driftV2Preset } from '../../../src/execution/programs/presets/drift.js';
import { JUPITER_V6_IDL_SHA256, jupiterV6Preset } from '../../../src/execution/programs/presets/jupiter.js';
import type { DecodedInstruction } from '../../../src/execution/programs/types.js';
import type { InstructionRule, OrderV2, ProgramRule } from '../../../src/execution/policy/types.js';
import { ataAddress, dataOf, DRIFT, driftIdl, driftIdlBytes, encodeIx, JUP, jupiterIdl, jupiterIdlBytes, makeAtaOf, randomAddress, realTxs, USDC, WSOL } from './_fixtures.js';

const jupiter = createProgramDecoder(jupiterIdlBytes, { program: JUP });
const drift = createProgramDecoder(driftIdlBytes, { program: DRIFT });
const jupPreset = jupiterV6Preset({ maxPlatformFeeBps: 0, maxSlippageBps: 5000, exactOut: true, decoder: jupiter });
const driftPreset = driftV2Preset({ markets: { 'SOL-PERP': 0, 'BTC-PERP': 1 }, maxBaseAssetAmount: '5000000000', allowModify: true, allowCancelById: true, decoder: drift });
const rulesOf = (p: ProgramRule): Record<string, InstructionRule> => (p as { instructions: Record<string, InstructionRule> }).instructions;

/** Decode with our decoder and decide with the engine, the way the pipeline's match stage does. */
function decide(p: ProgramRule, i: number, ix: DecodedInstruction, ctx: Omit<ConstraintContext, 'path'>) {
  const rule = rulesOf(p)[ix.name];
  if (!rule) return { reason: 'instruction-not-allowed', rule: `programs[${i}].instructions` };
  return checkInstructionRule(rule, ix, { ...ctx, path: `programs[${i}].instructions.${ix.name}` });
}
const asIx = (program: string, index: number, d: ReturnType<typeof jupiter.decode>): DecodedInstruction => ({ index, program, ...d });

let ataOf: ConstraintContext['ataOf'];
const agent = randomAddress(100);
const attacker = randomAddress(666);
beforeAll(async () => {
  const pairs: [string, string][] = [];
  for (const tx of realTxs()) for (const a of tx.all) if (a) pairs.push([tx.feePayer, a]);
  for (const m of [WSOL, USDC]) pairs.push([agent, m], [attacker, m]);
  ataOf = await makeAtaOf(pairs);
});

describe('presets are data pinned to the shared IDLs', () => {
  it('pins the hashes and names only instructions, args and accounts that exist in the IDL', () => {
    expect(jupPreset).toMatchObject({ program: JUP, idlSha256: JUPITER_V6_IDL_SHA256 });
    expect(driftPreset).toMatchObject({ program: DRIFT, idlSha256: DRIFT_V2_IDL_SHA256 });
    for (const [p, idl] of [[jupPreset, jupiterIdl], [driftV2Preset({ markets: { 'SOL-PERP': 0 }, maxBaseAssetAmount: '1', allowModify: true, allowPlaceAndTake: true, reduceOnly: true }), driftIdl]] as const) {
      for (const [name, rule] of Object.entries(rulesOf(p))) {
        const ix = idl.instructions.find((x: { name: string }) => x.name === name);
        expect(ix, name).toBeDefined();
        for (const a of rule.accounts ?? []) expect(ix.accounts.map((x: { name: string }) => x.name)).toContain(a.account);
        for (const c of rule.args ?? []) expect(ix.args.map((x: { name: string }) => x.name)).toContain(c.path.split('.')[0]);
      }
    }
    expect(Object.isFrozen(rulesOf(jupPreset)['route']!.accounts)).toBe(true);
    expect(Object.keys(rulesOf(jupPreset)).sort()).toEqual(['route', 'sharedAccountsExactOutRoute', 'sharedAccountsRoute']);
    expect(Object.keys(rulesOf(driftPreset)).sort()).toEqual(['cancelOrder', 'cancelOrders', 'modifyOrder', 'placePerpOrder']);
    // review F2/F3: modifyOrder (no market) and ExactOut (input above the quote by the slippage) are opt-in
    expect(Object.keys(rulesOf(jupiterV6Preset({ maxPlatformFeeBps: 0 }))).sort()).toEqual(['route', 'sharedAccountsRoute']);
    // review F11: cancelOrder (by id, no market) is opt-in too
    expect(Object.keys(rulesOf(driftV2Preset({ markets: { 'SOL-PERP': 0 }, maxBaseAssetAmount: '1' }))).sort()).toEqual(['cancelOrders', 'placePerpOrder']);
    expect(() => driftV2Preset({ markets: { 'SOL-PERP': 0 }, maxBaseAssetAmount: '1', allowModify: 1 } as never)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
  it('refuses a decoder of another IDL, unknown options, bad values', () => {
    const other = createProgramDecoder(driftIdlBytes.toString('utf8') + ' ', { program: DRIFT });
    for (const f of [
      () => driftV2Preset({ markets: { 'SOL-PERP': 0 }, maxBaseAssetAmount: '1', decoder: other }),
      () => jupiterV6Preset({ maxPlatformFeeBps: 0, decoder: drift }),
      () => jupiterV6Preset({ maxPlatformFeeBps: 300 }),
      () => jupiterV6Preset({ maxPlatformFeeBps: 0, extra: 1 } as never),
      () => driftV2Preset({ markets: {}, maxBaseAssetAmount: '1' }),
      () => driftV2Preset({ markets: { 'SOL-PERP': 70000 }, maxBaseAssetAmount: '1' }),
      () => driftV2Preset({ markets: { 'SOL-PERP': 0 }, maxBaseAssetAmount: '01' }),
      () => driftV2Preset({ markets: { 'SOL-PERP': 0 }, maxBaseAssetAmount: '1', directions: [] }),
    ])
      expect(() => f()).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});

describe('six mainnet transactions, fee payer as the agent', () => {
  const swapOrder = (inputMint: string, outputMint: string, inputAmount: bigint, slippageBps: number): OrderV2 => ({
    type: 'swap', inputMint, outputMint, inputAmount: inputAmount.toString(), slippageBps,
  });
  const routeCases: { file: string; nth: number; inputMint: string; outputMint: string }[] = [
    { file: 'jupiter-2BppD7ZqzcCp.json', nth: 0, inputMint: WSOL, outputMint: WSOL },
    { file: 'jupiter-4cWStqraSHpM.json', nth: 0, inputMint: WSOL, outputMint: '2mNz73' },
    { file: 'jupiter-4cWStqraSHpM.json', nth: 1, inputMint: '2mNz73', outputMint: WSOL },
  ];
  for (const c of routeCases) {
    it(`${c.file} route #${c.nth}: allowed for its order; refused once the destination is someone else's`, () => {
      const tx = realTxs().find((t) => t.file === c.file)!;
      const raw = tx.ixs.filter((x) => x.programId === JUP)[c.nth]!;
      const accounts = raw.accountIndexes.map((i) => tx.all[i]);
      const full = (short: string) => (short.length < 32 ? tx.all.find((a) => a?.startsWith(short))! : short);
      const d = jupiter.decode(dataOf(raw), accounts);
      const args = d.args as { inAmount: bigint; slippageBps: bigint };
      const order = swapOrder(full(c.inputMint), full(c.outputMint), args.inAmount, Number(args.slippageBps));
      const ctx = { agent: tx.feePayer, order, ataOf };
      expect(decide(jupPreset, 0, asIx(JUP, 0, d), ctx)).toBeUndefined();
      // A smaller order than the route's amount: refused on inAmount.
      expect(decide(jupPreset, 0, asIx(JUP, 0, d), { ...ctx, order: { ...order, inputAmount: (args.inAmount - 1n).toString() } as OrderV2 })).toMatchObject({
        reason: 'arg-mismatch', rule: 'programs[0].instructions.route.args[0]',
      });
      // The output token account replaced by the attacker's ATA for the same mint.
      const dest = accounts.slice();
      dest[3] = [...ataOf(attacker, order.type === 'swap' ? order.outputMint : '')][0] ?? attacker;
      const d2 = jupiter.decode(dataOf(raw), dest);
      expect(decide(jupPreset, 0, asIx(JUP, 0, d2), ctx)).toMatchObject({ reason: 'account-mismatch', rule: 'programs[0].instructions.route.accounts[2]' });
      // Some(destinationTokenAccount): output redirected through the optional account.
      const redirect = accounts.slice();
      redirect[4] = attacker;
      expect(decide(jupPreset, 0, asIx(JUP, 0, jupiter.decode(dataOf(raw), redirect)), ctx)).toMatchObject({
        reason: 'account-mismatch', rule: 'programs[0].instructions.route.accounts[3]',
      });
      // Someone else as the transfer authority (the fee payer is not the signer the rule expects).
      expect(decide(jupPreset, 0, asIx(JUP, 0, d), { ...ctx, agent: attacker })).toMatchObject({ reason: 'account-mismatch' });
    });
  }

  it('the three routes through AMMs newer than the pinned IDL are refused while decoding (instruction-data-invalid)', () => {
    for (const file of ['jupiter-2kai9Wa4rc43.json', 'jupiter-3LF4ABXfbETv.json', 'jupiter-GCeRpjvfNXZB.json']) {
      const tx = realTxs().find((t) => t.file === file)!;
      const raw = tx.ixs.find((x) => x.programId === JUP)!;
      expect(() => jupiter.decode(dataOf(raw), raw.accountIndexes.map((i) => tx.all[i]))).toThrow(
        expect.objectContaining({ code: 'SIGNING_REFUSED', details: { reason: 'instruction-data-invalid' } }),
      );
    }
  });

  it('drift-24iGSgbnUUpL: cancelOrders allowed for a BTC-PERP cancel order; placeOrders refused (not in the preset)', () => {
    const tx = realTxs().find((t) => t.file === 'drift-24iGSgbnUUpL.json')!;
    const [cancel, place] = tx.ixs.filter((x) => x.programId === DRIFT).map((raw) => jupiterLess(raw));
    function jupiterLess(raw: (typeof tx.ixs)[number]): DecodedInstruction {
      return asIx(DRIFT, 0, drift.decode(dataOf(raw), raw.accountIndexes.map((i) => tx.all[i])));
    }
    const ctx = { agent: tx.feePayer, order: { type: 'cancel', market: 'BTC-PERP' } as OrderV2, ataOf };
    expect(decide(driftPreset, 1, cancel!, ctx)).toBeUndefined();
    expect(decide(driftPreset, 1, cancel!, { ...ctx, order: { type: 'cancel', market: 'SOL-PERP' } })).toMatchObject({
      reason: 'arg-mismatch', rule: 'programs[1].instructions.cancelOrders.args[1]',
    });
    expect(decide(driftPreset, 1, place!, ctx)).toEqual({ reason: 'instruction-not-allowed', rule: 'programs[1].instructions' });
    // Its `user` account is behind an unresolved lookup table in this record; `authority` is static.
    expect(cancel!.accounts['authority']).toBe(tx.feePayer);
    expect(decide(driftPreset, 1, cancel!, { ...ctx, agent: attacker })).toMatchObject({ reason: 'account-mismatch', rule: 'programs[1].instructions.cancelOrders.accounts[0]' });
  });
});

describe('Drift orders built by Codama', () => {
  const accts = [randomAddress(1), randomAddress(2), agent];
  const place = (p: Partial<Record<string, unknown>> = {}) =>
    asIx(DRIFT, 2, drift.decode(encodeIx(driftIdl, 'placePerpOrder', {
      params: {
        orderType: 'market', marketType: 'perp', direction: 'long', userOrderId: 0, baseAssetAmount: 1_000_000_000n, price: 0n, marketIndex: 0,
        reduceOnly: false, postOnly: 'none', bitFlags: 0, maxTs: null, triggerPrice: null, triggerCondition: 'above', oraclePriceOffset: null,
        auctionDuration: null, auctionStartPrice: null, auctionEndPrice: null, ...p,
      },
    }), accts));
  const order: OrderV2 = { type: 'market', market: 'SOL-PERP', side: 'buy', notional: '150', leverage: '1', baseAmount: '1000000000', reduceOnly: false };
  const ctx = () => ({ agent, order, ataOf });
  const P = 'programs[0].instructions.placePerpOrder';
  it('an honest order is allowed', () => expect(decide(driftPreset, 0, place(), ctx())).toBeUndefined());
  it('each deviation names its rule', () => {
    expect(decide(driftPreset, 0, place({ marketIndex: 5 }), ctx())).toMatchObject({ reason: 'arg-mismatch', rule: `${P}.args[1]` });
    expect(decide(driftPreset, 0, place({ marketIndex: 1 }), ctx())).toMatchObject({ reason: 'arg-mismatch', rule: `${P}.args[2]` });
    expect(decide(driftPreset, 0, place({ orderType: 'limit' }), ctx())).toMatchObject({ reason: 'arg-mismatch', rule: `${P}.args[3]` });
    expect(decide(driftPreset, 0, place({ direction: 'short' }), ctx())).toMatchObject({ reason: 'arg-mismatch', rule: `${P}.args[5]` });
    expect(decide(driftPreset, 0, place({ baseAssetAmount: 6_000_000_000n }), { ...ctx(), order: { ...order, baseAmount: '9000000000' } })).toMatchObject({ reason: 'arg-mismatch', rule: `${P}.args[6]` });
    expect(decide(driftPreset, 0, place({ baseAssetAmount: 1_000_000_001n }), ctx())).toMatchObject({ reason: 'arg-mismatch', rule: `${P}.args[7]` });
    expect(decide(driftPreset, 0, place({ marketType: 'spot' }), ctx())).toMatchObject({ reason: 'arg-mismatch', rule: `${P}.args[0]` });
    const { baseAmount: _b, ...noSize } = order as { baseAmount: string };
    expect(decide(driftPreset, 0, place(), { ...ctx(), order: noSize as OrderV2 })).toMatchObject({ reason: 'order-unbound', rule: `${P}.args[7]` });
    expect(decide(driftPreset, 0, place(), { ...ctx(), order: { type: 'cancel', market: 'SOL-PERP' } })).toMatchObject({ reason: 'order-kind', rule: `${P}.for` });
  });
  it('reduceOnly and directions as configured; withdraw and transferDeposit are absent', () => {
    const ro = driftV2Preset({ markets: { 'SOL-PERP': 0 }, maxBaseAssetAmount: '5000000000', reduceOnly: true, directions: ['long'] });
    expect(decide(ro, 0, place(), ctx())).toMatchObject({ reason: 'arg-mismatch', rule: `${P}.args[8]` });
    expect(decide(ro, 0, place({ reduceOnly: true }), { ...ctx(), order: { ...order, reduceOnly: true } })).toBeUndefined();
    expect(decide(ro, 0, place({ reduceOnly: true, direction: 'short' }), { ...ctx(), order: { ...order, side: 'sell', reduceOnly: true } })).toMatchObject({ rule: `${P}.args[4]` });
    const w = asIx(DRIFT, 1, drift.decode(encodeIx(driftIdl, 'withdraw', { marketIndex: 0, amount: 1n, reduceOnly: false }), [...accts, ...accts, agent, agent]));
    expect(decide(driftPreset, 0, w, ctx())).toEqual({ reason: 'instruction-not-allowed', rule: 'programs[0].instructions' });
    expect(rulesOf(driftPreset)['transferDeposit']).toBeUndefined();
  });
  it('cancel orders: cancelOrders must name the order market (None = every market is refused); cancelOrder is allowed when opted in', () => {
    const cancel: OrderV2 = { type: 'cancel', market: 'BTC-PERP' };
    const co = (marketIndex: unknown) =>
      asIx(DRIFT, 0, drift.decode(encodeIx(driftIdl, 'cancelOrders', { marketType: { __option: 'Some', value: 'perp' }, marketIndex, direction: { __option: 'None' } }), accts));
    expect(decide(driftPreset, 0, co({ __option: 'Some', value: 1 }), { agent, order: cancel, ataOf })).toBeUndefined();
    expect(decide(driftPreset, 0, co({ __option: 'None' }), { agent, order: cancel, ataOf })).toMatchObject({ reason: 'arg-mismatch', rule: 'programs[0].instructions.cancelOrders.args[1]' });
    expect(decide(driftPreset, 0, co({ __option: 'Some', value: 1 }), { agent, order: { type: 'cancel', market: 'ETH-PERP' }, ataOf })).toMatchObject({ reason: 'order-unbound' });
    const one = asIx(DRIFT, 0, drift.decode(encodeIx(driftIdl, 'cancelOrder', { orderId: { __option: 'None' } }), accts));
    expect(decide(driftPreset, 0, one, { agent, order: cancel, ataOf })).toBeUndefined();
    expect(decide(driftPreset, 0, one, ctx())).toMatchObject({ reason: 'order-kind', rule: 'programs[0].instructions.cancelOrder.for' });
  });
  it('modifyOrder must restate direction and size (Some) within the order', () => {
    const mod = (m: Record<string, unknown>) =>
      asIx(DRIFT, 0, drift.decode(encodeIx(driftIdl, 'modifyOrder', {
        orderId: { __option: 'Some', value: 3 },
        modifyOrderParams: Object.fromEntries(
          ['direction', 'baseAssetAmount', 'price', 'reduceOnly', 'postOnly', 'bitFlags', 'maxTs', 'triggerPrice', 'triggerCondition', 'oraclePriceOffset', 'auctionDuration', 'auctionStartPrice', 'auctionEndPrice', 'policy'].map((k) => [k, k in m ? { __option: 'Some', value: m[k] } : { __option: 'None' }]),
        ),
      }), accts));
    expect(decide(driftPreset, 0, mod({ direction: 'long', baseAssetAmount: 1_000_000_000n, reduceOnly: false }), ctx())).toBeUndefined();
    // review F8: reduceOnly is bound to the order, so it must be restated (None is refused)
    expect(decide(driftPreset, 0, mod({ direction: 'long', baseAssetAmount: 1_000_000_000n }), ctx())).toMatchObject({ reason: 'arg-mismatch', rule: 'programs[0].instructions.modifyOrder.args[4]' });
    expect(decide(driftPreset, 0, mod({ baseAssetAmount: 1n }), ctx())).toMatchObject({ reason: 'arg-mismatch', rule: 'programs[0].instructions.modifyOrder.args[0]' });
    expect(decide(driftPreset, 0, mod({ direction: 'long' }), ctx())).toMatchObject({ reason: 'arg-type', rule: 'programs[0].instructions.modifyOrder.args[2]' });
  });
});

describe('Jupiter routes built by Codama (sharedAccounts, ExactOut)', () => {
  const names = ['tokenProgram', 'programAuthority', 'userTransferAuthority', 'sourceTokenAccount', 'programSourceTokenAccount', 'programDestinationTokenAccount', 'destinationTokenAccount', 'sourceMint', 'destinationMint', 'platformFeeAccount', 'token2022Program', 'eventAuthority', 'program'];
  it('sharedAccountsExactOutRoute binds quotedInAmount to the order and the destination to the agent ATA', async () => {
    const srcAta = await ataAddress(agent, WSOL);
    const dstAta = await ataAddress(agent, USDC);
    const accounts = names.map((n, i) => ({ userTransferAuthority: agent, sourceTokenAccount: srcAta, destinationTokenAccount: dstAta, sourceMint: WSOL, destinationMint: USDC })[n] ?? randomAddress(i));
    const data = encodeIx(jupiterIdl, 'sharedAccountsExactOutRoute', { id: 0, routePlan: [{ swap: { __kind: 'Raydium' }, percent: 100, inputIndex: 0, outputIndex: 1 }], outAmount: 10_000_000n, quotedInAmount: 70_000_000n, slippageBps: 50, platformFeeBps: 0 });
    const ix = asIx(JUP, 3, jupiter.decode(data, accounts));
    const order: OrderV2 = { type: 'swap', inputMint: WSOL, outputMint: USDC, inputAmount: '70000000', slippageBps: 50 };
    const X = 'programs[0].instructions.sharedAccountsExactOutRoute';
    expect(decide(jupPreset, 0, ix, { agent, order, ataOf })).toBeUndefined();
    expect(decide(jupPreset, 0, ix, { agent, order: { ...order, inputAmount: '69999999' }, ataOf })).toMatchObject({ reason: 'arg-mismatch', rule: `${X}.args[0]` });
    expect(decide(jupPreset, 0, ix, { agent, order: { ...order, slippageBps: 10 }, ataOf })).toMatchObject({ reason: 'arg-mismatch', rule: `${X}.args[1]` });
    expect(decide(jupPreset, 0, ix, { agent, order: { ...order, outputMint: WSOL }, ataOf })).toMatchObject({ reason: 'account-mismatch', rule: `${X}.accounts[2]` });
    const fee = asIx(JUP, 3, jupiter.decode(encodeIx(jupiterIdl, 'sharedAccountsExactOutRoute', { id: 0, routePlan: [], outAmount: 1n, quotedInAmount: 1n, slippageBps: 50, platformFeeBps: 1 }), accounts));
    expect(decide(jupPreset, 0, fee, { agent, order, ataOf })).toMatchObject({ reason: 'arg-mismatch', rule: `${X}.args[3]` });
    const unresolved = accounts.slice();
    (unresolved as (string | undefined)[])[6] = undefined;
    expect(decide(jupPreset, 0, asIx(JUP, 3, jupiter.decode(data, unresolved)), { agent, order, ataOf })).toMatchObject({ reason: 'account-unresolved', rule: `${X}.accounts[2]` });
    expect(decide(jupiterV6Preset({ maxPlatformFeeBps: 0, exactOut: false }), 0, ix, { agent, order, ataOf })).toMatchObject({ reason: 'instruction-not-allowed' });
  });
});

describe('through the policy normalizer', () => {
  it('a v2 policy carrying both presets normalizes with the same instruction rules', async () => {
    const { normalizePolicy } = await import('../../../src/execution/policy/index.js');
    const p = normalizePolicy({ v: 2, enabled: true, killSwitch: false, programs: [jupPreset, driftPreset] } as never) as unknown as { programs: { instructions: Record<string, unknown> }[] };
    expect(Object.keys(p.programs[0]!.instructions).sort()).toEqual(Object.keys(rulesOf(jupPreset)).sort());
    expect(Object.keys(p.programs[1]!.instructions).sort()).toEqual(Object.keys(rulesOf(driftPreset)).sort());
  });
});
