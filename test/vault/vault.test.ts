import fc from 'fast-check';
import { inspect } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { _setRandomSourceForTests } from '../../src/_random.js';
import { AgentvaultError } from '../../src/errors.js';
import { recordUmkVersion } from '../../src/records/record.js';
import { createKeyMessage, deriveWalletKey } from '../../src/vault/kdm.js';
import { migrateRecords, retireUmkVersion, rotateVault } from '../../src/vault/rotation.js';
import { _deriveSubkey } from '../../src/vault/unlocked.js';
import {
  createVault,
  prepareVault,
  rewrapVault,
  unlockVault,
  unlockVaultWithRecovery,
  vaultKeyMessage,
  type PreparedVault,
} from '../../src/vault/vault.js';
import { parseVault, type VaultData } from '../../src/vault/data.js';
import { fakeAuthorization } from '../helpers/auth.js';
import { expectCode } from '../helpers/errors.js';
import { asVault } from '../helpers/untyped.js';
import { withFixedRandom } from '../helpers/random.js';
import { keyMessageRef, naclKeypair, naclSign, subkeyRef, walletKeyRef } from '../helpers/reference.js';
import { testWallet, type TestWallet } from './_wallet.js';
import { seededForMutation } from './_scrypt-cache.js';
import kdmVectors from '../../vectors/kdm.json' with { type: 'json' };
import subkeyVectors from '../../vectors/subkeys.json' with { type: 'json' };
import vaultVector from '../../vectors/vault.json' with { type: 'json' };

// Mutation runs only: scrypt memoized on disk (see _scrypt-cache.ts); the normal suite runs it for real.
vi.mock('@noble/hashes/scrypt.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('@noble/hashes/scrypt.js')>();
  const { cachedScrypt } = await import('./_scrypt-cache.js');
  return { ...real, scrypt: cachedScrypt(real.scrypt as never) };
});

const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const DOMAIN = 'app.example.com';
const te = new TextEncoder();

function newVault(w: TestWallet, extra: Partial<Parameters<typeof createVault>[0]> = {}) {
  const prepared = prepareVault({ address: w.address, domain: DOMAIN, chain: 'mainnet' });
  const sig = w.sign(prepared.keyMessage);
  const created = createVault({ prepared, signatures: [sig, sig], authorization: fakeAuthorization(w.address), ...extra });
  created.unlocked.lock();
  return { prepared, sig, ...created };
}
function unlock(v: VaultData, w: TestWallet, opts: { now?: number; ttlMs?: number; clock?: () => number; pepper?: Uint8Array } = {}) {
  const { text } = vaultKeyMessage(v);
  const clock = opts.clock ?? (() => opts.now ?? Date.now());
  return unlockVault(v, { authorization: fakeAuthorization(w.address, 'unlock', clock()), signature: w.sign(text), clock, ...(opts.ttlMs ? { ttlMs: opts.ttlMs } : {}), ...(opts.pepper ? { pepper: opts.pepper } : {}) });
}

describe('vault: known-answer vectors', () => {
  it('kdm.json: text, signature and wrapping key match the library and the independent reference', () => {
    const kp = naclKeypair(Buffer.from(kdmVectors.wallet.seed, 'hex'));
    expect(toHex(kp.publicKey)).toBe(kdmVectors.wallet.publicKey);
    for (const v of kdmVectors.valid) {
      const fields = { domain: v.domain, address: kdmVectors.wallet.address, chain: v.chain as 'mainnet', salt: hex(v.salt), version: v.version };
      expect(createKeyMessage(fields)).toBe(v.text);
      expect(keyMessageRef({ ...fields, salt: Buffer.from(v.salt, 'hex') })).toBe(v.text);
      expect(toHex(naclSign(Buffer.from(v.signedBytes, 'hex'), kp.secretKey))).toBe(v.signature);
      const pepper = 'pepper' in v ? hex(v.pepper as string) : undefined;
      const signedAs = v.signedAs as 'raw' | 'offchain-v1';
      const wk = deriveWalletKey({ ...fields, signedAs, signature: hex(v.signature), ...(pepper ? { pepper } : {}) });
      expect(toHex(wk.expose())).toBe(v.walletKey);
      const ref = walletKeyRef({ signature: Buffer.from(v.signature, 'hex'), salt: Buffer.from(v.salt, 'hex'), address: fields.address, chain: v.chain, domain: v.domain, version: v.version, ...(pepper ? { pepper: Buffer.from(pepper) } : {}) });
      expect(toHex(ref)).toBe(v.walletKey);
    }
  });
  it('subkeys.json: library and reference agree', () => {
    for (const v of subkeyVectors.valid) {
      expect(toHex(_deriveSubkey(hex(v.umk), v.purpose, v.owner))).toBe(v.subkey);
      expect(toHex(subkeyRef(Buffer.from(v.umk, 'hex'), v.purpose, v.owner))).toBe(v.subkey);
    }
  });
  it('vault.json: createVault with the injected randomness produces the expected vault, which unlocks to the UMK', () => {
    const w = naclKeypair(Buffer.from(vaultVector.wallet.seed, 'hex'));
    const r = vaultVector.random;
    const sig = hex(vaultVector.signature);
    expect(toHex(naclSign(Buffer.from(vaultVector.keyMessage), w.secretKey))).toBe(vaultVector.signature);
    const created = withFixedRandom([hex(r.kdmSalt), hex(r.umk), hex(r.walletSlotSalt), hex(r.walletSlotIv)], () => {
      const prepared = prepareVault({ address: vaultVector.wallet.address, domain: vaultVector.domain, chain: 'mainnet' });
      expect(prepared.keyMessage).toBe(vaultVector.keyMessage);
      return createVault({ prepared, signatures: [sig, sig], authorization: fakeAuthorization(vaultVector.wallet.address) });
    });
    created.unlocked.lock();
    expect(JSON.parse(JSON.stringify(created.vault))).toEqual(vaultVector.expected);
    const u = unlockVault(asVault(vaultVector.expected), { authorization: fakeAuthorization(vaultVector.wallet.address), signature: sig });
    expect(toHex(u.subkey('agent-key').expose())).toBe(vaultVector.subkeys['agent-key']);
    u.lock();
  });
});

describe('vault: key message', () => {
  const w = testWallet(1);
  const text = createKeyMessage({ domain: DOMAIN, address: w.address, chain: 'mainnet', salt: new Uint8Array(32).fill(3) });
  it('starts with its own first line naming the library and version', () => {
    expect(text.split('\n')[0]).toBe('agentvault key message v1');
    expect(text).not.toMatch(/\r|\n$/);
  });
  // Imported on use: both packages are large, and only these two tests need them.
  it('does not parse as a SIWS message', async () => {
    const { parseSignInMessage } = await import('@solana/wallet-standard-util');
    expect(parseSignInMessage(te.encode(text))).toBeNull();
  });
  it('does not decode as a Solana transaction message', async () => {
    const { getCompiledTransactionMessageDecoder } = await import('@solana/kit');
    expect(() => getCompiledTransactionMessageDecoder().decode(te.encode(text))).toThrow();
  });
  it('refuses bad fields', () => {
    expectCode(() => createKeyMessage({ domain: 'https://x.com', address: w.address, chain: 'mainnet', salt: new Uint8Array(32) }), 'INVALID_INPUT');
    expectCode(() => createKeyMessage({ domain: DOMAIN, address: 'nope', chain: 'mainnet', salt: new Uint8Array(32) }), 'INVALID_INPUT');
    expectCode(() => createKeyMessage({ domain: DOMAIN, address: w.address, chain: 'mainnet-beta' as 'mainnet', salt: new Uint8Array(32) }), 'INVALID_INPUT');
    expectCode(() => createKeyMessage({ domain: DOMAIN, address: w.address, chain: 'mainnet', salt: new Uint8Array(31) }), 'INVALID_INPUT');
    expectCode(() => createKeyMessage({ domain: 'a.com\nURI: x', address: w.address, chain: 'mainnet', salt: new Uint8Array(32) }), 'INVALID_INPUT');
  });
  it('an all-zero signature is refused, as is a signature by another wallet', () => {
    const f = { domain: DOMAIN, address: w.address, chain: 'mainnet' as const, salt: new Uint8Array(32).fill(3) };
    expectCode(() => deriveWalletKey({ ...f, signature: new Uint8Array(64) }), 'INVALID_SIGNATURE');
    expectCode(() => deriveWalletKey({ ...f, signature: testWallet(9).sign(text) }), 'INVALID_SIGNATURE');
    expectCode(() => deriveWalletKey({ ...f, signature: w.sign(text), pepper: new Uint8Array(32).fill(1) }), 'WEAK_KEY');
  });
});

describe('vault: create', () => {
  const w = testWallet(1);
  it('needs two equal signatures; a randomized signer gets NONDETERMINISTIC_SIGNER and nothing is encrypted', () => {
    const prepared = prepareVault({ address: w.address, domain: DOMAIN, chain: 'mainnet' });
    const a = w.signRandomized(prepared.keyMessage);
    const b = w.signRandomized(prepared.keyMessage);
    let draws = 0;
    _setRandomSourceForTests((n) => (draws++, new Uint8Array(n).fill(7)));
    try {
      expectCode(() => createVault({ prepared, signatures: [a, b], authorization: fakeAuthorization(w.address) }), 'NONDETERMINISTIC_SIGNER');
    } finally {
      _setRandomSourceForTests();
    }
    expect(draws).toBe(0);
  });
  it('refuses one signature, an invalid one, or one by another wallet', () => {
    const prepared = prepareVault({ address: w.address, domain: DOMAIN, chain: 'mainnet' });
    const sig = w.sign(prepared.keyMessage);
    const auth = () => fakeAuthorization(w.address);
    expectCode(() => createVault({ prepared, signatures: [sig] as never, authorization: auth() }), 'INVALID_INPUT');
    expectCode(() => createVault({ prepared, signatures: [new Uint8Array(64), new Uint8Array(64)], authorization: auth() }), 'INVALID_SIGNATURE');
    const other = testWallet(5).sign(prepared.keyMessage);
    expectCode(() => createVault({ prepared, signatures: [other, other], authorization: auth() }), 'INVALID_SIGNATURE');
    expectCode(() => createVault({ prepared: { ...prepared, salt: 'AAAA' }, signatures: [sig, sig], authorization: auth() }), 'INVALID_INPUT');
    // A signature over a different salt's message does not verify for this prepared vault.
    const p2 = prepareVault({ address: w.address, domain: DOMAIN, chain: 'mainnet' });
    expectCode(() => createVault({ prepared: p2, signatures: [sig, sig], authorization: auth() }), 'INVALID_SIGNATURE');
    // The KDM signatures alone never authenticate (DESIGN 3): no authorization, no vault.
    expectCode(() => createVault({ prepared, signatures: [sig, sig] } as never), 'AUTHORIZATION_REQUIRED');
    expectCode(() => createVault({ prepared, signatures: [sig, sig], authorization: fakeAuthorization(testWallet(6).address) }), 'AUTHORIZATION_REQUIRED');
  });
  it('returns an unlocked handle; the stored vault is JSON', () => {
    const prepared = prepareVault({ address: w.address, domain: DOMAIN, chain: 'mainnet' });
    const sig = w.sign(prepared.keyMessage);
    const { vault, unlocked } = createVault({ prepared, signatures: [sig, sig], authorization: fakeAuthorization(w.address) });
    expect(parseVault(JSON.parse(JSON.stringify(vault)))).toEqual(vault);
    const rec = unlocked.seal('profile', te.encode('x'));
    expect(unlocked.open('profile', rec).exposeText()).toBe('x');
    unlocked.lock();
  });
});

describe('vault: unlock', () => {
  const w = testWallet(1);
  const { vault } = newVault(w);
  const { text } = vaultKeyMessage(vault);

  it('unlocks with a fresh authorization and the KDM signature; records round trip across unlocks', () => {
    const u1 = unlock(vault, w);
    const rec = u1.seal('mnemonic', te.encode('words'), { id: 'm1' });
    u1.lock();
    const u2 = unlock(vault, w);
    expect(u2.open('mnemonic', rec, { id: 'm1' }).exposeText()).toBe('words');
    expectCode(() => u2.open('mnemonic', rec, { id: 'm2' }), 'CONTEXT_MISMATCH');
    expectCode(() => u2.open('profile', rec, { id: 'm1' }), 'CONTEXT_MISMATCH');
    u2.lock();
  });
  it('the KDM signature alone never unlocks', () => {
    const sig = w.sign(text);
    expectCode(() => unlockVault(vault, { authorization: undefined as never, signature: sig }), 'AUTHORIZATION_REQUIRED');
    const lookAlike = { ...fakeAuthorization(w.address) };
    expectCode(() => unlockVault(vault, { authorization: lookAlike, signature: sig }), 'AUTHORIZATION_REQUIRED');
    expectCode(() => unlockVault(vault, { authorization: fakeAuthorization(w.address, 'sign-in'), signature: sig }), 'AUTHORIZATION_REQUIRED');
    expectCode(() => unlockVault(vault, { authorization: fakeAuthorization(testWallet(4).address), signature: sig }), 'AUTHORIZATION_REQUIRED');
    expectCode(() => unlockVault(vault, { authorization: fakeAuthorization(w.address, 'unlock', Date.now() - 3600_000), signature: sig }), 'AUTHORIZATION_REQUIRED');
  });
  it('an authorization is spent by one unlock', () => {
    const auth = fakeAuthorization(w.address);
    unlockVault(vault, { authorization: auth, signature: w.sign(text) }).lock();
    expectCode(() => unlockVault(vault, { authorization: auth, signature: w.sign(text) }), 'AUTHORIZATION_REQUIRED');
  });
  it('a valid but different signature (randomizing signer) -> WALLET_KEY_NOT_REPRODUCED', () => {
    const e = expectCode(() => unlockVault(vault, { authorization: fakeAuthorization(w.address), signature: w.signRandomized(text) }), 'WALLET_KEY_NOT_REPRODUCED');
    expect(e.details?.['signedAs']).toBe('raw');
  });
  it('an invalid or foreign signature -> INVALID_SIGNATURE', () => {
    expectCode(() => unlockVault(vault, { authorization: fakeAuthorization(w.address), signature: new Uint8Array(64) }), 'INVALID_SIGNATURE');
    expectCode(() => unlockVault(vault, { authorization: fakeAuthorization(w.address), signature: testWallet(3).sign(text) }), 'INVALID_SIGNATURE');
  });
  it('locks on lock() and on expiry; TTL above 24 h is refused', () => {
    let now = Date.now();
    const u = unlock(vault, w, { clock: () => now, ttlMs: 60_000 });
    u.seal('profile', te.encode('a'));
    now += 60_000;
    expectCode(() => u.seal('profile', te.encode('a')), 'VAULT_LOCKED');
    expect(u.locked).toBe(true);
    const u2 = unlock(vault, w);
    u2.lock();
    expectCode(() => u2.subkey('profile'), 'VAULT_LOCKED');
    expectCode(() => unlock(vault, w, { ttlMs: 24 * 3600_000 + 1 }), 'INVALID_INPUT');
  });
  it('pepper: required when created with one, and must be the same', () => {
    const pepper = new Uint8Array(32).map((_, i) => (i * 37 + 11) & 0xff);
    const { vault: pv } = newVault(w, { pepper });
    expect(pv.kdm.peppered).toBe(true);
    unlock(pv, w, { pepper }).lock();
    expectCode(() => unlock(pv, w), 'INVALID_INPUT');
    const other = new Uint8Array(32).map((_, i) => (i * 53 + 5) & 0xff);
    expectCode(() => unlock(pv, w, { pepper: other }), 'WALLET_KEY_NOT_REPRODUCED');
  });
  it('rejects malformed stored vaults with typed errors', () => {
    expectCode(() => parseVault({ ...vault, schema: 2 }), 'UNSUPPORTED_VERSION');
    expectCode(() => parseVault({ ...vault, format: 'x' }), 'INVALID_INPUT');
    expectCode(() => parseVault({ ...vault, activeUmkVersion: 2 }), 'INVALID_INPUT');
    expectCode(() => parseVault({ ...vault, umks: [] }), 'INVALID_INPUT');
    expectCode(() => parseVault({ ...vault, kdm: { ...vault.kdm, signedAs: 'ledger' } }), 'INVALID_INPUT');
    expectCode(() => parseVault(null), 'INVALID_INPUT');
  });
});

describe('vault: recovery and rewrap', () => {
  const w = testWallet(1);
  const w2 = testWallet(2);
  it('a recovery code opens the vault; a wrong one gets RECOVERY_CODE_MISMATCH; rewrap moves it to a new wallet', () => {
    const { vault, recoveryCode } = newVault(w, { recovery: { kind: 'code' } });
    expect(recoveryCode!.exposeText()).toMatch(/^[0-9A-Z]{5}(-[0-9A-Z]{1,5}){5}$/);
    const u = unlock(vault, w);
    const rec = u.seal('agent-key', new Uint8Array(64).fill(5));
    u.lock();
    // Lost wallet: the user authenticates with a new wallet and types the code.
    const code = recoveryCode!.exposeText();
    expectCode(() => unlockVaultWithRecovery(vault, { authorization: fakeAuthorization(w2.address), authorizedBy: w2.address, recoveryCode: '0000000000000000000000000G' }), 'RECOVERY_CODE_MISMATCH');
    const ru = unlockVaultWithRecovery(vault, { authorization: fakeAuthorization(w2.address), authorizedBy: w2.address, recoveryCode: code.toLowerCase() });
    // The code is a bearer credential: with another wallet's authorization the handle can only
    // move the vault to that wallet.
    expectCode(() => ru.open('agent-key', rec), 'AUTHORIZATION_REQUIRED');
    const w3 = testWallet(3);
    const p3 = prepareVault({ address: w3.address, domain: DOMAIN, chain: 'mainnet' });
    const s3 = w3.sign(p3.keyMessage);
    expectCode(() => rewrapVault(ru, { prepared: p3, signatures: [s3, s3] }), 'AUTHORIZATION_REQUIRED');
    const prepared: PreparedVault = prepareVault({ address: w2.address, domain: DOMAIN, chain: 'mainnet' });
    const s = w2.sign(prepared.keyMessage);
    const { vault: moved } = rewrapVault(ru, { prepared, signatures: [s, s] });
    expect(ru.open('agent-key', rec).expose()).toEqual(new Uint8Array(64).fill(5));
    ru.lock();
    expect(moved.owner).toBe(w.address);
    expect(moved.wallet).toBe(w2.address);
    expect(moved.umks[0]!.recovery).toBe(vault.umks[0]!.recovery);
    // The old wallet no longer opens it; the new one does, and old records still open.
    expectCode(() => unlock(moved, w), 'AUTHORIZATION_REQUIRED');
    const u2 = unlock(moved, w2);
    expect(u2.open('agent-key', rec).expose()).toEqual(new Uint8Array(64).fill(5));
    u2.lock();
  });
  it('a passphrase recovery slot uses scrypt; short passphrases are refused', async () => {
    const scrypt = { N: 2 ** 15, r: 8, p: 1 };
    expectCode(() => newVault(w, { recovery: { kind: 'passphrase', passphrase: 'short', scrypt } }), 'WEAK_KEY');
    const { vault } = await seededForMutation(() => newVault(w, { recovery: { kind: 'passphrase', passphrase: 'correct horse battery staple', scrypt } }), 'passphrase-slot');
    expect(vault.recovery).toEqual({ kind: 'passphrase', salt: expect.any(String), scrypt, peppered: false });
    unlockVaultWithRecovery(vault, { authorization: fakeAuthorization(w.address), passphrase: 'correct horse battery staple' }).lock();
    expectCode(() => unlockVaultWithRecovery(vault, { authorization: fakeAuthorization(w.address), passphrase: 'correct horse battery stapler' }), 'RECOVERY_CODE_MISMATCH');
    expectCode(() => newVault(w, { recovery: { kind: 'passphrase', passphrase: 'correct horse battery staple', scrypt: { N: 2 ** 10, r: 8, p: 1 } } }), 'INVALID_INPUT');
  });
  it('rewrap with a new salt keeps every record readable and retires the old signature', () => {
    const { vault } = newVault(w);
    const u = unlock(vault, w);
    const rec = u.seal('profile', te.encode('p'));
    const prepared = prepareVault({ address: w.address, domain: DOMAIN, chain: 'mainnet' });
    const s = w.sign(prepared.keyMessage);
    const { vault: v2 } = rewrapVault(u, { prepared, signatures: [s, s] });
    u.lock();
    expect(v2.kdm.salt).not.toBe(vault.kdm.salt);
    const oldSig = w.sign(vaultKeyMessage(vault).text);
    expectCode(() => unlockVault(v2, { authorization: fakeAuthorization(w.address), signature: oldSig }), 'INVALID_SIGNATURE');
    expect(unlock(v2, w).open('profile', rec).exposeText()).toBe('p');
  });
});

describe('vault: rotation', () => {
  const w = testWallet(1);
  it('rotate -> new records on v2, old ones readable; migrate; retire only when nothing is left', async () => {
    const { vault } = newVault(w);
    const u = unlock(vault, w);
    const store = new Map<string, string>();
    for (let i = 0; i < 5; i++) store.set(`r${i}`, u.seal('profile', te.encode(`v${i}`), { id: `r${i}` }));
    const { vault: v2 } = rotateVault(u);
    expect(v2.activeUmkVersion).toBe(2);
    expect(v2.umks.map((e) => e.state)).toEqual(['decrypt-only', 'active']);
    expect(recordUmkVersion(u.seal('profile', te.encode('new')))).toBe(2);
    expect(u.open('profile', store.get('r3')!, { id: 'r3' }).exposeText()).toBe('v3');
    expectCode(() => retireUmkVersion(u, 1, store.values()), 'INVALID_INPUT');
    expectCode(() => retireUmkVersion(u, 2, []), 'INVALID_INPUT');
    const list = () => [...store].map(([id, record]) => ({ id, type: 'profile', record, fields: { id } }));
    await expect(migrateRecords(u, { stored: vault, records: list(), save: (id, r) => void store.set(id, r) })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(await migrateRecords(u, { stored: v2, records: list(), save: (id, r) => void store.set(id, r) })).toEqual({ migrated: 5, skipped: 0 });
    expect(await migrateRecords(u, { stored: v2, records: list(), save: (id, r) => void store.set(id, r) })).toEqual({ migrated: 0, skipped: 5 });
    const { vault: v3 } = retireUmkVersion(u, 1, store.values());
    expect(v3.umks[0]).toEqual({ version: 1, state: 'retired' });
    u.lock();
    // A fresh unlock of the stored vault reads every migrated record.
    const u2 = unlock(v3, w);
    for (const [id, r] of store) expect(u2.open('profile', r, { id }).exposeText()).toBe(`v${id.slice(1)}`);
    expectCode(() => u2.subkey('profile', 1), 'UMK_VERSION_RETIRED');
    expectCode(() => u2.subkey('profile', 9), 'UMK_VERSION_UNKNOWN');
    u2.lock();
  });
  it('rotation with a recovery slot needs the code (or an explicit drop)', () => {
    const { vault, recoveryCode } = newVault(w, { recovery: { kind: 'code' } });
    const u = unlock(vault, w);
    expectCode(() => rotateVault(u), 'INVALID_INPUT');
    expectCode(() => rotateVault(u, { recoveryCode: '0000000000000000000000000G' }), 'RECOVERY_CODE_MISMATCH');
    const { vault: v2 } = rotateVault(u, { recoveryCode: recoveryCode!.exposeText() });
    expect(v2.umks.every((e) => e.recovery)).toBe(true);
    u.lock();
    const ru = unlockVaultWithRecovery(v2, { authorization: fakeAuthorization(w.address), recoveryCode: recoveryCode!.exposeText() });
    expect(ru.activeUmkVersion).toBe(2);
    ru.lock();
    const u3 = unlock(v2, w);
    const { vault: v3 } = rotateVault(u3, { dropRecovery: true });
    expect(v3.recovery).toBeUndefined();
    expect(v3.umks.some((e) => e.recovery)).toBe(false);
    u3.lock();
  });
  it('property: a migration interrupted after k of n records resumes and ends with every record on the new version', async () => {
    const { vault } = newVault(w);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 12 }), fc.nat(), async (n, kSeed) => {
        const k = kSeed % (n + 1);
        const u = unlock(vault, w);
        const store = new Map<string, string>();
        for (let i = 0; i < n; i++) store.set(`id${i}`, u.seal('profile', te.encode(`p${i}`), { id: `id${i}` }));
        const { vault: stored } = rotateVault(u);
        const list = () => [...store].map(([id, record]) => ({ id, type: 'profile', record, fields: { id } }));
        let saved = 0;
        let crashed = false;
        try {
          await migrateRecords(u, {
            stored,
            records: list(),
            save: (id, r) => {
              if (saved === k) throw new Error('crash');
              saved++;
              store.set(id, r);
            },
          });
        } catch (e) {
          crashed = true;
          expect((e as Error).message).toBe('crash');
        }
        expect(crashed).toBe(k < n);
        const resumed = await migrateRecords(u, { stored, records: list(), save: (id, r) => void store.set(id, r) });
        expect(resumed.migrated).toBe(n - Math.min(k, n));
        for (const [id, r] of store) {
          expect(recordUmkVersion(r)).toBe(2);
          expect(u.open('profile', r, { id }).exposeText()).toBe(`p${id.slice(2)}`);
        }
        u.lock();
      }),
      { numRuns: 25 },
    );
  });
});

describe('vault: no secret in output', () => {
  it('handles, secrets and errors never print key, UMK or signature bytes', () => {
    const w = testWallet(1);
    const { vault, recoveryCode } = newVault(w, { recovery: { kind: 'code' } });
    const sig = w.sign(vaultKeyMessage(vault).text);
    const u = unlock(vault, w);
    const sub = u.subkey('agent-key');
    const secrets = [sig, sub.expose(), u.subkey('mnemonic').expose(), te.encode(recoveryCode!.exposeText())];
    const errors: unknown[] = [];
    const tryIt = (fn: () => unknown) => { try { fn(); } catch (e) { errors.push(e); } };
    tryIt(() => unlockVault(vault, { authorization: fakeAuthorization(w.address), signature: w.signRandomized(vaultKeyMessage(vault).text) }));
    tryIt(() => unlockVault(vault, { authorization: undefined as never, signature: sig }));
    tryIt(() => deriveWalletKey({ domain: DOMAIN, address: w.address, chain: 'mainnet', salt: new Uint8Array(32), signature: sig }));
    tryIt(() => unlockVaultWithRecovery(vault, { authorization: fakeAuthorization(w.address), recoveryCode: 'ZZZZZZZZZZZZZZZZZZZZZZZZZZ' }));
    expect(errors.length).toBe(4);
    const outputs = [String(u), JSON.stringify({ u, sub, recoveryCode }), inspect(u), inspect(sub), inspect(recoveryCode), `${sub}`, ...errors.flatMap((e) => [String(e), inspect(e), JSON.stringify(e), (e as Error).stack ?? ''])];
    for (const out of outputs) {
      for (const s of secrets) {
        const b = Buffer.from(s);
        for (const form of [b.toString('hex'), b.toString('base64'), b.toString('base64url'), recoveryCode!.exposeText()]) expect(out).not.toContain(form);
      }
    }
    u.lock();
  });
});
