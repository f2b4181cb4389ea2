/**
 * Policy schema v1 (DESIGN 9, SPEC 10.3.1): validation and normalization. Unchanged in meaning
 * and hash since 1.0; v2 (`v2.ts`) is a separate schema chosen by `v` (`normalize.ts`).
 *
 * The user signs the policy *hash* in the `enable-execution` message, so raising any limit needs a
 * new signature. For that the hash must be a function of what the policy means, not of how it was
 * written: normalization fixes every representation choice (defaults filled in, sets sorted and
 * de-duplicated, decimals in one canonical spelling) and `canonicalPolicyJson` serializes with
 * sorted keys and no whitespace. No floating-point number ever enters the hash: amounts are decimal
 * strings, counts are safe integers.
 * @module
 */
import { decodeAddress } from '../../primitives/address.js';
import { bool, decimal, integerString, invalid, onlyKeys, plainObject, stringSet, timestamp } from './_parse.js';

export { parseDecimal } from './_parse.js';

/** Policy schema version (the `v` field). */
export const POLICY_VERSION = 1;

/** Order types a policy may allow. `*-market` types are market orders (the slippage rule applies). */
export const ORDER_TYPES = [
  'market',
  'limit',
  'stop-market',
  'stop-limit',
  'take-profit-market',
  'take-profit-limit',
  'cancel',
] as const;
export type OrderType = (typeof ORDER_TYPES)[number];

/**
 * Programs no policy may allow and the signer always refuses, whatever the allowlist says: each
 * has instructions that move lamports out of, or hand control of, an account whose authority is
 * the signer (System transfers, stake withdrawals, vote withdrawals, program upgrades, lookup-table rent).
 */
export const NEVER_ALLOWED_PROGRAMS: readonly string[] = Object.freeze([
  '11111111111111111111111111111111', // System Program
  'Stake11111111111111111111111111111111111111',
  'Vote111111111111111111111111111111111111111',
  'BPFLoaderUpgradeab1e11111111111111111111111',
  'BPFLoader2111111111111111111111111111111111',
  'BPFLoader1111111111111111111111111111111111',
  'LoaderV411111111111111111111111111111111111',
  // Address Lookup Table program: Create/Extend make the agent pay rent to a table another
  // authority can close and collect (review E2).
  'AddressLookupTab1e1111111111111111111111111',
]);

/** Limits of the policy document (keep parsing bounded). */
export const MAX_POLICY_MARKETS = 256;
export const MAX_POLICY_PROGRAMS = 64;
export const MARKET_RE = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/;
export const HHMM_RE = /^([01][0-9]|2[0-3]):([0-5][0-9])$/;
/** Time-of-day window in UTC, `HH:MM` (24 h). `start > end` wraps past midnight; `start == end` is refused. */
export interface TimeOfDayWindow {
  readonly start: string;
  readonly end: string;
}

/** Absolute and daily execution window; every part optional (absent = unconstrained). */
export interface PolicyWindow {
  /** RFC 3339 UTC, whole seconds (`2025-01-31T12:00:00Z`). Orders before it are refused. */
  readonly notBefore?: string;
  /** RFC 3339 UTC, whole seconds. Orders at or after it are refused. */
  readonly notAfter?: string;
  readonly timeOfDayUtc?: TimeOfDayWindow;
}

/**
 * The policy as written by the app. Amounts are non-negative decimal strings in the quote currency
 * of the markets (for example USD): `"25000"`, `"2.5"`. Numbers are never accepted for amounts.
 */
export interface ExecutionPolicyInput {
  /** Schema version; default 1. */
  readonly v?: 1;
  readonly enabled: boolean;
  /** Market symbols, `[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}`; a set (order and duplicates do not matter). */
  readonly allowedMarkets: readonly string[];
  readonly allowedOrderTypes: readonly OrderType[];
  /** Decimal string, e.g. `"3"` or `"2.5"`. */
  readonly maxLeverage: string;
  /** Decimal string: the largest position notional (existing + order) in quote units. */
  readonly maxPositionNotional: string;
  /** Integer 0..10000: the largest slippage a market order may declare. */
  readonly maxSlippageBps: number;
  /** Decimal string: trading stops once the day's loss reaches this amount (`"0"` stops all trading). */
  readonly dailyLossLimit: string;
  readonly window?: PolicyWindow;
  /** When true, nothing is signed (a kill switch the user signed into the policy itself). */
  readonly killSwitch: boolean;
  /** Base58 program ids every instruction must target; a set. */
  readonly allowedPrograms: readonly string[];
  /** Allow `signer.signMessage` for non-transaction bytes. Default false. */
  readonly allowSignMessage?: boolean;
  /** Integer decimal string: the largest compute-budget priority fee in lamports. Default `"0"`. */
  readonly maxPriorityFeeLamports?: string;
}

/** A validated, normalized policy (what is hashed). Frozen. */
export interface ExecutionPolicy {
  readonly v: 1;
  readonly enabled: boolean;
  readonly allowedMarkets: readonly string[];
  readonly allowedOrderTypes: readonly OrderType[];
  readonly maxLeverage: string;
  readonly maxPositionNotional: string;
  readonly maxSlippageBps: number;
  readonly dailyLossLimit: string;
  readonly window: PolicyWindow;
  readonly killSwitch: boolean;
  readonly allowedPrograms: readonly string[];
  readonly allowSignMessage: boolean;
  readonly maxPriorityFeeLamports: string;
}

const POLICY_KEYS = new Set([
  'v',
  'enabled',
  'allowedMarkets',
  'allowedOrderTypes',
  'maxLeverage',
  'maxPositionNotional',
  'maxSlippageBps',
  'dailyLossLimit',
  'window',
  'killSwitch',
  'allowedPrograms',
  'allowSignMessage',
  'maxPriorityFeeLamports',
]);

export function policyWindow(value: unknown): PolicyWindow {
  if (value === undefined) return Object.freeze({});
  const w = plainObject(value, 'window');
  onlyKeys(w, new Set(['notBefore', 'notAfter', 'timeOfDayUtc']), 'window');
  const out: { notBefore?: string; notAfter?: string; timeOfDayUtc?: TimeOfDayWindow } = {};
  if (w['notBefore'] !== undefined) out.notBefore = timestamp(w['notBefore'], 'window.notBefore');
  if (w['notAfter'] !== undefined) out.notAfter = timestamp(w['notAfter'], 'window.notAfter');
  if (out.notBefore !== undefined && out.notAfter !== undefined && Date.parse(out.notBefore) >= Date.parse(out.notAfter))
    invalid('window', 'notBefore must be before notAfter');
  if (w['timeOfDayUtc'] !== undefined) {
    const t = plainObject(w['timeOfDayUtc'], 'window.timeOfDayUtc');
    onlyKeys(t, new Set(['start', 'end']), 'window.timeOfDayUtc');
    for (const k of ['start', 'end'] as const)
      if (typeof t[k] !== 'string' || !HHMM_RE.test(t[k])) invalid(`window.timeOfDayUtc.${k}`, "expected 'HH:MM' (00:00..23:59)");
    if (t['start'] === t['end']) invalid('window.timeOfDayUtc', 'start equals end (ambiguous: omit the field for all day)');
    out.timeOfDayUtc = Object.freeze({ start: t['start'] as string, end: t['end'] as string });
  }
  return Object.freeze(out);
}

/** @internal Schema v1 of `normalizePolicy` (the dispatcher has checked `p` is a plain object with `v` absent or 1). */
export function normalizePolicyV1(p: Record<string, unknown>): ExecutionPolicy {
  onlyKeys(p, POLICY_KEYS, '');
  // `v` is absent or 1 here: the dispatcher (normalize.ts) refuses any other version.
  const allowedMarkets = stringSet(p['allowedMarkets'], 'allowedMarkets', MAX_POLICY_MARKETS, (s, i) => {
    if (!MARKET_RE.test(s)) invalid(`allowedMarkets[${i}]`, 'must match [A-Za-z0-9][A-Za-z0-9._:/-]{0,63}');
  });
  const allowedOrderTypes = stringSet(p['allowedOrderTypes'], 'allowedOrderTypes', ORDER_TYPES.length * 4, (s, i) => {
    if (!(ORDER_TYPES as readonly string[]).includes(s)) invalid(`allowedOrderTypes[${i}]`, `expected one of ${ORDER_TYPES.join(', ')}`);
  }) as OrderType[];
  const allowedPrograms = stringSet(p['allowedPrograms'], 'allowedPrograms', MAX_POLICY_PROGRAMS, (s, i) => {
    try {
      decodeAddress(s, `allowedPrograms[${i}]`);
    } catch {
      invalid(`allowedPrograms[${i}]`, 'expected a base58 program id (32 bytes)');
    }
    if (NEVER_ALLOWED_PROGRAMS.includes(s)) invalid(`allowedPrograms[${i}]`, 'this program can move funds out of the agent wallet and is never allowed');
  });
  const maxSlippageBps = p['maxSlippageBps'];
  if (typeof maxSlippageBps !== 'number' || !Number.isSafeInteger(maxSlippageBps) || maxSlippageBps < 0 || maxSlippageBps > 10_000)
    invalid('maxSlippageBps', 'expected an integer in [0, 10000]');
  return Object.freeze({
    v: POLICY_VERSION,
    enabled: bool(p['enabled'], 'enabled'),
    allowedMarkets: Object.freeze(allowedMarkets),
    allowedOrderTypes: Object.freeze(allowedOrderTypes),
    maxLeverage: decimal(p['maxLeverage'], 'maxLeverage'),
    maxPositionNotional: decimal(p['maxPositionNotional'], 'maxPositionNotional'),
    // +0 for -0: JSON has one zero.
    maxSlippageBps: maxSlippageBps + 0,
    dailyLossLimit: decimal(p['dailyLossLimit'], 'dailyLossLimit'),
    window: policyWindow(p['window']),
    killSwitch: bool(p['killSwitch'], 'killSwitch'),
    allowedPrograms: Object.freeze(allowedPrograms),
    allowSignMessage: p['allowSignMessage'] === undefined ? false : bool(p['allowSignMessage'], 'allowSignMessage'),
    maxPriorityFeeLamports:
      p['maxPriorityFeeLamports'] === undefined ? '0' : integerString(p['maxPriorityFeeLamports'], 'maxPriorityFeeLamports'),
  });
}
