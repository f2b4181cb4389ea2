import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkInstructionRule } from '../../../src/execution/programs/constraints.js';
import type { DecodedInstruction } from '../../../src/execution/programs/types.js';
import type { InstructionRule, OrderV2 } from '../../../src/execution/policy/types.js';
import { randomAddress } from './_fixtures.js';

const agent = randomAddress(1);
const mint = randomAddress(2);
const agentAta = randomAddress(3);
const other = randomAddress(4);
const ataOf = (owner: string, m: string) => new Set(owner === agent && m === mint ? [agentAta] : []);
const ix: DecodedInstruction = Object.freeze({
  index: 0,
  program: randomAddress(9),
  name: 'act',
  args: {
    u8: 255n, i64: -9223372036854775808n, u128: 340282366920938463463374607431768211455n, flag: true, none: null, some: 5n,
    side: { __variant: 'Long' }, key: other, nested: { deep: { n: 7n } }, list: [1n, 2n], bytes: new Uint8Array(2), f: 1.5, s: 'hi',
  },
  accounts: { authority: agent, dest: agentAta, mintAcc: mint, loaded: undefined, foreign: other },
  remainingAccounts: [],
});
const swap: OrderV2 = { type: 'swap', inputMint: mint, outputMint: mint, inputAmount: '7', slippageBps: 50 };
const run = (r: Partial<InstructionRule>, order: OrderV2 | undefined = swap) =>
  checkInstructionRule({ for: ['swap'], ...r }, ix, { agent, order, ataOf, path: 'programs[0].instructions.act' });

describe('arg constraints', () => {
  const allowed: InstructionRule['args'][] = [
    [{ path: 'u8', eq: '255' }], [{ path: 'u8', atMost: '255' }], [{ path: 'u8', atLeast: '255' }], [{ path: 'i64', atMost: '-9223372036854775808' }],
    [{ path: 'u128', eq: '340282366920938463463374607431768211455' }], [{ path: 'flag', eq: true }], [{ path: 'none', eq: null }],
    [{ path: 'some', eq: '5' }], [{ path: 'side', oneOf: ['Short', 'Long'] }], [{ path: 'key', eq: other }], [{ path: 'nested.deep.n', atMost: { order: 'inputAmount' } }],
    [{ path: 'list.1', eq: '2' }], [{ path: 'side', eq: { order: 'type', map: { swap: 'Long' } } }], [{ path: 'some', oneOf: [null, '5'] }], [{ path: 's', eq: 'hi' }],
  ];
  for (const args of allowed) it(`allows ${JSON.stringify(args)}`, () => expect(run({ args })).toBeUndefined());
  const refused: [InstructionRule['args'], string][] = [
    [[{ path: 'u8', atMost: '254' }], 'arg-mismatch'], [[{ path: 'u8', atLeast: '256' }], 'arg-mismatch'], [[{ path: 'u128', atMost: '340282366920938463463374607431768211454' }], 'arg-mismatch'],
    [[{ path: 'flag', eq: false }], 'arg-mismatch'], [[{ path: 'none', eq: '0' }], 'arg-mismatch'], [[{ path: 'some', eq: null }], 'arg-mismatch'],
    [[{ path: 'side', eq: 'long' }], 'arg-mismatch'], [[{ path: 'missing', eq: '1' }], 'arg-missing'], [[{ path: 'nested.deep.x', eq: '1' }], 'arg-missing'],
    [[{ path: 'none.x', eq: '1' }], 'arg-missing'], [[{ path: 'list.2', eq: '1' }], 'arg-missing'], [[{ path: 'side.__variant', eq: 'Long' }], 'arg-missing'],
    [[{ path: 'u8', eq: 'abc' }], 'arg-type'], [[{ path: 'u8', eq: true }], 'arg-type'], [[{ path: 's', atMost: '3' }], 'arg-type'], [[{ path: 'flag', atLeast: '0' }], 'arg-type'],
    [[{ path: 'none', atMost: '1' }], 'arg-type'], [[{ path: 'bytes', eq: '0' }], 'arg-type'], [[{ path: 'f', eq: '1' }], 'arg-type'], [[{ path: 'nested', eq: '1' }], 'arg-type'],
    [[{ path: 'u8', atMost: '01' }], 'arg-type'], [[{ path: 'u8', oneOf: ['x', true] }], 'arg-type'],
    [[{ path: 'u8', eq: { order: 'market' } }], 'order-unbound'], [[{ path: 'side', eq: { order: 'type', map: { market: 'Long' } } }], 'order-unbound'],
    [[{ path: 'u8', atMost: '300' }, { path: 'u8', atMost: { order: 'inputAmount' } }], 'arg-mismatch'],
  ];
  for (const [args, reason] of refused)
    it(`refuses ${JSON.stringify(args)} (${reason})`, () => {
      const r = run({ args });
      expect(r).toMatchObject({ reason, rule: `programs[0].instructions.act.args[${args!.length - 1}]` });
    });
});

describe('account constraints', () => {
  it('is / not-agent / oneOf / agentAta from a literal, an account, the order', () => {
    expect(run({ accounts: [{ account: 'authority', is: 'agent' }, { account: 'foreign', is: 'not-agent' }, { account: 'foreign', oneOf: [other] }] })).toBeUndefined();
    expect(run({ accounts: [{ account: 'dest', agentAta: { mint } }, { account: 'dest', agentAta: { account: 'mintAcc' } }, { account: 'dest', agentAta: { order: 'outputMint' } }] })).toBeUndefined();
    const refused: [InstructionRule['accounts'], string][] = [
      [[{ account: 'foreign', is: 'agent' }], 'account-mismatch'], [[{ account: 'authority', is: 'not-agent' }], 'account-mismatch'],
      [[{ account: 'authority', oneOf: [other] }], 'account-mismatch'], [[{ account: 'foreign', agentAta: { mint } }], 'account-mismatch'],
      [[{ account: 'dest', agentAta: { mint: other } }], 'account-mismatch'], [[{ account: 'nope', is: 'agent' }], 'account-missing'],
      [[{ account: 'loaded', is: 'not-agent' }], 'account-unresolved'], [[{ account: 'dest', agentAta: { account: 'loaded' } }], 'account-unresolved'],
      [[{ account: 'dest', agentAta: { account: 'nope' } }], 'account-missing'], [[{ account: 'dest', agentAta: { order: 'market' } }], 'order-unbound'],
    ];
    for (const [accounts, reason] of refused) expect(run({ accounts }), JSON.stringify(accounts)).toMatchObject({ reason, rule: 'programs[0].instructions.act.accounts[0]' });
  });
});

describe('order kind', () => {
  it('default deny by kind; any serves every order and no order', () => {
    expect(run({}, { type: 'cancel', market: 'SOL-PERP' })).toMatchObject({ reason: 'order-kind', rule: 'programs[0].instructions.act.for' });
    expect(checkInstructionRule({ for: ['swap'] }, ix, { agent, order: undefined, ataOf, path: 'p' })).toMatchObject({ reason: 'order-kind', rule: 'p.for' });
    expect(checkInstructionRule({ for: ['any'] }, ix, { agent, order: undefined, ataOf, path: 'p' })).toBeUndefined();
  });
  it('integer comparisons agree with a naive reference over random values (fast-check)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 127n), max: 2n ** 128n - 1n }), fc.bigInt({ min: -(2n ** 127n), max: 2n ** 128n - 1n }), (v, r) => {
        const one = { ...ix, args: { v } };
        const ctx = { agent, order: swap, ataOf, path: 'p' };
        expect(checkInstructionRule({ for: ['swap'], args: [{ path: 'v', atMost: r.toString() }] }, one, ctx) === undefined).toBe(v <= r);
        expect(checkInstructionRule({ for: ['swap'], args: [{ path: 'v', atLeast: r.toString() }] }, one, ctx) === undefined).toBe(v >= r);
        expect(checkInstructionRule({ for: ['swap'], args: [{ path: 'v', eq: r.toString() }] }, one, ctx) === undefined).toBe(v === r);
      }),
      { numRuns: 500 },
    );
  });
});
