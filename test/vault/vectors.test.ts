/**
 * vectors/kdm.json (intermediates, off-chain v1, negatives) and vectors/vaults.json (recovery
 * slots, rotation states, rewrap, pepper): each checked by the library and recomputed by the
 * independent reference (node:crypto + tweetnacl, test/helpers/reference.ts).
 */
import { describe, expect, it, vi } from 'vitest';
import { AgentvaultError } from '../../src/errors.js';
import { keyMessageBytes, deriveWalletKey, createKeyMessage } from '../../src/vault/kdm.js';
import { parseVault } from '../../src/vault/data.js';
import { unlockVault, unlockVaultWithRecovery } from '../../src/vault/vault.js';
import { parseRecoveryCode } from '../../src/vault/recovery.js';
import { fakeAuthorization } from '../helpers/auth.js';
import {
  keyMessageRef, naclKeypair, offchainV1Ref, recordIntermediatesRef, recoveryCodeKeyPepperRef, recoveryCodeTextRef, recoveryPassphraseKeyRef,
  vaultMacIntermediatesRef, walletKeyIntermediatesRef,
} from '../helpers/reference.js';
import kdm from '../../vectors/kdm.json' with { type: 'json' };
import vaults from '../../vectors/vaults.json' with { type: 'json' };
import vault1 from '../../vectors/vault.json' with { type: 'json' };

// Mutation runs only: scrypt memoized on disk (see _scrypt-cache.ts); the normal suite runs it for real.
vi.mock('@noble/hashes/scrypt.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('@noble/hashes/scrypt.js')>();
  const { cachedScrypt } = await import('./_scrypt-cache.js');
  return { ...real, scrypt: cachedScrypt(real.scrypt as never) };
});

const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const buf = (h: string) => Buffer.from(h, 'hex');
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function outcome(fn: () => unknown): { code: string; reason: unknown } | 'ok' {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (!(e instanceof AgentvaultError)) throw e;
    return { code: e.code, reason: e.details?.['reason'] ?? null };
  }
}

describe('vectors/kdm.json: intermediates and negatives', () => {
  const address = kdm.wallet.address;
  for (const v of kdm.valid) {
    it(`${v.name}: signed bytes and HKDF intermediates (library and reference)`, () => {
      const fields = { domain: v.domain, address, chain: v.chain as 'mainnet', salt: hex(v.salt), version: v.version };
      const signedAs = v.signedAs as 'raw' | 'offchain-v1';
      expect(toHex(keyMessageBytes(fields, signedAs))).toBe(v.signedBytes);
      const ref = signedAs === 'raw' ? Buffer.from(v.text, 'utf8') : offchainV1Ref(v.text, buf(kdm.wallet.publicKey));
      expect(ref.toString('hex')).toBe(v.signedBytes);
      const pepper = 'pepper' in v ? buf(v.pepper as string) : undefined;
      const i = walletKeyIntermediatesRef({ signature: buf(v.signature), salt: buf(v.salt), address, chain: v.chain, domain: v.domain, version: v.version, ...(pepper ? { pepper } : {}) });
      expect({ hkdfInfo: i.info.toString('hex'), hkdfPrk: i.prk.toString('hex') }).toEqual(v.intermediate);
      expect(i.walletKey.toString('hex')).toBe(v.walletKey);
    });
  }
  for (const bad of kdm.invalid) {
    it(`refuses: ${bad.name} -> ${bad.code} (${bad.reason})`, () => {
      const v = kdm.valid[bad.of]!;
      const b = bad as { domain?: string; signature?: string; signedAs?: string };
      const input = {
        domain: b.domain ?? v.domain, address, chain: v.chain as 'mainnet', salt: hex(v.salt), version: v.version,
        signature: hex(b.signature ?? v.signature), signedAs: (b.signedAs ?? v.signedAs) as 'raw',
      };
      expect(outcome(() => deriveWalletKey(input))).toEqual({ code: bad.code, reason: bad.reason });
      if (b.domain) expect(outcome(() => createKeyMessage(input))).toEqual({ code: bad.code, reason: bad.reason });
    });
  }
});

describe('vectors/vault.json: intermediates recomputed', () => {
  it('MAC key, MAC input and wallet-slot AAD', () => {
    const { mac, ...unsigned } = vault1.expected;
    const m = vaultMacIntermediatesRef(unsigned, buf(vault1.random.umk), vault1.wallet.address);
    expect(m.macKey.toString('hex')).toBe(vault1.intermediate.macKey);
    expect(m.canonical).toBe(vault1.intermediate.macInput);
    expect(m.mac).toBe(mac);
    const i = recordIntermediatesRef({ key: buf(vault1.intermediate.walletKey), plaintext: buf(vault1.random.umk), type: 'umk.wallet', context: { address: vault1.wallet.address, domain: vault1.domain, chain: vault1.chain }, umkVersion: 1, salt: buf(vault1.random.walletSlotSalt), iv: buf(vault1.random.walletSlotIv) });
    expect(i.aad.toString('hex')).toBe(vault1.intermediate.walletSlotAad);
    expect(i.prk.toString('hex')).toBe(vault1.intermediate.walletSlotPrk);
  });
});

type VaultVector = (typeof vaults.valid)[number];
const auth = (v: VaultVector) => fakeAuthorization(v.vault.wallet);

describe('vectors/vaults.json', () => {
  for (const v of vaults.valid) {
    it(`${v.name}: the reference recomputes every intermediate`, () => {
      const w = naclKeypair(buf(v.walletSeed));
      const text = keyMessageRef({ domain: v.vault.domain, chain: v.vault.chain, address: v.vault.wallet, salt: Buffer.from(v.vault.kdm.salt, 'base64url'), version: 1 });
      expect(text).toBe(v.keyMessage);
      const signed = v.vault.kdm.signedAs === 'raw' ? Buffer.from(text, 'utf8') : offchainV1Ref(text, w.publicKey);
      expect(signed.toString('hex')).toBe(v.signedBytes);
      const pepper = 'pepper' in v ? buf(v.pepper as string) : undefined;
      const wk = walletKeyIntermediatesRef({ signature: buf(v.signature), salt: Buffer.from(v.vault.kdm.salt, 'base64url'), address: v.vault.wallet, chain: v.vault.chain, domain: v.vault.domain, version: 1, ...(pepper ? { pepper } : {}) });
      expect(wk.walletKey.toString('hex')).toBe(v.intermediate.walletKey);
      expect(wk.prk.toString('hex')).toBe(v.intermediate.walletKeyPrk);
      const rec = (v.vault as { recovery?: { kind: string; salt: string; peppered: boolean; scrypt?: { N: number; r: number; p: number } } }).recovery;
      const rp = rec?.peppered ? pepper : undefined;
      if (rec?.kind === 'code') {
        const code = (v as { recoveryCode?: string }).recoveryCode!;
        expect(recoveryCodeTextRef(buf((v as { recoveryCodeBytes?: string }).recoveryCodeBytes!))).toBe(code);
        expect(toHex(parseRecoveryCode(code))).toBe((v as { recoveryCodeBytes?: string }).recoveryCodeBytes);
        expect(recoveryCodeKeyPepperRef(buf((v as { recoveryCodeBytes?: string }).recoveryCodeBytes!), Buffer.from(rec.salt, 'base64url'), v.vault.owner, rp).toString('hex')).toBe((v.intermediate as { recoveryKey?: string }).recoveryKey);
      }
      if (rec?.kind === 'passphrase') {
        const r = recoveryPassphraseKeyRef((v as { passphrase?: string }).passphrase!, Buffer.from(rec.salt, 'base64url'), v.vault.owner, rec.scrypt!, rp);
        expect(r.key.toString('hex')).toBe((v.intermediate as { recoveryKey?: string }).recoveryKey);
      }
      const { mac, ...unsigned } = v.vault;
      const umks = v.intermediate.umks as unknown as Record<string, string>;
      const m = vaultMacIntermediatesRef(unsigned, buf(umks[String(v.vault.activeUmkVersion)]!), v.vault.owner);
      expect(m.canonical).toBe(v.intermediate.macInput);
      expect(m.macKey.toString('hex')).toBe(v.intermediate.macKey);
      expect(m.mac).toBe(mac);
      // Every live keyslot opens to its UMK under the wallet key (reference AES-GCM via the record layout).
      for (const e of v.vault.umks as { version: number; wallet?: string }[]) {
        if (!e.wallet) continue;
        const slot = Buffer.from(e.wallet.slice(5), 'base64url');
        const typeLen = slot[10]!;
        const salt = slot.subarray(11 + typeLen, 43 + typeLen);
        const iv = slot.subarray(75 + typeLen, 87 + typeLen);
        const i = recordIntermediatesRef({ key: wk.walletKey, plaintext: buf(umks[String(e.version)]!), type: 'umk.wallet', context: { address: v.vault.owner, domain: v.vault.domain, chain: v.vault.chain }, umkVersion: e.version, salt, iv });
        expect('avr1.' + i.binary.toString('base64url')).toBe(e.wallet);
      }
    });
    it(`${v.name}: the library unlocks it by wallet${'recoveryCode' in v || 'passphrase' in v ? ' and by recovery' : ''} and opens every sample`, () => {
      const data = parseVault(v.vault);
      const pepper = 'pepper' in v ? hex(v.pepper as string) : undefined;
      const u = unlockVault(data, { authorization: auth(v), signature: hex(v.signature), ...(pepper ? { pepper } : {}) });
      for (const s of v.samples) expect(toHex(u.open(s.type, s.record, s.fields).expose())).toBe(s.plaintext);
      u.lock();
      if ('recoveryCode' in v || 'passphrase' in v) {
        const r = unlockVaultWithRecovery(data, {
          authorization: auth(v),
          ...('recoveryCode' in v ? { recoveryCode: v.recoveryCode as string } : { passphrase: (v as { passphrase?: string }).passphrase! }),
          ...(pepper ? { pepper } : {}),
        });
        for (const s of v.samples) expect(toHex(r.open(s.type, s.record, s.fields).expose())).toBe(s.plaintext);
        r.lock();
      }
    });
  }
  for (const bad of vaults.invalid) {
    it(`refuses: ${bad.name} -> ${bad.code} (${bad.reason})`, () => {
      const v = vaults.valid[bad.of]!;
      const b = bad as { patch?: Record<string, unknown>; op: string; recoveryCode?: string; passphrase?: string; pepper?: null; signature?: string };
      const patched: Record<string, unknown> = { ...v.vault, ...(b.patch ?? {}) };
      // A patch value of null removes the field.
      for (const k of Object.keys(patched)) if (patched[k] === null) delete patched[k];
      const pepper = b.pepper === null ? undefined : 'pepper' in v ? hex(v.pepper as string) : undefined;
      const run = () => {
        const data = parseVault(patched);
        if (b.op === 'parse') return;
        if (b.op === 'unlock') return unlockVault(data, { authorization: auth(v), signature: hex(b.signature ?? v.signature), ...(pepper ? { pepper } : {}) }).lock();
        return unlockVaultWithRecovery(data, {
          authorization: auth(v),
          ...(b.recoveryCode !== undefined ? { recoveryCode: b.recoveryCode } : { passphrase: b.passphrase! }),
          ...(pepper ? { pepper } : {}),
        }).lock();
      };
      expect(outcome(run)).toEqual({ code: bad.code, reason: bad.reason });
    });
  }
});
