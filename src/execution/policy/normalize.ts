/**
 * `normalizePolicy`: the one boundary that validates a policy document, picks its schema by `v`
 * (SPEC 10.3.1) and brands the frozen result. Every later stage (hash, summary, order evaluation,
 * the signing pipeline) takes a `NormalizedPolicy` and never re-validates it (validate once).
 * @module
 */
import { fail } from '../../errors.js';
import { plainObject } from './_parse.js';
import { _summaryOf, MAX_POLICY_SUMMARY_LENGTH } from './summary.js';
import type { ExecutionPolicyV2Input } from './types.js';
import { normalizePolicyV1, type ExecutionPolicy, type ExecutionPolicyInput } from './v1.js';
import { normalizePolicyV2, type ExecutionPolicyV2 } from './v2.js';

declare const normalizedBrand: unique symbol;
/** A v1 policy made by `normalizePolicy` (frozen, branded). */
export type PolicyV1 = ExecutionPolicy & { readonly [normalizedBrand]: true };
/** A v2 policy made by `normalizePolicy` (frozen, branded). */
export type PolicyV2 = ExecutionPolicyV2 & { readonly [normalizedBrand]: true };
/** What `normalizePolicy` returns: only the library can make one. */
export type NormalizedPolicy = PolicyV1 | PolicyV2;

/**
 * A policy as the app passes it to every public function (issue 15 item 2): v1 or v2 as written,
 * or a policy already normalized by `normalizePolicy`. The type is for the compiler; the value is
 * still validated at run time (`POLICY_INVALID`, `UNSUPPORTED_VERSION`), since it often comes from
 * a database: declare a parsed document as this type (`const policy: PolicyInput =
 * JSON.parse(row.policy)`) and pass it; the check happens inside.
 */
export type PolicyInput = ExecutionPolicyInput | ExecutionPolicyV2Input | NormalizedPolicy;

/**
 * What `normalizePolicy` returns for an input of type `P`: `PolicyV2` for a v2 document,
 * `PolicyV1` for a v1 one, `NormalizedPolicy` when the version is not known statically (a
 * `PolicyInput`, or the `any` of `JSON.parse`: narrow on `.v`).
 */
export type NormalizedPolicyOf<P extends PolicyInput> = P extends ExecutionPolicyV2Input | PolicyV2
  ? PolicyV2
  : P extends ExecutionPolicyInput | PolicyV1
    ? PolicyV1
    : NormalizedPolicy;

const V1_ONLY_KEYS = ['allowedMarkets', 'allowedOrderTypes', 'maxLeverage', 'maxPositionNotional', 'maxSlippageBps', 'dailyLossLimit', 'allowedPrograms'];

// Only values made here pass `isNormalizedPolicy`; a look-alike object is normalized again.
const made = new WeakSet<object>();

/** True when `value` was returned by `normalizePolicy` (not merely shaped like one). */
export function isNormalizedPolicy(value: unknown): value is NormalizedPolicy {
  // WeakSet.prototype.has is false for every value that is not an object (ECMA-262: CanBeHeldWeakly).
  return made.has(value as object);
}

// One generic signature rather than overloads: with overloads, the `any` of `JSON.parse` would pick
// the first (v1) one and type a v2 policy as v1.
/**
 * Validate and normalize a policy (SPEC 10.3.1, 10.3.5). `v` absent or `1`: schema v1; `v: 2`:
 * schema v2. Throws `POLICY_INVALID` with `details.field` naming the first bad field (unknown
 * fields are refused at every level), `UNSUPPORTED_VERSION` for another `v`. Idempotent:
 * `normalizePolicy(normalizePolicy(p))` is the same object. The parameter is typed
 * (`PolicyInput`) so that a mistake fails `tsc`; the validation above still runs on every value
 * that is not already normalized (a document from `JSON.parse` is checked field by field).
 * @example
 * const policy = normalizePolicy({ v: 2, enabled: true, killSwitch: false,
 *   spot: { pairs: [{ inputMint: WSOL, outputMint: USDC }], maxInput: { [WSOL]: '1000000000' }, maxSlippageBps: 50 },
 *   programs: [{ program: 'ComputeBudget111111111111111111111111111111', native: 'compute-budget', instructions: ['SetComputeUnitLimit'] }] });
 */
export function normalizePolicy<const P extends PolicyInput>(input: P): NormalizedPolicyOf<P>;
export function normalizePolicy(input: PolicyInput): NormalizedPolicy {
  if (isNormalizedPolicy(input)) return input;
  const p = plainObject(input, 'policy');
  const v = p['v'];
  let out: ExecutionPolicy | ExecutionPolicyV2;
  if (v === undefined || v === 1) out = normalizePolicyV1(p);
  else if (v === 2) {
    // A v1 document stamped `v: 2` was written for a schema this library does not know (v1
    // fields are not v2 fields): the version is what is wrong, not one field (vectors/policy.json).
    if (V1_ONLY_KEYS.some((k) => Object.prototype.hasOwnProperty.call(p, k)))
      fail('UNSUPPORTED_VERSION', 'policy.v: 2, but the document has v1 fields (allowedMarkets, ...): not a v2 policy', { field: 'policy.v' });
    out = normalizePolicyV2(p);
    // SPEC 10.3.7: a v2 policy the user cannot be shown is not a policy the user can sign.
    if (_summaryOf(out as PolicyV2) === undefined)
      fail('POLICY_INVALID', `policy: too many or too long limits for a summary of ${MAX_POLICY_SUMMARY_LENGTH} characters`, {
        field: 'policy',
        reason: 'summary-too-long',
      });
  }
  else return fail('UNSUPPORTED_VERSION', 'policy.v: only versions 1 and 2 are known');
  made.add(out);
  return out as NormalizedPolicy;
}
