/**
 * The scoped signer (SPEC 10.4.4, 10.4.9-10.4.11): argument checks with their exact fields, the
 * exact refusal errors, the time checks before and after every await, the signature count under
 * concurrency, and the audit events (hashes recomputed with node:crypto). Mutation testing, issue
 * 16 item 5.
 */
import { createHash } from 'node:crypto';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { AgentvaultError } from '../../src/errors.js';
import { normalizePolicy } from '../../src/execution/policy/index.js';
import { createScopedSigner, MAX_SIGNATURES_PER_USE } from '../../src/execution/signer.js';
import type { AuditEvent, BudgetStore } from '../../src/stores/types.js';
import { expectCode, expectCodeAsync } from '../helpers/errors.js';
import { testWallet } from '../helpers/wallet.js';
import { basePolicy, DRIFT, MEMO, simpleMessage, SYSTEM, systemTransferData } from './_fixtures.js';

const agentW = testWallet(41);
const agent = agentW.address;
const secret = () => Uint8Array.from(agentW.secretKey);
const policy = normalizePolicy(basePolicy({ allowSignMessage: true }));
const noMessages = normalizePolicy(basePolicy());
const T0 = Date.UTC(2025, 0, 31, 12, 0, 0);
const LIMITS = { notAfter: Infinity, maxSignatures: 16 };
const hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const msgHash = (b: Uint8Array) => createHash('sha256').update(Buffer.concat([Buffer.from('agentvault/v1/sign-message\n', 'utf8'), b])).digest('hex');

async function refusal(p: Promise<unknown>): Promise<AgentvaultError> {
  return expectCodeAsync(p, 'SIGNING_REFUSED');
}

describe('createScopedSigner: arguments', () => {
  it('limits: an object; notAfter a number; maxSignatures 1..16; clock a function (exact fields and texts)', () => {
    const field = (limits: unknown) => {
      const e = expectCode(() => createScopedSigner(secret(), agent, policy, limits as never), 'INVALID_INPUT');
      return [e.details?.['field'], e.message];
    };
    for (const l of [null, 5, 'x'])
      expect(field(l)).toEqual(['limits', 'limits: expected { notAfter, maxSignatures, clock? }']);
    for (const n of [NaN, '1', undefined, null])
      expect(field({ notAfter: n, maxSignatures: 1 })).toEqual(['limits.notAfter', 'limits.notAfter: expected ms since the epoch']);
    for (const m of [0, 17, 1.5, '1', -1, Number.MAX_SAFE_INTEGER + 1, undefined])
      expect(field({ notAfter: 0, maxSignatures: m })).toEqual(['limits.maxSignatures', 'limits.maxSignatures: expected an integer in [1, 16]']);
    for (const c of [5, 'now', {}]) expect(field({ notAfter: 0, maxSignatures: 1, clock: c })).toEqual(['limits.clock', 'limits.clock: expected a function']);
    expect(MAX_SIGNATURES_PER_USE).toBe(16);
    for (const m of [1, 16]) expect(createScopedSigner(secret(), agent, policy, { notAfter: 0, maxSignatures: m }).signer.address).toBe(agent);
    expect(createScopedSigner(secret(), agent, policy, { notAfter: -Infinity, maxSignatures: 1 }).signer.address).toBe(agent);
  });

  it('the secret key is 64 bytes and the agent a base58 address', () => {
    expect(expectCode(() => createScopedSigner(new Uint8Array(32), agent, policy, LIMITS), 'INVALID_INPUT').details?.['field']).toBe('secretKey');
    expect(expectCode(() => createScopedSigner(secret(), 'not-an-address', policy, LIMITS), 'INVALID_INPUT').details?.['field']).toBe('agent');
  });

  it('the signer prints only its address', () => {
    const { signer } = createScopedSigner(secret(), agent, policy, LIMITS);
    const want = `ExecutionSigner(${agent})`;
    expect(String(signer)).toBe(want);
    expect(JSON.stringify({ s: signer })).toBe(JSON.stringify({ s: want }));
    const inspect = (signer as unknown as Record<symbol, () => string>)[Symbol.for('nodejs.util.inspect.custom')]!;
    expect(inspect()).toBe(want);
    expect(Object.isFrozen(signer)).toBe(true);
  });
});

describe('scoped signer: refusals', () => {
  it('each refusal is SIGNING_REFUSED with only its reason and a fixed text', async () => {
    const s = createScopedSigner(secret(), agent, noMessages, LIMITS);
    const off = await refusal(s.signer.signMessage(Uint8Array.of(1)));
    expect(off.details).toEqual({ reason: 'sign-message-disabled' });
    expect(off.message).toBe('signer refused: the policy does not allow signing messages');
    const tx = await refusal(createScopedSigner(secret(), agent, policy, LIMITS).signer.signMessage(simpleMessage(agent, DRIFT)));
    expect(tx.details).toEqual({ reason: 'looks-like-transaction' });
    expect(tx.message).toBe('signer refused: the bytes parse as a transaction message; use signTransactionMessage');
    s.close();
    const closed = await refusal(s.signer.signTransactionMessage(simpleMessage(agent, DRIFT)));
    expect(closed.details).toEqual({ reason: 'signer-closed' });
    expect(closed.message).toBe('signer refused: the signer is only valid inside the withExecutionSigner callback');
    const late = await refusal(createScopedSigner(secret(), agent, policy, { notAfter: T0, maxSignatures: 1, clock: () => T0 }).signer.signMessage(Uint8Array.of(1)));
    expect(late.details).toEqual({ reason: 'grant-expired' });
    expect(late.message).toBe('signer refused: the grant or policy window has ended');
    const night = normalizePolicy(basePolicy({ allowSignMessage: true, window: { timeOfDayUtc: { start: '13:00', end: '14:00' } } }));
    const tod = await refusal(createScopedSigner(secret(), agent, night, { notAfter: Infinity, maxSignatures: 1, clock: () => T0 }).signer.signMessage(Uint8Array.of(1)));
    expect(tod.details).toEqual({ reason: 'outside-time-of-day' });
    expect(tod.message).toBe('signer refused: outside the policy time of day (UTC)');
  });

  it('notAfter is exclusive: one ms before it signs', async () => {
    const { signer } = createScopedSigner(secret(), agent, policy, { notAfter: T0 + 1, maxSignatures: 1, clock: () => T0 });
    const bytes = Uint8Array.of(7, 7, 7);
    expect(await signer.signMessage(bytes)).toEqual(nacl.sign.detached(bytes, agentW.secretKey));
  });

  it('the signature limit: concurrent calls reserve their slot; a failure frees it', async () => {
    const { signer } = createScopedSigner(secret(), agent, policy, { notAfter: Infinity, maxSignatures: 1 });
    const a = signer.signTransactionMessage(simpleMessage(agent, DRIFT));
    const b = signer.signTransactionMessage(simpleMessage(agent, MEMO));
    expect((await a).length).toBe(64);
    const e = await refusal(b);
    expect(e.details).toEqual({ reason: 'signature-limit-reached' });
    expect(e.message).toBe('signer refused: this use of the grant may sign 1 transaction(s) (maxSignatures)');
    const two = createScopedSigner(secret(), agent, policy, { notAfter: Infinity, maxSignatures: 2 }).signer;
    // A refused call in flight does not keep its slot.
    expect((await refusal(two.signTransactionMessage(simpleMessage(agent, SYSTEM, systemTransferData(1n))))).details?.['reason']).toBe('program-never-allowed');
    const [x, y] = await Promise.all([two.signTransactionMessage(simpleMessage(agent, DRIFT)), two.signTransactionMessage(simpleMessage(agent, MEMO))]);
    expect(x.length + y.length).toBe(128);
    expect((await refusal(two.signTransactionMessage(simpleMessage(agent, DRIFT)))).message).toBe(
      'signer refused: this use of the grant may sign 2 transaction(s) (maxSignatures)',
    );
    // A wrong-typed message is not counted either.
    const one = createScopedSigner(secret(), agent, policy, { notAfter: Infinity, maxSignatures: 1 }).signer;
    expect((await expectCodeAsync(one.signTransactionMessage('x' as never), 'INVALID_INPUT')).details?.['field']).toBe('message');
    expect((await expectCodeAsync(one.signMessage([1] as never), 'INVALID_INPUT')).details?.['field']).toBe('message');
    expect((await one.signTransactionMessage(simpleMessage(agent, DRIFT))).length).toBe(64);
  });
});

describe('scoped signer: time is checked again after every await', () => {
  it('the window closing while the audit hook runs stops the signature (both methods)', async () => {
    for (const method of ['signTransactionMessage', 'signMessage'] as const) {
      let now = T0;
      const events: AuditEvent[] = [];
      const { signer } = createScopedSigner(secret(), agent, policy, { notAfter: T0 + 10, maxSignatures: 2, clock: () => now }, {
        audit: (e) => {
          events.push(e);
          if (e.allowed) now = T0 + 10;
        },
      });
      const bytes = method === 'signMessage' ? Uint8Array.of(1, 2) : simpleMessage(agent, DRIFT);
      expect((await refusal(signer[method](bytes))).details?.['reason']).toBe('grant-expired');
      expect(events.map((e) => e.allowed)).toEqual([true]);
    }
  });

  it('close() during the audit hook stops the signature', async () => {
    for (const method of ['signTransactionMessage', 'signMessage'] as const) {
      let close = () => {};
      const s = createScopedSigner(secret(), agent, policy, LIMITS, { audit: () => close() });
      close = s.close;
      const bytes = method === 'signMessage' ? Uint8Array.of(3) : simpleMessage(agent, MEMO);
      expect((await refusal(s.signer[method](bytes))).details?.['reason']).toBe('signer-closed');
    }
  });

  it('an audit hook that fails stops the signature and spends no signature slot', async () => {
    let fail = true;
    const { signer } = createScopedSigner(secret(), agent, policy, { notAfter: Infinity, maxSignatures: 1 }, {
      audit: async (e) => {
        if (e.allowed && fail) throw new Error('audit log down');
      },
    });
    await expect(signer.signTransactionMessage(simpleMessage(agent, DRIFT))).rejects.toThrow('audit log down');
    await expect(signer.signMessage(Uint8Array.of(1))).rejects.toThrow('audit log down');
    fail = false;
    expect((await signer.signTransactionMessage(simpleMessage(agent, DRIFT))).length).toBe(64);
  });
});

describe('scoped signer: audit events', () => {
  it('allowed and refused events, with the message hash recomputed here and the identity', async () => {
    let now = T0;
    const events: AuditEvent[] = [];
    const { signer } = createScopedSigner(secret(), agent, policy, { notAfter: Infinity, maxSignatures: 4, clock: () => now++ }, {
      audit: (e) => void events.push(e),
      identity: { grantId: 'g-1', bot: 'bot-9', wallet: agent },
    });
    const ok = simpleMessage(agent, DRIFT);
    await signer.signTransactionMessage(ok);
    const bad = simpleMessage(agent, SYSTEM, systemTransferData(5n));
    await refusal(signer.signTransactionMessage(bad));
    const text = Uint8Array.of(104, 105);
    await signer.signMessage(text);
    await refusal(signer.signMessage(ok));
    expect(events).toStrictEqual([
      { grantId: 'g-1', bot: 'bot-9', agent, at: T0 + 1, allowed: true, messageHash: hex(ok) },
      { grantId: 'g-1', bot: 'bot-9', agent, at: T0 + 3, allowed: false, messageHash: hex(bad), reason: 'program-never-allowed', rule: 'allowedPrograms', instructionIndex: 0 },
      { grantId: 'g-1', bot: 'bot-9', agent, at: T0 + 5, allowed: true, messageHash: msgHash(text) },
      { grantId: 'g-1', bot: 'bot-9', agent, at: T0 + 7, allowed: false, messageHash: msgHash(ok), reason: 'looks-like-transaction' },
    ]);
    for (const e of events) expect(Object.isFrozen(e)).toBe(true);
  });

  it('without an identity the events carry empty ids; a refusal stands whatever the hook does', async () => {
    const events: AuditEvent[] = [];
    const { signer } = createScopedSigner(secret(), agent, noMessages, { notAfter: Infinity, maxSignatures: 1, clock: () => T0 }, {
      audit: (e) => {
        events.push(e);
        throw new Error('hook broke');
      },
    });
    const e = await refusal(signer.signMessage(Uint8Array.of(9)));
    expect(e.details).toEqual({ reason: 'sign-message-disabled' });
    expect(events).toEqual([{ grantId: '', bot: '', agent, at: T0, allowed: false, messageHash: msgHash(Uint8Array.of(9)), reason: 'sign-message-disabled' }]);
  });

  it('v2: signMessage spends the signatures budgets; their state is in the allowed event; store failures are audited', async () => {
    const p2 = normalizePolicy({
      v: 2,
      enabled: true,
      killSwitch: false,
      allowSignMessage: true,
      programs: [],
      budgets: [
        { scope: 'grant', windowSeconds: 3600, unit: 'signatures', limit: '10' },
        { scope: 'grant', windowSeconds: 3600, unit: 'feeLamports', limit: '10' },
      ],
    });
    const calls: { key: string; spends: readonly { counter: string }[]; now: number }[] = [];
    let reply: unknown = undefined;
    const store: BudgetStore = {
      spend: async (key, spends, now) => {
        calls.push({ key, spends, now });
        return (reply ?? { ok: true, after: spends.map(() => 3n) }) as never;
      },
    };
    const events: AuditEvent[] = [];
    const { signer } = createScopedSigner(secret(), agent, p2, { notAfter: Infinity, maxSignatures: 1, clock: () => T0 }, {
      budgets: store,
      audit: (e) => void events.push(e),
      identity: { grantId: 'g', bot: 'b', wallet: agent },
    });
    const text = Uint8Array.of(1, 2, 3);
    expect(await signer.signMessage(text)).toEqual(nacl.sign.detached(text, agentW.secretKey));
    expect(calls).toHaveLength(1);
    expect(calls[0]!.key).toBe(msgHash(text));
    expect(calls[0]!.now).toBe(T0);
    expect(calls[0]!.spends).toHaveLength(1);
    const counter = calls[0]!.spends[0]!.counter;
    expect(events).toEqual([{ grantId: 'g', bot: 'b', agent, at: T0, allowed: true, messageHash: msgHash(text), budgetAfter: { [counter]: '3' } }]);
    // The store refuses: budget-exceeded, audited with its rule.
    reply = { ok: false, counter };
    const over = await refusal(signer.signMessage(Uint8Array.of(4)));
    expect(over.details).toMatchObject({ reason: 'budget-exceeded', rule: 'budgets[0]' });
    expect(events[1]).toEqual({ grantId: 'g', bot: 'b', agent, at: T0, allowed: false, messageHash: msgHash(Uint8Array.of(4)), reason: 'budget-exceeded', rule: 'budgets[0]' });
    // A store that answers nonsense is STORE_UNAVAILABLE, audited as store-unavailable.
    reply = { ok: 'yes' };
    await expectCodeAsync(signer.signMessage(Uint8Array.of(5)), 'STORE_UNAVAILABLE');
    expect(events[2]).toEqual({ grantId: 'g', bot: 'b', agent, at: T0, allowed: false, messageHash: msgHash(Uint8Array.of(5)), reason: 'store-unavailable' });
    // Any other failure is audited as internal-error.
    const broken: BudgetStore = { spend: async () => { throw new TypeError('boom'); } };
    const ev2: AuditEvent[] = [];
    const s2 = createScopedSigner(secret(), agent, p2, { notAfter: Infinity, maxSignatures: 1, clock: () => T0 }, { budgets: broken, audit: (e) => void ev2.push(e) });
    await expect(s2.signer.signMessage(Uint8Array.of(6))).rejects.toThrow(TypeError);
    expect(ev2).toStrictEqual([{ grantId: '', bot: '', agent, at: T0, allowed: false, messageHash: msgHash(Uint8Array.of(6)), reason: 'internal-error' }]);
    // A library error of another code is an internal error too (only STORE_UNAVAILABLE is the store's).
    const odd: BudgetStore = { spend: async () => { throw new AgentvaultError('INTEGRITY', 'odd'); } };
    const ev3: AuditEvent[] = [];
    const s3 = createScopedSigner(secret(), agent, p2, { notAfter: Infinity, maxSignatures: 1, clock: () => T0 }, { budgets: odd, audit: (e) => void ev3.push(e) });
    await expectCodeAsync(s3.signer.signMessage(Uint8Array.of(7)), 'INTEGRITY');
    expect(ev3).toStrictEqual([{ grantId: '', bot: '', agent, at: T0, allowed: false, messageHash: msgHash(Uint8Array.of(7)), reason: 'internal-error' }]);
  });

  it('v2 without signatures budgets: signMessage spends nothing and the event has no budgetAfter', async () => {
    const p2 = normalizePolicy({ v: 2, enabled: true, killSwitch: false, allowSignMessage: true, programs: [] });
    const events: AuditEvent[] = [];
    const { signer } = createScopedSigner(secret(), agent, p2, { notAfter: Infinity, maxSignatures: 1, clock: () => T0 }, { audit: (e) => void events.push(e) });
    await signer.signMessage(Uint8Array.of(8));
    expect(events).toEqual([{ grantId: '', bot: '', agent, at: T0, allowed: true, messageHash: msgHash(Uint8Array.of(8)) }]);
    expect('budgetAfter' in events[0]!).toBe(false);
  });
});

describe('scoped signer: budget identity', () => {
  it('counters are keyed by the grant id and the signing wallet (default: no grant id, the agent)', async () => {
    const p2 = normalizePolicy({
      v: 2,
      enabled: true,
      killSwitch: false,
      allowSignMessage: true,
      programs: [],
      budgets: [
        { scope: 'grant', windowSeconds: 3600, unit: 'signatures', limit: '10' },
        { scope: 'wallet', windowSeconds: 3600, unit: 'signatures', limit: '10' },
      ],
    });
    const seen: string[][] = [];
    const store: BudgetStore = { spend: async (_k, spends) => (seen.push(spends.map((x) => x.counter)), { ok: true, after: spends.map(() => 1n) }) as never };
    const owner = testWallet(42).address;
    await createScopedSigner(secret(), agent, p2, LIMITS, { budgets: store }).signer.signMessage(Uint8Array.of(1));
    await createScopedSigner(secret(), agent, p2, LIMITS, { budgets: store, identity: { grantId: 'g7', bot: 'b', wallet: owner } }).signer.signMessage(Uint8Array.of(1));
    expect(seen).toEqual([
      ['grant::signatures:3600', `wallet:${agent}:signatures:3600`],
      ['grant:g7:signatures:3600', `wallet:${owner}:signatures:3600`],
    ]);
  });
});

describe('scoped signer: v1 with an order', () => {
  it('a v1 policy has no pipeline facts: an order passed along is not bound, the transaction signs', async () => {
    const events: AuditEvent[] = [];
    const { signer } = createScopedSigner(secret(), agent, policy, { notAfter: Infinity, maxSignatures: 2, clock: () => T0 }, {
      order: { type: 'cancel', market: 'SOL-PERP' },
      audit: (e) => void events.push(e),
    });
    const bytes = simpleMessage(agent, DRIFT);
    expect(await signer.signTransactionMessage(bytes)).toEqual(nacl.sign.detached(bytes, agentW.secretKey));
    expect(events).toEqual([{ grantId: '', bot: '', agent, at: T0, allowed: true, messageHash: hex(bytes) }]);
  });
});

describe('scoped signer: the key', () => {
  it('signs with limits.key when given (the caller lease), with the checked bytes', async () => {
    const seen: Uint8Array[] = [];
    const key = { sign: (m: Uint8Array) => (seen.push(Uint8Array.from(m)), new Uint8Array(64).fill(0xab)) };
    const { signer } = createScopedSigner(secret(), agent, policy, { ...LIMITS, key: key as never });
    const bytes = simpleMessage(agent, DRIFT);
    expect(await signer.signTransactionMessage(bytes)).toEqual(new Uint8Array(64).fill(0xab));
    expect(await signer.signMessage(Uint8Array.of(1, 2))).toEqual(new Uint8Array(64).fill(0xab));
    expect(seen).toEqual([bytes, Uint8Array.of(1, 2)]);
  });
});
