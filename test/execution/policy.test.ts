import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AgentvaultError } from '../../src/errors.js';
import {
  canonicalPolicyJson,
  evaluateOrder,
  normalizePolicy,
  ORDER_TYPES,
  policyHash,
  type ExecutionPolicyInput,
} from '../../src/execution/policy/index.js';
import { expectCode } from '../helpers/errors.js';
import { asOrder, asPolicy } from '../helpers/untyped.js';
import { NOT_STRINGS } from '../helpers/wrong-types.js';
import vectors from '../../vectors/policy.json' with { type: 'json' };
import { basePolicy, COMPUTE_BUDGET, DRIFT, goodOrder, goodState, MEMO, NOW } from './_fixtures.js';

const nodeSha256 = (s: string) => createHash('sha256').update(Buffer.from(s, 'utf8')).digest('hex');

describe('policy: vectors/policy.json', () => {
  it('has a source and both lists', () => {
    expect(vectors.source).toMatch(/independent/);
    expect(vectors.valid.length).toBeGreaterThan(2);
    expect(vectors.invalid.length).toBeGreaterThan(10);
  });
  for (const v of vectors.valid) {
    it(`valid: ${v.name}`, () => {
      // Independent recomputation: node:crypto over the hand-written canonical string.
      expect(nodeSha256(v.canonical)).toBe(v.hash);
      expect(canonicalPolicyJson(asPolicy(v.policy))).toBe(v.canonical);
      expect(policyHash(asPolicy(v.policy))).toBe(v.hash);
      // The canonical text is itself a policy with the same hash (a fixed point).
      expect(policyHash(JSON.parse(v.canonical))).toBe(v.hash);
    });
  }
  for (const v of vectors.invalid) {
    it(`invalid: ${v.name}`, () => {
      const e = expectCode(() => policyHash(asPolicy(v.policy)), v.code as 'POLICY_INVALID');
      if ('field' in v && v.field !== undefined) expect(e.details?.['field']).toBe(v.field);
    });
  }
});

describe('policy: canonical JSON and hash', () => {
  it('sparse arrays (holes) are refused with POLICY_INVALID naming the hole, in every set', () => {
    // eslint-disable-next-line no-sparse-arrays
    const holey = ['SOL-PERP', , 'BTC-PERP'] as string[];
    expect(expectCode(() => normalizePolicy(basePolicy({ allowedMarkets: holey })), 'POLICY_INVALID').details?.['field']).toBe('policy.allowedMarkets[1]');
    const trailing = ['limit'] as string[];
    trailing.length = 2;
    expect(expectCode(() => normalizePolicy(basePolicy({ allowedOrderTypes: trailing as never })), 'POLICY_INVALID').details?.['field']).toBe('policy.allowedOrderTypes[1]');
    const programs = [DRIFT, MEMO];
    delete (programs as (string | undefined)[])[0];
    expect(expectCode(() => normalizePolicy(basePolicy({ allowedPrograms: programs })), 'POLICY_INVALID').details?.['field']).toBe('policy.allowedPrograms[0]');
  });

  it('a hand-written canonical string hashed with node:crypto matches', () => {
    const p = basePolicy({ allowedPrograms: [MEMO], allowedMarkets: ['SOL-PERP'], allowedOrderTypes: ['limit'] });
    const hand =
      '{"allowSignMessage":false,"allowedMarkets":["SOL-PERP"],"allowedOrderTypes":["limit"],' +
      '"allowedPrograms":["MemoSq4gqABAXKb96qnH8TyKtxUdMphoXfcDMGP9tW5"],"dailyLossLimit":"500","enabled":true,' +
      '"killSwitch":false,"maxLeverage":"3","maxPositionNotional":"10000","maxPriorityFeeLamports":"0",' +
      '"maxSlippageBps":50,"v":1,"window":{}}';
    expect(canonicalPolicyJson(p)).toBe(hand);
    expect(policyHash(p)).toBe(nodeSha256(hand));
  });

  it('two equal policies written differently hash the same; any change of meaning changes the hash', () => {
    const a = basePolicy();
    const b = {
      killSwitch: false,
      dailyLossLimit: '500.000',
      allowedPrograms: [COMPUTE_BUDGET, MEMO, DRIFT, MEMO],
      maxSlippageBps: 50,
      maxPositionNotional: '010000',
      maxLeverage: '3.0',
      allowedOrderTypes: ['cancel', 'market', 'limit'],
      allowedMarkets: ['BTC-PERP', 'SOL-PERP', 'BTC-PERP'],
      enabled: true,
      allowSignMessage: false,
      maxPriorityFeeLamports: '0',
      window: {},
      v: 1,
    } as ExecutionPolicyInput;
    expect(policyHash(b)).toBe(policyHash(a));
    for (const change of [
      { maxLeverage: '3.5' },
      { maxPositionNotional: '10001' },
      { maxSlippageBps: 51 },
      { dailyLossLimit: '501' },
      { enabled: false },
      { killSwitch: true },
      { allowSignMessage: true },
      { maxPriorityFeeLamports: '1' },
      { allowedMarkets: ['SOL-PERP'] },
      { allowedOrderTypes: ['limit'] },
      { allowedPrograms: [DRIFT] },
      { window: { timeOfDayUtc: { start: '08:00', end: '20:00' } } },
    ] as Partial<ExecutionPolicyInput>[])
      expect(policyHash(basePolicy(change)), JSON.stringify(change)).not.toBe(policyHash(a));
  });

  it('normalizePolicy does not mutate its input and is idempotent', () => {
    const p = basePolicy({ allowedMarkets: ['SOL-PERP', 'BTC-PERP', 'SOL-PERP'], maxLeverage: '03.50' });
    const before = JSON.stringify(p);
    const n = normalizePolicy(p);
    expect(JSON.stringify(p)).toBe(before);
    expect(normalizePolicy(n)).toEqual(n);
    expect(n.maxLeverage).toBe('3.5');
    expect(Object.isFrozen(n) && Object.isFrozen(n.allowedMarkets) && Object.isFrozen(n.window)).toBe(true);
  });

  it('wrong-typed policies are POLICY_INVALID, never a TypeError', () => {
    for (const [label, value] of [...NOT_STRINGS, ['array', []], ['class instance', new Date()]] as const) {
      expect(() => policyHash(asPolicy(value)), label).toThrow(AgentvaultError);
      expectCode(() => policyHash(asPolicy(value)), 'POLICY_INVALID');
    }
    for (const field of ['allowedMarkets', 'allowedPrograms', 'allowedOrderTypes'] as const)
      for (const [label, value] of [...NOT_STRINGS.filter(([l]) => l !== 'array'), ['array with a number', [1]]] as const)
        expect(() => policyHash({ ...basePolicy(), [field]: value }), `${field} ${label}`).toThrow(AgentvaultError);
  });
});

// -- fast-check: random policies ---------------------------------------------------------------

const decimalArb = fc
  .tuple(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.integer({ min: 0, max: 6 }))
  .map(([n, scale]) => {
    const s = n.toString().padStart(scale + 1, '0');
    return scale === 0 ? s : `${s.slice(0, -scale)}.${s.slice(-scale)}`;
  });
const marketArb = fc.constantFrom('SOL-PERP', 'BTC-PERP', 'ETH-PERP', 'JUP/USDC', 'WIF-PERP');
const programArb = fc.constantFrom(DRIFT, MEMO, COMPUTE_BUDGET, 'JUP6LkbZbjS1jKKwapdHNy74zcZ3tLUZoi5QNyVTaV4');
const hhmm = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
const policyArb: fc.Arbitrary<ExecutionPolicyInput> = fc.record(
  {
    enabled: fc.boolean(),
    allowedMarkets: fc.array(marketArb, { maxLength: 6 }),
    allowedOrderTypes: fc.array(fc.constantFrom(...ORDER_TYPES), { maxLength: 8 }),
    maxLeverage: decimalArb,
    maxPositionNotional: decimalArb,
    maxSlippageBps: fc.integer({ min: 0, max: 10_000 }),
    dailyLossLimit: decimalArb,
    killSwitch: fc.boolean(),
    allowedPrograms: fc.array(programArb, { maxLength: 5 }),
    allowSignMessage: fc.boolean(),
    maxPriorityFeeLamports: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String),
    window: fc.record(
      {
        notBefore: fc.constant('2025-01-01T00:00:00Z'),
        notAfter: fc.constant('2025-12-31T00:00:00Z'),
        timeOfDayUtc: fc.tuple(hhmm, hhmm).filter(([a, b]) => a !== b).map(([start, end]) => ({ start, end })),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ['enabled', 'allowedMarkets', 'allowedOrderTypes', 'maxLeverage', 'maxPositionNotional', 'maxSlippageBps', 'dailyLossLimit', 'killSwitch', 'allowedPrograms'] },
) as fc.Arbitrary<ExecutionPolicyInput>;

/** Rewrite a policy without changing its meaning: shuffled keys, shuffled and duplicated sets, padded decimals. */
function rewrite(p: ExecutionPolicyInput, seed: number): Record<string, unknown> {
  const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
  const shuffle = <T>(a: readonly T[]) => {
    const c = [...a, ...(a.length > 0 && rnd(2) === 0 ? [a[0]!] : [])];
    for (let i = c.length - 1; i > 0; i--) {
      const j = rnd(i + 1);
      [c[i], c[j]] = [c[j]!, c[i]!];
    }
    return c;
  };
  const pad = (d: string) => `${'0'.repeat(rnd(3))}${d}${d.includes('.') ? '0'.repeat(rnd(3)) : rnd(2) === 0 ? '.000' : ''}`;
  const out: Record<string, unknown> = {
    ...p,
    allowedMarkets: shuffle(p.allowedMarkets),
    allowedOrderTypes: shuffle(p.allowedOrderTypes),
    allowedPrograms: shuffle(p.allowedPrograms),
    maxLeverage: pad(p.maxLeverage),
    maxPositionNotional: pad(p.maxPositionNotional),
    dailyLossLimit: pad(p.dailyLossLimit),
  };
  return Object.fromEntries(shuffle(Object.entries(out).filter(([k]) => k !== '__dup')).filter((e, i, a) => a.findIndex((x) => x[0] === e[0]) === i));
}

describe('policy: properties', () => {
  it('random policies round-trip through canonical JSON with a stable hash', () => {
    fc.assert(
      fc.property(policyArb, (p) => {
        const text = canonicalPolicyJson(p);
        expect(text).not.toMatch(/\s/);
        expect(canonicalPolicyJson(JSON.parse(text))).toBe(text);
        expect(policyHash(p)).toBe(nodeSha256(text));
        expect(policyHash(p)).toBe(policyHash(JSON.parse(JSON.stringify(p))));
      }),
      { numRuns: 300 },
    );
  });

  it('the same policy rewritten (key order, set order, duplicates, zero padding) hashes the same', () => {
    fc.assert(
      fc.property(policyArb, fc.integer({ min: 1, max: 2 ** 30 }), (p, seed) => {
        expect(policyHash(asPolicy(rewrite(p, seed)))).toBe(policyHash(p));
      }),
      { numRuns: 300 },
    );
  });

  // A deliberately naive reference for the limits: decimal strings compared via (integer, fraction) digit strings.
  function cmpDec(a: string, b: string): number {
    const [ai, af = ''] = a.split('.');
    const [bi, bf = ''] = b.split('.');
    const I = (s: string) => s.replace(/^0+(?=.)/, '');
    const x = I(ai!), y = I(bi!);
    if (x.length !== y.length) return x.length - y.length;
    if (x !== y) return x < y ? -1 : 1;
    const n = Math.max(af.length, bf.length);
    const fa = af.padEnd(n, '0'), fb = bf.padEnd(n, '0');
    return fa === fb ? 0 : fa < fb ? -1 : 1;
  }
  function addDec(a: string, b: string): string {
    const scale = 18;
    const toBig = (s: string) => {
      const [i, f = ''] = s.split('.');
      return BigInt(i!) * 10n ** 18n + BigInt(f.padEnd(scale, '0') || '0');
    };
    const sum = toBig(a) + toBig(b);
    const i = sum / 10n ** 18n;
    const f = (sum % 10n ** 18n).toString().padStart(18, '0');
    return `${i}.${f}`;
  }

  it('an order that passes never violates any limit (naive reference check)', () => {
    const orderArb = fc.record({
      market: marketArb,
      type: fc.constantFrom(...ORDER_TYPES),
      side: fc.constantFrom('buy', 'sell'),
      notional: decimalArb,
      leverage: decimalArb,
      slippageBps: fc.option(fc.integer({ min: 0, max: 20_000 }), { nil: undefined }),
    });
    const stateArb = fc.record({ positionNotional: decimalArb, dailyLoss: decimalArb });
    const nowArb = fc.integer({ min: Date.UTC(2024, 11, 1), max: Date.UTC(2026, 0, 31) });
    let allowedCount = 0;
    fc.assert(
      fc.property(policyArb, orderArb, stateArb, nowArb, fc.nat(), (rawPolicy, rawOrder, state, now, bias) => {
        // Bias towards orders that can pass (otherwise almost every random order is denied early).
        const policy: ExecutionPolicyInput = bias % 4 === 0 ? rawPolicy : { ...rawPolicy, enabled: true, killSwitch: false, ...(bias % 3 === 0 ? {} : { window: {} }) };
        const pick = <T,>(list: readonly T[], fallback: T) => (list.length > 0 && bias % 5 !== 0 ? list[bias % list.length]! : fallback);
        const order = { ...rawOrder, market: pick(policy.allowedMarkets, rawOrder.market), type: pick(policy.allowedOrderTypes, rawOrder.type) };
        const d = evaluateOrder(policy, order, state, now);
        if (!d.allowed) {
          expect(d.violations.length).toBeGreaterThan(0);
          return;
        }
        allowedCount++;
        expect(policy.enabled).toBe(true);
        expect(policy.killSwitch).toBe(false);
        expect(policy.allowedMarkets).toContain(order.market);
        expect(policy.allowedOrderTypes).toContain(order.type);
        const w = policy.window ?? {};
        if (w.notBefore) expect(now).toBeGreaterThanOrEqual(Date.parse(w.notBefore));
        if (w.notAfter) expect(now).toBeLessThan(Date.parse(w.notAfter));
        if (w.timeOfDayUtc) {
          const m = new Date(now).getUTCHours() * 60 + new Date(now).getUTCMinutes();
          const [s, e] = [w.timeOfDayUtc.start, w.timeOfDayUtc.end].map((t) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3)));
          expect(s! < e! ? m >= s! && m < e! : m >= s! || m < e!).toBe(true);
        }
        if (order.type !== 'cancel') {
          expect(cmpDec(order.leverage, policy.maxLeverage)).toBeLessThanOrEqual(0);
          expect(cmpDec(addDec(state.positionNotional, order.notional), policy.maxPositionNotional)).toBeLessThanOrEqual(0);
          expect(cmpDec(state.dailyLoss, policy.dailyLossLimit)).toBeLessThan(0);
          if (order.type.endsWith('market')) {
            expect(order.slippageBps).toBeDefined();
            expect(order.slippageBps!).toBeLessThanOrEqual(policy.maxSlippageBps);
          }
        }
      }),
      { numRuns: 2000 },
    );
    expect(allowedCount, 'the generator must produce some allowed orders').toBeGreaterThan(50);
  });
});

describe('policy: evaluateOrder, each rule alone', () => {
  const policy = basePolicy({ window: { notBefore: '2025-01-01T00:00:00Z', notAfter: '2025-03-01T00:00:00Z', timeOfDayUtc: { start: '08:00', end: '20:00' } } });
  const only = (d: ReturnType<typeof evaluateOrder>) => (d.allowed ? [] : d.violations.map((v) => v.rule));

  it('the baseline order is allowed', () => {
    expect(evaluateOrder(policy, goodOrder, goodState, NOW)).toEqual({ allowed: true });
  });

  const cases: [string, Partial<ExecutionPolicyInput>, Record<string, unknown>, Record<string, unknown> | undefined, number, string][] = [
    ['policy disabled', { enabled: false }, {}, {}, NOW, 'enabled'],
    ['policy kill switch', { killSwitch: true }, {}, {}, NOW, 'killSwitch'],
    ['before the policy window', {}, {}, {}, Date.UTC(2024, 11, 31, 12), 'window.notBefore'],
    ['after the policy window', {}, {}, {}, Date.UTC(2025, 2, 1, 12), 'window.notAfter'],
    ['outside the time of day', {}, {}, {}, Date.UTC(2025, 0, 31, 21), 'window.timeOfDay'],
    ['unknown market', {}, { market: 'DOGE-PERP' }, {}, NOW, 'market'],
    ['market missing', {}, { market: undefined }, {}, NOW, 'market'],
    ['order type not allowed', {}, { type: 'stop-limit' }, {}, NOW, 'orderType'],
    ['order type missing', {}, { type: undefined, slippageBps: 1 }, {}, NOW, 'orderType'],
    ['bad side', {}, { side: 'long' }, {}, NOW, 'side'],
    ['leverage above max', {}, { leverage: '3.01' }, {}, NOW, 'leverage'],
    ['leverage as a number', {}, { leverage: 2 }, {}, NOW, 'leverage'],
    ['position above max', {}, { notional: '9000.5' }, { positionNotional: '1000' }, NOW, 'positionNotional'],
    ['notional missing', {}, { notional: undefined }, {}, NOW, 'positionNotional'],
    ['state position missing', {}, {}, { positionNotional: undefined }, NOW, 'positionNotional'],
    ['market order slippage above max', {}, { type: 'market', slippageBps: 51 }, {}, NOW, 'slippage'],
    ['market order without slippage', {}, { type: 'market' }, {}, NOW, 'slippage'],
    ['daily loss limit reached', {}, {}, { dailyLoss: '500' }, NOW, 'dailyLoss'],
    ['daily loss missing', {}, {}, { dailyLoss: undefined }, NOW, 'dailyLoss'],
  ];
  for (const [name, pPatch, oPatch, sPatch, now, rule] of cases) {
    it(`${name} -> ${rule}`, () => {
      const d = evaluateOrder(basePolicy({ ...policy, ...pPatch }), { ...goodOrder, ...oPatch }, { ...goodState, ...sPatch }, now);
      expect(only(d)).toEqual([rule]);
      if (!d.allowed) expect(d.violations[0]!.message.length).toBeGreaterThan(5);
    });
  }

  it('order or state not an object: denied, never thrown', () => {
    expect(only(evaluateOrder(policy, asOrder(null), goodState, NOW))).toEqual(['order']);
    expect(only(evaluateOrder(policy, asOrder('buy'), goodState, NOW))).toEqual(['order']);
    expect(only(evaluateOrder(policy, goodOrder, undefined, NOW))).toEqual(['state']);
  });

  it('boundaries: equal to a maximum is allowed; daily loss equal to the limit is not', () => {
    expect(evaluateOrder(policy, { ...goodOrder, leverage: '3.000' }, goodState, NOW).allowed).toBe(true);
    expect(evaluateOrder(policy, { ...goodOrder, notional: '9000' }, { ...goodState, positionNotional: '1000' }, NOW).allowed).toBe(true);
    expect(evaluateOrder(policy, { ...goodOrder, type: 'market', slippageBps: 50 }, goodState, NOW).allowed).toBe(true);
    expect(evaluateOrder(policy, goodOrder, { ...goodState, dailyLoss: `499.${'9'.repeat(19)}` }, NOW).allowed).toBe(false); // 19 digits: not a decimal
    expect(evaluateOrder(policy, goodOrder, { ...goodState, dailyLoss: `499.${'9'.repeat(18)}` }, NOW).allowed).toBe(true);
    expect(evaluateOrder(policy, goodOrder, { ...goodState, dailyLoss: '500' }, NOW).allowed).toBe(false);
    expect(evaluateOrder(basePolicy({ dailyLossLimit: '0' }), goodOrder, goodState, NOW).allowed).toBe(false);
  });

  it('time of day windows: start inclusive, end exclusive', () => {
    const p = basePolicy({ window: { timeOfDayUtc: { start: '08:00', end: '20:00' } } });
    const at = (h: number, m: number) => evaluateOrder(p, goodOrder, goodState, Date.UTC(2025, 0, 31, h, m, 30)).allowed;
    expect([at(7, 59), at(8, 0), at(19, 59), at(20, 0)]).toEqual([false, true, true, false]);
  });

  it('time of day windows that wrap midnight', () => {
    const p = basePolicy({ window: { timeOfDayUtc: { start: '22:00', end: '02:00' } } });
    expect(evaluateOrder(p, goodOrder, goodState, Date.UTC(2025, 0, 31, 23, 59)).allowed).toBe(true);
    expect(evaluateOrder(p, goodOrder, goodState, Date.UTC(2025, 0, 31, 1, 59)).allowed).toBe(true);
    expect(evaluateOrder(p, goodOrder, goodState, Date.UTC(2025, 0, 31, 2, 0)).allowed).toBe(false);
    expect(evaluateOrder(p, goodOrder, goodState, Date.UTC(2025, 0, 31, 21, 59)).allowed).toBe(false);
  });

  it('a cancel is exempt from the size rules, not from the allowlists', () => {
    const cancel = { market: 'SOL-PERP', type: 'cancel', side: 'sell', notional: '0', leverage: '0' } as const;
    expect(evaluateOrder(policy, cancel, { positionNotional: '999999', dailyLoss: '100000' }, NOW).allowed).toBe(true);
    expect(only(evaluateOrder(policy, { ...cancel, market: 'X' }, goodState, NOW))).toEqual(['market']);
  });

  it('every violated rule is reported, not only the first', () => {
    const d = evaluateOrder(
      basePolicy({ ...policy, enabled: false }),
      { market: 'DOGE', type: 'market', side: 'buy', notional: '20000', leverage: '10', slippageBps: 500 },
      { positionNotional: '0', dailyLoss: '600' },
      Date.UTC(2025, 0, 31, 21),
    );
    expect(only(d).sort()).toEqual(['dailyLoss', 'enabled', 'leverage', 'market', 'positionNotional', 'slippage', 'window.timeOfDay'].sort());
  });

  it('a malformed policy throws POLICY_INVALID; a bad clock throws INVALID_INPUT', () => {
    expectCode(() => evaluateOrder(asPolicy({ ...basePolicy(), maxLeverage: 3 }), goodOrder, goodState, NOW), 'POLICY_INVALID');
    for (const now of [Number.NaN, -1, 1.5, '1', undefined]) expectCode(() => evaluateOrder(policy, goodOrder, goodState, now as number), 'INVALID_INPUT');
  });
});
