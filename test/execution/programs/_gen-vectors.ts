/**
 * Writes vectors/programs.json: run `npx tsx test/execution/programs/_gen-vectors.ts`.
 * Instruction bytes come from the mainnet records in ../shared/txs or from Codama's encoder; the
 * expected decisions are re-checked by programs-vectors.test.ts with a naive reference checker.
 */
import { writeFileSync } from 'node:fs';
import { checkInstructionRule } from '../../../src/execution/programs/constraints.js';
import { createProgramDecoder } from '../../../src/execution/programs/idl/index.js';
import { driftV2Preset } from '../../../src/execution/programs/presets/drift.js';
import { jupiterV6Preset } from '../../../src/execution/programs/presets/jupiter.js';
import { ataAddress, dataOf, DRIFT, driftIdl, driftIdlBytes, encodeIx, JUP, jupiterIdl, jupiterIdlBytes, makeAtaOf, randomAddress, realTxs, USDC, WSOL } from './_fixtures.js';

const JUP_OPTS = { maxPlatformFeeBps: 0, maxSlippageBps: 1000, exactOut: true };
const DRIFT_OPTS = { markets: { 'SOL-PERP': 0, 'BTC-PERP': 1 }, maxBaseAssetAmount: '5000000000' };
const presets = { jupiter: jupiterV6Preset(JUP_OPTS), drift: driftV2Preset(DRIFT_OPTS) } as Record<string, any>;
const decoders = { jupiter: createProgramDecoder(jupiterIdlBytes, { program: JUP }), drift: createProgramDecoder(driftIdlBytes, { program: DRIFT }) } as Record<string, any>;
const vectors: any[] = [];
const attacker = randomAddress(666);
const agent = randomAddress(100);

function add(name: string, preset: 'jupiter' | 'drift', data: Uint8Array, accounts: (string | null)[], vAgent: string, order: unknown, source: string) {
  vectors.push({ name, source, preset, dataHex: Buffer.from(data).toString('hex'), accounts, agent: vAgent, order });
}

const txs = realTxs();
const t4 = txs.find((t) => t.file.startsWith('jupiter-4cWS'))!;
const r4 = t4.ixs.filter((x) => x.programId === JUP)[0]!;
const acc4 = r4.accountIndexes.map((i) => t4.all[i]!);
const out4 = acc4[5]!;
const o4 = { type: 'swap', inputMint: WSOL, outputMint: out4, inputAmount: '1000000000', slippageBps: 500 };
add('mainnet route 4cWStq #0, its own order', 'jupiter', dataOf(r4), acc4, t4.feePayer, o4, 'shared/txs/jupiter-4cWStqraSHpM.json');
const stolen = acc4.slice();
stolen[3] = await ataAddress(attacker, out4);
add('mainnet route 4cWStq #0, destination = another owner ATA', 'jupiter', dataOf(r4), stolen, t4.feePayer, o4, 'shared/txs/jupiter-4cWStqraSHpM.json (account 3 changed)');
const redirected = acc4.slice();
redirected[4] = attacker;
add('mainnet route 4cWStq #0, optional destinationTokenAccount = Some(attacker)', 'jupiter', dataOf(r4), redirected, t4.feePayer, o4, 'shared/txs/jupiter-4cWStqraSHpM.json (account 4 changed)');
add('mainnet route 4cWStq #0, order smaller than the route', 'jupiter', dataOf(r4), acc4, t4.feePayer, { ...o4, inputAmount: '999999999' }, 'shared/txs/jupiter-4cWStqraSHpM.json');
add('mainnet route 4cWStq #0, order slippage tighter than the route', 'jupiter', dataOf(r4), acc4, t4.feePayer, { ...o4, slippageBps: 100 }, 'shared/txs/jupiter-4cWStqraSHpM.json');
add('mainnet route 4cWStq #0, a perps order', 'jupiter', dataOf(r4), acc4, t4.feePayer, { type: 'market', market: 'SOL-PERP', side: 'buy', notional: '1', leverage: '1' }, 'shared/txs/jupiter-4cWStqraSHpM.json');
const t2 = txs.find((t) => t.file.startsWith('jupiter-2Bpp'))!;
const r2 = t2.ixs.find((x) => x.programId === JUP)!;
add('mainnet route 2BppD7 (SOL->SOL loop), its own order: slippage 5000 above the preset cap 1000', 'jupiter', dataOf(r2), r2.accountIndexes.map((i) => t2.all[i]!), t2.feePayer, { type: 'swap', inputMint: WSOL, outputMint: WSOL, inputAmount: '200000000', slippageBps: 5000 }, 'shared/txs/jupiter-2BppD7ZqzcCp.json');

const shared = ['tokenProgram', 'programAuthority', 'userTransferAuthority', 'sourceTokenAccount', 'programSourceTokenAccount', 'programDestinationTokenAccount', 'destinationTokenAccount', 'sourceMint', 'destinationMint', 'platformFeeAccount', 'token2022Program', 'eventAuthority', 'program'];
const sAcc = await Promise.all(shared.map(async (n, i) => ({ userTransferAuthority: agent, sourceTokenAccount: await ataAddress(agent, WSOL), destinationTokenAccount: await ataAddress(agent, USDC), sourceMint: WSOL, destinationMint: USDC } as Record<string, string>)[n] ?? randomAddress(i)));
const sOrder = { type: 'swap', inputMint: WSOL, outputMint: USDC, inputAmount: '70000000', slippageBps: 50 };
const plan = [{ swap: { __kind: 'Raydium' }, percent: 100, inputIndex: 0, outputIndex: 1 }];
add('sharedAccountsRoute within the order', 'jupiter', encodeIx(jupiterIdl, 'sharedAccountsRoute', { id: 0, routePlan: plan, inAmount: 70_000_000n, quotedOutAmount: 10n, slippageBps: 50, platformFeeBps: 0 }), sAcc, agent, sOrder, 'Codama dynamic codecs');
add('sharedAccountsRoute with a platform fee', 'jupiter', encodeIx(jupiterIdl, 'sharedAccountsRoute', { id: 0, routePlan: plan, inAmount: 70_000_000n, quotedOutAmount: 10n, slippageBps: 50, platformFeeBps: 20 }), sAcc, agent, sOrder, 'Codama dynamic codecs');
add('sharedAccountsExactOutRoute, quoted input above the order', 'jupiter', encodeIx(jupiterIdl, 'sharedAccountsExactOutRoute', { id: 0, routePlan: plan, outAmount: 1n, quotedInAmount: 70_000_001n, slippageBps: 50, platformFeeBps: 0 }), sAcc, agent, sOrder, 'Codama dynamic codecs');
const sUnres: (string | null)[] = sAcc.slice();
sUnres[6] = null;
add('sharedAccountsRoute, destination from an unresolved lookup table', 'jupiter', encodeIx(jupiterIdl, 'sharedAccountsRoute', { id: 0, routePlan: plan, inAmount: 1n, quotedOutAmount: 1n, slippageBps: 50, platformFeeBps: 0 }), sUnres, agent, sOrder, 'Codama dynamic codecs');
add('routeWithTokenLedger (not in the preset)', 'jupiter', encodeIx(jupiterIdl, 'routeWithTokenLedger', { routePlan: plan, quotedOutAmount: 1n, slippageBps: 50, platformFeeBps: 0 }), sAcc.slice(0, 10), agent, sOrder, 'Codama dynamic codecs');

const td = txs.find((t) => t.file.startsWith('drift-'))!;
const [rc, rp] = td.ixs.filter((x) => x.programId === DRIFT);
const accD = rc!.accountIndexes.map((i) => td.all[i] ?? null);
add('mainnet cancelOrders (BTC-PERP), a BTC-PERP cancel order', 'drift', dataOf(rc!), accD, td.feePayer, { type: 'cancel', market: 'BTC-PERP' }, 'shared/txs/drift-24iGSgbnUUpL.json');
add('mainnet cancelOrders (BTC-PERP), a SOL-PERP cancel order', 'drift', dataOf(rc!), accD, td.feePayer, { type: 'cancel', market: 'SOL-PERP' }, 'shared/txs/drift-24iGSgbnUUpL.json');
add('mainnet placeOrders (not in the preset)', 'drift', dataOf(rp!), rp!.accountIndexes.map((i) => td.all[i] ?? null), td.feePayer, { type: 'limit', market: 'BTC-PERP', side: 'buy', notional: '1', leverage: '1', baseAmount: '400000000' }, 'shared/txs/drift-24iGSgbnUUpL.json');
const dAcc = [randomAddress(1), randomAddress(2), agent];
const params = (p: Record<string, unknown> = {}) => ({ params: { orderType: 'market', marketType: 'perp', direction: 'long', userOrderId: 0, baseAssetAmount: 1_000_000_000n, price: 0n, marketIndex: 0, reduceOnly: false, postOnly: 'none', bitFlags: 0, maxTs: null, triggerPrice: null, triggerCondition: 'above', oraclePriceOffset: null, auctionDuration: null, auctionStartPrice: null, auctionEndPrice: null, ...p } });
const perp = { type: 'market', market: 'SOL-PERP', side: 'buy', notional: '150', leverage: '1', baseAmount: '1000000000', reduceOnly: false };
add('placePerpOrder within the order', 'drift', encodeIx(driftIdl, 'placePerpOrder', params()), dAcc, agent, perp, 'Codama dynamic codecs');
add('placePerpOrder on another market', 'drift', encodeIx(driftIdl, 'placePerpOrder', params({ marketIndex: 1 })), dAcc, agent, perp, 'Codama dynamic codecs');
add('placePerpOrder short for a buy order', 'drift', encodeIx(driftIdl, 'placePerpOrder', params({ direction: 'short' })), dAcc, agent, perp, 'Codama dynamic codecs');
add('placePerpOrder above the cap', 'drift', encodeIx(driftIdl, 'placePerpOrder', params({ baseAssetAmount: 6_000_000_000n })), dAcc, agent, { ...perp, baseAmount: '6000000000' }, 'Codama dynamic codecs');
add('placePerpOrder reduceOnly false for a reduce-only order (review F8)', 'drift', encodeIx(driftIdl, 'placePerpOrder', params()), dAcc, agent, { ...perp, reduceOnly: true }, 'Codama dynamic codecs');
add('placePerpOrder, the order states no reduceOnly (review F8)', 'drift', encodeIx(driftIdl, 'placePerpOrder', params()), dAcc, agent, { type: 'market', market: 'SOL-PERP', side: 'buy', notional: '150', leverage: '1', baseAmount: '1000000000' }, 'Codama dynamic codecs');
add('placePerpOrder signed by another authority', 'drift', encodeIx(driftIdl, 'placePerpOrder', params()), [dAcc[0]!, dAcc[1]!, attacker], agent, perp, 'Codama dynamic codecs');
add('placePerpOrder for a cancel order', 'drift', encodeIx(driftIdl, 'placePerpOrder', params()), dAcc, agent, { type: 'cancel', market: 'SOL-PERP' }, 'Codama dynamic codecs');
add('withdraw (not in the preset)', 'drift', encodeIx(driftIdl, 'withdraw', { marketIndex: 0, amount: 1n, reduceOnly: false }), [...dAcc, ...dAcc, agent, agent], agent, perp, 'Codama dynamic codecs');
add('cancelOrder (by id, not in the default preset: review F11)', 'drift', encodeIx(driftIdl, 'cancelOrder', { orderId: { __option: 'Some', value: 5 } }), dAcc, agent, { type: 'cancel', market: 'SOL-PERP' }, 'Codama dynamic codecs');

// Decisions with the library, written as expectations; the test re-derives them with a naive checker.
const pairs: [string, string][] = [];
for (const v of vectors) {
  for (const a of v.accounts) if (a) pairs.push([v.agent, a]);
  for (const k of ['inputMint', 'outputMint']) if (v.order[k]) pairs.push([v.agent, v.order[k]]);
}
for (const m of [WSOL, USDC]) pairs.push([agent, m]);
const ataOf = await makeAtaOf(pairs);
const valid: any[] = [];
const invalid: any[] = [];
for (const v of vectors) {
  const ix = decoders[v.preset].decode(Buffer.from(v.dataHex, 'hex'), v.accounts.map((a: string | null) => a ?? undefined));
  const p = presets[v.preset];
  const rule = p.instructions[ix.name];
  const path = `programs[0].instructions`;
  const r = rule ? checkInstructionRule(rule, { index: 0, program: p.program, ...ix }, { agent: v.agent, order: v.order, ataOf, path: `${path}.${ix.name}` }) : { reason: 'instruction-not-allowed', rule: path };
  const out = { ...v, instruction: ix.name };
  if (r) invalid.push({ ...out, expected: { reason: r.reason, rule: r.rule } });
  else valid.push(out);
}
writeFileSync(new URL('../../../vectors/programs.json', import.meta.url), `${JSON.stringify({
  description: 'Program rules (SPEC 10.5): instructions decoded from the pinned Anchor IDLs and decided by the Jupiter v6 and Drift v2 presets. `accounts` are the instruction account addresses in order (null = from an unresolved lookup table); the rule path is relative to a policy whose programs[0] is the preset; `instruction-not-allowed` is the default-deny refusal of an instruction the preset does not list.',
  source: 'instruction bytes: mainnet transactions in shared/txs (signatures verified by shared/txs/verify.mjs) or Codama @codama/dynamic-codecs 1.2.0 from the IDL; ATAs from @solana-program/token findAssociatedTokenPda',
  idls: { jupiter: { program: JUP, sha256: presets.jupiter.idlSha256, presetOptions: JUP_OPTS }, drift: { program: DRIFT, sha256: presets.drift.idlSha256, presetOptions: DRIFT_OPTS } },
  valid,
  invalid,
}, null, 2)}\n`);
console.log(valid.length, 'valid', invalid.length, 'invalid');
for (const v of invalid) console.log(v.name, v.expected);
