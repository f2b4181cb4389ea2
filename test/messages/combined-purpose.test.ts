/**
 * SPEC 7.4.1: the combined `unlock-and-enable-execution` purpose. One SIWS message carries the
 * unlock purpose and the enable-execution grant URNs; it stands for exactly those two operations,
 * each at most once, with one nonce consumed once. It is never a plain sign-in, unlock,
 * enable-execution, reveal or app authorization, and a plain unlock or enable-execution message
 * never stands for it. Messages are signed with tweetnacl; the vault, agent wallet and grant are real.
 */
import { describe, expect, it } from 'vitest';
import { createAgentWallet } from '../../src/derivation/agent-wallet.js';
import { createExecutionGrant, parseGrant, serializeGrant, signedPolicySummary } from '../../src/execution/grant.js';
import { policyHash, summarizePolicy, normalizePolicy } from '../../src/execution/policy/index.js';
import { revealMnemonic } from '../../src/execution/reveal.js';
import { _useAuthorizationPart, useAuthorization, type VerifiedMessage } from '../../src/messages/authorization.js';
import { issueChallenge, verifySignedMessage } from '../../src/messages/challenge.js';
import {
  BUILTIN_PURPOSES,
  COMBINED_PURPOSES,
  definePurpose,
  MESSAGE_LIFETIME_MS,
  readSignedPurpose,
  statementEnableExecution,
  statementUnlockAndEnableExecution,
  type Purpose,
} from '../../src/messages/purposes.js';
import { parseSiwsMessage } from '../../src/messages/siws.js';
import { MemoryNonceStore, MemoryRateLimiter } from '../../src/stores/memory.js';
import { createVault, prepareVault, unlockVault, unlockVaultWithRecovery } from '../../src/vault/vault.js';
import { basePolicy, wrapperV1 } from '../execution/_fixtures.js';
import { fakeAuthorization } from '../helpers/auth.js';
import { expectCode, expectCodeAsync } from '../helpers/errors.js';
import { testWallet, type TestWallet } from '../helpers/wallet.js';

const NOW = Date.UTC(2025, 0, 31, 12, 0, 0);
const MIN = 60_000;
const DOMAIN = 'app.example.com';
const URI = 'https://app.example.com/bots';
const COMBINED = 'unlock-and-enable-execution';
const owner = testWallet(1);
const mallory = testWallet(0x40);
const AGENT = testWallet(0x50).address;
const HASH = 'ab'.repeat(32);

const newStore = () => new MemoryNonceStore({ sweepIntervalMs: 0, clock: () => NOW });
const grantOf = (over: Record<string, unknown> = {}) => ({ bot: 'bot-1', agent: AGENT, policyHash: HASH, ...over });
const expectedFor = (purpose: Purpose, extra: Record<string, unknown> = {}) => ({ domain: DOMAIN, uri: URI, chain: 'mainnet' as const, purpose, ...extra });

async function issueFor(purpose: Purpose, nonces: MemoryNonceStore, extra: Record<string, unknown> = {}, w: TestWallet = owner) {
  const withGrant = purpose === 'enable-execution' || purpose === COMBINED;
  return issueChallenge({ purpose, domain: DOMAIN, uri: URI, chain: 'mainnet', address: w.address, nonces, now: NOW, ...(withGrant ? { grant: grantOf() } : {}), ...extra } as never);
}
async function verifiedAs(purpose: Purpose, w: TestWallet = owner, extra: Record<string, unknown> = {}): Promise<VerifiedMessage> {
  const nonces = newStore();
  const { message } = await issueFor(purpose, nonces, extra, w);
  return verifySignedMessage({ message, signature: w.sign(message), nonces, expected: expectedFor(purpose), now: NOW });
}

describe('the message', () => {
  it('is built-in, lives 10 min (the shorter of unlock and enable-execution), stands for exactly unlock + enable-execution', () => {
    expect(BUILTIN_PURPOSES).toContain(COMBINED);
    expect(MESSAGE_LIFETIME_MS[COMBINED]).toBe(Math.min(MESSAGE_LIFETIME_MS.unlock, MESSAGE_LIFETIME_MS['enable-execution']));
    expect(MESSAGE_LIFETIME_MS[COMBINED]).toBe(10 * MIN);
    expect(COMBINED_PURPOSES).toEqual({ [COMBINED]: ['unlock', 'enable-execution'] });
    expect(Object.isFrozen(COMBINED_PURPOSES[COMBINED])).toBe(true);
  });

  it('text: both sentences in the statement, the purpose URN then the five grant URNs in order', async () => {
    const nonces = newStore();
    const ch = await issueFor(COMBINED, nonces, { grant: grantOf({ notBefore: NOW + 60 * MIN, windowMs: 24 * 60 * MIN }) });
    const f = parseSiwsMessage(ch.message);
    expect(f.statement).toBe(
      'Unlock your encrypted keys on this server for this session, and allow bot bot-1 to trade from your agent wallet from 2025-01-31T13:00:00Z until 2025-02-01T13:00:00Z, within the risk policy you approved. You can revoke this at any time.',
    );
    expect(f.resources).toEqual([
      'urn:agentvault:purpose:unlock-and-enable-execution',
      'urn:agentvault:bot:bot-1',
      `urn:agentvault:agent:${AGENT}`,
      `urn:agentvault:policy:sha256:${HASH}`,
      'urn:agentvault:grant-not-before:2025-01-31T13:00:00Z',
      'urn:agentvault:grant-expires:2025-02-01T13:00:00Z',
    ]);
    expect(ch.expiresAt).toBe(NOW + 10 * MIN);
    const v = await verifySignedMessage({ message: ch.message, signature: owner.sign(ch.message), nonces, expected: expectedFor(COMBINED), now: NOW });
    expect(v.purpose).toBe(COMBINED);
    expect(v.params).toEqual({ bot: 'bot-1', agent: AGENT, policyHash: HASH, grantNotBefore: '2025-01-31T13:00:00Z', grantExpires: '2025-02-01T13:00:00Z' });
  });

  it('with a policy summary (v2): the statement carries the limits; params.policySummary', async () => {
    const policy = normalizePolicy({ ...basePolicy() });
    const summary = summarizePolicy(policy);
    const nonces = newStore();
    const ch = await issueFor(COMBINED, nonces, { grant: grantOf({ policySummary: summary }) });
    const f = parseSiwsMessage(ch.message);
    expect(f.statement).toBe(statementUnlockAndEnableExecution('bot-1', '2025-01-31T12:00:00Z', '2025-01-31T13:00:00Z', summary));
    expect(f.statement!.startsWith('Unlock your encrypted keys on this server for this session, and allow bot bot-1 to trade')).toBe(true);
    expect(f.statement!.endsWith(`Limits: ${summary}`)).toBe(true);
    expect(readSignedPurpose(f.resources, f.statement)?.params['policySummary']).toBe(summary);
  });

  it('lifetime: at most 10 min (LIFETIME_TOO_LONG beyond); a grant is required; grant checks apply', async () => {
    await issueFor(COMBINED, newStore(), { lifetimeMs: 10 * MIN });
    await expectCodeAsync(issueFor(COMBINED, newStore(), { lifetimeMs: 10 * MIN + 1000 }), 'LIFETIME_TOO_LONG');
    await expectCodeAsync(
      issueChallenge({ purpose: COMBINED, domain: DOMAIN, uri: URI, chain: 'mainnet', address: owner.address, nonces: newStore(), now: NOW }),
      'INVALID_INPUT',
    );
    await expectCodeAsync(issueFor(COMBINED, newStore(), { grant: grantOf({ agent: 'not-an-address' }) }), 'INVALID_INPUT');
    await expectCodeAsync(issueFor(COMBINED, newStore(), { grant: grantOf({ windowMs: 8 * 24 * 60 * MIN }) }), 'GRANT_WINDOW_TOO_LONG');
    // Grant parameters remain refused on plain unlock.
    await expectCodeAsync(issueFor('unlock', newStore(), { grant: grantOf() }), 'INVALID_INPUT');
  });
});

describe('reading the signed text: every tampered form names no purpose', () => {
  const nb = '2025-01-31T12:00:00Z';
  const ex = '2025-01-31T13:00:00Z';
  const good = [
    'urn:agentvault:purpose:unlock-and-enable-execution',
    'urn:agentvault:bot:bot-1',
    `urn:agentvault:agent:${AGENT}`,
    `urn:agentvault:policy:sha256:${HASH}`,
    `urn:agentvault:grant-not-before:${nb}`,
    `urn:agentvault:grant-expires:${ex}`,
  ];
  const statement = statementUnlockAndEnableExecution('bot-1', nb, ex);
  it('the genuine form reads back', () => {
    expect(readSignedPurpose(good, statement)).toEqual({ purpose: COMBINED, params: { bot: 'bot-1', agent: AGENT, policyHash: HASH, grantNotBefore: nb, grantExpires: ex } });
  });
  const swap = (i: number, j: number) => good.map((r, k) => (k === i ? good[j]! : k === j ? good[i]! : r));
  const cases: [string, readonly string[], string][] = [
    ['bot URN missing', good.filter((_, i) => i !== 1), statement],
    ['agent URN malformed', good.map((r, i) => (i === 2 ? 'urn:agentvault:agent:xyz' : r)), statement],
    ['policy hash malformed', good.map((r, i) => (i === 3 ? 'urn:agentvault:policy:sha256:AB' : r)), statement],
    ['not-before malformed', good.map((r, i) => (i === 4 ? 'urn:agentvault:grant-not-before:2025-01-31 12:00' : r)), statement],
    ['expiry malformed', good.map((r, i) => (i === 5 ? 'urn:agentvault:grant-expires:tomorrow' : r)), statement],
    ['bot and agent swapped', swap(1, 2), statement],
    ['not-before and expiry swapped', swap(4, 5), statement],
    ['policy and not-before swapped', swap(3, 4), statement],
    ['purpose URN not first', swap(0, 1), statement],
    ['a second library URN after the grant URNs', [...good, 'urn:agentvault:purpose:sign-in'], statement],
    ['statement names another bot', good, statementUnlockAndEnableExecution('bot-2', nb, ex)],
    ['statement names another window', good, statementUnlockAndEnableExecution('bot-1', nb, '2025-01-31T14:00:00Z')],
    // Purpose confusion in the text itself: the combined URN with a plain statement, and back.
    ['combined URN, enable-execution statement', good, statementEnableExecution('bot-1', nb, ex)],
    ['enable-execution URN, combined statement', good.map((r, i) => (i === 0 ? 'urn:agentvault:purpose:enable-execution' : r)), statement],
    ['unlock URN, combined statement', ['urn:agentvault:purpose:unlock', ...good.slice(1)], statement],
    [
      'combined URN, unlock statement',
      good,
      'Unlock your encrypted keys on this server for this session. This request will not trigger a blockchain transaction or cost any fee.',
    ],
  ];
  for (const [name, resources, st] of cases) it(name, () => expect(readSignedPurpose(resources, st)).toBeUndefined());
});

describe('verification: a signed text other than the issued one, purpose confusion, replay', () => {
  async function signedCombined() {
    const nonces = newStore();
    const { message } = await issueFor(COMBINED, nonces);
    return { nonces, message };
  }
  const tampers: [string, (t: string) => string][] = [
    ['another bot', (t) => t.replaceAll('bot-1', 'bot-2')],
    ['another agent', (t) => t.replaceAll(AGENT, mallory.address)],
    ['another policy hash', (t) => t.replaceAll(HASH, 'cd'.repeat(32))],
    ['a later not-before', (t) => t.replace('grant-not-before:2025-01-31T12:00:00Z', 'grant-not-before:2025-01-31T12:30:00Z')],
    ['a later expiry', (t) => t.replaceAll('2025-01-31T13:00:00Z', '2025-02-07T12:00:00Z')],
    ['URNs reordered', (t) => t.replace(/(- urn:agentvault:bot:[^\n]+)\n(- urn:agentvault:agent:[^\n]+)/, '$2\n$1')],
    ['the enable-execution purpose URN', (t) => t.replace('purpose:unlock-and-enable-execution', 'purpose:enable-execution')],
  ];
  for (const [name, tamper] of tampers) {
    it(`${name}, signed by the wallet: MESSAGE_MISMATCH`, async () => {
      const { nonces, message } = await signedCombined();
      const t = tamper(message);
      expect(t).not.toBe(message);
      await expectCodeAsync(verifySignedMessage({ message: t, signature: owner.sign(t), nonces, expected: expectedFor(COMBINED), now: NOW }), 'MESSAGE_MISMATCH');
    });
  }

  it('expected params that differ in any resource: PURPOSE_MISMATCH, nothing consumed', async () => {
    const { nonces, message } = await signedCombined();
    const signature = owner.sign(message);
    const params = { bot: 'bot-1', agent: AGENT, policyHash: HASH, grantNotBefore: '2025-01-31T12:00:00Z', grantExpires: '2025-01-31T13:00:00Z' };
    for (const [k, v] of [['bot', 'bot-2'], ['agent', mallory.address], ['policyHash', 'cd'.repeat(32)], ['grantNotBefore', '2025-01-31T12:00:01Z'], ['grantExpires', '2025-01-31T13:00:01Z']])
      await expectCodeAsync(verifySignedMessage({ message, signature, nonces, expected: expectedFor(COMBINED, { params: { ...params, [k!]: v } }), now: NOW }), 'PURPOSE_MISMATCH');
    const v = await verifySignedMessage({ message, signature, nonces, expected: expectedFor(COMBINED, { params }), now: NOW });
    expect(v.params).toEqual(params);
  });

  it('a combined message is never verified as sign-in, unlock, enable-execution, reveal or an app purpose (and is not consumed)', async () => {
    const { nonces, message } = await signedCombined();
    const signature = owner.sign(message);
    const app = definePurpose({ name: 'app:export', statement: 'Export my data.', lifetimeMs: 60_000 });
    for (const purpose of ['sign-in', 'unlock', 'enable-execution', 'reveal-mnemonic', app.name] as Purpose[])
      await expectCodeAsync(verifySignedMessage({ message, signature, nonces, expected: expectedFor(purpose), now: NOW }), 'PURPOSE_MISMATCH');
    expect((await verifySignedMessage({ message, signature, nonces, expected: expectedFor(COMBINED), now: NOW })).purpose).toBe(COMBINED);
  });

  it('a plain unlock or enable-execution message is never verified as the combined purpose', async () => {
    for (const purpose of ['unlock', 'enable-execution'] as const) {
      const nonces = newStore();
      const { message } = await issueFor(purpose, nonces);
      await expectCodeAsync(verifySignedMessage({ message, signature: owner.sign(message), nonces, expected: expectedFor(COMBINED), now: NOW }), 'PURPOSE_MISMATCH');
    }
  });

  it('replay: one nonce, consumed once', async () => {
    const { nonces, message } = await signedCombined();
    const signature = owner.sign(message);
    await verifySignedMessage({ message, signature, nonces, expected: expectedFor(COMBINED), now: NOW });
    await expectCodeAsync(verifySignedMessage({ message, signature, nonces, expected: expectedFor(COMBINED), now: NOW }), 'NONCE_UNKNOWN');
  });
});

describe('useAuthorization: exactly unlock + enable-execution, each once', () => {
  const expectation = (purpose: string, address = owner.address) => ({ purpose, address, domain: DOMAIN, chain: 'mainnet', now: NOW });

  it('the public useAuthorization never takes a combined authorization for one of its parts, or for anything else', async () => {
    const auth = await verifiedAs(COMBINED);
    for (const p of ['unlock', 'enable-execution', 'sign-in', 'reveal-mnemonic', 'app:export'])
      expectCode(() => useAuthorization(auth, expectation(p)), 'AUTHORIZATION_REQUIRED');
    // Spent whole, once.
    useAuthorization(auth, expectation(COMBINED));
    expectCode(() => useAuthorization(auth, expectation(COMBINED)), 'AUTHORIZATION_REQUIRED');
    expectCode(() => _useAuthorizationPart(auth, expectation('unlock')), 'AUTHORIZATION_REQUIRED');
  });

  it('parts: unlock once and enable-execution once, in either order; then nothing', async () => {
    for (const order of [['unlock', 'enable-execution'], ['enable-execution', 'unlock']]) {
      const auth = await verifiedAs(COMBINED);
      _useAuthorizationPart(auth, expectation(order[0]!));
      expectCode(() => _useAuthorizationPart(auth, expectation(order[0]!)), 'AUTHORIZATION_REQUIRED');
      expectCode(() => useAuthorization(auth, expectation(COMBINED)), 'AUTHORIZATION_REQUIRED');
      _useAuthorizationPart(auth, expectation(order[1]!));
      expectCode(() => _useAuthorizationPart(auth, expectation(order[1]!)), 'AUTHORIZATION_REQUIRED');
    }
  });

  it('parts are only unlock and enable-execution; wallet, domain, expiry still checked', async () => {
    const auth = await verifiedAs(COMBINED);
    for (const p of ['sign-in', 'reveal-mnemonic', 'app:export']) expectCode(() => _useAuthorizationPart(auth, expectation(p)), 'AUTHORIZATION_REQUIRED');
    expectCode(() => _useAuthorizationPart(auth, expectation('unlock', mallory.address)), 'AUTHORIZATION_REQUIRED');
    expectCode(() => _useAuthorizationPart(auth, { ...expectation('unlock'), domain: 'evil.example' }), 'AUTHORIZATION_REQUIRED');
    expectCode(() => _useAuthorizationPart(auth, { ...expectation('unlock'), now: NOW + 10 * MIN + 1 }), 'AUTHORIZATION_REQUIRED');
    // None of the refusals spent anything.
    _useAuthorizationPart(auth, expectation('unlock'));
    _useAuthorizationPart(auth, expectation('enable-execution'));
  });

  it('a plain unlock or enable-execution authorization never stands for the combined purpose', async () => {
    for (const p of ['unlock', 'enable-execution'] as const) {
      const auth = await verifiedAs(p);
      expectCode(() => useAuthorization(auth, expectation(COMBINED)), 'AUTHORIZATION_REQUIRED');
      expectCode(() => _useAuthorizationPart(auth, expectation(COMBINED)), 'AUTHORIZATION_REQUIRED');
    }
  });
});

describe('the vault and the grant: unlockVault and createExecutionGrant accept it, nothing else does', () => {
  /** A vault with an agent wallet, locked; the combined message names that agent and policy. */
  function enrolled() {
    const prepared = prepareVault({ address: owner.address, domain: DOMAIN, chain: 'mainnet' });
    const sig = owner.sign(prepared.keyMessage);
    const { vault, unlocked } = createVault({ prepared, signatures: [sig, sig], authorization: fakeAuthorization(owner.address, 'unlock'), recovery: { kind: 'code' } as never });
    const agent = createAgentWallet(unlocked!, { fields: { bot: 'bot-1' } });
    unlocked!.lock();
    return { vault, agent, keySignature: sig };
  }
  const policy = basePolicy();
  const combinedFor = (agent: string, over: Record<string, unknown> = {}) => verifiedAs(COMBINED, owner, { grant: grantOf({ agent, policyHash: policyHash(policy), ...over }) });
  const grantOptions = (auth: VerifiedMessage, vault: ReturnType<typeof unlockVault>, agent: ReturnType<typeof createAgentWallet>, over: Record<string, unknown> = {}) => ({
    authorization: auth,
    vault,
    agentKeyRecord: agent.records.agentKey,
    agentKeyFields: { bot: 'bot-1' },
    agentAddress: agent.address,
    policy,
    wrapper: wrapperV1(),
    now: NOW,
    ...over,
  });

  it('one message: unlock, then a grant; the stored grant keeps the combined message and parses', async () => {
    const { vault, agent, keySignature } = enrolled();
    const auth = await combinedFor(agent.address);
    const unlocked = unlockVault(vault, { authorization: auth, signature: keySignature, clock: () => NOW });
    const grant = await createExecutionGrant(grantOptions(auth, unlocked, agent));
    expect(grant.agent).toBe(agent.address);
    expect(grant.authorization.message).toBe(auth.text);
    expect(parseGrant(serializeGrant(grant)).id).toBe(grant.id);
    expect(signedPolicySummary(grant)).toBeUndefined();
    // Each part once: no second unlock, no second grant from the same message.
    expectCode(() => unlockVault(vault, { authorization: auth, signature: keySignature, clock: () => NOW }), 'AUTHORIZATION_REQUIRED');
    await expectCodeAsync(createExecutionGrant(grantOptions(auth, unlocked, agent)), 'AUTHORIZATION_REQUIRED');
    unlocked.lock();
  });

  it('the grant checks still apply: another agent, another policy, another wallet', async () => {
    const { vault, agent, keySignature } = enrolled();
    const otherAgent = testWallet(0x60).address;
    let auth = await combinedFor(otherAgent);
    let unlocked = unlockVault(vault, { authorization: auth, signature: keySignature, clock: () => NOW });
    await expectCodeAsync(createExecutionGrant(grantOptions(auth, unlocked, agent)), 'AUTHORIZATION_REQUIRED');
    auth = await combinedFor(agent.address, { policyHash: 'cd'.repeat(32) });
    unlocked = unlockVault(vault, { authorization: auth, signature: keySignature, clock: () => NOW });
    await expectCodeAsync(createExecutionGrant(grantOptions(auth, unlocked, agent)), 'POLICY_MISMATCH');
    // Signed by another wallet: not an unlock of this vault.
    const stolen = await verifiedAs(COMBINED, mallory, { grant: grantOf({ agent: agent.address, policyHash: policyHash(policy) }) });
    expectCode(() => unlockVault(vault, { authorization: stolen, signature: keySignature, clock: () => NOW }), 'AUTHORIZATION_REQUIRED');
  });

  it('createVault, unlockVaultWithRecovery and revealMnemonic refuse it', async () => {
    const prepared = prepareVault({ address: owner.address, domain: DOMAIN, chain: 'mainnet' });
    const sig = owner.sign(prepared.keyMessage);
    expectCode(() => createVault({ prepared, signatures: [sig, sig], authorization: fakeAuthorization(owner.address, COMBINED) }), 'AUTHORIZATION_REQUIRED');
    const { vault, agent } = enrolled();
    expectCode(() => unlockVaultWithRecovery(vault, { authorization: fakeAuthorization(owner.address, COMBINED), recoveryCode: 'x', clock: () => Date.now() }), 'AUTHORIZATION_REQUIRED');
    const real = await combinedFor(agent.address);
    const prepared2 = prepareVault({ address: owner.address, domain: DOMAIN, chain: 'mainnet' });
    const sig2 = owner.sign(prepared2.keyMessage);
    expectCode(() => createVault({ prepared: prepared2, signatures: [sig2, sig2], authorization: real, clock: () => NOW }), 'AUTHORIZATION_REQUIRED');
    const { unlocked } = createVault({ prepared: prepared2, signatures: [sig2, sig2], authorization: fakeAuthorization(owner.address, 'unlock') });
    const a = createAgentWallet(unlocked!, { fields: { bot: 'bot-1' } });
    await expectCodeAsync(
      revealMnemonic({ authorization: real, vault: unlocked!, mnemonicRecord: a.records.mnemonic, agentAddress: a.address, fields: { bot: 'bot-1' }, limiter: new MemoryRateLimiter({ limit: 3, windowMs: 86_400_000 }), now: NOW }),
      'AUTHORIZATION_REQUIRED',
    );
    unlocked!.lock();
  });

  it('a plain enable-execution authorization does not unlock; a plain unlock does not make a grant', async () => {
    const { vault, agent, keySignature } = enrolled();
    const enable = await verifiedAs('enable-execution', owner, { grant: grantOf({ agent: agent.address, policyHash: policyHash(policy) }) });
    expectCode(() => unlockVault(vault, { authorization: enable, signature: keySignature, clock: () => NOW }), 'AUTHORIZATION_REQUIRED');
    const unlock = await verifiedAs('unlock');
    const unlocked = unlockVault(vault, { authorization: unlock, signature: keySignature, clock: () => NOW });
    const unlock2 = await verifiedAs('unlock');
    await expectCodeAsync(createExecutionGrant(grantOptions(unlock2, unlocked, agent)), 'AUTHORIZATION_REQUIRED');
    unlocked.lock();
  });
});
