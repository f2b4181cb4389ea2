/**
 * Drift v2 preset (SPEC 10.5.5): perp order placement and modification bound to a perps order,
 * cancellation bound to a `cancel` order. Withdrawals, transfers, admin and every other Drift
 * instruction are absent and so refused by default deny. `placeOrders` is not offered: one bound
 * order cannot bound the total of a vector of orders.
 * @module
 */
import { fail } from '../../../errors.js';
import type { ArgConstraint, InstructionRule, ProgramRule } from '../../policy/types.js';
import type { ProgramDecoder } from '../types.js';
import { checkDecoder, deepFreeze, optBool, presetOptions, U64 } from './_options.js';

/** Drift v2 program id. */
export const DRIFT_V2_PROGRAM = 'dRiftyHA39MWEi3m9aunc5MzRF1JYuBsbn6VPcn33UH';
/** SHA-256 of the IDL the preset was written against (`drift-labs/protocol-v2` 2.162.0, `sdk/src/idl/drift.json` at 0ae3e3b1d). */
export const DRIFT_V2_IDL_SHA256 = '79b423239fc268c03c60cd1d5e3fb50766b9d1f685744df3ca94d63b30519490';

/** Order type of the order -> Drift `OrderType` variant. */
const ORDER_TYPES: Readonly<Record<string, string>> = {
  market: 'Market',
  limit: 'Limit',
  'stop-market': 'TriggerMarket',
  'stop-limit': 'TriggerLimit',
  'take-profit-market': 'TriggerMarket',
  'take-profit-limit': 'TriggerLimit',
};
const SIDES: Readonly<Record<string, string>> = { buy: 'Long', sell: 'Short' };

/** Options of {@link driftV2Preset}. */
export interface DriftV2PresetOptions {
  /** Market symbol (as orders name it) -> Drift perp market index, e.g. `{ 'SOL-PERP': 0 }`. */
  readonly markets: Readonly<Record<string, number>>;
  /** Largest `baseAssetAmount` of one order (base precision 1e9), u64 decimal string. */
  readonly maxBaseAssetAmount: string;
  /** Directions allowed (default both). */
  readonly directions?: readonly ('long' | 'short')[];
  /** Every order must be reduce-only (default false: either). */
  readonly reduceOnly?: boolean;
  /**
   * Also allow `modifyOrder` (default false). Opt-in because `modifyOrder` names no market: it edits
   * any open order of the user by id, so under an order for one market the bot could resize and
   * reprice an order on another market (SPEC 10.5.5; review F2).
   */
  readonly allowModify?: boolean;
  /**
   * Also allow `cancelOrder` (default false). Opt-in because `cancelOrder` cancels by order id and
   * names no market: under a cancel order for one market it would cancel any open order of the
   * user, e.g. a stop-loss on another market (SPEC 10.5.5; review F11). `cancelOrders` is bound to
   * the order's market and always allowed.
   */
  readonly allowCancelById?: boolean;
  /** Also allow `placeAndTakePerpOrder` (default false). */
  readonly allowPlaceAndTake?: boolean;
  /**
   * When given, must be a decoder of the pinned IDL (`createProgramDecoder` of that IDL); a decoder
   * of another program or IDL is refused at run time (`INVALID_INPUT`, reason `idl-mismatch`).
   */
  readonly decoder?: ProgramDecoder;
}

/**
 * Rules for `placePerpOrder` (perps orders), `cancelOrders` (cancel orders) and, if allowed,
 * `modifyOrder`, `placeAndTakePerpOrder` (perps orders) and `cancelOrder` (cancel orders).
 * @example
 * driftV2Preset({ markets: { 'SOL-PERP': 0 }, maxBaseAssetAmount: '10000000000' })
 */
export function driftV2Preset(options: DriftV2PresetOptions): ProgramRule {
  const N = 'driftV2Preset';
  const o = presetOptions(options, N, ['markets', 'maxBaseAssetAmount', 'directions', 'reduceOnly', 'allowModify', 'allowCancelById', 'allowPlaceAndTake', 'decoder']);
  const m = o['markets'];
  if (typeof m !== 'object' || m === null || Array.isArray(m)) fail('INVALID_INPUT', `${N}.markets: expected { symbol: index }`, { field: `${N}.markets` });
  const entries = Object.entries(m as Record<string, unknown>);
  if (entries.length === 0 || entries.length > 64) fail('INVALID_INPUT', `${N}.markets: 1..64 markets`, { field: `${N}.markets` });
  const map: Record<string, string> = {};
  for (const [sym, idx] of entries) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/.test(sym)) fail('INVALID_INPUT', `${N}.markets: bad market symbol`, { field: `${N}.markets` });
    if (typeof idx !== 'number' || !Number.isSafeInteger(idx) || idx < 0 || idx > 65535)
      fail('INVALID_INPUT', `${N}.markets.${sym}: expected a u16 market index`, { field: `${N}.markets` });
    map[sym] = String(idx);
  }
  const indexes = [...new Set(Object.values(map))].sort((a, b) => Number(a) - Number(b));
  const cap = o['maxBaseAssetAmount'];
  if (typeof cap !== 'string' || !U64.test(cap) || BigInt(cap) > 0xffffffffffffffffn)
    fail('INVALID_INPUT', `${N}.maxBaseAssetAmount: expected a u64 decimal string`, { field: `${N}.maxBaseAssetAmount` });
  const dirsRaw = o['directions'] ?? ['long', 'short'];
  if (!Array.isArray(dirsRaw) || dirsRaw.length === 0 || !dirsRaw.every((d) => d === 'long' || d === 'short'))
    fail('INVALID_INPUT', `${N}.directions: expected a non-empty list of 'long' | 'short'`, { field: `${N}.directions` });
  const dirs = [...new Set(dirsRaw as string[])].sort().map((d) => (d === 'long' ? 'Long' : 'Short'));
  const reduceOnly = optBool(o, 'reduceOnly', N, false);
  const modify = optBool(o, 'allowModify', N, false);
  const placeAndTake = optBool(o, 'allowPlaceAndTake', N, false);
  const cancelById = optBool(o, 'allowCancelById', N, false);
  checkDecoder(o['decoder'], N, DRIFT_V2_PROGRAM, DRIFT_V2_IDL_SHA256);

  const authority = [{ account: 'authority', is: 'agent' } as const];
  const sizeAndSide = (p: string): ArgConstraint[] => [
    { path: `${p}.direction`, oneOf: dirs },
    { path: `${p}.direction`, eq: { order: 'side', map: SIDES } },
    { path: `${p}.baseAssetAmount`, atMost: cap },
    { path: `${p}.baseAssetAmount`, atMost: { order: 'baseAmount' } },
    ...(reduceOnly ? [{ path: `${p}.reduceOnly`, eq: true }] : []),
    // review F8: the order's reduceOnly is bound too; an order without it is refused
    // (`order-unbound`), so a reduce-only order never signs a position-opening one.
    { path: `${p}.reduceOnly`, eq: { order: 'reduceOnly' } },
  ];
  const place: InstructionRule = {
    for: ['perp'],
    args: [
      { path: 'params.marketType', eq: 'Perp' },
      { path: 'params.marketIndex', oneOf: indexes },
      { path: 'params.marketIndex', eq: { order: 'market', map } },
      { path: 'params.orderType', eq: { order: 'type', map: ORDER_TYPES } },
      ...sizeAndSide('params'),
    ],
    accounts: authority,
  };
  const instructions: Record<string, InstructionRule> = {
    placePerpOrder: place,
    cancelOrders: {
      for: ['cancel'],
      args: [
        { path: 'marketType', eq: 'Perp' },
        { path: 'marketIndex', eq: { order: 'market', map } },
      ],
      accounts: authority,
    },
  };
  // modifyOrder names no market (it changes an existing order by id, on any market): opt-in only;
  // direction and size must be restated (Some) and are bound to the order.
  if (modify) instructions['modifyOrder'] = { for: ['perp'], args: sizeAndSide('modifyOrderParams'), accounts: authority };
  if (placeAndTake) instructions['placeAndTakePerpOrder'] = place;
  // cancelOrder cancels by id on any market (review F11): opt-in only.
  if (cancelById) instructions['cancelOrder'] = { for: ['cancel'], accounts: authority };
  return deepFreeze({ program: DRIFT_V2_PROGRAM, name: 'Drift v2', idlSha256: DRIFT_V2_IDL_SHA256, instructions });
}
