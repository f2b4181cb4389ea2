/**
 * `normalizePolicy`: the one entry point that validates a policy document and picks its schema
 * by `v` (SPEC 10.3.1).
 * @module
 */
import { plainObject } from './_parse.js';
import { normalizePolicyV1, type ExecutionPolicy } from './v1.js';

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
  return normalizePolicyV1(plainObject(input, 'policy'));
}
