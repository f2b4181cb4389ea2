/**
 * Order evaluation at the moment of signing (SPEC 10.3.3).
 * @module
 */
import { fail } from '../../errors.js';
import { parseDecimal } from './_parse.js';
import { normalizePolicy } from './normalize.js';
import { ORDER_TYPES, type OrderType, type TimeOfDayWindow } from './v1.js';

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

/** Account state the app tracks; every field required (missing means deny). */
export interface ExecutionState {
  /** Absolute notional of the current position in this market, before the order. */
  readonly positionNotional: string;
  /** Today's (UTC) realized plus unrealized loss, as a non-negative decimal (`"0"` if in profit). */
  readonly dailyLoss: string;
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

/**
 * Evaluate `order` against `policy` given the account `state` at time `now` (ms since the epoch).
 * Default deny: an unknown market or order type, or a missing or malformed order or state field,
 * is a violation. Every violated rule is reported, not only the first. A malformed policy throws
 * `POLICY_INVALID` (the policy is the user's signed document, not request data).
 *
 * Rules: `enabled`, `killSwitch`, the window (absolute and time of day), `market`, `orderType`,
 * `side`, `leverage` (order.leverage <= maxLeverage), `positionNotional` (state.positionNotional +
 * order.notional <= maxPositionNotional: sides are not netted, so a reducing order is counted as
 * if it added), `slippage` (market-type orders must declare slippageBps <= maxSlippageBps),
 * `dailyLoss` (state.dailyLoss < dailyLossLimit). `cancel` orders are exempt from leverage,
 * notional, slippage and daily loss.
 * @example
 * const d = evaluateOrder(policy, { market: 'SOL-PERP', type: 'limit', side: 'buy', notional: '100', leverage: '2' },
 *   { positionNotional: '0', dailyLoss: '0' }, Date.now());
 * if (!d.allowed) console.log(d.violations.map((v) => v.rule));
 */
export function evaluateOrder(policy: unknown, order: unknown, state: unknown, now: number): PolicyDecision {
  const p = normalizePolicy(policy);
  if (typeof now !== 'number' || !Number.isSafeInteger(now) || now < 0)
    fail('INVALID_INPUT', 'now: expected ms since the epoch (a non-negative integer)', { field: 'now' });
  const v: PolicyViolation[] = [];
  const deny = (rule: string, message: string) => v.push(Object.freeze({ rule, message }));

  if (!p.enabled) deny('enabled', 'the policy is disabled');
  if (p.killSwitch) deny('killSwitch', 'the policy kill switch is on');
  if (p.window.notBefore !== undefined && now < Date.parse(p.window.notBefore))
    deny('window.notBefore', 'before the policy window starts');
  if (p.window.notAfter !== undefined && now >= Date.parse(p.window.notAfter)) deny('window.notAfter', 'after the policy window ended');
  if (p.window.timeOfDayUtc !== undefined && !insideTimeOfDay(p.window.timeOfDayUtc, now))
    deny('window.timeOfDay', 'outside the allowed time of day (UTC)');

  const o = typeof order === 'object' && order !== null && !Array.isArray(order) ? (order as Record<string, unknown>) : undefined;
  const st = typeof state === 'object' && state !== null && !Array.isArray(state) ? (state as Record<string, unknown>) : undefined;
  if (o === undefined) deny('order', 'order: expected an object');
  if (st === undefined) deny('state', 'state: expected an object');

  if (o !== undefined) {
    const market = o['market'];
    if (typeof market !== 'string' || !p.allowedMarkets.includes(market)) deny('market', 'market is missing or not allowed');
    const type = o['type'];
    const typeOk = typeof type === 'string' && (p.allowedOrderTypes as readonly string[]).includes(type);
    if (!typeOk) deny('orderType', 'order type is missing or not allowed');
    if (o['side'] !== 'buy' && o['side'] !== 'sell') deny('side', "side must be 'buy' or 'sell'");
    const isCancel = type === 'cancel';
    if (!isCancel) {
      const lev = parseDecimal(o['leverage']);
      if (lev === null) deny('leverage', 'leverage is missing or not a decimal string');
      else if (lev > parseDecimal(p.maxLeverage)!) deny('leverage', 'leverage above the maximum');
      const notional = parseDecimal(o['notional']);
      const pos = st === undefined ? null : parseDecimal(st['positionNotional']);
      if (notional === null) deny('positionNotional', 'order notional is missing or not a decimal string');
      else if (st === undefined) {
        // already denied as 'state'
      } else if (pos === null) deny('positionNotional', 'state.positionNotional is missing or not a decimal string');
      else if (pos + notional > parseDecimal(p.maxPositionNotional)!) deny('positionNotional', 'position notional would exceed the maximum');
      // Market orders, and any order whose type is unknown (default deny), need a declared slippage.
      if (typeof type !== 'string' || MARKET_TYPES.has(type) || !(ORDER_TYPES as readonly string[]).includes(type)) {
        const bps = o['slippageBps'];
        if (typeof bps !== 'number' || !Number.isSafeInteger(bps) || bps < 0) deny('slippage', 'market order without a valid slippageBps');
        else if (bps > p.maxSlippageBps) deny('slippage', 'slippage above the maximum');
      }
      const loss = st === undefined ? null : parseDecimal(st['dailyLoss']);
      if (loss === null) {
        if (st !== undefined) deny('dailyLoss', 'state.dailyLoss is missing or not a decimal string');
      }
      else if (loss >= parseDecimal(p.dailyLossLimit)!) deny('dailyLoss', 'daily loss limit reached');
    }
  }
  return v.length === 0 ? Object.freeze({ allowed: true as const }) : Object.freeze({ allowed: false as const, violations: Object.freeze(v) });
}
