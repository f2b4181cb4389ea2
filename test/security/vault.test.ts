/**
 * Security regression tests (vault, records, authorization). Each `it` started as a failing
 * proof of concept of the adversarial review (finding Fn); it now asserts the fixed behaviour
 * with the library's error codes, and fails again if the fix is reverted.
 */
import { base64urlnopad } from '@scure/base';
import { describe, expect, it, vi } from 'vitest';
import { AgentvaultError } from '../../src/errors.js';
import type { VerifiedMessage } from '../../src/messages/authorization.js';
import { openRecord, sealRecord } from '../../src/records/record.js';
import { _setRandomSourceForTests } from '../../src/_random.js';
import { MAX_UMK_ENTRIES, MAX_UMK_VERSIONS, parseVault, type VaultData } from '../../src/vault/data.js';
import { deriveWalletKey, keyMessageBytes } from '../../src/vault/kdm.js';
import { signVault } from '../../src/vault/mac.js';
import { migrateRecords, retireUmkVersion, rotateVault } from '../../src/vault/rotation.js';
import {
  _openSlot,
  createVault,
  prepareVault,
  rewrapVault,
  unlockVault,
  unlockVaultWithRecovery,
  vaultKeyMessage,
} from '../../src/vault/vault.js';
import { fakeAuthorization } from '../helpers/auth.js';
import { expectCode, expectCodeAsync } from '../helpers/errors.js';
import { testWallet, type TestWallet } from '../vault/_wallet.js';
import { seededForMutation } from '../vault/_scrypt-cache.js';

// Mutation runs only: scrypt memoized on disk (see _scrypt-cache.ts); the normal suite runs it for real.
vi.mock('@noble/hashes/scrypt.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('@noble/hashes/scrypt.js')>();
  const { cachedScrypt } = await import('../vault/_scrypt-cache.js');
  return { ...real, scrypt: cachedScrypt(real.scrypt as never) };
});
import { asVault } from '../helpers/untyped.js';

const DOMAIN = 'app.example.com';
const te = new TextEncoder();
const FAST_SCRYPT = { N: 2 ** 15, r: 8, p: 1 };
const PEPPER = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff);
const PASSPHRASE = 'correct horse battery';

function make(w: TestWallet, extra: Partial<Parameters<typeof createVault>[0]> = {}) {
  const prepared = prepareVault({ address: w.address, domain: DOMAIN, chain: 'mainnet' });
  const sig = w.sign(prepared.keyMessage);
  return createVault({ prepared, signatures: [sig, sig], authorization: fakeAuthorization(w.address), ...extra });
}
function unlock(v: unknown, w: TestWallet, extra: Record<string, unknown> = {}) {
  const { text } = vaultKeyMessage(asVault(v));
  return unlockVault(asVault(v), { authorization: fakeAuthorization(w.address), signature: w.sign(text), ...extra });
}
const json = (v: VaultData): any => JSON.parse(JSON.stringify(v));

/** The wallet key of `vault`, derived as unlock does (for building hostile vaults). */
function walletKeyOf(vault: VaultData, w: TestWallet) {
  return deriveWalletKey({
    address: w.address,
    domain: DOMAIN,
    chain: 'mainnet',
    salt: base64urlnopad.decode(vault.kdm.salt),
    signature: w.sign(vaultKeyMessage(vault).text),
  });
}

/** A branded authorization for the vault's wallet, with some fields overridden. */
function authFor(address: string, over: Partial<VerifiedMessage>): VerifiedMessage {
  return fakeAuthorization(address, 'unlock', Date.now(), over);
}

describe('security: vault', () => {
  it('F1 fixed: a peppered vault\'s recovery keyslot does not open without the pepper (dump + passphrase is not enough)', async () => {
    const w = testWallet(1);
    const { vault, unlocked } = await seededForMutation(() => make(w, { pepper: PEPPER, recovery: { kind: 'passphrase', passphrase: PASSPHRASE, scrypt: FAST_SCRYPT } }), 'F1');
    unlocked.lock();
    expect(vault.kdm.peppered).toBe(true);
    expect(vault.recovery?.peppered).toBe(true);
    const thief = testWallet(2);
    const steal = (v: unknown, extra: Record<string, unknown> = {}) =>
      unlockVaultWithRecovery(asVault(v), { authorization: fakeAuthorization(thief.address), authorizedBy: thief.address, passphrase: PASSPHRASE, ...extra });
    // The stored JSON, the passphrase and a wallet's authorization, but no pepper: refused.
    expectCode(() => steal(json(vault)), 'INVALID_INPUT');
    // Editing the flag away does not help: the pepper is in the key material, not just a flag.
    const unflagged = json(vault);
    unflagged.recovery.peppered = false;
    expectCode(() => steal(unflagged), 'RECOVERY_CODE_MISMATCH');
    // A wrong pepper does not open it either.
    expectCode(() => steal(json(vault), { pepper: PEPPER.map((b) => b ^ 1) }), 'RECOVERY_CODE_MISMATCH');
    // Control: with the pepper (server side) and the owner's wallet, recovery works.
    const ok = unlockVaultWithRecovery(json(vault), { authorization: fakeAuthorization(w.address), passphrase: PASSPHRASE, pepper: PEPPER });
    expect(ok.locked).toBe(false);
    ok.lock();
  });

  it('F2 fixed: rolling the active UMK back is refused at parse (INVALID_INPUT); any other edit at unlock (INTEGRITY)', () => {
    const w = testWallet(3);
    const { vault, unlocked: u } = make(w);
    const { vault: v2 } = rotateVault(u);
    u.lock();
    const rolledBack = json(v2);
    rolledBack.activeUmkVersion = 1;
    rolledBack.umks[0].state = 'active';
    rolledBack.umks[1].state = 'decrypt-only';
    expectCode(() => parseVault(rolledBack), 'INVALID_INPUT');
    expectCode(() => unlock(rolledBack, w), 'INVALID_INPUT');
    // Dropping the newer version entirely leaves a well-formed vault whose MAC no longer matches.
    const truncated = json(v2);
    truncated.umks = [{ ...truncated.umks[0], state: 'active' }];
    truncated.activeUmkVersion = 1;
    expectCode(() => unlock(truncated, w), 'INTEGRITY');
    // Field-level edits that parse fine: the revision, retiring a version behind the owner's back.
    const edits = [(t: any) => (t.revision = 1), (t: any) => (t.revision = 99), (t: any) => (t.umks[0] = { version: 1, state: 'retired' })];
    for (const edit of edits) {
      const t = json(v2);
      edit(t);
      expectCode(() => unlock(t, w), 'INTEGRITY');
    }
    // Control: the untouched rotated vault unlocks, and the original v1 vault (a whole earlier
    // snapshot, with its own valid MAC) still does: that is the documented limit (SPEC 6.6).
    unlock(json(v2), w).lock();
    unlock(json(vault), w).lock();
  });

  it('F2b fixed: stripping the recovery settings and slots, or the MAC, is refused (INTEGRITY / INVALID_INPUT)', () => {
    const w = testWallet(4);
    const { vault, recoveryCode, unlocked } = make(w, { recovery: { kind: 'code' } });
    unlocked.lock();
    recoveryCode!.dispose();
    const stripped = json(vault);
    delete stripped.recovery;
    for (const e of stripped.umks) delete e.recovery;
    expect(() => parseVault(stripped)).not.toThrow();
    expectCode(() => unlock(stripped, w), 'INTEGRITY');
    const noMac = json(vault);
    delete noMac.mac;
    expectCode(() => unlock(noMac, w), 'INVALID_INPUT');
    const otherMac = json(vault);
    otherMac.mac = base64urlnopad.encode(new Uint8Array(32));
    expectCode(() => unlock(otherMac, w), 'INTEGRITY');
    unlock(json(vault), w).lock();
  });

  it('F3 fixed: a leaked recovery code + another wallet gives a restricted handle: no records, no rewrap to a third wallet (AUTHORIZATION_REQUIRED)', () => {
    const owner = testWallet(5);
    const created = make(owner, { recovery: { kind: 'code' } });
    const profile = created.unlocked.seal('profile', te.encode('owner secret'));
    created.unlocked.lock();
    const code = created.recoveryCode!.exposeText();
    const thief = testWallet(6);
    const h = unlockVaultWithRecovery(json(created.vault), { authorization: fakeAuthorization(thief.address), authorizedBy: thief.address, recoveryCode: code });
    expectCode(() => h.open('profile', profile), 'AUTHORIZATION_REQUIRED');
    expectCode(() => h.seal('profile', te.encode('x')), 'AUTHORIZATION_REQUIRED');
    expectCode(() => h.subkey('profile'), 'AUTHORIZATION_REQUIRED');
    expectCode(() => rotateVault(h), 'AUTHORIZATION_REQUIRED');
    expectCode(() => retireUmkVersion(h, 1, []), 'AUTHORIZATION_REQUIRED');
    const third = testWallet(7);
    const p3 = prepareVault({ address: third.address, domain: DOMAIN, chain: 'mainnet' });
    const s3 = third.sign(p3.keyMessage);
    expectCode(() => rewrapVault(h, { prepared: p3, signatures: [s3, s3] }), 'AUTHORIZATION_REQUIRED');
    // What it can do, by design (SPEC 6.4): move the vault to the wallet that authorized it.
    const pt = prepareVault({ address: thief.address, domain: DOMAIN, chain: 'mainnet' });
    const st = thief.sign(pt.keyMessage);
    expect(rewrapVault(h, { prepared: pt, signatures: [st, st] }).vault.wallet).toBe(thief.address);
    h.lock();
    // Control: the same code with the vault's own wallet gives a full handle.
    const full = unlockVaultWithRecovery(json(created.vault), { authorization: fakeAuthorization(owner.address), recoveryCode: code });
    expect(full.open('profile', profile).exposeText()).toBe('owner secret');
    full.lock();
  });

  it('F4 fixed: an unlock authorization for another domain or cluster is refused (AUTHORIZATION_REQUIRED)', () => {
    const w = testWallet(8);
    const { vault, unlocked } = make(w);
    unlocked.lock();
    const sig = w.sign(vaultKeyMessage(vault).text);
    const tryWith = (over: Partial<VerifiedMessage>) => () => unlockVault(vault, { authorization: authFor(w.address, over), signature: sig }).lock();
    expectCode(tryWith({ domain: 'staging.other-app.example', uri: 'https://staging.other-app.example', chain: 'devnet' }), 'AUTHORIZATION_REQUIRED');
    expectCode(tryWith({ domain: 'staging.other-app.example', uri: 'https://staging.other-app.example' }), 'AUTHORIZATION_REQUIRED');
    expectCode(tryWith({ domain: 'app.example.com:8443' }), 'AUTHORIZATION_REQUIRED');
    expectCode(tryWith({ chain: 'devnet' }), 'AUTHORIZATION_REQUIRED');
    expectCode(tryWith({ chain: 'solana:devnet' }), 'AUTHORIZATION_REQUIRED');
    // createVault binds the same way.
    const prepared = prepareVault({ address: w.address, domain: DOMAIN, chain: 'mainnet' });
    const s = w.sign(prepared.keyMessage);
    expectCode(() => createVault({ prepared, signatures: [s, s], authorization: authFor(w.address, { chain: 'testnet' }) }), 'AUTHORIZATION_REQUIRED');
    // Control: `solana:mainnet` names the same cluster as `mainnet`.
    tryWith({ chain: 'solana:mainnet' })();
    tryWith({})();
  });

  it('F5 fixed: a stale handle (another instance rotated, or the rotation is unsaved) cannot migrate records (INVALID_INPUT)', async () => {
    const w = testWallet(9);
    const { vault, unlocked } = make(w);
    unlocked.lock();
    const a = unlock(vault, w);
    const b = unlock(vault, w); // another server instance, same stored vault
    const rec = a.seal('agent-key', te.encode('agent secret key'));
    const { vault: fromA } = rotateVault(a);
    // A's rotation is not stored yet: migration refuses to seal under a UMK the store lacks.
    await expectCodeAsync(migrateRecords(a, { stored: vault, records: [{ id: 'r1', type: 'agent-key', record: rec }], save: () => {} }), 'INVALID_INPUT');
    let migrated = rec;
    const stored: VaultData = fromA; // A saved (compare-and-swap on revision 1 succeeded)
    expect(await migrateRecords(a, { stored, records: [{ id: 'r1', type: 'agent-key', record: rec }], save: (_id, r) => void (migrated = r) })).toEqual({ migrated: 1, skipped: 0 });
    // B rotates from its stale view: same revision number as A's vault, other UMK v2.
    const { vault: fromB } = rotateVault(b);
    expect(fromB.revision).toBe(fromA.revision);
    let clobbered = false;
    await expectCodeAsync(
      migrateRecords(b, { stored, records: [{ id: 'r1', type: 'agent-key', record: rec }], save: () => void (clobbered = true) }),
      'INVALID_INPUT',
    );
    expect(clobbered).toBe(false);
    a.lock();
    b.lock();
    // What A migrated stays readable under the stored vault.
    const u = unlock(stored, w);
    expect(u.open('agent-key', migrated).exposeText()).toBe('agent secret key');
    u.lock();
  });

  it('F6 fixed: scrypt parameters outside the memory/work bounds in a stored vault are refused with INVALID_INPUT', async () => {
    const w = testWallet(10);
    const { vault, unlocked } = await seededForMutation(() => make(w, { recovery: { kind: 'passphrase', passphrase: PASSPHRASE, scrypt: FAST_SCRYPT } }), 'F6');
    unlocked.lock();
    const bounds = (p: { N: number; r: number; p: number }) => 128 * p.r * (p.N + p.p + 1) <= 256 * 2 ** 20 && p.N * p.r * p.p <= 2 ** 24;
    for (const scrypt of [
      { N: 2 ** 22, r: 32, p: 16 }, // 16 GiB: the review's PoC
      { N: 2 ** 18, r: 8, p: 1 }, // memory just over 256 MiB
      { N: 2 ** 16, r: 31, p: 16 }, // memory fine (248 MiB), work 2^24.95 over the bound
      { N: 2 ** 23, r: 8, p: 1 }, // N above 2^22
      { N: 3 * 2 ** 15, r: 8, p: 1 }, // not a power of two
      { N: 2 ** 15, r: 8, p: 1.5 },
      { N: 2 ** 15, r: 8 },
    ]) {
      const evil = json(vault);
      evil.recovery.scrypt = scrypt;
      expectCode(() => parseVault(evil), 'INVALID_INPUT');
      expectCode(() => unlockVaultWithRecovery(evil, { authorization: fakeAuthorization(w.address), passphrase: PASSPHRASE }), 'INVALID_INPUT');
    }
    expect(bounds({ N: 2 ** 16, r: 31, p: 16 })).toBe(false);
    expect(128 * 31 * (2 ** 16 + 17) <= 256 * 2 ** 20).toBe(true);
    // The defaults and the edge of the bounds are accepted by the parser.
    for (const scrypt of [{ N: 2 ** 17, r: 8, p: 1 }, { N: 2 ** 15, r: 32, p: 16 }, { N: 2 ** 16, r: 16, p: 16 }]) {
      expect(bounds(scrypt)).toBe(true);
      const fine = json(vault);
      fine.recovery.scrypt = scrypt;
      expect(parseVault(fine).recovery?.scrypt).toEqual(scrypt);
    }
    // At creation too, before any work.
    expectCode(() => make(testWallet(10), { recovery: { kind: 'passphrase', passphrase: PASSPHRASE, scrypt: { N: 2 ** 20, r: 8, p: 1 } } }), 'INVALID_INPUT');
  });

  it('F6b fixed: a recovery passphrase longer than 1,024 characters is refused (INVALID_INPUT) before NFKD/scrypt', async () => {
    const w = testWallet(11);
    const huge = 'a'.repeat(4 * 1024 * 1024);
    expectCode(() => make(w, { recovery: { kind: 'passphrase', passphrase: huge, scrypt: FAST_SCRYPT } }), 'INVALID_INPUT');
    expectCode(() => make(w, { recovery: { kind: 'passphrase', passphrase: 'a'.repeat(1025), scrypt: FAST_SCRYPT } }), 'INVALID_INPUT');
    const long = 'b'.repeat(1024);
    const { vault, unlocked } = await seededForMutation(() => make(w, { recovery: { kind: 'passphrase', passphrase: long, scrypt: FAST_SCRYPT } }), 'F6b');
    unlocked.lock();
    expectCode(() => unlockVaultWithRecovery(vault, { authorization: fakeAuthorization(w.address), passphrase: huge }), 'INVALID_INPUT');
    unlockVaultWithRecovery(vault, { authorization: fakeAuthorization(w.address), passphrase: long }).lock();
  });

  it('F7 fixed: parseVault returns what it validated (one JSON read); getters, proxies and later mutation cannot change it', () => {
    const w = testWallet(12);
    const { vault, unlocked } = make(w);
    unlocked.lock();
    const base = json(vault);
    let reads = 0;
    const trick = { ...base };
    Object.defineProperty(trick, 'wallet', { enumerable: true, get: () => (reads++ === 0 ? base.wallet : 'not-an-address') });
    const parsed = parseVault(trick);
    expect(parsed.wallet).toBe(base.wallet);
    expect(reads).toBe(1);
    expect(Object.isFrozen(parsed) && Object.isFrozen(parsed.umks) && Object.isFrozen(parsed.kdm)).toBe(true);
    // A proxy that answers differently on every read.
    let n = 0;
    const proxy = new Proxy(base, { get: (t, k) => (k === 'owner' && n++ > 0 ? testWallet(13).address : Reflect.get(t, k)) });
    expect(parseVault(proxy).owner).toBe(base.owner);
    // Mutating the input afterwards does not reach the parsed value.
    const input = json(vault);
    const p2 = parseVault(input);
    input.umks[0].state = 'retired';
    input.wallet = testWallet(14).address;
    expect(p2.umks[0]!.state).toBe('active');
    expect(p2.wallet).toBe(base.wallet);
    // A getter that throws is a typed refusal.
    const throwing = { ...base };
    Object.defineProperty(throwing, 'kdm', { enumerable: true, get: () => { throw new Error('boom'); } });
    expectCode(() => parseVault(throwing), 'INVALID_INPUT');
  });

  it('F7b fixed: parseVault throws only AgentvaultError on values that are not JSON data (no DataCloneError / TypeError)', () => {
    const w = testWallet(13);
    const { vault, unlocked } = make(w);
    unlocked.lock();
    // Not JSON-serializable at all: INVALID_INPUT.
    expectCode(() => parseVault({ ...json(vault), extra: 10n }), 'INVALID_INPUT');
    const cyclic: any = json(vault);
    cyclic.kdm.self = cyclic;
    expectCode(() => parseVault(cyclic), 'INVALID_INPUT');
    // Values JSON drops (functions, symbols) are not data: the parsed vault is the JSON form.
    for (const extra of [() => 1, Symbol('x')]) {
      let result: unknown;
      try {
        result = parseVault({ ...json(vault), extra });
      } catch (e) {
        result = e;
      }
      if (result instanceof Error) expect(result, String(result)).toBeInstanceOf(AgentvaultError);
      else expect(Object.keys(result as object)).not.toContain('extra');
    }
    // An unknown data field is refused.
    expectCode(() => parseVault({ ...json(vault), extra: 1 }), 'INVALID_INPUT');
  });

  it('F8 fixed: a keyslot whose plaintext is not 32 bytes is refused (INTEGRITY), even under a valid MAC', () => {
    const w = testWallet(14);
    const { unlocked: u } = make(w);
    const { vault } = rotateVault(u); // v1 decrypt-only, v2 active
    u.lock();
    const wk = walletKeyOf(vault, w);
    try {
      const scope = { address: w.address, domain: DOMAIN, chain: 'mainnet' };
      const umk2 = _openSlot(wk, vault.umks[1]!.wallet!, 'wallet', vault);
      // (a) the decrypt-only slot holds 1 byte; the MAC is recomputed with the real active UMK.
      const a = json(vault);
      delete a.mac;
      a.umks[0].wallet = sealRecord(wk, new Uint8Array(1), { type: 'umk.wallet', umkVersion: 1, context: scope });
      const badOld = signVault(a, umk2);
      expectCode(() => unlock(badOld, w), 'INTEGRITY');
      // (b) the active slot holds 1 byte and the MAC is keyed by that byte (what a 1-byte "UMK" would verify).
      const b = json(vault);
      delete b.mac;
      const oneByte = new Uint8Array([7]);
      b.umks[1].wallet = sealRecord(wk, oneByte, { type: 'umk.wallet', umkVersion: 2, context: scope });
      const badActive = signVault(b, oneByte);
      expectCode(() => unlock(badActive, w), 'INTEGRITY');
      // (c) the internal slot opener itself.
      expectCode(() => _openSlot(wk, b.umks[1].wallet, 'wallet', badActive), 'INTEGRITY');
      const long = sealRecord(wk, new Uint8Array(33), { type: 'umk.wallet', umkVersion: 2, context: scope });
      expectCode(() => _openSlot(wk, long, 'wallet', vault), 'INTEGRITY');
      // Control: the 32-byte original opens.
      expect(umk2.length).toBe(32);
      umk2.fill(0);
    } finally {
      wk.dispose();
    }
  });

  it('F9 fixed: rewrap of a peppered vault without `pepper` is refused (INVALID_INPUT); dropping it must be explicit; signedAs defaults to the recorded form', () => {
    const w = testWallet(15);
    const created = make(w, { pepper: PEPPER });
    const fresh = () => {
      const prepared = prepareVault({ address: w.address, domain: DOMAIN, chain: 'mainnet' });
      const s = w.sign(prepared.keyMessage);
      return { prepared, signatures: [s, s] as [Uint8Array, Uint8Array] };
    };
    expectCode(() => rewrapVault(created.unlocked, fresh()), 'INVALID_INPUT');
    expectCode(() => rewrapVault(created.unlocked, { ...fresh(), dropPepper: false }), 'INVALID_INPUT');
    expect(rewrapVault(created.unlocked, { ...fresh(), pepper: PEPPER }).vault.kdm.peppered).toBe(true);
    expect(rewrapVault(created.unlocked, { ...fresh(), dropPepper: true }).vault.kdm.peppered).toBe(false);
    created.unlocked.lock();

    // A vault signed as an off-chain message (Ledger) stays so unless told otherwise.
    const x = testWallet(16);
    const offSig = (p: ReturnType<typeof prepareVault>) =>
      x.sign(keyMessageBytes({ address: x.address, domain: DOMAIN, chain: 'mainnet', salt: base64urlnopad.decode(p.salt) }, 'offchain-v1'));
    const p1 = prepareVault({ address: x.address, domain: DOMAIN, chain: 'mainnet' });
    const o1 = offSig(p1);
    const off = createVault({ prepared: p1, signatures: [o1, o1], signedAs: 'offchain-v1', authorization: fakeAuthorization(x.address) });
    const p2 = prepareVault({ address: x.address, domain: DOMAIN, chain: 'mainnet' });
    const o2 = offSig(p2);
    expect(rewrapVault(off.unlocked, { prepared: p2, signatures: [o2, o2] }).vault.kdm.signedAs).toBe('offchain-v1');
    off.unlocked.lock();
  });

  it('F10 accepted risk: the clock is trusted input (as jose currentDate); expiry holds by it, and a frozen clock cannot keep a handle alive', () => {
    const w = testWallet(16);
    const { vault, unlocked } = make(w);
    unlocked.lock();
    const sig = w.sign(vaultKeyMessage(vault).text);
    const then = Date.now() - 3 * 60 * 60_000; // issued 3 h ago, expired 2 h 50 min ago
    // By the caller's clock, an expired authorization is refused.
    expectCode(() => unlockVault(vault, { authorization: fakeAuthorization(w.address, 'unlock', then), signature: sig }), 'AUTHORIZATION_REQUIRED');
    const prepared = prepareVault({ address: w.address, domain: DOMAIN, chain: 'mainnet' });
    const s = w.sign(prepared.keyMessage);
    expectCode(() => createVault({ prepared, signatures: [s, s], authorization: fakeAuthorization(w.address, 'unlock', then) }), 'AUTHORIZATION_REQUIRED');
    // A caller that injects a frozen clock still gets a handle whose life is capped by the system clock.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const frozen = Date.now();
      const u = unlockVault(vault, { authorization: fakeAuthorization(w.address, 'unlock', frozen), signature: sig, clock: () => frozen, ttlMs: 60_000 });
      u.subkey('profile').dispose();
      vi.setSystemTime(frozen + 61_000);
      expectCode(() => u.subkey('profile'), 'VAULT_LOCKED');
    } finally {
      vi.useRealTimers();
    }
  });

  it('F11 fixed: retired entries do not count towards the live-version cap; a vault keeps rotating after 70 rotate+retire cycles', () => {
    const w = testWallet(17);
    const { unlocked: u } = make(w);
    let vault: VaultData = u.data;
    for (let i = 0; i < 70; i++) {
      const before = u.activeUmkVersion;
      rotateVault(u);
      vault = retireUmkVersion(u, before, []).vault; // no records: retire at once
    }
    expect(vault.umks.length).toBe(71);
    expect(vault.umks.filter((e) => e.state !== 'retired').length).toBe(1);
    expect(u.activeUmkVersion).toBe(71);
    u.lock();
    unlock(json(vault), w).lock();
    // The caps themselves: at most 64 live versions and 1,024 entries (keyslot headers are all
    // parseVault reads, so any key will do for these shape checks).
    expect([MAX_UMK_VERSIONS, MAX_UMK_ENTRIES]).toEqual([64, 1024]);
    const junkKey = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
    const slot = (version: number) => sealRecord(junkKey, new Uint8Array(32), { type: 'umk.wallet', umkVersion: version, context: { address: w.address } });
    const shaped = (live: number, retired: number) => {
      const t = json(vault);
      const total = live + retired;
      t.umks = Array.from({ length: total }, (_, i) =>
        i < retired ? { version: i + 1, state: 'retired' } : { version: i + 1, state: i === total - 1 ? 'active' : 'decrypt-only', wallet: slot(i + 1) },
      );
      t.activeUmkVersion = total;
      return t;
    };
    expect(parseVault(shaped(64, 0)).umks.length).toBe(64);
    expectCode(() => parseVault(shaped(65, 0)), 'INVALID_INPUT');
    expect(parseVault(shaped(1, 1023)).umks.length).toBe(1024);
    expect(parseVault(shaped(64, 960)).umks.length).toBe(1024);
    expectCode(() => parseVault(shaped(1, 1024)), 'INVALID_INPUT');
    // A retired entry with its keyslot put back is refused at parse.
    const resurrected = json(vault);
    resurrected.umks[0] = { ...resurrected.umks[0], wallet: resurrected.umks[70].wallet };
    expectCode(() => parseVault(resurrected), 'INVALID_INPUT');
  });

  it('F14 fixed: createVault refuses a replayed KDM signature without a fresh authorization of the owner (AUTHORIZATION_REQUIRED), before generating anything', () => {
    const victim = testWallet(19);
    const { vault, unlocked } = make(victim);
    unlocked.lock();
    const leaked = victim.sign(vaultKeyMessage(vault).text);
    const prepared = { owner: victim.address, domain: DOMAIN, chain: 'mainnet' as const, salt: vault.kdm.salt };
    const attacker = testWallet(20);
    let draws = 0;
    _setRandomSourceForTests((n) => (draws++, new Uint8Array(n).fill(9)));
    try {
      expectCode(() => createVault({ prepared, signatures: [leaked, leaked] } as never), 'AUTHORIZATION_REQUIRED');
      expectCode(() => createVault({ prepared, signatures: [leaked, leaked], authorization: undefined as never }), 'AUTHORIZATION_REQUIRED');
      expectCode(() => createVault({ prepared, signatures: [leaked, leaked], authorization: fakeAuthorization(attacker.address) }), 'AUTHORIZATION_REQUIRED');
      expectCode(() => createVault({ prepared, signatures: [leaked, leaked], authorization: { ...fakeAuthorization(victim.address) } }), 'AUTHORIZATION_REQUIRED');
      expectCode(() => createVault({ prepared, signatures: [leaked, leaked], authorization: fakeAuthorization(victim.address, 'sign-in') }), 'AUTHORIZATION_REQUIRED');
    } finally {
      _setRandomSourceForTests();
    }
    expect(draws).toBe(0);
  });

  it('control: openRecord on a keyslot with the wallet key and an app type is refused (type in AAD)', () => {
    const w = testWallet(18);
    const { vault, unlocked } = make(w);
    unlocked.lock();
    const wk = walletKeyOf(vault, w);
    expectCode(() => openRecord(wk, vault.umks[0]!.wallet!, { type: 'profile', context: { address: w.address, domain: DOMAIN, chain: 'mainnet' } }), 'CONTEXT_MISMATCH');
    wk.dispose();
  });
});
