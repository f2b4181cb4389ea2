/**
 * SPEC 2 / issue 15 item 4: every options object of the vault API refuses an unknown key with
 * INVALID_INPUT naming it (`details.field`, `details.reason: 'unknown-option'`), before anything
 * is derived, decrypted or spent. A typo such as `ttlMS` must not silently fall back to a default.
 */
import { describe, expect, it } from 'vitest';
import { migrateRecords, rotateVault } from '../../src/vault/rotation.js';
import { createVault, prepareVault, rewrapVault, unlockVault, unlockVaultWithRecovery, vaultKeyMessage } from '../../src/vault/vault.js';
import { fakeAuthorization } from '../helpers/auth.js';
import { expectCode, expectCodeAsync } from '../helpers/errors.js';
import { testWallet } from './_wallet.js';

const DOMAIN = 'app.example.com';
const w = testWallet(33);
const other = testWallet(34);

function fresh() {
  const prepared = prepareVault({ address: w.address, domain: DOMAIN, chain: 'mainnet' });
  const sig = w.sign(prepared.keyMessage);
  return { prepared, sig, ...createVault({ prepared, signatures: [sig, sig], authorization: fakeAuthorization(w.address), recovery: { kind: 'code' } }) };
}

function refusesKey(f: () => unknown, field: string): void {
  const e = expectCode(f, 'INVALID_INPUT');
  expect(e.details).toMatchObject({ field, reason: 'unknown-option' });
  expect(e.message).toContain(field);
}

describe('vault options refuse unknown keys (issue 15 item 4)', () => {
  it('prepareVault', () => {
    refusesKey(() => prepareVault({ address: w.address, domain: DOMAIN, chain: 'mainnet', version: 2 } as never), 'options.version');
  });

  it('createVault: options, prepared and recovery', () => {
    const prepared = prepareVault({ address: w.address, domain: DOMAIN, chain: 'mainnet' });
    const sig = w.sign(prepared.keyMessage);
    const base = { prepared, signatures: [sig, sig] as [Uint8Array, Uint8Array], authorization: fakeAuthorization(w.address) };
    refusesKey(() => createVault({ ...base, ttlMS: 1000 } as never), 'options.ttlMS');
    refusesKey(() => createVault({ ...base, prepared: { ...prepared, wallet: other.address } } as never), 'prepared.wallet');
    refusesKey(() => createVault({ ...base, recovery: { kind: 'code', passphrase: 'ignored otherwise' } } as never), 'recovery.passphrase');
    refusesKey(() => createVault({ ...base, recovery: { kind: 'passphrase', passphrase: 'correct horse battery staple', n: 2 } } as never), 'recovery.n');
    // the refusal comes first: the authorization was not spent, the same one still creates
    expect(createVault(base).vault.owner).toBe(w.address);
  });

  it('unlockVault and unlockVaultWithRecovery', () => {
    const { vault, unlocked } = fresh();
    unlocked.lock();
    const signature = w.sign(vaultKeyMessage(vault).text);
    refusesKey(() => unlockVault(vault, { authorization: fakeAuthorization(w.address), signature, ttlMS: 5 } as never), 'options.ttlMS');
    refusesKey(() => unlockVaultWithRecovery(vault, { authorization: fakeAuthorization(w.address), recoveryCode: 'x', authorisedBy: other.address } as never), 'options.authorisedBy');
  });

  it('rewrapVault: options and prepared', () => {
    const { unlocked } = fresh();
    const prepared = prepareVault({ address: other.address, domain: DOMAIN, chain: 'mainnet' });
    const sig = other.sign(prepared.keyMessage);
    refusesKey(() => rewrapVault(unlocked, { prepared, signatures: [sig, sig], keepRecovery: true } as never), 'options.keepRecovery');
    refusesKey(() => rewrapVault(unlocked, { prepared: { ...prepared, extra: 1 }, signatures: [sig, sig] } as never), 'prepared.extra');
    unlocked.lock();
  });

  it('rotateVault and migrateRecords: options and each record', async () => {
    const { vault, unlocked } = fresh();
    refusesKey(() => rotateVault(unlocked, { dropRecoveryCode: true } as never), 'options.dropRecoveryCode');
    await expectCodeAsync(migrateRecords(unlocked, { stored: vault, records: [], save: () => {}, dryRun: true } as never), 'INVALID_INPUT').then((e) =>
      expect(e.details).toMatchObject({ field: 'options.dryRun', reason: 'unknown-option' }),
    );
    const e = await expectCodeAsync(
      migrateRecords(unlocked, { stored: vault, records: [{ id: '1', type: 't', record: 'r', context: {} }] as never, save: () => {} }),
      'INVALID_INPUT',
    );
    expect(e.details).toMatchObject({ field: 'record.context', reason: 'unknown-option' });
    unlocked.lock();
  });
});
