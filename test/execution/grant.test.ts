import fc from 'fast-check';
import { inspect } from 'node:util';
import nacl from 'tweetnacl';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAgentWallet, openAgentKey } from '../../src/derivation/agent-wallet.js';
import { AgentvaultError } from '../../src/errors.js';
import {
  _observeKeyBuffersForTests,
  createExecutionGrant,
  grantWrapContext,
  parseGrant,
  rewrapGrant,
  serializeGrant,
  withExecutionSigner,
  type ExecutionGrant,
} from '../../src/execution/grant.js';
import { policyHash } from '../../src/execution/policy/index.js';
import type { ExecutionSigner } from '../../src/execution/signer.js';
import { LocalKeyWrapper, type KeyWrapper } from '../../src/execution/wrapper.js';
import type { RevocationStore } from '../../src/stores/types.js';
import { fakeAuthorization } from '../helpers/auth.js';
import { expectCodeAsync, expectCode } from '../helpers/errors.js';
import { expectNoSecretIn } from '../helpers/secrets.js';
import {
  basePolicy,
  BOT,
  DAY,
  DRIFT,
  enableAuthorization,
  goodOrder,
  goodState,
  HOUR,
  KEK2,
  newRevocations,
  NOW,
  setup,
  simpleMessage,
  SYSTEM,
  systemTransferData,
  wrapperV1,
  wrapperV1V2,
  type Setup,
} from './_fixtures.js';

const USE_AT = NOW + 60_000;

async function enable(s: Setup, extra: Partial<Parameters<typeof createExecutionGrant>[0]> = {}, auth?: Awaited<ReturnType<typeof enableAuthorization>>) {
  return createExecutionGrant({
    authorization: auth ?? (await enableAuthorization(s.owner, { agent: s.agent.address })),
    vault: s.vault,
    agentKeyRecord: s.agent.records.agentKey,
    agentAddress: s.agent.address,
    policy: basePolicy(),
    wrapper: wrapperV1(),
    now: NOW,
    ...extra,
  } as Parameters<typeof createExecutionGrant>[0]);
}

/** The owner a grant (object or JSON text) names: what the app would expect for its own rows. */
function ownerOf(grant: unknown): string {
  try {
    const o: unknown = typeof grant === 'string' ? JSON.parse(grant) : grant;
    const owner = typeof o === 'object' && o !== null ? (o as Record<string, unknown>)['owner'] : undefined;
    return typeof owner === 'string' ? owner : '';
  } catch {
    return '';
  }
}

function use<T = Uint8Array>(grant: unknown, extra: Partial<Parameters<typeof withExecutionSigner>[1]> = {}, fn?: (s: ExecutionSigner) => T | Promise<T>): Promise<T> {
  const f = fn ?? (((s: ExecutionSigner) => s.signTransactionMessage(simpleMessage(s.address, DRIFT))) as unknown as (s: ExecutionSigner) => T);
  const expected = { owner: ownerOf(grant), bot: BOT };
  return withExecutionSigner(grant as never, { wrapper: wrapperV1(), policy: basePolicy(), order: goodOrder, state: goodState, revocations: newRevocations(), now: USE_AT, expected, ...extra }, f);
}

/** The agent's 64-byte secret key, read through the vault (for leak and zeroing checks only). */
function agentSecret(s: Setup): Uint8Array {
  const k = openAgentKey(s.vault, s.agent.records, { address: s.agent.address });
  try {
    return Uint8Array.from(k.expose());
  } finally {
    k.dispose();
  }
}

afterEach(() => _observeKeyBuffersForTests());

describe('execution grants: enable -> use -> revoke', () => {
  it('end to end with a real signed message: enable, sign (tweetnacl verifies), revoke, refused', async () => {
    const s = setup(1);
    const grant = await enable(s);
    expect(grant.owner).toBe(s.owner.address);
    expect(grant.agent).toBe(s.agent.address);
    expect(grant.bot).toBe(BOT);
    expect(grant.policyHash).toBe(policyHash(basePolicy()));
    expect(grant.notBefore).toBe('2025-01-31T12:00:00Z');
    expect(grant.expiresAt).toBe('2025-01-31T13:00:00Z');
    expect(grant.wrappedKey).toMatchObject({ wrapper: 'local', version: 'v1' });
    // the stored message proves what the user signed, checkable with tweetnacl alone
    const sig = Buffer.from(grant.authorization.signature, 'base64');
    expect(nacl.sign.detached.verify(new TextEncoder().encode(grant.authorization.message), sig, s.owner.publicKey)).toBe(true);
    expect(grant.authorization.message).toContain(`urn:agentvault:policy:sha256:${grant.policyHash}`);

    const stored = serializeGrant(grant);
    const revocations = newRevocations();
    const msg = simpleMessage(s.agent.address, DRIFT);
    const signature = await use(stored, { revocations }, (signer) => signer.signTransactionMessage(msg));
    expect(nacl.sign.detached.verify(msg, signature, s.agent.publicKey)).toBe(true);

    await revocations.revoke(grant.id);
    await expectCodeAsync(use(stored, { revocations }), 'GRANT_REVOKED');
  });

  it('the bot code never receives the raw key: the signer exposes only address and two signing methods', async () => {
    const s = setup(2);
    const grant = await enable(s);
    const secret = agentSecret(s);
    const seen = await use(grant, {}, (signer) => ({ keys: Object.keys(signer), text: inspect(signer, { showHidden: true, depth: 5 }) + JSON.stringify(signer) + String(signer) }));
    expect(seen.keys.sort()).toEqual(['address', 'signMessage', 'signTransactionMessage', 'toJSON', 'toString'].sort());
    expectNoSecretIn(seen.text, [secret.subarray(0, 32), secret], 'signer');
  });

  it('an off-chain-envelope signature (Ledger) makes a grant that parses and signs', async () => {
    const s = setup(3);
    const grant = await enable(s, {}, await enableAuthorization(s.owner, { agent: s.agent.address, offchain: true }));
    expect(grant.authorization.signedAs).toBe('offchain-v1');
    expect(parseGrant(serializeGrant(grant))).toEqual(grant);
    expect((await use(grant)).length).toBe(64);
  });
});

describe('execution grants: refusals at use', () => {
  it('expired, not yet valid', async () => {
    const s = setup(4);
    const grant = await enable(s);
    await expectCodeAsync(use(grant, { now: NOW + HOUR }), 'GRANT_EXPIRED');
    await expectCodeAsync(use(grant, { now: NOW + HOUR + 1 }), 'GRANT_EXPIRED');
    // 1 ms before the end the checks pass (the callback runs), but the signer re-checks the clock on
    // every call (SPEC 10.4.4), so sign with some margin.
    expect(await use(grant, { now: NOW + HOUR - 1 }, (signer) => signer.address)).toBe(grant.agent);
    expect((await use(grant, { now: NOW + HOUR - 60_000 })).length).toBe(64);
    const later = await enable(s, {}, await enableAuthorization(s.owner, { agent: s.agent.address, notBefore: NOW + 2 * HOUR }));
    await expectCodeAsync(use(later, { now: NOW + 2 * HOUR - 1 }), 'GRANT_NOT_YET_VALID');
    expect((await use(later, { now: NOW + 2 * HOUR })).length).toBe(64);
  });

  it("inside the callback the signer's clock is `now` plus elapsed wall time; it stops at min(grant end, policy notAfter)", async () => {
    const s = setup(40);
    const policy = basePolicy({ window: { notAfter: '2025-01-31T12:30:00Z' } });
    const grant = await enable(s, { policy }, await enableAuthorization(s.owner, { agent: s.agent.address, policy }));
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const wall = Date.UTC(2030, 0, 1); // the wall clock is elsewhere: only elapsed time counts
      vi.setSystemTime(wall);
      const seen = await use(grant, { policy, now: NOW + 30 * 60_000 - 2000, maxSignatures: 3 }, async (signer) => {
        const r: unknown[] = [(await signer.signTransactionMessage(simpleMessage(signer.address, DRIFT))).length];
        vi.setSystemTime(wall + 1999);
        r.push((await signer.signTransactionMessage(simpleMessage(signer.address, DRIFT, Uint8Array.of(2)))).length);
        vi.setSystemTime(wall + 2000); // = the policy's notAfter, half an hour before the grant ends
        r.push((await expectCodeAsync(signer.signTransactionMessage(simpleMessage(signer.address, DRIFT, Uint8Array.of(3))), 'SIGNING_REFUSED')).details?.['reason']);
        return r;
      });
      expect(seen).toEqual([64, 64, 'grant-expired']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('kill switch per bot and per wallet, and unkill (store and policy)', async () => {
    const s = setup(5);
    const grant = await enable(s);
    const revocations = newRevocations();
    await revocations.kill({ bot: BOT });
    await expectCodeAsync(use(grant, { revocations }), 'GRANT_KILLED');
    await revocations.unkill({ bot: BOT });
    expect((await use(grant, { revocations })).length).toBe(64);
    await revocations.kill({ wallet: s.owner.address });
    await expectCodeAsync(use(grant, { revocations }), 'GRANT_KILLED');
    await revocations.kill({ bot: 'another-bot' });
    await revocations.unkill({ wallet: s.owner.address });
    expect((await use(grant, { revocations })).length).toBe(64);
    const killed = basePolicy({ killSwitch: true });
    const g2 = await enable(s, { policy: killed }, await enableAuthorization(s.owner, { agent: s.agent.address, policy: killed }));
    const e = await expectCodeAsync(use(g2, { policy: killed }), 'GRANT_KILLED');
    expect(e.details?.['scope']).toBe('policy');
    const disabled = basePolicy({ enabled: false });
    const g3 = await enable(s, { policy: disabled }, await enableAuthorization(s.owner, { agent: s.agent.address, policy: disabled }));
    await expectCodeAsync(use(g3, { policy: disabled }), 'POLICY_VIOLATION');
  });

  it('a policy edited after enabling (raised limit) is refused: POLICY_MISMATCH', async () => {
    const s = setup(6);
    const grant = await enable(s);
    await expectCodeAsync(use(grant, { policy: basePolicy({ maxLeverage: '20' }) }), 'POLICY_MISMATCH');
    await expectCodeAsync(use(grant, { policy: basePolicy({ allowedPrograms: [DRIFT] }) }), 'POLICY_MISMATCH');
    await expectCodeAsync(use(grant, { policy: { ...basePolicy(), maxLeverage: 20 } as never }), 'POLICY_INVALID');
    // the same policy written differently is the same policy
    expect((await use(grant, { policy: { ...basePolicy(), maxLeverage: '3.00', allowedMarkets: ['BTC-PERP', 'SOL-PERP'] } })).length).toBe(64);
  });

  it('an order that violates the policy is refused before any key is unwrapped; every rule named', async () => {
    const s = setup(7);
    const grant = await enable(s);
    let unwraps = 0;
    const inner = wrapperV1();
    const counting: KeyWrapper = { id: inner.id, currentVersion: inner.currentVersion, wrap: (k, c) => inner.wrap(k, c), unwrap: (w, c) => (unwraps++, inner.unwrap(w, c)) };
    const e = await expectCodeAsync(use(grant, { wrapper: counting, order: { ...goodOrder, market: 'DOGE', leverage: '9' } }), 'POLICY_VIOLATION');
    expect([...(e.details?.['rules'] as string[])].sort()).toEqual(['leverage', 'market']);
    expect(unwraps).toBe(0);
    await use(grant, { wrapper: counting });
    expect(unwraps).toBe(1);
  });

  it('checks run in the documented order (revoked > killed > window > policy)', async () => {
    const s = setup(8);
    const grant = await enable(s);
    const r = newRevocations();
    await r.revoke(grant.id);
    await r.kill({ bot: BOT });
    const badPolicy = basePolicy({ maxLeverage: '9' });
    await expectCodeAsync(use(grant, { revocations: r, now: NOW + 2 * HOUR, policy: badPolicy }), 'GRANT_REVOKED');
    const k = newRevocations();
    await k.kill({ bot: BOT });
    await expectCodeAsync(use(grant, { revocations: k, now: NOW + 2 * HOUR, policy: badPolicy }), 'GRANT_KILLED');
    await expectCodeAsync(use(grant, { now: NOW + 2 * HOUR, policy: badPolicy }), 'GRANT_EXPIRED');
    await expectCodeAsync(use(grant, { policy: badPolicy, order: {} as never }), 'POLICY_MISMATCH');
    await expectCodeAsync(use(grant, { order: {} as never }), 'POLICY_VIOLATION');
  });

  it('store errors propagate and odd answers fail closed', async () => {
    const s = setup(9);
    const grant = await enable(s);
    const down: RevocationStore = {
      revoke: async () => {},
      kill: async () => ({ applied: true, version: 1 }),
      unkill: async () => ({ applied: true, version: 2 }),
      killState: async () => ({ killed: false, version: 0 }),
      isRevoked: async () => {
        throw new AgentvaultError('STORE_UNAVAILABLE', 'redis is down');
      },
      isKilled: async () => false,
    };
    await expectCodeAsync(use(grant, { revocations: down }), 'STORE_UNAVAILABLE');
    await expectCodeAsync(use(grant, { revocations: { ...down, isRevoked: async () => undefined as never } }), 'GRANT_REVOKED');
    await expectCodeAsync(use(grant, { revocations: { ...down, isRevoked: async () => false, isKilled: async () => 'no' as never } }), 'GRANT_KILLED');
    await expectCodeAsync(use(grant, { revocations: {} as never }), 'INVALID_INPUT');
  });

  it('a grant used with another wrapper key, or edited fields outside the signed message, fails to unwrap', async () => {
    const s = setup(10);
    const grant = await enable(s);
    await expectCodeAsync(use(grant, { wrapper: new LocalKeyWrapper({ keys: { v1: KEK2 } }) }), 'UNWRAP_FAILED');
    const other = setup(11);
    // The agent is signed (urn:agentvault:agent:...): an edit is INTEGRITY; the user is not signed
    // but bound to the wrap context.
    await expectCodeAsync(use({ ...grant, agent: other.agent.address }), 'INTEGRITY');
    await expectCodeAsync(use({ ...grant, user: other.owner.address }), 'UNWRAP_FAILED');
    await expectCodeAsync(use({ ...grant, id: 'f'.repeat(32) }), 'UNWRAP_FAILED');
  });
});

describe('execution grants: the key lifetime', () => {
  it('after the callback (normal or thrown) every key buffer is zero and the signer refuses', async () => {
    const s = setup(12);
    const grant = await enable(s);
    const secret = agentSecret(s);
    for (const mode of ['return', 'throw', 'async-throw'] as const) {
      const buffers: Uint8Array[] = [];
      _observeKeyBuffersForTests((b) => buffers.push(b));
      let kept: ExecutionSigner | undefined;
      const run = use(grant, {}, async (signer) => {
        kept = signer;
        // inside: the buffers hold the live keys
        expect(buffers.length).toBe(2);
        expect(buffers.some((b) => b.length === 64 && Buffer.from(b).equals(Buffer.from(secret)))).toBe(true);
        expect(buffers.every((b) => b.some((x) => x !== 0))).toBe(true);
        const sig = await signer.signTransactionMessage(simpleMessage(signer.address, DRIFT));
        if (mode === 'throw') throw new Error('bot crashed');
        if (mode === 'async-throw') return Promise.reject(new Error('bot crashed later'));
        return sig;
      });
      if (mode === 'return') expect((await run).length).toBe(64);
      else await expect(run).rejects.toThrow(/bot crashed/);
      expect(buffers.length).toBe(2);
      for (const b of buffers) expect(b.every((x) => x === 0), `${mode}: buffer of ${b.length} bytes zeroed`).toBe(true);
      expect((await expectCodeAsync(kept!.signTransactionMessage(simpleMessage(kept!.address, DRIFT)), 'SIGNING_REFUSED')).details?.['reason']).toBe('signer-closed');
    }
  });

  it('the seam can fail: a buffer that was not zeroed would be caught', async () => {
    const s = setup(13);
    const grant = await enable(s);
    const copies: Uint8Array[] = [];
    _observeKeyBuffersForTests((b) => copies.push(Uint8Array.from(b)));
    await use(grant);
    expect(copies.some((b) => b.some((x) => x !== 0))).toBe(true);
  });

  it('createExecutionGrant zeroes the data key and the opened agent key', async () => {
    const s = setup(14);
    const buffers: Uint8Array[] = [];
    _observeKeyBuffersForTests((b) => buffers.push(b));
    await enable(s);
    expect(buffers.length).toBe(2);
    for (const b of buffers) expect(b.every((x) => x === 0)).toBe(true);
  });

  it('a System transfer asked for inside the callback is refused', async () => {
    const s = setup(15);
    const grant = await enable(s);
    const other = setup(16).owner.address;
    await expectCodeAsync(
      use(grant, {}, (signer) => signer.signTransactionMessage(simpleMessage(signer.address, SYSTEM, systemTransferData(10n ** 9n), [other]))),
      'SIGNING_REFUSED',
    );
  });
});

describe('execution grants: refusals at creation', () => {
  it('a window above the maximum is refused (default 7 days; configurable down; ceiling 90 days)', async () => {
    const s = setup(17);
    const long = await enableAuthorization(s.owner, { agent: s.agent.address, windowMs: 8 * DAY, maxGrantWindowMs: 30 * DAY });
    await expectCodeAsync(enable(s, {}, long), 'GRANT_WINDOW_TOO_LONG');
    const twoHours = await enableAuthorization(s.owner, { agent: s.agent.address, windowMs: 2 * HOUR });
    await expectCodeAsync(enable(s, { maxWindowMs: HOUR }, twoHours), 'GRANT_WINDOW_TOO_LONG');
    const ok = await enableAuthorization(s.owner, { agent: s.agent.address, windowMs: 7 * DAY });
    expect((await enable(s, {}, ok)).expiresAt).toBe('2025-02-07T12:00:00Z');
    await expectCodeAsync(enable(s, { maxWindowMs: 91 * DAY }), 'INVALID_INPUT');
  });

  it('authorization: missing, fake, wrong purpose, another wallet, spent, expired', async () => {
    const s = setup(18);
    await expectCodeAsync(enable(s, { authorization: undefined as never }), 'AUTHORIZATION_REQUIRED');
    await expectCodeAsync(enable(s, { authorization: { ...(await enableAuthorization(s.owner, { agent: s.agent.address })) } }), 'AUTHORIZATION_REQUIRED');
    await expectCodeAsync(enable(s, {}, fakeAuthorization(s.owner.address, 'unlock', NOW)), 'AUTHORIZATION_REQUIRED');
    await expectCodeAsync(enable(s, {}, fakeAuthorization(s.owner.address, 'enable-execution', NOW)), 'AUTHORIZATION_REQUIRED');
    const other = setup(19);
    await expectCodeAsync(enable(s, {}, await enableAuthorization(other.owner, { agent: other.agent.address })), 'AUTHORIZATION_REQUIRED');
    const auth = await enableAuthorization(s.owner, { agent: s.agent.address });
    await enable(s, {}, auth);
    await expectCodeAsync(enable(s, {}, auth), 'AUTHORIZATION_REQUIRED');
    await expectCodeAsync(enable(s, { now: NOW + 16 * 60_000 }), 'AUTHORIZATION_REQUIRED');
  });

  it('policy: not the signed one (POLICY_MISMATCH), invalid, or a window that never meets the grant window', async () => {
    const s = setup(20);
    await expectCodeAsync(enable(s, { policy: basePolicy({ maxLeverage: '4' }) }), 'POLICY_MISMATCH');
    await expectCodeAsync(enable(s, { policy: { ...basePolicy(), extra: 1 } as never }), 'POLICY_INVALID');
    const past = basePolicy({ window: { notAfter: '2025-01-01T00:00:00Z' } });
    await expectCodeAsync(enable(s, { policy: past }, await enableAuthorization(s.owner, { agent: s.agent.address, policy: past })), 'POLICY_INVALID');
  });

  it('agent key: another vault cannot open it; it is bound to the agent address, which is required', async () => {
    const s = setup(21);
    const other = setup(22);
    await expectCodeAsync(enable(s, { agentKeyRecord: other.agent.records.agentKey }), 'KEY_MISMATCH');
    // The address is in the record context: a wrong address, or another agent's record of the same
    // vault under this agent's address, does not open.
    const signedFor = (agent: string) => enableAuthorization(s.owner, { agent });
    await expectCodeAsync(enable(s, { agentAddress: other.agent.address }, await signedFor(other.agent.address)), 'CONTEXT_MISMATCH');
    const second = createAgentWallet(s.vault);
    await expectCodeAsync(enable(s, { agentKeyRecord: second.records.agentKey }), 'CONTEXT_MISMATCH');
    expect((await enable(s, { agentKeyRecord: second.records.agentKey, agentAddress: second.address }, await signedFor(second.address))).agent).toBe(second.address);
    // The user signed for one agent wallet: the grant cannot be made for another one, even of the
    // same vault (and the authorization is spent by the attempt).
    const forFirst = await signedFor(s.agent.address);
    const e = await expectCodeAsync(enable(s, { agentKeyRecord: second.records.agentKey, agentAddress: second.address }, forFirst), 'AUTHORIZATION_REQUIRED');
    expect(e.details?.['field']).toBe('agentAddress');
    await expectCodeAsync(enable(s, {}, forFirst), 'AUTHORIZATION_REQUIRED');
    expect((await enable(s, { agentAddress: s.agent.address })).agent).toBe(s.agent.address);
    // Required and checked before the authorization is spent.
    const auth = await enableAuthorization(s.owner, { agent: s.agent.address });
    await expectCodeAsync(enable(s, { agentAddress: undefined }, auth), 'INVALID_INPUT');
    await expectCodeAsync(enable(s, { agentAddress: 'not-an-address' }, auth), 'INVALID_INPUT');
    await expectCodeAsync(enable(s, { agentKeyFields: { agent: s.agent.address } }, auth), 'INVALID_INPUT');
    expect((await enable(s, {}, auth)).agent).toBe(s.agent.address);
    await expectCodeAsync(enable(s, { vault: { owner: s.owner.address } as never }), 'INVALID_INPUT');
  });
});

describe('execution grants: rewrap and rotation', () => {
  it('rewrapGrant moves a grant to the newest key version; the old key can then be retired', async () => {
    const s = setup(23);
    const grant = await enable(s, { wrapper: wrapperV1() });
    const both = wrapperV1V2();
    const moved = await rewrapGrant(grant, both);
    expect(moved.wrappedKey.version).toBe('v2');
    expect({ ...moved, wrappedKey: undefined }).toEqual({ ...grant, wrappedKey: undefined });
    expect(await rewrapGrant(moved, both)).toEqual(moved);
    const v2only = new LocalKeyWrapper({ keys: { v2: KEK2 } });
    expect((await use(moved, { wrapper: v2only })).length).toBe(64);
    await expectCodeAsync(use(grant, { wrapper: v2only }), 'UNWRAP_FAILED');
    expect((await use(grant, { wrapper: both })).length).toBe(64);
    // moving to another wrapper
    const inner = wrapperV1();
    const kms: KeyWrapper = { id: 'test-kms', currentVersion: 'k1', wrap: async (k, c) => ({ ...(await inner.wrap(k, c)), wrapper: 'test-kms', version: 'k1' }), unwrap: (w, c) => inner.unwrap({ ...w, wrapper: 'local', version: 'v1' }, c) };
    const toKms = await rewrapGrant(grant, wrapperV1(), { to: kms });
    expect(toKms.wrappedKey.wrapper).toBe('test-kms');
    expect((await use(toKms, { wrapper: kms })).length).toBe(64);
  });
});

describe('execution grants: the JSON format', () => {
  let shared: { s: Setup; grant: ExecutionGrant } | undefined;
  async function fixture() {
    if (!shared) {
      const s = setup(30);
      shared = { s, grant: await enable(s) };
    }
    return shared;
  }

  it('round trip: serialize -> parse -> equal; parse(object) = parse(text); the grant holds no plaintext key', async () => {
    const { s, grant } = await fixture();
    const text = serializeGrant(grant);
    expect(parseGrant(text)).toEqual(grant);
    expect(parseGrant(JSON.parse(text))).toEqual(grant);
    expect(Object.isFrozen(parseGrant(text))).toBe(true);
    const secret = agentSecret(s);
    expectNoSecretIn(text + inspect(grant, { depth: 10 }), [secret, secret.subarray(0, 32)], 'grant');
  });

  it('fields that the user signed cannot be edited: INTEGRITY; a forged signature: INVALID_SIGNATURE', async () => {
    const { grant } = await fixture();
    expectCode(() => parseGrant({ ...grant, bot: 'bot-2' }), 'INTEGRITY');
    expectCode(() => parseGrant({ ...grant, policyHash: 'ab'.repeat(32) }), 'INTEGRITY');
    expectCode(() => parseGrant({ ...grant, agent: setup(35).agent.address }), 'INTEGRITY');
    expectCode(() => parseGrant({ ...grant, user: undefined }), 'INVALID_INPUT');
    expectCode(() => parseGrant({ ...grant, expiresAt: '2025-02-28T12:00:00Z' }), 'INTEGRITY');
    expectCode(() => parseGrant({ ...grant, notBefore: '2025-01-31T11:00:00Z' }), 'INTEGRITY');
    expectCode(() => parseGrant({ ...grant, owner: setup(31).owner.address }), 'INVALID_SIGNATURE');
    const sig = Buffer.from(grant.authorization.signature, 'base64');
    sig[5]! ^= 1;
    expectCode(() => parseGrant({ ...grant, authorization: { ...grant.authorization, signature: sig.toString('base64') } }), 'INVALID_SIGNATURE');
    expectCode(() => parseGrant({ ...grant, authorization: { ...grant.authorization, signedAs: 'offchain-v1' } }), 'INVALID_SIGNATURE');
    expectCode(() => parseGrant({ ...grant, v: 2 }), 'UNSUPPORTED_VERSION');
    expectCode(() => parseGrant({ ...grant, extra: 1 }), 'INVALID_INPUT');
    expectCode(() => parseGrant({ ...grant, createdAt: '2025-01-31T12:00:00.000Z' }), 'INVALID_INPUT');
  });

  it('wrong context: a grant whose wrap context differs does not unwrap', async () => {
    const { grant } = await fixture();
    const w = wrapperV1();
    await expect(w.unwrap(grant.wrappedKey, grantWrapContext(grant))).resolves.toBeDefined();
    for (const change of [{ id: '0'.repeat(32) }, { bot: 'bot-2' }, { agent: setup(32).agent.address }, { policyHash: 'cd'.repeat(32) }, { notBefore: '2025-01-31T12:00:01Z' }, { expiresAt: '2025-01-31T13:00:01Z' }, { owner: setup(33).owner.address }, { user: setup(36).owner.address }])
      await expectCodeAsync(w.unwrap(grant.wrappedKey, grantWrapContext({ ...grant, ...change })), 'UNWRAP_FAILED');
  });

  it('fast-check: single-bit flips of the wrapped key or the sealed agent key are rejected', async () => {
    const { grant } = await fixture();
    const wrapped = Buffer.from(grant.wrappedKey.data, 'base64url');
    const sealed = Buffer.from(grant.agentKey.slice('avr1.'.length), 'base64url');
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.nat(), async (which, bitSeed) => {
        const src = which ? wrapped : sealed;
        const bit = bitSeed % (src.length * 8);
        const b = Buffer.from(src);
        b[bit >> 3]! ^= 1 << (bit & 7);
        const mutated = which
          ? { ...grant, wrappedKey: { ...grant.wrappedKey, data: b.toString('base64url') } }
          : { ...grant, agentKey: `avr1.${b.toString('base64url')}` };
        let err: unknown;
        try {
          await use(mutated);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(AgentvaultError);
        expect(['INVALID_INPUT', 'UNWRAP_FAILED', 'INTEGRITY', 'KEY_MISMATCH', 'CONTEXT_MISMATCH', 'UNSUPPORTED_VERSION']).toContain((err as AgentvaultError).code);
      }),
      { numRuns: 150 },
    );
  });

  it('fast-check: the parser throws only library errors; an accepted edit touches only unsigned fields and then fails at use', async () => {
    const { grant } = await fixture();
    const text = serializeGrant(grant);
    const keys = Object.keys(grant);
    const unsigned = ['id', 'user', 'wrappedKey', 'agentKey', 'createdAt'];
    let acceptedEdits = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.tuple(fc.constantFrom(...keys), fc.jsonValue()).map(([k, v]) => JSON.stringify({ ...grant, [k]: v })),
          fc.tuple(fc.nat(), fc.nat(255)).map(([i, c]) => text.slice(0, i % text.length) + String.fromCharCode(c) + text.slice((i % text.length) + 1)),
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc.constantFrom(
            JSON.stringify({ ...grant, id: 'f'.repeat(32) }),
            JSON.stringify({ ...grant, wrappedKey: { ...grant.wrappedKey, data: `B${grant.wrappedKey.data.slice(1)}` } }),
            JSON.stringify({ ...grant, user: setup(34).owner.address }),
          ),
        ),
        async (candidate) => {
          let g: ExecutionGrant;
          try {
            g = parseGrant(candidate);
          } catch (e) {
            expect(e).toBeInstanceOf(AgentvaultError);
            return;
          }
          const changed = keys.filter((k) => JSON.stringify(g[k as keyof ExecutionGrant]) !== JSON.stringify(grant[k as keyof ExecutionGrant]));
          for (const k of changed) expect(unsigned).toContain(k);
          if (changed.length === 0 || (changed.length === 1 && changed[0] === 'createdAt')) return;
          acceptedEdits++;
          let err: unknown;
          try {
            await use(g);
          } catch (e) {
            err = e;
          }
          expect(err, `edited ${changed.join(',')}`).toBeInstanceOf(AgentvaultError);
        },
      ),
      { numRuns: 400 },
    );
    expect(acceptedEdits).toBeGreaterThan(0);
  });
});
