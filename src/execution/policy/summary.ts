/**
 * The human-readable policy summary the user signs (DESIGN 13 "What the user reads", SPEC
 * 10.3.7): a pure function of the normalized policy, the same text in every implementation,
 * bounded in length, in the SIWS statement charset. Lists that do not fit are cut to their first K
 * entries followed by "and N more <noun>" (never silently omitted); K is the largest value for
 * which the whole text fits. The enable-execution statement carries it; grant creation and use
 * regenerate it from the policy and refuse a mismatch.
 * @module
 */
import { fail } from '../../errors.js';
import { normalizePolicy, type NormalizedPolicy, type PolicyInput, type PolicyV1, type PolicyV2 } from './normalize.js';
import type { NativeProgram } from './types.js';
import type { NormalizedBudget } from './v2.js';
import type { PolicyWindow } from './v1.js';

import { MAX_POLICY_SUMMARY_LENGTH } from '../../messages/purposes.js';

/** SPEC 10.3.7: the longest summary (characters = bytes: the text is ASCII). */
export { MAX_POLICY_SUMMARY_LENGTH };

/** SPEC 10.3.7: mints shown by name; every other address as its first 6 and last 6 characters. */
export const KNOWN_MINTS: Readonly<Record<string, string>> = Object.freeze({
  So11111111111111111111111111111111111111112: 'wSOL',
  EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v: 'USDC',
  Es9vMFrzaCERmJfrF4H2FYD3KNfqA2ZrBh5Yk1LvNs1T: 'USDT',
});

/** `EPjFWd..wTDt1v`: 6 + 6 characters keep a look-alike address out of reach of vanity grinding (about 70 bits). */
function addr(a: string): string {
  return a.length <= 14 ? a : `${a.slice(0, 6)}..${a.slice(-6)}`;
}
function mint(a: string): string {
  return Object.prototype.hasOwnProperty.call(KNOWN_MINTS, a) ? KNOWN_MINTS[a]! : addr(a);
}

function noun(n: number, one: string, many: string): string {
  return n === 1 ? one : many;
}

/** One list of the text (SPEC 10.3.7), with the nouns its truncation uses. */
interface ListSpec {
  readonly items: readonly string[];
  readonly one: string;
  readonly many: string;
  readonly sep: string;
  /** Clause keyword written before the list unless it is shown as a bare count (k = 0). */
  readonly keyword?: string;
}

/** Length of `renderList(l, k)` (plus its keyword) given the items' lengths, without building it. */
function listLength(l: ListSpec, k: number, itemsLength: (m: number) => number): number {
  const n = l.items.length;
  const kw = l.keyword === undefined || k === 0 || n === 0 ? 0 : l.keyword.length + 1;
  if (n <= k) return kw + itemsLength(n) + (n > 0 ? l.sep.length * (n - 1) : 0);
  if (k === 0) return `${n} ${noun(n, l.one, l.many)}`.length;
  return kw + itemsLength(k) + l.sep.length * (k - 1) + ` and ${n - k} more ${noun(n - k, l.one, l.many)}`.length;
}

/** SPEC 10.3.7 list rule: all items if k >= n; the first k and "and N more"; k = 0: "N <nouns>". */
function renderList(l: ListSpec, k: number): string {
  const n = l.items.length;
  if (n <= k) return l.items.join(l.sep);
  if (k === 0) return `${n} ${noun(n, l.one, l.many)}`;
  return `${l.items.slice(0, k).join(l.sep)} and ${n - k} more ${noun(n - k, l.one, l.many)}`;
}

function duration(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400}d`;
  if (seconds % 3_600 === 0) return `${seconds / 3_600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

const UNIT_LABEL: Readonly<Record<Exclude<NormalizedBudget['unit'], 'token'>, string>> = {
  signatures: 'signatures',
  feeLamports: 'fee lamports',
  solOutflow: 'lamports out',
  quoteNotional: 'quote notional',
};

function budgetText(b: NormalizedBudget): string {
  const what = b.unit === 'token' ? `${mint(b.mint!)} out` : UNIT_LABEL[b.unit];
  return `${b.limit} ${what}/${duration(b.windowSeconds)}/${b.scope}`;
}

/** A clause led by its keyword, except when its list is shown as a bare count ("5 programs"). */
function keyword(word: string, text: string, k: number): string {
  return k === 0 ? text : `${word} ${text}`;
}

/** SPEC 10.3.7: native programs by a short name. */
export const NATIVE_PROGRAM_LABELS: Readonly<Record<NativeProgram, string>> = Object.freeze({
  system: 'System',
  'spl-token': 'Token',
  'spl-token-2022': 'Token-2022',
  'associated-token': 'ATA',
  'compute-budget': 'ComputeBudget',
});

function windowText(w: PolicyWindow): string | undefined {
  const parts: string[] = [];
  if (w.notBefore !== undefined) parts.push(`from ${w.notBefore}`);
  if (w.notAfter !== undefined) parts.push(`until ${w.notAfter}`);
  if (w.timeOfDayUtc !== undefined) parts.push(`daily ${w.timeOfDayUtc.start}-${w.timeOfDayUtc.end} UTC`);
  return parts.length === 0 ? undefined : `window ${parts.join(' ')}`;
}

/**
 * A summary template: the lists in order of first appearance and a function that renders the
 * text given how many entries of each list to show.
 */
interface Template {
  readonly lists: readonly ListSpec[];
  readonly render: (k: readonly number[]) => string;
  /** v2: the programs list and, per program, the index of its instruction list and its label. */
  readonly programs?: { readonly list: number; readonly inner: readonly { readonly i: number; readonly label: string }[] };
}

function common(p: NormalizedPolicy, parts: ((k: readonly number[]) => string)[]): void {
  if (!p.enabled) parts.push(() => 'disabled');
  if (p.killSwitch) parts.push(() => 'kill switch on');
}

function tail(p: NormalizedPolicy, parts: ((k: readonly number[]) => string)[]): void {
  if (p.maxPriorityFeeLamports !== '0') parts.push(() => `priority fee max ${p.maxPriorityFeeLamports} lamports`);
  // v2 (review, not a finding): signed messages are checked by no program, order or budget rule;
  // the user reads that. v1 keeps its text (signed v1 summaries must still verify).
  if (p.allowSignMessage) parts.push(() => (p.v === 2 ? 'may sign messages (unchecked by v2 rules)' : 'may sign messages'));
  const w = windowText(p.window);
  if (w !== undefined) parts.push(() => w);
}

function perps(
  x: { markets: readonly string[]; orderTypes: readonly string[]; maxLeverage: string; maxPositionNotional: string; maxSlippageBps: number; dailyLossLimit: string },
  lists: ListSpec[],
  parts: ((k: readonly number[]) => string)[],
): void {
  const m = lists.push({ items: x.markets, one: 'market', many: 'markets', sep: ', ' }) - 1;
  parts.push(
    (k) =>
      `perps ${renderList(lists[m]!, k[m]!)}: ${x.orderTypes.join('/')} orders, leverage max ${x.maxLeverage}, ` +
      `position max ${x.maxPositionNotional}, slippage max ${x.maxSlippageBps} bps, daily loss limit ${x.dailyLossLimit}`,
  );
}

function templateV1(p: PolicyV1): Template {
  const lists: ListSpec[] = [];
  const parts: ((k: readonly number[]) => string)[] = [];
  common(p, parts);
  perps(
    {
      markets: p.allowedMarkets,
      orderTypes: p.allowedOrderTypes,
      maxLeverage: p.maxLeverage,
      maxPositionNotional: p.maxPositionNotional,
      maxSlippageBps: p.maxSlippageBps,
      dailyLossLimit: p.dailyLossLimit,
    },
    lists,
    parts,
  );
  tail(p, parts);
  const g = lists.push({ items: p.allowedPrograms.map(addr), one: 'program', many: 'programs', sep: ', ' }) - 1;
  parts.push((k) => (p.allowedPrograms.length === 0 ? 'no programs' : `any instruction of ${renderList(lists[g]!, k[g]!)}`));
  return { lists, render: (k) => `${parts.map((f) => f(k)).join('; ')}.` };
}

function templateV2(p: PolicyV2): Template {
  const lists: ListSpec[] = [];
  const parts: ((k: readonly number[]) => string)[] = [];
  common(p, parts);
  if (p.perps !== undefined) perps(p.perps, lists, parts);
  if (p.spot !== undefined) {
    const spot = p.spot;
    const a = lists.push({ items: spot.pairs.map((x) => `${mint(x.inputMint)} to ${mint(x.outputMint)}`), one: 'pair', many: 'pairs', sep: ', ' }) - 1;
    const b = lists.push({ items: Object.keys(spot.maxInput).map((m) => `${spot.maxInput[m]!} ${mint(m)}`), one: 'cap', many: 'caps', sep: ', ' }) - 1;
    parts.push((k) => `swaps ${renderList(lists[a]!, k[a]!)}, max in ${renderList(lists[b]!, k[b]!)}, slippage max ${spot.maxSlippageBps} bps`);
  }
  if (p.transfers !== undefined) {
    const t = p.transfers;
    const a = lists.push({ items: Object.keys(t.maxAmount).map((m) => `${t.maxAmount[m]!} ${mint(m)}`), one: 'cap', many: 'caps', sep: ', ' }) - 1;
    const b = lists.push({ items: t.destinations.map(addr), one: 'wallet', many: 'wallets', sep: ', ' }) - 1;
    parts.push((k) => `transfers max ${renderList(lists[a]!, k[a]!)} to agent${t.destinations.length === 0 ? '' : ` or ${renderList(lists[b]!, k[b]!)}`}`);
  }
  if (p.wrapSol !== undefined) parts.push(() => `wrap SOL max ${p.wrapSol!.maxLamports} lamports`);
  tail(p, parts);
  // Programs: the list of programs first, then each program's instruction list (SPEC 10.3.7 order).
  const g = lists.push({ items: [], one: 'program', many: 'programs', sep: ', ' }) - 1;
  const inner = p.programs.map((r) => {
    // SPEC 10.3.7 (review F9): the literal caps a program rule enforces (`atMost` constants, e.g. the
    // Drift size cap) are part of what the user reads: `name (path max N, ...)`.
    const names =
      'native' in r
        ? r.instructions
        : Object.keys(r.instructions).map((n) => {
            const caps = r.instructions[n]!.args.flatMap((c) => ('atMost' in c && typeof c.atMost === 'string' ? [`${c.path} max ${c.atMost}`] : []));
            return caps.length === 0 ? n : `${n} (${caps.join(', ')})`;
          });
    const label = 'native' in r ? NATIVE_PROGRAM_LABELS[r.native] : `${r.name} ${addr(r.program)}`;
    return { label, i: lists.push({ items: names, one: 'instruction', many: 'instructions', sep: '/' }) - 1 };
  });
  parts.push((k) => {
    if (inner.length === 0) return 'no programs';
    const items = inner.map((x) => `${x.label} ${renderList(lists[x.i]!, k[x.i]!)}`);
    return keyword('programs', renderList({ ...lists[g]!, items }, k[g]!), k[g]!);
  });
  // The programs list's items are rendered above; its length is what the reduction sees.
  lists[g] = { ...lists[g]!, items: inner.map((x) => x.label), keyword: 'programs' };
  if (p.budgets.length > 0) {
    const b = lists.push({ items: p.budgets.map(budgetText), one: 'budget', many: 'budgets', sep: ', ', keyword: 'budgets' }) - 1;
    parts.push((k) => keyword('budgets', renderList(lists[b]!, k[b]!), k[b]!));
  }
  return { lists, render: (k) => `${parts.map((f) => f(k)).join('; ')}.`, programs: { list: g, inner } };
}

/**
 * SPEC 10.3.7 reduction: start with every list shown whole; while the text is too long, take the
 * list with the most entries shown (ties: the one that appears last) and show one entry fewer.
 * No list longer than MAX_POLICY_SUMMARY_LENGTH / 3 entries can fit (each entry and its separator
 * take at least 3 characters), so starting at that cap reaches the same first fitting state.
 */
function fit(t: Template): string | undefined {
  const cap = Math.floor(MAX_POLICY_SUMMARY_LENGTH / 3);
  const k = t.lists.map((l) => Math.min(l.items.length, cap));
  // The text is only built for a state whose computed length fits (building it for every state
  // costs seconds on a policy at the size limits); the built text is checked all the same.
  const length = textLength(t, k);
  for (;;) {
    if (length(k) <= MAX_POLICY_SUMMARY_LENGTH) {
      const s = t.render(k);
      if (s.length <= MAX_POLICY_SUMMARY_LENGTH) return s;
    }
    let best = -1;
    for (let i = 0; i < k.length; i++) if (k[i]! > 0 && (best < 0 || k[i]! >= k[best]!)) best = i;
    if (best < 0) return undefined;
    k[best]!--;
  }
}

/**
 * @internal The length of `t.render(k)` computed from list lengths: the text with every list
 * whole, minus each list's whole length, plus its length at `k` (an instruction list counts only
 * while its program is shown).
 */
export function textLength(t: Template, k0: readonly number[]): (k: readonly number[]) => number {
  const prefix = t.lists.map((l) => {
    const out = [0];
    for (const item of l.items) out.push(out[out.length - 1]! + item.length);
    return out;
  });
  const innerOf = new Set(t.programs?.inner.map((x) => x.i)); // new Set(undefined) is empty (v1)
  const simple = (i: number, ki: number) => listLength(t.lists[i]!, ki, (m) => prefix[i]![m]!);
  const programsLength = (k: readonly number[]): number => {
    const pr = t.programs;
    if (pr === undefined || pr.inner.length === 0) return 0;
    return listLength(t.lists[pr.list]!, k[pr.list]!, (m) => {
      let sum = 0;
      for (let j = 0; j < m; j++) sum += pr.inner[j]!.label.length + 1 + simple(pr.inner[j]!.i, k[pr.inner[j]!.i]!);
      return sum;
    });
  };
  const variable = (k: readonly number[]): number => {
    let sum = programsLength(k);
    for (let i = 0; i < t.lists.length; i++) if (i !== t.programs?.list && !innerOf.has(i)) sum += simple(i, k[i]!);
    return sum;
  };
  const base = t.render(k0).length - variable(k0);
  return (k) => base + variable(k);
}

/** @internal Test seam: the template of a policy (to check `textLength` against `render`). */
export function _summaryTemplate(p: NormalizedPolicy): Template {
  return p.v === 1 ? templateV1(p) : templateV2(p);
}

const summaries = new WeakMap<object, string>();

/**
 * @internal The summary text of a normalized policy, or `undefined` when even K = 0 does not fit
 * (normalization refuses such a v2 policy; a v1 policy predates summaries).
 */
export function _summaryOf(p: NormalizedPolicy): string | undefined {
  const cached = summaries.get(p);
  if (cached !== undefined) return cached;
  const s = fit(p.v === 1 ? templateV1(p) : templateV2(p));
  if (s !== undefined) summaries.set(p, s);
  return s;
}

/**
 * The human-readable summary of a policy (SPEC 10.3.7): what the user reads in the
 * enable-execution statement, regenerated and compared on verification. Pure and deterministic,
 * at most `MAX_POLICY_SUMMARY_LENGTH` characters from the SIWS statement charset. Throws
 * `POLICY_INVALID` (reason `summary-too-long`) for a policy whose limits cannot be shown in that
 * length even with every list cut to its count. A policy that is not already normalized is
 * validated first (`POLICY_INVALID`), whatever its static type.
 * @example
 * summarizePolicy(policy);
 * // 'swaps wSOL to USDC, max in 1000000000 wSOL, slippage max 50 bps; priority fee max 10000 lamports; programs compute-budget: SetComputeUnitLimit/SetComputeUnitPrice.'
 */
export function summarizePolicy(policy: PolicyInput): string {
  const s = _summaryOf(normalizePolicy(policy));
  if (s === undefined)
    fail('POLICY_INVALID', `policy: its summary cannot fit ${MAX_POLICY_SUMMARY_LENGTH} characters`, { field: 'policy', reason: 'summary-too-long' });
  return s;
}
