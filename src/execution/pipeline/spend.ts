/**
 * Stage 6: spend the policy's budgets (SPEC 10.4.9, DESIGN 13 "Budgets") before the signature
 * leaves the signer: atomically across every counter the signature touches, idempotent per
 * message hash (a retry of the same bytes does not spend twice), never refunded.
 *
 * Units per signature: `signatures` 1; `feeLamports` the base fee of every signature of the
 * message plus the priority fee; `solOutflow` the lamports of System transfers (wrapping SOL);
 * `token` (per mint) the amounts of token transfers of that mint plus, for a swap, the order's
 * input amount when its input mint is that mint; `quoteNotional` the order's notional, as an
 * integer scaled by 10^18 (so are the limits).
 * @module
 */
import { fail } from '../../errors.js';
import { parseDecimal } from '../policy/_parse.js';
import type { PolicyV2 } from '../policy/normalize.js';
import type { OrderV2 } from '../policy/types.js';
import type { NormalizedBudget } from '../policy/v2.js';
import type { BudgetSpend, BudgetStore } from '../../stores/types.js';
import type { MatchFacts } from './match.js';
import { refuse } from './refuse.js';

/** Who spends: the counters' scopes. */
export interface SpendIdentity {
  readonly grantId: string;
  /** The wallet that signed the grant. */
  readonly wallet: string;
}

/** Counter name of a budget (SPEC 10.4.9): `grant:<id>:<unit>[:<mint>]:<windowSeconds>` or `wallet:<address>:...`. */
export function budgetCounter(b: NormalizedBudget, who: SpendIdentity): string {
  const scope = b.scope === 'grant' ? `grant:${who.grantId}` : `wallet:${who.wallet}`;
  return `${scope}:${b.unit}${b.unit === 'token' ? `:${b.mint}` : ''}:${b.windowSeconds}`;
}

function amountOf(b: NormalizedBudget, i: number, facts: MatchFacts, order: OrderV2 | undefined): bigint {
  switch (b.unit) {
    case 'signatures':
      return 1n;
    case 'feeLamports':
      return facts.feeLamports;
    case 'solOutflow':
      return facts.wraps.reduce((s, w) => s + w.lamports, 0n);
    case 'token': {
      let n = facts.tokenMoves.filter((t) => t.mint === b.mint).reduce((s, t) => s + t.amount, 0n);
      if (order?.type === 'swap' && order.inputMint === b.mint) n += BigInt(order.inputAmount);
      return n;
    }
    case 'quoteNotional': {
      if (order === undefined || order.type === 'cancel' || order.type === 'transfer') return 0n;
      const n = order.notional === undefined ? null : parseDecimal(order.notional);
      if (n === null) return refuse('budget-notional-missing', 'the policy budgets quote notional and the order states none', `budgets[${i}]`);
      return n;
    }
  }
}

function limitOf(b: NormalizedBudget): bigint {
  return b.unit === 'quoteNotional' ? parseDecimal(b.limit)! : BigInt(b.limit);
}

/** What the spends are, without spending (explain shows them; spend sends them). */
export function budgetSpends(policy: PolicyV2, facts: MatchFacts, order: OrderV2 | undefined, who: SpendIdentity): readonly BudgetSpend[] {
  return Object.freeze(
    policy.budgets.map((b, i) =>
      Object.freeze({ counter: budgetCounter(b, who), windowMs: b.windowSeconds * 1000, amount: amountOf(b, i, facts, order), limit: limitOf(b) }),
    ),
  );
}

/**
 * Stage 6. Returns the counters' values after spending (counter -> decimal string), or undefined
 * when the policy has no budget. Throws SIGNING_REFUSED (`budget-exceeded`, rule `budgets[i]`);
 * a store that fails or answers out of shape fails closed (its error, or STORE_UNAVAILABLE).
 */
export async function spendStage(
  store: BudgetStore | undefined,
  policy: PolicyV2,
  facts: MatchFacts,
  order: OrderV2 | undefined,
  who: SpendIdentity,
  messageHash: string,
  now: number,
): Promise<Readonly<Record<string, string>> | undefined> {
  if (policy.budgets.length === 0) return undefined;
  const spends = budgetSpends(policy, facts, order, who);
  if (store === undefined) return refuse('budget-exceeded', 'the policy has budgets and no budget store was supplied', 'budgets');
  const r: unknown = await store.spend(messageHash, spends, now);
  const res = r as Partial<{ ok: boolean; after: unknown; counter: unknown }> | null;
  if (typeof res === 'object' && res !== null && res.ok === false && typeof res.counter === 'string') {
    const i = spends.findIndex((s) => s.counter === res.counter);
    return refuse('budget-exceeded', 'a budget of the policy would be exceeded', i < 0 ? 'budgets' : `budgets[${i}]`);
  }
  if (
    typeof res !== 'object' ||
    res === null ||
    res.ok !== true ||
    !Array.isArray(res.after) ||
    res.after.length !== spends.length ||
    !res.after.every((a) => typeof a === 'bigint')
  )
    fail('STORE_UNAVAILABLE', 'budget store: reply of the wrong shape (failing closed)');
  const after: Record<string, string> = {};
  spends.forEach((s, i) => (after[s.counter] = String((res.after as bigint[])[i])));
  return Object.freeze(after);
}

/**
 * Stage 6 for `signMessage` (SPEC 10.4.9; issue 14: "number of signatures (`signMessage`
 * included)"): a signed message spends 1 on each `signatures` budget and nothing else (it moves
 * no funds and pays no fee). `key` is the message's own idempotency key, kept apart from
 * transaction hashes by the caller. Same refusals and failure modes as `spendStage`.
 */
export async function spendMessageStage(
  store: BudgetStore | undefined,
  policy: PolicyV2,
  who: SpendIdentity,
  key: string,
  now: number,
): Promise<Readonly<Record<string, string>> | undefined> {
  const only = policy.budgets.filter((b) => b.unit === 'signatures');
  if (only.length === 0) return undefined;
  return spendStage(store, { ...policy, budgets: only }, NO_FACTS, undefined, who, key, now);
}

/** The facts of a signed message: no instruction, no transfer, no fee. */
const NO_FACTS: MatchFacts = Object.freeze({ serves: [], wraps: [], tokenMoves: [], priorityFee: 0n, signatures: 0, feeLamports: 0n });

