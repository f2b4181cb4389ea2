/**
 * Policy schema v2 (SPEC 10.3.5-10.3.7): normalization, canonical JSON and hash (re-computed here
 * with a naive canonical writer and node:crypto), unknown fields at every level, program rules,
 * budgets, v2 order evaluation, the summary, and fast-check properties.
 */
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AgentvaultError } from '../../src/errors.js';
import {
  canonicalPolicyJson,
  evaluateOrder,
  isNormalizedPolicy,
  MAX_POLICY_SUMMARY_LENGTH,
  normalizePolicy,
  policyHash,
  summarizePolicy,
} from '../../src/execution/policy/index.js';
import { _summaryTemplate, textLength } from '../../src/execution/policy/summary.js';
import { assertStatement } from '../../src/messages/fields.js';
import { statementEnableExecution } from '../../src/messages/purposes.js';
import { expectCode } from '../helpers/errors.js';
import { asOrder, asPolicy, asState } from '../helpers/untyped.js';
import vectors from '../../vectors/policy-v2.json' with { type: 'json' };
import v1vectors from '../../vectors/policy.json' with { type: 'json' };

const nodeSha256 = (s: string) => createHash('sha256').update(Buffer.from(s, 'utf8')).digest('hex');

/** A deliberately naive canonical JSON writer (sorted keys, no whitespace), sharing no code with src/. */
function naiveCanonical(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return '[' + v.map(naiveCanonical).join(',') + ']';
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).filter((k) => o[k] !== undefined);
    keys.sort();
    return '{' + keys.map((k) => JSON.stringify(k) + ':' + naiveCanonical(o[k])).join(',') + '}';
  }
  return JSON.stringify(v);
}

const WSOL = 'So11111111111111111111111111111111111111112';
const USDC = 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v';
const USDT = 'Es9vMFrzaCERmJfrF4H2FYD3KNfqA2ZrBh5Yk1LvNs1T';
const JUP = 'JUP6LkbZbjS1jKKwapdHNy74zcZ3tLUZoi5QNyVTaV4';
const DRIFT = 'dRiftyHA39MWEi3m9aunc5MzRF1JYuBsbn6VPcn33UH';
const DEST = '9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM';
const AGENT = '5EKDvUy34BHTu2XLtEJBY6cJpWxnPqJMgv1m8tLPGqxx';
const SYSTEM = '11111111111111111111111111111111';
const TOKEN = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA';
const ATA = 'ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL';
const CB = 'ComputeBudget111111111111111111111111111111';
const NOW = Date.UTC(2025, 0, 31, 12, 0, 0);

function fullPolicy(): Record<string, unknown> {
  return {
    v: 2,
    enabled: true,
    killSwitch: false,
    maxPriorityFeeLamports: '100000',
    window: { notAfter: '2026-01-01T00:00:00Z', timeOfDayUtc: { start: '08:00', end: '20:00' } },
    perps: { markets: ['SOL-PERP'], orderTypes: ['limit', 'cancel'], maxLeverage: '3', maxPositionNotional: '10000', maxSlippageBps: 50, dailyLossLimit: '500' },
    spot: { pairs: [{ inputMint: WSOL, outputMint: USDC }], maxInput: { [WSOL]: '1000000000' }, maxSlippageBps: 50 },
    transfers: { maxAmount: { [USDC]: '10000000' }, destinations: [DEST] },
    wrapSol: { maxLamports: '1000000000' },
    programs: [
      { program: CB, native: 'compute-budget', instructions: ['SetComputeUnitPrice', 'SetComputeUnitLimit'] },
      { program: SYSTEM, native: 'system', instructions: ['Transfer'] },
      { program: TOKEN, native: 'spl-token', instructions: ['SyncNative', 'CloseAccount', 'TransferChecked'] },
      { program: ATA, native: 'associated-token', instructions: ['CreateIdempotent'] },
      {
        program: JUP,
        name: 'Jupiter v6',
        idlSha256: 'ab'.repeat(32),
        instructions: {
          route: {
            for: ['swap'],
            args: [
              { path: 'inAmount', atMost: { order: 'inputAmount' } },
              { path: 'slippageBps', oneOf: ['50', '0', '10'] },
              { path: 'platformFeeBps', eq: '0' },
              { path: 'routePlan.0.swap', eq: null },
            ],
            accounts: [
              { account: 'userTransferAuthority', is: 'agent' },
              { account: 'userDestinationTokenAccount', agentAta: { order: 'outputMint' } },
              { account: 'destinationMint', oneOf: [USDC, WSOL] },
            ],
          },
        },
      },
    ],
    budgets: [
      { scope: 'grant', windowSeconds: 86400, unit: 'signatures', limit: '100' },
      { scope: 'wallet', windowSeconds: 3600, unit: 'token', mint: USDC, limit: '500000000' },
      { scope: 'grant', windowSeconds: 3600, unit: 'quoteNotional', limit: '2500.50' },
    ],
  };
}

const clone = <T>(x: T): T => structuredClone(x);

describe('policy v2: vectors/policy-v2.json (policies)', () => {
  it('has a source and both lists', () => {
    expect(vectors.source).toMatch(/independent/);
    expect(vectors.policies.valid.length).toBeGreaterThan(3);
    expect(vectors.policies.invalid.length).toBeGreaterThan(10);
  });
  for (const v of vectors.policies.valid) {
    it(`valid: ${v.name}`, () => {
      // Independent: the naive writer reproduces the canonical text from its own parse, and
      // node:crypto hashes it; then the library must agree with both.
      expect(naiveCanonical(JSON.parse(v.canonical))).toBe(v.canonical);
      expect(nodeSha256(v.canonical)).toBe(v.hash);
      expect(canonicalPolicyJson(asPolicy(v.policy))).toBe(v.canonical);
      expect(policyHash(asPolicy(v.policy))).toBe(v.hash);
      expect(policyHash(JSON.parse(v.canonical))).toBe(v.hash);
      expect(summarizePolicy(asPolicy(v.policy))).toBe(v.summary);
    });
  }
  for (const v of vectors.policies.invalid) {
    it(`invalid: ${v.name}`, () => {
      const e = expectCode(() => normalizePolicy(asPolicy(v.policy)), v.code as 'POLICY_INVALID');
      if (v.field !== undefined) expect(e.details?.['field']).toBe(v.field);
    });
  }
  it('v1 vectors keep their exact hash (v1 is not re-read as v2)', () => {
    for (const v of v1vectors.valid) {
      expect(policyHash(asPolicy(v.policy))).toBe(v.hash);
      expect(nodeSha256(v.canonical)).toBe(v.hash);
      expect(normalizePolicy(asPolicy(v.policy)).v).toBe(1);
    }
  });
});

describe('policy v2: normalization', () => {
  it('normalizes a full policy: sets sorted and de-duplicated, defaults, canonical amounts, frozen and branded', () => {
    const p = normalizePolicy(asPolicy(fullPolicy()));
    expect(isNormalizedPolicy(p)).toBe(true);
    expect(isNormalizedPolicy(JSON.parse(JSON.stringify(p)))).toBe(false);
    expect(Object.isFrozen(p)).toBe(true);
    if (p.v !== 2) throw new Error('v2 expected');
    expect(p.programs.map((r) => r.program)).toEqual([SYSTEM, ATA, CB, JUP, TOKEN]);
    expect(p.allowSignMessage).toBe(false);
    expect(p.budgets.map((b) => b.limit)).toEqual(['100', '2500.5', '500000000']);
    const jup = p.programs.find((r) => r.program === JUP)!;
    expect('instructions' in jup && !Array.isArray(jup.instructions)).toBe(true);
    // Idempotent and the same object for a branded input (validate once).
    expect(normalizePolicy(p)).toBe(p);
    expect(canonicalPolicyJson(JSON.parse(canonicalPolicyJson(p)))).toBe(canonicalPolicyJson(p));
    // Independent canonical + hash.
    expect(canonicalPolicyJson(p)).toBe(naiveCanonical(JSON.parse(canonicalPolicyJson(p))));
    expect(policyHash(p)).toBe(nodeSha256(naiveCanonical(p)));
  });

  it('does not mutate its input', () => {
    const input = fullPolicy();
    const copy = clone(input);
    normalizePolicy(asPolicy(input));
    expect(input).toEqual(copy);
  });

  it('refuses an unknown field at every nesting level, naming the path', () => {
    const paths: string[] = [];
    const walk = (o: unknown, path: string) => {
      if (Array.isArray(o)) o.forEach((x, i) => walk(x, `${path}[${i}]`));
      else if (typeof o === 'object' && o !== null) {
        paths.push(path);
        for (const [k, v] of Object.entries(o)) walk(v, path === '' ? k : `${path}.${k}`);
      }
    };
    walk(fullPolicy(), '');
    expect(paths.length).toBeGreaterThan(25);
    for (const path of paths) {
      const p = fullPolicy();
      // Re-walk to the object at `path` and add a field.
      let target: Record<string, unknown> = p;
      if (path !== '')
        for (const seg of path.match(/[^.[\]]+/g)!) target = (target as Record<string, unknown>)[seg] as Record<string, unknown>;
      target['extra'] = '1';
      const e = expectCode(() => normalizePolicy(asPolicy(p)), 'POLICY_INVALID');
      // The named field is the extra one, or (for a map of names) an entry that is not well-formed.
      const expected = path === '' ? 'policy.extra' : `policy.${path}.extra`;
      const field = e.details?.['field'] as string;
      expect([expected, `policy.${path}`]).toContain(field.replace(/\.map\.extra$/, '.map.extra'));
    }
  });

  it('program rules: the fixed native table, real ids, System only with wrapSol, never-allowed programs, anchor shapes', () => {
    const bad = (mut: (p: Record<string, any>) => void, field: string) => {
      const p = fullPolicy() as Record<string, any>;
      mut(p);
      expect(expectCode(() => normalizePolicy(asPolicy(p)), 'POLICY_INVALID').details?.['field']).toBe(field);
    };
    bad((p) => (p.programs[0].instructions = ['SetComputeUnitLimit', 'Unknown']), 'policy.programs[0].instructions[1]');
    bad((p) => (p.programs[1].instructions = ['CreateAccount']), 'policy.programs[1].instructions[0]');
    bad((p) => (p.programs[2].instructions = ['Approve']), 'policy.programs[2].instructions[0]');
    bad((p) => (p.programs[2].instructions = ['SetAuthority']), 'policy.programs[2].instructions[0]');
    bad((p) => (p.programs[2].program = 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb'), 'policy.programs[2].program');
    bad((p) => (p.programs[0].native = 'stake'), 'policy.programs[0].native');
    bad((p) => delete p.wrapSol, 'policy.programs[1].native');
    bad((p) => p.programs.push({ program: SYSTEM, name: 'sys', idlSha256: 'ab'.repeat(32), instructions: { a: { for: ['any'] } } }), 'policy.programs[5].program');
    bad((p) => p.programs.push({ program: 'Stake11111111111111111111111111111111111111', name: 'x', idlSha256: 'ab'.repeat(32), instructions: { a: { for: ['any'] } } }), 'policy.programs[5].program');
    bad((p) => p.programs.push({ program: 'AddressLookupTab1e1111111111111111111111111', name: 'x', idlSha256: 'ab'.repeat(32), instructions: { a: { for: ['any'] } } }), 'policy.programs[5].program');
    bad((p) => p.programs.push({ ...p.programs[0], instructions: ['SetComputeUnitLimit'] }), 'policy.programs[5].program');
    bad((p) => (p.programs[4].idlSha256 = 'AB'.repeat(32)), 'policy.programs[4].idlSha256');
    bad((p) => (p.programs[4].name = 'two  spaces'), 'policy.programs[4].name');
    bad((p) => (p.programs[4].instructions = {}), 'policy.programs[4].instructions');
    bad((p) => (p.programs[4].instructions['bad-name'] = { for: ['swap'] }), 'policy.programs[4].instructions.bad-name');
    bad((p) => (p.programs[4].instructions.route.for = []), 'policy.programs[4].instructions.route.for');
    bad((p) => (p.programs[4].instructions.route.for = ['withdraw']), 'policy.programs[4].instructions.route.for[0]');
    bad((p) => (p.programs[4].instructions.route.args[0] = { path: 'a', eq: '1', atMost: '2' }), 'policy.programs[4].instructions.route.args[0]');
    bad((p) => (p.programs[4].instructions.route.args[0] = { path: 'a' }), 'policy.programs[4].instructions.route.args[0]');
    bad((p) => (p.programs[4].instructions.route.args[0] = { path: 'a..b', eq: '1' }), 'policy.programs[4].instructions.route.args[0].path');
    bad((p) => (p.programs[4].instructions.route.args[0] = { path: 'a', eq: '01' }), 'policy.programs[4].instructions.route.args[0].eq');
    bad((p) => (p.programs[4].instructions.route.args[0] = { path: 'a', eq: 1 }), 'policy.programs[4].instructions.route.args[0].eq');
    bad((p) => (p.programs[4].instructions.route.args[0] = { path: 'a', eq: '-0' }), 'policy.programs[4].instructions.route.args[0].eq');
    bad((p) => (p.programs[4].instructions.route.args[0] = { path: 'a', atMost: 'x' }), 'policy.programs[4].instructions.route.args[0].atMost');
    bad((p) => (p.programs[4].instructions.route.args[0] = { path: 'a', oneOf: [] }), 'policy.programs[4].instructions.route.args[0].oneOf');
    bad((p) => (p.programs[4].instructions.route.args[0] = { path: 'a', eq: { order: 'secret' } }), 'policy.programs[4].instructions.route.args[0].eq.order');
    bad((p) => (p.programs[4].instructions.route.args[0] = { path: 'a', eq: { order: 'market', map: { 'SOL-PERP': 1 } } }), 'policy.programs[4].instructions.route.args[0].eq.map.SOL-PERP');
    bad((p) => (p.programs[4].instructions.route.accounts[0] = { account: 'a', is: 'owner' }), 'policy.programs[4].instructions.route.accounts[0].is');
    bad((p) => (p.programs[4].instructions.route.accounts[0] = { account: 'a', is: 'agent', oneOf: [USDC] }), 'policy.programs[4].instructions.route.accounts[0]');
    bad((p) => (p.programs[4].instructions.route.accounts[0] = { account: 'a', agentAta: { mint: USDC, account: 'b' } }), 'policy.programs[4].instructions.route.accounts[0].agentAta');
    bad((p) => (p.programs[4].instructions.route.accounts[0] = { account: 'a', oneOf: ['notbase58!'] }), 'policy.programs[4].instructions.route.accounts[0].oneOf[0]');
  });

  it('budgets: scope, window bounds, unit, mint only with token, canonical limit, no two limits on one counter', () => {
    const bad = (b: unknown, field: string) => {
      const p = fullPolicy();
      p['budgets'] = [b];
      expect(expectCode(() => normalizePolicy(asPolicy(p)), 'POLICY_INVALID').details?.['field']).toBe(field);
    };
    const ok = { scope: 'grant', windowSeconds: 3600, unit: 'signatures', limit: '10' };
    bad({ ...ok, scope: 'bot' }, 'policy.budgets[0].scope');
    bad({ ...ok, windowSeconds: 59 }, 'policy.budgets[0].windowSeconds');
    bad({ ...ok, windowSeconds: 604801 }, 'policy.budgets[0].windowSeconds');
    bad({ ...ok, windowSeconds: 3600.5 }, 'policy.budgets[0].windowSeconds');
    bad({ ...ok, unit: 'lamports' }, 'policy.budgets[0].unit');
    bad({ ...ok, mint: USDC }, 'policy.budgets[0].mint');
    bad({ ...ok, unit: 'token' }, 'policy.budgets[0].mint');
    bad({ ...ok, limit: 10 }, 'policy.budgets[0].limit');
    bad({ ...ok, limit: '1.5' }, 'policy.budgets[0].limit');
    bad({ ...ok, limit: '18446744073709551616' }, 'policy.budgets[0].limit');
    const p = fullPolicy();
    p['budgets'] = [ok, { ...ok, limit: '11' }];
    expect(expectCode(() => normalizePolicy(asPolicy(p)), 'POLICY_INVALID').details?.['field']).toBe('policy.budgets[1]');
    // The same budget twice is one budget (a set).
    const q = fullPolicy();
    q['budgets'] = [ok, { ...ok }];
    expect((normalizePolicy(asPolicy(q)) as unknown as { budgets: unknown[] }).budgets.length).toBe(1);
    expect(normalizePolicy(asPolicy({ ...fullPolicy(), budgets: [{ ...ok, limit: '010' }] }))).toMatchObject({ budgets: [{ limit: '10' }] });
  });

  it('sections: empty sets refused, swap caps required for every input mint, same mint pair refused', () => {
    const bad = (mut: (p: Record<string, any>) => void, field: string) => {
      const p = fullPolicy() as Record<string, any>;
      mut(p);
      expect(expectCode(() => normalizePolicy(asPolicy(p)), 'POLICY_INVALID').details?.['field']).toBe(field);
    };
    bad((p) => (p.perps.markets = []), 'policy.perps.markets');
    bad((p) => (p.spot.pairs = []), 'policy.spot.pairs');
    bad((p) => (p.spot.pairs = [{ inputMint: USDC, outputMint: WSOL }]), `policy.spot.maxInput.${USDC}`);
    bad((p) => (p.spot.pairs = [{ inputMint: WSOL, outputMint: WSOL }]), 'policy.spot.pairs[0]');
    bad((p) => (p.spot.maxInput = { [WSOL]: '-1' }), `policy.spot.maxInput.${WSOL}`);
    bad((p) => (p.spot.maxInput = { notamint: '1' }), 'policy.spot.maxInput.notamint');
    bad((p) => (p.spot.maxSlippageBps = 10001), 'policy.spot.maxSlippageBps');
    bad((p) => (p.transfers.maxAmount = {}), 'policy.transfers.maxAmount');
    bad((p) => (p.transfers.destinations = 'x'), 'policy.transfers.destinations');
    bad((p) => (p.wrapSol = { maxLamports: '1e9' }), 'policy.wrapSol.maxLamports');
    bad((p) => (p.programs = {}), 'policy.programs');
    bad((p) => delete p.programs, 'policy.programs');
  });

  it('names like __proto__ stay data: refused where malformed, own properties where allowed', () => {
    const text = JSON.stringify(fullPolicy()).replace('"route":', '"__proto__":');
    const p = normalizePolicy(JSON.parse(text)) as unknown as { programs: { instructions?: object }[] };
    const jup = p.programs.find((r) => 'name' in r)!;
    expect(Object.keys(jup.instructions!)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(jup.instructions)).toBe(Object.prototype);
    const bad = JSON.parse(JSON.stringify(fullPolicy()).replace('"maxInput":{', '"maxInput":{"__proto__":"1",'));
    expect(expectCode(() => normalizePolicy(bad), 'POLICY_INVALID').details?.['field']).toBe('policy.spot.maxInput.__proto__');
  });

  it('a v1 document stamped v: 2 is UNSUPPORTED_VERSION; v: 3 too', () => {
    expectCode(() => normalizePolicy(asPolicy({ ...v1vectors.valid[0]!.policy, v: 2 })), 'UNSUPPORTED_VERSION');
    expectCode(() => normalizePolicy(asPolicy({ ...fullPolicy(), v: 3 })), 'UNSUPPORTED_VERSION');
  });
});

describe('policy v2: evaluateOrder', () => {
  const p = normalizePolicy(asPolicy(fullPolicy()));
  const rules = (order: unknown, state?: unknown, agent?: string) => {
    const d = evaluateOrder(p, asOrder(order), asState(state), NOW, agent === undefined ? undefined : { agent });
    return d.allowed ? [] : d.violations.map((v) => v.rule);
  };
  const swap = { type: 'swap', inputMint: WSOL, outputMint: USDC, inputAmount: '1000000000', slippageBps: 50 } as const;
  it('swap: allowed pair within cap and slippage; every violation listed', () => {
    expect(rules(swap)).toEqual([]);
    expect(rules({ ...swap, inputMint: USDC, outputMint: WSOL })).toEqual(['spot.pairs', 'spot.maxInput']);
    expect(rules({ ...swap, inputAmount: '1000000001', slippageBps: 51 })).toEqual([`spot.maxInput.${WSOL}`, 'spot.maxSlippageBps']);
    expect(rules({ ...swap, inputAmount: '01' })).toEqual(['spot.maxInput']);
    expect(rules({ ...swap, inputAmount: 5 })).toEqual(['spot.maxInput']);
    expect(rules({ ...swap, extra: true })).toEqual(['order']);
    expect(rules({ ...swap, slippageBps: undefined })).toEqual(['spot.maxSlippageBps']);
    // Names of Object.prototype are not caps.
    for (const m of ['constructor', '__proto__', 'toString'])
      expect(rules({ ...swap, inputMint: m })).toEqual(['spot.pairs', 'spot.maxInput']);
    expect(rules({ type: 'transfer', mint: 'constructor', amount: '1', destination: DEST })).toEqual(['transfers.maxAmount']);
  });
  it('transfer: listed mint, within cap, destination listed or the agent', () => {
    const t = { type: 'transfer', mint: USDC, amount: '10000000', destination: DEST };
    expect(rules(t)).toEqual([]);
    expect(rules({ ...t, destination: AGENT })).toEqual(['transfers.destinations']);
    expect(rules({ ...t, destination: AGENT }, undefined, AGENT)).toEqual([]);
    expect(rules({ ...t, amount: '10000001' })).toEqual([`transfers.maxAmount.${USDC}`]);
    expect(rules({ ...t, mint: WSOL })).toEqual(['transfers.maxAmount']);
  });
  it('perps: as v1 against perps; absent sections deny', () => {
    const o = { type: 'limit', market: 'SOL-PERP', side: 'buy', notional: '1000', leverage: '2', baseAmount: '5000000000' };
    const st = { positionNotional: '0', dailyLoss: '0', markPrice: '200' };
    expect(rules(o, st)).toEqual([]);
    // review F9: baseAmount and state.markPrice are required; the notional must cover baseAmount x markPrice
    expect(rules({ ...o, baseAmount: undefined }, st)).toEqual(['order.baseAmount']);
    expect(rules(o, { positionNotional: '0', dailyLoss: '0' })).toEqual(['state']);
    expect(rules({ ...o, notional: '999.99' }, st)).toEqual(['order.notional']);
    expect(rules({ ...o, market: 'BTC-PERP', leverage: '4' }, st)).toEqual(['perps.markets', 'perps.maxLeverage']);
    expect(rules({ ...o, type: 'market', slippageBps: 10 }, st)).toEqual(['perps.orderTypes']);
    expect(rules(o)).toEqual(['state']);
    expect(rules({ type: 'cancel', market: 'SOL-PERP' })).toEqual([]);
    const none = normalizePolicy({ v: 2, enabled: true, killSwitch: false, programs: [] });
    const r = (x: unknown) => {
      const d = evaluateOrder(none, asOrder(x), st, NOW);
      return d.allowed ? [] : d.violations.map((v) => v.rule);
    };
    expect(r(o)).toEqual(['perps']);
    expect(r(swap)).toEqual(['spot']);
    expect(r({ type: 'transfer', mint: USDC, amount: '1', destination: DEST })).toEqual(['transfers']);
    expect(r({ type: 'withdraw' })).toEqual(['order.type']);
    expect(r(null)).toEqual(['order']);
  });
  it('common rules: disabled, kill switch, window', () => {
    const q = normalizePolicy(asPolicy({ ...fullPolicy(), enabled: false, killSwitch: true }));
    const d = evaluateOrder(q, swap, undefined, Date.UTC(2026, 0, 1, 3, 0, 0));
    expect(d.allowed ? [] : d.violations.map((v) => v.rule)).toEqual(['enabled', 'killSwitch', 'window.notAfter', 'window.timeOfDay']);
  });
  it('bad context is INVALID_INPUT', () => {
    expectCode(() => evaluateOrder(p, swap, undefined, NOW, { agent: 'x' }), 'INVALID_INPUT');
    expectCode(() => evaluateOrder(p, swap, undefined, NOW, { who: AGENT } as never), 'INVALID_INPUT');
  });
});

describe('policy v2: summary', () => {
  it('summarizes every section, in the statement charset, within the bound', () => {
    const s = summarizePolicy(asPolicy(fullPolicy()));
    expect(s.length).toBeLessThanOrEqual(MAX_POLICY_SUMMARY_LENGTH);
    expect(s).toMatch(/^perps SOL-PERP: cancel\/limit orders, leverage max 3, position max 10000, slippage max 50 bps, daily loss limit 500; swaps wSOL to USDC, max in 1000000000 wSOL, slippage max 50 bps; transfers max 10000000 USDC to agent or 9WzDXw\.\.YtAWWM; /);
    expect(s.endsWith('.')).toBe(true);
    assertStatement(statementEnableExecution('bot-1', '2025-01-31T12:00:00Z', '2025-01-31T13:00:00Z', s));
  });
  it('a list that does not fit ends with "and N more", never omitted silently', () => {
    const markets = Array.from({ length: 200 }, (_, i) => `M${String(i).padStart(3, '0')}-PERP`);
    const p = { ...fullPolicy(), perps: { ...(fullPolicy()['perps'] as object), markets } };
    const s = summarizePolicy(asPolicy(p));
    expect(s.length).toBeLessThanOrEqual(MAX_POLICY_SUMMARY_LENGTH);
    const m = /perps M000-PERP(?:, M\d{3}-PERP)* and (\d+) more markets/.exec(s);
    expect(m).not.toBeNull();
    const shown = s.slice(0, s.indexOf(' and ')).split(', ').length;
    expect(shown + Number(m![1])).toBe(200);
  });
  it('the summary is a function of the meaning (reordered input, same text); a changed limit changes it', () => {
    const a = fullPolicy() as Record<string, any>;
    const b = clone(a);
    b.programs.reverse();
    b.budgets.reverse();
    expect(summarizePolicy(asPolicy(b))).toBe(summarizePolicy(asPolicy(a)));
    b.spot.maxInput[WSOL] = '2000000000';
    expect(summarizePolicy(asPolicy(b))).not.toBe(summarizePolicy(asPolicy(a)));
  });
  it('v1 policies have a summary too (optional in their statements)', () => {
    const s = summarizePolicy(asPolicy(v1vectors.valid[0]!.policy));
    expect(s).toMatch(/^perps /);
    expect(s).toMatch(/any instruction of /);
  });
});

// -- properties --------------------------------------------------------------------------------

const mintArb = fc.constantFrom(WSOL, USDC, USDT, DEST);
const u64Arb = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String);
const nativeArb = fc.constantFrom(
  { program: CB, native: 'compute-budget', instructions: ['SetComputeUnitLimit', 'SetComputeUnitPrice', 'RequestHeapFrame'] },
  { program: TOKEN, native: 'spl-token', instructions: ['TransferChecked', 'SyncNative', 'CloseAccount'] },
  { program: ATA, native: 'associated-token', instructions: ['Create', 'CreateIdempotent'] },
);
const budgetArb = fc.record({
  scope: fc.constantFrom('grant', 'wallet'),
  windowSeconds: fc.integer({ min: 60, max: 604800 }),
  unit: fc.constantFrom('signatures', 'feeLamports', 'solOutflow'),
  limit: u64Arb,
});
const v2Arb = fc.record(
  {
    v: fc.constant(2),
    enabled: fc.boolean(),
    killSwitch: fc.boolean(),
    maxPriorityFeeLamports: u64Arb,
    spot: fc.record({
      pairs: fc.array(fc.tuple(mintArb, mintArb).filter(([a, b]) => a !== b), { minLength: 1, maxLength: 6 }).map((xs) => xs.map(([inputMint, outputMint]) => ({ inputMint, outputMint }))),
      caps: fc.tuple(u64Arb, u64Arb, u64Arb, u64Arb),
      maxSlippageBps: fc.integer({ min: 0, max: 10000 }),
    }),
    transfers: fc.record({ maxAmount: fc.dictionary(mintArb, u64Arb, { minKeys: 1 }), destinations: fc.array(mintArb, { maxLength: 5 }) }),
    programs: fc.uniqueArray(nativeArb, { selector: (r) => r.program, maxLength: 3 }),
    budgets: fc.uniqueArray(budgetArb, { selector: (b) => `${b.scope}${b.unit}${b.windowSeconds}`, maxLength: 4 }),
  },
  { requiredKeys: ['v', 'enabled', 'killSwitch', 'programs'] },
).map((p) => {
  const out: Record<string, unknown> = { ...p };
  if (p.spot !== undefined) {
    const mints = [WSOL, USDC, USDT, DEST];
    out['spot'] = { pairs: p.spot.pairs, maxSlippageBps: p.spot.maxSlippageBps, maxInput: Object.fromEntries(mints.map((m, i) => [m, p.spot!.caps[i]!])) };
  }
  return out;
});

function shuffleSetsAndKeys(x: unknown, rnd: () => number): unknown {
  if (Array.isArray(x)) {
    const a = x.map((y) => shuffleSetsAndKeys(y, rnd));
    // Every array of a v2 policy is a set (or a list whose order carries no meaning): duplicate one entry too.
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [a[i], a[j]] = [a[j], a[i]];
    }
    if (a.length > 0 && rnd() < 0.5) a.push(a[0]);
    return a;
  }
  if (typeof x === 'object' && x !== null) {
    const keys = Object.keys(x);
    keys.sort(() => rnd() - 0.5);
    return Object.fromEntries(keys.map((k) => [k, shuffleSetsAndKeys((x as Record<string, unknown>)[k], rnd)]));
  }
  return x;
}

const fieldArb = fc.oneof(fc.constantFrom(WSOL, USDC, DEST, 'constructor', '__proto__', 'toString', 'SOL-PERP', '1', '01', '-1', '1.5', 'buy'), fc.string(), fc.anything());
const shapedOrder = fc.record(
  {
    type: fc.constantFrom('swap', 'transfer', 'limit', 'market', 'cancel', 'withdraw'),
    inputMint: fieldArb, outputMint: fieldArb, inputAmount: fieldArb, slippageBps: fc.oneof(fc.integer(), fieldArb),
    mint: fieldArb, amount: fieldArb, destination: fieldArb, market: fieldArb, side: fieldArb, notional: fieldArb, leverage: fieldArb,
    baseAmount: fieldArb, reduceOnly: fieldArb,
  },
  { requiredKeys: ['type'] },
);

describe('policy v2: properties', () => {
  it('normalize is idempotent and the canonical text is a fixed point; naive canonical + node:crypto agree', () => {
    fc.assert(
      fc.property(v2Arb, (input) => {
        const p = normalizePolicy(asPolicy(input));
        const text = canonicalPolicyJson(p);
        expect(canonicalPolicyJson(JSON.parse(text))).toBe(text);
        expect(naiveCanonical(JSON.parse(text))).toBe(text);
        expect(policyHash(asPolicy(input))).toBe(nodeSha256(text));
        const summary = summarizePolicy(JSON.parse(text));
        expect(summary).toBe(summarizePolicy(p));
        // Summary text: bounded, and the whole statement is in the SIWS statement grammar.
        expect(summary.length).toBeLessThanOrEqual(MAX_POLICY_SUMMARY_LENGTH);
        expect(assertStatement(statementEnableExecution('bot-1', '2025-01-31T12:00:00Z', '2025-01-31T13:00:00Z', summary))).toContain(summary);
      }),
      { numRuns: 150 },
    );
  });
  it('the hash is stable under reordering of sets and keys (and duplicated set entries)', () => {
    fc.assert(
      fc.property(v2Arb, fc.integer(), (input, seed) => {
        let s = seed >>> 0 || 1;
        const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) % 1000) / 1000;
        expect(policyHash(asPolicy(shuffleSetsAndKeys(input, rnd)))).toBe(policyHash(asPolicy(input)));
      }),
      { numRuns: 150 },
    );
  });
  it('every unknown field is refused (random name, random level)', () => {
    fc.assert(
      fc.property(v2Arb, fc.string({ minLength: 1, maxLength: 12 }), fc.nat(), (input, name, pick) => {
        const p = clone(input) as Record<string, unknown>;
        const objects: Record<string, unknown>[] = [];
        const walk = (o: unknown) => {
          if (Array.isArray(o)) o.forEach(walk);
          else if (typeof o === 'object' && o !== null) {
            objects.push(o as Record<string, unknown>);
            Object.values(o).forEach(walk);
          }
        };
        walk(p);
        const target = objects[pick % objects.length]!;
        // maps keyed by mints: an unknown key there is a malformed mint, also POLICY_INVALID.
        if (Object.prototype.hasOwnProperty.call(target, name)) return;
        // defineProperty: `target['__proto__'] = x` would set the prototype, not add a field.
        Object.defineProperty(target, name, { value: '1', enumerable: true, writable: true, configurable: true });
        expectCode(() => normalizePolicy(asPolicy(p)), 'POLICY_INVALID');
      }),
      { numRuns: 200 },
    );
  });
  it('random input never throws anything but AgentvaultError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), v2Arb.chain((p) => fc.constant(p)), fc.jsonValue().map((j) => ({ v: 2, ...(typeof j === 'object' && j !== null && !Array.isArray(j) ? j : {}) }))), (x) => {
        try {
          const p = normalizePolicy(asPolicy(x));
          summarizePolicy(p);
          evaluateOrder(p, asOrder(x), asState(x), NOW);
        } catch (e) {
          expect(e).toBeInstanceOf(AgentvaultError);
        }
      }),
      { numRuns: 300 },
    );
  });
  it('the summary fitting computes text lengths exactly as the rendered text (any shown counts)', () => {
    const templates = [fullPolicy(), v1vectors.valid[0]!.policy, { ...fullPolicy(), programs: [], budgets: [] }].map((x) => _summaryTemplate(normalizePolicy(asPolicy(x))));
    fc.assert(
      fc.property(fc.nat(templates.length - 1), fc.array(fc.nat(6), { minLength: 64, maxLength: 64 }), (ti, ks) => {
        const t = templates[ti]!;
        const whole = t.lists.map((l) => l.items.length);
        const k = t.lists.map((l, i) => Math.min(l.items.length, ks[i]!));
        expect(textLength(t, whole)(k)).toBe(t.render(k).length);
      }),
      { numRuns: 300 },
    );
  });
  it('random orders never make evaluateOrder throw', () => {
    const p = normalizePolicy(asPolicy(fullPolicy()));
    fc.assert(
      fc.property(fc.oneof(fc.anything(), shapedOrder), fc.oneof(fc.anything(), fc.record({ positionNotional: fieldArb, dailyLoss: fieldArb })), (o, st) => {
        const d = evaluateOrder(p, asOrder(o), asState(st), NOW);
        expect(typeof d.allowed).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });
});
