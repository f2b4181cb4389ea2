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

const V1_ONLY_KEYS = ['allowedMarkets', 'allowedOrderTypes', 'maxLeverage', 'maxPositionNotional', 'maxSlippageBps', 'dailyLossLimit', 'allowedPrograms'];

// Only values made here pass `isNormalizedPolicy`; a look-alike object is normalized again.
const made = new WeakSet<object>();

/** True when `value` was returned by `normalizePolicy` (not merely shaped like one). */
export function isNormalizedPolicy(value: unknown): value is NormalizedPolicy {
  return typeof value === 'object' && value !== null && made.has(value);
}

/**
 * Validate and normalize a policy (SPEC 10.3.1, 10.3.5). `v` absent or `1`: schema v1; `v: 2`:
 * schema v2. Throws `POLICY_INVALID` with `details.field` naming the first bad field (unknown
 * fields are refused at every level), `UNSUPPORTED_VERSION` for another `v`. Idempotent:
 * `normalizePolicy(normalizePolicy(p))` is the same object.
 * @example
 * const policy = normalizePolicy({ v: 2, enabled: true, killSwitch: false,
 *   spot: { pairs: [{ inputMint: WSOL, outputMint: USDC }], maxInput: { [WSOL]: '1000000000' }, maxSlippageBps: 50 },
 *   programs: [{ program: 'ComputeBudget111111111111111111111111111111', native: 'compute-budget', instructions: ['SetComputeUnitLimit'] }] });
 */
export function normalizePolicy(input: ExecutionPolicyInput | PolicyV1): PolicyV1;
export function normalizePolicy(input: ExecutionPolicyV2Input | PolicyV2): PolicyV2;
export function normalizePolicy(input: unknown): NormalizedPolicy;
export function normalizePolicy(input: unknown): NormalizedPolicy {
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
