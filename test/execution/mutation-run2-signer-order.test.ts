/**
 * Survivors of the complete `execution` mutation run of dbab1f0 (issue 16 item 5) in signer.ts,
 * policy/order.ts and policy/v2.ts: the v2 transaction path of the scoped signer (binding across the
 * signatures of one use, the budget stage with the grant identity, `budgetAfter` in the audit event;
 * SPEC 10.4.8, 10.4.9, 10.4.11), v2 order fields that are not strings but stringify to a listed
 * mint (SPEC 10.3.6, default deny), and the field of a malformed `quoteNotional` budget limit
 * (SPEC 10.3.5). No file of ../shared is read (the mutation sandbox has none); the messages are
 * compiled by Kit, hashes recomputed with node:crypto and signatures checked with tweetnacl.
 */
import { createHash } from 'node:crypto';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { evaluateOrder, normalizePolicy, type ExecutionPolicyV2Input } from '../../src/execution/policy/index.js';
import { createScopedSigner } from '../../src/execution/signer.js';
import type { AuditEvent, BudgetSpend, BudgetStore } from '../../src/stores/types.js';
import { expectCode, expectCodeAsync } from '../helpers/errors.js';
import { testWallet } from '../helpers/wallet.js';
import { budgetedPolicy, distinctTransfers, transferOrder } from './_budgeted.js';

const T0 = Date.UTC(2025, 0, 31, 12, 0, 0);
const hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('scoped signer, v2 transactions: the budget stage and the audit event', () => {
  const agentW = testWallet(91);
  const agent = agentW.address;
  const policy = normalizePolicy(budgetedPolicy(10));
  const identity = { grantId: 'g-run2', bot: 'bot-run2', wallet: testWallet(92).address };

  function recordingStore(after: bigint) {
    const calls: { key: string; spends: readonly BudgetSpend[]; now: number }[] = [];
    const store: BudgetStore = {
      spend: async (key, spends, now) => {
        calls.push({ key, spends, now });
        return { ok: true, after: spends.map(() => after) };
      },
    };
    return { calls, store };
  }

  it('a v2 transfer spends the grant counter (identity, window, amount, limit) and the allowed event carries budgetAfter', async () => {
    const [msg] = await distinctTransfers(agent, 0, 1);
    const { calls, store } = recordingStore(7n);
    const events: AuditEvent[] = [];
    const { signer } = createScopedSigner(Uint8Array.from(agentW.secretKey), agent, policy, { notAfter: Infinity, maxSignatures: 2, clock: () => T0 }, {
      order: transferOrder,
      budgets: store,
      audit: (e) => void events.push(e),
      identity,
    });
    const sig = await signer.signTransactionMessage(msg!);
    expect(nacl.sign.detached.verify(msg!, sig, agentW.publicKey)).toBe(true);
    expect(calls).toStrictEqual([
      { key: hex(msg!), spends: [{ counter: 'grant:g-run2:signatures:3600', windowMs: 3_600_000, amount: 1n, limit: 10n }], now: T0 },
    ]);
    expect(events).toStrictEqual([
      { grantId: 'g-run2', bot: 'bot-run2', agent, at: T0, allowed: true, messageHash: hex(msg!), budgetAfter: { 'grant:g-run2:signatures:3600': '7' } },
    ]);
  });

  it('a wallet-scoped budget counts under the wallet of the identity, not the agent', async () => {
    const input = budgetedPolicy(3);
    const p = normalizePolicy({ ...input, budgets: [{ scope: 'wallet', windowSeconds: 60, unit: 'signatures', limit: '3' }] } as never);
    const [msg] = await distinctTransfers(agent, 5, 1);
    const { calls, store } = recordingStore(2n);
    const events: AuditEvent[] = [];
    const { signer } = createScopedSigner(Uint8Array.from(agentW.secretKey), agent, p, { notAfter: Infinity, maxSignatures: 1, clock: () => T0 }, {
      order: transferOrder,
      budgets: store,
      audit: (e) => void events.push(e),
      identity,
    });
    await signer.signTransactionMessage(msg!);
    const counter = `wallet:${identity.wallet}:signatures:60`;
    expect(calls.map((c) => c.spends.map((s) => s.counter))).toStrictEqual([[counter]]);
    expect(events.map((e) => e.budgetAfter)).toStrictEqual([{ [counter]: '2' }]);
  });

  it('a refusal of the budget store (ok: false) refuses the signature as budget-exceeded, audited with its rule', async () => {
    const [msg] = await distinctTransfers(agent, 9, 1);
    const events: AuditEvent[] = [];
    const full: BudgetStore = { spend: async (_k, spends) => ({ ok: false, counter: spends[0]!.counter }) };
    const { signer } = createScopedSigner(Uint8Array.from(agentW.secretKey), agent, policy, { notAfter: Infinity, maxSignatures: 1, clock: () => T0 }, {
      order: transferOrder,
      budgets: full,
      audit: (e) => void events.push(e),
      identity,
    });
    const e = await expectCodeAsync(signer.signTransactionMessage(msg!), 'SIGNING_REFUSED');
    expect(e.details).toStrictEqual({ reason: 'budget-exceeded', rule: 'budgets[0]' });
    expect(events).toStrictEqual([
      { grantId: 'g-run2', bot: 'bot-run2', agent, at: T0, allowed: false, messageHash: hex(msg!), reason: 'budget-exceeded', rule: 'budgets[0]' },
    ]);
  });
});

describe('scoped signer, v2 transactions: one use implements one order', () => {
  const agentW = testWallet(93);
  const agent = agentW.address;
  const policy = normalizePolicy(budgetedPolicy(10));

  it('a second, distinct 5 USDC transfer under a 5 USDC transfer order is refused (order-mismatch, order.amount); the first may be signed again', async () => {
    const [a, b] = await distinctTransfers(agent, 20, 2);
    const { calls, store } = (() => {
      const calls: string[] = [];
      const store: BudgetStore = { spend: async (key, spends) => (calls.push(key), { ok: true, after: spends.map(() => 1n) }) };
      return { calls, store };
    })();
    const events: AuditEvent[] = [];
    const { signer } = createScopedSigner(Uint8Array.from(agentW.secretKey), agent, policy, { notAfter: Infinity, maxSignatures: 3, clock: () => T0 }, {
      order: transferOrder,
      budgets: store,
      audit: (e) => void events.push(e),
    });
    const sa = await signer.signTransactionMessage(a!);
    const e = await expectCodeAsync(signer.signTransactionMessage(b!), 'SIGNING_REFUSED');
    expect(e.details).toStrictEqual({ reason: 'order-mismatch', rule: 'order.amount' });
    // refused before the budget stage: only the first message was spent
    expect(calls).toStrictEqual([hex(a!)]);
    expect(events[1]).toStrictEqual({ grantId: '', bot: '', agent, at: T0, allowed: false, messageHash: hex(b!), reason: 'order-mismatch', rule: 'order.amount' });
    expect(await signer.signTransactionMessage(a!)).toEqual(sa);
    expect(nacl.sign.detached.verify(a!, sa, agentW.publicKey)).toBe(true);
  });
});

// -- evaluateOrder v2: a field that is not a string is never a listed mint ------------------------

const WSOL = 'So11111111111111111111111111111111111111112';
const USDC = 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v';
const DEST = '9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM';
const NOW = Date.UTC(2025, 0, 31, 12, 0, 0);
const v2Input = (extra: Record<string, unknown> = {}) => ({
  v: 2,
  enabled: true,
  killSwitch: false,
  spot: { pairs: [{ inputMint: WSOL, outputMint: USDC }], maxInput: { [WSOL]: '1000' }, maxSlippageBps: 30 },
  transfers: { maxAmount: { [USDC]: '500' }, destinations: [DEST] },
  programs: [],
  ...extra,
});
const why = (order: unknown) => {
  const d = (evaluateOrder as (...a: unknown[]) => { allowed: boolean; violations?: readonly { rule: string; message: string }[] })(
    normalizePolicy(v2Input() as never),
    order,
    undefined,
    NOW,
  );
  return d.allowed ? [] : d.violations!.map((v) => `${v.rule}: ${v.message}`);
};

describe('evaluateOrder v2: mints given as arrays (JSON) that stringify to a listed mint', () => {
  it('swap: inputMint ["So11..."] has no swap cap (both spot.pairs and spot.maxInput are reported)', () => {
    const order = JSON.parse(`{"type":"swap","inputMint":["${WSOL}"],"outputMint":"${USDC}","inputAmount":"1000","slippageBps":30}`);
    expect(why(order)).toStrictEqual(['spot.pairs: inputMint and outputMint must be base58 addresses', 'spot.maxInput: no swap cap for this input mint']);
    // the same order with the mint as a string is allowed (so the refusal above is about the type)
    expect(why({ ...order, inputMint: WSOL })).toStrictEqual([]);
  });

  it('transfer: mint ["EPjF..."] is not an allowed mint (transfers.maxAmount), though the amount and destination are fine', () => {
    const order = JSON.parse(`{"type":"transfer","mint":["${USDC}"],"amount":"500","destination":"${DEST}"}`);
    expect(why(order)).toStrictEqual(['transfers.maxAmount: mint is missing or not allowed']);
    expect(why({ ...order, mint: USDC })).toStrictEqual([]);
  });
});

describe('normalizePolicy v2: a quoteNotional budget limit is a decimal string (its own field)', () => {
  it('a malformed limit names policy.budgets[i].limit', () => {
    const budget = (limit: unknown) => ({ scope: 'grant', windowSeconds: 3600, unit: 'quoteNotional', limit });
    const fail = (limit: unknown, i = 0) => {
      const budgets = i === 0 ? [budget(limit)] : [{ scope: 'grant', windowSeconds: 3600, unit: 'signatures', limit: '5' }, budget(limit)];
      const e = expectCode(() => normalizePolicy(v2Input({ budgets }) as never), 'POLICY_INVALID');
      return [e.details?.['field'], e.message];
    };
    expect(fail('abc')).toStrictEqual([
      'policy.budgets[0].limit',
      'policy.budgets[0].limit: expected a non-negative decimal string (at most 30 integer and 18 fraction digits)',
    ]);
    expect(fail(12.5, 1)).toStrictEqual([
      'policy.budgets[1].limit',
      'policy.budgets[1].limit: write amounts as decimal strings (e.g. "2.5"), never as JSON numbers',
    ]);
    expect(normalizePolicy(v2Input({ budgets: [budget('12.50')] }) as unknown as ExecutionPolicyV2Input).budgets).toStrictEqual([
      { scope: 'grant', windowSeconds: 3600, unit: 'quoteNotional', limit: '12.5' },
    ]);
  });
});
