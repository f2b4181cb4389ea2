/**
 * Order evaluation at the moment of signing (SPEC 10.3.3).
 * @module
 */
import { fail } from '../../errors.js';
import { parseDecimal } from './_parse.js';
import { normalizePolicy, type PolicyInput, type PolicyV1, type PolicyV2 } from './normalize.js';
import type { DecimalString, OrderV2 } from './types.js';
import { ORDER_TYPES, type OrderType, type TimeOfDayWindow } from './v1.js';
import { decodeAddress } from '../../primitives/address.js';

/** What the bot wants to do, as it describes it. Amounts are decimal strings in quote units. */
export interface Order {
  readonly market: string;
  readonly type: OrderType;
  readonly side: 'buy' | 'sell';
  /** Order notional (size x price) in quote units. `"0"` for cancels. */
  readonly notional: string;
  /** Effective leverage of the resulting position. */
  readonly leverage: string;
  /** Required for market-type orders: the slippage the order is placed with. */
  readonly slippageBps?: number;
}

/**
 * An order as the bot describes it, to every public function that takes one (issue 15 item 2):
 * `Order` under a v1 policy, `OrderV2` under a v2 policy (SPEC 10.3.3). The type is for the
 * compiler; `evaluateOrder` still checks every field at run time (a malformed or unknown field is a
 * violation, never an exception), so an order parsed from JSON can be declared as this type.
 */
export type OrderInput = Order | OrderV2;

/**
 * Account state the app tracks, read by the perps rules (every v1 order, v2 perps orders). Amounts
 * are decimal strings in quote units; a missing or malformed field is a violation (rule `state`,
 * or the rule that needs it), never a default. Swaps and transfers under a v2 policy need no state.
 */
export interface ExecutionState {
  /** Absolute notional of the current position in this market, before the order. */
  readonly positionNotional: DecimalString;
  /** Today's (UTC) realized plus unrealized loss, as a non-negative decimal (`"0"` if in profit). */
  readonly dailyLoss: DecimalString;
  /**
   * Quote price of one whole base asset, read by the app from its own oracle. Required for v2 perps
   * orders (SPEC 10.3.6): their notional must cover `baseAmount` x `markPrice`; ignored by v1.
   */
  readonly markPrice?: DecimalString;
}

/** One violated rule: a stable rule name and a message without secrets. */
export interface PolicyViolation {
  readonly rule: string;
  readonly message: string;
}

export type PolicyDecision = { readonly allowed: true } | { readonly allowed: false; readonly violations: readonly PolicyViolation[] };

/** Rule names, stable (SPEC 10.3.3). */
export const POLICY_RULES = [
  'enabled',
  'killSwitch',
  'window.notBefore',
  'window.notAfter',
  'window.timeOfDay',
  'order',
  'state',
  'market',
  'orderType',
  'side',
  'leverage',
  'positionNotional',
  'slippage',
  'dailyLoss',
] as const;

/**
 * Rule names of v2 decisions (SPEC 10.3.6): policy paths. `spot.maxInput.<mint>` and
 * `transfers.maxAmount.<mint>` carry the mint of the cap that was exceeded.
 */
export const POLICY_RULES_V2 = [
  'enabled',
  'killSwitch',
  'window.notBefore',
  'window.notAfter',
  'window.timeOfDay',
  'order',
  'state',
  'order.type',
  'perps',
  'perps.markets',
  'perps.orderTypes',
  'perps.maxLeverage',
  'perps.maxPositionNotional',
  'perps.maxSlippageBps',
  'perps.dailyLossLimit',
  'spot',
  'spot.pairs',
  'spot.maxInput',
  'spot.maxSlippageBps',
  'transfers',
  'transfers.maxAmount',
  'transfers.destinations',
] as const;

const MARKET_TYPES: ReadonlySet<string> = new Set(['market', 'stop-market', 'take-profit-market']);

function minutesOf(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

/**
 * @internal True when the UTC minute of `now` (ms since the epoch) is in `[start, end)`, wrapping
 * past midnight when `start > end` (SPEC 10.3.3). Used by `evaluateOrder` and by the scoped signer.
 */
export function insideTimeOfDay(w: TimeOfDayWindow, now: number): boolean {
  const m = Math.floor((now % 86_400_000) / 60_000);
  const s = minutesOf(w.start);
  const e = minutesOf(w.end);
  return s < e ? m >= s && m < e : m >= s || m < e;
}

/** Options of `evaluateOrder`. */
export interface EvaluateOrderContext {
  /** The agent wallet (base58): a v2 `transfer` order may send to it without it being listed. */
  readonly agent?: string;
}

type Deny = (rule: string, message: string) => void;

function checkCommon(p: PolicyV1 | PolicyV2, now: number, deny: Deny): void {
  if (!p.enabled) deny('enabled', 'the policy is disabled');
  if (p.killSwitch) deny('killSwitch', 'the policy kill switch is on');
  if (p.window.notBefore !== undefined && now < Date.parse(p.window.notBefore)) deny('window.notBefore', 'before the policy window starts');
  if (p.window.notAfter !== undefined && now >= Date.parse(p.window.notAfter)) deny('window.notAfter', 'after the policy window ended');
  if (p.window.timeOfDayUtc !== undefined && !insideTimeOfDay(p.window.timeOfDayUtc, now))
    deny('window.timeOfDay', 'outside the allowed time of day (UTC)');
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * Evaluate `order` against `policy` given the account `state` at time `now` (ms since the epoch).
 * Default deny: an unknown market, order type, pair or mint, or a missing or malformed order or
 * state field, is a violation. Every violated rule is reported, not only the first. The policy is
 * normalized once (a `NormalizedPolicy` is used as is); a malformed policy throws `POLICY_INVALID`
 * (the policy is the user's signed document, not request data).
 *
 * v1 rules (SPEC 10.3.3): `enabled`, `killSwitch`, the window (absolute and time of day),
 * `market`, `orderType`, `side`, `leverage` (order.leverage <= maxLeverage), `positionNotional`
 * (state.positionNotional + order.notional <= maxPositionNotional: sides are not netted, so a
 * reducing order is counted as if it added), `slippage` (market-type orders must declare
 * slippageBps <= maxSlippageBps), `dailyLoss` (state.dailyLoss < dailyLossLimit). `cancel` orders
 * are exempt from leverage, notional, slippage and daily loss.
 *
 * v2 rules (SPEC 10.3.6), named by policy path: a `swap` needs `spot`, a listed pair, an input
 * amount at most `spot.maxInput[inputMint]` and a slippage at most `spot.maxSlippageBps`; a
 * `transfer` needs `transfers`, a listed mint, an amount at most its cap and a destination that is
 * listed or is `context.agent`; a perps order needs `perps` and is checked as in v1 against it.
 * `state` is required for perps orders only (pass `undefined` for a swap or a transfer).
 *
 * The parameters are typed (`PolicyInput`, `OrderInput`, `ExecutionState`) so that a mistake fails
 * `tsc`; the run-time checks above still apply to every value, typed or parsed from JSON.
 * @example
 * const d = evaluateOrder(policy, { market: 'SOL-PERP', type: 'limit', side: 'buy', notional: '100', leverage: '2' },
 *   { positionNotional: '0', dailyLoss: '0' }, Date.now());
 * if (!d.allowed) console.log(d.violations.map((v) => v.rule));
 */
export function evaluateOrder(
  policy: PolicyInput,
  order: OrderInput,
  state: ExecutionState | undefined,
  now: number,
  context?: EvaluateOrderContext,
): PolicyDecision {
  const p = normalizePolicy(policy);
  if (typeof now !== 'number' || !Number.isSafeInteger(now) || now < 0)
    fail('INVALID_INPUT', 'now: expected ms since the epoch (a non-negative integer)', { field: 'now' });
  let agent: string | undefined;
  if (context !== undefined) {
    const c = record(context);
    if (c === undefined) fail('INVALID_INPUT', 'context: expected an object', { field: 'context' });
    for (const k of Object.keys(c)) if (k !== 'agent') fail('INVALID_INPUT', `context.${k}: unknown field`, { field: `context.${k}` });
    if (c['agent'] !== undefined) {
      if (typeof c['agent'] !== 'string') fail('INVALID_INPUT', 'context.agent: expected a base58 address', { field: 'context.agent' });
      decodeAddress(c['agent'], 'context.agent');
      agent = c['agent'];
    }
  }
  const v: PolicyViolation[] = [];
  const deny: Deny = (rule, message) => v.push(Object.freeze({ rule, message }));
  checkCommon(p, now, deny);
  if (p.v === 1) evaluateV1(p, order, state, deny);
  else evaluateV2(p, order, state, agent, deny);
  return v.length === 0 ? Object.freeze({ allowed: true as const }) : Object.freeze({ allowed: false as const, violations: Object.freeze(v) });
}

function evaluateV1(p: PolicyV1, order: unknown, state: unknown, deny: Deny): void {
  const o = record(order);
  const st = record(state);
  if (o === undefined) deny('order', 'order: expected an object');
  if (st === undefined) deny('state', 'state: expected an object');
  if (o === undefined) return;
  const market = o['market'];
  if (typeof market !== 'string' || !p.allowedMarkets.includes(market)) deny('market', 'market is missing or not allowed');
  const type = o['type'];
  const typeOk = typeof type === 'string' && (p.allowedOrderTypes as readonly string[]).includes(type);
  if (!typeOk) deny('orderType', 'order type is missing or not allowed');
  if (o['side'] !== 'buy' && o['side'] !== 'sell') deny('side', "side must be 'buy' or 'sell'");
  if (type === 'cancel') return;
  perpsLimits(
    { maxLeverage: p.maxLeverage, maxPositionNotional: p.maxPositionNotional, maxSlippageBps: p.maxSlippageBps, dailyLossLimit: p.dailyLossLimit },
    o,
    st,
    { leverage: 'leverage', positionNotional: 'positionNotional', slippage: 'slippage', dailyLoss: 'dailyLoss' },
    deny,
  );
}

/** The v1 trading limits, shared by v1 and v2 perps orders (rule names differ). */
function perpsLimits(
  lim: { maxLeverage: string; maxPositionNotional: string; maxSlippageBps: number; dailyLossLimit: string },
  o: Record<string, unknown>,
  st: Record<string, unknown> | undefined,
  rules: { leverage: string; positionNotional: string; slippage: string; dailyLoss: string },
  deny: Deny,
): void {
  const type = o['type'];
  const lev = parseDecimal(o['leverage']);
  if (lev === null) deny(rules.leverage, 'leverage is missing or not a decimal string');
  else if (lev > parseDecimal(lim.maxLeverage)!) deny(rules.leverage, 'leverage above the maximum');
  const notional = parseDecimal(o['notional']);
  const pos = st === undefined ? null : parseDecimal(st['positionNotional']);
  if (notional === null) deny(rules.positionNotional, 'order notional is missing or not a decimal string');
  else if (st === undefined) {
    // already denied as 'state'
  } else if (pos === null) deny(rules.positionNotional, 'state.positionNotional is missing or not a decimal string');
  else if (pos + notional > parseDecimal(lim.maxPositionNotional)!) deny(rules.positionNotional, 'position notional would exceed the maximum');
  // Market orders, and any order whose type is unknown (default deny), need a declared slippage.
  if (typeof type !== 'string' || MARKET_TYPES.has(type) || !(ORDER_TYPES as readonly string[]).includes(type)) {
    const bps = o['slippageBps'];
    if (typeof bps !== 'number' || !Number.isSafeInteger(bps) || bps < 0) deny(rules.slippage, 'market order without a valid slippageBps');
    else if (bps > lim.maxSlippageBps) deny(rules.slippage, 'slippage above the maximum');
  }
  const loss = st === undefined ? null : parseDecimal(st['dailyLoss']);
  if (loss === null) {
    if (st !== undefined) deny(rules.dailyLoss, 'state.dailyLoss is missing or not a decimal string');
  } else if (loss >= parseDecimal(lim.dailyLossLimit)!) deny(rules.dailyLoss, 'daily loss limit reached');
}

const U64_RE = /^(?:0|[1-9][0-9]{0,19})$/;
/** A canonical u64 decimal string -> bigint, else null. */
function u64(value: unknown): bigint | null {
  if (typeof value !== 'string' || !U64_RE.test(value)) return null;
  const n = BigInt(value);
  return n > 0xffffffffffffffffn ? null : n;
}
function isAddress(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    decodeAddress(value, 'address');
    return true;
  } catch {
    return false;
  }
}

const ORDER_V2_KEYS: Readonly<Record<string, readonly string[]>> = {
  swap: ['type', 'inputMint', 'outputMint', 'inputAmount', 'slippageBps', 'notional'],
  transfer: ['type', 'mint', 'amount', 'destination'],
  cancel: ['type', 'market'],
  perp: ['type', 'market', 'side', 'notional', 'leverage', 'slippageBps', 'baseAmount', 'reduceOnly'],
};

function evaluateV2(p: PolicyV2, order: unknown, state: unknown, agent: string | undefined, deny: Deny): void {
  const o = record(order);
  if (o === undefined) return deny('order', 'order: expected an object');
  const type = o['type'];
  const isPerp = typeof type === 'string' && (ORDER_TYPES as readonly string[]).includes(type);
  if (type !== 'swap' && type !== 'transfer' && !isPerp) return deny('order.type', 'order type is missing or unknown');
  const keys = ORDER_V2_KEYS[type === 'swap' || type === 'transfer' || type === 'cancel' ? type : 'perp']!;
  // SPEC 10.3.6: a field the evaluator does not know could be one the bot believes is bound.
  for (const k of Object.keys(o)) if (!keys.includes(k)) deny('order', `order.${k}: unknown field`);

  if (type === 'swap') {
    const spot = p.spot;
    if (spot === undefined) return deny('spot', 'the policy allows no swaps');
    const { inputMint, outputMint } = o;
    if (!isAddress(inputMint) || !isAddress(outputMint)) deny('spot.pairs', 'inputMint and outputMint must be base58 addresses');
    else if (!spot.pairs.some((x) => x.inputMint === inputMint && x.outputMint === outputMint)) deny('spot.pairs', 'this pair is not allowed');
    const amount = u64(o['inputAmount']);
    // Own properties only: `constructor` or `__proto__` as a mint must not find Object.prototype's.
    const cap = typeof inputMint === 'string' && Object.prototype.hasOwnProperty.call(spot.maxInput, inputMint) ? spot.maxInput[inputMint] : undefined;
    if (amount === null) deny('spot.maxInput', 'inputAmount is missing or not a canonical u64 string');
    else if (cap === undefined) deny('spot.maxInput', 'no swap cap for this input mint');
    else if (amount > BigInt(cap)) deny(`spot.maxInput.${inputMint as string}`, 'inputAmount above the per-swap cap');
    const bps = o['slippageBps'];
    if (typeof bps !== 'number' || !Number.isSafeInteger(bps) || bps < 0) deny('spot.maxSlippageBps', 'slippageBps is missing or invalid');
    else if (bps > spot.maxSlippageBps) deny('spot.maxSlippageBps', 'slippage above the maximum');
    if (o['notional'] !== undefined && parseDecimal(o['notional']) === null) deny('order', 'order.notional: expected a decimal string');
    return;
  }
  if (type === 'transfer') {
    const t = p.transfers;
    if (t === undefined) return deny('transfers', 'the policy allows no transfers');
    const mint = o['mint'];
    const cap = typeof mint === 'string' && Object.prototype.hasOwnProperty.call(t.maxAmount, mint) ? t.maxAmount[mint] : undefined;
    const amount = u64(o['amount']);
    if (cap === undefined) deny('transfers.maxAmount', 'mint is missing or not allowed');
    if (amount === null) deny('transfers.maxAmount', 'amount is missing or not a canonical u64 string');
    else if (cap !== undefined && amount > BigInt(cap)) deny(`transfers.maxAmount.${mint as string}`, 'amount above the per-transfer cap');
    const dest = o['destination'];
    if (!isAddress(dest) || !(t.destinations.includes(dest) || (agent !== undefined && dest === agent)))
      deny('transfers.destinations', 'destination is missing or not allowed');
    return;
  }
  const perps = p.perps;
  if (perps === undefined) return deny('perps', 'the policy allows no perps orders');
  const market = o['market'];
  if (typeof market !== 'string' || !perps.markets.includes(market)) deny('perps.markets', 'market is missing or not allowed');
  if (!(perps.orderTypes as readonly string[]).includes(type)) deny('perps.orderTypes', 'order type not allowed');
  if (type === 'cancel') return;
  if (o['side'] !== 'buy' && o['side'] !== 'sell') deny('order', "order.side must be 'buy' or 'sell'");
  if (o['baseAmount'] !== undefined && u64(o['baseAmount']) === null) deny('order', 'order.baseAmount: expected a canonical u64 string');
  if (o['reduceOnly'] !== undefined && typeof o['reduceOnly'] !== 'boolean') deny('order', 'order.reduceOnly: expected a boolean');
  const st = record(state);
  if (st === undefined) deny('state', 'state: expected an object');
  // SPEC 10.3.6 (review F9): notional and leverage are the bot's claims; the transaction is bound to
  // baseAmount. So a v2 perps order must carry baseAmount (units of 10^-9 of the base asset, Drift's
  // BASE_PRECISION, which the preset binds), and its notional must cover baseAmount x markPrice,
  // markPrice (quote per whole base asset) being read by the app from its own oracle into state.
  const base = u64(o['baseAmount']);
  if (base === null) deny('order.baseAmount', 'order.baseAmount is required for v2 perps orders');
  const mark = st === undefined ? null : parseDecimal(st['markPrice']);
  if (st !== undefined && mark === null) deny('state', 'state.markPrice is missing or not a decimal string');
  const claimed = parseDecimal(o['notional']);
  if (base !== null && mark !== null && claimed !== null && claimed * 1_000_000_000n < base * mark)
    deny('order.notional', 'notional is below baseAmount x state.markPrice');
  perpsLimits(
    perps,
    o,
    st,
    {
      leverage: 'perps.maxLeverage',
      positionNotional: 'perps.maxPositionNotional',
      slippage: 'perps.maxSlippageBps',
      dailyLoss: 'perps.dailyLossLimit',
    },
    deny,
  );
}
