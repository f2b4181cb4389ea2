/**
 * A naive reference of SPEC 10.3.7 (the policy summary), for the fitting rule: it renders the whole
 * text for every state of the lists and keeps the first that fits in 400 characters, sharing no code
 * with src/. Used by mutation-policy-summary.test.ts and mutation-run2-policy.test.ts.
 */
import type { NormalizedPolicy } from '../../src/execution/policy/index.js';

const WSOL = 'So11111111111111111111111111111111111111112';
const USDC = 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v';
const USDT = 'Es9vMFrzaCERmJfrF4H2FYD3KNfqA2ZrBh5Yk1LvNs1T';
const MAX = 400;

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
export function naiveSummary(p: NormalizedPolicy): string | undefined {
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
