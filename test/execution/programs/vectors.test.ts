/**
 * vectors/programs.json, re-checked three ways: the discriminator with node:crypto, the arguments
 * with Codama's decoder, and the decision with a naive reference checker written here from the
 * preset's documented rules (SPEC 10.5.5); then the library's decoder and engine must agree.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkInstructionRule } from '../../../src/execution/programs/constraints.js';
import { createProgramDecoder } from '../../../src/execution/programs/idl/index.js';
import { driftV2Preset } from '../../../src/execution/programs/presets/drift.js';
import { jupiterV6Preset } from '../../../src/execution/programs/presets/jupiter.js';
import { ataAddress, codamaDecode, DRIFT, driftIdl, driftIdlBytes, JUP, jupiterIdl, jupiterIdlBytes, nodeDiscriminator, TOKEN22 } from './_fixtures.js';

const file = JSON.parse(readFileSync(new URL('../../../vectors/programs.json', import.meta.url), 'utf8'));
const all = [...file.valid.map((v: object) => ({ ...v, expected: null })), ...file.invalid];
const idls: Record<string, any> = { jupiter: jupiterIdl, drift: driftIdl };
const atas = new Map<string, Set<string>>();
const ataSet = (owner: string, mint: string) => atas.get(`${owner}:${mint}`) ?? new Set<string>();

beforeAll(async () => {
  for (const v of all) {
    const mints = [...v.accounts.filter(Boolean), v.order.inputMint, v.order.outputMint].filter(Boolean);
    for (const m of mints) {
      const k = `${v.agent}:${m}`;
      if (!atas.has(k)) atas.set(k, new Set([await ataAddress(v.agent, m), await ataAddress(v.agent, m, TOKEN22)]));
    }
  }
});

type Verdict = { reason: string; rule: string } | null;
/** The naive reference: the presets' rules, written out by hand from SPEC 10.5.5 over Codama-decoded values. */
function naive(v: any): Verdict {
  const idl = idls[v.preset];
  const data = Buffer.from(v.dataHex, 'hex');
  const ixDef = idl.instructions.find((i: { name: string }) => nodeDiscriminator(i.name).equals(data.subarray(0, 8)));
  const name: string = ixDef.name;
  const acc: Record<string, string | null> = Object.fromEntries(ixDef.accounts.map((a: { name: string }, i: number) => [a.name, v.accounts[i] ?? null]));
  const a = codamaDecode(idl, name, data);
  const o = v.order;
  const P = `programs[0].instructions.${name}`;
  const kind = o.type === 'swap' ? 'swap' : o.type === 'cancel' ? 'cancel' : o.type === 'transfer' ? 'transfer' : 'perp';
  const no = (reason: string, rule: string): Verdict => ({ reason, rule });
  const accountChecks = (list: [string, (x: string) => boolean][]): Verdict => {
    for (let i = 0; i < list.length; i++) {
      const [n, ok] = list[i]!;
      if (acc[n] === null) return no('account-unresolved', `${P}.accounts[${i}]`);
      if (!ok(acc[n]!)) return no('account-mismatch', `${P}.accounts[${i}]`);
    }
    return null;
  };
  const opts = file.idls[v.preset].presetOptions;
  if (v.preset === 'jupiter') {
    if (!['route', 'sharedAccountsRoute', 'sharedAccountsExactOutRoute'].includes(name)) return no('instruction-not-allowed', 'programs[0].instructions');
    if (kind !== 'swap') return no('order-kind', `${P}.for`);
    const amount = BigInt(name === 'sharedAccountsExactOutRoute' ? a.quotedInAmount : a.inAmount);
    if (amount > BigInt(o.inputAmount)) return no('arg-mismatch', `${P}.args[0]`);
    if (a.slippageBps > o.slippageBps) return no('arg-mismatch', `${P}.args[1]`);
    if (a.slippageBps > opts.maxSlippageBps) return no('arg-mismatch', `${P}.args[2]`);
    if (a.platformFeeBps > opts.maxPlatformFeeBps) return no('arg-mismatch', `${P}.args[3]`);
    const isAgent = (x: string) => x === v.agent;
    if (name === 'route')
      return accountChecks([
        ['userTransferAuthority', isAgent],
        ['userSourceTokenAccount', (x) => ataSet(v.agent, o.inputMint).has(x)],
        ['userDestinationTokenAccount', (x) => ataSet(v.agent, o.outputMint).has(x)],
        ['destinationTokenAccount', (x) => x === JUP],
      ]);
    return accountChecks([
      ['userTransferAuthority', isAgent],
      ['sourceTokenAccount', (x) => ataSet(v.agent, o.inputMint).has(x)],
      ['destinationTokenAccount', (x) => ataSet(v.agent, o.outputMint).has(x)],
    ]);
  }
  const markets = opts.markets as Record<string, number>;
  if (name === 'placePerpOrder') {
    if (kind !== 'perp') return no('order-kind', `${P}.for`);
    const p = a.params;
    // Codama decodes scalar enums to their index: MarketType Perp = 1, PositionDirection Long = 0, OrderType Market = 0, Limit = 1.
    if (p.marketType !== 1) return no('arg-mismatch', `${P}.args[0]`);
    if (!Object.values(markets).includes(p.marketIndex)) return no('arg-mismatch', `${P}.args[1]`);
    if (markets[o.market] !== p.marketIndex) return no('arg-mismatch', `${P}.args[2]`);
    if (p.orderType !== ({ market: 0, limit: 1 } as Record<string, number>)[o.type]) return no('arg-mismatch', `${P}.args[3]`);
    if (p.direction !== (o.side === 'buy' ? 0 : 1)) return no('arg-mismatch', `${P}.args[5]`);
    if (BigInt(p.baseAssetAmount) > BigInt(opts.maxBaseAssetAmount)) return no('arg-mismatch', `${P}.args[6]`);
    if (BigInt(p.baseAssetAmount) > BigInt(o.baseAmount)) return no('arg-mismatch', `${P}.args[7]`);
    if (typeof o.reduceOnly !== 'boolean') return no('order-unbound', `${P}.args[8]`);
    if (p.reduceOnly !== o.reduceOnly) return no('arg-mismatch', `${P}.args[8]`);
    return accountChecks([['authority', (x) => x === v.agent]]);
  }
  if (name === 'cancelOrders' || (name === 'cancelOrder' && opts.allowCancelById === true)) {
    if (kind !== 'cancel') return no('order-kind', `${P}.for`);
    if (name === 'cancelOrders') {
      if (a.marketType.__option !== 'Some' || a.marketType.value !== 1) return no('arg-mismatch', `${P}.args[0]`);
      if (a.marketIndex.__option !== 'Some' || a.marketIndex.value !== markets[o.market]) return no('arg-mismatch', `${P}.args[1]`);
    }
    return accountChecks([['authority', (x) => x === v.agent]]);
  }
  return no('instruction-not-allowed', 'programs[0].instructions');
}

describe('vectors/programs.json', () => {
  const decoders: Record<string, any> = { jupiter: createProgramDecoder(jupiterIdlBytes, { program: JUP }), drift: createProgramDecoder(driftIdlBytes, { program: DRIFT }) };
  const presets: Record<string, any> = { jupiter: jupiterV6Preset(file.idls.jupiter.presetOptions), drift: driftV2Preset(file.idls.drift.presetOptions) };
  it('pins the IDL hashes of the shared files and has both outcomes for both presets', () => {
    expect(file.idls.jupiter.sha256).toBe(decoders['jupiter'].idlSha256);
    expect(file.idls.drift.sha256).toBe(decoders['drift'].idlSha256);
    for (const p of ['jupiter', 'drift']) {
      expect(file.valid.some((v: any) => v.preset === p)).toBe(true);
      expect(file.invalid.some((v: any) => v.preset === p)).toBe(true);
    }
  });
  for (const v of all)
    it(v.name, () => {
      const data = Buffer.from(v.dataHex, 'hex');
      expect(nodeDiscriminator(v.instruction).equals(data.subarray(0, 8))).toBe(true);
      expect(naive(v)).toEqual(v.expected);
      const ix = decoders[v.preset].decode(new Uint8Array(data), v.accounts.map((x: string | null) => x ?? undefined));
      const rule = presets[v.preset].instructions[ix.name];
      const got = rule
        ? (checkInstructionRule(rule, { index: 0, program: presets[v.preset].program, ...ix }, { agent: v.agent, order: v.order, ataOf: ataSet, path: `programs[0].instructions.${ix.name}` }) ?? null)
        : { reason: 'instruction-not-allowed', rule: 'programs[0].instructions' };
      expect(got === null ? null : { reason: got.reason, rule: got.rule }).toEqual(v.expected);
    });
});
