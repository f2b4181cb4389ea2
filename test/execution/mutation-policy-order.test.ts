/**
 * Order evaluation (SPEC 10.3.3, 10.3.6): every rule's exact name and message, the boundaries of
 * every comparison (a limit itself is allowed, one unit past it is not), and the time-of-day window
 * at its edges. Pins what a second implementation must share (mutation testing, issue 16 item 5).
 */
import { describe, expect, it } from 'vitest';
import { evaluateOrder, insideTimeOfDay, normalizePolicy } from '../../src/execution/policy/index.js';
import { expectCode } from '../helpers/errors.js';

const WSOL = 'So11111111111111111111111111111111111111112';
const USDC = 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v';
const DEST = '9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM';
const AGENT = '5EKDvUy34BHTu2XLtEJBY6cJpWxnPqJMgv1m8tLPGqxx';
const DRIFT = 'dRiftyHA39MWEi3m9aunc5MzRF1JYuBsbn6VPcn33UH';
/** 2025-01-31T12:00:00Z */
const NOW = Date.UTC(2025, 0, 31, 12, 0, 0);
const MIN = 60_000;

type Violation = { rule: string; message: string };
const evaluate = (policy: unknown, order: unknown, state: unknown, now = NOW, context?: unknown) =>
  (evaluateOrder as (...a: unknown[]) => { allowed: boolean; violations?: readonly Violation[] })(policy, order, state, now, context);
/** The violations as `rule: message` lines ([] when allowed). */
const why = (...a: Parameters<typeof evaluate>) => {
  const d = evaluate(...a);
  if (d.allowed) {
    expect(d).toEqual({ allowed: true });
    expect(Object.isFrozen(d)).toBe(true);
    return [];
  }
  expect(Object.isFrozen(d)).toBe(true);
  expect(Object.isFrozen(d.violations)).toBe(true);
  for (const v of d.violations!) expect(Object.isFrozen(v)).toBe(true);
  return d.violations!.map((v) => `${v.rule}: ${v.message}`);
};

const v1 = (extra: Record<string, unknown> = {}) =>
  normalizePolicy({
    enabled: true,
    allowedMarkets: ['SOL-PERP'],
    allowedOrderTypes: ['limit', 'market', 'stop-market', 'take-profit-market', 'cancel'],
    maxLeverage: '3',
    maxPositionNotional: '1000',
    maxSlippageBps: 50,
    dailyLossLimit: '100',
    killSwitch: false,
    allowedPrograms: [DRIFT],
    ...extra,
  } as never);
const limit = { market: 'SOL-PERP', type: 'limit', side: 'buy', notional: '100', leverage: '2' };
const state = { positionNotional: '0', dailyLoss: '0' };

describe('time of day (UTC minute in [start, end), wrapping past midnight)', () => {
  const at = (h: number, m: number, s = 0) => Date.UTC(2025, 0, 31, h, m, s);
  it('a day window: start inclusive, end exclusive', () => {
    const w = { start: '08:30', end: '20:15' };
    expect(insideTimeOfDay(w, at(8, 29, 59))).toBe(false);
    expect(insideTimeOfDay(w, at(8, 30))).toBe(true);
    expect(insideTimeOfDay(w, at(12, 0))).toBe(true);
    expect(insideTimeOfDay(w, at(20, 14, 59))).toBe(true);
    expect(insideTimeOfDay(w, at(20, 15))).toBe(false);
    expect(insideTimeOfDay(w, at(23, 59))).toBe(false);
    expect(insideTimeOfDay(w, at(0, 0))).toBe(false);
  });
  it('a night window wraps past midnight', () => {
    const w = { start: '22:10', end: '03:45' };
    expect(insideTimeOfDay(w, at(22, 9))).toBe(false);
    expect(insideTimeOfDay(w, at(22, 10))).toBe(true);
    expect(insideTimeOfDay(w, at(23, 59, 59))).toBe(true);
    expect(insideTimeOfDay(w, at(0, 0))).toBe(true);
    expect(insideTimeOfDay(w, at(3, 44))).toBe(true);
    expect(insideTimeOfDay(w, at(3, 45))).toBe(false);
    expect(insideTimeOfDay(w, at(12, 0))).toBe(false);
    // Another day: only the minute of the day counts.
    expect(insideTimeOfDay(w, Date.UTC(2031, 6, 4, 23, 0))).toBe(true);
    expect(insideTimeOfDay(w, Date.UTC(2031, 6, 4, 13, 0))).toBe(false);
  });
  it('evaluateOrder applies it with its own rule name', () => {
    const p = v1({ window: { timeOfDayUtc: { start: '12:01', end: '13:00' } } });
    expect(why(p, limit, state, NOW)).toEqual(['window.timeOfDay: outside the allowed time of day (UTC)']);
    expect(why(p, limit, state, NOW + MIN)).toEqual([]);
  });
});

describe('evaluateOrder: arguments', () => {
  it('now: a non-negative safe integer (INVALID_INPUT, field now)', () => {
    for (const now of [-1, 1.5, Number.NaN, '1', Number.MAX_SAFE_INTEGER + 2, null]) {
      const e = expectCode(() => evaluate(v1(), limit, state, now as number), 'INVALID_INPUT');
      expect(e.details?.['field']).toBe('now');
      expect(e.message).toBe('now: expected ms since the epoch (a non-negative integer)');
    }
    expect(evaluate(v1(), limit, state, 0).allowed).toBe(true);
  });
  it('context: an object with at most `agent`, a base58 address', () => {
    const p = v1();
    for (const c of [null, 'x', [], 5]) {
      const e = expectCode(() => evaluate(p, limit, state, NOW, c), 'INVALID_INPUT');
      expect(e.details?.['field']).toBe('context');
      expect(e.message).toBe('context: expected an object');
    }
    const u = expectCode(() => evaluate(p, limit, state, NOW, { agent: AGENT, extra: 1 }), 'INVALID_INPUT');
    expect(u.details?.['field']).toBe('context.extra');
    expect(u.message).toBe('context.extra: unknown field');
    const t = expectCode(() => evaluate(p, limit, state, NOW, { agent: 5 }), 'INVALID_INPUT');
    expect(t.details?.['field']).toBe('context.agent');
    expect(t.message).toBe('context.agent: expected a base58 address');
    expect(expectCode(() => evaluate(p, limit, state, NOW, { agent: 'nope' }), 'INVALID_INPUT').message).toContain('context.agent');
    expect(evaluate(p, limit, state, NOW, {}).allowed).toBe(true);
    expect(evaluate(p, limit, state, NOW, { agent: undefined }).allowed).toBe(true);
    expect(evaluate(p, limit, state, NOW, { agent: AGENT }).allowed).toBe(true);
  });
  it('a malformed policy throws POLICY_INVALID (the policy is not request data)', () => {
    expectCode(() => evaluate({ v: 2 }, limit, state), 'POLICY_INVALID');
  });
});

describe('evaluateOrder v1: common rules and windows', () => {
  it('disabled and kill switch are both reported', () => {
    expect(why(v1({ enabled: false, killSwitch: true }), limit, state)).toEqual([
      'enabled: the policy is disabled',
      'killSwitch: the policy kill switch is on',
    ]);
  });
  it('notBefore: allowed from that second on; notAfter: refused from that second on', () => {
    const p = v1({ window: { notBefore: '2025-01-31T12:00:00Z', notAfter: '2025-01-31T13:00:00Z' } });
    expect(why(p, limit, state, NOW - 1)).toEqual(['window.notBefore: before the policy window starts']);
    expect(why(p, limit, state, NOW)).toEqual([]);
    expect(why(p, limit, state, NOW + 60 * MIN - 1)).toEqual([]);
    expect(why(p, limit, state, NOW + 60 * MIN)).toEqual(['window.notAfter: after the policy window ended']);
  });
});

describe('evaluateOrder v1: order rules', () => {
  it('order and state must be objects; without an order nothing else is checked', () => {
    expect(why(v1(), null, state)).toEqual(['order: order: expected an object']);
    expect(why(v1(), [], [])).toEqual(['order: order: expected an object', 'state: state: expected an object']);
    expect(why(v1(), limit, 'x')).toEqual(['state: state: expected an object']);
    // Without a state, the state-dependent limits are not reported again (only 'state').
    expect(why(v1(), { ...limit, notional: '5000' }, undefined)).toEqual(['state: state: expected an object']);
  });
  it('market, order type, side', () => {
    expect(why(v1(), { ...limit, market: 'BTC-PERP', type: 'stop-limit', side: 'long' }, state)).toEqual([
      'market: market is missing or not allowed',
      'orderType: order type is missing or not allowed',
      "side: side must be 'buy' or 'sell'",
    ]);
    expect(why(v1(), { ...limit, market: 5, type: 5 }, state)).toEqual([
      'market: market is missing or not allowed',
      'orderType: order type is missing or not allowed',
      'slippage: market order without a valid slippageBps',
    ]);
    expect(why(v1(), { ...limit, side: 'sell' }, state)).toEqual([]);
  });
  it('cancel orders are exempt from the trading limits', () => {
    expect(why(v1(), { market: 'SOL-PERP', type: 'cancel', side: 'buy', notional: 'x', leverage: 'y' }, { dailyLoss: '1000' })).toEqual([]);
    expect(why(v1({ allowedOrderTypes: ['limit'] }), { market: 'SOL-PERP', type: 'cancel', side: 'buy' }, state)).toEqual([
      'orderType: order type is missing or not allowed',
    ]);
  });
  it('leverage: at most maxLeverage (exact decimals)', () => {
    expect(why(v1({ maxLeverage: '2.5' }), { ...limit, leverage: '2.5' }, state)).toEqual([]);
    expect(why(v1({ maxLeverage: '2.5' }), { ...limit, leverage: '2.500000000000000001' }, state)).toEqual(['leverage: leverage above the maximum']);
    expect(why(v1(), { ...limit, leverage: 2 }, state)).toEqual(['leverage: leverage is missing or not a decimal string']);
  });
  it('position notional: existing + order at most the maximum', () => {
    expect(why(v1(), { ...limit, notional: '600' }, { ...state, positionNotional: '400' })).toEqual([]);
    expect(why(v1(), { ...limit, notional: '600.000000000000000001' }, { ...state, positionNotional: '400' })).toEqual([
      'positionNotional: position notional would exceed the maximum',
    ]);
    expect(why(v1(), { ...limit, notional: '0' }, { ...state, positionNotional: '1000.1' })).toEqual(['positionNotional: position notional would exceed the maximum']);
    expect(why(v1(), { ...limit, notional: undefined }, state)).toEqual(['positionNotional: order notional is missing or not a decimal string']);
    expect(why(v1(), limit, { dailyLoss: '0' })).toEqual(['positionNotional: state.positionNotional is missing or not a decimal string']);
  });
  it('slippage: market-type orders need 0..maxSlippageBps; limit orders need none', () => {
    for (const type of ['market', 'stop-market', 'take-profit-market']) {
      expect(why(v1(), { ...limit, type, slippageBps: 50 }, state)).toEqual([]);
      expect(why(v1(), { ...limit, type, slippageBps: 0 }, state)).toEqual([]);
      expect(why(v1(), { ...limit, type, slippageBps: 51 }, state)).toEqual(['slippage: slippage above the maximum']);
      for (const bad of [undefined, -1, 1.5, '10', Number.MAX_SAFE_INTEGER + 1])
        expect(why(v1(), { ...limit, type, slippageBps: bad }, state)).toEqual(['slippage: market order without a valid slippageBps']);
    }
    expect(why(v1(), { ...limit, slippageBps: 9999 }, state)).toEqual([]);
    // An unknown type is default deny: reported as a type and held to the slippage rule.
    expect(why(v1(), { ...limit, type: 'twap', slippageBps: 10 }, state)).toEqual(['orderType: order type is missing or not allowed']);
  });
  it('daily loss: trading stops once the loss reaches the limit', () => {
    expect(why(v1(), limit, { ...state, dailyLoss: '99.999999999999999999' })).toEqual([]);
    expect(why(v1(), limit, { ...state, dailyLoss: '100' })).toEqual(['dailyLoss: daily loss limit reached']);
    expect(why(v1(), limit, { positionNotional: '0' })).toEqual(['dailyLoss: state.dailyLoss is missing or not a decimal string']);
    expect(why(v1({ dailyLossLimit: '0' }), limit, state)).toEqual(['dailyLoss: daily loss limit reached']);
  });
  it('every violation is reported, in rule order', () => {
    expect(
      why(v1({ enabled: false }), { market: 'X', type: 'market', side: 'x', notional: '2000', leverage: '9', slippageBps: 99 }, { positionNotional: '0', dailyLoss: '500' }),
    ).toEqual([
      'enabled: the policy is disabled',
      'market: market is missing or not allowed',
      "side: side must be 'buy' or 'sell'",
      'leverage: leverage above the maximum',
      'positionNotional: position notional would exceed the maximum',
      'slippage: slippage above the maximum',
      'dailyLoss: daily loss limit reached',
    ]);
  });
});

const v2 = (extra: Record<string, unknown> = {}) =>
  normalizePolicy({
    v: 2,
    enabled: true,
    killSwitch: false,
    perps: { markets: ['SOL-PERP'], orderTypes: ['limit', 'market', 'cancel'], maxLeverage: '3', maxPositionNotional: '1000', maxSlippageBps: 50, dailyLossLimit: '100' },
    spot: { pairs: [{ inputMint: WSOL, outputMint: USDC }], maxInput: { [WSOL]: '1000' }, maxSlippageBps: 30 },
    transfers: { maxAmount: { [USDC]: '500' }, destinations: [DEST] },
    programs: [],
    ...extra,
  } as never);
const swap = { type: 'swap', inputMint: WSOL, outputMint: USDC, inputAmount: '1000', slippageBps: 30 };
const transfer = { type: 'transfer', mint: USDC, amount: '500', destination: DEST };
// 1 SOL (10^9 base units) at 100 per SOL: notional 100.
const perp = { type: 'limit', market: 'SOL-PERP', side: 'buy', notional: '100', leverage: '2', baseAmount: '1000000000' };
const pstate = { positionNotional: '0', dailyLoss: '0', markPrice: '100' };

describe('evaluateOrder v2: order shape', () => {
  it('the order must be an object of a known type with known fields', () => {
    expect(why(v2(), null, undefined)).toEqual(['order: order: expected an object']);
    expect(why(v2(), { type: 'borrow' }, undefined)).toEqual(['order.type: order type is missing or unknown']);
    expect(why(v2(), { market: 'SOL-PERP' }, undefined)).toEqual(['order.type: order type is missing or unknown']);
    expect(why(v2(), { ...swap, market: 'x' }, undefined)).toEqual(['order: order.market: unknown field']);
    expect(why(v2(), { ...transfer, inputMint: WSOL }, undefined)).toEqual(['order: order.inputMint: unknown field']);
    expect(why(v2(), { type: 'cancel', market: 'SOL-PERP', side: 'buy' }, undefined)).toEqual(['order: order.side: unknown field']);
    expect(why(v2(), { ...perp, mint: USDC }, pstate)).toEqual(['order: order.mint: unknown field']);
    // The fields each type may carry.
    expect(why(v2(), { ...swap, notional: '12.5' }, undefined)).toEqual([]);
    expect(why(v2(), { ...perp, slippageBps: 1, reduceOnly: true }, pstate)).toEqual([]);
    expect(why(v2(), { type: 'cancel', market: 'SOL-PERP' }, undefined)).toEqual([]);
  });
  it('common rules apply to every order type', () => {
    expect(why(v2({ killSwitch: true }), swap, undefined)).toEqual(['killSwitch: the policy kill switch is on']);
    expect(why(v2({ enabled: false }), transfer, undefined)).toEqual(['enabled: the policy is disabled']);
  });
});

describe('evaluateOrder v2: swaps', () => {
  it('needs spot, a listed pair, a cap for the input mint', () => {
    expect(why(v2({ spot: undefined }), swap, undefined)).toEqual(['spot: the policy allows no swaps']);
    expect(why(v2(), { ...swap, inputMint: USDC, outputMint: WSOL }, undefined)).toEqual([
      'spot.pairs: this pair is not allowed',
      'spot.maxInput: no swap cap for this input mint',
    ]);
    expect(why(v2(), { ...swap, outputMint: 'bad' }, undefined)).toEqual(['spot.pairs: inputMint and outputMint must be base58 addresses']);
    expect(why(v2(), { ...swap, inputMint: 5 }, undefined)).toEqual([
      'spot.pairs: inputMint and outputMint must be base58 addresses',
      'spot.maxInput: no swap cap for this input mint',
    ]);
    expect(why(v2(), { ...swap, inputMint: 'constructor' }, undefined)).toEqual([
      'spot.pairs: inputMint and outputMint must be base58 addresses',
      'spot.maxInput: no swap cap for this input mint',
    ]);
  });
  it('input amount: a canonical u64 at most the cap', () => {
    expect(why(v2(), { ...swap, inputAmount: '1001' }, undefined)).toEqual([`spot.maxInput.${WSOL}: inputAmount above the per-swap cap`]);
    expect(why(v2(), { ...swap, inputAmount: '0' }, undefined)).toEqual([]);
    for (const bad of ['01', '-1', '1.0', 1000, '18446744073709551616', '123456789012345678901', undefined])
      expect(why(v2(), { ...swap, inputAmount: bad }, undefined)).toEqual(['spot.maxInput: inputAmount is missing or not a canonical u64 string']);
    const big = v2({ spot: { pairs: [{ inputMint: WSOL, outputMint: USDC }], maxInput: { [WSOL]: '18446744073709551615' }, maxSlippageBps: 30 } });
    expect(why(big, { ...swap, inputAmount: '18446744073709551615' }, undefined)).toEqual([]);
  });
  it('slippage: 0..spot.maxSlippageBps; an optional decimal notional', () => {
    expect(why(v2(), { ...swap, slippageBps: 0 }, undefined)).toEqual([]);
    expect(why(v2(), { ...swap, slippageBps: 31 }, undefined)).toEqual(['spot.maxSlippageBps: slippage above the maximum']);
    for (const bad of [undefined, -1, 0.5, '1', Number.MAX_SAFE_INTEGER + 1])
      expect(why(v2(), { ...swap, slippageBps: bad }, undefined)).toEqual(['spot.maxSlippageBps: slippageBps is missing or invalid']);
    expect(why(v2(), { ...swap, notional: 12 }, undefined)).toEqual(['order: order.notional: expected a decimal string']);
    expect(why(v2(), { ...swap, notional: '-1' }, undefined)).toEqual(['order: order.notional: expected a decimal string']);
  });
});

describe('evaluateOrder v2: pairs are directed and matched on both mints', () => {
  it('an order must match one listed pair exactly (input and output), among several', () => {
    const USDT = 'Es9vMFrzaCERmJfrF4H2FYD3KNfqA2ZrBh5Yk1LvNs1T';
    const p = v2({ spot: { pairs: [{ inputMint: WSOL, outputMint: USDC }, { inputMint: USDT, outputMint: WSOL }], maxInput: { [WSOL]: '1000', [USDT]: '1000' }, maxSlippageBps: 30 } });
    expect(why(p, swap, undefined)).toEqual([]);
    expect(why(p, { ...swap, inputMint: USDT, outputMint: WSOL }, undefined)).toEqual([]);
    // Same input, another output; same output, another input; the two pairs crossed.
    expect(why(p, { ...swap, outputMint: DEST }, undefined)).toEqual(['spot.pairs: this pair is not allowed']);
    expect(why(p, { ...swap, inputMint: USDT }, undefined)).toEqual(['spot.pairs: this pair is not allowed']);
    expect(why(p, { ...swap, inputMint: USDT, outputMint: USDC }, undefined)).toEqual(['spot.pairs: this pair is not allowed']);
    expect(why(p, { ...swap, inputMint: WSOL, outputMint: WSOL }, undefined)).toEqual(['spot.pairs: this pair is not allowed']);
  });
});

describe('evaluateOrder v2: transfers', () => {
  it('needs transfers, a listed mint, an amount at most its cap, a listed destination or the agent', () => {
    expect(why(v2({ transfers: undefined }), transfer, undefined)).toEqual(['transfers: the policy allows no transfers']);
    expect(why(v2(), transfer, undefined)).toEqual([]);
    expect(why(v2(), { ...transfer, amount: '501' }, undefined)).toEqual([`transfers.maxAmount.${USDC}: amount above the per-transfer cap`]);
    expect(why(v2(), { ...transfer, amount: '0' }, undefined)).toEqual([]);
    expect(why(v2(), { ...transfer, amount: '5.0' }, undefined)).toEqual(['transfers.maxAmount: amount is missing or not a canonical u64 string']);
    expect(why(v2(), { ...transfer, mint: WSOL }, undefined)).toEqual(['transfers.maxAmount: mint is missing or not allowed']);
    expect(why(v2(), { ...transfer, mint: 'toString', amount: 'x' }, undefined)).toEqual([
      'transfers.maxAmount: mint is missing or not allowed',
      'transfers.maxAmount: amount is missing or not a canonical u64 string',
    ]);
    expect(why(v2(), { ...transfer, mint: 7, amount: '999999' }, undefined)).toEqual(['transfers.maxAmount: mint is missing or not allowed']);
    expect(why(v2(), { ...transfer, destination: AGENT }, undefined)).toEqual(['transfers.destinations: destination is missing or not allowed']);
    expect(why(v2(), { ...transfer, destination: AGENT }, undefined, NOW, { agent: AGENT })).toEqual([]);
    expect(why(v2(), { ...transfer, destination: WSOL }, undefined, NOW, { agent: AGENT })).toEqual(['transfers.destinations: destination is missing or not allowed']);
    expect(why(v2(), { ...transfer, destination: 'bad' }, undefined, NOW, { agent: AGENT })).toEqual(['transfers.destinations: destination is missing or not allowed']);
    expect(why(v2(), { ...transfer, destination: undefined }, undefined)).toEqual(['transfers.destinations: destination is missing or not allowed']);
  });
});

describe('evaluateOrder v2: perps', () => {
  it('needs perps, a listed market and order type; cancel needs nothing else', () => {
    expect(why(v2({ perps: undefined }), perp, pstate)).toEqual(['perps: the policy allows no perps orders']);
    expect(why(v2({ perps: undefined }), { type: 'cancel', market: 'SOL-PERP' }, undefined)).toEqual(['perps: the policy allows no perps orders']);
    expect(why(v2(), { ...perp, market: 'BTC-PERP', type: 'stop-limit' }, pstate)).toEqual([
      'perps.markets: market is missing or not allowed',
      'perps.orderTypes: order type not allowed',
    ]);
    expect(why(v2(), { type: 'cancel', market: 5 }, undefined)).toEqual(['perps.markets: market is missing or not allowed']);
    expect(why(v2({ perps: { markets: ['SOL-PERP'], orderTypes: ['limit'], maxLeverage: '3', maxPositionNotional: '1', maxSlippageBps: 1, dailyLossLimit: '0' } }), { type: 'cancel', market: 'SOL-PERP' }, undefined)).toEqual([
      'perps.orderTypes: order type not allowed',
    ]);
  });
  it('side, baseAmount, reduceOnly, state', () => {
    expect(why(v2(), { ...perp, side: 'long' }, pstate)).toEqual(["order: order.side must be 'buy' or 'sell'"]);
    expect(why(v2(), { ...perp, reduceOnly: 'yes' }, pstate)).toEqual(['order: order.reduceOnly: expected a boolean']);
    expect(why(v2(), { ...perp, reduceOnly: false }, pstate)).toEqual([]);
    expect(why(v2(), { ...perp, side: 'sell' }, pstate)).toEqual([]);
    expect(why(v2(), { ...perp, side: undefined }, pstate)).toEqual(["order: order.side must be 'buy' or 'sell'"]);
    expect(why(v2(), { ...perp, notional: 100 }, pstate)).toEqual(['perps.maxPositionNotional: order notional is missing or not a decimal string']);
    expect(why(v2(), { ...perp, notional: undefined }, { positionNotional: '0', dailyLoss: '0' })).toEqual([
      'state: state.markPrice is missing or not a decimal string',
      'perps.maxPositionNotional: order notional is missing or not a decimal string',
    ]);
    expect(why(v2(), { ...perp, baseAmount: '1e9' }, pstate)).toEqual([
      'order: order.baseAmount: expected a canonical u64 string',
      'order.baseAmount: order.baseAmount is required for v2 perps orders',
    ]);
    expect(why(v2(), { ...perp, baseAmount: undefined }, pstate)).toEqual(['order.baseAmount: order.baseAmount is required for v2 perps orders']);
    expect(why(v2(), perp, null)).toEqual(['state: state: expected an object']);
    expect(why(v2(), perp, { positionNotional: '0', dailyLoss: '0' })).toEqual(['state: state.markPrice is missing or not a decimal string']);
  });
  it('notional must cover baseAmount x markPrice (10^9 base units per whole asset)', () => {
    expect(why(v2(), { ...perp, notional: '100' }, pstate)).toEqual([]);
    expect(why(v2(), { ...perp, notional: '99.999999999999999999' }, pstate)).toEqual(['order.notional: notional is below baseAmount x state.markPrice']);
    expect(why(v2(), { ...perp, baseAmount: '1000000001' }, pstate)).toEqual(['order.notional: notional is below baseAmount x state.markPrice']);
    expect(why(v2(), { ...perp, notional: '150', baseAmount: '1500000000' }, pstate)).toEqual([]);
  });
  it('the v1 limits under their v2 names', () => {
    expect(why(v2(), { ...perp, leverage: '3.1' }, pstate)).toEqual(['perps.maxLeverage: leverage above the maximum']);
    expect(why(v2(), { ...perp, type: 'market' }, pstate)).toEqual(['perps.maxSlippageBps: market order without a valid slippageBps']);
    expect(why(v2(), { ...perp, type: 'market', slippageBps: 51 }, pstate)).toEqual(['perps.maxSlippageBps: slippage above the maximum']);
    expect(why(v2(), perp, { ...pstate, positionNotional: '900.5' })).toEqual(['perps.maxPositionNotional: position notional would exceed the maximum']);
    expect(why(v2(), perp, { ...pstate, dailyLoss: '100' })).toEqual(['perps.dailyLossLimit: daily loss limit reached']);
  });
});
