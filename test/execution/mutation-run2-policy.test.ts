/**
 * Survivors of the complete `execution` mutation run of dbab1f0 (issue 16 item 5) in the policy
 * schema helpers: the refusal text of a sparse string set (SPEC 10.3.1) and the type of the
 * time-of-day bounds (SPEC 10.3.1: 'HH:MM' strings; a value whose String() is 'HH:MM' is not one).
 * A light file: it imports only the policy module. Classification: /work/coord/mutation-execution-b.md.
 */
import { describe, expect, it } from 'vitest';
import * as typed from '../../src/execution/policy/index.js';
import type { NormalizedPolicy } from '../../src/execution/policy/index.js';
import { asPolicy } from '../helpers/untyped.js';
import { expectCode } from '../helpers/errors.js';
import { base58Encode } from '../helpers/secrets.js';

const normalizePolicy = (p: unknown): NormalizedPolicy => typed.normalizePolicy(asPolicy(p));

const DRIFT = 'dRiftyHA39MWEi3m9aunc5MzRF1JYuBsbn6VPcn33UH';
const WSOL = 'So11111111111111111111111111111111111111112';
const USDC = 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v';
const USDT = 'Es9vMFrzaCERmJfrF4H2FYD3KNfqA2ZrBh5Yk1LvNs1T';
const CB = 'ComputeBudget111111111111111111111111111111';
const IDL = 'ab'.repeat(32);
const MAX = 400;
const summarizePolicy = (p: unknown): string => typed.summarizePolicy(asPolicy(p));
function addrN(i: number): string {
  const b = new Uint8Array(32).fill(7);
  b[0] = 0x80;
  b[1] = i & 0xff;
  b[2] = (i >> 8) & 0xff;
  return base58Encode(b);
}
type P = Record<string, unknown>;
const v1 = (extra: P = {}): P => ({
  enabled: true,
  allowedMarkets: ['SOL-PERP'],
  allowedOrderTypes: ['limit'],
  maxLeverage: '3',
  maxPositionNotional: '1000',
  maxSlippageBps: 50,
  dailyLossLimit: '100',
  killSwitch: false,
  allowedPrograms: [DRIFT],
  ...extra,
});
function refuses(policy: unknown, field: string, why: string): void {
  const e = expectCode(() => normalizePolicy(policy), 'POLICY_INVALID');
  expect(e.details).toEqual({ field: `policy.${field}` });
  expect(e.message).toBe(`policy.${field}: ${why}`);
}

describe('policy schema v1: string sets and time-of-day bounds (mutation run 2)', () => {
  it('a sparse string set is refused naming the hole: "missing entry (sparse array)"', () => {
    const markets: string[] = ['SOL-PERP', 'ETH-PERP', 'BTC-PERP'];
    delete markets[1];
    refuses(v1({ allowedMarkets: markets }), 'allowedMarkets[1]', 'missing entry (sparse array)');
    const programs: string[] = [DRIFT];
    programs.length = 2; // a trailing hole
    refuses(v1({ allowedPrograms: programs }), 'allowedPrograms[1]', 'missing entry (sparse array)');
  });

  it("time-of-day bounds must be strings: ['12:00'] (String() is '12:00') is refused", () => {
    const why = "expected 'HH:MM' (00:00..23:59)";
    refuses(v1({ window: { timeOfDayUtc: { start: ['12:00'], end: '13:00' } } }), 'window.timeOfDayUtc.start', why);
    refuses(v1({ window: { timeOfDayUtc: { start: '12:00', end: ['13:00'] } } }), 'window.timeOfDayUtc.end', why);
    refuses(v1({ window: { timeOfDayUtc: { start: { toString: () => '12:00' }, end: '13:00' } } }), 'window.timeOfDayUtc.start', why);
    // The same bounds as strings are accepted (the refusals above are about the type only).
    expect(normalizePolicy(v1({ window: { timeOfDayUtc: { start: '12:00', end: '13:00' } } })).window).toEqual({
      timeOfDayUtc: { start: '12:00', end: '13:00' },
    });
  });
});

// -- SPEC 10.3.7 near the 400-character limit --------------------------------------------------------
// The summary code computes a state's length from the lists' lengths and builds the text only for a
// state whose computed length fits; a computation that is off by a few characters changes the result
// only for a text within a few characters of 400. The policies below sweep a padding (digits of a
// decimal or integer limit) one character at a time across that boundary, for every kind of list, and
// compare with a naive reference of SPEC 10.3.7 (copied from mutation-policy-summary.test.ts: it renders
// the whole text for every state and shares no code with src/).

const KNOWN: Record<string, string> = { [WSOL]: 'wSOL', [USDC]: 'USDC', [USDT]: 'USDT' };
const ad = (a: string) => (a.length <= 14 ? a : a.slice(0, 6) + '..' + a.slice(a.length - 6));
const mi = (a: string) => KNOWN[a] ?? ad(a);
interface L { items: string[]; one: string; many: string; sep: string }
function list(l: L, k: number): string {
  const n = l.items.length;
  if (k >= n) return l.items.join(l.sep);
  if (k === 0) return `${n} ${n === 1 ? l.one : l.many}`;
  return `${l.items.slice(0, k).join(l.sep)} and ${n - k} more ${n - k === 1 ? l.one : l.many}`;
}
const NATIVE: Record<string, string> = { system: 'System', 'spl-token': 'Token', 'spl-token-2022': 'Token-2022', 'associated-token': 'ATA', 'compute-budget': 'ComputeBudget' };
const UNIT: Record<string, string> = { signatures: 'signatures', feeLamports: 'fee lamports', solOutflow: 'lamports out', quoteNotional: 'quote notional' };
const dur = (s: number) => (s % 86400 === 0 ? `${s / 86400}d` : s % 3600 === 0 ? `${s / 3600}h` : s % 60 === 0 ? `${s / 60}m` : `${s}s`);

/** SPEC 10.3.7 for a normalized v1 or v2 policy, rendering the whole text at every step. */
function naive(p: ReturnType<typeof normalizePolicy>): string | undefined {
  const lists: L[] = [];
  const clauses: ((k: number[]) => string)[] = [];
  if (!p.enabled) clauses.push(() => 'disabled');
  if (p.killSwitch) clauses.push(() => 'kill switch on');
  const perps = p.v === 1
    ? { markets: p.allowedMarkets, orderTypes: p.allowedOrderTypes, maxLeverage: p.maxLeverage, maxPositionNotional: p.maxPositionNotional, maxSlippageBps: p.maxSlippageBps, dailyLossLimit: p.dailyLossLimit }
    : p.perps;
  if (perps) {
    const m = lists.push({ items: [...perps.markets], one: 'market', many: 'markets', sep: ', ' }) - 1;
    const x = perps;
    clauses.push((k) => `perps ${list(lists[m]!, k[m]!)}: ${x.orderTypes.join('/')} orders, leverage max ${x.maxLeverage}, position max ${x.maxPositionNotional}, slippage max ${x.maxSlippageBps} bps, daily loss limit ${x.dailyLossLimit}`);
  }
  if (p.v === 2 && p.spot) {
    const s = p.spot;
    const a = lists.push({ items: s.pairs.map((x) => `${mi(x.inputMint)} to ${mi(x.outputMint)}`), one: 'pair', many: 'pairs', sep: ', ' }) - 1;
    const b = lists.push({ items: Object.keys(s.maxInput).sort().map((m) => `${s.maxInput[m]} ${mi(m)}`), one: 'cap', many: 'caps', sep: ', ' }) - 1;
    clauses.push((k) => `swaps ${list(lists[a]!, k[a]!)}, max in ${list(lists[b]!, k[b]!)}, slippage max ${s.maxSlippageBps} bps`);
  }
  if (p.v === 2 && p.transfers) {
    const t = p.transfers;
    const a = lists.push({ items: Object.keys(t.maxAmount).sort().map((m) => `${t.maxAmount[m]} ${mi(m)}`), one: 'cap', many: 'caps', sep: ', ' }) - 1;
    const b = lists.push({ items: t.destinations.map(ad), one: 'wallet', many: 'wallets', sep: ', ' }) - 1;
    clauses.push((k) => `transfers max ${list(lists[a]!, k[a]!)} to agent${t.destinations.length ? ` or ${list(lists[b]!, k[b]!)}` : ''}`);
  }
  if (p.v === 2 && p.wrapSol) {
    const w = p.wrapSol.maxLamports;
    clauses.push(() => `wrap SOL max ${w} lamports`);
  }
  if (p.maxPriorityFeeLamports !== '0') clauses.push(() => `priority fee max ${p.maxPriorityFeeLamports} lamports`);
  if (p.allowSignMessage) clauses.push(() => (p.v === 2 ? 'may sign messages (unchecked by v2 rules)' : 'may sign messages'));
  const wp: string[] = [];
  if (p.window.notBefore) wp.push(`from ${p.window.notBefore}`);
  if (p.window.notAfter) wp.push(`until ${p.window.notAfter}`);
  if (p.window.timeOfDayUtc) wp.push(`daily ${p.window.timeOfDayUtc.start}-${p.window.timeOfDayUtc.end} UTC`);
  if (wp.length) clauses.push(() => `window ${wp.join(' ')}`);
  if (p.v === 1) {
    const g = lists.push({ items: p.allowedPrograms.map(ad), one: 'program', many: 'programs', sep: ', ' }) - 1;
    clauses.push((k) => (p.allowedPrograms.length === 0 ? 'no programs' : `any instruction of ${list(lists[g]!, k[g]!)}`));
  } else {
    const progs = p.programs.map((r) => {
      if ('native' in r) return { label: NATIVE[r.native]!, names: [...r.instructions] };
      const names = Object.keys(r.instructions).sort().map((n) => {
        const caps = r.instructions[n]!.args.flatMap((c) => ('atMost' in c && typeof c.atMost === 'string' ? [`${c.path} max ${c.atMost}`] : []));
        return caps.length ? `${n} (${caps.join(', ')})` : n;
      });
      return { label: `${r.name} ${ad(r.program)}`, names };
    });
    const g = lists.push({ items: progs.map((x) => x.label), one: 'program', many: 'programs', sep: ', ' }) - 1;
    const inner = progs.map((x) => lists.push({ items: x.names, one: 'instruction', many: 'instructions', sep: '/' }) - 1);
    clauses.push((k) => {
      if (progs.length === 0) return 'no programs';
      const items = progs.map((x, j) => `${x.label} ${list(lists[inner[j]!]!, k[inner[j]!]!)}`);
      const text = list({ ...lists[g]!, items }, k[g]!);
      return k[g] === 0 ? text : `programs ${text}`;
    });
    if (p.budgets.length) {
      const b = lists.push({ items: p.budgets.map((x) => `${x.limit} ${x.unit === 'token' ? `${mi(x.mint!)} out` : UNIT[x.unit]}/${dur(x.windowSeconds)}/${x.scope}`), one: 'budget', many: 'budgets', sep: ', ' }) - 1;
      clauses.push((k) => (k[b] === 0 ? list(lists[b]!, 0) : `budgets ${list(lists[b]!, k[b]!)}`));
    }
  }
  const k = lists.map((l) => l.items.length);
  for (;;) {
    const text = `${clauses.map((c) => c(k)).join('; ')}.`;
    if (text.length <= MAX) return text;
    let best = -1;
    for (let i = 0; i < k.length; i++) if (k[i]! > 0 && (best === -1 || k[i]! >= k[best]!)) best = i;
    if (best === -1) return undefined;
    k[best]!--;
  }
}


type Shape = (pad: number) => P;
const perps = (pad: number, markets: string[]): P => ({
  markets,
  orderTypes: ['limit'],
  maxLeverage: '1'.repeat(1 + Math.min(pad, 29)),
  maxPositionNotional: '2'.repeat(1 + Math.max(0, Math.min(pad - 29, 29))),
  maxSlippageBps: 1,
  dailyLossLimit: '3',
});
const v2 = (extra: P): P => ({ v: 2, enabled: true, killSwitch: false, programs: [], ...extra });
const names = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

/** Sweeps `pad` and checks every summary against the reference; returns how many texts were 390..400 long. */
function sweep(shape: Shape, pads: number, ref?: (pad: number) => unknown): { near: number; cut: number; refused: number } {
  let near = 0;
  let cut = 0;
  let refused = 0;
  for (let pad = 0; pad < pads; pad++) {
    let p: NormalizedPolicy;
    try {
      p = normalizePolicy(shape(pad));
    } catch (e) {
      // Only a v2 policy whose summary cannot fit even with every list at its count is refused.
      expect((e as { details?: unknown }).details).toEqual({ field: 'policy', reason: 'summary-too-long' });
      // `ref`: the same document written as its normalized form, for the reference to judge the refusal.
      if (ref !== undefined) expect(naive(ref(pad) as NormalizedPolicy)).toBeUndefined();
      refused++;
      continue;
    }
    const want = naive(p);
    if (ref !== undefined) expect(naive(ref(pad) as NormalizedPolicy)).toBe(want);
    if (want === undefined) {
      expectCode(() => summarizePolicy(p), 'POLICY_INVALID');
      refused++;
      continue;
    }
    const got = summarizePolicy(p);
    expect(got).toBe(want);
    expect(got.length).toBeLessThanOrEqual(MAX);
    if (got.length >= MAX - 10) near++;
    if (got.includes(' more ') || /(^|; |perps |swaps |max in |max |or )\d+ (markets?|pairs?|caps?|wallets?|programs?|budgets?|instructions?)\b/.test(got)) cut++;
  }
  return { near, cut, refused };
}

const total = { near: 0, cut: 0, refused: 0 };
function add(r: { near: number; cut: number; refused: number }): void {
  total.near += r.near;
  total.cut += r.cut;
  total.refused += r.refused;
}

describe('summary near the 400-character limit (SPEC 10.3.7) against a naive reference (mutation run 2)', () => {
  it('v2 wallets and caps (", " lists): every padding from 0 to 57 characters', () => {
    total.near = total.cut = total.refused = 0;
    for (let n = 1; n <= 20; n++) {
      const dests = Array.from({ length: n }, (_, i) => addrN(i));
      add(sweep((pad) => v2({ perps: perps(pad, ['M']), transfers: { maxAmount: { [USDC]: '5', [addrN(900)]: '6' }, destinations: dests } }), 58));
    }
    expect(total.refused).toBe(0);
    expect(total.near).toBeGreaterThan(20);
    expect(total.cut).toBeGreaterThan(20);
  });

  it('v2 pairs, caps and markets cut together', () => {
    total.near = total.cut = total.refused = 0;
    for (let n = 3; n <= 14; n++) {
      const pairs = Array.from({ length: n }, (_, i) => ({ inputMint: addrN(100 + i), outputMint: i % 2 ? USDC : WSOL }));
      const caps = Object.fromEntries(pairs.map((x, i) => [x.inputMint, String(10 + i)]));
      add(sweep((pad) => v2({ perps: perps(pad, names(n, 'MK-')), spot: { pairs, maxInput: caps, maxSlippageBps: 7 } }), 58));
    }
    expect(total.refused).toBe(0);
    expect(total.near).toBeGreaterThan(20);
    expect(total.cut).toBeGreaterThan(20);
  });

  it('v2 programs with instruction lists ("/" lists, nested) and budgets (keywords)', () => {
    total.near = total.cut = total.refused = 0;
    const prog = (i: number, ixs: number, cap: boolean) => ({
      program: addrN(300 + i),
      name: `Prog${i}`,
      idlSha256: IDL,
      instructions: Object.fromEntries(Array.from({ length: ixs }, (_, j) => [`ix${j}`, { for: ['any'], ...(cap && j === 0 ? { args: [{ path: 'amount', atMost: '99' }] } : {}) }])),
    });
    const budgets = [
      { scope: 'grant', windowSeconds: 3600, unit: 'signatures', limit: '10' },
      { scope: 'grant', windowSeconds: 86400, unit: 'token', mint: USDT, limit: '500' },
      { scope: 'wallet', windowSeconds: 90, unit: 'feeLamports', limit: '7' },
    ];
    for (const ni of [1, 3, 30])
      for (let np = 1; np <= 10; np++) {
        const programs: unknown[] = [{ program: CB, native: 'compute-budget', instructions: ['SetComputeUnitLimit', 'SetComputeUnitPrice'] }];
        for (let i = 0; i < np; i++) programs.push(prog(i, ni, i % 2 === 0));
        add(sweep((pad) => v2({ perps: perps(pad, ['SOL-PERP']), programs, budgets: budgets.slice(0, np % 4) }), 58));
      }
    expect(total.near).toBeGreaterThan(20);
    expect(total.cut).toBeGreaterThan(20);
  });

  it('a list cut to its count (k = 0) with the text at 399 or 400 characters', () => {
    total.near = total.cut = total.refused = 0;
    const dests = Array.from({ length: 30 }, (_, i) => addrN(700 + i));
    const window = { notBefore: '2026-01-01T00:00:00Z', notAfter: '2027-01-01T00:00:00Z', timeOfDayUtc: { start: '08:00', end: '17:30' } };
    let atLimit = 0;
    for (let fee = 1; fee <= 20; fee++) {
      const shape: Shape = (pad) =>
        v2({
          enabled: false,
          killSwitch: true,
          allowSignMessage: true,
          maxPriorityFeeLamports: '1'.repeat(fee),
          window,
          perps: perps(pad, ['SOL-PERP']),
          transfers: { maxAmount: { [USDC]: '5' }, destinations: dests },
        });
      // The document is already in its normalized form but for the order of the wallets and the absent budgets.
      add(sweep(shape, 58, (pad) => ({ ...shape(pad), budgets: [], transfers: { maxAmount: { [USDC]: '5' }, destinations: [...dests].sort() } })));
      for (let pad = 0; pad < 58; pad++) {
        let s: string;
        try {
          s = summarizePolicy(shape(pad));
        } catch {
          continue;
        }
        if (s.length >= MAX - 1 && s.includes(' or 30 wallets; ')) atLimit++;
      }
    }
    expect(atLimit).toBeGreaterThan(0);
    expect(total.refused).toBeGreaterThan(0);
    expect(total.cut).toBeGreaterThan(20);
  });

  it('v1 markets and programs', () => {
    total.near = total.cut = total.refused = 0;
    for (let nm = 1; nm <= 31; nm += 3)
      for (const np of [0, 1, 2, 5, 9, 14, 20]) {
        add(
          sweep(
            (pad) => ({
              enabled: true,
              killSwitch: false,
              allowedMarkets: names(nm, 'MARKET-'),
              allowedOrderTypes: ['limit', 'market'],
              maxLeverage: '1'.repeat(1 + Math.min(pad, 29)),
              maxPositionNotional: '2'.repeat(1 + Math.max(0, Math.min(pad - 29, 29))),
              maxSlippageBps: 50,
              dailyLossLimit: '100',
              allowedPrograms: Array.from({ length: np }, (_, i) => addrN(600 + i)),
              allowSignMessage: true,
            }),
            58,
          ),
        );
      }
    expect(total.near).toBeGreaterThan(20);
    expect(total.cut).toBeGreaterThan(20);
  });
});
