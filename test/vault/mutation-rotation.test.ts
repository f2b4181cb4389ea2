/**
 * Rotation, migration and retirement (SPEC 6.5) and the unlocked handle (SPEC 6.3), pinned where
 * the behaviour tests left mutants of src/vault/rotation.ts and src/vault/unlocked.ts alive (issue
 * 16 item 5): refusals with code, details and message; version numbering; what the handle keeps
 * (the recovery key a rotation proved, nothing after a drop); expiry at its exact edge; the
 * zeroing of every key the handle held.
 */
import { inspect } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { _setRandomSourceForTests } from '../../src/_random.js';
import { recordUmkVersion } from '../../src/records/record.js';
import { SecretBytes } from '../../src/secret.js';
import { migrateRecords, retireUmkVersion, rotateVault } from '../../src/vault/rotation.js';
import { _deriveSubkey, _stateOf, SUBKEY_PURPOSES, UnlockedVault } from '../../src/vault/unlocked.js';
import { createVault, prepareVault, stateFor, unlockVault, unlockVaultWithRecovery, vaultKeyMessage } from '../../src/vault/vault.js';
import type { VaultData } from '../../src/vault/data.js';
import { fakeAuthorization } from '../helpers/auth.js';
import { expectCode, expectCodeAsync } from '../helpers/errors.js';
import { testWallet } from './_wallet.js';

const DOMAIN = 'app.example.com';
const te = new TextEncoder();
const w = testWallet(71);
const w2 = testWallet(72);

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

function make(extra: Partial<Parameters<typeof createVault>[0]> = {}) {
  const prepared = prepareVault({ address: w.address, domain: DOMAIN, chain: 'mainnet' });
  const sig = w.sign(prepared.keyMessage);
  return createVault({ prepared, signatures: [sig, sig], authorization: fakeAuthorization(w.address), ...extra });
}
function unlock(v: VaultData, extra: Record<string, unknown> = {}) {
  return unlockVault(v, { authorization: fakeAuthorization(w.address), signature: w.sign(vaultKeyMessage(v).text), ...extra });
}

describe('rotateVault', () => {
  it('needs the wallet key: a recovery handle is refused with the reason', () => {
    const created = make({ recovery: { kind: 'code' } });
    created.unlocked.lock();
    const ru = unlockVaultWithRecovery(created.vault, { authorization: fakeAuthorization(w.address), recoveryCode: created.recoveryCode!.exposeText() });
    const e = expectCode(() => rotateVault(ru), 'INVALID_INPUT');
    expect(e.message).toBe('rotation needs a vault unlocked with the wallet (after a recovery unlock, rewrap to a wallet first)');
    ru.lock();
  });
  it('a recovery slot needs the code or an explicit drop; the message says so', () => {
    const created = make({ recovery: { kind: 'code' } });
    created.unlocked.lock();
    const u = unlock(created.vault);
    const e = expectCode(() => rotateVault(u), 'INVALID_INPUT');
    expect(e.message).toBe('this vault has a recovery keyslot: pass recoveryCode/passphrase to carry it over, or dropRecovery: true');
    expectCode(() => rotateVault(u, { dropRecovery: false }), 'INVALID_INPUT');
    expect(expectCode(() => rotateVault(u, { recoveryCode: '0000000000000000000000000G' }), 'RECOVERY_CODE_MISMATCH').message).toBe(
      'the recovery code or passphrase does not open this vault',
    );
    // A passphrase for a code vault: recoveryKeyFor refuses it by name.
    expect(expectCode(() => rotateVault(u, { passphrase: 'correct horse battery staple' }), 'INVALID_INPUT').details).toEqual({ field: 'recoveryCode' });
    expect(u.activeUmkVersion).toBe(1);
    // With the code: proved once, then kept by the handle for the next rotation.
    const { vault: v2 } = rotateVault(u, { recoveryCode: created.recoveryCode!.exposeText() });
    const { vault: v3 } = rotateVault(u);
    expect(v3.umks.map((e) => [e.version, e.state, typeof e.recovery])).toEqual([
      [1, 'decrypt-only', 'string'],
      [2, 'decrypt-only', 'string'],
      [3, 'active', 'string'],
    ]);
    expect(v3.recovery).toEqual(created.vault.recovery);
    expect(v2.revision).toBe(2);
    expect(v3.revision).toBe(3);
    u.lock();
    const ru = unlockVaultWithRecovery(v3, { authorization: fakeAuthorization(w.address), recoveryCode: created.recoveryCode!.exposeText() });
    expect(ru.activeUmkVersion).toBe(3);
    ru.lock();
  });
  it('a wrong code zeroes the key it derived; the vault and handle are unchanged', () => {
    const created = make({ recovery: { kind: 'code' } });
    created.unlocked.lock();
    const u = unlock(created.vault);
    const spy = vi.spyOn(SecretBytes, 'from');
    expectCode(() => rotateVault(u, { recoveryCode: '0000000000000000000000000G' }), 'RECOVERY_CODE_MISMATCH');
    const made = spy.mock.results.map((r) => r.value as SecretBytes);
    spy.mockRestore();
    expect(made.length).toBeGreaterThan(0);
    expect(made.every((s) => s.disposed)).toBe(true);
    expect(u.data).toEqual(created.vault);
    u.lock();
  });
  it('the handle that already holds the recovery key (created with it) rotates without the code', () => {
    const created = make({ recovery: { kind: 'code' } });
    const { vault: v2 } = rotateVault(created.unlocked);
    expect(v2.umks.every((e) => typeof e.recovery === 'string')).toBe(true);
    created.unlocked.lock();
    const ru = unlockVaultWithRecovery(v2, { authorization: fakeAuthorization(w.address), recoveryCode: created.recoveryCode!.exposeText() });
    expect(ru.activeUmkVersion).toBe(2);
    ru.lock();
  });
  it('dropRecovery: the settings and every slot go, and the handle forgets the recovery key', () => {
    const created = make({ recovery: { kind: 'code' } });
    const u = created.unlocked;
    const { vault: v2 } = rotateVault(u, { dropRecovery: true });
    expect(v2.recovery).toBeUndefined();
    expect(v2.umks.some((e) => 'recovery' in e)).toBe(false);
    expect(stateFor(u).recoveryKey).toBeUndefined();
    const { vault: v3 } = rotateVault(u);
    expect(v3.recovery).toBeUndefined();
    expect(v3.activeUmkVersion).toBe(3);
    u.lock();
  });
  it('a vault without recovery: dropRecovery changes nothing; versions count from the highest, retired included', () => {
    const created = make();
    const u = created.unlocked;
    rotateVault(u);
    retireUmkVersion(u, 1, []);
    const { vault } = rotateVault(u, { dropRecovery: true });
    expect(vault.umks.map((e) => [e.version, e.state])).toEqual([
      [1, 'retired'],
      [2, 'decrypt-only'],
      [3, 'active'],
    ]);
    expect(vault.activeUmkVersion).toBe(3);
    expect(u.activeUmkVersion).toBe(3);
    expect(recordUmkVersion(u.seal('profile', te.encode('x')))).toBe(3);
    u.lock();
    const u2 = unlock(vault);
    expect(u2.activeUmkVersion).toBe(3);
    u2.lock();
  });
  it('options: an object of known keys', () => {
    const created = make();
    expect(expectCode(() => rotateVault(created.unlocked, null as never), 'INVALID_INPUT').details?.['field']).toBe('options');
    expect(rotateVault(created.unlocked, undefined).vault.activeUmkVersion).toBe(2);
    created.unlocked.lock();
  });
});

describe('migrateRecords', () => {
  it('save must be a function; stored must be this handle\'s vault (revision and MAC)', async () => {
    const created = make();
    const u = created.unlocked;
    const { vault: v2 } = rotateVault(u);
    for (const save of [undefined, 'save', {}]) {
      const e = await expectCodeAsync(migrateRecords(u, { stored: v2, records: [], save: save as never }), 'INVALID_INPUT');
      expect(e.details).toEqual({ field: 'save' });
      expect(e.message).toBe('save: expected a function');
    }
    const e = await expectCodeAsync(migrateRecords(u, { stored: created.vault, records: [], save: () => {} }), 'INVALID_INPUT');
    expect(e.details).toEqual({ field: 'stored' });
    expect(e.message).toBe("stored: the stored vault is not this handle's vault (save the rotated vault first, or unlock again)");
    // Same revision, other MAC (another instance's rotation): refused too.
    const other = unlock(created.vault);
    const { vault: theirs } = rotateVault(other);
    other.lock();
    expect(theirs.revision).toBe(v2.revision);
    await expectCodeAsync(migrateRecords(u, { stored: theirs, records: [], save: () => {} }), 'INVALID_INPUT');
    expect(await migrateRecords(u, { stored: v2, records: [], save: () => {} })).toEqual({ migrated: 0, skipped: 0 });
    u.lock();
  });
  it('counts migrated and skipped records, saves each re-sealed one under the active version, and zeroes the plaintext', async () => {
    const created = make();
    const u = created.unlocked;
    const old = [u.seal('profile', te.encode('a'), { id: '1' }), u.seal('agent-key', te.encode('b'), { id: '2' })];
    const { vault: v2 } = rotateVault(u);
    const fresh = u.seal('profile', te.encode('c'), { id: '3' });
    const saved: [string, string][] = [];
    const spy = vi.spyOn(SecretBytes, 'from');
    const result = await migrateRecords(u, {
      stored: v2,
      records: [
        { id: 'r1', type: 'profile', record: old[0]!, fields: { id: '1' } },
        { id: 'r3', type: 'profile', record: fresh, fields: { id: '3' } },
        { id: 'r2', type: 'agent-key', record: old[1]!, fields: { id: '2' } },
      ],
      save: async (id, record) => void saved.push([id, record]),
    });
    const made = spy.mock.results.map((r) => r.value as SecretBytes);
    spy.mockRestore();
    expect(result).toEqual({ migrated: 2, skipped: 1 });
    expect(saved.map(([id]) => id)).toEqual(['r1', 'r2']);
    for (const [, r] of saved) expect(recordUmkVersion(r)).toBe(2);
    expect(u.open('profile', saved[0]![1], { id: '1' }).exposeText()).toBe('a');
    expect(u.open('agent-key', saved[1]![1], { id: '2' }).exposeText()).toBe('b');
    expect(made.length).toBeGreaterThan(0);
    expect(made.every((s) => s.disposed)).toBe(true);
    u.lock();
  });
  it('a save that fails zeroes the plaintext and stops the migration', async () => {
    const created = make();
    const u = created.unlocked;
    const rec = u.seal('profile', te.encode('a'));
    const { vault: v2 } = rotateVault(u);
    const spy = vi.spyOn(SecretBytes, 'from');
    await expect(migrateRecords(u, { stored: v2, records: [{ id: 'x', type: 'profile', record: rec }], save: () => Promise.reject(new Error('disk full')) })).rejects.toThrow('disk full');
    const made = spy.mock.results.map((r) => r.value as SecretBytes);
    spy.mockRestore();
    expect(made.every((s) => s.disposed)).toBe(true);
    u.lock();
  });
});

describe('retireUmkVersion', () => {
  it('refusals: version bounds, unknown, active, records left (counted)', () => {
    const created = make();
    const u = created.unlocked;
    const rec = u.seal('profile', te.encode('a'));
    rotateVault(u);
    for (const v of [0, -1, 1.5, 2 ** 32, '1']) expect(expectCode(() => retireUmkVersion(u, v as number, []), 'INVALID_INPUT').details).toEqual({ field: 'version' });
    expect(expectCode(() => retireUmkVersion(u, 9, []), 'UMK_VERSION_UNKNOWN').message).toBe('UMK version 9 is not in this vault');
    expect(expectCode(() => retireUmkVersion(u, 2, []), 'INVALID_INPUT').message).toBe('the active UMK version cannot be retired; rotate first');
    const e = expectCode(() => retireUmkVersion(u, 1, [rec, rec, u.seal('profile', te.encode('b'))]), 'INVALID_INPUT');
    expect(e.details).toEqual({ remaining: 2 });
    expect(e.message).toBe('2 record(s) still use UMK version 1; migrate them first');
    u.lock();
  });
  it('retiring zeroes that UMK, drops its keyslots, bumps the revision; retiring again changes nothing', () => {
    const created = make();
    const u = created.unlocked;
    rotateVault(u);
    const umk1 = stateFor(u).umks.get(1)!;
    const { vault } = retireUmkVersion(u, 1, [u.seal('profile', te.encode('new'))]);
    expect(umk1.every((b) => b === 0)).toBe(true);
    expect(stateFor(u).umks.has(1)).toBe(false);
    expect(vault.umks[0]).toEqual({ version: 1, state: 'retired' });
    expect(vault.revision).toBe(3);
    expect(u.data).toEqual(vault);
    const again = retireUmkVersion(u, 1, []);
    expect(again.vault).toBe(vault);
    expect(Object.isFrozen(again)).toBe(true);
    expectCode(() => u.subkey('profile', 1), 'UMK_VERSION_RETIRED');
    u.lock();
    const u2 = unlock(vault);
    expect(u2.activeUmkVersion).toBe(2);
    u2.lock();
  });
});

describe('UnlockedVault', () => {
  it('refuses what is not a handle; a locked handle reads as locked', () => {
    const e = expectCode(() => _stateOf({}), 'INVALID_INPUT');
    expect(e.message).toBe('expected an UnlockedVault from unlockVault/createVault');
    expectCode(() => rotateVault({} as never), 'INVALID_INPUT');
    const { unlocked: u } = make();
    expect(u.locked).toBe(false);
    u.lock();
    u.lock();
    expect(u.locked).toBe(true);
    const e2 = expectCode(() => u.subkey('profile'), 'VAULT_LOCKED');
    expect(e2.message).toBe('the vault is locked; unlock it again');
    expectCode(() => u.owner, 'VAULT_LOCKED');
    expectCode(() => u.data, 'VAULT_LOCKED');
  });
  it('expires exactly at expiresAt by the injected clock, and locks itself', () => {
    let now = Date.now();
    const created = make({ clock: () => now, ttlMs: 1000 });
    const u = created.unlocked;
    expect(u.expiresAt).toBe(now + 1000);
    now += 999;
    expect(u.locked).toBe(false);
    u.subkey('profile').dispose();
    const umk = stateFor(u).umks.get(1)!;
    now += 1;
    expect(u.locked).toBe(true);
    const e = expectCode(() => u.subkey('profile'), 'VAULT_LOCKED');
    expect(e.message).toBe('the unlocked vault has expired; unlock it again');
    expect(umk.every((b) => b === 0)).toBe(true);
    now -= 10;
    // Locked for good: the keys are gone even if the clock goes back.
    expectCode(() => u.subkey('profile'), 'VAULT_LOCKED');
    expect(u.locked).toBe(true);
    expect(u.expiresAt).toBe(now + 10);
  });
  it('expires by the system clock too, and its backstop timer locks it without keeping the process alive', () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout'] });
    const frozen = Date.now();
    const created = make({ clock: () => frozen, ttlMs: 5000 });
    const u = created.unlocked;
    const umk = stateFor(u).umks.get(1)!;
    vi.setSystemTime(frozen + 4999);
    expect(u.locked).toBe(false);
    vi.setSystemTime(frozen + 5000);
    expect(u.locked).toBe(true);
    expectCode(() => u.subkey('profile'), 'VAULT_LOCKED');
    expect(umk.every((b) => b === 0)).toBe(true);
    // The backstop: with no call at all, the timer zeroes the keys at expiry.
    vi.setSystemTime(frozen);
    const c2 = make({ clock: () => frozen, ttlMs: 5000 });
    const umk2 = stateFor(c2.unlocked).umks.get(1)!;
    vi.advanceTimersByTime(4999);
    expect(umk2.some((b) => b !== 0)).toBe(true);
    vi.advanceTimersByTime(1);
    expect(umk2.every((b) => b === 0)).toBe(true);
  });
  it('the backstop timer is unref\'d', () => {
    const real = globalThis.setTimeout;
    const timers: { hasRef?: () => boolean }[] = [];
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
      const t = real(fn, ms);
      timers.push(t as never);
      return t;
    }) as never);
    const { unlocked } = make();
    vi.restoreAllMocks();
    expect(timers.length).toBe(1);
    expect(timers[0]!.hasRef!()).toBe(false);
    unlocked.lock();
  });
  it('lock zeroes every UMK and disposes the wallet and recovery keys', () => {
    const spy = vi.spyOn(SecretBytes, 'from');
    const created = make({ recovery: { kind: 'code' } });
    const made = spy.mock.results.map((r) => r.value as SecretBytes);
    spy.mockRestore();
    const s = stateFor(created.unlocked);
    const umks = [...s.umks.values()];
    const keys = [s.walletKey!, s.recoveryKey!];
    expect(made).toEqual(expect.arrayContaining(keys));
    created.unlocked.lock();
    expect(umks.every((u) => u.every((b) => b === 0))).toBe(true);
    expect(keys.every((k) => k.disposed)).toBe(true);
    expect(s.umks.size).toBe(0);
  });
  it('subkey: purposes and versions, each refusal named', () => {
    const { unlocked: u } = make();
    expect(SUBKEY_PURPOSES).toEqual(['mnemonic', 'agent-key', 'profile']);
    const umk = stateFor(u).umks.get(1)!;
    expect(u.subkey('profile').expose()).toEqual(_deriveSubkey(umk, 'profile', w.address));
    expect(u.subkey('profile', 1).expose()).toEqual(_deriveSubkey(umk, 'profile', w.address));
    expect(u.subkey('my-app.thing').expose()).toEqual(_deriveSubkey(umk, 'my-app.thing', w.address));
    const e = expectCode(() => u.subkey('umk.wallet'), 'INVALID_INPUT');
    expect(e.details).toEqual({ field: 'purpose' });
    expect(e.message).toBe("purpose: the 'umk.' prefix is reserved for keyslots");
    expect(expectCode(() => u.subkey(7 as never), 'INVALID_INPUT').details?.['field']).toBe('purpose');
    expect(expectCode(() => u.subkey('profile', 3), 'UMK_VERSION_UNKNOWN').message).toBe('UMK version 3 is not available in this vault');
    u.lock();
  });
  it('seal and open: the context is the owner plus the fields; fields.address may only repeat the owner', () => {
    const { unlocked: u } = make();
    const rec = u.seal('profile', te.encode('x'), { id: '1', address: w.address });
    expect(u.open('profile', rec, { id: '1' }).exposeText()).toBe('x');
    expect(u.open('profile', rec, { address: w.address, id: '1' }).exposeText()).toBe('x');
    const e = expectCode(() => u.seal('profile', te.encode('x'), { address: w2.address }), 'INVALID_INPUT');
    expect(e.details).toEqual({ field: 'fields.address' });
    expect(e.message).toBe('fields.address: set by the vault (the owner); do not pass another');
    expectCode(() => u.open('profile', rec, { address: w2.address, id: '1' }), 'INVALID_INPUT');
    expect(expectCode(() => u.seal('profile', te.encode('x'), null as never), 'INVALID_INPUT').details?.['field']).toBe('fields');
    expect(expectCode(() => u.open('profile', rec, 'x' as never), 'INVALID_INPUT').details?.['field']).toBe('fields');
    // The subkeys used to seal and open are zeroed after use.
    const spy = vi.spyOn(SecretBytes, 'from');
    const r2 = u.seal('profile', te.encode('y'));
    const pt = u.open('profile', r2);
    const made = spy.mock.results.map((r) => r.value as SecretBytes).filter((s) => s !== pt);
    spy.mockRestore();
    expect(pt.exposeText()).toBe('y');
    expect(made.length).toBeGreaterThanOrEqual(2);
    expect(made.every((s) => s.disposed)).toBe(true);
    u.lock();
  });
  it('prints as redacted everywhere', () => {
    const { unlocked: u } = make();
    expect(String(u)).toBe('UnlockedVault(<redacted>)');
    expect(JSON.stringify({ u })).toBe('{"u":"<redacted>"}');
    expect(inspect(u)).toBe('UnlockedVault(<redacted>)');
    expect(u.address).toBe(w.address);
    u.lock();
    expect(String(u)).toBe('UnlockedVault(<redacted>)');
  });
  it('a handle built with no state map entry reads as locked', () => {
    expect(Object.getOwnPropertyDescriptor(UnlockedVault.prototype, 'locked')!.get!.call({})).toBe(true);
    expect(Object.getOwnPropertyDescriptor(UnlockedVault.prototype, 'expiresAt')!.get!.call({})).toBe(0);
    expect(() => UnlockedVault.prototype.lock.call({} as never)).not.toThrow();
  });
});

describe('rotateVault: what it zeroes', () => {
  it('the new UMK buffer after sealing, and the opened recovery slot when proving a code', () => {
    const created = make({ recovery: { kind: 'code' } });
    created.unlocked.lock();
    const u = unlock(created.vault);
    expect(Object.isFrozen(u)).toBe(true);
    const code = created.recoveryCode!.exposeText();
    const draws: Uint8Array[] = [];
    _setRandomSourceForTests((n) => {
      const b = Uint8Array.from({ length: n }, (_, i) => (i * 13 + draws.length + 1) & 0xff);
      draws.push(b);
      return b;
    });
    const spy = vi.spyOn(SecretBytes, 'from');
    try {
      rotateVault(u, { recoveryCode: code });
    } finally {
      _setRandomSourceForTests();
    }
    const made = spy.mock.results.map((r) => r.value as SecretBytes);
    spy.mockRestore();
    expect(draws[0]).toHaveLength(32);
    expect(draws[0]!.every((b) => b === 0)).toBe(true);
    // Everything derived or opened is zeroed, except the recovery key the handle now keeps.
    const kept = stateFor(u).recoveryKey!;
    expect(made).toContain(kept);
    expect(made.filter((s) => s !== kept).every((s) => s.disposed)).toBe(true);
    expect(made.length).toBeGreaterThanOrEqual(2); // the derived recovery key and the opened recovery slot
    // The handle's copy of the new UMK is intact: a record sealed now opens after a fresh unlock.
    const rec = u.seal('profile', te.encode('v2'));
    const { vault } = { vault: u.data };
    u.lock();
    expect(unlock(vault).open('profile', rec).exposeText()).toBe('v2');
    // dropRecovery zeroes the recovery key the handle held.
    const u2 = unlock(vault);
    rotateVault(u2, { recoveryCode: code });
    const held = stateFor(u2).recoveryKey!;
    rotateVault(u2, { dropRecovery: true });
    expect(held.disposed).toBe(true);
    u2.lock();
  });
});

describe('rotateVault: after a retirement, with a pepper', () => {
  it('a code is proved against the active version, even when the oldest entry is retired; pepper is an option', () => {
    const pepper = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff);
    const created = make({ pepper, recovery: { kind: 'code' } });
    const code = created.recoveryCode!.exposeText();
    rotateVault(created.unlocked);
    const { vault } = retireUmkVersion(created.unlocked, 1, []);
    created.unlocked.lock();
    expect(vault.umks[0]).toEqual({ version: 1, state: 'retired' });
    const u = unlock(vault, { pepper });
    const { vault: v3 } = rotateVault(u, { recoveryCode: code, pepper });
    expect(v3.activeUmkVersion).toBe(3);
    u.lock();
    const ru = unlockVaultWithRecovery(v3, { authorization: fakeAuthorization(w.address), recoveryCode: code, pepper });
    expect(ru.activeUmkVersion).toBe(3);
    ru.lock();
  });
});
