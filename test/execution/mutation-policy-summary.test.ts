/**
 * The policy summary (SPEC 10.3.7): exact texts written by hand from the SPEC, and the fitting rule
 * checked against a naive reference written here from SPEC 10.3.7 (it renders the whole text for
 * every state and shares no code with src/). Mutation testing, issue 16 item 5.
 */
import { describe, expect, it } from 'vitest';
import * as typed from '../../src/execution/policy/index.js';
import { asPolicy } from '../helpers/untyped.js';
import type { NormalizedPolicy } from '../../src/execution/policy/index.js';
// Mutated documents are untyped: declared as PolicyInput (run-time validation is what is tested).
const normalizePolicy = (p: unknown): NormalizedPolicy => typed.normalizePolicy(asPolicy(p));
const summarizePolicy = (p: unknown): string => typed.summarizePolicy(asPolicy(p));

import { expectCode } from '../helpers/errors.js';
import { base58Encode } from '../helpers/secrets.js';
import { naiveSummary as naive } from './_summary-reference.js';

const WSOL = 'So11111111111111111111111111111111111111112';
const USDC = 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v';
const USDT = 'Es9vMFrzaCERmJfrF4H2FYD3KNfqA2ZrBh5Yk1LvNs1T';
const DEST = '9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM';
const JUP = 'JUP6LkbZbjS1jKKwapdHNy74zcZ3tLUZoi5QNyVTaV4';
const DRIFT = 'dRiftyHA39MWEi3m9aunc5MzRF1JYuBsbn6VPcn33UH';
const SYSTEM = '11111111111111111111111111111111';
const TOKEN = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA';
const TOKEN22 = 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb';
const ATA = 'ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL';
const CB = 'ComputeBudget111111111111111111111111111111';
const IDL = 'cd'.repeat(32);
const MAX = 400;

function addrN(i: number): string {
  const b = new Uint8Array(32).fill(9);
  b[0] = 0x90;
  b[1] = i & 0xff;
  b[2] = (i >> 8) & 0xff;
  return base58Encode(b);
}

type P = Record<string, unknown>;
const v2 = (extra: P = {}): P => ({ v: 2, enabled: true, killSwitch: false, programs: [], ...extra });
const v1 = (extra: P = {}): P => ({
  enabled: true,
  allowedMarkets: ['SOL-PERP'],
  allowedOrderTypes: ['limit'],
  maxLeverage: '3',
  maxPositionNotional: '1000',
  maxSlippageBps: 50,
  dailyLossLimit: '100',
  killSwitch: false,
  allowedPrograms: [],
  ...extra,
});
const summary = (p: P) => summarizePolicy(p as never);

describe('summary: exact texts (SPEC 10.3.7)', () => {
  it('v2: disabled, kill switch, spot, transfers, wrap, fee, messages, window', () => {
    const p = v2({
      enabled: false,
      killSwitch: true,
      spot: { pairs: [{ inputMint: WSOL, outputMint: USDC }, { inputMint: USDT, outputMint: DEST }], maxInput: { [WSOL]: '1000', [USDT]: '7' }, maxSlippageBps: 30 },
      transfers: { maxAmount: { [USDC]: '500' }, destinations: [DEST] },
      wrapSol: { maxLamports: '2000' },
      maxPriorityFeeLamports: '5000',
      allowSignMessage: true,
      window: { notBefore: '2025-01-01T00:00:00Z', notAfter: '2025-02-01T00:00:00Z', timeOfDayUtc: { start: '08:00', end: '20:00' } },
    });
    expect(summary(p)).toBe(
      'disabled; kill switch on; swaps USDT to 9WzDXw..YtAWWM, wSOL to USDC, max in 7 USDT, 1000 wSOL, slippage max 30 bps; ' +
        'transfers max 500 USDC to agent or 9WzDXw..YtAWWM; wrap SOL max 2000 lamports; priority fee max 5000 lamports; ' +
        'may sign messages (unchecked by v2 rules); window from 2025-01-01T00:00:00Z until 2025-02-01T00:00:00Z daily 08:00-20:00 UTC; no programs.',
    );
  });

  it('v2: transfers to the agent only; window parts alone; perps', () => {
    expect(summary(v2({ transfers: { maxAmount: { [DEST]: '1', [USDC]: '2' }, destinations: [] } }))).toBe('transfers max 1 9WzDXw..YtAWWM, 2 USDC to agent; no programs.');
    expect(summary(v2({ window: { notAfter: '2025-02-01T00:00:00Z' } }))).toBe('window until 2025-02-01T00:00:00Z; no programs.');
    expect(summary(v2({ window: { notBefore: '2025-02-01T00:00:00Z' } }))).toBe('window from 2025-02-01T00:00:00Z; no programs.');
    expect(summary(v2({ window: { timeOfDayUtc: { start: '22:00', end: '06:30' } } }))).toBe('window daily 22:00-06:30 UTC; no programs.');
    expect(summary(v2({ window: {} }))).toBe('no programs.');
    expect(
      summary(
        v2({
          perps: { markets: ['SOL-PERP', 'BTC-PERP'], orderTypes: ['market', 'limit'], maxLeverage: '2.50', maxPositionNotional: '1000', maxSlippageBps: 50, dailyLossLimit: '0' },
        }),
      ),
    ).toBe('perps BTC-PERP, SOL-PERP: limit/market orders, leverage max 2.5, position max 1000, slippage max 50 bps, daily loss limit 0; no programs.');
  });

  it('v2: programs (native labels, IDL names with literal atMost caps) and budgets', () => {
    const p = v2({
      wrapSol: { maxLamports: '1' },
      programs: [
        { program: JUP, name: 'Jupiter v6', idlSha256: IDL, instructions: {
          shared: { for: ['any'] },
          route: { for: ['swap'], args: [{ path: 'slip', atMost: { order: 'slippageBps' } }, { path: 'inAmount', atMost: '1000' }, { path: 'fee', atLeast: '5' }, { path: 'a', atMost: '-2' }] },
        } },
        { program: CB, native: 'compute-budget', instructions: ['SetComputeUnitPrice', 'SetComputeUnitLimit'] },
        { program: SYSTEM, native: 'system', instructions: ['Transfer'] },
        { program: TOKEN22, native: 'spl-token-2022', instructions: ['SyncNative'] },
        { program: TOKEN, native: 'spl-token', instructions: ['CloseAccount'] },
        { program: ATA, native: 'associated-token', instructions: ['Create'] },
      ],
    });
    expect(summary(p)).toBe(
      'wrap SOL max 1 lamports; programs System Transfer, ATA Create, ComputeBudget SetComputeUnitLimit/SetComputeUnitPrice, ' +
        'Jupiter v6 JUP6Lk..yVTaV4 route (a max -2, inAmount max 1000)/shared, Token CloseAccount, Token-2022 SyncNative.',
    );
    const b = v2({
      budgets: [
        { scope: 'grant', windowSeconds: 86_400, unit: 'signatures', limit: '100' },
        { scope: 'wallet', windowSeconds: 3_600, unit: 'token', mint: USDC, limit: '5' },
        { scope: 'grant', windowSeconds: 90, unit: 'feeLamports', limit: '7' },
        { scope: 'grant', windowSeconds: 120, unit: 'solOutflow', limit: '9' },
        { scope: 'grant', windowSeconds: 61, unit: 'quoteNotional', limit: '2.50' },
        { scope: 'grant', windowSeconds: 7_200, unit: 'token', mint: DEST, limit: '3' },
        { scope: 'grant', windowSeconds: 172_800, unit: 'signatures', limit: '8' },
      ],
    });
    expect(summary(b)).toBe(
      'no programs; budgets 100 signatures/1d/grant, 2.5 quote notional/61s/grant, 3 9WzDXw..YtAWWM out/2h/grant, 5 USDC out/1h/wallet, ' +
        '7 fee lamports/90s/grant, 8 signatures/2d/grant, 9 lamports out/2m/grant.',
    );
  });

  it('v1: its own texts', () => {
    expect(summary(v1())).toBe('perps SOL-PERP: limit orders, leverage max 3, position max 1000, slippage max 50 bps, daily loss limit 100; no programs.');
    expect(summary(v1({ allowSignMessage: true, allowedPrograms: [DRIFT, JUP], maxPriorityFeeLamports: '10', killSwitch: true }))).toBe(
      'kill switch on; perps SOL-PERP: limit orders, leverage max 3, position max 1000, slippage max 50 bps, daily loss limit 100; ' +
        'priority fee max 10 lamports; may sign messages; any instruction of JUP6Lk..yVTaV4, dRifty..cn33UH.',
    );
  });
});

// -- random policies against the naive reference of SPEC 10.3.7 (_summary-reference.ts) -------------

/** A small deterministic generator (xorshift32), so the random policies are the same on every run. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return (n: number) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

describe('summary: random policies against the naive reference', () => {
  it('v2: every clause, lists of random sizes', () => {
    const r = rng(20261202);
    const natives = [
      { program: CB, native: 'compute-budget', instructions: ['SetComputeUnitLimit', 'SetComputeUnitPrice', 'RequestHeapFrame', 'SetLoadedAccountsDataSizeLimit'] },
      { program: TOKEN, native: 'spl-token', instructions: ['SyncNative', 'CloseAccount', 'TransferChecked', 'Transfer', 'Revoke'] },
      { program: ATA, native: 'associated-token', instructions: ['CreateIdempotent', 'Create'] },
      { program: SYSTEM, native: 'system', instructions: ['Transfer'] },
    ];
    let refused = 0;
    for (let t = 0; t < 40; t++) {
      const n = () => [0, 1, 2, 3, 5, 8, 13, 20][r(8)]!;
      const pol: P = v2({ enabled: r(4) !== 0, killSwitch: r(4) === 0, allowSignMessage: r(2) === 0 });
      if (r(3) === 0) pol['maxPriorityFeeLamports'] = String(r(100000));
      if (r(3) === 0) pol['window'] = { notAfter: '2030-01-01T00:00:00Z', ...(r(2) ? { timeOfDayUtc: { start: '01:00', end: '02:30' } } : {}) };
      const nm = n();
      if (nm > 0) pol['perps'] = { markets: Array.from({ length: nm }, (_, i) => `MK${i}`), orderTypes: ['limit'], maxLeverage: '2', maxPositionNotional: '10', maxSlippageBps: 3, dailyLossLimit: '1' };
      const np = n();
      if (np > 0) {
        const pairs = Array.from({ length: np }, (_, i) => ({ inputMint: addrN(100 + i), outputMint: i % 2 ? USDC : WSOL }));
        pol['spot'] = { pairs, maxInput: Object.fromEntries(pairs.map((x, i) => [x.inputMint, String(i * 7)])), maxSlippageBps: 9 };
      }
      const nt = n();
      if (nt > 0) pol['transfers'] = { maxAmount: Object.fromEntries(Array.from({ length: nt }, (_, i) => [addrN(200 + i), String(i)])), destinations: Array.from({ length: n() }, (_, i) => addrN(300 + i)) };
      const wrap = r(2) === 0;
      if (wrap) pol['wrapSol'] = { maxLamports: '77' };
      const progs: unknown[] = natives.filter((x) => r(2) === 0 && (x.native !== 'system' || wrap));
      const ni = n();
      for (let i = 0; i < ni; i++)
        progs.push({
          program: addrN(400 + i),
          name: `Prog ${i}`,
          idlSha256: IDL,
          instructions: Object.fromEntries(Array.from({ length: 1 + r(6) }, (_, j) => [`ix${j}`, { for: ['any'], args: r(3) === 0 ? [{ path: 'amt', atMost: String(j) }] : [] }])),
        });
      pol['programs'] = progs;
      const nb = r(5);
      pol['budgets'] = Array.from({ length: nb }, (_, i) => ({ scope: 'grant', windowSeconds: [60, 90, 3600, 86400, 7200][i]!, unit: ['signatures', 'feeLamports', 'token', 'quoteNotional', 'solOutflow'][i]!, ...(i === 2 ? { mint: USDC } : {}), limit: String(10 + i) }));
      let p: ReturnType<typeof normalizePolicy>;
      try {
        p = normalizePolicy(pol as never);
      } catch (e) {
        expect((e as { details?: unknown }).details).toEqual({ field: 'policy', reason: 'summary-too-long' });
        refused++;
        continue;
      }
      const want = naive(p);
      expect(want).toBeDefined();
      expect(summary(p as never)).toBe(want);
    }
    expect(refused).toBeLessThan(20);
  });

  it('v1: markets and programs of random sizes', () => {
    const r = rng(7);
    for (let t = 0; t < 25; t++) {
      const nm = 1 + r(60);
      const np = r(64);
      const pol = v1({
        allowedMarkets: Array.from({ length: nm }, (_, i) => `MARKET-${i}`),
        allowedPrograms: Array.from({ length: np }, (_, i) => addrN(500 + i)),
        allowSignMessage: r(2) === 0,
        enabled: r(3) !== 0,
        maxPriorityFeeLamports: r(2) ? '0' : '5',
      });
      const p = normalizePolicy(pol as never);
      expect(summary(pol)).toBe(naive(p));
    }
  });
});

describe('summary: fitting (SPEC 10.3.7) against the naive reference', () => {
  it('one long list: the largest k that fits, then "and N more"', () => {
    for (const n of [1, 2, 10, 11, 12, 13, 20, 40, 100, 256]) {
      const dests = Array.from({ length: n }, (_, i) => addrN(i));
      const p = normalizePolicy(v2({ transfers: { maxAmount: { [USDC]: '1' }, destinations: dests } }) as never);
      const want = naive(p);
      expect(want).toBeDefined();
      expect(summary(p as never)).toBe(want);
    }
  });

  it('two lists of equal size: the later one is cut first; counts at k = 0', () => {
    for (const n of [5, 9, 10, 11, 14, 15, 16, 17, 30, 60, 120, 250]) {
      const mints = Array.from({ length: n }, (_, i) => addrN(1000 + i));
      const p = normalizePolicy(v2({ transfers: { maxAmount: Object.fromEntries(mints.map((m, i) => [m, String(i)])), destinations: mints } }) as never);
      expect(summary(p as never)).toBe(naive(p));
    }
    for (const [a, b] of [[3, 12], [12, 3], [7, 8], [8, 7], [20, 21], [21, 20]] as const) {
      const pairs = Array.from({ length: a }, (_, i) => ({ inputMint: addrN(2000 + i), outputMint: USDC }));
      const caps = Object.fromEntries(Array.from({ length: Math.max(a, b) }, (_, i) => [addrN(2000 + i), '1']));
      const p = normalizePolicy(v2({ spot: { pairs, maxInput: caps, maxSlippageBps: 1 } }) as never);
      expect(summary(p as never)).toBe(naive(p));
    }
  });

  it('programs and their instruction lists: nested cuts, "N programs" without the keyword', () => {
    const prog = (i: number, ixs: number) => ({
      program: addrN(3000 + i),
      name: `P${i}`,
      idlSha256: IDL,
      instructions: Object.fromEntries(Array.from({ length: ixs }, (_, j) => [`ix_${j}`, { for: ['any'] }])),
    });
    for (const [np, ni] of [[1, 40], [2, 30], [3, 3], [5, 10], [8, 2], [12, 1], [20, 5], [40, 1], [30, 8]] as const) {
      const p = normalizePolicy(v2({ programs: Array.from({ length: np }, (_, i) => prog(i, ni)) }) as never);
      const s = summary(p as never);
      expect(s).toBe(naive(p));
      expect(s.length).toBeLessThanOrEqual(MAX);
    }
  });

  it('with perps, spot and transfers together', () => {
    const markets = Array.from({ length: 30 }, (_, i) => `MKT-${i}`);
    const dests = Array.from({ length: 30 }, (_, i) => addrN(4000 + i));
    const p = normalizePolicy(
      v2({
        perps: { markets, orderTypes: ['limit'], maxLeverage: '1', maxPositionNotional: '1', maxSlippageBps: 1, dailyLossLimit: '1' },
        spot: { pairs: [{ inputMint: WSOL, outputMint: USDC }], maxInput: { [WSOL]: '1' }, maxSlippageBps: 1 },
        transfers: { maxAmount: { [USDC]: '1' }, destinations: dests },
      }) as never,
    );
    expect(summary(p as never)).toBe(naive(p));
  });

  it('a v2 policy whose summary cannot fit is refused at normalization; v1 at summarizePolicy', () => {
    const big = (d: string) => d.repeat(30) + '.' + d.repeat(18);
    const allTypes = ['market', 'limit', 'stop-market', 'stop-limit', 'take-profit-market', 'take-profit-limit', 'cancel'];
    const huge = v2({
      enabled: false,
      killSwitch: true,
      perps: { markets: ['M'], orderTypes: allTypes, maxLeverage: big('1'), maxPositionNotional: big('2'), maxSlippageBps: 10_000, dailyLossLimit: big('3') },
      window: { notBefore: '2025-01-01T00:00:00Z', notAfter: '2026-01-01T00:00:00Z', timeOfDayUtc: { start: '00:00', end: '23:59' } },
      maxPriorityFeeLamports: '18446744073709551615',
    });
    const e = expectCode(() => normalizePolicy(huge as never), 'POLICY_INVALID');
    expect(e.details).toEqual({ field: 'policy', reason: 'summary-too-long' });
    expect(e.message).toBe('policy: too many or too long limits for a summary of 400 characters');
    const lv1 = v1({ maxLeverage: '1'.repeat(30) + '.' + '1'.repeat(18), maxPositionNotional: '2'.repeat(30) + '.' + '2'.repeat(18), dailyLossLimit: '3'.repeat(30) + '.' + '3'.repeat(18), allowedMarkets: ['M'.repeat(64)], window: { notBefore: '2025-01-01T00:00:00Z', notAfter: '2026-01-01T00:00:00Z', timeOfDayUtc: { start: '00:00', end: '23:59' } }, allowSignMessage: true, maxPriorityFeeLamports: '18446744073709551615', allowedOrderTypes: ['market', 'limit', 'stop-market', 'stop-limit', 'take-profit-market', 'take-profit-limit', 'cancel'], enabled: false, killSwitch: true });
    expect(normalizePolicy(lv1 as never).v).toBe(1);
    const e1 = expectCode(() => summary(lv1), 'POLICY_INVALID');
    expect(e1.details).toEqual({ field: 'policy', reason: 'summary-too-long' });
    expect(e1.message).toBe('policy: its summary cannot fit 400 characters');
  });

  it('summaries are cached per normalized policy and stable', () => {
    const p = normalizePolicy(v2({ wrapSol: { maxLamports: '1' } }) as never);
    expect(summary(p as never)).toBe('wrap SOL max 1 lamports; no programs.');
    expect(summary(p as never)).toBe('wrap SOL max 1 lamports; no programs.');
    expect(summary(v2({ wrapSol: { maxLamports: '1' } }))).toBe('wrap SOL max 1 lamports; no programs.');
  });
});
