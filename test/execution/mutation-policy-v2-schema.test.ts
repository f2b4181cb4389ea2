/**
 * Policy schema v2 (SPEC 10.3.5): the exact limits (at the limit accepted, one past it refused),
 * the exact refusal text and `details.field` of every check, and the normalized form. Written to
 * pin what a second implementation must share (mutation testing, issue 16 item 5).
 */
import { describe, expect, it } from 'vitest';
import * as typed from '../../src/execution/policy/index.js';
import { asPolicy } from '../helpers/untyped.js';
import type { NormalizedPolicy } from '../../src/execution/policy/index.js';
// Mutated documents are untyped: declared as PolicyInput (run-time validation is what is tested).
const normalizePolicy = (p: unknown): NormalizedPolicy => typed.normalizePolicy(asPolicy(p));
const canonicalPolicyJson = (p: unknown): string => typed.canonicalPolicyJson(asPolicy(p));

import { MAX_POLICY_V2 } from '../../src/execution/policy/v2.js';
import type { ExecutionPolicyV2Input } from '../../src/execution/policy/types.js';
import { expectCode } from '../helpers/errors.js';
import { base58Encode } from '../helpers/secrets.js';

const WSOL = 'So11111111111111111111111111111111111111112';
const USDC = 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v';
const JUP = 'JUP6LkbZbjS1jKKwapdHNy74zcZ3tLUZoi5QNyVTaV4';
const DEST = '9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM';
const SYSTEM = '11111111111111111111111111111111';
const TOKEN = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA';
const TOKEN22 = 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb';
const CB = 'ComputeBudget111111111111111111111111111111';
const STAKE = 'Stake11111111111111111111111111111111111111';
const IDL = 'ab'.repeat(32);

/** The i-th distinct test address (32 bytes, first byte non-zero), base58 by an encoder outside src/. */
function addr(i: number): string {
  const b = new Uint8Array(32).fill(7);
  b[0] = 0x80;
  b[1] = i & 0xff;
  b[2] = (i >> 8) & 0xff;
  return base58Encode(b);
}

type P = Record<string, unknown>;
const base = (extra: P = {}): P => ({ v: 2, enabled: true, killSwitch: false, programs: [], ...extra });
const anchor = (instructions: unknown, extra: P = {}): P => ({ program: JUP, name: 'Jupiter v6', idlSha256: IDL, instructions, ...extra });
const withRule = (rule: unknown): P => base({ programs: [anchor({ route: rule })] });
const withArg = (arg: unknown): P => withRule({ for: ['swap'], args: [arg] });
const withAccount = (acc: unknown): P => withRule({ for: ['swap'], accounts: [acc] });
const RULE = 'programs[0].instructions.route';

/** normalizePolicy refuses with POLICY_INVALID, `details.field` policy.<field>, and exactly this text. */
function refuses(policy: P, field: string, why: string): void {
  const e = expectCode(() => normalizePolicy(policy), 'POLICY_INVALID');
  expect(e.details?.['field']).toBe(`policy.${field}`);
  expect(e.message).toBe(`policy.${field}: ${why}`);
}
const ok = (policy: P) => typed.normalizePolicy(policy as unknown as ExecutionPolicyV2Input);

describe('v2 schema: addresses, arrays, bps', () => {
  it('an address must be a string that decodes to 32 bytes', () => {
    refuses(base({ transfers: { maxAmount: { [USDC]: '1' }, destinations: [7] } }), 'transfers.destinations[0]', 'expected a string, got number');
    refuses(base({ spot: { pairs: [{ inputMint: 7, outputMint: USDC }], maxInput: {}, maxSlippageBps: 0 } }), 'spot.pairs[0].inputMint', 'expected a base58 address (string)');
    refuses(base({ spot: { pairs: [{ inputMint: 'abc', outputMint: USDC }], maxInput: {}, maxSlippageBps: 0 } }), 'spot.pairs[0].inputMint', 'expected a base58 address (32 bytes)');
    refuses(base({ spot: { pairs: [{ inputMint: WSOL, outputMint: 'O0' }], maxInput: {}, maxSlippageBps: 0 } }), 'spot.pairs[0].outputMint', 'expected a base58 address (32 bytes)');
  });

  it('arrays: not an array, too long (counted as written), sparse', () => {
    refuses(base({ programs: {} }), 'programs', 'expected an array');
    refuses(base({ programs: 'x' }), 'programs', 'expected an array');
    const rule = { program: CB, native: 'compute-budget', instructions: ['SetComputeUnitLimit'] };
    // 64 copies of one rule are one rule; 65 are refused before de-duplication.
    expect(ok(base({ programs: Array.from({ length: MAX_POLICY_V2.programs }, () => rule) })).programs).toHaveLength(1);
    refuses(base({ programs: Array.from({ length: MAX_POLICY_V2.programs + 1 }, () => rule) }), 'programs', 'at most 64 entries');
    const holey: unknown[] = [rule];
    holey.length = 2;
    refuses(base({ programs: holey }), 'programs[1]', 'missing entry (sparse array)');
    const first: unknown[] = [];
    first[1] = rule;
    refuses(base({ programs: first }), 'programs[0]', 'missing entry (sparse array)');
  });

  it('bps: integers 0..10000, -0 is 0', () => {
    const spot = (maxSlippageBps: unknown) => base({ spot: { pairs: [{ inputMint: WSOL, outputMint: USDC }], maxInput: { [WSOL]: '1' }, maxSlippageBps } });
    expect(ok(spot(0)).spot!.maxSlippageBps).toBe(0);
    expect(Object.is(ok(spot(-0)).spot!.maxSlippageBps, 0)).toBe(true);
    expect(ok(spot(10_000)).spot!.maxSlippageBps).toBe(10_000);
    for (const bad of [10_001, -1, 1.5, '50', null, Number.MAX_SAFE_INTEGER + 1, Number.NaN, Infinity])
      refuses(spot(bad), 'spot.maxSlippageBps', 'expected an integer in [0, 10000]');
    expect(canonicalPolicyJson(spot(-0))).toContain('"maxSlippageBps":0,');
  });
});

describe('v2 schema: perps, spot, transfers, wrapSol', () => {
  const perps = (extra: P = {}) => ({ markets: ['SOL-PERP'], orderTypes: ['limit'], maxLeverage: '3', maxPositionNotional: '100', maxSlippageBps: 5, dailyLossLimit: '1', ...extra });

  it('perps: markets and order types are non-empty sets of valid entries', () => {
    refuses(base({ perps: perps({ markets: [] }) }), 'perps.markets', "expected at least one market (omit 'perps' to allow none)");
    refuses(base({ perps: perps({ markets: ['-SOL'] }) }), 'perps.markets[0]', 'must match [A-Za-z0-9][A-Za-z0-9._:/-]{0,63}');
    refuses(base({ perps: perps({ orderTypes: [] }) }), 'perps.orderTypes', 'expected at least one order type');
    refuses(base({ perps: perps({ orderTypes: ['limit', 'swap'] }) }), 'perps.orderTypes[1]', 'expected one of market, limit, stop-market, stop-limit, take-profit-market, take-profit-limit, cancel');
    refuses(base({ perps: perps({ extra: 1 }) }), 'perps.extra', 'unknown field (refused: it would not be enforced)');
    refuses(base({ perps: [] }), 'perps', 'expected an object, got array');
    // 256 markets accepted, 257 refused; 28 order types as written accepted (7 x 4), 29 refused.
    const markets = Array.from({ length: MAX_POLICY_V2.markets + 1 }, (_, i) => `M${i}`);
    expect(ok(base({ perps: perps({ markets: markets.slice(1) }) })).perps!.markets).toHaveLength(256);
    refuses(base({ perps: perps({ markets }) }), 'perps.markets', 'at most 256 entries');
    expect(ok(base({ perps: perps({ orderTypes: Array(28).fill('limit') }) })).perps!.orderTypes).toEqual(['limit']);
    refuses(base({ perps: perps({ orderTypes: Array(29).fill('limit') }) }), 'perps.orderTypes', 'at most 28 entries');
  });

  it('perps: amounts are normalized decimals; the whole section is kept as written in meaning', () => {
    const p = ok(base({ perps: perps({ maxLeverage: '03.50', maxPositionNotional: '100.000', dailyLossLimit: '0', maxSlippageBps: 7 }) }));
    expect(p.perps).toEqual({ markets: ['SOL-PERP'], orderTypes: ['limit'], maxLeverage: '3.5', maxPositionNotional: '100', maxSlippageBps: 7, dailyLossLimit: '0' });
    expect(Object.isFrozen(p.perps)).toBe(true);
    expect(Object.isFrozen(p.perps!.markets)).toBe(true);
    expect(Object.isFrozen(p.perps!.orderTypes)).toBe(true);
    refuses(base({ perps: perps({ maxLeverage: 3 }) }), 'perps.maxLeverage', 'write amounts as decimal strings (e.g. "2.5"), never as JSON numbers');
    refuses(base({ perps: perps({ maxPositionNotional: '-1' }) }), 'perps.maxPositionNotional', 'expected a non-negative decimal string (at most 30 integer and 18 fraction digits)');
    refuses(base({ perps: perps({ dailyLossLimit: undefined }) }), 'perps.dailyLossLimit', 'expected a non-negative decimal string (at most 30 integer and 18 fraction digits)');
    refuses(base({ perps: perps({ maxSlippageBps: 10_001 }) }), 'perps.maxSlippageBps', 'expected an integer in [0, 10000]');
  });

  it('spot: pairs, the same mint twice, a missing cap, limits', () => {
    const spot = (extra: P = {}) => ({ pairs: [{ inputMint: WSOL, outputMint: USDC }], maxInput: { [WSOL]: '1' }, maxSlippageBps: 0, ...extra });
    refuses(base({ spot: spot({ pairs: [{ inputMint: USDC, outputMint: USDC }] }) }), 'spot.pairs[0]', 'input and output mint are the same');
    refuses(base({ spot: spot({ pairs: [] }) }), 'spot.pairs', "expected at least one pair (omit 'spot' to allow no swap)");
    refuses(base({ spot: spot({ pairs: [{ inputMint: USDC, outputMint: WSOL }] }) }), `spot.maxInput.${USDC}`, 'every input mint of a pair needs a per-swap cap');
    refuses(base({ spot: spot({ pairs: [{ inputMint: WSOL, outputMint: USDC, fee: 1 }] }) }), 'spot.pairs[0].fee', 'unknown field (refused: it would not be enforced)');
    refuses(base({ spot: spot({ pairs: ['x'] }) }), 'spot.pairs[0]', 'expected an object, got string');
    refuses(base({ spot: spot({ other: 1 }) }), 'spot.other', 'unknown field (refused: it would not be enforced)');
    refuses(base({ spot: spot({ maxInput: { [WSOL]: '1.5' } }) }), `spot.maxInput.${WSOL}`, 'expected a whole number');
    refuses(base({ spot: spot({ maxInput: { [WSOL]: '18446744073709551616' } }) }), `spot.maxInput.${WSOL}`, 'larger than a u64');
    expect(ok(base({ spot: spot({ maxInput: { [WSOL]: '18446744073709551615' } }) })).spot!.maxInput[WSOL]).toBe('18446744073709551615');
    refuses(base({ spot: spot({ maxInput: { bad: '1', [WSOL]: '1' } }) }), 'spot.maxInput.bad', 'expected a base58 address (32 bytes)');
    // Pairs: at most 256 as written (duplicates count), sorted by (input, output) and de-duplicated.
    const pair = { inputMint: WSOL, outputMint: USDC };
    expect(ok(base({ spot: spot({ pairs: Array(256).fill(pair) }) })).spot!.pairs).toEqual([pair]);
    refuses(base({ spot: spot({ pairs: Array(257).fill(pair) }) }), 'spot.pairs', 'at most 256 entries');
    const p = ok(base({ spot: spot({ pairs: [{ inputMint: WSOL, outputMint: USDC }, { inputMint: USDC, outputMint: WSOL }, { inputMint: WSOL, outputMint: DEST }], maxInput: { [WSOL]: '5', [USDC]: '007' } }) }));
    expect(p.spot!.pairs).toEqual([
      { inputMint: USDC, outputMint: WSOL },
      { inputMint: WSOL, outputMint: DEST },
      { inputMint: WSOL, outputMint: USDC },
    ]);
    expect(Object.keys(p.spot!.maxInput)).toEqual([USDC, WSOL]);
    expect(p.spot!.maxInput).toEqual({ [USDC]: '7', [WSOL]: '5' });
    expect(Object.isFrozen(p.spot!.pairs[0])).toBe(true);
    expect(Object.isFrozen(p.spot!.pairs)).toBe(true);
    expect(Object.isFrozen(p.spot!.maxInput)).toBe(true);
    expect(Object.isFrozen(p.spot)).toBe(true);
  });

  it('amounts by mint: at most 256 mints', () => {
    const caps = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [addr(i), '1']));
    expect(Object.keys(ok(base({ transfers: { maxAmount: caps(256), destinations: [] } })).transfers!.maxAmount)).toHaveLength(256);
    refuses(base({ transfers: { maxAmount: caps(257), destinations: [] } }), 'transfers.maxAmount', 'at most 256 entries');
    refuses(base({ transfers: { maxAmount: [], destinations: [] } }), 'transfers.maxAmount', 'expected an object, got array');
  });

  it('transfers: a non-empty cap list; destinations a set of addresses of at most 256', () => {
    refuses(base({ transfers: { maxAmount: {}, destinations: [] } }), 'transfers.maxAmount', "expected at least one mint (omit 'transfers' to allow none)");
    refuses(base({ transfers: { maxAmount: { [USDC]: '1' }, destinations: [DEST, 'x'] } }), 'transfers.destinations[1]', 'expected a base58 address (32 bytes)');
    refuses(base({ transfers: { maxAmount: { [USDC]: '1' }, destinations: [], x: 1 } }), 'transfers.x', 'unknown field (refused: it would not be enforced)');
    const dests = Array.from({ length: 257 }, (_, i) => addr(i));
    expect(ok(base({ transfers: { maxAmount: { [USDC]: '1' }, destinations: dests.slice(1) } })).transfers!.destinations).toHaveLength(256);
    refuses(base({ transfers: { maxAmount: { [USDC]: '1' }, destinations: dests } }), 'transfers.destinations', 'at most 256 entries');
    const t = ok(base({ transfers: { maxAmount: { [USDC]: '010' }, destinations: [DEST, WSOL, DEST] } })).transfers!;
    expect(t).toEqual({ maxAmount: { [USDC]: '10' }, destinations: [DEST, WSOL].sort() });
    expect(Object.isFrozen(t)).toBe(true);
    expect(Object.isFrozen(t.destinations)).toBe(true);
  });

  it('wrapSol: maxLamports is a u64 string; nothing else', () => {
    expect(ok(base({ wrapSol: { maxLamports: '0100' } })).wrapSol).toEqual({ maxLamports: '100' });
    expect(Object.isFrozen(ok(base({ wrapSol: { maxLamports: '1' } })).wrapSol)).toBe(true);
    refuses(base({ wrapSol: { maxLamports: '1', max: '2' } }), 'wrapSol.max', 'unknown field (refused: it would not be enforced)');
    refuses(base({ wrapSol: { maxLamports: 1 } }), 'wrapSol.maxLamports', 'write amounts as decimal strings (e.g. "2.5"), never as JSON numbers');
    refuses(base({ wrapSol: 'x' }), 'wrapSol', 'expected an object, got string');
  });

  it('top level: booleans, defaults, unknown fields', () => {
    const p = ok(base());
    expect(p).toEqual({ v: 2, enabled: true, killSwitch: false, window: {}, allowSignMessage: false, maxPriorityFeeLamports: '0', programs: [], budgets: [] });
    expect(canonicalPolicyJson(p)).toBe('{"allowSignMessage":false,"budgets":[],"enabled":true,"killSwitch":false,"maxPriorityFeeLamports":"0","programs":[],"v":2,"window":{}}');
    expect(ok(base({ allowSignMessage: true, maxPriorityFeeLamports: '05' }))).toMatchObject({ allowSignMessage: true, maxPriorityFeeLamports: '5' });
    refuses(base({ enabled: 'true' }), 'enabled', 'expected a boolean, got string');
    refuses(base({ killSwitch: 0 }), 'killSwitch', 'expected a boolean, got number');
    refuses(base({ allowSignMessage: null }), 'allowSignMessage', 'expected a boolean, got null');
    refuses(base({ maxPriorityFeeLamports: '1.5' }), 'maxPriorityFeeLamports', 'expected a whole number');
    refuses(base({ foo: [] }), 'foo', 'unknown field (refused: it would not be enforced)');
  });
});

describe('v2 schema: program rules', () => {
  it('native rules: the program id, the name, the instruction list', () => {
    const native = (r: P) => base({ programs: [r] });
    refuses(native({ program: CB, native: 'compute', instructions: ['SetComputeUnitLimit'] }), 'programs[0].native', 'expected one of system, spl-token, spl-token-2022, associated-token, compute-budget');
    refuses(native({ program: CB, native: 'toString', instructions: ['SetComputeUnitLimit'] }), 'programs[0].native', 'expected one of system, spl-token, spl-token-2022, associated-token, compute-budget');
    refuses(native({ program: CB, native: 7, instructions: ['SetComputeUnitLimit'] }), 'programs[0].native', 'expected one of system, spl-token, spl-token-2022, associated-token, compute-budget');
    refuses(native({ program: TOKEN, native: 'spl-token-2022', instructions: ['Transfer'] }), 'programs[0].program', `is not the spl-token-2022 program (${TOKEN22})`);
    refuses(native({ program: SYSTEM, native: 'system', instructions: ['Transfer'] }), 'programs[0].native', "the System program may only be allowed together with 'wrapSol'");
    expect(ok(base({ wrapSol: { maxLamports: '1' }, programs: [{ program: SYSTEM, native: 'system', instructions: ['Transfer'] }] })).programs).toEqual([
      { program: SYSTEM, native: 'system', instructions: ['Transfer'] },
    ]);
    refuses(native({ program: CB, native: 'compute-budget', instructions: [] }), 'programs[0].instructions', 'expected at least one instruction');
    refuses(native({ program: CB, native: 'compute-budget', instructions: ['SetComputeUnitLimit', 'Transfer'] }), 'programs[0].instructions[1]', 'expected one of RequestHeapFrame, SetComputeUnitLimit, SetComputeUnitPrice, SetLoadedAccountsDataSizeLimit');
    refuses(native({ program: TOKEN, native: 'spl-token', instructions: ['Approve'] }), 'programs[0].instructions[0]', 'expected one of CloseAccount, InitializeAccount, InitializeAccount2, InitializeAccount3, Revoke, SyncNative, Transfer, TransferChecked');
    refuses(native({ program: CB, native: 'compute-budget', instructions: ['SetComputeUnitLimit'], name: 'x' }), 'programs[0].name', 'unknown field (refused: it would not be enforced)');
    // The list as written: 4 x the allowed names (16 for compute budget), one more refused.
    expect(ok(native({ program: CB, native: 'compute-budget', instructions: Array(16).fill('SetComputeUnitLimit') })).programs[0]).toEqual({ program: CB, native: 'compute-budget', instructions: ['SetComputeUnitLimit'] });
    refuses(native({ program: CB, native: 'compute-budget', instructions: Array(17).fill('SetComputeUnitLimit') }), 'programs[0].instructions', 'at most 16 entries');
    refuses(native({ program: 'nope', native: 'compute-budget', instructions: ['SetComputeUnitLimit'] }), 'programs[0].program', 'expected a base58 address (32 bytes)');
    refuses(base({ programs: [7] }), 'programs[0]', 'expected an object, got number');
  });

  it('anchor rules: not a native or never-allowed program; the name; the IDL hash; the instruction names', () => {
    refuses(base({ programs: [anchor({ route: { for: ['swap'] } }, { program: TOKEN })] }), 'programs[0].program', "a native program: write it as { native: 'spl-token' }");
    refuses(base({ programs: [anchor({ route: { for: ['swap'] } }, { program: CB })] }), 'programs[0].program', "a native program: write it as { native: 'compute-budget' }");
    refuses(base({ programs: [anchor({ route: { for: ['swap'] } }, { program: STAKE })] }), 'programs[0].program', 'this program can move funds out of the agent wallet and is never allowed');
    const nameWhy = 'expected 1..32 characters [A-Za-z0-9._-] with single inner spaces';
    for (const name of ['', ' J', 'J ', 'a  b', 'x'.repeat(33), 7, 'a/b'])
      refuses(base({ programs: [anchor({ route: { for: ['swap'] } }, { name })] }), 'programs[0].name', nameWhy);
    expect(ok(base({ programs: [anchor({ route: { for: ['swap'] } }, { name: 'abcdefghij klmnopqrst uvwxyz0123' })] })).programs[0]).toMatchObject({ name: 'abcdefghij klmnopqrst uvwxyz0123' });
    expect(ok(base({ programs: [anchor({ route: { for: ['swap'] } }, { name: 'a.b c-d_e' })] })).programs[0]).toMatchObject({ name: 'a.b c-d_e' });
    const lookalike = "a program name must not look like an address ('..' or a 20+ character base58 word)";
    refuses(base({ programs: [anchor({ route: { for: ['swap'] } }, { name: 'JUP6Lk..yVTaV4' })] }), 'programs[0].name', lookalike);
    refuses(base({ programs: [anchor({ route: { for: ['swap'] } }, { name: 'Jup ' + 'A'.repeat(20) })] }), 'programs[0].name', lookalike);
    expect(ok(base({ programs: [anchor({ route: { for: ['swap'] } }, { name: 'Jup ' + 'A'.repeat(19) + ' v6' })] })).programs[0]).toMatchObject({ name: 'Jup AAAAAAAAAAAAAAAAAAA v6' });
    expect(ok(base({ programs: [anchor({ route: { for: ['swap'] } }, { name: 'a.b' })] })).programs).toHaveLength(1);
    // Only whole words count: base58 runs next to other characters are not an address.
    for (const name of ['x.' + 'A'.repeat(20), 'A'.repeat(20) + '.x', '0' + 'A'.repeat(25)])
      expect(ok(base({ programs: [anchor({ route: { for: ['swap'] } }, { name })] })).programs).toHaveLength(1);
    // Non-strings are refused even when their String() would pass.
    refuses(base({ programs: [anchor({ route: { for: ['swap'] } }, { idlSha256: [IDL] })] }), 'programs[0].idlSha256', 'expected 64 lower-case hex digits (SHA-256 of the IDL file)');
    refuses(base({ programs: [{ program: CB, native: ['compute-budget'], instructions: ['SetComputeUnitLimit'] }] }), 'programs[0].native', 'expected one of system, spl-token, spl-token-2022, associated-token, compute-budget');
    refuses(withAccount({ is: 'agent' }), `${RULE}.accounts[0].account`, 'expected an IDL account name [A-Za-z_][A-Za-z0-9_]{0,63}');
    for (const idl of ['AB'.repeat(32), 'ab'.repeat(31), 'ab'.repeat(33), 7])
      refuses(base({ programs: [anchor({ route: { for: ['swap'] } }, { idlSha256: idl })] }), 'programs[0].idlSha256', 'expected 64 lower-case hex digits (SHA-256 of the IDL file)');
    refuses(base({ programs: [anchor({})] }), 'programs[0].instructions', 'expected 1..64 instructions');
    const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`ix${i}`, { for: ['swap'] }]));
    expect(Object.keys((ok(base({ programs: [anchor(many(64))] })).programs[0] as unknown as { instructions: object }).instructions)).toHaveLength(64);
    refuses(base({ programs: [anchor(many(65))] }), 'programs[0].instructions', 'expected 1..64 instructions');
    refuses(base({ programs: [anchor({ '1route': { for: ['swap'] } })] }), 'programs[0].instructions.1route', 'expected an IDL instruction name [A-Za-z_][A-Za-z0-9_]{0,63}');
    refuses(base({ programs: [anchor({ route: { for: ['swap'] } }, { extra: 1 })] }), 'programs[0].extra', 'unknown field (refused: it would not be enforced)');
    refuses(base({ programs: [anchor([])] }), 'programs[0].instructions', 'expected an object, got array');
  });

  it('programs: the same rule twice is one; two rules for one program are refused; sorted by program id', () => {
    const cb = { program: CB, native: 'compute-budget', instructions: ['SetComputeUnitLimit'] };
    const cb2 = { program: CB, native: 'compute-budget', instructions: ['SetComputeUnitPrice'] };
    const tok = { program: TOKEN, native: 'spl-token', instructions: ['SyncNative'] };
    refuses(base({ programs: [tok, cb, cb2] }), 'programs[2].program', 'a program may appear only once');
    const p = ok(base({ programs: [tok, anchor({ route: { for: ['swap'] } }), cb, cb] }));
    expect(p.programs.map((r) => r.program)).toEqual([CB, JUP, TOKEN]);
    expect(Object.isFrozen(p.programs)).toBe(true);
    expect(Object.isFrozen(p.programs[0])).toBe(true);
    expect(Object.isFrozen((p.programs[0] as unknown as { instructions: object }).instructions)).toBe(true);
  });
});

describe('v2 schema: instruction rules', () => {
  it('for: a non-empty set of order kinds, at most 20 as written', () => {
    refuses(withRule({ for: [] }), `${RULE}.for`, 'expected at least one order kind (default deny)');
    refuses(withRule({ for: ['swap', 'perps'] }), `${RULE}.for[1]`, 'expected one of any, cancel, perp, swap, transfer');
    expect(ok(withRule({ for: Array(20).fill('swap') })).programs[0]).toMatchObject({ instructions: { route: { for: ['swap'] } } });
    refuses(withRule({ for: Array(21).fill('swap') }), `${RULE}.for`, 'at most 20 entries');
    refuses(withRule({ for: ['swap'], x: 1 }), `${RULE}.x`, 'unknown field (refused: it would not be enforced)');
    refuses(withRule('swap'), RULE, 'expected an object, got string');
    const r = (ok(withRule({ for: ['transfer', 'any', 'swap', 'any'] })).programs[0] as unknown as { instructions: Record<string, unknown> }).instructions['route'];
    expect(r).toEqual({ for: ['any', 'swap', 'transfer'], args: [], accounts: [] });
    expect(Object.isFrozen(r)).toBe(true);
  });

  it('args and accounts: at most 32 each, sorted by canonical JSON and de-duplicated', () => {
    const arg = (i: number) => ({ path: `a${i}`, eq: '1' });
    expect(ok(withRule({ for: ['swap'], args: Array.from({ length: 32 }, (_, i) => arg(i)) })).programs).toHaveLength(1);
    refuses(withRule({ for: ['swap'], args: Array.from({ length: 33 }, (_, i) => arg(i)) }), `${RULE}.args`, 'at most 32 entries');
    const acc = (i: number) => ({ account: `a${i}`, is: 'agent' });
    expect(ok(withRule({ for: ['swap'], accounts: Array.from({ length: 32 }, (_, i) => acc(i)) })).programs).toHaveLength(1);
    refuses(withRule({ for: ['swap'], accounts: Array.from({ length: 33 }, (_, i) => acc(i)) }), `${RULE}.accounts`, 'at most 32 entries');
    refuses(withRule({ for: ['swap'], args: {} }), `${RULE}.args`, 'expected an array');
    const r = (ok(withRule({ for: ['swap'], args: [arg(2), arg(1), arg(2)], accounts: [acc(2), acc(1), acc(1)] })).programs[0] as unknown as {
      instructions: Record<string, { args: unknown[]; accounts: unknown[] }>;
    }).instructions['route']!;
    expect(r.args).toEqual([arg(1), arg(2)]);
    expect(r.accounts).toEqual([acc(1), acc(2)]);
    expect(Object.isFrozen(r.args)).toBe(true);
    expect(Object.isFrozen(r.args[0])).toBe(true);
    expect(Object.isFrozen(r.accounts)).toBe(true);
    expect(Object.isFrozen(r.accounts[0])).toBe(true);
  });

  it('arg paths: dotted identifiers and indices 0..9999, at most 256 characters', () => {
    const pathWhy = 'expected a dotted path of identifiers and indices (params.marketIndex)';
    for (const path of ['', 'a..b', '.a', 'a.', '01', '10000', 'a.-1', 'a b', 7, '1a', 'x'.repeat(65)])
      refuses(withArg({ path, eq: '1' }), `${RULE}.args[0].path`, pathWhy);
    for (const path of ['a', 'params.marketIndex', 'r.0.s', 'r.9999', '_x', 'x'.repeat(64)]) expect(ok(withArg({ path, eq: '1' })).programs).toHaveLength(1);
    // 256 characters accepted, 257 refused.
    const seg = 'x'.repeat(64);
    const p256 = [seg, seg, seg, seg.slice(0, 61)].join('.');
    expect(p256).toHaveLength(256);
    expect(ok(withArg({ path: p256, eq: '1' })).programs).toHaveLength(1);
    refuses(withArg({ path: `${p256}x`, eq: '1' }), `${RULE}.args[0].path`, pathWhy);
  });

  it('exactly one operator', () => {
    refuses(withArg({ path: 'a' }), `${RULE}.args[0]`, 'expected exactly one of eq, oneOf, atMost, atLeast');
    refuses(withArg({ path: 'a', eq: '1', atMost: '2' }), `${RULE}.args[0]`, 'expected exactly one of eq, oneOf, atMost, atLeast');
    refuses(withArg({ path: 'a', eq: '1', x: 1 }), `${RULE}.args[0].x`, 'unknown field (refused: it would not be enforced)');
    refuses(withAccount({ account: 'a' }), `${RULE}.accounts[0]`, 'expected exactly one of is, agentAta, oneOf');
    refuses(withAccount({ account: 'a', is: 'agent', oneOf: [USDC] }), `${RULE}.accounts[0]`, 'expected exactly one of is, agentAta, oneOf');
  });

  it('literal values: null, booleans, canonical integers, identifiers, base58 strings', () => {
    const rv = 'expected null, a boolean, a canonical integer string, an identifier or a base58 address';
    for (const eq of [null, true, false, '0', '-1', '1' + '0'.repeat(39), 'Long', '_v', USDC]) expect(ok(withArg({ path: 'a', eq })).programs).toHaveLength(1);
    for (const eq of ['01', '1' + '0'.repeat(40), '--1', '', ' 1', 'a-b', '1.5'])
      refuses(withArg({ path: 'a', eq }), `${RULE}.args[0].eq`, rv);
    refuses(withArg({ path: 'a', eq: 1 }), `${RULE}.args[0].eq`, 'write integers as canonical decimal strings, never as JSON numbers');
    refuses(withArg({ path: 'a', eq: '-0' }), `${RULE}.args[0].eq`, "write zero as '0'");
    // Only strings are matched against the patterns: undefined or a bigint never passes as its spelling.
    refuses(withArg({ path: 'a', oneOf: ['1', undefined] }), `${RULE}.args[0].oneOf[1]`, rv);
    refuses(withArg({ path: 'a', eq: 5n }), `${RULE}.args[0].eq`, rv);
    refuses(withArg({ path: 'a', oneOf: ['1', 2] }), `${RULE}.args[0].oneOf[1]`, 'write integers as canonical decimal strings, never as JSON numbers');
  });

  it('oneOf: 1..64 values, sorted by canonical JSON and de-duplicated', () => {
    refuses(withArg({ path: 'a', oneOf: [] }), `${RULE}.args[0].oneOf`, 'expected at least one value');
    refuses(withArg({ path: 'a', oneOf: 'x' }), `${RULE}.args[0].oneOf`, 'expected an array');
    const vals = Array.from({ length: 65 }, (_, i) => String(i));
    expect(ok(withArg({ path: 'a', oneOf: vals.slice(1) })).programs).toHaveLength(1);
    refuses(withArg({ path: 'a', oneOf: vals }), `${RULE}.args[0].oneOf`, 'at most 64 entries');
    const r = (ok(withArg({ path: 'a', oneOf: ['10', null, '9', true, '10'] })).programs[0] as unknown as { instructions: Record<string, { args: { oneOf: unknown[] }[] }> })
      .instructions['route']!.args[0]!;
    // Canonical JSON: "10" < "9" < null < true (by code unit: '"' 0x22, 'n' 0x6e, 't' 0x74).
    expect(r.oneOf).toEqual(['10', '9', null, true]);
    expect(Object.isFrozen(r.oneOf)).toBe(true);
  });

  it('atMost / atLeast: canonical integer literals or order references', () => {
    const iw = 'expected a canonical integer string';
    for (const op of ['atMost', 'atLeast']) {
      for (const v of ['01', '-0', 'abc', true, null, 5, '1.5']) refuses(withArg({ path: 'a', [op]: v }), `${RULE}.args[0].${op}`, iw);
      for (const v of ['0', '-5', '1' + '0'.repeat(39)]) {
        const r = (ok(withArg({ path: 'a', [op]: v })).programs[0] as unknown as { instructions: Record<string, { args: unknown[] }> }).instructions['route']!.args[0];
        expect(r).toEqual({ path: 'a', [op]: v });
      }
      const ref = (ok(withArg({ path: 'a', [op]: { order: 'inputAmount' } })).programs[0] as unknown as { instructions: Record<string, { args: unknown[] }> }).instructions['route']!.args[0];
      expect(ref).toEqual({ path: 'a', [op]: { order: 'inputAmount' } });
    }
  });

  it('order references: a known field, an optional map of 1..256 market-like keys', () => {
    const ev = `${RULE}.args[0].eq`;
    refuses(withArg({ path: 'a', eq: { order: 'price' } }), `${ev}.order`, 'expected one of amount, baseAmount, destination, inputAmount, inputMint, leverage, market, mint, notional, outputMint, reduceOnly, side, slippageBps, type');
    refuses(withArg({ path: 'a', eq: { order: 7 } }), `${ev}.order`, 'expected one of amount, baseAmount, destination, inputAmount, inputMint, leverage, market, mint, notional, outputMint, reduceOnly, side, slippageBps, type');
    refuses(withArg({ path: 'a', eq: { order: 'side', x: 1 } }), `${ev}.x`, 'unknown field (refused: it would not be enforced)');
    refuses(withArg({ path: 'a', eq: { order: 'side', map: {} } }), `${ev}.map`, 'expected 1..256 entries');
    refuses(withArg({ path: 'a', eq: { order: 'side', map: [] } }), `${ev}.map`, 'expected an object, got array');
    const big = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`M${i}`, String(i)]));
    expect(ok(withArg({ path: 'a', eq: { order: 'market', map: big(256) } })).programs).toHaveLength(1);
    refuses(withArg({ path: 'a', eq: { order: 'market', map: big(257) } }), `${ev}.map`, 'expected 1..256 entries');
    refuses(withArg({ path: 'a', eq: { order: 'side', map: { 'b uy': 'long' } } }), `${ev}.map.b uy`, 'keys must match [A-Za-z0-9][A-Za-z0-9._:/-]{0,63}');
    refuses(withArg({ path: 'a', eq: { order: 'side', map: { buy: 1 } } }), `${ev}.map.buy`, 'write integers as canonical decimal strings, never as JSON numbers');
    const r = (ok(withArg({ path: 'a', eq: { order: 'side', map: { sell: 'Short', buy: 'Long' } } })).programs[0] as unknown as { instructions: Record<string, { args: { eq: { map: object } }[] }> })
      .instructions['route']!.args[0]!;
    expect(r).toEqual({ path: 'a', eq: { order: 'side', map: { buy: 'Long', sell: 'Short' } } });
    expect(Object.keys(r.eq.map)).toEqual(['buy', 'sell']);
    expect(Object.isFrozen(r.eq)).toBe(true);
    expect(Object.isFrozen(r.eq.map)).toBe(true);
    const plain = (ok(withArg({ path: 'a', eq: { order: 'side' } })).programs[0] as unknown as { instructions: Record<string, { args: { eq: object }[] }> }).instructions['route']!.args[0]!;
    expect(plain.eq).toEqual({ order: 'side' });
    expect('map' in plain.eq).toBe(false);
    expect(Object.isFrozen(plain.eq)).toBe(true);
  });

  it('account constraints: names, is, oneOf, agentAta', () => {
    const af = `${RULE}.accounts[0]`;
    const nameWhy = 'expected an IDL account name [A-Za-z_][A-Za-z0-9_]{0,63}';
    for (const account of ['1a', 'a-b', '', 7, 'x'.repeat(65)]) refuses(withAccount({ account, is: 'agent' }), `${af}.account`, nameWhy);
    expect(ok(withAccount({ account: 'x'.repeat(64), is: 'not-agent' })).programs).toHaveLength(1);
    refuses(withAccount({ account: 'a', is: 'owner' }), `${af}.is`, "expected 'agent' or 'not-agent'");
    refuses(withAccount({ account: 'a', oneOf: [] }), `${af}.oneOf`, 'expected at least one address');
    refuses(withAccount({ account: 'a', oneOf: [USDC, 'bad'] }), `${af}.oneOf[1]`, 'expected a base58 address (32 bytes)');
    const addrs = Array.from({ length: 65 }, (_, i) => addr(i));
    expect(ok(withAccount({ account: 'a', oneOf: addrs.slice(1) })).programs).toHaveLength(1);
    refuses(withAccount({ account: 'a', oneOf: addrs }), `${af}.oneOf`, 'at most 64 entries');
    refuses(withAccount({ account: 'a', agentAta: {} }), `${af}.agentAta`, 'expected exactly one of mint, account, order');
    refuses(withAccount({ account: 'a', agentAta: { mint: USDC, account: 'b' } }), `${af}.agentAta`, 'expected exactly one of mint, account, order');
    refuses(withAccount({ account: 'a', agentAta: { mint: USDC, map: { a: '1' } } }), `${af}.agentAta.map`, 'unknown field (refused: it would not be enforced)');
    refuses(withAccount({ account: 'a', agentAta: { account: 'b', map: { a: '1' } } }), `${af}.agentAta.map`, 'unknown field (refused: it would not be enforced)');
    refuses(withAccount({ account: 'a', agentAta: { mint: 'bad' } }), `${af}.agentAta.mint`, 'expected a base58 address (32 bytes)');
    refuses(withAccount({ account: 'a', agentAta: { account: '9b' } }), `${af}.agentAta.account`, nameWhy);
    refuses(withAccount({ account: 'a', agentAta: { order: 'price' } }), `${af}.agentAta.order`, 'expected one of amount, baseAmount, destination, inputAmount, inputMint, leverage, market, mint, notional, outputMint, reduceOnly, side, slippageBps, type');
    refuses(withAccount({ account: 'a', agentAta: 'x' }), `${af}.agentAta`, 'expected an object, got string');
    const accounts = (acc: unknown) =>
      (ok(withAccount(acc)).programs[0] as unknown as { instructions: Record<string, { accounts: { agentAta?: object; oneOf?: unknown[] }[] }> }).instructions['route']!.accounts[0]!;
    const m = accounts({ account: 'a', agentAta: { mint: USDC } });
    expect(m).toEqual({ account: 'a', agentAta: { mint: USDC } });
    expect(Object.isFrozen(m.agentAta)).toBe(true);
    const a = accounts({ account: 'a', agentAta: { account: 'b' } });
    expect(a).toEqual({ account: 'a', agentAta: { account: 'b' } });
    expect(Object.isFrozen(a.agentAta)).toBe(true);
    expect(accounts({ account: 'a', agentAta: { order: 'outputMint' } })).toEqual({ account: 'a', agentAta: { order: 'outputMint' } });
    const o = accounts({ account: 'a', oneOf: [WSOL, USDC, WSOL] });
    expect(o).toEqual({ account: 'a', oneOf: [USDC, WSOL] });
    expect(Object.isFrozen(o.oneOf)).toBe(true);
    expect(accounts({ account: 'a', is: 'not-agent' })).toEqual({ account: 'a', is: 'not-agent' });
  });
});

describe('v2 schema: budgets', () => {
  const b = (extra: P = {}) => ({ scope: 'grant', windowSeconds: 3600, unit: 'signatures', limit: '10', ...extra });
  it('scope, window, unit, mint, limit', () => {
    refuses(base({ budgets: [b({ scope: 'user' })] }), 'budgets[0].scope', "expected 'grant' or 'wallet'");
    const ww = 'expected an integer in [60, 604800]';
    for (const w of [59, 604_801, 60.5, '60', -60, Number.MAX_SAFE_INTEGER + 1]) refuses(base({ budgets: [b({ windowSeconds: w })] }), 'budgets[0].windowSeconds', ww);
    expect(ok(base({ budgets: [b({ windowSeconds: 60 })] })).budgets[0]!.windowSeconds).toBe(60);
    expect(ok(base({ budgets: [b({ windowSeconds: 604_800 })] })).budgets[0]!.windowSeconds).toBe(604_800);
    refuses(base({ budgets: [b({ unit: 'lamports' })] }), 'budgets[0].unit', 'expected one of feeLamports, quoteNotional, signatures, solOutflow, token');
    refuses(base({ budgets: [b({ unit: 7 })] }), 'budgets[0].unit', 'expected one of feeLamports, quoteNotional, signatures, solOutflow, token');
    refuses(base({ budgets: [b({ unit: 'token' })] }), 'budgets[0].mint', "required with unit 'token'");
    refuses(base({ budgets: [b({ mint: USDC })] }), 'budgets[0].mint', "only with unit 'token'");
    refuses(base({ budgets: [b({ unit: 'token', mint: 'bad' })] }), 'budgets[0].mint', 'expected a base58 address (32 bytes)');
    refuses(base({ budgets: [b({ limit: '2.5' })] }), 'budgets[0].limit', 'expected a whole number');
    refuses(base({ budgets: [b({ x: 1 })] }), 'budgets[0].x', 'unknown field (refused: it would not be enforced)');
    refuses(base({ budgets: [7] }), 'budgets[0]', 'expected an object, got number');
    expect(ok(base({ budgets: [b({ unit: 'quoteNotional', limit: '02.50' })] })).budgets[0]).toEqual({ scope: 'grant', windowSeconds: 3600, unit: 'quoteNotional', limit: '2.5' });
    const t = ok(base({ budgets: [b({ scope: 'wallet', unit: 'token', mint: USDC, limit: '010' })] })).budgets[0]!;
    expect(t).toEqual({ scope: 'wallet', windowSeconds: 3600, unit: 'token', mint: USDC, limit: '10' });
    expect(Object.isFrozen(t)).toBe(true);
    const s = ok(base({ budgets: [b()] })).budgets[0]!;
    expect('mint' in s).toBe(false);
  });

  it('at most 16; one limit per counter; duplicates collapse; sorted by canonical JSON', () => {
    const list = (n: number) => Array.from({ length: n }, (_, i) => b({ windowSeconds: 60 + i }));
    expect(ok(base({ budgets: list(16) })).budgets).toHaveLength(16);
    refuses(base({ budgets: list(17) }), 'budgets', 'at most 16 entries');
    refuses(base({ budgets: [b(), b({ limit: '11' })] }), 'budgets[1]', 'two budgets for the same scope, unit, mint and window');
    refuses(base({ budgets: [b({ unit: 'token', mint: USDC }), b({ unit: 'token', mint: USDC, limit: '11' })] }), 'budgets[1]', 'two budgets for the same scope, unit, mint and window');
    // Different mint, scope, unit or window: different counters.
    expect(ok(base({ budgets: [b({ unit: 'token', mint: USDC }), b({ unit: 'token', mint: WSOL, limit: '11' })] })).budgets).toHaveLength(2);
    expect(ok(base({ budgets: [b(), b({ scope: 'wallet', limit: '11' })] })).budgets).toHaveLength(2);
    expect(ok(base({ budgets: [b(), b({ unit: 'feeLamports', limit: '11' })] })).budgets).toHaveLength(2);
    expect(ok(base({ budgets: [b(), b({ windowSeconds: 60, limit: '11' })] })).budgets).toHaveLength(2);
    // The same budget twice (even spelled differently) is one.
    expect(ok(base({ budgets: [b(), b({ limit: '010' })] })).budgets).toEqual([{ scope: 'grant', windowSeconds: 3600, unit: 'signatures', limit: '10' }]);
    const sorted = ok(base({ budgets: [b({ scope: 'wallet' }), b({ unit: 'feeLamports' })] })).budgets;
    expect(sorted.map((x) => `${x.scope}:${x.unit}`)).toEqual(['grant:feeLamports', 'wallet:signatures']);
    expect(Object.isFrozen(sorted)).toBe(true);
  });
});
