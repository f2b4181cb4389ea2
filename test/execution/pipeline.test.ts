/**
 * The v2 signing pipeline (SPEC 10.4) on REAL bytes: instructions built by `@solana-program/system`,
 * `@solana-program/token` (Token-2022 through its `programAddress` option: the two programs share
 * the Transfer/TransferChecked layouts, and no `@solana-program/token-2022` release supports Kit 8),
 * `@solana-program/compute-budget`, Anchor instructions encoded by Codama from the IDLs, messages
 * compiled and encoded by `@solana/kit` 8; the six real mainnet transactions of ../shared/txs.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
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
  getBurnInstruction,
  getCloseAccountInstruction,
  getCreateAssociatedTokenIdempotentInstruction,
  getSetAuthorityInstruction,
  getSyncNativeInstruction,
  getTransferCheckedInstruction,
  getTransferInstruction,
  AuthorityType,
} from '@solana-program/token';
import fc from 'fast-check';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { asOrder, asPolicy } from '../helpers/untyped.js';
import { AgentvaultError } from '../../src/errors.js';
import { normalizePolicy } from '../../src/execution/policy/index.js';
import { explainTransaction } from '../../src/execution/pipeline/explain.js';
import { createProgramDecoder } from '../../src/execution/programs/idl/decoder.js';
import { driftV2Preset, DRIFT_V2_PROGRAM } from '../../src/execution/programs/presets/drift.js';
import { jupiterV6Preset, JUPITER_V6_PROGRAM } from '../../src/execution/programs/presets/jupiter.js';
import { createScopedSigner } from '../../src/execution/signer.js';
import type { AuditEvent, BudgetSpend, BudgetStore } from '../../src/execution/index.js';
import { associatedTokenAddress, findProgramAddress } from '../../src/execution/transaction/ata.js';
import { expectCodeAsync } from '../helpers/errors.js';
import { testWallet } from '../helpers/wallet.js';
import { encodeIx, randomAddress } from './programs/_fixtures.js';

const SHARED = fileURLToPath(new URL('../../../shared/', import.meta.url));
const SYSTEM = '11111111111111111111111111111111';
const TOKEN = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA';
const TOKEN22 = 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb';
const ATA_PROGRAM = 'ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL';
const CB = 'ComputeBudget111111111111111111111111111111';
const WSOL = 'So11111111111111111111111111111111111111112';
const USDC = 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v';
const BH = '4vJ9JU1bJJE96FWSJKvHsmmFADCg4gpZQff4P3bkLKi';

const agentW = testWallet(41);
const agent = agentW.address;
const friend = testWallet(42).address;
const attacker = testWallet(43).address;
const noop = { address: address(agent) } as never; // a TransactionSigner stand-in: Kit only reads `.address` when compiling
const signerOf = (a: string) => ({ address: address(a) }) as never;

async function ata(owner: string, mint: string, tokenProgram = TOKEN): Promise<string> {
  const [pda] = await findAssociatedTokenPda({ owner: address(owner), mint: address(mint), tokenProgram: address(tokenProgram) });
  return pda;
}
/** Kit-compiled message bytes. */
function compile(ixs: Instruction[], opts: { version?: 'legacy' | 0; tables?: Record<string, string[]>; payer?: string } = {}): Uint8Array {
  let m = pipe(
    createTransactionMessage({ version: opts.version ?? 0 }),
    (x) => setTransactionMessageFeePayer(address(opts.payer ?? agent), x),
    (x) => setTransactionMessageLifetimeUsingBlockhash({ blockhash: blockhash(BH), lastValidBlockHeight: 1n }, x),
    (x) => appendTransactionMessageInstructions(ixs, x),
  );
  if (opts.tables)
    m = compressTransactionMessageUsingAddressLookupTables(
      m as never,
      Object.fromEntries(Object.entries(opts.tables).map(([t, l]) => [t, l.map((a) => address(a))])) as Record<Address, Address[]>,
    ) as never;
  return Uint8Array.from(getCompiledTransactionMessageEncoder().encode(compileTransactionMessage(m)));
}

const natives = (over: Partial<Record<string, string[]>> = {}) => [
  { program: SYSTEM, native: 'system', instructions: over['system'] ?? ['Transfer'] },
  { program: TOKEN, native: 'spl-token', instructions: over['spl-token'] ?? ['CloseAccount', 'SyncNative', 'Transfer', 'TransferChecked'] },
  { program: TOKEN22, native: 'spl-token-2022', instructions: over['spl-token-2022'] ?? ['Transfer', 'TransferChecked'] },
  { program: ATA_PROGRAM, native: 'associated-token', instructions: ['CreateIdempotent'] },
  { program: CB, native: 'compute-budget', instructions: ['SetComputeUnitLimit', 'SetComputeUnitPrice'] },
];
const jupiterIdl = readFileSync(`${SHARED}idl/jupiter-v6.json`);
const driftIdl = readFileSync(`${SHARED}idl/drift-v2.json`);
const jupiter = createProgramDecoder(jupiterIdl, { program: JUPITER_V6_PROGRAM });
const drift = createProgramDecoder(driftIdl, { program: DRIFT_V2_PROGRAM });
const jupiterJson = JSON.parse(jupiterIdl.toString('utf8'));
const driftJson = JSON.parse(driftIdl.toString('utf8'));

function policyV2(extra: Record<string, unknown> = {}) {
  return normalizePolicy(asPolicy({
    v: 2,
    enabled: true,
    killSwitch: false,
    maxPriorityFeeLamports: '100000',
    wrapSol: { maxLamports: '2000000000' },
    spot: { pairs: [{ inputMint: WSOL, outputMint: USDC }], maxInput: { [WSOL]: '2000000000' }, maxSlippageBps: 100 },
    transfers: { maxAmount: { [USDC]: '5000000' }, destinations: [friend] },
    perps: { markets: ['SOL-PERP'], orderTypes: ['market', 'cancel'], maxLeverage: '2', maxPositionNotional: '1000', maxSlippageBps: 100, dailyLossLimit: '0' },
    programs: [...natives(), jupiterV6Preset({ maxPlatformFeeBps: 0 }), driftV2Preset({ markets: { 'SOL-PERP': 0 }, maxBaseAssetAmount: '5000000000' })],
    ...extra,
  }));
}
const policy = policyV2();
const transferOrder = { type: 'transfer', mint: USDC, amount: '5000000', destination: friend } as const;
const swapOrder = { type: 'swap', inputMint: WSOL, outputMint: USDC, inputAmount: '1000000000', slippageBps: 50 } as const;
const explain = (message: Uint8Array, order: unknown, extra: Record<string, unknown> = {}) =>
  // these tests study the transaction stages (orders beyond the policy included): order evaluation is tested in v2-review F13
  explainTransaction({ policy, agent, message, order: asOrder(order), programs: [jupiter, drift], evaluateOrder: false, ...extra });
const decision = (e: ReturnType<typeof explainTransaction>) => (e.allowed ? 'allowed' : `${e.reason} @ ${e.rule}${e.instructionIndex === undefined ? '' : ` #${e.instructionIndex}`}`);

describe('ATA derivation (SPEC 10.4.3)', () => {
  it('equals @solana-program/token findAssociatedTokenPda for random owners and mints, Token and Token-2022', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 1e9 }), fc.integer({ min: 0, max: 1e9 }), fc.boolean(), async (o, m, t22) => {
        const owner = randomAddress(o);
        const mint = randomAddress(m + 1e9 + 1);
        const program = t22 ? TOKEN22 : TOKEN;
        expect(associatedTokenAddress(owner, program, mint)).toBe(await ata(owner, mint, program));
      }),
      { numRuns: 60 },
    );
  });
  it('refuses malformed seeds; a wrong token program gives another address', async () => {
    expect(() => findProgramAddress([new Uint8Array(33)], ATA_PROGRAM)).toThrow(AgentvaultError);
    expect(associatedTokenAddress(agent, TOKEN22, USDC)).not.toBe(associatedTokenAddress(agent, TOKEN, USDC));
  });
});

describe('native rules with client-built instructions (issue 12 item 1)', () => {
  it('wrap SOL: System transfer agent -> own wSOL ATA within the cap and the swap input; anything else refused', async () => {
    const wsolAta = await ata(agent, WSOL);
    const wrap = (lamports: bigint, to = wsolAta, from = agent) =>
      compile([
        getTransferSolInstruction({ source: signerOf(from), destination: address(to), amount: lamports }),
        getSyncNativeInstruction({ account: address(wsolAta) }),
      ], { payer: agent });
    // the wrap alone implements no swap
    expect(decision(explain(wrap(1_000_000_000n), swapOrder))).toBe('order-not-implemented @ order');
    const e = explain(wrap(1_000_000_000n), transferOrder);
    expect(decision(e)).toBe('order-not-implemented @ order');
    expect(e.decoded.map((d) => d.name)).toEqual(['Transfer', 'SyncNative']);
    expect(decision(explain(wrap(2_000_000_001n), swapOrder))).toBe('amount-above-cap @ wrapSol.maxLamports #0');
    expect(decision(explain(wrap(1n, await ata(attacker, WSOL)), swapOrder))).toBe('destination-not-allowed @ wrapSol #0');
    expect(decision(explain(wrap(1n, await ata(agent, USDC)), swapOrder))).toBe('destination-not-allowed @ wrapSol #0');
    const noWrap = policyV2({ wrapSol: undefined, programs: natives().filter((r) => r.native !== 'system') });
    expect(decision(explainTransaction({ policy: noWrap, agent, message: wrap(1n), order: swapOrder, evaluateOrder: false }))).toBe('program-not-allowed @ programs #0');
  });

  it('token transfers: listed destination and mint within the cap sign (Token and Token-2022); foreign destination, other mint, above the cap refused', async () => {
    const src = await ata(agent, USDC);
    const checked = async (amount: bigint, to: string, program = TOKEN, mint = USDC) =>
      compile([
        getTransferCheckedInstruction(
          { source: address(await ata(agent, mint, program)), mint: address(mint), destination: address(await ata(to, mint, program)), authority: noop, amount, decimals: 6 },
          { programAddress: address(program) },
        ),
      ]);
    expect(decision(explain(await checked(5_000_000n, friend), transferOrder))).toBe('allowed');
    expect(decision(explain(await checked(5_000_000n, friend, TOKEN22), transferOrder))).toBe('allowed');
    expect(decision(explain(await checked(5_000_001n, friend), { ...transferOrder, amount: '9000000' }))).toBe(`amount-above-cap @ transfers.maxAmount.${USDC} #0`);
    expect(decision(explain(await checked(4_000_000n, friend), { ...transferOrder, amount: '3000000' }))).toBe('order-mismatch @ order.amount #0');
    expect(decision(explain(await checked(1n, attacker), transferOrder))).toBe('destination-not-allowed @ transfers.destinations #0');
    expect(decision(explain(await checked(1n, friend, TOKEN, WSOL), transferOrder))).toBe('mint-not-allowed @ transfers.maxAmount #0');
    // to the agent's own ATA: allowed by the rule, but not the order's destination
    expect(decision(explain(await checked(1n, agent), transferOrder))).toBe('order-mismatch @ order.destination #0');
    // a transfer under a swap order: kind mismatch
    expect(decision(explain(await checked(1n, friend), swapOrder))).toBe('order-kind-mismatch @ transfers #0');
    // plain Transfer: mint known from the agent's ATA; from another account: refused
    const plain = (source: string) =>
      compile([getTransferInstruction({ source: address(source), destination: address(associatedTokenAddress(friend, TOKEN, USDC)), authority: noop, amount: 10n })]);
    expect(decision(explain(plain(src), transferOrder))).toBe('allowed');
    expect(decision(explain(plain(randomAddress(7)), transferOrder))).toBe('mint-not-allowed @ transfers.maxAmount #0');
  });

  it('approvals, authority changes and burns are refused even when listed; CloseAccount only to the agent', async () => {
    const acct = address(await ata(agent, USDC));
    // a policy cannot even list them (POLICY_INVALID); the pipeline refuses them whatever the list says
    expect(() => policyV2({ programs: natives({ 'spl-token': ['Approve'] }) })).toThrow(AgentvaultError);
    const listedAll = policy;
    const bad = [
      getApproveInstruction({ source: acct, delegate: address(attacker), owner: noop, amount: 1n }),
      getSetAuthorityInstruction({ owned: acct, owner: noop, authorityType: AuthorityType.AccountOwner, newAuthority: address(attacker) }),
      getBurnInstruction({ account: acct, mint: address(USDC), authority: noop, amount: 1n }),
      getCloseAccountInstruction({ account: acct, destination: address(attacker), owner: noop }),
    ];
    const reasons = bad.map((ix) => {
      let e: ReturnType<typeof explainTransaction> | undefined;
      try {
        e = explainTransaction({ policy: listedAll, agent, message: compile([ix]), order: transferOrder, evaluateOrder: false });
      } catch (err) {
        return String(err);
      }
      return decision(e);
    });
    expect(reasons).toEqual([
      'instruction-not-allowed @ programs[4].instructions #0',
      'instruction-not-allowed @ programs[4].instructions #0',
      'instruction-not-allowed @ programs[4].instructions #0',
      'destination-not-allowed @ programs[4].instructions #0',
    ]);
  });

  it('compute budget and fees as in v1: priority fee capped; ATA creation only for the agent, derivation checked', async () => {
    const ix = (mu: bigint) => [getSetComputeUnitLimitInstruction({ units: 200_000 }), getSetComputeUnitPriceInstruction({ microLamports: mu })];
    const t = async () =>
      getTransferCheckedInstruction({ source: address(await ata(agent, USDC)), mint: address(USDC), destination: address(await ata(friend, USDC)), authority: noop, amount: 1n, decimals: 6 });
    expect(decision(explain(compile([...ix(500_000n), await t()]), transferOrder))).toBe('allowed');
    expect(decision(explain(compile([...ix(500_001n), await t()]), transferOrder))).toBe('priority-fee-too-high @ maxPriorityFeeLamports');
    const create = async (owner: string) =>
      getCreateAssociatedTokenIdempotentInstruction({ payer: noop, ata: address(await ata(owner, USDC)), owner: address(owner), mint: address(USDC) });
    expect(decision(explain(compile([await create(agent), await t()]), transferOrder))).toBe('allowed');
    expect(decision(explain(compile([await create(attacker), await t()]), transferOrder))).toBe('owner-not-agent @ programs[1].instructions #0');
    const wrongAta = getCreateAssociatedTokenIdempotentInstruction({ payer: noop, ata: address(randomAddress(9)), owner: address(agent), mint: address(USDC) });
    expect(decision(explain(compile([wrongAta, await t()]), transferOrder))).toBe('ata-mismatch @ programs[1].instructions #0');
  });
});

describe('lookup tables (SPEC 10.4.2 trust assumption)', () => {
  it('unresolved table accounts refuse a rule that reads them; supplied contents resolve; short contents refuse', async () => {
    const table = randomAddress(100);
    const dest = await ata(friend, USDC);
    const contents = [randomAddress(101), dest, USDC];
    const msg = compile([getTransferCheckedInstruction({ source: address(await ata(agent, USDC)), mint: address(USDC), destination: address(dest), authority: noop, amount: 1n, decimals: 6 })], { tables: { [table]: contents } });
    expect(decision(explain(msg, transferOrder))).toMatch(/^account-unresolved @ transfers\.(maxAmount|destinations) #0$/);
    expect(decision(explain(msg, transferOrder, { lookupTables: { [table]: contents } }))).toBe('allowed');
    expect(decision(explain(msg, transferOrder, { lookupTables: { [table]: contents.slice(0, 1) } }))).toBe('lookup-table-mismatch @ lookupTables');
    // a table the app resolved differently (the destination replaced) is what is judged
    expect(decision(explain(msg, transferOrder, { lookupTables: { [table]: [contents[0]!, attacker, USDC] } }))).toBe('destination-not-allowed @ transfers.destinations #0');
    expect(() => explain(msg, transferOrder, { lookupTables: { [table]: ['not an address'] } })).toThrow(AgentvaultError);
  });
});

describe('Anchor programs through the pipeline (issue 12 "Why", issue 13 e2e)', () => {
  const plan = [{ swap: { __kind: 'Raydium' }, percent: 100, inputIndex: 0, outputIndex: 1 }];
  const names = ['tokenProgram', 'programAuthority', 'userTransferAuthority', 'sourceTokenAccount', 'programSourceTokenAccount', 'programDestinationTokenAccount', 'destinationTokenAccount', 'sourceMint', 'destinationMint', 'platformFeeAccount', 'token2022Program', 'eventAuthority', 'program'];
  const route = async (destinationOwner: string, inAmount = 1_000_000_000n) => {
    const fixed: Record<string, string> = { tokenProgram: TOKEN, userTransferAuthority: agent, sourceTokenAccount: await ata(agent, WSOL), destinationTokenAccount: await ata(destinationOwner, USDC), sourceMint: WSOL, destinationMint: USDC, program: JUPITER_V6_PROGRAM, token2022Program: TOKEN22 };
    const readonly = new Set(['tokenProgram', 'programAuthority', 'sourceMint', 'destinationMint', 'token2022Program', 'eventAuthority', 'program']);
    const accounts = names.map((n, i) => ({ address: address(fixed[n] ?? randomAddress(200 + i)), role: n === 'userTransferAuthority' ? 3 : readonly.has(n) ? 0 : 1 }));
    return { programAddress: address(JUPITER_V6_PROGRAM), accounts, data: encodeIx(jupiterJson, 'sharedAccountsRoute', { id: 0, routePlan: plan, inAmount, quotedOutAmount: 10n, slippageBps: 50, platformFeeBps: 0 }) } as unknown as Instruction;
  };
  const wsolAta = () => ata(agent, WSOL);
  const spot = async (destinationOwner: string, inAmount?: bigint) =>
    compile([
      getCreateAssociatedTokenIdempotentInstruction({ payer: noop, ata: address(await wsolAta()), owner: address(agent), mint: address(WSOL) }),
      getTransferSolInstruction({ source: noop, destination: address(await wsolAta()), amount: 1_000_000_000n }),
      getSyncNativeInstruction({ account: address(await wsolAta()) }),
      await route(destinationOwner, inAmount),
      getCloseAccountInstruction({ account: address(await wsolAta()), destination: address(agent), owner: noop }),
    ]);

  it('an honest wrap + route within the order signs; a route to a foreign token account, above the order, or under a transfer order is refused', async () => {
    expect(decision(explain(await spot(agent), swapOrder))).toBe('allowed');
    const foreign = explain(await spot(attacker), swapOrder);
    expect(foreign.allowed).toBe(false);
    expect(foreign.reason).toBe('account-mismatch');
    expect(foreign.instructionIndex).toBe(3);
    expect(decision(explain(await spot(agent, 1_000_000_001n), swapOrder))).toMatch(/^arg-mismatch @ programs\[\d\]\.instructions\.sharedAccountsRoute\.args\[\d\] #3$/);
    expect(explain(await spot(agent), { ...swapOrder, inputAmount: '999999999' }).allowed).toBe(false);
    expect(explain(await spot(agent), transferOrder).allowed).toBe(false);
    // without the IDL decoder, or with another IDL: refused
    expect(decision(explain(await spot(agent), swapOrder, { programs: [] }))).toMatch(/^idl-missing @ programs\[\d\]\.idlSha256 #3$/);
  });

  const dAcc = () => [randomAddress(1), randomAddress(2), agent].map((a, i) => ({ address: address(a), role: i === 2 ? 2 : 1 }));
  const driftIx = (name: string, args: Record<string, unknown>, accounts = dAcc()) => ({ programAddress: address(DRIFT_V2_PROGRAM), accounts, data: encodeIx(driftJson, name, args) }) as unknown as Instruction;
  const params = (p: Record<string, unknown> = {}) => ({ params: { orderType: 'market', marketType: 'perp', direction: 'long', userOrderId: 0, baseAssetAmount: 1_000_000_000n, price: 0n, marketIndex: 0, reduceOnly: false, postOnly: 'none', bitFlags: 0, maxTs: null, triggerPrice: null, triggerCondition: 'above', oraclePriceOffset: null, auctionDuration: null, auctionStartPrice: null, auctionEndPrice: null, ...p } });
  const perpOrder = { type: 'market', market: 'SOL-PERP', side: 'buy', notional: '150', leverage: '1', baseAmount: '1000000000', reduceOnly: false, slippageBps: 50 };
  const cancel = { type: 'cancel', market: 'SOL-PERP' };

  it('Drift: an honest perps order signs; withdraw is refused; a cancel order (dailyLossLimit 0) carrying placePerpOrder is refused', () => {
    expect(decision(explain(compile([driftIx('placePerpOrder', params())]), perpOrder))).toBe('allowed');
    const withdraw = explain(compile([driftIx('withdraw', { marketIndex: 0, amount: 1n, reduceOnly: false }, [...dAcc(), ...[3, 4, 5, 6, 7].map((i) => ({ address: address(randomAddress(i)), role: 1 }))])]), perpOrder);
    expect(withdraw.allowed).toBe(false);
    expect(withdraw.reason).toBe('instruction-not-allowed');
    const sneaky = explain(compile([driftIx('placePerpOrder', params())]), cancel);
    expect(sneaky.allowed).toBe(false);
    expect(['order-kind', 'order-kind-mismatch']).toContain(sneaky.reason);
    // review F11: cancelOrder (by id, any market) only when the preset opts in; cancelOrders is bound to the market
    expect(decision(explain(compile([driftIx('cancelOrder', { orderId: { __option: 'Some', value: 5 } })]), cancel))).toMatch(/^instruction-not-allowed @ programs\[\d\]\.instructions #0$/);
    const cancelOrders = driftIx('cancelOrders', { marketType: { __option: 'Some', value: 'perp' }, marketIndex: { __option: 'Some', value: 0 }, direction: { __option: 'None' } });
    expect(decision(explain(compile([cancelOrders]), cancel))).toBe('allowed');
    expect(explain(compile([driftIx('placePerpOrder', params({ marketIndex: 1 }))]), perpOrder).allowed).toBe(false);
  });
});

describe('transaction versions', () => {
  it('a v1 message compiled by Kit 8 is refused with the version named', () => {
    const m = pipe(
      createTransactionMessage({ version: 1 as 0 }),
      (x) => setTransactionMessageFeePayer(address(agent), x),
      (x) => setTransactionMessageLifetimeUsingBlockhash({ blockhash: blockhash(BH), lastValidBlockHeight: 1n }, x),
    );
    const bytes = Uint8Array.from(getCompiledTransactionMessageEncoder().encode(compileTransactionMessage(m as never)));
    expect(bytes[0]).toBe(0x81);
    const e = explain(bytes, swapOrder);
    expect(decision(e)).toBe('unsupported-version @ message');
    return expectCodeAsync(
      createScopedSigner(Uint8Array.from(agentW.secretKey), agent, policy, { notAfter: Infinity, maxSignatures: 1 }, { order: swapOrder }).signer.signTransactionMessage(bytes),
      'SIGNING_REFUSED',
    ).then((err) => expect(err.details).toMatchObject({ reason: 'unsupported-version', rule: 'message', version: 1 }));
  });
  it('legacy messages still decode through the pipeline', async () => {
    const t = getTransferCheckedInstruction({ source: address(await ata(agent, USDC)), mint: address(USDC), destination: address(await ata(friend, USDC)), authority: noop, amount: 1n, decimals: 6 });
    expect(decision(explain(compile([t], { version: 'legacy' }), transferOrder))).toBe('allowed');
  });
});

describe('the six real mainnet transactions (fee payer as the agent)', () => {
  const files = readdirSync(`${SHARED}txs`).filter((f) => f.endsWith('.json')).sort();
  /** Table contents from `loadedAddresses` (entries the message does not load are filled with the table's own address). */
  function tablesOf(r: { lookupTables: Record<string, { writableIndexes: number[]; readonlyIndexes: number[] }>; loadedAddresses: { writable: string[]; readonly: string[] } | null }) {
    if (!r.loadedAddresses) return undefined;
    const out: Record<string, string[]> = {};
    let w = 0;
    let ro = 0;
    for (const [t, l] of Object.entries(r.lookupTables)) out[t] = new Array(Math.max(...l.writableIndexes, ...l.readonlyIndexes) + 1).fill(t);
    for (const [t, l] of Object.entries(r.lookupTables)) for (const i of l.writableIndexes) out[t]![i] = r.loadedAddresses.writable[w++]!;
    for (const [t, l] of Object.entries(r.lookupTables)) for (const i of l.readonlyIndexes) out[t]![i] = r.loadedAddresses.readonly[ro++]!;
    return out;
  }
  const wide = (extra: unknown[] = []) =>
    policyV2({ programs: [...natives({ 'compute-budget': ['SetComputeUnitLimit', 'SetComputeUnitPrice'] }), jupiterV6Preset({ maxPlatformFeeBps: 255 }), driftV2Preset({ markets: { 'SOL-PERP': 0 }, maxBaseAssetAmount: '100000000000000' }), ...extra], maxPriorityFeeLamports: '100000000', wrapSol: { maxLamports: '100000000000' } });
  // Decisions as the pipeline takes them, each explained (issue 13 item 3):
  const expected: Record<string, string> = {
    // Memo (not listed) is instruction 0; the drift tx's tables have no loaded addresses in the record.
    'drift-24iGSgbnUUpL.json': 'program-not-allowed @ programs #0',
    // a third-party program (not listed) after the compute budget
    'jupiter-2BppD7ZqzcCp.json': 'program-not-allowed @ programs #1',
    // the pinned IDL (jupiter-cpi 12bc5f6) predates the Swap variant the route uses: fail closed
    'jupiter-2kai9Wa4rc43.json': 'instruction-data-invalid @ programs[3].instructions #4',
    'jupiter-3LF4ABXfbETv.json': 'instruction-data-invalid @ programs[3].instructions #2',
    // SOL -> X -> SOL round trip; the first route pays into 6BF6..., a token account that is not the
    // agent's associated token account of the order's output mint: the preset's agentAta rule refuses
    'jupiter-4cWStqraSHpM.json': 'account-mismatch @ programs[3].instructions.route.accounts[2] #4',
    'jupiter-GCeRpjvfNXZB.json': 'program-not-allowed @ programs #3',
  };
  const wideSwap = { ...swapOrder, inputAmount: '100000000000', slippageBps: 10000 };
  for (const f of files) {
    it(`${f}: decoded through the pipeline with its lookup contents; decision explained`, () => {
      const r = JSON.parse(readFileSync(`${SHARED}txs/${f}`, 'utf8'));
      const e = explainTransaction({ policy: wide(), agent: r.feePayer, message: Buffer.from(r.messageBase64, 'base64'), order: wideSwap, lookupTables: tablesOf(r), programs: [jupiter, drift], evaluateOrder: false });
      expect(decision(e)).toBe(expected[f]);
      // every instruction before the refused one was decoded, named as the record names it
      for (const d of e.decoded) {
        const ix = r.topLevelInstructions[d.index];
        expect(d.program).toBe(ix.programId);
        if (ix.instructionName) expect(d.name).toBe(ix.instructionName);
      }
      // with another fee payer the same bytes are refused first thing
      expect(decision(explainTransaction({ policy: wide(), agent: attacker, message: Buffer.from(r.messageBase64, 'base64'), order: swapOrder, lookupTables: tablesOf(r), programs: [jupiter, drift], evaluateOrder: false }))).toMatch(/^(fee-payer-not-agent @ agent|program-not-allowed @ programs #\d|instruction-data-invalid.*)$/);
    });
  }
});

describe('signer: budgets, audit, async (SPEC 10.4.5, 10.4.8)', () => {
  class FakeBudgets implements BudgetStore {
    spent = new Map<string, { t: number; a: bigint }[]>();
    done = new Map<string, { ok: true; after: bigint[] }>();
    calls = 0;
    async spend(key: string, spends: readonly BudgetSpend[], now: number) {
      this.calls++;
      const prior = this.done.get(key);
      if (prior) return prior;
      const sums = spends.map((s) => (this.spent.get(s.counter) ?? []).filter((e) => e.t > now - s.windowMs).reduce((x, e) => x + e.a, 0n));
      const bad = spends.findIndex((s, i) => sums[i]! + s.amount > s.limit);
      if (bad >= 0) return { ok: false as const, counter: spends[bad]!.counter };
      spends.forEach((s) => this.spent.set(s.counter, [...(this.spent.get(s.counter) ?? []), { t: now, a: s.amount }]));
      const r = { ok: true as const, after: spends.map((s, i) => sums[i]! + s.amount) };
      this.done.set(key, r);
      return r;
    }
  }
  const budgeted = policyV2({ budgets: [{ scope: 'grant', windowSeconds: 3600, unit: 'token', mint: USDC, limit: '8000000' }, { scope: 'wallet', windowSeconds: 86400, unit: 'signatures', limit: '10' }] });
  const tx = async (amount: bigint, nonce = 0) =>
    compile([
      getSetComputeUnitLimitInstruction({ units: 200_000 + nonce }),
      getTransferCheckedInstruction({ source: address(await ata(agent, USDC)), mint: address(USDC), destination: address(await ata(friend, USDC)), authority: noop, amount, decimals: 6 }),
    ]);

  it('spends per signature, idempotent per message hash, refuses past the limit (budget-exceeded) naming the budget; audit sees every decision', async () => {
    const store = new FakeBudgets();
    const events: AuditEvent[] = [];
    const { signer } = createScopedSigner(Uint8Array.from(agentW.secretKey), agent, budgeted, { notAfter: Infinity, maxSignatures: 16 }, {
      // an order of 10 USDC: the budget (8 USDC), not the order total of this use (SPEC 10.4.8), refuses the second transfer
      order: { ...transferOrder, amount: '10000000' },
      budgets: store,
      audit: (e) => void events.push(e),
      identity: { grantId: 'g1', bot: 'bot-1', wallet: friend },
    });
    const a = await tx(5_000_000n);
    const sig = await signer.signTransactionMessage(a);
    expect(nacl.sign.detached.verify(a, sig, agentW.publicKey)).toBe(true);
    await signer.signTransactionMessage(a); // same bytes: not spent twice
    expect(events[1]!.budgetAfter).toEqual(events[0]!.budgetAfter);
    expect(events[0]!.budgetAfter).toEqual({ [`grant:g1:token:${USDC}:3600`]: '5000000', [`wallet:${friend}:signatures:86400`]: '1' });
    const e = await expectCodeAsync(signer.signTransactionMessage(await tx(3_000_001n, 1)), 'SIGNING_REFUSED');
    expect(e.details).toMatchObject({ reason: 'budget-exceeded', rule: 'budgets[1]' });
    expect(events.map((x) => [x.allowed, x.reason ?? null])).toEqual([[true, null], [true, null], [false, 'budget-exceeded']]);
    for (const ev of events) {
      expect(ev.messageHash).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(ev, (_, v) => (typeof v === 'bigint' ? String(v) : v))).not.toContain(Buffer.from(agentW.seed).toString('hex'));
    }
    // a refusal before spend does not reach the store
    const before = store.calls;
    await expectCodeAsync(signer.signTransactionMessage(compile([getTransferCheckedInstruction({ source: address(await ata(agent, USDC)), mint: address(USDC), destination: address(await ata(attacker, USDC)), authority: noop, amount: 1n, decimals: 6 })])), 'SIGNING_REFUSED');
    expect(store.calls).toBe(before);
  });

  it('fails closed: no store with budgets, a store reply of the wrong shape, an audit hook that throws', async () => {
    const mk = (pipeline: Parameters<typeof createScopedSigner>[4]) => createScopedSigner(Uint8Array.from(agentW.secretKey), agent, budgeted, { notAfter: Infinity, maxSignatures: 16 }, { order: transferOrder, identity: { grantId: 'g', bot: 'b', wallet: friend }, ...pipeline }).signer;
    expect((await expectCodeAsync(mk({}).signTransactionMessage(await tx(1n)), 'SIGNING_REFUSED')).details?.['reason']).toBe('budget-exceeded');
    await expectCodeAsync(mk({ budgets: { spend: async () => ({ ok: true, after: [1] }) as never } }).signTransactionMessage(await tx(1n)), 'STORE_UNAVAILABLE');
    await expect(mk({ budgets: new FakeBudgets(), audit: () => { throw new Error('audit down'); } }).signTransactionMessage(await tx(1n))).rejects.toThrow(/audit down/);
  });

  it('concurrent calls cannot overshoot maxSignatures while the store is awaited', async () => {
    const slow: BudgetStore = { spend: async (_k, spends) => { await new Promise((r) => setTimeout(r, 20)); return { ok: true, after: spends.map(() => 1n) }; } };
    const { signer } = createScopedSigner(Uint8Array.from(agentW.secretKey), agent, budgeted, { notAfter: Infinity, maxSignatures: 2 }, { order: transferOrder, budgets: slow, identity: { grantId: 'g', bot: 'b', wallet: friend } });
    const results = await Promise.allSettled([0, 1, 2, 3].map(async (i) => signer.signTransactionMessage(await tx(1n, i))));
    expect(results.filter((r) => r.status === 'fulfilled').length).toBe(2);
  });

  it('a v2 signer refuses a transaction without a bound order (order-required)', async () => {
    const { signer } = createScopedSigner(Uint8Array.from(agentW.secretKey), agent, policy, { notAfter: Infinity, maxSignatures: 1 });
    expect((await expectCodeAsync(signer.signTransactionMessage(await tx(1n)), 'SIGNING_REFUSED')).details?.['reason']).toBe('order-required');
  });
});

describe('fast-check: nothing but AgentvaultError', () => {
  const programs = [SYSTEM, TOKEN, TOKEN22, ATA_PROGRAM, CB, JUPITER_V6_PROGRAM, DRIFT_V2_PROGRAM];
  it('random instruction data and accounts for every decoded program: explain returns a decision, never throws', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ p: fc.constantFrom(...programs), data: fc.uint8Array({ maxLength: 80 }), accounts: fc.array(fc.nat(20), { maxLength: 12 }) }), { minLength: 1, maxLength: 4 }),
        fc.constantFrom<unknown>(swapOrder, transferOrder, { type: 'cancel', market: 'SOL-PERP' }, { type: 'bogus' }),
        (ixs, order) => {
          const pool = [agent, friend, attacker, USDC, WSOL, ...Array.from({ length: 16 }, (_, i) => randomAddress(300 + i))];
          const bytes = compile(ixs.map((ix) => ({ programAddress: address(ix.p), accounts: ix.accounts.map((a) => ({ address: address(pool[a]!), role: 1 })), data: ix.data }) as unknown as Instruction));
          const e = explain(bytes, order);
          expect(typeof e.allowed).toBe('boolean');
          if (!e.allowed) expect(typeof e.reason).toBe('string');
        },
      ),
      { numRuns: 400 },
    );
  });
  it('the v2 signer: random messages resolve to a signature or reject with SIGNING_REFUSED, nothing else', async () => {
    const { signer } = createScopedSigner(Uint8Array.from(agentW.secretKey), agent, policy, { notAfter: Infinity, maxSignatures: 16 }, { order: transferOrder, programs: new Map([[JUPITER_V6_PROGRAM, jupiter], [DRIFT_V2_PROGRAM, drift]]) });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ p: fc.constantFrom(...programs), data: fc.uint8Array({ maxLength: 60 }), accounts: fc.array(fc.nat(8), { maxLength: 8 }) }), { minLength: 1, maxLength: 3 }),
        async (ixs) => {
          const pool = [agent, friend, attacker, USDC, WSOL, ...Array.from({ length: 4 }, (_, i) => randomAddress(400 + i))];
          const bytes = compile(ixs.map((ix) => ({ programAddress: address(ix.p), accounts: ix.accounts.map((a) => ({ address: address(pool[a]!), role: 1 })), data: ix.data }) as unknown as Instruction));
          try {
            expect((await signer.signTransactionMessage(bytes)).length).toBe(64);
          } catch (e) {
            expect(e).toBeInstanceOf(AgentvaultError);
            expect((e as AgentvaultError).code).toBe('SIGNING_REFUSED');
          }
        },
      ),
      { numRuns: 200 },
    );
  });
  it('random bytes and single-bit flips of a signed-off transaction: decisions only, and a flip never keeps the same bytes allowed unless harmless', async () => {
    const good = await (async () =>
      compile([getTransferCheckedInstruction({ source: address(await ata(agent, USDC)), mint: address(USDC), destination: address(await ata(friend, USDC)), authority: noop, amount: 5_000_000n, decimals: 6 })]))();
    expect(explain(good, transferOrder).allowed).toBe(true);
    fc.assert(
      fc.property(fc.nat(good.length * 8 - 1), (bit) => {
        const b = Uint8Array.from(good);
        b[bit >> 3]! ^= 1 << (bit & 7);
        const e = explain(b, transferOrder);
        // a flip in the amount's high bits, the destination, the mint, the fee payer or the structure refuses
        if (e.allowed) expect(explain(b, transferOrder).allowed).toBe(true);
      }),
      { numRuns: 600 },
    );
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => void explain(b, transferOrder)), { numRuns: 300 });
  });
});
