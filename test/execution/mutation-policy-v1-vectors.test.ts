/**
 * Policy v1 schema details (SPEC 10.3.1) with exact texts and limits, the shared parsing helpers,
 * and the policy vectors (hashes recomputed with node:crypto). A light file (it imports only the
 * policy module) so the mutation run can afford it per mutant. Mutation testing, issue 16 item 5.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import * as typed from '../../src/execution/policy/index.js';
import { isNormalizedPolicy, parseDecimal } from '../../src/execution/policy/index.js';
import { asPolicy } from '../helpers/untyped.js';
import type { NormalizedPolicy, PolicyV1 } from '../../src/execution/policy/index.js';
// Vectors and mutated documents are untyped JSON: declared as PolicyInput (run-time validation is what is tested).
const normalizePolicy = (p: unknown): NormalizedPolicy => typed.normalizePolicy(asPolicy(p));
const canonicalPolicyJson = (p: unknown): string => typed.canonicalPolicyJson(asPolicy(p));
const policyHash = (p: unknown): string => typed.policyHash(asPolicy(p));
const summarizePolicy = (p: unknown): string => typed.summarizePolicy(asPolicy(p));

import { formatDecimal } from '../../src/execution/policy/_parse.js';
import { expectCode } from '../helpers/errors.js';
import { base58Encode } from '../helpers/secrets.js';
import { DRIFT, refuses, v1 } from './_policy-v1.js';
import vectors from '../../vectors/policy.json' with { type: 'json' };
import vectors2 from '../../vectors/policy-v2.json' with { type: 'json' };

const nodeSha256 = (s: string) => createHash('sha256').update(Buffer.from(s, 'utf8')).digest('hex');
const MEMO = 'MemoSq4gqABAXKb96qnH8TyKtxUdMphoXfcDMGP9tW5';

type P = Record<string, unknown>;
// These documents are all v1 (or refused), so the result is the v1 type.
const ok = (p: P): PolicyV1 => normalizePolicy(p) as PolicyV1;
function addr(i: number): string {
  const b = new Uint8Array(32).fill(5);
  b[0] = 0xa0;
  b[1] = i & 0xff;
  return base58Encode(b);
}

describe('vectors (node:crypto recomputes every hash)', () => {
  it('v1 and v2 valid vectors: canonical text, hash, summary; invalid: code and field', () => {
    for (const v of vectors.valid) {
      expect(nodeSha256(v.canonical)).toBe(v.hash);
      expect(canonicalPolicyJson(v.policy)).toBe(v.canonical);
      expect(policyHash(v.policy)).toBe(v.hash);
      expect(policyHash(JSON.parse(v.canonical))).toBe(v.hash);
    }
    for (const v of vectors.invalid) {
      const e = expectCode(() => policyHash(v.policy), v.code as 'POLICY_INVALID');
      if ('field' in v && v.field !== undefined) expect(e.details?.['field']).toBe(v.field);
    }
    for (const v of vectors2.policies.valid) {
      expect(nodeSha256(v.canonical)).toBe(v.hash);
      expect(canonicalPolicyJson(v.policy)).toBe(v.canonical);
      expect(policyHash(v.policy)).toBe(v.hash);
      expect(summarizePolicy(v.policy)).toBe(v.summary);
    }
    for (const v of vectors2.policies.invalid) {
      const e = expectCode(() => normalizePolicy(v.policy as never), v.code as 'POLICY_INVALID');
      if (v.field !== undefined) expect(e.details?.['field']).toBe(v.field);
    }
  });

  it('the hash is the SHA-256 of the canonical text, stable on a normalized value', () => {
    const p = ok(v1({ allowedPrograms: [MEMO, DRIFT], window: { notAfter: '2026-01-01T00:00:00.000Z' } }));
    const text = canonicalPolicyJson(p);
    expect(text).toBe(
      '{"allowSignMessage":false,"allowedMarkets":["SOL-PERP"],"allowedOrderTypes":["limit"],"allowedPrograms":["' + MEMO + '","' + DRIFT + '"],' +
        '"dailyLossLimit":"100","enabled":true,"killSwitch":false,"maxLeverage":"3","maxPositionNotional":"1000","maxPriorityFeeLamports":"0",' +
        '"maxSlippageBps":50,"v":1,"window":{"notAfter":"2026-01-01T00:00:00Z"}}',
    );
    expect(policyHash(p)).toBe(nodeSha256(text));
    expect(policyHash(p)).toBe(nodeSha256(text));
    const q = ok({ v: 2, enabled: true, killSwitch: false, programs: [], transfers: { maxAmount: { [DRIFT]: '1' }, destinations: [] }, budgets: [] });
    const t2 = '{"allowSignMessage":false,"budgets":[],"enabled":true,"killSwitch":false,"maxPriorityFeeLamports":"0","programs":[],"transfers":{"destinations":[],"maxAmount":{"' + DRIFT + '":"1"}},"v":2,"window":{}}';
    expect(canonicalPolicyJson(q)).toBe(t2);
    expect(policyHash(q)).toBe(nodeSha256(t2));
    const r = ok({ v: 2, enabled: true, killSwitch: false, programs: [{ program: DRIFT, name: 'D', idlSha256: 'ef'.repeat(32), instructions: { x: { for: ['perp'], args: [{ path: 'a', eq: null }, { path: 'b', eq: false }, { path: 'c', eq: true }] } } }] });
    expect(canonicalPolicyJson(r)).toContain('"args":[{"eq":false,"path":"b"},{"eq":null,"path":"a"},{"eq":true,"path":"c"}]');
    expect(policyHash(r)).toBe(nodeSha256(canonicalPolicyJson(r)));
  });
});

describe('dispatch by v', () => {
  it('v absent or 1: v1; 2: v2; anything else UNSUPPORTED_VERSION; a v1 document stamped v: 2 too', () => {
    expect(ok(v1()).v).toBe(1);
    expect(ok(v1({ v: 1 })).v).toBe(1);
    for (const v of [0, 3, '1', null, 1.5]) {
      const e = expectCode(() => normalizePolicy(v1({ v }) as never), 'UNSUPPORTED_VERSION');
      expect(e.message).toBe('policy.v: only versions 1 and 2 are known');
    }
    for (const k of ['allowedMarkets', 'allowedOrderTypes', 'maxLeverage', 'maxPositionNotional', 'maxSlippageBps', 'dailyLossLimit', 'allowedPrograms']) {
      const e = expectCode(() => normalizePolicy({ v: 2, enabled: true, killSwitch: false, programs: [], [k]: undefined } as never), 'UNSUPPORTED_VERSION');
      expect(e.details).toEqual({ field: 'policy.v' });
      expect(e.message).toBe('policy.v: 2, but the document has v1 fields (allowedMarkets, ...): not a v2 policy');
    }
    for (const bad of [null, [], 'p', 5, new Date(0)]) expectCode(() => normalizePolicy(bad as never), 'POLICY_INVALID');
    expect(expectCode(() => normalizePolicy([] as never), 'POLICY_INVALID').details).toEqual({ field: 'policy.policy' });
  });
  it('normalize is idempotent and brands only its own values', () => {
    const p = ok(v1());
    expect(normalizePolicy(p)).toBe(p);
    expect(isNormalizedPolicy(p)).toBe(true);
    expect(isNormalizedPolicy({ ...p })).toBe(false);
    expect(isNormalizedPolicy(null)).toBe(false);
    expect(isNormalizedPolicy('x')).toBe(false);
    expect(normalizePolicy({ ...p })).not.toBe(p);
    expect(normalizePolicy({ ...p })).toEqual(p);
    expect(Object.isFrozen(p)).toBe(true);
    expect(Object.isFrozen(p.allowedMarkets)).toBe(true);
    expect(Object.isFrozen(p.allowedOrderTypes)).toBe(true);
    expect(Object.isFrozen(p.allowedPrograms)).toBe(true);
    expect(Object.isFrozen(p.window)).toBe(true);
  });
});

describe('v1 schema', () => {
  it('defaults and normalized spellings', () => {
    const p = ok(v1({ maxLeverage: '03.50', maxPositionNotional: '1000.000', dailyLossLimit: '0.0', maxSlippageBps: -0, maxPriorityFeeLamports: '0100', allowSignMessage: true }));
    expect(p).toEqual({
      v: 1,
      enabled: true,
      allowedMarkets: ['SOL-PERP'],
      allowedOrderTypes: ['limit'],
      maxLeverage: '3.5',
      maxPositionNotional: '1000',
      maxSlippageBps: 0,
      dailyLossLimit: '0',
      window: {},
      killSwitch: false,
      allowedPrograms: [DRIFT],
      allowSignMessage: true,
      maxPriorityFeeLamports: '100',
    });
    expect(Object.is(p.maxSlippageBps, 0)).toBe(true);
    expect(ok(v1())).toMatchObject({ allowSignMessage: false, maxPriorityFeeLamports: '0' });
  });
  it('field checks, in order, with exact texts', () => {
    refuses(v1({ extra: 1 }), 'extra', 'unknown field (refused: it would not be enforced)');
    refuses(v1({ allowedMarkets: ['SOL PERP'] }), 'allowedMarkets[0]', 'must match [A-Za-z0-9][A-Za-z0-9._:/-]{0,63}');
    refuses(v1({ allowedMarkets: 'SOL-PERP' }), 'allowedMarkets', 'expected an array, got string');
    refuses(v1({ allowedMarkets: [1] }), 'allowedMarkets[0]', 'expected a string, got number');
    refuses(v1({ allowedOrderTypes: ['swap'] }), 'allowedOrderTypes[0]', 'expected one of market, limit, stop-market, stop-limit, take-profit-market, take-profit-limit, cancel');
    refuses(v1({ allowedPrograms: ['xyz'] }), 'allowedPrograms[0]', 'expected a base58 program id (32 bytes)');
    refuses(v1({ allowedPrograms: [DRIFT, 'Stake11111111111111111111111111111111111111'] }), 'allowedPrograms[1]', 'this program can move funds out of the agent wallet and is never allowed');
    for (const bad of [-1, 10_001, 1.5, '5', Number.MAX_SAFE_INTEGER + 1]) refuses(v1({ maxSlippageBps: bad }), 'maxSlippageBps', 'expected an integer in [0, 10000]');
    expect(ok(v1({ maxSlippageBps: 10_000 })).maxSlippageBps).toBe(10_000);
    refuses(v1({ enabled: 1 }), 'enabled', 'expected a boolean, got number');
    refuses(v1({ maxLeverage: 2 }), 'maxLeverage', 'write amounts as decimal strings (e.g. "2.5"), never as JSON numbers');
    refuses(v1({ maxPositionNotional: '1e3' }), 'maxPositionNotional', 'expected a non-negative decimal string (at most 30 integer and 18 fraction digits)');
    refuses(v1({ dailyLossLimit: ' 1' }), 'dailyLossLimit', 'expected a non-negative decimal string (at most 30 integer and 18 fraction digits)');
    refuses(v1({ killSwitch: 'no' }), 'killSwitch', 'expected a boolean, got string');
    refuses(v1({ allowSignMessage: 'no' }), 'allowSignMessage', 'expected a boolean, got string');
    refuses(v1({ maxPriorityFeeLamports: '1.5' }), 'maxPriorityFeeLamports', 'expected a whole number');
    refuses(v1({ maxPriorityFeeLamports: '18446744073709551616' }), 'maxPriorityFeeLamports', 'larger than a u64');
    expect(ok(v1({ maxPriorityFeeLamports: '18446744073709551615.000' })).maxPriorityFeeLamports).toBe('18446744073709551615');
    // The first failing field in table order (markets before order types before programs before slippage).
    refuses(v1({ allowedMarkets: ['-'], allowedOrderTypes: ['x'], allowedPrograms: ['y'], maxSlippageBps: -1 }), 'allowedMarkets[0]', 'must match [A-Za-z0-9][A-Za-z0-9._:/-]{0,63}');
    refuses(v1({ allowedOrderTypes: ['x'], allowedPrograms: ['y'], maxSlippageBps: -1 }), 'allowedOrderTypes[0]', 'expected one of market, limit, stop-market, stop-limit, take-profit-market, take-profit-limit, cancel');
    refuses(v1({ allowedPrograms: ['y'], maxSlippageBps: -1 }), 'allowedPrograms[0]', 'expected a base58 program id (32 bytes)');
  });
  it('set limits count entries as written', () => {
    const markets = Array.from({ length: 257 }, (_, i) => `M${i}`);
    expect(ok(v1({ allowedMarkets: markets.slice(1) })).allowedMarkets).toHaveLength(256);
    refuses(v1({ allowedMarkets: markets }), 'allowedMarkets', 'at most 256 entries');
    refuses(v1({ allowedMarkets: Array(257).fill('SOL') }), 'allowedMarkets', 'at most 256 entries');
    expect(ok(v1({ allowedOrderTypes: Array(28).fill('limit') })).allowedOrderTypes).toEqual(['limit']);
    refuses(v1({ allowedOrderTypes: Array(29).fill('limit') }), 'allowedOrderTypes', 'at most 28 entries');
    const progs = Array.from({ length: 65 }, (_, i) => addr(i));
    expect(ok(v1({ allowedPrograms: progs.slice(1) })).allowedPrograms).toHaveLength(64);
    refuses(v1({ allowedPrograms: progs }), 'allowedPrograms', 'at most 64 entries');
    expect(ok(v1({ allowedMarkets: ['b', 'B', 'a', 'b', 'A'] })).allowedMarkets).toEqual(['A', 'B', 'a', 'b']);
    expect(ok(v1({ allowedMarkets: ['x'.repeat(64)] })).allowedMarkets).toEqual(['x'.repeat(64)]);
    refuses(v1({ allowedMarkets: ['x'.repeat(65)] }), 'allowedMarkets[0]', 'must match [A-Za-z0-9][A-Za-z0-9._:/-]{0,63}');
  });
  it('window: times, order, time of day', () => {
    const w = (window: unknown) => v1({ window });
    expect(ok(w({ notBefore: '2025-01-01T00:00:00.000Z', notAfter: '2025-01-01T00:00:01Z' })).window).toEqual({ notBefore: '2025-01-01T00:00:00Z', notAfter: '2025-01-01T00:00:01Z' });
    refuses(w({ notBefore: '2025-01-01T00:00:01Z', notAfter: '2025-01-01T00:00:01Z' }), 'window', 'notBefore must be before notAfter');
    refuses(w({ notBefore: '2025-01-02T00:00:00Z', notAfter: '2025-01-01T00:00:00Z' }), 'window', 'notBefore must be before notAfter');
    refuses(w({ notBefore: '2025-01-01T00:00:00.5Z' }), 'window.notBefore', 'expected whole seconds');
    refuses(w({ notAfter: '2025-01-01T00:00:00.050Z' }), 'window.notAfter', 'expected whole seconds');
    refuses(w({ notAfter: 'tomorrow' }), 'window.notAfter', 'expected an RFC 3339 UTC time with whole seconds, e.g. 2025-01-31T12:00:00Z');
    refuses(w({ notBefore: 5 }), 'window.notBefore', 'expected an RFC 3339 UTC time with whole seconds, e.g. 2025-01-31T12:00:00Z');
    refuses(w({ later: 1 }), 'window.later', 'unknown field (refused: it would not be enforced)');
    refuses(w([]), 'window', 'expected an object, got array');
    refuses(w({ timeOfDayUtc: { start: '08:00', end: '08:00' } }), 'window.timeOfDayUtc', 'start equals end (ambiguous: omit the field for all day)');
    refuses(w({ timeOfDayUtc: { start: '24:00', end: '08:00' } }), 'window.timeOfDayUtc.start', "expected 'HH:MM' (00:00..23:59)");
    refuses(w({ timeOfDayUtc: { start: '08:00', end: '8:00' } }), 'window.timeOfDayUtc.end', "expected 'HH:MM' (00:00..23:59)");
    refuses(w({ timeOfDayUtc: { start: '08:00', end: 800 } }), 'window.timeOfDayUtc.end', "expected 'HH:MM' (00:00..23:59)");
    refuses(w({ timeOfDayUtc: { start: '08:00', end: '09:60' } }), 'window.timeOfDayUtc.end', "expected 'HH:MM' (00:00..23:59)");
    refuses(w({ timeOfDayUtc: { start: '08:00', end: '09:00', tz: 'UTC' } }), 'window.timeOfDayUtc.tz', 'unknown field (refused: it would not be enforced)');
    refuses(w({ timeOfDayUtc: 'always' }), 'window.timeOfDayUtc', 'expected an object, got string');
    const t = ok(w({ timeOfDayUtc: { start: '23:59', end: '00:00' } })).window;
    expect(t).toEqual({ timeOfDayUtc: { start: '23:59', end: '00:00' } });
    expect(Object.isFrozen(t.timeOfDayUtc)).toBe(true);
  });
});

describe('shared parsing helpers', () => {
  it('parseDecimal: 30 integer and 18 fraction digits at most; scaled by 10^18', () => {
    expect(parseDecimal('1')).toBe(10n ** 18n);
    expect(parseDecimal('0.000000000000000001')).toBe(1n);
    expect(parseDecimal('9'.repeat(30) + '.' + '9'.repeat(18))).toBe(10n ** 48n - 1n);
    expect(parseDecimal('0' + '9'.repeat(29))).toBe((10n ** 29n - 1n) * 10n ** 18n);
    for (const bad of ['1'.repeat(31), '0.' + '1'.repeat(19), '00' + '1'.repeat(29), '', '.5', '5.', '+1', '-1', '1e5', ' 1', '1 ', 5, null])
      expect(parseDecimal(bad)).toBeNull();
  });
  it('formatDecimal: no leading zeros, no trailing fraction zeros', () => {
    expect(formatDecimal(0n)).toBe('0');
    expect(formatDecimal(10n ** 18n)).toBe('1');
    expect(formatDecimal(10n ** 17n * 25n)).toBe('2.5');
    expect(formatDecimal(1n)).toBe('0.000000000000000001');
    expect(formatDecimal(10n ** 18n * 100n + 10n ** 16n * 5n)).toBe('100.05');
  });
  it('plain objects only: null-prototype objects pass; class instances and arrays do not', () => {
    const bare = Object.assign(Object.create(null) as P, v1());
    expect(ok(bare).v).toBe(1);
    class Policy {}
    refuses(Object.assign(new Policy(), v1()), 'policy', 'expected a plain object');
    refuses(v1({ window: new Date(0) }), 'window', 'expected a plain object');
    refuses(v1({ window: null }), 'window', 'expected an object, got null');
  });
});
