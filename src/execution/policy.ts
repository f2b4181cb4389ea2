/**
 * Per-bot risk policy (DESIGN 9, SPEC 10.3): validation, normalization, canonical JSON,
 * SHA-256 hash, and order evaluation at the moment of signing.
 *
 * The user signs the policy *hash* in the `enable-execution` message, so raising any limit needs a
 * new signature. For that the hash must be a function of what the policy means, not of how it was
 * written: `normalizePolicy` fixes every representation choice (defaults filled in, sets sorted and
 * de-duplicated, decimals in one canonical spelling) and `canonicalPolicyJson` serializes with
 * sorted keys and no whitespace. No floating-point number ever enters the hash: amounts are decimal
 * strings, counts are safe integers.
 * @module
 */
import { canonicalJson } from '../_json.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { typeName, utf8 } from '../_utils.js';
import { AgentvaultError, fail } from '../errors.js';
import { decodeAddress } from '../primitives/address.js';
import { formatTimestamp, parseTimestamp } from '../messages/fields.js';

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
const MARKET_RE = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/;
const HHMM_RE = /^([01][0-9]|2[0-3]):([0-5][0-9])$/;
/** Decimal amounts: at most 30 integer digits and 18 fraction digits. */
const DECIMAL_RE = /^(0|[1-9][0-9]{0,29}|0[0-9]{1,29})(?:\.([0-9]{1,18}))?$/;
const SCALE = 18;

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

function invalid(field: string, why: string): never {
  return fail('POLICY_INVALID', `policy.${field}: ${why}`, { field: `policy.${field}` });
}

function plainObject(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    invalid(field, `expected an object, got ${typeName(value)}`);
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) invalid(field, 'expected a plain object');
  return value as Record<string, unknown>;
}

function onlyKeys(obj: Record<string, unknown>, allowed: ReadonlySet<string>, field: string): void {
  for (const k of Object.keys(obj))
    // SPEC 10.3.1: an unknown field could be a limit the user believes is enforced.
    if (!allowed.has(k)) invalid(field === '' ? k : `${field}.${k}`, 'unknown field (refused: it would not be enforced)');
}

function bool(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') invalid(field, `expected a boolean, got ${typeName(value)}`);
  return value;
}

/**
 * Parse a decimal amount into an integer scaled by 10^18. Accepts non-negative decimal strings
 * (leading zeros and trailing fraction zeros allowed on input); refuses numbers, signs, exponents,
 * spaces. Returns null on refusal.
 */
export function parseDecimal(value: unknown): bigint | null {
  if (typeof value !== 'string') return null;
  const m = DECIMAL_RE.exec(value);
  if (m === null) return null;
  const frac = (m[2] ?? '').padEnd(SCALE, '0');
  return BigInt(m[1]!) * 10n ** BigInt(SCALE) + BigInt(frac);
}

/** The canonical spelling of a scaled decimal: no leading zeros, no trailing fraction zeros, no `.` if whole. */
function formatDecimal(scaled: bigint): string {
  const unit = 10n ** BigInt(SCALE);
  const int = scaled / unit;
  const frac = (scaled % unit).toString().padStart(SCALE, '0').replace(/0+$/, '');
  return frac === '' ? int.toString() : `${int}.${frac}`;
}

function decimal(value: unknown, field: string): string {
  if (typeof value === 'number') invalid(field, 'write amounts as decimal strings (e.g. "2.5"), never as JSON numbers');
  const d = parseDecimal(value);
  if (d === null) invalid(field, 'expected a non-negative decimal string (at most 30 integer and 18 fraction digits)');
  return formatDecimal(d);
}

function integerString(value: unknown, field: string): string {
  const s = decimal(value, field);
  if (s.includes('.')) invalid(field, 'expected a whole number');
  if (BigInt(s) > 0xffffffffffffffffn) invalid(field, 'larger than a u64');
  return s;
}

function stringSet(value: unknown, field: string, max: number, check: (s: string, i: number) => void): string[] {
  if (!Array.isArray(value)) invalid(field, `expected an array, got ${typeName(value)}`);
  if (value.length > max) invalid(field, `at most ${max} entries`);
  // An index loop, not forEach/map: those skip holes, and a sparse array would reach the Set below
  // with `undefined` in it.
  const out: string[] = [];
  for (let i = 0; i < value.length; i++) {
    if (!Object.prototype.hasOwnProperty.call(value, i)) invalid(`${field}[${i}]`, 'missing entry (sparse array)');
    const s: unknown = value[i];
    if (typeof s !== 'string') invalid(`${field}[${i}]`, `expected a string, got ${typeName(s)}`);
    check(s, i);
    out.push(s);
  }
  // Sets: sort by code unit (every allowed string is ASCII, so this is byte order too) and de-duplicate.
  return [...new Set(out)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function timestamp(value: unknown, field: string): string {
  let ms: number;
  try {
    ms = parseTimestamp(value, field);
  } catch {
    return invalid(field, 'expected an RFC 3339 UTC time with whole seconds, e.g. 2025-01-31T12:00:00Z');
  }
  if (/\.[0-9]*[1-9]/.test(value as string)) invalid(field, 'expected whole seconds');
  return formatTimestamp(ms, field);
}

function policyWindow(value: unknown): PolicyWindow {
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

/**
 * Validate and normalize a policy (SPEC 10.3.1). Throws `POLICY_INVALID` with
 * `details.field` naming the first bad field. Idempotent: `normalizePolicy(normalizePolicy(p))`
 * equals `normalizePolicy(p)`.
 * @example
 * const policy = normalizePolicy({ enabled: true, allowedMarkets: ['SOL-PERP'], allowedOrderTypes: ['limit'],
 *   maxLeverage: '3', maxPositionNotional: '10000', maxSlippageBps: 50, dailyLossLimit: '500',
 *   killSwitch: false, allowedPrograms: [DRIFT_PROGRAM_ID] });
 */
export function normalizePolicy(input: unknown): ExecutionPolicy {
  const p = plainObject(input, 'policy');
  onlyKeys(p, POLICY_KEYS, '');
  if (p['v'] !== undefined && p['v'] !== POLICY_VERSION) fail('UNSUPPORTED_VERSION', `policy.v: only version ${POLICY_VERSION} is known`);
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

/** Sorted-key, whitespace-free JSON of a value made of objects, arrays, strings, booleans and safe integers. */
/**
 * The canonical JSON text of a policy (SPEC 10.3.2): `normalizePolicy`, then keys sorted by
 * code unit at every level, no whitespace, strings as `JSON.stringify` writes them, integers in
 * plain decimal. For this value domain (printable-ASCII strings, safe integers) it is identical to
 * the RFC 8785 (JCS) serialization.
 */
export function canonicalPolicyJson(policy: unknown): string {
  return canonicalJson(normalizePolicy(policy), 'POLICY_INVALID');
}

/** SHA-256 of the canonical JSON's UTF-8 bytes, 64 lower-case hex digits: what the user signs. */
export function policyHash(policy: unknown): string {
  return bytesToHex(sha256(utf8(canonicalPolicyJson(policy))));
}

// -- order evaluation ---------------------------------------------------------------------------

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
