/**
 * Security regression tests (derivation / agent wallets): F12 and F13 of the adversarial review.
 */
import { describe, expect, it } from 'vitest';
import { createAgentWallet, openAgentKey } from '../../src/derivation/agent-wallet.js';
import { deriveSolanaKeypair } from '../../src/derivation/keypair.js';
import { resolveDerivation } from '../../src/derivation/presets.js';
import { createExecutionGrant } from '../../src/execution/grant.js';
import { revealMnemonic } from '../../src/execution/reveal.js';
import { MemoryRateLimiter } from '../../src/stores/memory.js';
import { createVault, prepareVault } from '../../src/vault/vault.js';
import { basePolicy, DAY, enableAuthorization, revealAuthorization, wrapperV1 } from '../execution/_fixtures.js';
import { fakeAuthorization } from '../helpers/auth.js';
import { expectCode, expectCodeAsync } from '../helpers/errors.js';
import { testWallet } from '../helpers/wallet.js';

const M = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

function unlockedVault(seed: number) {
  const w = testWallet(seed);
  const prepared = prepareVault({ address: w.address, domain: 'app.example.com', chain: 'mainnet' });
  const s = w.sign(prepared.keyMessage);
  return { owner: w, vault: createVault({ prepared, signatures: [s, s], authorization: fakeAuthorization(w.address) }).unlocked };
}

describe('security: derivation', () => {
  it('F12 fixed: a misspelt derivation option is refused with INVALID_INPUT naming the key, not ignored', () => {
    for (const [opts, key] of [
      [{ acount: 5 }, 'acount'],
      [{ preset: 'ledger-live', accont: 1 }, 'accont'],
      [{ preset: 'solana-cli-key', chnage: 1 }, 'chnage'],
      [{ Path: "m/44'/501'/5'/0'" }, 'Path'],
    ] as const) {
      const e = expectCode(() => deriveSolanaKeypair(M, opts as never), 'INVALID_INPUT');
      expect(e.details?.['field']).toBe(key);
      expect(e.message).toContain(key);
      expect(expectCode(() => resolveDerivation(opts as never), 'INVALID_INPUT').details?.['field']).toBe(key);
    }
    const { vault } = unlockedVault(41);
    expect(expectCode(() => createAgentWallet(vault, { acount: 5 } as never), 'INVALID_INPUT').details?.['field']).toBe('acount');
    vault.lock();
  });

  it('F13 fixed: the records of two agent wallets of one user are not interchangeable (CONTEXT_MISMATCH); the agent address is required (INVALID_INPUT)', async () => {
    const { owner, vault: u } = unlockedVault(40);
    const a = createAgentWallet(u);
    const b = createAgentWallet(u);
    expect(a.address).not.toBe(b.address);
    // A DB-write attacker swaps bot A's rows with bot B's; the app opens "bot A's key / phrase".
    expectCode(() => openAgentKey(u, { agentKey: b.records.agentKey }, { address: a.address }), 'CONTEXT_MISMATCH');
    expectCode(() => u.open('mnemonic', b.records.mnemonic, { agent: a.address }), 'CONTEXT_MISMATCH');
    expectCode(() => u.open('mnemonic', b.records.mnemonic), 'CONTEXT_MISMATCH');
    // The address cannot be left out, and the reserved field cannot be smuggled in through fields.
    expectCode(() => openAgentKey(u, { agentKey: b.records.agentKey }, {} as never), 'INVALID_INPUT');
    expectCode(() => openAgentKey(u, { agentKey: b.records.agentKey }, { address: a.address, fields: { agent: b.address } }), 'INVALID_INPUT');
    expectCode(() => createAgentWallet(u, { fields: { agent: a.address } }), 'INVALID_INPUT');
    // Same through the execution layer: the reveal and the grant (real time, so this holds whether
    // or not authorizations are also checked against the system clock).
    const now = Date.now();
    const limiter = new MemoryRateLimiter({ limit: 3, windowMs: DAY, sweepIntervalMs: 0 });
    const reveal = async (record: string, agentAddress?: string) =>
      revealMnemonic({ authorization: await revealAuthorization(owner, now), vault: u, mnemonicRecord: record, agentAddress: agentAddress as string, limiter, now });
    await expectCodeAsync(reveal(b.records.mnemonic, a.address), 'CONTEXT_MISMATCH');
    await expectCodeAsync(reveal(b.records.mnemonic), 'INVALID_INPUT');
    const grant = async (record: string, agentAddress?: string) =>
      createExecutionGrant({
        authorization: await enableAuthorization(owner, { now, agent: agentAddress ?? a.address }),
        vault: u,
        agentKeyRecord: record,
        agentAddress: agentAddress as string,
        policy: basePolicy(),
        wrapper: wrapperV1(),
        now,
      });
    await expectCodeAsync(grant(b.records.agentKey, a.address), 'CONTEXT_MISMATCH');
    await expectCodeAsync(grant(b.records.agentKey), 'INVALID_INPUT');
    // Control: each record opens under its own agent's address.
    openAgentKey(u, a.records, { address: a.address }).dispose();
    expect(deriveSolanaKeypair((await reveal(b.records.mnemonic, b.address)).exposeText()).address).toBe(b.address);
    expect((await grant(b.records.agentKey, b.address)).agent).toBe(b.address);
    u.lock();
  });
});
