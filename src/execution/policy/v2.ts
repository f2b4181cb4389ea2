/**
 * Policy schema v2 (DESIGN 13, SPEC 10.3.5): validation and normalization. The input types are in
 * `types.ts`; this file turns untrusted input into the frozen normalized value that is hashed,
 * summarized and evaluated. Every refusal is `POLICY_INVALID` with `details.field` naming the path
 * (`policy.programs[2].instructions.route.args[0].eq`).
 *
 * Normalization fixes every representation choice so the hash is a function of the meaning:
 * defaults filled in, sets sorted by code unit and de-duplicated, constraint lists sorted by their
 * canonical JSON, amounts in one canonical spelling. Absent optional sections (`perps`, `spot`,
 * `transfers`, `wrapSol`) stay absent: absent means "not allowed".
 * @module
 */
import { canonicalJsonWithNull } from './_canonical.js';
import { decodeAddress } from '../../primitives/address.js';
import { bool, decimal, integerString, invalid, onlyKeys, plainObject, stringSet } from './_parse.js';
import { MARKET_RE, NEVER_ALLOWED_PROGRAMS, ORDER_TYPES, policyWindow, type PolicyWindow } from './v1.js';
import type {
  BudgetUnit,
  NativeProgram,
  OrderKind,
  PerpOrderType,
  RuleValue,
} from './types.js';

/** The v2 schema version. */
export const POLICY_VERSION_2 = 2;

/** Real program ids of the native programs a rule may name (SPEC 10.3.5, 10.4). */
export const NATIVE_PROGRAM_IDS: Readonly<Record<NativeProgram, string>> = Object.freeze({
  system: '11111111111111111111111111111111',
  'spl-token': 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA',
  'spl-token-2022': 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb',
  'associated-token': 'ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL',
  'compute-budget': 'ComputeBudget111111111111111111111111111111',
});

const TOKEN_INSTRUCTIONS = [
  'CloseAccount',
  'InitializeAccount',
  'InitializeAccount2',
  'InitializeAccount3',
  'Revoke',
  'SyncNative',
  'Transfer',
  'TransferChecked',
] as const;

/**
 * SPEC 10.4: the instruction names a native rule may list, per native program. Everything else of
 * these programs (approvals, authority changes, burns, mints, extensions, System instructions but
 * `Transfer`) can never be allowed by a policy.
 */
export const NATIVE_INSTRUCTIONS: Readonly<Record<NativeProgram, readonly string[]>> = Object.freeze({
  system: Object.freeze(['Transfer']),
  'spl-token': Object.freeze([...TOKEN_INSTRUCTIONS]),
  'spl-token-2022': Object.freeze([...TOKEN_INSTRUCTIONS]),
  'associated-token': Object.freeze(['Create', 'CreateIdempotent', 'RecoverNested']),
  'compute-budget': Object.freeze(['RequestHeapFrame', 'SetComputeUnitLimit', 'SetComputeUnitPrice', 'SetLoadedAccountsDataSizeLimit']),
});

/** Order kinds an instruction rule may serve. */
export const ORDER_KINDS: readonly OrderKind[] = Object.freeze(['any', 'cancel', 'perp', 'swap', 'transfer']);
/** Budget units (issue 14). */
export const BUDGET_UNITS: readonly BudgetUnit[] = Object.freeze(['feeLamports', 'quoteNotional', 'signatures', 'solOutflow', 'token']);
/** Order fields an `OrderRef` may name (SPEC 10.3.5): the union of the fields of every v2 order type. */
export const ORDER_REF_FIELDS: readonly string[] = Object.freeze([
  'amount',
  'baseAmount',
  'destination',
  'inputAmount',
  'inputMint',
  'leverage',
  'market',
  'mint',
  'notional',
  'outputMint',
  'reduceOnly',
  'side',
  'slippageBps',
  'type',
]);

/** Bounds of a v2 policy document (parsing and the summary stay bounded). */
export const MAX_POLICY_V2 = Object.freeze({
  markets: 256,
  pairs: 256,
  mints: 256,
  destinations: 256,
  programs: 64,
  instructionsPerProgram: 64,
  constraintsPerInstruction: 32,
  oneOf: 64,
  mapEntries: 256,
  budgets: 16,
});

export const MIN_BUDGET_WINDOW_SECONDS = 60;
export const MAX_BUDGET_WINDOW_SECONDS = 604_800;

const PROGRAM_NAME_RE = /^[A-Za-z0-9](?:[A-Za-z0-9._-]| (?! ))*$/;
const MAX_PROGRAM_NAME = 32;
const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const PATH_SEGMENT_RE = /^(?:[A-Za-z_][A-Za-z0-9_]{0,63}|0|[1-9][0-9]{0,3})$/;
const MAX_PATH = 256;
const HEX64_RE = /^[0-9a-f]{64}$/;
// A literal rule value: a canonical integer (optionally negative), an identifier (enum variant),
// or a base58 string (pubkey). Nothing else: every accepted spelling is the only one (SPEC 10.3.5).
const INT_VALUE_RE = /^-?(?:0|[1-9][0-9]{0,39})$/;
const BASE58_RE = /^[1-9A-HJ-NP-Za-km-z]{32,44}$/;

// -- normalized types -----------------------------------------------------------------------------

export interface NormalizedPerps {
  readonly markets: readonly string[];
  readonly orderTypes: readonly PerpOrderType[];
  readonly maxLeverage: string;
  readonly maxPositionNotional: string;
  readonly maxSlippageBps: number;
  readonly dailyLossLimit: string;
}
export interface NormalizedSpot {
  readonly pairs: readonly { readonly inputMint: string; readonly outputMint: string }[];
  readonly maxInput: Readonly<Record<string, string>>;
  readonly maxSlippageBps: number;
}
export interface NormalizedTransfers {
  readonly maxAmount: Readonly<Record<string, string>>;
  readonly destinations: readonly string[];
}
export interface NormalizedOrderRef {
  readonly order: string;
  readonly map?: Readonly<Record<string, RuleValue>>;
}
export type NormalizedArgConstraint =
  | { readonly path: string; readonly eq: RuleValue | NormalizedOrderRef }
  | { readonly path: string; readonly oneOf: readonly RuleValue[] }
  | { readonly path: string; readonly atMost: string | NormalizedOrderRef }
  | { readonly path: string; readonly atLeast: string | NormalizedOrderRef };
export type NormalizedMintRef = { readonly mint: string } | { readonly account: string } | NormalizedOrderRef;
export type NormalizedAccountConstraint =
  | { readonly account: string; readonly is: 'agent' | 'not-agent' }
  | { readonly account: string; readonly agentAta: NormalizedMintRef }
  | { readonly account: string; readonly oneOf: readonly string[] };
export interface NormalizedInstructionRule {
  readonly for: readonly OrderKind[];
  readonly args: readonly NormalizedArgConstraint[];
  readonly accounts: readonly NormalizedAccountConstraint[];
}
export interface NativeProgramRule {
  readonly program: string;
  readonly native: NativeProgram;
  readonly instructions: readonly string[];
}
export interface AnchorProgramRule {
  readonly program: string;
  readonly name: string;
  readonly idlSha256: string;
  readonly instructions: Readonly<Record<string, NormalizedInstructionRule>>;
}
export type NormalizedProgramRule = NativeProgramRule | AnchorProgramRule;
export interface NormalizedBudget {
  readonly scope: 'grant' | 'wallet';
  readonly windowSeconds: number;
  readonly unit: BudgetUnit;
  readonly mint?: string;
  readonly limit: string;
}

/** A validated, normalized v2 policy (what is hashed). Frozen at every level. */
export interface ExecutionPolicyV2 {
  readonly v: 2;
  readonly enabled: boolean;
  readonly killSwitch: boolean;
  readonly window: PolicyWindow;
  readonly allowSignMessage: boolean;
  readonly maxPriorityFeeLamports: string;
  readonly perps?: NormalizedPerps;
  readonly spot?: NormalizedSpot;
  readonly transfers?: NormalizedTransfers;
  readonly wrapSol?: { readonly maxLamports: string };
  /** Sorted by program id. */
  readonly programs: readonly NormalizedProgramRule[];
  /** Sorted by canonical JSON. */
  readonly budgets: readonly NormalizedBudget[];
}

// -- helpers --------------------------------------------------------------------------------------

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function address(value: unknown, field: string): string {
  if (typeof value !== 'string') invalid(field, 'expected a base58 address (string)');
  try {
    decodeAddress(value, field);
  } catch {
    invalid(field, 'expected a base58 address (32 bytes)');
  }
  return value;
}

function addressSet(value: unknown, field: string, max: number): string[] {
  return stringSet(value, field, max, (s, i) => void address(s, `${field}[${i}]`));
}

function array(value: unknown, field: string, max: number): unknown[] {
  if (!Array.isArray(value)) invalid(field, 'expected an array');
  if (value.length > max) invalid(field, `at most ${max} entries`);
  for (let i = 0; i < value.length; i++)
    if (!Object.prototype.hasOwnProperty.call(value, i)) invalid(`${field}[${i}]`, 'missing entry (sparse array)');
  return value;
}

function bps(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > 10_000)
    invalid(field, 'expected an integer in [0, 10000]');
  return value + 0;
}

/** Sort by canonical JSON and de-duplicate (for lists whose order carries no meaning). */
function canonicalSet<T>(items: T[]): T[] {
  const seen = new Map<string, T>();
  for (const item of items) seen.set(canonicalJsonWithNull(item), item);
  return [...seen.keys()].sort(byCodeUnit).map((k) => seen.get(k)!);
}

/** A record whose keys are addresses and whose values are canonical u64 strings; keys sorted. */
function amountsByMint(value: unknown, field: string, max: number): Readonly<Record<string, string>> {
  const o = plainObject(value, field);
  const keys = Object.keys(o).sort(byCodeUnit);
  if (keys.length > max) invalid(field, `at most ${max} entries`);
  // Object.fromEntries defines own properties (a key `__proto__` stays data, SPEC 10.3.1).
  return Object.freeze(Object.fromEntries(keys.map((k) => [address(k, `${field}.${k}`), integerString(o[k], `${field}.${k}`)])));
}

function ruleValue(value: unknown, field: string): RuleValue {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') invalid(field, 'write integers as canonical decimal strings, never as JSON numbers');
  if (typeof value !== 'string' || !(INT_VALUE_RE.test(value) || IDENT_RE.test(value) || BASE58_RE.test(value)))
    invalid(field, 'expected null, a boolean, a canonical integer string, an identifier or a base58 address');
  if (value === '-0') invalid(field, "write zero as '0'");
  return value;
}

function orderRef(o: Record<string, unknown>, field: string): NormalizedOrderRef {
  onlyKeys(o, new Set(['order', 'map']), field);
  const name = o['order'];
  if (typeof name !== 'string' || !ORDER_REF_FIELDS.includes(name))
    invalid(`${field}.order`, `expected one of ${ORDER_REF_FIELDS.join(', ')}`);
  if (o['map'] === undefined) return Object.freeze({ order: name });
  const m = plainObject(o['map'], `${field}.map`);
  const keys = Object.keys(m).sort(byCodeUnit);
  if (keys.length === 0 || keys.length > MAX_POLICY_V2.mapEntries) invalid(`${field}.map`, `expected 1..${MAX_POLICY_V2.mapEntries} entries`);
  const map = keys.map((k) => {
    if (!MARKET_RE.test(k)) invalid(`${field}.map.${k}`, 'keys must match [A-Za-z0-9][A-Za-z0-9._:/-]{0,63}');
    return [k, ruleValue(m[k], `${field}.map.${k}`)] as const;
  });
  return Object.freeze({ order: name, map: Object.freeze(Object.fromEntries(map)) });
}

/** `value` is a literal or an `{ order }` reference. */
function valueOrRef(value: unknown, field: string, literal: (v: unknown, f: string) => RuleValue): RuleValue | NormalizedOrderRef {
  if (typeof value === 'object' && value !== null) return orderRef(plainObject(value, field), field);
  return literal(value, field);
}

function intLiteral(value: unknown, field: string): string {
  if (typeof value !== 'string' || !INT_VALUE_RE.test(value) || value === '-0') invalid(field, 'expected a canonical integer string');
  return value;
}

function onlyOneOperator(o: Record<string, unknown>, ops: readonly string[], field: string): string {
  const present = ops.filter((k) => o[k] !== undefined);
  if (present.length !== 1) invalid(field, `expected exactly one of ${ops.join(', ')}`);
  return present[0]!;
}

function argConstraint(value: unknown, field: string): NormalizedArgConstraint {
  const o = plainObject(value, field);
  onlyKeys(o, new Set(['path', 'eq', 'oneOf', 'atMost', 'atLeast']), field);
  const path = o['path'];
  if (typeof path !== 'string' || path.length > MAX_PATH || !path.split('.').every((s) => PATH_SEGMENT_RE.test(s)))
    invalid(`${field}.path`, 'expected a dotted path of identifiers and indices (params.marketIndex)');
  const op = onlyOneOperator(o, ['eq', 'oneOf', 'atMost', 'atLeast'], field);
  const f = `${field}.${op}`;
  switch (op) {
    case 'eq':
      return Object.freeze({ path, eq: valueOrRef(o['eq'], f, ruleValue) });
    case 'oneOf': {
      const items = array(o['oneOf'], f, MAX_POLICY_V2.oneOf).map((v, i) => ruleValue(v, `${f}[${i}]`));
      if (items.length === 0) invalid(f, 'expected at least one value');
      return Object.freeze({ path, oneOf: Object.freeze(canonicalSet(items)) });
    }
    case 'atMost':
      return Object.freeze({ path, atMost: valueOrRef(o['atMost'], f, intLiteral) as string | NormalizedOrderRef });
    default:
      return Object.freeze({ path, atLeast: valueOrRef(o['atLeast'], f, intLiteral) as string | NormalizedOrderRef });
  }
}

function accountName(value: unknown, field: string): string {
  if (typeof value !== 'string' || !IDENT_RE.test(value)) invalid(field, 'expected an IDL account name [A-Za-z_][A-Za-z0-9_]{0,63}');
  return value;
}

function accountConstraint(value: unknown, field: string): NormalizedAccountConstraint {
  const o = plainObject(value, field);
  onlyKeys(o, new Set(['account', 'is', 'agentAta', 'oneOf']), field);
  const account = accountName(o['account'], `${field}.account`);
  const op = onlyOneOperator(o, ['is', 'agentAta', 'oneOf'], field);
  const f = `${field}.${op}`;
  if (op === 'is') {
    if (o['is'] !== 'agent' && o['is'] !== 'not-agent') invalid(f, "expected 'agent' or 'not-agent'");
    return Object.freeze({ account, is: o['is'] });
  }
  if (op === 'oneOf') {
    const set = addressSet(o['oneOf'], f, MAX_POLICY_V2.oneOf);
    if (set.length === 0) invalid(f, 'expected at least one address');
    return Object.freeze({ account, oneOf: Object.freeze(set) });
  }
  const m = plainObject(o['agentAta'], f);
  const kind = onlyOneOperator(m, ['mint', 'account', 'order'], f);
  let ref: NormalizedMintRef;
  if (kind === 'mint') {
    onlyKeys(m, new Set(['mint']), f);
    ref = Object.freeze({ mint: address(m['mint'], `${f}.mint`) });
  } else if (kind === 'account') {
    onlyKeys(m, new Set(['account']), f);
    ref = Object.freeze({ account: accountName(m['account'], `${f}.account`) });
  } else ref = orderRef(m, f);
  return Object.freeze({ account, agentAta: ref });
}

function instructionRule(value: unknown, field: string): NormalizedInstructionRule {
  const o = plainObject(value, field);
  onlyKeys(o, new Set(['for', 'args', 'accounts']), field);
  const kinds = stringSet(o['for'], `${field}.for`, ORDER_KINDS.length * 4, (s, i) => {
    if (!(ORDER_KINDS as readonly string[]).includes(s)) invalid(`${field}.for[${i}]`, `expected one of ${ORDER_KINDS.join(', ')}`);
  }) as OrderKind[];
  if (kinds.length === 0) invalid(`${field}.for`, 'expected at least one order kind (default deny)');
  const max = MAX_POLICY_V2.constraintsPerInstruction;
  const args = o['args'] === undefined ? [] : array(o['args'], `${field}.args`, max).map((a, i) => argConstraint(a, `${field}.args[${i}]`));
  const accounts =
    o['accounts'] === undefined ? [] : array(o['accounts'], `${field}.accounts`, max).map((a, i) => accountConstraint(a, `${field}.accounts[${i}]`));
  return Object.freeze({ for: Object.freeze(kinds), args: Object.freeze(canonicalSet(args)), accounts: Object.freeze(canonicalSet(accounts)) });
}

const NATIVE_BY_ID = new Map(Object.entries(NATIVE_PROGRAM_IDS).map(([k, v]) => [v, k as NativeProgram]));

function programRule(value: unknown, field: string, wrapSol: boolean): NormalizedProgramRule {
  const o = plainObject(value, field);
  const program = address(o['program'], `${field}.program`);
  if (o['native'] !== undefined) {
    onlyKeys(o, new Set(['program', 'native', 'instructions']), field);
    const native = o['native'];
    if (typeof native !== 'string' || !Object.prototype.hasOwnProperty.call(NATIVE_PROGRAM_IDS, native))
      invalid(`${field}.native`, `expected one of ${Object.keys(NATIVE_PROGRAM_IDS).join(', ')}`);
    const kind = native as NativeProgram;
    if (NATIVE_PROGRAM_IDS[kind] !== program) invalid(`${field}.program`, `is not the ${kind} program (${NATIVE_PROGRAM_IDS[kind]})`);
    // SPEC 10.3.5: System transfers exist only to wrap SOL into the agent's own wSOL account.
    if (kind === 'system' && !wrapSol) invalid(`${field}.native`, "the System program may only be allowed together with 'wrapSol'");
    const allowed = NATIVE_INSTRUCTIONS[kind];
    const ixs = stringSet(o['instructions'], `${field}.instructions`, allowed.length * 4, (s, i) => {
      if (!allowed.includes(s)) invalid(`${field}.instructions[${i}]`, `expected one of ${allowed.join(', ')}`);
    });
    if (ixs.length === 0) invalid(`${field}.instructions`, 'expected at least one instruction');
    return Object.freeze({ program, native: kind, instructions: Object.freeze(ixs) });
  }
  onlyKeys(o, new Set(['program', 'name', 'idlSha256', 'instructions']), field);
  if (NATIVE_BY_ID.has(program)) invalid(`${field}.program`, `a native program: write it as { native: '${NATIVE_BY_ID.get(program)!}' }`);
  if (NEVER_ALLOWED_PROGRAMS.includes(program))
    invalid(`${field}.program`, 'this program can move funds out of the agent wallet and is never allowed');
  const name = o['name'];
  if (typeof name !== 'string' || name.length > MAX_PROGRAM_NAME || !PROGRAM_NAME_RE.test(name) || name.endsWith(' '))
    invalid(`${field}.name`, `expected 1..${MAX_PROGRAM_NAME} characters [A-Za-z0-9._-] with single inner spaces`);
  // SPEC 10.3.5 (review F12): the summary renders addresses as `JUP6Lk..yVTaV4`; a name must not
  // imitate one (no '..', no word of 20+ base58 characters), so the user reads the real program.
  if (name.includes('..') || name.split(' ').some((w) => /^[1-9A-HJ-NP-Za-km-z]{20,}$/.test(w)))
    invalid(`${field}.name`, "a program name must not look like an address ('..' or a 20+ character base58 word)");
  const idl = o['idlSha256'];
  if (typeof idl !== 'string' || !HEX64_RE.test(idl)) invalid(`${field}.idlSha256`, 'expected 64 lower-case hex digits (SHA-256 of the IDL file)');
  const ix = plainObject(o['instructions'], `${field}.instructions`);
  const names = Object.keys(ix).sort(byCodeUnit);
  if (names.length === 0 || names.length > MAX_POLICY_V2.instructionsPerProgram)
    invalid(`${field}.instructions`, `expected 1..${MAX_POLICY_V2.instructionsPerProgram} instructions`);
  const instructions = names.map((n) => {
    if (!IDENT_RE.test(n)) invalid(`${field}.instructions.${n}`, 'expected an IDL instruction name [A-Za-z_][A-Za-z0-9_]{0,63}');
    return [n, instructionRule(ix[n], `${field}.instructions.${n}`)] as const;
  });
  // Object.fromEntries: an instruction named `__proto__` stays an own data property.
  return Object.freeze({ program, name, idlSha256: idl, instructions: Object.freeze(Object.fromEntries(instructions)) });
}

function budget(value: unknown, field: string): NormalizedBudget {
  const o = plainObject(value, field);
  onlyKeys(o, new Set(['scope', 'windowSeconds', 'unit', 'mint', 'limit']), field);
  const scope = o['scope'];
  if (scope !== 'grant' && scope !== 'wallet') invalid(`${field}.scope`, "expected 'grant' or 'wallet'");
  const w = o['windowSeconds'];
  if (typeof w !== 'number' || !Number.isSafeInteger(w) || w < MIN_BUDGET_WINDOW_SECONDS || w > MAX_BUDGET_WINDOW_SECONDS)
    invalid(`${field}.windowSeconds`, `expected an integer in [${MIN_BUDGET_WINDOW_SECONDS}, ${MAX_BUDGET_WINDOW_SECONDS}]`);
  const unit = o['unit'];
  if (typeof unit !== 'string' || !(BUDGET_UNITS as readonly string[]).includes(unit))
    invalid(`${field}.unit`, `expected one of ${BUDGET_UNITS.join(', ')}`);
  if (unit === 'token' && o['mint'] === undefined) invalid(`${field}.mint`, "required with unit 'token'");
  if (unit !== 'token' && o['mint'] !== undefined) invalid(`${field}.mint`, "only with unit 'token'");
  const limit = unit === 'quoteNotional' ? decimal(o['limit'], `${field}.limit`) : integerString(o['limit'], `${field}.limit`);
  const out: { scope: 'grant' | 'wallet'; windowSeconds: number; unit: BudgetUnit; mint?: string; limit: string } = {
    scope,
    windowSeconds: w + 0,
    unit: unit as BudgetUnit,
    limit,
  };
  if (unit === 'token') out.mint = address(o['mint'], `${field}.mint`);
  return Object.freeze(out);
}

const V2_KEYS = new Set([
  'v',
  'enabled',
  'killSwitch',
  'window',
  'allowSignMessage',
  'maxPriorityFeeLamports',
  'perps',
  'spot',
  'transfers',
  'wrapSol',
  'programs',
  'budgets',
]);

/** @internal Schema v2 of `normalizePolicy` (the dispatcher has checked `p` is a plain object with `v: 2`). */
export function normalizePolicyV2(p: Record<string, unknown>): ExecutionPolicyV2 {
  onlyKeys(p, V2_KEYS, '');
  const out: {
    -readonly [K in keyof ExecutionPolicyV2]: ExecutionPolicyV2[K];
  } = {
    v: 2,
    enabled: bool(p['enabled'], 'enabled'),
    killSwitch: bool(p['killSwitch'], 'killSwitch'),
    window: policyWindow(p['window']),
    allowSignMessage: p['allowSignMessage'] === undefined ? false : bool(p['allowSignMessage'], 'allowSignMessage'),
    maxPriorityFeeLamports:
      p['maxPriorityFeeLamports'] === undefined ? '0' : integerString(p['maxPriorityFeeLamports'], 'maxPriorityFeeLamports'),
    programs: Object.freeze([]),
    budgets: Object.freeze([]),
  };
  if (p['perps'] !== undefined) {
    const f = 'perps';
    const o = plainObject(p['perps'], f);
    onlyKeys(o, new Set(['markets', 'orderTypes', 'maxLeverage', 'maxPositionNotional', 'maxSlippageBps', 'dailyLossLimit']), f);
    const markets = stringSet(o['markets'], `${f}.markets`, MAX_POLICY_V2.markets, (s, i) => {
      if (!MARKET_RE.test(s)) invalid(`${f}.markets[${i}]`, 'must match [A-Za-z0-9][A-Za-z0-9._:/-]{0,63}');
    });
    if (markets.length === 0) invalid(`${f}.markets`, "expected at least one market (omit 'perps' to allow none)");
    const orderTypes = stringSet(o['orderTypes'], `${f}.orderTypes`, ORDER_TYPES.length * 4, (s, i) => {
      if (!(ORDER_TYPES as readonly string[]).includes(s)) invalid(`${f}.orderTypes[${i}]`, `expected one of ${ORDER_TYPES.join(', ')}`);
    }) as PerpOrderType[];
    if (orderTypes.length === 0) invalid(`${f}.orderTypes`, 'expected at least one order type');
    out.perps = Object.freeze({
      markets: Object.freeze(markets),
      orderTypes: Object.freeze(orderTypes),
      maxLeverage: decimal(o['maxLeverage'], `${f}.maxLeverage`),
      maxPositionNotional: decimal(o['maxPositionNotional'], `${f}.maxPositionNotional`),
      maxSlippageBps: bps(o['maxSlippageBps'], `${f}.maxSlippageBps`),
      dailyLossLimit: decimal(o['dailyLossLimit'], `${f}.dailyLossLimit`),
    });
  }
  if (p['spot'] !== undefined) {
    const f = 'spot';
    const o = plainObject(p['spot'], f);
    onlyKeys(o, new Set(['pairs', 'maxInput', 'maxSlippageBps']), f);
    const pairs = array(o['pairs'], `${f}.pairs`, MAX_POLICY_V2.pairs).map((v, i) => {
      const pf = `${f}.pairs[${i}]`;
      const po = plainObject(v, pf);
      onlyKeys(po, new Set(['inputMint', 'outputMint']), pf);
      const inputMint = address(po['inputMint'], `${pf}.inputMint`);
      const outputMint = address(po['outputMint'], `${pf}.outputMint`);
      if (inputMint === outputMint) invalid(pf, 'input and output mint are the same');
      return { inputMint, outputMint };
    });
    if (pairs.length === 0) invalid(`${f}.pairs`, "expected at least one pair (omit 'spot' to allow no swap)");
    const maxInput = amountsByMint(o['maxInput'], `${f}.maxInput`, MAX_POLICY_V2.mints);
    for (const pair of pairs)
      if (maxInput[pair.inputMint] === undefined)
        invalid(`${f}.maxInput.${pair.inputMint}`, 'every input mint of a pair needs a per-swap cap');
    // Sorted by (inputMint, outputMint): the canonical JSON of { inputMint, outputMint } sorts so.
    out.spot = Object.freeze({
      pairs: Object.freeze(canonicalSet(pairs).map((x) => Object.freeze(x))),
      maxInput,
      maxSlippageBps: bps(o['maxSlippageBps'], `${f}.maxSlippageBps`),
    });
  }
  if (p['transfers'] !== undefined) {
    const f = 'transfers';
    const o = plainObject(p['transfers'], f);
    onlyKeys(o, new Set(['maxAmount', 'destinations']), f);
    const maxAmount = amountsByMint(o['maxAmount'], `${f}.maxAmount`, MAX_POLICY_V2.mints);
    if (Object.keys(maxAmount).length === 0) invalid(`${f}.maxAmount`, "expected at least one mint (omit 'transfers' to allow none)");
    out.transfers = Object.freeze({ maxAmount, destinations: Object.freeze(addressSet(o['destinations'], `${f}.destinations`, MAX_POLICY_V2.destinations)) });
  }
  if (p['wrapSol'] !== undefined) {
    const o = plainObject(p['wrapSol'], 'wrapSol');
    onlyKeys(o, new Set(['maxLamports']), 'wrapSol');
    out.wrapSol = Object.freeze({ maxLamports: integerString(o['maxLamports'], 'wrapSol.maxLamports') });
  }
  const programs = array(p['programs'], 'programs', MAX_POLICY_V2.programs).map((v, i) => programRule(v, `programs[${i}]`, out.wrapSol !== undefined));
  const seen = new Map<string, string>();
  for (const [i, r] of programs.entries()) {
    // The same rule twice is one rule (a set); two different rules for one program would leave
    // which one applies to the reader's guess.
    const text = canonicalJsonWithNull(r);
    const prev = seen.get(r.program);
    if (prev !== undefined && prev !== text) invalid(`programs[${i}].program`, 'a program may appear only once');
    seen.set(r.program, text);
  }
  out.programs = Object.freeze(canonicalSet(programs).sort((a, b) => byCodeUnit(a.program, b.program)));
  if (p['budgets'] !== undefined) {
    const list = array(p['budgets'], 'budgets', MAX_POLICY_V2.budgets).map((v, i) => budget(v, `budgets[${i}]`));
    const counters = new Map<string, string>();
    for (const [i, b] of list.entries()) {
      // SPEC 10.3.5: one counter per (scope, unit, mint, window); two limits on it would be ambiguous.
      const key = `${b.scope}:${b.unit}:${b.mint ?? ''}:${b.windowSeconds}`;
      const prev = counters.get(key);
      if (prev !== undefined && prev !== b.limit) invalid(`budgets[${i}]`, 'two budgets for the same scope, unit, mint and window');
      counters.set(key, b.limit);
    }
    out.budgets = Object.freeze(canonicalSet(list));
  }
  return Object.freeze(out);
}
