/**
 * Stage 5: bind the transaction to the order the bot was authorized for (SPEC 10.4.8). The
 * transaction must implement exactly that order and nothing more:
 * - every instruction that is not auxiliary (its rule's `for` lacks `any`) must serve the order's
 *   kind (a `cancel` order signs only instructions whose rule's `for` includes `cancel`), and at
 *   least one must; a `swap` or perps order exactly one (review F1);
 * - a `transfer` order: every token transfer moves the order's mint, to the order's destination's
 *   associated token account, in total at most the order's amount;
 * - SOL may be wrapped only for a `swap` whose input mint is wSOL (at most its input amount) or a
 *   `transfer` of wSOL (at most its amount).
 * Arguments of Anchor instructions are bound by their rules' `OrderRef` constraints (stage 4).
 * @module
 */
import { typeName } from '../../_utils.js';
import { fail } from '../../errors.js';
import { parseDecimal } from '../policy/_parse.js';
import { orderKind, type OrderV2 } from '../policy/types.js';
import { decodeAddress } from '../../primitives/address.js';
import { associatedTokenAddress, WSOL_MINT } from '../transaction/ata.js';
import type { MatchFacts } from './match.js';
import { refuse } from './refuse.js';

const U64_RE = /^(0|[1-9][0-9]{0,19})$/;
const TYPES = new Set(['swap', 'transfer', 'cancel', 'market', 'limit', 'stop-market', 'stop-limit', 'take-profit-market', 'take-profit-limit']);

/**
 * The bound order, checked for the fields binding reads (fail closed: `order-invalid`). The full
 * validation against the policy is `evaluateOrder`'s, done before any key is opened.
 */
export function aBoundOrder(value: unknown): OrderV2 {
  const bad = (field: string, why: string): never => refuse('order-invalid', `order.${field}: ${why}`, `order.${field}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad('', `expected an object, got ${typeName(value)}`);
  const o = value as Record<string, unknown>;
  if (typeof o['type'] !== 'string' || !TYPES.has(o['type'])) bad('type', 'unknown order type');
  const addr = (k: string) => {
    try {
      decodeAddress(o[k], k);
    } catch {
      bad(k, 'expected a base58 address');
    }
  };
  const u64 = (k: string) => {
    if (typeof o[k] !== 'string' || !U64_RE.test(o[k]) || BigInt(o[k]) > 0xffffffffffffffffn) bad(k, 'expected a canonical u64 decimal string');
  };
  if (o['type'] === 'transfer') {
    addr('mint');
    addr('destination');
    u64('amount');
  } else if (o['type'] === 'swap') {
    addr('inputMint');
    addr('outputMint');
    u64('inputAmount');
    if (o['notional'] !== undefined && parseDecimal(o['notional']) === null) bad('notional', 'expected a decimal string');
  } else if (o['type'] !== 'cancel') {
    if (parseDecimal(o['notional']) === null) bad('notional', 'expected a decimal string');
  }
  return Object.freeze({ ...o }) as unknown as OrderV2;
}

/** Stage 5. Throws SIGNING_REFUSED (`order-kind-mismatch`, `order-mismatch`, `order-not-implemented`). */
export function bindStage(facts: MatchFacts, order: OrderV2): void {
  const kind = orderKind(order.type);
  let implemented = false;
  for (const s of facts.serves) {
    if (s.kinds.includes('any')) continue;
    if (!s.kinds.includes(kind)) refuse('order-kind-mismatch', `the instruction does not serve a ${kind} order`, s.path, s.index);
    // SPEC 10.4.8 rule 3 (review F1): each instruction is bound to the whole order on its own, so
    // two routes (or two perp orders) would together implement twice the order. A swap or perps
    // order is implemented by exactly one instruction; transfers are summed (rule 5), cancels may repeat.
    if (implemented && (kind === 'swap' || kind === 'perp'))
      refuse('order-mismatch', `a ${kind} order is implemented by one instruction; this is a second one`, 'order', s.index);
    implemented = true;
  }
  if (!implemented) refuse('order-not-implemented', `the transaction contains no instruction that implements the ${kind} order`, 'order');

  let wrapped = 0n;
  for (const w of facts.wraps) {
    wrapped += w.lamports;
    const cap =
      order.type === 'swap' && order.inputMint === WSOL_MINT ? BigInt(order.inputAmount) : order.type === 'transfer' && order.mint === WSOL_MINT ? BigInt(order.amount) : undefined;
    if (cap === undefined) refuse('order-mismatch', 'SOL may only be wrapped for a swap from, or a transfer of, wrapped SOL', order.type === 'swap' ? 'order.inputMint' : 'order.type', w.index);
    if (wrapped > cap) refuse('order-mismatch', 'more SOL wrapped than the order needs', order.type === 'swap' ? 'order.inputAmount' : 'order.amount', w.index);
  }

  if (order.type === 'transfer') {
    let moved = 0n;
    for (const t of facts.tokenMoves) {
      if (t.mint !== order.mint) refuse('order-mismatch', 'the transfer moves another mint than the order', 'order.mint', t.index);
      if (t.destination !== associatedTokenAddress(order.destination, t.program, t.mint))
        refuse('order-mismatch', "the transfer's destination is not the order's destination", 'order.destination', t.index);
      moved += t.amount;
      if (moved > BigInt(order.amount)) refuse('order-mismatch', 'the transfers move more than the order amount', 'order.amount', t.index);
    }
  }
}

/**
 * Snapshot of the order taken once at the boundary (SPEC 10.4.8; review F7): the order checked by
 * `evaluateOrder` is the order bound to every transaction, byte for byte. Only a plain object
 * (prototype `Object.prototype` or null) with own, enumerable data properties whose values are
 * strings, finite numbers or booleans is accepted; accessors, symbols, non-enumerable properties,
 * nested objects and exotic prototypes are INVALID_INPUT, since a getter or a Proxy could answer
 * differently to each reader. Every property is read exactly once (descriptor values).
 */
export function snapshotOrder(value: unknown, field = 'order'): Readonly<Record<string, string | number | boolean>> | undefined {
  if (value === undefined) return undefined;
  const bad = (why: string): never => fail('INVALID_INPUT', `${field}: ${why}`, { field });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad(`expected a plain object, got ${typeName(value)}`);
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) bad('expected a plain object (no class instance)');
  const descriptors = Object.getOwnPropertyDescriptors(value);
  const keys = Reflect.ownKeys(descriptors);
  if (keys.length > 32) bad('too many fields');
  const out: Record<string, string | number | boolean> = Object.create(null) as Record<string, string | number | boolean>;
  for (const k of keys) {
    if (typeof k !== 'string') return bad('symbol keys are not allowed');
    const d = descriptors[k]!;
    if (!('value' in d) || d.get !== undefined || d.set !== undefined) bad(`${k}: accessors are not allowed (the order is read once)`);
    if (d.enumerable !== true) bad(`${k}: non-enumerable fields are not allowed`);
    const v: unknown = d.value;
    if (typeof v !== 'string' && typeof v !== 'boolean' && !(typeof v === 'number' && Number.isFinite(v))) bad(`${k}: expected a string, finite number or boolean`);
    out[k] = v as string | number | boolean;
  }
  return Object.freeze({ ...out });
}

/** What one use of a grant has already signed for its order (SPEC 10.4.8 "one use"; review F6). */
export interface UseTotals {
  /** Hash of the message that implemented a swap or perps order, once one did. */
  implementedBy: string | undefined;
  /** Hashes of the messages already counted (a re-signature of the same bytes counts once). */
  readonly counted: Set<string>;
  wrapped: bigint;
  moved: bigint;
}

/** Fresh totals for one `withExecutionSigner` use. */
export function newUseTotals(): UseTotals {
  return { implementedBy: undefined, counted: new Set(), wrapped: 0n, moved: 0n };
}

/**
 * Bind across the signatures of one use (review F6): each message was bound to the whole order on
 * its own, so together they must not implement more than the one order. A swap or perps order is
 * implemented by one message per use (the same bytes may be signed again); a transfer order's
 * transfers and every order's SOL wraps are summed across messages against the order's amount.
 * Cancel orders may sign several. Commits the totals when allowed (synchronously, so concurrent
 * calls see each other); they are not given back if a later stage refuses (fail closed).
 * Throws SIGNING_REFUSED `order-mismatch`, rule `order` / `order.amount` / `order.inputAmount`.
 */
export function bindUse(facts: MatchFacts, order: OrderV2, use: UseTotals, messageHash: string): void {
  if (use.counted.has(messageHash)) return;
  const kind = orderKind(order.type);
  if ((kind === 'swap' || kind === 'perp') && use.implementedBy !== undefined)
    refuse('order-mismatch', `this use already signed a transaction implementing the ${kind} order`, 'order');
  const wrapped = use.wrapped + facts.wraps.reduce((s, w) => s + w.lamports, 0n);
  const moved = use.moved + facts.tokenMoves.reduce((s, t) => s + t.amount, 0n);
  if (order.type === 'swap' && wrapped > BigInt(order.inputAmount)) refuse('order-mismatch', 'more SOL wrapped in this use than the order needs', 'order.inputAmount');
  if (order.type === 'transfer') {
    if (wrapped > BigInt(order.amount)) refuse('order-mismatch', 'more SOL wrapped in this use than the order needs', 'order.amount');
    if (moved > BigInt(order.amount)) refuse('order-mismatch', 'the transfers of this use move more than the order amount', 'order.amount');
  }
  use.counted.add(messageHash);
  use.wrapped = wrapped;
  use.moved = moved;
  if (kind === 'swap' || kind === 'perp') use.implementedBy = messageHash;
}
