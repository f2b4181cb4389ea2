/**
 * The one constraint engine for program rules (DESIGN 13, SPEC 10.5.4): checks a decoded
 * instruction against an `InstructionRule` and the bound order. Pure, no dependencies, default
 * deny: anything the rule cannot establish (a missing path, a type it cannot compare, an account
 * loaded from an unresolved lookup table, an order field that is absent) refuses.
 * Presets (`presets/`) only produce rule data for this engine.
 * @module
 */
import type { ArgConstraint, AccountConstraint, InstructionRule, OrderRef, OrderV2, RuleValue } from '../policy/types.js';
import { orderKind } from '../policy/types.js';
import type { DecodedInstruction, DecodedValue } from './types.js';

/** Why a program rule refused (SPEC 10.5.4). */
export type ProgramRefusalReason =
  | 'order-kind'
  | 'order-unbound'
  | 'arg-missing'
  | 'arg-type'
  | 'arg-mismatch'
  | 'account-missing'
  | 'account-unresolved'
  | 'account-mismatch';

/** A refusal of {@link checkInstructionRule}: the reason, the policy path of the rule, a message with no secret. */
export interface ProgramRefusal {
  readonly reason: ProgramRefusalReason;
  readonly rule: string;
  readonly message: string;
}

/** What the engine needs besides the rule and the instruction. */
export interface ConstraintContext {
  /** The agent wallet (base58). */
  readonly agent: string;
  /** The order the transaction must implement (`undefined`: no order bound; only `for: ['any']` rules pass). */
  readonly order: OrderV2 | undefined;
  /** The associated token accounts of `owner` for `mint` under Token and Token-2022. */
  readonly ataOf: (owner: string, mint: string) => ReadonlySet<string>;
  /** Policy path of the rule, e.g. `programs[3].instructions.route`. */
  readonly path: string;
}

const INT = /^-?(0|[1-9][0-9]{0,77})$/;

function refusal(reason: ProgramRefusalReason, rule: string, message: string): ProgramRefusal {
  return Object.freeze({ reason, rule, message });
}

function isOrderRef(v: unknown): v is OrderRef {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { order?: unknown }).order === 'string';
}

/** The order field, mapped; `undefined` when absent or not in the map (SPEC 10.5.4 "order binding"). */
function fromOrder(ref: OrderRef, order: OrderV2 | undefined): RuleValue | undefined {
  if (!order || !Object.prototype.hasOwnProperty.call(order, ref.order)) return undefined;
  const raw = (order as unknown as Record<string, unknown>)[ref.order];
  let v: RuleValue;
  if (typeof raw === 'string' || typeof raw === 'boolean') v = raw;
  else if (typeof raw === 'number' && Number.isSafeInteger(raw)) v = String(raw);
  else return undefined;
  if (ref.map === undefined) return v;
  const key = String(v);
  return Object.prototype.hasOwnProperty.call(ref.map, key) ? ref.map[key] : undefined;
}

/** Walk a `.`-separated path through structs, enum fields and array indexes; options must be Some to go through. */
function lookup(root: DecodedValue, path: string): { found: true; value: DecodedValue } | { found: false } {
  let cur: DecodedValue = root;
  for (const seg of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || cur instanceof Uint8Array) return { found: false };
    if (Array.isArray(cur)) {
      if (!/^(0|[1-9][0-9]{0,5})$/.test(seg)) return { found: false };
      const i = Number(seg);
      if (i >= cur.length) return { found: false };
      cur = cur[i] as DecodedValue;
    } else {
      if (seg === '__variant' || !Object.prototype.hasOwnProperty.call(cur, seg)) return { found: false };
      cur = (cur as Record<string, DecodedValue>)[seg]!;
    }
  }
  return { found: true, value: cur };
}

type Cmp = 'eq' | 'lt' | 'gt' | 'type';
/** Compare a decoded value with a rule value; `type` when they are not comparable (SPEC 10.5.4 table). */
function compare(value: DecodedValue, rule: RuleValue, ordered: boolean): Cmp {
  // `null` names None: equal only to None, unequal to any Some.
  if (rule === null) return ordered ? 'type' : value === null ? 'eq' : 'gt';
  if (typeof value === 'bigint') {
    if (typeof rule !== 'string' || !INT.test(rule)) return 'type';
    const r = BigInt(rule);
    return value === r ? 'eq' : value < r ? 'lt' : 'gt';
  }
  if (ordered) return 'type';
  if (value === null) return 'gt';
  if (typeof value === 'boolean') return typeof rule === 'boolean' ? (value === rule ? 'eq' : 'gt') : 'type';
  if (typeof value === 'string') return typeof rule === 'string' ? (value === rule ? 'eq' : 'gt') : 'type';
  // An enum compares by its variant name.
  if (typeof value === 'object' && !Array.isArray(value) && !(value instanceof Uint8Array) && typeof (value as { __variant?: unknown }).__variant === 'string')
    return typeof rule === 'string' ? ((value as { __variant: string }).__variant === rule ? 'eq' : 'gt') : 'type';
  return 'type';
}

function show(v: DecodedValue): string {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'string') return v.length > 48 ? `${v.slice(0, 44)}...` : v;
  if (v === null) return 'None';
  if (typeof v === 'boolean' || typeof v === 'number') return String(v);
  if (typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array) && typeof (v as { __variant?: unknown }).__variant === 'string')
    return (v as { __variant: string }).__variant;
  return 'a composite value';
}

function checkArg(c: ArgConstraint, ix: DecodedInstruction, ctx: ConstraintContext, rulePath: string): ProgramRefusal | undefined {
  const at = lookup(ix.args, c.path);
  if (!at.found) return refusal('arg-missing', rulePath, `${ix.name}: argument ${c.path} is not present`);
  const value = at.value;
  const resolve = (v: RuleValue | OrderRef): RuleValue | undefined => (isOrderRef(v) ? fromOrder(v, ctx.order) : v);
  if ('oneOf' in c) {
    let anyType = false;
    for (const r of c.oneOf) {
      const cmp = compare(value, r, false);
      if (cmp === 'eq') return undefined;
      if (cmp === 'type') anyType = true;
    }
    return anyType
      ? refusal('arg-type', rulePath, `${ix.name}: argument ${c.path} cannot be compared with the listed values`)
      : refusal('arg-mismatch', rulePath, `${ix.name}: argument ${c.path} = ${show(value)} is not one of the allowed values`);
  }
  const op = 'eq' in c ? 'eq' : 'atMost' in c ? 'atMost' : 'atLeast';
  const rawRule = 'eq' in c ? c.eq : 'atMost' in c ? c.atMost : c.atLeast;
  const rule = resolve(rawRule);
  if (rule === undefined)
    return refusal('order-unbound', rulePath, `${ix.name}: argument ${c.path} is bound to order.${(rawRule as OrderRef).order}, which the order does not carry (or the map lacks)`);
  const cmp = compare(value, rule, op !== 'eq');
  if (cmp === 'type') return refusal('arg-type', rulePath, `${ix.name}: argument ${c.path} (${show(value)}) cannot be compared with ${op}`);
  const ok = op === 'eq' ? cmp === 'eq' : op === 'atMost' ? cmp !== 'gt' : cmp !== 'lt';
  if (ok) return undefined;
  const words = op === 'eq' ? 'must equal' : op === 'atMost' ? 'must be at most' : 'must be at least';
  return refusal('arg-mismatch', rulePath, `${ix.name}: argument ${c.path} = ${show(value)} ${words} ${String(rule)}`);
}

function checkAccount(c: AccountConstraint, ix: DecodedInstruction, ctx: ConstraintContext, rulePath: string): ProgramRefusal | undefined {
  if (!Object.prototype.hasOwnProperty.call(ix.accounts, c.account))
    return refusal('account-missing', rulePath, `${ix.name}: no account named ${c.account}`);
  const addr = ix.accounts[c.account];
  // SPEC 10.5.4: an account from a lookup table the app did not resolve cannot satisfy a constraint.
  if (addr === undefined) return refusal('account-unresolved', rulePath, `${ix.name}: account ${c.account} comes from an unresolved lookup table`);
  const no = (what: string): ProgramRefusal => refusal('account-mismatch', rulePath, `${ix.name}: account ${c.account} (${addr}) ${what}`);
  if ('is' in c) {
    if (c.is === 'agent') return addr === ctx.agent ? undefined : no('is not the agent');
    return addr !== ctx.agent ? undefined : no('must not be the agent');
  }
  if ('oneOf' in c) return c.oneOf.includes(addr) ? undefined : no('is not one of the allowed accounts');
  const m = c.agentAta;
  let mint: string | undefined;
  if (isOrderRef(m)) {
    const v = fromOrder(m, ctx.order);
    if (typeof v !== 'string')
      return refusal('order-unbound', rulePath, `${ix.name}: account ${c.account} is bound to order.${m.order}, which the order does not carry`);
    mint = v;
  } else if ('mint' in m) mint = m.mint;
  else {
    if (!Object.prototype.hasOwnProperty.call(ix.accounts, m.account)) return refusal('account-missing', rulePath, `${ix.name}: no account named ${m.account}`);
    mint = ix.accounts[m.account];
    if (mint === undefined) return refusal('account-unresolved', rulePath, `${ix.name}: account ${m.account} comes from an unresolved lookup table`);
  }
  return ctx.ataOf(ctx.agent, mint).has(addr) ? undefined : no(`is not the agent's associated token account for mint ${mint}`);
}

/**
 * Check one decoded instruction against its rule and the bound order (SPEC 10.5.4). Returns
 * `undefined` when allowed, else the first refusal in rule order: `for`, then `args[i]`, then
 * `accounts[i]`, each naming its policy path under `ctx.path`.
 * @example
 * const r = checkInstructionRule(rule, decoded, { agent, order, ataOf, path: 'programs[2].instructions.route' });
 * if (r) throw new AgentvaultError('SIGNING_REFUSED', r.message, { reason: r.reason, rule: r.rule });
 */
export function checkInstructionRule(rule: InstructionRule, ix: DecodedInstruction, ctx: ConstraintContext): ProgramRefusal | undefined {
  const kind = ctx.order ? orderKind(ctx.order.type) : undefined;
  if (!rule.for.includes('any') && (kind === undefined || !rule.for.includes(kind)))
    return refusal('order-kind', `${ctx.path}.for`, `${ix.name} does not serve ${kind === undefined ? 'a transaction without an order' : `a ${kind} order`}`);
  const args = rule.args ?? [];
  for (let i = 0; i < args.length; i++) {
    const r = checkArg(args[i]!, ix, ctx, `${ctx.path}.args[${i}]`);
    if (r) return r;
  }
  const accounts = rule.accounts ?? [];
  for (let i = 0; i < accounts.length; i++) {
    const r = checkAccount(accounts[i]!, ix, ctx, `${ctx.path}.accounts[${i}]`);
    if (r) return r;
  }
  return undefined;
}
