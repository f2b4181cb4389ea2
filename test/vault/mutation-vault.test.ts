/**
 * Vault lifecycle (SPEC 6.2, 6.4), pinned where the behaviour tests left mutants of
 * src/vault/vault.ts alive (issue 16 item 5): the exact stored vault createVault and rewrapVault
 * produce, each refusal's code, `details` and message, the order of checks (nothing is spent or
 * derived before a bad option is refused), the handle each call returns, and the zeroing of every
 * key a failed call derived (checked on the buffers themselves, through SecretBytes).
 */
import { base64urlnopad } from '@scure/base';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { asVault } from '../helpers/untyped.js';
import { _setRandomSourceForTests } from '../../src/_random.js';
import { openRecord } from '../../src/records/record.js';
import { SecretBytes } from '../../src/secret.js';
import { parseVault, type VaultData } from '../../src/vault/data.js';
import { createKeyMessage, deriveWalletKey, keyMessageBytes } from '../../src/vault/kdm.js';
import { retireUmkVersion, rotateVault } from '../../src/vault/rotation.js';
import { UnlockedVault } from '../../src/vault/unlocked.js';
import {
  _openSlot, _sealSlot, createVault, DEFAULT_UNLOCK_TTL_MS, MAX_UNLOCK_TTL_MS, prepareVault, rewrapVault, stateFor, UMK_LENGTH, unlockVault,
  unlockVaultWithRecovery, vaultKeyMessage,
} from '../../src/vault/vault.js';
import { fakeAuthorization } from '../helpers/auth.js';
import { expectCode } from '../helpers/errors.js';
import { seededForMutation } from './_scrypt-cache.js';
import { testWallet, type TestWallet } from './_wallet.js';

const DOMAIN = 'app.example.com';
const te = new TextEncoder();
const PEPPER = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff);
const w = testWallet(61);
const w2 = testWallet(62);

afterEach(() => {
  vi.restoreAllMocks();
  _setRandomSourceForTests();
});

function prep(x: TestWallet = w) {
  const prepared = prepareVault({ address: x.address, domain: DOMAIN, chain: 'mainnet' });
  const sig = x.sign(prepared.keyMessage);
  return { prepared, signatures: [sig, sig] as [Uint8Array, Uint8Array] };
}
function make(extra: Partial<Parameters<typeof createVault>[0]> = {}, x: TestWallet = w) {
  const { prepared, signatures } = prep(x);
  return createVault({ prepared, signatures, authorization: fakeAuthorization(x.address), ...extra });
}
function unlock(v: VaultData, x: TestWallet = w, extra: Record<string, unknown> = {}) {
  return unlockVault(v, { authorization: fakeAuthorization(x.address), signature: x.sign(vaultKeyMessage(v).text), ...extra });
}
/** Every buffer SecretBytes handed out (expose) during `fn`, to check they were zeroed. */
function exposedDuring(fn: () => unknown): { buffers: Uint8Array[]; error: unknown } {
  const buffers: Uint8Array[] = [];
  const real = SecretBytes.prototype.expose;
  const spy = vi.spyOn(SecretBytes.prototype, 'expose').mockImplementation(function (this: SecretBytes) {
    const b = real.call(this);
    buffers.push(b);
    return b;
  });
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  spy.mockRestore();
  return { buffers, error };
}
/** Every SecretBytes created during `fn`. */
function secretsDuring(fn: () => unknown): { secrets: SecretBytes[]; error: unknown } {
  const spy = vi.spyOn(SecretBytes, 'from');
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  const secrets = spy.mock.results.filter((r) => r.type === 'return').map((r) => r.value as SecretBytes);
  spy.mockRestore();
  return { secrets, error };
}
const allZero = (b: Uint8Array) => b.every((x) => x === 0);

describe('prepareVault', () => {
  it('a frozen prepared vault: owner, domain, chain, a fresh 32-byte salt and its key message', () => {
    const a = prepareVault({ address: w.address, domain: DOMAIN, chain: 'testnet' });
    const b = prepareVault({ address: w.address, domain: DOMAIN, chain: 'testnet' });
    expect(Object.isFrozen(a)).toBe(true);
    expect(Object.keys(a).sort()).toEqual(['chain', 'domain', 'keyMessage', 'owner', 'salt']);
    expect([a.owner, a.domain, a.chain]).toEqual([w.address, DOMAIN, 'testnet']);
    const salt = base64urlnopad.decode(a.salt);
    expect(salt).toHaveLength(32);
    expect(a.keyMessage).toBe(createKeyMessage({ address: w.address, domain: DOMAIN, chain: 'testnet', salt }));
    expect(b.salt).not.toBe(a.salt);
  });
  it('refusals name the field', () => {
    expect(expectCode(() => prepareVault({ address: 'x', domain: DOMAIN, chain: 'mainnet' }), 'INVALID_INPUT').details?.['field']).toBe('address');
    expect(expectCode(() => prepareVault({ address: w.address, domain: 'A.b', chain: 'mainnet' }), 'INVALID_INPUT').details?.['field']).toBe('domain');
    expect(expectCode(() => prepareVault({ address: w.address, domain: DOMAIN, chain: 'x' as 'mainnet' }), 'INVALID_INPUT').details?.['field']).toBe('chain');
    expect(expectCode(() => prepareVault(null as never), 'INVALID_INPUT').details?.['field']).toBe('options');
  });
});

describe('createVault', () => {
  it('stores exactly the SPEC 6.1 vault: format, schema, owner = wallet, kdm, one active UMK v1, revision 1', () => {
    const { prepared, signatures } = prep();
    let now = Date.now();
    const created = createVault({ prepared, signatures, authorization: fakeAuthorization(w.address, 'unlock', now), clock: () => now });
    expect(Object.isFrozen(created)).toBe(true);
    expect(Object.keys(created).sort()).toEqual(['unlocked', 'vault']);
    const v = created.vault;
    expect(Object.keys(v).sort()).toEqual(['activeUmkVersion', 'chain', 'domain', 'format', 'kdm', 'mac', 'owner', 'revision', 'schema', 'umks', 'wallet']);
    expect({ ...v, umks: undefined, mac: undefined }).toEqual({
      format: 'agentvault/vault', schema: 1, owner: w.address, wallet: w.address, domain: DOMAIN, chain: 'mainnet',
      kdm: { version: 1, salt: prepared.salt, signedAs: 'raw', peppered: false }, activeUmkVersion: 1, revision: 1, umks: undefined, mac: undefined,
    });
    expect(v.umks).toHaveLength(1);
    expect(Object.keys(v.umks[0]!).sort()).toEqual(['state', 'version', 'wallet']);
    expect([v.umks[0]!.version, v.umks[0]!.state]).toEqual([1, 'active']);
    // The handle: unlocked, default lifetime by the injected clock, the same vault.
    const u = created.unlocked;
    expect(u.expiresAt).toBe(now + DEFAULT_UNLOCK_TTL_MS);
    expect(DEFAULT_UNLOCK_TTL_MS).toBe(3_600_000);
    expect(u.data).toEqual(v);
    expect(u.activeUmkVersion).toBe(1);
    // Its UMK is the one in the keyslot: a record sealed now opens after a fresh unlock.
    const rec = u.seal('profile', te.encode('first'));
    u.lock();
    expect(unlock(v).open('profile', rec).exposeText()).toBe('first');
    now += 0;
  });
  it('with a recovery code and a pepper: both recorded, the code returned once', () => {
    const created = make({ pepper: PEPPER, recovery: { kind: 'code' } });
    const v = created.vault;
    expect(v.kdm.peppered).toBe(true);
    expect(Object.keys(v.recovery!).sort()).toEqual(['kind', 'peppered', 'salt']);
    expect(v.recovery).toMatchObject({ kind: 'code', peppered: true });
    expect(base64urlnopad.decode(v.recovery!.salt)).toHaveLength(32);
    expect(Object.keys(v.umks[0]!).sort()).toEqual(['recovery', 'state', 'version', 'wallet']);
    expect(created.recoveryCode!.exposeText()).toMatch(/^[0-9A-Z]{5}(-[0-9A-Z]{5}){4}-[0-9A-Z]$/);
    created.unlocked.lock();
    const ru = unlockVaultWithRecovery(v, { authorization: fakeAuthorization(w.address), recoveryCode: created.recoveryCode!.exposeText(), pepper: PEPPER });
    expect(ru.activeUmkVersion).toBe(1);
    ru.lock();
    // Without recovery there is no recoveryCode key at all.
    expect('recoveryCode' in make()).toBe(false);
  });
  it('ttlMs and clock: bounds checked before the authorization is spent; expiry by the injected clock', () => {
    const { prepared, signatures } = prep();
    const auth = fakeAuthorization(w.address);
    for (const ttlMs of [0, -1, 1.5, MAX_UNLOCK_TTL_MS + 1, '60000']) {
      const e = expectCode(() => createVault({ prepared, signatures, authorization: auth, ttlMs: ttlMs as number }), 'INVALID_INPUT');
      expect(e.details).toEqual({ field: 'ttlMs' });
    }
    const now = Date.now();
    const u = createVault({ prepared, signatures, authorization: auth, ttlMs: 1, clock: () => now }).unlocked;
    expect(u.expiresAt).toBe(now + 1);
    const { prepared: p2, signatures: s2 } = prep();
    const u2 = createVault({ prepared: p2, signatures: s2, authorization: fakeAuthorization(w.address), ttlMs: MAX_UNLOCK_TTL_MS, clock: () => now });
    expect(u2.unlocked.expiresAt).toBe(now + MAX_UNLOCK_TTL_MS);
    u2.unlocked.lock();
    // The clock decides whether the authorization is still fresh.
    const { prepared: p3, signatures: s3 } = prep();
    expectCode(() => createVault({ prepared: p3, signatures: s3, authorization: fakeAuthorization(w.address), clock: () => Date.now() + 3_600_000 }), 'AUTHORIZATION_REQUIRED');
  });
  it('prepared: owner and salt refusals name the field', () => {
    const { prepared, signatures } = prep();
    const auth = () => fakeAuthorization(w.address);
    expect(expectCode(() => createVault({ prepared: { ...prepared, owner: 'x' }, signatures, authorization: auth() }), 'INVALID_INPUT').details?.['field']).toBe('prepared.owner');
    const e = expectCode(() => createVault({ prepared: { ...prepared, salt: 7 as never }, signatures, authorization: auth() }), 'INVALID_INPUT');
    expect(e.details).toEqual({ field: 'salt' });
    expect(e.message).toBe('salt: expected the base64url salt from prepareVault');
    expect(expectCode(() => createVault({ prepared: { ...prepared, salt: 'AAAA' }, signatures, authorization: auth() }), 'INVALID_INPUT').details).toEqual({ field: 'salt', reason: 'bad-length' });
    expect(expectCode(() => createVault({ prepared: null as never, signatures, authorization: auth() }), 'INVALID_INPUT').details?.['field']).toBe('prepared');
  });
  it('signatures: two 64-byte signatures, each named; a garbage second one is INVALID_SIGNATURE', () => {
    const { prepared, signatures: [sig] } = prep();
    const auth = () => fakeAuthorization(w.address);
    for (const s of [sig, [sig], [sig, sig, sig], 'sigs', null]) {
      const e = expectCode(() => createVault({ prepared, signatures: s as never, authorization: auth() }), 'INVALID_INPUT');
      expect(e.details).toEqual({ field: 'signatures' });
      expect(e.message).toBe('signatures: expected two signatures of the key message (to check the signer is deterministic)');
    }
    expect(expectCode(() => createVault({ prepared, signatures: [sig.subarray(1), sig] as never, authorization: auth() }), 'INVALID_INPUT').details).toEqual({ field: 'signatures[0]' });
    expect(expectCode(() => createVault({ prepared, signatures: [sig, sig.subarray(1)] as never, authorization: auth() }), 'INVALID_INPUT').details).toEqual({ field: 'signatures[1]' });
    // A valid first and a non-verifying second: the second is verified too, and the first key is zeroed.
    const garbage = Uint8Array.from(sig, (b, i) => (i === 10 ? b ^ 1 : b));
    const { secrets, error } = secretsDuring(() => createVault({ prepared, signatures: [sig, garbage], authorization: auth() }));
    expect((error as { code?: string }).code).toBe('INVALID_SIGNATURE');
    expect(secrets).toHaveLength(1);
    expect(secrets[0]!.disposed).toBe(true);
    // Two different valid signatures: NONDETERMINISTIC_SIGNER, both derived keys zeroed.
    const other = w.signRandomized(prepared.keyMessage);
    const r = secretsDuring(() => createVault({ prepared, signatures: [sig, other], authorization: auth() }));
    expect((r.error as { code?: string }).code).toBe('NONDETERMINISTIC_SIGNER');
    expect((r.error as Error).message).toBe('the wallet produced two different signatures of the same key message; a vault needs a deterministic (RFC 8032) signer');
    expect(r.secrets).toHaveLength(2);
    expect(r.secrets.every((s) => s.disposed)).toBe(true);
  });
  it('recovery requests: null, an unknown kind and foreign keys are refused by name', () => {
    const { prepared, signatures } = prep();
    const auth = () => fakeAuthorization(w.address);
    expect(expectCode(() => createVault({ prepared, signatures, authorization: auth(), recovery: null as never }), 'INVALID_INPUT').details?.['field']).toBe('recovery');
    const e = expectCode(() => createVault({ prepared, signatures, authorization: auth(), recovery: { kind: 'pin' } as never }), 'INVALID_INPUT');
    expect(e.details).toEqual({ field: 'recovery.kind' });
    expect(e.message).toBe("recovery.kind: expected 'code' or 'passphrase'");
    expect(expectCode(() => createVault({ prepared, signatures, authorization: auth(), recovery: { kind: 'code', scrypt: {} } as never }), 'INVALID_INPUT').details).toEqual({ field: 'recovery.scrypt', reason: 'unknown-option' });
  });
  it('a failure after the wallet key was derived zeroes it, and the UMK drawn for the vault', () => {
    const { prepared, signatures } = prep();
    const draws: Uint8Array[] = [];
    let n = 0;
    _setRandomSourceForTests((len) => {
      const b = new Uint8Array(len).fill(++n);
      draws.push(b);
      return b;
    });
    const { secrets, error } = secretsDuring(() =>
      createVault({ prepared, signatures, authorization: fakeAuthorization(w.address), recovery: { kind: 'passphrase', passphrase: 'too short' } }),
    );
    _setRandomSourceForTests();
    expect((error as { code?: string }).code).toBe('WEAK_KEY');
    expect(secrets).toHaveLength(1);
    expect(secrets[0]!.disposed).toBe(true);
    const umk = draws.find((d) => d.length === 32);
    expect(umk).toBeDefined();
    expect(allZero(umk!)).toBe(true);
  });
  it('a passphrase without scrypt parameters uses the defaults (N = 2^17, r = 8, p = 1)', async () => {
    const created = await seededForMutation(() => make({ recovery: { kind: 'passphrase', passphrase: 'correct horse battery staple' } }), 'defaults');
    created.unlocked.lock();
    expect(created.vault.recovery).toEqual({ kind: 'passphrase', salt: created.vault.recovery!.salt, scrypt: { N: 2 ** 17, r: 8, p: 1 }, peppered: false });
    expect('recoveryCode' in created).toBe(false);
  });
});

describe('keyslots (_sealSlot, _openSlot)', () => {
  const created = make({ recovery: { kind: 'code' } });
  created.unlocked.lock();
  const v = created.vault;
  const wk = () => deriveWalletKey({ address: w.address, domain: DOMAIN, chain: 'mainnet', salt: base64urlnopad.decode(v.kdm.salt), signature: w.sign(vaultKeyMessage(v).text) });
  it('a keyslot is a umk.<slot> record of its version, bound to owner, domain and chain', () => {
    const key = wk();
    const umk = _openSlot(key, v.umks[0]!.wallet!, 'wallet', v);
    expect(umk).toHaveLength(UMK_LENGTH);
    const again = openRecord(key, v.umks[0]!.wallet!, { type: 'umk.wallet', context: { address: w.address, domain: DOMAIN, chain: 'mainnet' } });
    expect(again.plaintext.expose()).toEqual(umk);
    const sealed = _sealSlot(key, umk, 'recovery', 7, v);
    expect(_openSlot(key, sealed, 'recovery', v)).toEqual(umk);
    expect(openRecord(key, sealed, { type: 'umk.recovery', context: { address: w.address, domain: DOMAIN, chain: 'mainnet' } }).umkVersion).toBe(7);
    key.dispose();
  });
  it('a wrong key reads as the slot\'s own error; any other refusal passes through', () => {
    const wrong = SecretBytes.from(new Uint8Array(32).fill(9));
    const e = expectCode(() => _openSlot(wrong, v.umks[0]!.wallet!, 'wallet', v), 'WALLET_KEY_NOT_REPRODUCED');
    expect(e.details).toEqual({ signedAs: 'raw' });
    expect(e.message).toBe("the wallet signature did not reproduce this vault's key; ask the wallet to sign the key message again as plain text");
    const off = { ...v, kdm: { ...v.kdm, signedAs: 'offchain-v1' as const } };
    const e2 = expectCode(() => _openSlot(wrong, v.umks[0]!.wallet!, 'wallet', off), 'WALLET_KEY_NOT_REPRODUCED');
    expect(e2.details).toEqual({ signedAs: 'offchain-v1' });
    expect(e2.message).toBe("the wallet signature did not reproduce this vault's key; ask the wallet to sign the key message again as a Solana off-chain message (Ledger)");
    const e3 = expectCode(() => _openSlot(wrong, v.umks[0]!.recovery!, 'recovery', v), 'RECOVERY_CODE_MISMATCH');
    expect(e3.message).toBe('the recovery code or passphrase does not open this vault');
    // The wallet slot opened as a recovery slot (and the reverse): the record's type refuses it.
    const key = wk();
    expectCode(() => _openSlot(key, v.umks[0]!.wallet!, 'recovery', v), 'CONTEXT_MISMATCH');
    expectCode(() => _openSlot(key, v.umks[0]!.recovery!, 'wallet', v), 'CONTEXT_MISMATCH');
    // A slot of another vault scope (domain) is refused as a context mismatch too.
    expectCode(() => _openSlot(key, v.umks[0]!.wallet!, 'wallet', { ...v, domain: 'other.example' }), 'CONTEXT_MISMATCH');
    key.dispose();
  });
  it('a slot that does not hold 32 bytes is INTEGRITY, and what it held is zeroed', () => {
    const key = wk();
    for (const len of [31, 33]) {
      const held = new Uint8Array(len).fill(5);
      const slot = _sealSlot(key, held, 'wallet', 1, v);
      const { secrets, error } = secretsDuring(() => _openSlot(key, slot, 'wallet', v));
      expect((error as { code?: string; message?: string }).code).toBe('INTEGRITY');
      expect((error as Error).message).toBe('vault: a keyslot does not hold a 32-byte key');
      const plain = secrets.filter((b) => b.length === len);
      expect(plain.length).toBe(1);
      expect(plain[0]!.disposed).toBe(true);
    }
    key.dispose();
  });
});

describe('unlockVault', () => {
  const peppered = make({ pepper: PEPPER });
  peppered.unlocked.lock();
  const plain = make();
  plain.unlocked.lock();
  it('pepper: required exactly when the vault has one, each refusal named', () => {
    const e = expectCode(() => unlock(peppered.vault), 'INVALID_INPUT');
    expect(e.details).toEqual({ field: 'pepper' });
    expect(e.message).toBe("pepper: this vault's wallet keyslot was created with a pepper; pass it");
    const e2 = expectCode(() => unlock(plain.vault, w, { pepper: PEPPER }), 'INVALID_INPUT');
    expect(e2.details).toEqual({ field: 'pepper' });
    expect(e2.message).toBe("pepper: this vault's wallet keyslot has no pepper");
    unlock(peppered.vault, w, { pepper: PEPPER }).lock();
  });
  it('ttlMs is checked before the authorization is spent; expiry is clock() + ttl', () => {
    const auth = fakeAuthorization(w.address);
    const signature = w.sign(vaultKeyMessage(plain.vault).text);
    for (const ttlMs of [0, MAX_UNLOCK_TTL_MS + 1]) expect(expectCode(() => unlockVault(plain.vault, { authorization: auth, signature, ttlMs }), 'INVALID_INPUT').details).toEqual({ field: 'ttlMs' });
    const now = Date.now();
    const u = unlockVault(plain.vault, { authorization: auth, signature, clock: () => now });
    expect(u.expiresAt).toBe(now + DEFAULT_UNLOCK_TTL_MS);
    u.lock();
    const u2 = unlockVault(plain.vault, { authorization: fakeAuthorization(w.address), signature, clock: () => now, ttlMs: 5000 });
    expect(u2.expiresAt).toBe(now + 5000);
    u2.lock();
    // The clock decides whether the authorization is fresh.
    expectCode(() => unlockVault(plain.vault, { authorization: fakeAuthorization(w.address), signature, clock: () => Date.now() + 3_600_000 }), 'AUTHORIZATION_REQUIRED');
  });
  it('signature: 64 bytes, named', () => {
    const e = expectCode(() => unlockVault(plain.vault, { authorization: fakeAuthorization(w.address), signature: new Uint8Array(63) }), 'INVALID_INPUT');
    expect(e.details).toEqual({ field: 'signature' });
  });
  it('a failed unlock zeroes the wallet key and every UMK it opened', () => {
    const u = unlock(plain.vault);
    const { vault: rotated } = rotateVault(u);
    u.lock();
    const tampered = JSON.parse(JSON.stringify(rotated));
    tampered.revision = 5;
    const signature = w.sign(vaultKeyMessage(rotated).text);
    const { buffers, error } = exposedDuring(() => unlockVault(tampered, { authorization: fakeAuthorization(w.address), signature }));
    expect((error as { code?: string }).code).toBe('INTEGRITY');
    const keys = buffers.filter((b) => b.length === 32);
    expect(keys.length).toBeGreaterThanOrEqual(3); // the wallet key, UMK v1, UMK v2
    expect(keys.every(allZero)).toBe(true);
    // And the wallet key of an unlock that fails on the keyslot (another pepper) is zeroed too.
    const r = secretsDuring(() => unlock(peppered.vault, w, { pepper: PEPPER.map((b) => b ^ 0x55) }));
    expect((r.error as { code?: string }).code).toBe('WALLET_KEY_NOT_REPRODUCED');
    expect(r.secrets.length).toBeGreaterThan(0);
    expect(r.secrets.every((s) => s.disposed)).toBe(true);
  });
  it('vaultKeyMessage: the text of the current wallet, its signing form and address', () => {
    const m = vaultKeyMessage(plain.vault);
    expect(m).toEqual({ text: createKeyMessage({ address: w.address, domain: DOMAIN, chain: 'mainnet', salt: base64urlnopad.decode(plain.vault.kdm.salt) }), signedAs: 'raw', address: w.address });
    const u = unlock(plain.vault);
    const { prepared, signatures } = prep(w2);
    const { vault: moved } = rewrapVault(u, { prepared, signatures });
    u.lock();
    expect(vaultKeyMessage(moved)).toEqual({ text: prepared.keyMessage, signedAs: 'raw', address: w2.address });
    expectCode(() => vaultKeyMessage(asVault({ ...plain.vault, format: 'x' })), 'INVALID_INPUT');
  });
});

describe('unlockVaultWithRecovery', () => {
  const created = make({ recovery: { kind: 'code' } });
  created.unlocked.lock();
  const v = created.vault;
  const code = created.recoveryCode!.exposeText();
  it('a vault without recovery: NO_RECOVERY_SLOT before the authorization is spent', () => {
    const plain = make();
    plain.unlocked.lock();
    const auth = fakeAuthorization(w.address);
    const e = expectCode(() => unlockVaultWithRecovery(plain.vault, { authorization: auth, recoveryCode: code }), 'NO_RECOVERY_SLOT');
    expect(e.message).toBe('the vault has no recovery keyslot');
    unlockVault(plain.vault, { authorization: auth, signature: w.sign(vaultKeyMessage(plain.vault).text) }).lock();
  });
  it('ttlMs before the authorization; authorizedBy named; the own wallet, named or not, gives a full handle', () => {
    const auth = fakeAuthorization(w.address);
    expect(expectCode(() => unlockVaultWithRecovery(v, { authorization: auth, recoveryCode: code, ttlMs: 0 }), 'INVALID_INPUT').details).toEqual({ field: 'ttlMs' });
    expect(expectCode(() => unlockVaultWithRecovery(v, { authorization: auth, recoveryCode: code, authorizedBy: 'x' }), 'INVALID_INPUT').details?.['field']).toBe('authorizedBy');
    const now = Date.now();
    const full = unlockVaultWithRecovery(v, { authorization: auth, recoveryCode: code, authorizedBy: w.address, clock: () => now, ttlMs: 1234 });
    expect(full.expiresAt).toBe(now + 1234);
    full.subkey('profile').dispose();
    full.lock();
    const full2 = unlockVaultWithRecovery(v, { authorization: fakeAuthorization(w.address), recoveryCode: code, clock: () => now });
    expect(full2.expiresAt).toBe(now + DEFAULT_UNLOCK_TTL_MS);
    full2.subkey('profile').dispose();
    full2.lock();
    expectCode(() => unlockVaultWithRecovery(v, { authorization: fakeAuthorization(w.address), recoveryCode: code, clock: () => Date.now() + 3_600_000 }), 'AUTHORIZATION_REQUIRED');
  });
  it('a restricted handle still reports its vault, and refuses keys and records', () => {
    const h = unlockVaultWithRecovery(v, { authorization: fakeAuthorization(w2.address), authorizedBy: w2.address, recoveryCode: code });
    expect(h.owner).toBe(w.address);
    expect(h.address).toBe(w.address);
    expect(h.data).toEqual(v);
    expect(h.activeUmkVersion).toBe(1);
    expect(h.locked).toBe(false);
    const e = expectCode(() => h.subkey('profile'), 'AUTHORIZATION_REQUIRED');
    expect(e.message).toBe('this handle was opened by recovery for a new wallet: rewrap the vault to that wallet first');
    expectCode(() => stateFor(h), 'AUTHORIZATION_REQUIRED');
    h.lock();
  });
  it('the recovery input must match the kind, each refusal named; a wrong one zeroes the derived key', () => {
    const e = expectCode(() => unlockVaultWithRecovery(v, { authorization: fakeAuthorization(w.address), passphrase: 'correct horse battery staple' }), 'INVALID_INPUT');
    expect(e.details).toEqual({ field: 'recoveryCode' });
    expect(e.message).toBe('recoveryCode: this vault recovers with a code');
    const pass = { ...JSON.parse(JSON.stringify(v)), recovery: { ...v.recovery, kind: 'passphrase', scrypt: { N: 2 ** 15, r: 8, p: 1 } } };
    const e2 = expectCode(() => unlockVaultWithRecovery(pass, { authorization: fakeAuthorization(w.address), recoveryCode: code }), 'INVALID_INPUT');
    expect(e2.details).toEqual({ field: 'passphrase' });
    expect(e2.message).toBe('passphrase: this vault recovers with a passphrase');
    const e3 = expectCode(() => unlockVaultWithRecovery(v, { authorization: fakeAuthorization(w.address), recoveryCode: code, pepper: PEPPER }), 'INVALID_INPUT');
    expect(e3.details).toEqual({ field: 'pepper' });
    expect(e3.message).toBe("pepper: this vault's recovery keyslot has no pepper");
    const pep = { ...JSON.parse(JSON.stringify(v)), recovery: { ...v.recovery, peppered: true } };
    expect(expectCode(() => unlockVaultWithRecovery(pep, { authorization: fakeAuthorization(w.address), recoveryCode: code }), 'INVALID_INPUT').message).toBe(
      "pepper: this vault's recovery keyslot was created with a pepper; pass it",
    );
    const wrong = '0000000000000000000000000G';
    const r = secretsDuring(() => unlockVaultWithRecovery(v, { authorization: fakeAuthorization(w.address), recoveryCode: wrong }));
    expect((r.error as { code?: string }).code).toBe('RECOVERY_CODE_MISMATCH');
    expect(r.secrets.length).toBeGreaterThan(0);
    expect(r.secrets.every((s) => s.disposed)).toBe(true);
  });
});

describe('rewrapVault', () => {
  it('a handle without a wallet or recovery key (reopened from a session) cannot rewrap', () => {
    const created = make();
    const umk = stateFor(created.unlocked).umks.get(1)!;
    const now = Date.now();
    const session = new UnlockedVault({
      data: created.vault, umks: new Map([[1, Uint8Array.from(umk)]]), walletKey: undefined, recoveryKey: undefined, restrictedTo: undefined,
      clock: Date.now, expiresAt: now + 60_000, realExpiresAt: now + 60_000,
    });
    created.unlocked.lock();
    const { prepared, signatures } = prep(w2);
    const e = expectCode(() => rewrapVault(session, { prepared, signatures }), 'AUTHORIZATION_REQUIRED');
    expect(e.details).toEqual({ reason: 'session-handle' });
    expect(e.message).toBe('a handle reopened from a session cannot rewrap the vault: unlock it with the wallet (or recover) first');
    session.lock();
  });
  it('the rewrapped vault: same owner and UMKs, new wallet, salt and kdm, revision + 1; the handle follows it', () => {
    const created = make({ recovery: { kind: 'code' } });
    const u = created.unlocked;
    const rec = u.seal('profile', te.encode('kept'));
    const { vault: v2 } = rotateVault(u, { recoveryCode: created.recoveryCode!.exposeText() });
    const { vault: v3 } = (() => {
      // retire nothing: keep two live versions and one record on v1
      return { vault: v2 };
    })();
    const { prepared, signatures } = prep(w2);
    const out = rewrapVault(u, { prepared, signatures });
    expect(Object.isFrozen(out)).toBe(true);
    expect(Object.keys(out)).toEqual(['vault']);
    const n = out.vault;
    expect(n.owner).toBe(w.address);
    expect(n.wallet).toBe(w2.address);
    expect(n.revision).toBe(v3.revision + 1);
    expect(n.kdm).toEqual({ version: 1, salt: prepared.salt, signedAs: 'raw', peppered: false });
    expect(n.recovery).toEqual(v3.recovery);
    expect(n.umks.map((e) => [e.version, e.state, e.recovery])).toEqual(v3.umks.map((e) => [e.version, e.state, e.recovery]));
    expect(n.umks.every((e, i) => e.wallet !== v3.umks[i]!.wallet)).toBe(true);
    expect(u.data).toEqual(n);
    // The handle now holds the new wallet key: a rotation after the rewrap seals for the new wallet.
    const { vault: n2 } = rotateVault(u, { recoveryCode: created.recoveryCode!.exposeText() });
    u.lock();
    const u2 = unlock(n2, w2);
    expect(u2.activeUmkVersion).toBe(3);
    expect(u2.open('profile', rec).exposeText()).toBe('kept');
    u2.lock();
    expectCode(() => unlock(n2, w), 'AUTHORIZATION_REQUIRED');
  });
  it('a retired version is carried over as it is', () => {
    const created = make();
    const u = created.unlocked;
    rotateVault(u);
    retireUmkVersion(u, 1, []);
    rotateVault(u);
    const { prepared, signatures } = prep();
    const n = rewrapVault(u, { prepared, signatures }).vault;
    expect(n.umks.map((e) => e.state)).toEqual(['retired', 'decrypt-only', 'active']);
    expect(n.umks[0]).toEqual({ version: 1, state: 'retired' });
    const u2 = unlock(n);
    expect(u2.activeUmkVersion).toBe(3);
    u2.subkey('profile', 2).dispose();
    u2.lock();
    u.lock();
  });
  it('domain and chain must stay those of the vault (each on its own)', () => {
    const created = make();
    const p = prep();
    for (const over of [{ domain: 'other.example' }, { chain: 'devnet' }]) {
      const e = expectCode(() => rewrapVault(created.unlocked, { prepared: { ...p.prepared, ...over } as never, signatures: p.signatures }), 'INVALID_INPUT');
      expect(e.details).toEqual({ field: 'prepared' });
      expect(e.message).toBe('prepared: domain and chain must stay those of the vault');
    }
    expect(expectCode(() => rewrapVault(created.unlocked, { prepared: { ...p.prepared, owner: 'x' }, signatures: p.signatures }), 'INVALID_INPUT').details?.['field']).toBe('prepared.owner');
    expect(expectCode(() => rewrapVault(created.unlocked, { prepared: { ...p.prepared, salt: 9 as never }, signatures: p.signatures }), 'INVALID_INPUT').details).toEqual({ field: 'salt' });
    expect(expectCode(() => rewrapVault(created.unlocked, { prepared: p.prepared, signatures: p.signatures, recovery: { kind: 'pin' } as never }), 'INVALID_INPUT').details).toEqual({ field: 'recovery.kind' });
    expect(expectCode(() => rewrapVault(created.unlocked, { prepared: p.prepared, signatures: p.signatures, recovery: null as never }), 'INVALID_INPUT').details?.['field']).toBe('recovery');
    created.unlocked.lock();
  });
  it('a peppered vault: the pepper, or dropPepper: true; the message names both', () => {
    const created = make({ pepper: PEPPER });
    const p = prep();
    const e = expectCode(() => rewrapVault(created.unlocked, p), 'INVALID_INPUT');
    expect(e.details).toEqual({ field: 'pepper' });
    expect(e.message).toBe('pepper: this vault is peppered; pass the pepper, or dropPepper: true to stop peppering');
    const n = rewrapVault(created.unlocked, { ...p, pepper: PEPPER }).vault;
    expect(n.kdm.peppered).toBe(true);
    created.unlocked.lock();
    unlock(n, w, { pepper: PEPPER }).lock();
    // An unpeppered vault takes a new pepper on rewrap.
    const plain = make();
    const n2 = rewrapVault(plain.unlocked, { ...prep(), pepper: PEPPER }).vault;
    expect(n2.kdm.peppered).toBe(true);
    plain.unlocked.lock();
  });
  it("recovery: 'keep' (default), 'remove', or a new code that replaces the old one", () => {
    const created = make({ recovery: { kind: 'code' } });
    const u = created.unlocked;
    const old = created.recoveryCode!.exposeText();
    const kept = rewrapVault(u, { ...prep(), recovery: 'keep' }).vault;
    expect(kept.recovery).toEqual(created.vault.recovery);
    expect(kept.umks[0]!.recovery).toBe(created.vault.umks[0]!.recovery);
    const renewed = rewrapVault(u, { ...prep(), recovery: { kind: 'code' } });
    expect(Object.keys(renewed).sort()).toEqual(['recoveryCode', 'vault']);
    const fresh = renewed.recoveryCode!.exposeText();
    expect(fresh).not.toBe(old);
    expect(renewed.vault.recovery!.salt).not.toBe(created.vault.recovery!.salt);
    expect(renewed.vault.umks[0]!.recovery).not.toBe(created.vault.umks[0]!.recovery);
    expectCode(() => unlockVaultWithRecovery(renewed.vault, { authorization: fakeAuthorization(w.address), recoveryCode: old }), 'RECOVERY_CODE_MISMATCH');
    // The handle holds the new recovery key: a rotation carries the recovery slot without the code.
    const { vault: rotated } = rotateVault(u);
    const ru = unlockVaultWithRecovery(rotated, { authorization: fakeAuthorization(w.address), recoveryCode: fresh });
    expect(ru.activeUmkVersion).toBe(2);
    ru.lock();
    const removed = rewrapVault(u, { ...prep(), recovery: 'remove' }).vault;
    expect(removed.recovery).toBeUndefined();
    expect(removed.umks.some((e) => 'recovery' in e)).toBe(false);
    expect(Object.keys(rewrapVault(u, { ...prep(), recovery: 'remove' })).sort()).toEqual(['vault']);
    // No recovery left: a rotation needs no code.
    expect(rotateVault(u).vault.activeUmkVersion).toBe(3);
    u.lock();
  });
  it('signedAs: an explicit form is recorded, and signatures must be in it', () => {
    const created = make();
    const p = prepareVault({ address: w.address, domain: DOMAIN, chain: 'mainnet' });
    const off = w.sign(keyMessageBytes({ address: w.address, domain: DOMAIN, chain: 'mainnet', salt: base64urlnopad.decode(p.salt) }, 'offchain-v1'));
    expectCode(() => rewrapVault(created.unlocked, { prepared: p, signatures: [off, off] }), 'INVALID_SIGNATURE');
    expect(rewrapVault(created.unlocked, { prepared: p, signatures: [off, off], signedAs: 'offchain-v1' }).vault.kdm.signedAs).toBe('offchain-v1');
    created.unlocked.lock();
  });
  it('a failure after the new wallet key was derived zeroes it and leaves the handle as it was', () => {
    const created = make();
    const before = created.unlocked.data;
    const p = prep(w2);
    const { secrets, error } = secretsDuring(() => rewrapVault(created.unlocked, { ...p, recovery: { kind: 'passphrase', passphrase: 'too short' } }));
    expect((error as { code?: string }).code).toBe('WEAK_KEY');
    expect(secrets).toHaveLength(1);
    expect(secrets[0]!.disposed).toBe(true);
    expect(created.unlocked.data).toBe(before);
    created.unlocked.lock();
  });
  it('a restricted handle moves the vault only to its own wallet, then is a full handle', () => {
    const created = make({ recovery: { kind: 'code' } });
    const rec = created.unlocked.seal('profile', te.encode('r'));
    created.unlocked.lock();
    const h = unlockVaultWithRecovery(created.vault, { authorization: fakeAuthorization(w2.address), authorizedBy: w2.address, recoveryCode: created.recoveryCode!.exposeText() });
    const e = expectCode(() => rewrapVault(h, prep(testWallet(63))), 'AUTHORIZATION_REQUIRED');
    expect(e.message).toBe('a recovery handle can only move the vault to the wallet that authorized the recovery');
    const n = rewrapVault(h, prep(w2)).vault;
    expect(h.open('profile', rec).exposeText()).toBe('r');
    expect(n.wallet).toBe(w2.address);
    h.lock();
    const again = parseVault(JSON.parse(JSON.stringify(n)));
    expect(again).toEqual(n);
  });
});

describe('rewrapVault: the keys the handle gives up', () => {
  it('the old wallet key is zeroed; a new or removed recovery zeroes the old recovery key', () => {
    const created = make({ recovery: { kind: 'code' } });
    const u = created.unlocked;
    const oldWallet = stateFor(u).walletKey!;
    const oldRecovery = stateFor(u).recoveryKey!;
    rewrapVault(u, prep(w2));
    expect(oldWallet.disposed).toBe(true);
    expect(oldRecovery.disposed).toBe(false); // kept: the slots did not change
    expect(stateFor(u).recoveryKey).toBe(oldRecovery);
    const renewed = rewrapVault(u, { ...prep(w2), recovery: { kind: 'code' } });
    expect(oldRecovery.disposed).toBe(true);
    const newRecovery = stateFor(u).recoveryKey!;
    expect(newRecovery.disposed).toBe(false);
    renewed.recoveryCode!.dispose();
    rewrapVault(u, { ...prep(w2), recovery: 'remove' });
    expect(newRecovery.disposed).toBe(true);
    expect(stateFor(u).recoveryKey).toBeUndefined();
    u.lock();
  });
  it('an off-chain (Ledger) signer that randomizes is NONDETERMINISTIC_SIGNER, not INVALID_SIGNATURE', () => {
    const p = prepareVault({ address: w.address, domain: DOMAIN, chain: 'mainnet' });
    const bytes = keyMessageBytes({ address: w.address, domain: DOMAIN, chain: 'mainnet', salt: base64urlnopad.decode(p.salt) }, 'offchain-v1');
    const a = w.signRandomized(bytes);
    const b = w.signRandomized(bytes);
    expectCode(() => createVault({ prepared: p, signatures: [a, b], signedAs: 'offchain-v1', authorization: fakeAuthorization(w.address) }), 'NONDETERMINISTIC_SIGNER');
    const peppered = createVault({ prepared: p, signatures: [a, a], signedAs: 'offchain-v1', pepper: PEPPER, authorization: fakeAuthorization(w.address) });
    expect(peppered.vault.kdm).toMatchObject({ signedAs: 'offchain-v1', peppered: true });
    const e = expectCode(() => rewrapVault(peppered.unlocked, { ...prep(), pepper: PEPPER }), 'INVALID_SIGNATURE');
    expect(e.details).toEqual({ reason: 'kdm-signature' });
    peppered.unlocked.lock();
  });
});
