/**
 * Survivors of the complete `execution` mutation run of dbab1f0 (issue 16 item 5) in the policy
 * schema helpers: the refusal text of a sparse string set (SPEC 10.3.1) and the type of the
 * time-of-day bounds (SPEC 10.3.1: 'HH:MM' strings; a value whose String() is 'HH:MM' is not one).
 * A light file: it imports only the policy module. Classification: /work/coord/mutation-execution-b.md.
 */
import { describe, expect, it } from 'vitest';
import * as typed from '../../src/execution/policy/index.js';
import type { NormalizedPolicy } from '../../src/execution/policy/index.js';
import { asPolicy } from '../helpers/untyped.js';
import { expectCode } from '../helpers/errors.js';

const normalizePolicy = (p: unknown): NormalizedPolicy => typed.normalizePolicy(asPolicy(p));

const DRIFT = 'dRiftyHA39MWEi3m9aunc5MzRF1JYuBsbn6VPcn33UH';
type P = Record<string, unknown>;
const v1 = (extra: P = {}): P => ({
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
function refuses(policy: unknown, field: string, why: string): void {
  const e = expectCode(() => normalizePolicy(policy), 'POLICY_INVALID');
  expect(e.details).toEqual({ field: `policy.${field}` });
  expect(e.message).toBe(`policy.${field}: ${why}`);
}

describe('policy schema v1: string sets and time-of-day bounds (mutation run 2)', () => {
  it('a sparse string set is refused naming the hole: "missing entry (sparse array)"', () => {
    const markets: string[] = ['SOL-PERP', 'ETH-PERP', 'BTC-PERP'];
    delete markets[1];
    refuses(v1({ allowedMarkets: markets }), 'allowedMarkets[1]', 'missing entry (sparse array)');
    const programs: string[] = [DRIFT];
    programs.length = 2; // a trailing hole
    refuses(v1({ allowedPrograms: programs }), 'allowedPrograms[1]', 'missing entry (sparse array)');
  });

  it("time-of-day bounds must be strings: ['12:00'] (String() is '12:00') is refused", () => {
    const why = "expected 'HH:MM' (00:00..23:59)";
    refuses(v1({ window: { timeOfDayUtc: { start: ['12:00'], end: '13:00' } } }), 'window.timeOfDayUtc.start', why);
    refuses(v1({ window: { timeOfDayUtc: { start: '12:00', end: ['13:00'] } } }), 'window.timeOfDayUtc.end', why);
    refuses(v1({ window: { timeOfDayUtc: { start: { toString: () => '12:00' }, end: '13:00' } } }), 'window.timeOfDayUtc.start', why);
    // The same bounds as strings are accepted (the refusals above are about the type only).
    expect(normalizePolicy(v1({ window: { timeOfDayUtc: { start: '12:00', end: '13:00' } } })).window).toEqual({
      timeOfDayUtc: { start: '12:00', end: '13:00' },
    });
  });
});
