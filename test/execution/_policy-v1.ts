/**
 * A valid v1 policy document and the exact-refusal check shared by the policy mutation tests
 * (mutation-policy-v1-vectors.test.ts, mutation-run2-policy.test.ts): SPEC 10.3.1, every refusal is
 * POLICY_INVALID with `details.field` and a message that starts with that field.
 */
import { expect } from 'vitest';
import { normalizePolicy } from '../../src/execution/policy/index.js';
import { expectCode } from '../helpers/errors.js';
import { asPolicy } from '../helpers/untyped.js';

export const DRIFT = 'dRiftyHA39MWEi3m9aunc5MzRF1JYuBsbn6VPcn33UH';

type P = Record<string, unknown>;
/** A valid v1 policy (one market, limit orders, the Drift program), with `extra` merged over it. */
export const v1 = (extra: P = {}): P => ({
  enabled: true,
  allowedMarkets: ['SOL-PERP'],
  allowedOrderTypes: ['limit'],
  maxLeverage: '3',
  maxPositionNotional: '1000',
  maxSlippageBps: 50,
  dailyLossLimit: '100',
  killSwitch: false,
  allowedPrograms: [DRIFT],
  ...extra,
});

/** `policy` is refused as POLICY_INVALID naming `policy.<field>`, with exactly the message `why`. */
export function refuses(policy: unknown, field: string, why: string): void {
  const e = expectCode(() => normalizePolicy(asPolicy(policy)), 'POLICY_INVALID');
  expect(e.details).toEqual({ field: `policy.${field}` });
  expect(e.message).toBe(`policy.${field}: ${why}`);
}
