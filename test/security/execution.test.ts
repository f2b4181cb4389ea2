/**
 * Security regression tests (headless execution, SPEC 10): E0-E8 of the adversarial review of
 * src/execution. Each `it` started as a failing proof of concept; it now asserts the fixed
 * behaviour with the library's error codes and refusal reasons, and fails again if the fix is
 * reverted. Messages are built with the naive wire encoder of the execution fixtures.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AgentvaultError } from '../../src/errors.js';
import { createAgentWallet } from '../../src/derivation/agent-wallet.js';
import { createExecutionGrant, grantParamsFromResources, parseGrant, withExecutionSigner, type ExecutionSignerOptions } from '../../src/execution/grant.js';
import { normalizePolicy } from '../../src/execution/policy/index.js';
import { createScopedSigner, type ExecutionSigner } from '../../src/execution/signer.js';
import { prepareVault, rewrapVault } from '../../src/vault/vault.js';
import {
  addr,
  basePolicy,
  BLOCKHASH,
  BOT,
  DOMAIN,
  DRIFT,
  enableAuthorization,
  encodeRaw,
  goodOrder,
  goodState,
  HOUR,
  newRevocations,
  NOW,
  setup,
  simpleMessage,
  TOKEN,
  wrapperV1,
  type Setup,
} from '../execution/_fixtures.js';
import { expectCode, expectCodeAsync } from '../helpers/errors.js';
import { testWallet } from '../helpers/wallet.js';

const ATA_PROGRAM = 'ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL';
const ALT_PROGRAM = 'AddressLookupTab1e1111111111111111111111111';
const SYSTEM = '11111111111111111111111111111111';
const ED25519_PRECOMPILE = 'Ed25519SigVerify111111111111111111111111111';
const attacker = testWallet(0x60);
const agentW = testWallet(0x70);
const key = (n: number) => testWallet(n).publicKey;
const NO_LIMITS = { notAfter: Infinity, maxSignatures: 16 };

function signerWith(allowedPrograms: string[], extra: Record<string, unknown> = {}) {
  const policy = normalizePolicy(basePolicy({ allowedPrograms, ...extra }));
  return createScopedSigner(Uint8Array.from(agentW.secretKey), agentW.address, policy, NO_LIMITS).signer;
}

/** The refusal reason of a SIGNING_REFUSED, or undefined if it signed. Any other error fails. */
async function refusedReason(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AgentvaultError && e.code === 'SIGNING_REFUSED') return String(e.details?.['reason']);
    throw e;
  }
  return undefined;
}

async function enable(s: Setup, policy = basePolicy()) {
  return createExecutionGrant({
    authorization: await enableAuthorization(s.owner, { policy, agent: s.agent.address }),
    vault: s.vault,
    agentKeyRecord: s.agent.records.agentKey,
    agentAddress: s.agent.address,
    policy,
    wrapper: wrapperV1(),
    now: NOW,
  });
}

function useOptions(owner: string, extra: Partial<ExecutionSignerOptions> = {}): ExecutionSignerOptions {
  return {
    wrapper: wrapperV1(),
    policy: basePolicy(),
    order: goodOrder,
    state: goodState,
    revocations: newRevocations(),
    now: NOW + 60_000,
    expected: { owner, bot: BOT },
    ...extra,
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('security: execution signer', () => {
  it('E0 fixed: with the real Token-2022 id allowlisted, Transfer / Approve / SetAuthority / CloseAccount-to-attacker / extensions are refused (token-instruction-not-allowed)', async () => {
    const REAL_TOKEN_2022 = 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb';
    const s = signerWith([DRIFT, REAL_TOKEN_2022]);
    // [agent token account (w), attacker token account / attacker (w), agent (owner, signer)]
    const keys = [addr(agentW.address), key(0xa1), attacker.publicKey, addr(REAL_TOKEN_2022)];
    const msg = (data: Uint8Array, accounts: number[]) =>
      encodeRaw({ version: 'legacy', header: [1, 0, 1], keys, blockhash: BLOCKHASH, instructions: [{ program: 3, accounts, data }] });
    const amount = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
    const cases: [string, Uint8Array, number[]][] = [
      ['Transfer', Uint8Array.of(3, ...amount), [1, 2, 0]],
      ['Approve', Uint8Array.of(4, ...amount), [1, 2, 0]],
      ['SetAuthority (AccountOwner -> attacker)', Uint8Array.of(6, 2, 1, ...attacker.publicKey), [1, 0]],
      ['CloseAccount to the attacker', Uint8Array.of(9), [1, 2, 0]],
      ['TransferChecked', Uint8Array.of(12, ...amount, 6), [1, 1, 2, 0]],
      ['TransferCheckedWithFee (ext 26/1)', Uint8Array.of(26, 1, ...amount, 6, ...amount), [1, 1, 2, 0]],
    ];
    for (const [name, data, accounts] of cases)
      expect.soft(await refusedReason(s.signTransactionMessage(msg(data, accounts))), name).toBe('token-instruction-not-allowed');
    // CloseAccount to the agent itself still signs.
    expect(await refusedReason(s.signTransactionMessage(msg(Uint8Array.of(9), [1, 0, 0])))).toBeUndefined();
  });

  it('E1 fixed: ATA Create/CreateIdempotent for a wallet other than the agent, RecoverNested for another wallet, and unknown ATA instructions are refused (ata-instruction-not-allowed)', async () => {
    // ATA Create accounts: [funder (ws), ata (w), wallet (r), mint (r), system (r), token program (r)].
    // The agent funds the rent of an account owned by `wallet`, who can close it and take the rent.
    const s = signerWith([DRIFT, ATA_PROGRAM, TOKEN]);
    const keys = [addr(agentW.address), key(0x81) /* ata */, attacker.publicKey, key(0x82) /* mint */, addr(SYSTEM), addr(TOKEN), addr(ATA_PROGRAM)];
    const create = (data: Uint8Array, wallet: number) =>
      encodeRaw({ version: 'legacy', header: [1, 0, 4], keys, blockhash: BLOCKHASH, instructions: [{ program: 6, accounts: [0, 1, wallet, 3, 4, 5], data }] });
    for (const data of [new Uint8Array(0), Uint8Array.of(0), Uint8Array.of(1)]) {
      expect(await refusedReason(s.signTransactionMessage(create(data, 2))), `ATA data [${[...data]}], wallet = attacker`).toBe('ata-instruction-not-allowed');
      expect(await refusedReason(s.signTransactionMessage(create(data, 0))), `ATA data [${[...data]}], wallet = agent`).toBeUndefined();
    }
    // RecoverNested: [nested ata, nested mint, destination ata, owner ata, owner mint, wallet, token program].
    const recover = (wallet: number) =>
      encodeRaw({ version: 'legacy', header: [1, 0, 4], keys, blockhash: BLOCKHASH, instructions: [{ program: 6, accounts: [1, 3, 1, 1, 3, wallet, 5], data: Uint8Array.of(2) }] });
    expect(await refusedReason(s.signTransactionMessage(recover(2)))).toBe('ata-instruction-not-allowed');
    expect(await refusedReason(s.signTransactionMessage(recover(0)))).toBeUndefined();
    for (const data of [Uint8Array.of(3), Uint8Array.of(1, 0), Uint8Array.of(255)])
      expect(await refusedReason(s.signTransactionMessage(create(data, 0))), `ATA data [${[...data]}]`).toBe('ata-instruction-not-allowed');
  });

  it('E2 fixed: the Address Lookup Table program is never allowed (program-never-allowed; POLICY_INVALID in an allowlist)', async () => {
    expect(expectCode(() => normalizePolicy(basePolicy({ allowedPrograms: [DRIFT, ALT_PROGRAM] })), 'POLICY_INVALID').details?.['field']).toBe('policy.allowedPrograms[1]');
    // Even with a policy that bypassed validation.
    const policy = { ...normalizePolicy(basePolicy()), allowedPrograms: [DRIFT, ALT_PROGRAM] };
    const s = createScopedSigner(Uint8Array.from(agentW.secretKey), agentW.address, policy, NO_LIMITS).signer;
    // CreateLookupTable: u32 LE 0 || recent_slot u64 || bump u8; accounts [table (w), authority, payer (ws), system].
    const keys = [addr(agentW.address), key(0x83) /* table */, attacker.publicKey, addr(SYSTEM), addr(ALT_PROGRAM)];
    const data = new Uint8Array(13);
    data[4] = 1;
    const msg = encodeRaw({ version: 'legacy', header: [1, 0, 3], keys, blockhash: BLOCKHASH, instructions: [{ program: 4, accounts: [1, 2, 0, 3], data }] });
    expect(await refusedReason(s.signTransactionMessage(msg))).toBe('program-never-allowed');
  });

  it('E5 fixed: extra header signers and precompile signature counts are charged against maxPriorityFeeLamports (signature-fee-too-high)', async () => {
    const s = signerWith([DRIFT, ED25519_PRECOMPILE]);
    const others = Array.from({ length: 9 }, (_, i) => key(0x90 + i));
    const keys = [addr(agentW.address), ...others, addr(DRIFT)];
    const tenSigners = encodeRaw({ version: 'legacy', header: [10, 9, 1], keys, blockhash: BLOCKHASH, instructions: [{ program: 10, accounts: [0], data: Uint8Array.of(1) }] });
    expect(await refusedReason(s.signTransactionMessage(tenSigners)), '10 signatures charged to the agent').toBe('signature-fee-too-high');
    // 200 precompile instructions each claiming 255 signatures: 51,000 signatures' fees on the agent.
    const k2 = [addr(agentW.address), addr(ED25519_PRECOMPILE)];
    const precompile = (n: number, sigs: number) =>
      encodeRaw({ version: 'legacy', header: [1, 0, 1], keys: k2, blockhash: BLOCKHASH, instructions: Array.from({ length: n }, () => ({ program: 1, accounts: [], data: Uint8Array.of(sigs, 0) })) });
    expect(await refusedReason(s.signTransactionMessage(precompile(200, 255))), 'precompile signature counts').toBe('signature-fee-too-high');
    // Within the cap: 9 extra signers = 45,000 lamports; 2 x 3 precompile signatures = 30,000.
    const capped = signerWith([DRIFT, ED25519_PRECOMPILE], { maxPriorityFeeLamports: '45000' });
    expect(await refusedReason(capped.signTransactionMessage(tenSigners))).toBeUndefined();
    expect(await refusedReason(capped.signTransactionMessage(precompile(2, 3)))).toBeUndefined();
    expect(await refusedReason(capped.signTransactionMessage(precompile(2, 5)))).toBe('signature-fee-too-high');
  });

  it('control (held up): every SPL Token tag outside {1,5,16,17,18} is refused (p-token Batch 255, WithdrawExcessLamports 38...), and CloseAccount only pays the agent', async () => {
    const s = signerWith([DRIFT, TOKEN]);
    const keys = [addr(agentW.address), key(0xa1), attacker.publicKey, addr(TOKEN)];
    const msg = (data: Uint8Array, accounts = [1, 2, 0]) =>
      encodeRaw({ version: 'legacy', header: [1, 0, 1], keys, blockhash: BLOCKHASH, instructions: [{ program: 3, accounts, data }] });
    for (let tag = 0; tag < 256; tag++) {
      const r = await refusedReason(s.signTransactionMessage(msg(Uint8Array.of(tag, 1, 0, 0, 0, 0, 0, 0, 0))));
      if (![1, 5, 16, 17, 18].includes(tag)) expect(r, `tag ${tag}`).toBe('token-instruction-not-allowed');
    }
    expect(await refusedReason(s.signTransactionMessage(msg(Uint8Array.of(9), [1, 2, 0])))).toBe('token-instruction-not-allowed');
    expect(await refusedReason(s.signTransactionMessage(msg(Uint8Array.of(9), [1, 0, 0])))).toBeUndefined();
    expect(await refusedReason(s.signTransactionMessage(msg(new Uint8Array(0))))).toBe('token-instruction-not-allowed');
  });
});

describe('security: execution grant use', () => {
  it('E3 fixed: a signer obtained just before the grant ends refuses once expiresAt passes inside the callback (SIGNING_REFUSED, grant-expired)', async () => {
    const s = setup(1);
    const grant = await enable(s); // window [NOW, NOW + 1 h)
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW + HOUR - 1000); // one second before the end: every entry check passes
    const reasons = await withExecutionSigner(grant, useOptions(s.owner.address, { now: undefined, maxSignatures: 2 }), async (signer: ExecutionSigner) => {
      const before = await refusedReason(signer.signTransactionMessage(simpleMessage(signer.address, DRIFT)));
      // A long-lived loop inside the callback (a websocket consumer, a strategy loop...).
      vi.setSystemTime(NOW + 30 * 24 * HOUR);
      const after = await refusedReason(signer.signTransactionMessage(simpleMessage(signer.address, DRIFT, Uint8Array.of(9))));
      return { before, after };
    });
    expect(reasons).toEqual({ before: undefined, after: 'grant-expired' });
  });

  it("E4 fixed: withExecutionSigner requires `expected: { owner, bot }`; another user's grant, or another bot's, is refused (AUTHORIZATION_REQUIRED) before any store or key is touched", async () => {
    const alice = setup(1);
    const bob = setup(2);
    const aliceGrant = await enable(alice);
    let unwraps = 0;
    const inner = wrapperV1();
    const counting = { id: inner.id, currentVersion: inner.currentVersion, wrap: inner.wrap.bind(inner), unwrap: (w: never, c: Uint8Array) => (unwraps++, inner.unwrap(w, c)) };
    const run = (expected: unknown) =>
      withExecutionSigner(aliceGrant, { ...useOptions(bob.owner.address, { wrapper: counting }), expected } as ExecutionSignerOptions, (signer) => signer.address);
    // Bob's webhook for bot-1 loads Alice's row: refused.
    expect((await expectCodeAsync(run({ owner: bob.owner.address, bot: BOT }), 'AUTHORIZATION_REQUIRED')).details?.['field']).toBe('expected.owner');
    expect((await expectCodeAsync(run({ owner: alice.owner.address, bot: 'bot-2' }), 'AUTHORIZATION_REQUIRED')).details?.['field']).toBe('expected.bot');
    // Every expectation is mandatory and checked at run time.
    for (const expected of [undefined, {}, { owner: alice.owner.address }, { bot: BOT }, { owner: 'x', bot: BOT }, { owner: alice.owner.address, bot: BOT, agent: 'x' }])
      await expectCodeAsync(run(expected), 'INVALID_INPUT');
    expect(unwraps).toBe(0);
    expect(await run({ owner: alice.owner.address, bot: BOT })).toBe(alice.agent.address);
  });

  it("E6 fixed: after the vault moves to a new wallet, kill({ wallet: <the user's stable owner> }) stops the user's new grants too (GRANT_KILLED)", async () => {
    const s = setup(3);
    const oldGrant = await enable(s);
    const w2 = testWallet(0x44);
    const prepared = prepareVault({ address: w2.address, domain: DOMAIN, chain: 'mainnet' });
    const sig = w2.sign(prepared.keyMessage);
    rewrapVault(s.vault, { prepared, signatures: [sig, sig] });
    const policy = basePolicy();
    const newGrant = await createExecutionGrant({
      authorization: await enableAuthorization(w2, { policy, agent: s.agent.address }),
      vault: s.vault,
      agentKeyRecord: s.agent.records.agentKey,
      agentAddress: s.agent.address,
      policy,
      wrapper: wrapperV1(),
      now: NOW,
    });
    expect(oldGrant.owner).toBe(s.vault.owner);
    expect(newGrant.owner).toBe(w2.address);
    expect(newGrant.user).toBe(s.vault.owner);
    // "Stop everything for this user": one wallet kill, keyed on the user's stable identity.
    const revocations = newRevocations();
    await revocations.kill({ wallet: s.vault.owner });
    const use = (g: typeof oldGrant) => withExecutionSigner(g, useOptions(g.owner, { revocations }), (x) => x.address);
    await expectCodeAsync(use(oldGrant), 'GRANT_KILLED');
    await expectCodeAsync(use(newGrant), 'GRANT_KILLED');
    // And the new wallet's kill stops the new grant; `user` cannot be edited (it is in the wrap context).
    await revocations.unkill({ wallet: s.vault.owner });
    expect(await use(newGrant)).toBe(s.agent.address);
    await expectCodeAsync(use({ ...newGrant, user: w2.address }), 'UNWRAP_FAILED');
    await revocations.kill({ wallet: w2.address });
    await expectCodeAsync(use(newGrant), 'GRANT_KILLED');
  });

  it('E7 fixed: the signed enable-execution message names the agent wallet; a grant for another agent is refused at creation (AUTHORIZATION_REQUIRED) and an edited agent at parse (INTEGRITY)', async () => {
    const s = setup(4);
    const grant = await enable(s);
    expect(grant.authorization.message).toContain(`\n- urn:agentvault:agent:${s.agent.address}\n`);
    // The user signed for their first agent wallet; the server attaches another one of the same vault.
    const second = createAgentWallet(s.vault);
    const create = createExecutionGrant({
      authorization: await enableAuthorization(s.owner, { agent: s.agent.address }),
      vault: s.vault,
      agentKeyRecord: second.records.agentKey,
      agentAddress: second.address,
      policy: basePolicy(),
      wrapper: wrapperV1(),
      now: NOW,
    });
    expect((await expectCodeAsync(create, 'AUTHORIZATION_REQUIRED')).details?.['field']).toBe('agentAddress');
    expectCode(() => parseGrant({ ...grant, agent: second.address }), 'INTEGRITY');
    // Without the agent URN the message is not an enable-execution authorization the library accepts.
    expectCode(() => grantParamsFromResources(['urn:agentvault:purpose:enable-execution', `urn:agentvault:bot:${BOT}`, `urn:agentvault:policy:sha256:${grant.policyHash}`, `urn:agentvault:grant-not-before:${grant.notBefore}`, `urn:agentvault:grant-expires:${grant.expiresAt}`]), 'AUTHORIZATION_REQUIRED');
  });

  it('E8 fixed: one order check signs one transaction by default (signature-limit-reached); maxSignatures raises it, at most 16', async () => {
    const s = setup(5);
    const grant = await enable(s);
    const signMany = (extra: Partial<ExecutionSignerOptions>) =>
      withExecutionSigner(grant, useOptions(s.owner.address, extra), async (signer: ExecutionSigner) => {
        let signed = 0;
        for (let i = 0; i < 25; i++) {
          const r = await refusedReason(signer.signTransactionMessage(simpleMessage(signer.address, DRIFT, Uint8Array.of(1, 2, i))));
          if (r !== undefined) return { signed, r };
          signed++;
        }
        return { signed, r: undefined };
      });
    expect(await signMany({})).toEqual({ signed: 1, r: 'signature-limit-reached' });
    expect(await signMany({ maxSignatures: 3 })).toEqual({ signed: 3, r: 'signature-limit-reached' });
    for (const maxSignatures of [0, 17, 1.5, -1]) await expectCodeAsync(signMany({ maxSignatures }), 'INVALID_INPUT');
  });
});
