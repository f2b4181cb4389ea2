/**
 * `explainTransaction` (SPEC 10.4.11): the signing pipeline stopped before spend. No key, no
 * signature, no budget spent: it says what the signer would decide and why.
 * @module
 */
import { abytes, aobject } from '../../_utils.js';
import { AgentvaultError, fail } from '../../errors.js';
import { decodeAddress } from '../../primitives/address.js';
import { normalizePolicy, type PolicyInput } from '../policy/normalize.js';
import { evaluateOrder, type ExecutionState, type OrderInput } from '../policy/order.js';
import type { DecodedInstruction, ProgramDecoder } from '../programs/types.js';
import { aLookupTables } from '../transaction/accounts.js';
import { aBoundOrder, snapshotOrder } from './bind.js';
import { aProgramDecoders, evaluateTransaction, type PipelineTrace } from './evaluate.js';

/**
 * Options of {@link explainTransaction}: the same policy, order and state types as
 * `withExecutionSigner` takes (issue 15 item 2). The types are for the compiler; every value is
 * still validated at run time (`POLICY_INVALID`, `INVALID_INPUT`, an order violation), so values
 * parsed from JSON can be declared as these types and passed.
 */
export interface ExplainTransactionOptions {
  /** The policy: v1 or v2 as written, or normalized (`normalizePolicy`). */
  readonly policy: PolicyInput;
  /** The agent wallet address (the fee payer the transaction must name). */
  readonly agent: string;
  /** The transaction message bytes (what would be signed). */
  readonly message: Uint8Array;
  /** The order the transaction must implement (required for v2 policies, where it is an `OrderV2`). */
  readonly order?: OrderInput;
  /** Lookup-table contents fetched by the app through its own RPC: table address -> entries. */
  readonly lookupTables?: Readonly<Record<string, readonly string[]>>;
  /** Decoders of the Anchor programs the policy names (`createProgramDecoder`). */
  readonly programs?: readonly ProgramDecoder[];
  /** Account state for `evaluateOrder` (perps orders need it, as in `withExecutionSigner`). */
  readonly state?: ExecutionState;
  /** ms since the epoch for `evaluateOrder` (window, time of day); default `Date.now()`. */
  readonly now?: number;
  /**
   * `false` skips `evaluateOrder` and explains only the transaction stages (to study a transaction
   * under an order the policy would refuse). Default `true`: the decision is the signer's.
   */
  readonly evaluateOrder?: boolean;
}

/** The decision, as the signer would take it. */
export interface TransactionExplanation {
  readonly allowed: boolean;
  /** Stable refusal reason (SPEC 10.4.10), when refused. */
  readonly reason?: string;
  /** Policy path of the rule that refused, when refused. */
  readonly rule?: string;
  /** Index of the instruction at fault, when one is. */
  readonly instructionIndex?: number;
  /** The instructions as decoded (as far as the pipeline got; empty for v1 policies). */
  readonly decoded: readonly DecodedInstruction[];
}

const KEYS = new Set(['policy', 'agent', 'message', 'order', 'lookupTables', 'programs', 'state', 'now', 'evaluateOrder']);

/**
 * Explain what the signer would decide for `message` under `policy` and `order`, without a key.
 * Malformed options throw (INVALID_INPUT, POLICY_INVALID); a refusal is returned, not thrown.
 * @example
 * const e = explainTransaction({ policy, agent, message, order, lookupTables, programs: [jupiter] });
 * if (!e.allowed) log(`refused: ${e.reason} at ${e.rule} (instruction ${e.instructionIndex})`);
 */
export function explainTransaction(options: ExplainTransactionOptions): TransactionExplanation {
  const o = aobject(options, 'options');
  for (const k of Object.keys(o)) if (!KEYS.has(k)) fail('INVALID_INPUT', `options.${k}: unknown option`, { field: `options.${k}` });
  // The typed options are still untrusted at run time: normalizePolicy validates (POLICY_INVALID).
  const policy = normalizePolicy(o['policy'] as PolicyInput);
  const agent = o['agent'];
  decodeAddress(agent, 'agent');
  const message = Uint8Array.from(abytes(o['message'], 'message'));
  const lookupTables = aLookupTables(o['lookupTables']);
  const programs = aProgramDecoders(o['programs']);
  const now = o['now'] === undefined ? Date.now() : o['now'];
  if (typeof now !== 'number' || !Number.isSafeInteger(now) || now < 0) fail('INVALID_INPUT', 'now: expected ms since the epoch', { field: 'now' });
  // One snapshot of the order, evaluated and bound (SPEC 10.4.8, review F7).
  const snapshot = snapshotOrder(o['order']);
  const trace: PipelineTrace = {};
  // SPEC 10.4.11 (review F13): the order is evaluated first, as withExecutionSigner does, so explain
  // never says allowed for an order the signer refuses.
  const check = o['evaluateOrder'] ?? true;
  if (typeof check !== 'boolean') fail('INVALID_INPUT', 'evaluateOrder: expected a boolean', { field: 'evaluateOrder' });
  if (check && policy.v === 2 && snapshot !== undefined) {
    // The snapshot and the state are checked field by field there (a malformed one is a violation).
    const d = evaluateOrder(policy, snapshot as OrderInput, o['state'] as ExecutionState | undefined, now, { agent: agent as string });
    if (!d.allowed) return Object.freeze({ allowed: false, reason: 'order-refused', rule: d.violations[0]!.rule, decoded: Object.freeze([]) });
  }
  try {
    const order = policy.v === 2 && snapshot !== undefined ? aBoundOrder(snapshot) : undefined;
    evaluateTransaction(message, { policy, agent: agent as string, order, lookupTables, programs }, trace);
    return Object.freeze({ allowed: true, decoded: trace.decoded ?? Object.freeze([]) });
  } catch (e) {
    if (!(e instanceof AgentvaultError) || e.code !== 'SIGNING_REFUSED') throw e;
    const d = e.details ?? {};
    return Object.freeze({
      allowed: false,
      reason: String(d['reason']),
      ...(typeof d['rule'] === 'string' ? { rule: d['rule'] } : {}),
      ...(typeof d['instructionIndex'] === 'number' ? { instructionIndex: d['instructionIndex'] } : {}),
      decoded: Object.freeze([...(trace.decoded ?? [])]),
    });
  }
}
