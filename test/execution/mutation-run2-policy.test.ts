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
import { DRIFT, refuses, v1 } from './_policy-v1.js';
import { naiveSummary as naive } from './_summary-reference.js';

const normalizePolicy = (p: unknown): NormalizedPolicy => typed.normalizePolicy(asPolicy(p));

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
// compare with the naive reference of SPEC 10.3.7 in _summary-reference.ts (it renders the whole text
// for every state and shares no code with src/).



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
