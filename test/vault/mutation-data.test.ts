/**
 * parseVault (SPEC 6.1), refusal by refusal: each one's code, `details` (exactly: the field named
 * with its full path, `reason` only where the rule has one) and a message naming the field, so a
 * second implementation must refuse the same stored vault the same way. Also the limits at their
 * edges and what the parsed vault is (a frozen plain-data copy). Written to kill the mutants of
 * src/vault/data.ts that the behaviour tests left alive (issue 16 item 5).
 */
import { describe, expect, it } from 'vitest';
import { sealRecord } from '../../src/records/record.js';
import { kdmSalt, MAX_UMK_ENTRIES, MAX_UMK_VERSIONS, parseVault, recoverySalt, VAULT_FORMAT, VAULT_SCHEMA, type VaultData } from '../../src/vault/data.js';
import { createVault, prepareVault } from '../../src/vault/vault.js';
import { fakeAuthorization } from '../helpers/auth.js';
import { expectCode } from '../helpers/errors.js';
import { testWallet } from './_wallet.js';

const DOMAIN = 'app.example.com';
const w = testWallet(41);
const json = (v: unknown): any => JSON.parse(JSON.stringify(v));

function make(recovery: boolean): VaultData {
  const prepared = prepareVault({ address: w.address, domain: DOMAIN, chain: 'mainnet' });
  const sig = w.sign(prepared.keyMessage);
  const created = createVault({ prepared, signatures: [sig, sig], authorization: fakeAuthorization(w.address), ...(recovery ? { recovery: { kind: 'code' as const } } : {}) });
  created.unlocked.lock();
  created.recoveryCode?.dispose();
  return created.vault;
}
const plain = make(false);
const withCode = make(true);

/** A keyslot header parseVault accepts (it reads only the header; any key will do). */
const junkKey = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const slot = (version: number, type: 'umk.wallet' | 'umk.recovery' = 'umk.wallet') =>
  sealRecord(junkKey, new Uint8Array(32), { type, umkVersion: version, context: { address: w.address } });

/** `edit` applied to a copy of `base`; parseVault must refuse it exactly so. */
function refused(base: VaultData, edit: (t: any) => void, field: string, reason?: string, code: 'INVALID_INPUT' | 'UNSUPPORTED_VERSION' = 'INVALID_INPUT') {
  const t = json(base);
  edit(t);
  const e = expectCode(() => parseVault(t), code);
  expect(e.details).toEqual(reason === undefined ? { field } : { field, reason });
  expect(e.message.startsWith(`${field}: `), e.message).toBe(true);
  return e;
}
function accepted(base: VaultData, edit: (t: any) => void): VaultData {
  const t = json(base);
  edit(t);
  return parseVault(t);
}

describe('parseVault: the top level', () => {
  it('format and schema', () => {
    expect([VAULT_FORMAT, VAULT_SCHEMA]).toEqual(['agentvault/vault', 1]);
    expect(refused(plain, (t) => (t.format = 'agentvault/vault2'), 'vault.format').message).toBe("vault.format: expected 'agentvault/vault'");
    const e = expectCode(() => parseVault({ ...json(plain), schema: 2 }), 'UNSUPPORTED_VERSION');
    expect(e.message).toBe('vault.schema: this library reads schema 1');
  });
  it('not an object, or not JSON data', () => {
    for (const v of [null, 'vault', 7, [json(plain)]]) expect(expectCode(() => parseVault(v), 'INVALID_INPUT').details?.['field']).toBe('vault');
    const e = expectCode(() => parseVault({ ...json(plain), n: 1n }), 'INVALID_INPUT');
    expect(e.details).toEqual({ field: 'vault' });
    expect(e.message).toBe('vault: not JSON-serializable data');
  });
  it('owner, wallet, domain and chain name their field', () => {
    for (const f of ['owner', 'wallet']) {
      expect(expectCode(() => parseVault({ ...json(plain), [f]: 'x' }), 'INVALID_INPUT').details?.['field']).toBe(`vault.${f}`);
      expect(expectCode(() => parseVault({ ...json(plain), [f]: 7 }), 'INVALID_INPUT').details?.['field']).toBe(`vault.${f}`);
    }
    expect(expectCode(() => parseVault({ ...json(plain), domain: 'App.Example' }), 'INVALID_INPUT').details?.['field']).toBe('vault.domain');
    expect(expectCode(() => parseVault({ ...json(plain), domain: 7 }), 'INVALID_INPUT').details?.['field']).toBe('vault.domain');
    expect(expectCode(() => parseVault({ ...json(plain), chain: 'mainnet-beta' }), 'INVALID_INPUT').details?.['field']).toBe('vault.chain');
    for (const chain of ['mainnet', 'devnet', 'testnet', 'localnet']) expect(accepted(plain, (t) => (t.chain = chain)).chain).toBe(chain);
  });
  it('an unknown field at any level is named with its path and reason unknown-field', () => {
    refused(plain, (t) => (t.extra = 1), 'vault.extra', 'unknown-field');
    refused(plain, (t) => (t.kdm.extra = 1), 'vault.kdm.extra', 'unknown-field');
    refused(withCode, (t) => (t.recovery.extra = 1), 'vault.recovery.extra', 'unknown-field');
    refused(plain, (t) => (t.umks[0].extra = 1), 'vault.umks[0].extra', 'unknown-field');
    const pass = (t: any) => Object.assign(t.recovery, { kind: 'passphrase', scrypt: { N: 2 ** 15, r: 8, p: 1 } });
    refused(withCode, (t) => (pass(t), (t.recovery.scrypt.q = 1)), 'vault.recovery.scrypt.q', 'unknown-field');
    // Every known field is accepted (the control).
    expect(Object.keys(accepted(withCode, () => {})).sort()).toEqual(
      ['activeUmkVersion', 'chain', 'domain', 'format', 'kdm', 'mac', 'owner', 'recovery', 'revision', 'schema', 'umks', 'wallet'].sort(),
    );
  });
  it('revision: an integer >= 1', () => {
    for (const r of [0, -1, 1.5, '2', null, 2 ** 53]) expect(refused(plain, (t) => (t.revision = r), 'vault.revision').message).toBe('vault.revision: expected an integer >= 1');
    refused(plain, (t) => delete t.revision, 'vault.revision');
    expect(accepted(plain, (t) => (t.revision = 1)).revision).toBe(1);
    expect(accepted(plain, (t) => (t.revision = 2 ** 53 - 1)).revision).toBe(2 ** 53 - 1);
  });
  it('mac: exactly 43 base64url characters', () => {
    const mac = plain.mac;
    for (const m of [mac.slice(1), mac + 'A', 'A' + mac, mac.slice(0, 42) + '=', mac.slice(0, 42) + '+', 7, null])
      expect(refused(plain, (t) => (t.mac = m), 'vault.mac').message).toBe('vault.mac: expected a base64url HMAC-SHA256');
    refused(plain, (t) => delete t.mac, 'vault.mac');
    expect(accepted(plain, (t) => (t.mac = '-_' + 'A'.repeat(41))).mac).toBe('-_' + 'A'.repeat(41));
  });
});

describe('parseVault: kdm', () => {
  it('kdm: an object with version 1, a 32-byte salt, a known signedAs and a boolean peppered', () => {
    refused(plain, (t) => (t.kdm = 'x'), 'vault.kdm');
    refused(plain, (t) => (t.kdm = null), 'vault.kdm');
    for (const v of [2, 0, '1']) {
      const e = expectCode(() => parseVault({ ...json(plain), kdm: { ...plain.kdm, version: v } }), 'UNSUPPORTED_VERSION');
      expect(e.message).toBe('vault.kdm.version: this library knows KDM v1');
    }
    refused(plain, (t) => (t.kdm.salt = 7), 'vault.kdm.salt');
    expect(refused(plain, (t) => (t.kdm.salt = 7), 'vault.kdm.salt').message).toBe('vault.kdm.salt: expected base64url text');
    refused(plain, (t) => (t.kdm.salt = t.kdm.salt.slice(0, 40)), 'vault.kdm.salt', 'bad-length');
    refused(plain, (t) => (t.kdm.salt = '*' + t.kdm.salt.slice(1)), 'vault.kdm.salt', 'bad-alphabet');
    expect(refused(plain, (t) => (t.kdm.signedAs = 'ledger'), 'vault.kdm.signedAs').message).toBe("vault.kdm.signedAs: expected 'raw' or 'offchain-v1'");
    expect(accepted(plain, (t) => (t.kdm.signedAs = 'offchain-v1')).kdm.signedAs).toBe('offchain-v1');
    expect(accepted(plain, (t) => (t.kdm.signedAs = 'raw')).kdm.signedAs).toBe('raw');
    for (const p of ['true', 1, null]) expect(refused(plain, (t) => (t.kdm.peppered = p), 'vault.kdm.peppered').message).toBe('vault.kdm.peppered: expected boolean');
    expect(accepted(plain, (t) => (t.kdm.peppered = true)).kdm.peppered).toBe(true);
  });
  it('kdmSalt and recoverySalt decode the stored salts; a vault without recovery has no recovery salt', () => {
    expect(Buffer.from(kdmSalt(plain)).toString('base64url')).toBe(plain.kdm.salt);
    expect(kdmSalt(plain)).toHaveLength(32);
    expect(Buffer.from(recoverySalt(withCode)).toString('base64url')).toBe(withCode.recovery!.salt);
    const e = expectCode(() => recoverySalt(plain), 'NO_RECOVERY_SLOT');
    expect(e.message).toBe('the vault has no recovery keyslot');
    // The salts are re-checked where they are used (a VaultData built by hand, not parsed).
    const badKdm = { ...plain, kdm: { ...plain.kdm, salt: 7 } } as unknown as VaultData;
    expect(expectCode(() => kdmSalt(badKdm), 'INVALID_INPUT').details).toEqual({ field: 'vault.kdm.salt' });
    const shortRec = { ...withCode, recovery: { ...withCode.recovery!, salt: 'AAAA' } } as VaultData;
    expect(expectCode(() => recoverySalt(shortRec), 'INVALID_INPUT').details).toEqual({ field: 'vault.recovery.salt', reason: 'bad-length' });
    const notText = { ...withCode, recovery: { ...withCode.recovery!, salt: null } } as unknown as VaultData;
    expect(expectCode(() => recoverySalt(notText), 'INVALID_INPUT').message).toBe('vault.recovery.salt: expected base64url text');
  });
});

describe('parseVault: recovery settings', () => {
  const pass = (t: any) => Object.assign(t.recovery, { kind: 'passphrase', scrypt: { N: 2 ** 15, r: 8, p: 1 } });
  it('kind, salt, scrypt (passphrases only) and peppered', () => {
    refused(withCode, (t) => (t.recovery = 'code'), 'vault.recovery');
    refused(withCode, (t) => (t.recovery = null), 'vault.recovery');
    expect(refused(withCode, (t) => (t.recovery.kind = 'pin'), 'vault.recovery.kind').message).toBe("vault.recovery.kind: expected 'code' or 'passphrase'");
    refused(withCode, (t) => delete t.recovery.kind, 'vault.recovery.kind');
    refused(withCode, (t) => (t.recovery.salt = 7), 'vault.recovery.salt');
    refused(withCode, (t) => (t.recovery.salt = t.recovery.salt.slice(0, 40)), 'vault.recovery.salt', 'bad-length');
    refused(withCode, (t) => (t.recovery.salt = t.kdm.salt + 'AA'), 'vault.recovery.salt', 'bad-length');
    expect(refused(withCode, (t) => (t.recovery.scrypt = { N: 2 ** 15, r: 8, p: 1 }), 'vault.recovery.scrypt').message).toBe('vault.recovery.scrypt: only for passphrases');
    refused(withCode, (t) => (t.recovery.scrypt = 'x'), 'vault.recovery.scrypt');
    refused(withCode, (t) => (pass(t), delete t.recovery.scrypt), 'vault.recovery.scrypt');
    refused(withCode, (t) => (pass(t), (t.recovery.scrypt.N = 2 ** 14)), 'scrypt.N');
    expect(refused(withCode, (t) => (t.recovery.peppered = 'no'), 'vault.recovery.peppered').message).toBe('vault.recovery.peppered: expected boolean');
    refused(withCode, (t) => delete t.recovery.peppered, 'vault.recovery.peppered');
    const p = accepted(withCode, pass);
    expect(p.recovery).toEqual({ kind: 'passphrase', salt: withCode.recovery!.salt, scrypt: { N: 2 ** 15, r: 8, p: 1 }, peppered: false });
    expect(accepted(withCode, (t) => (t.recovery.peppered = true)).recovery!.peppered).toBe(true);
  });
  it('recovery keyslots: required with recovery settings, refused without them', () => {
    // Settings without a keyslot: the slot reads as a record and is refused.
    refused(withCode, (t) => delete t.umks[0].recovery, 'record');
    // A keyslot without settings.
    const e = refused(withCode, (t) => delete t.recovery, 'vault.umks[0].recovery');
    expect(e.message).toBe('vault.umks[0].recovery: vault has no recovery settings');
    // Control: neither settings nor keyslots.
    expect(accepted(withCode, (t) => (delete t.recovery, delete t.umks[0].recovery)).recovery).toBeUndefined();
  });
});

describe('parseVault: umks', () => {
  const two = (t: any, first: Record<string, unknown>) => {
    t.umks = [first, { version: 2, state: 'active', wallet: slot(2) }];
    t.activeUmkVersion = 2;
  };
  it('the list: 1..1024 entries, at most 64 live', () => {
    expect([MAX_UMK_VERSIONS, MAX_UMK_ENTRIES]).toEqual([64, 1024]);
    for (const u of [[], 'x', null, {}]) expect(refused(plain, (t) => (t.umks = u), 'vault.umks').message).toBe('vault.umks: expected 1..1024 entries');
    const live = (n: number) => (t: any) => {
      t.umks = Array.from({ length: n }, (_, i) => ({ version: i + 1, state: i === n - 1 ? 'active' : 'decrypt-only', wallet: slot(i + 1) }));
      t.activeUmkVersion = n;
    };
    expect(refused(plain, live(65), 'vault.umks').message).toBe('vault.umks: at most 64 live (non-retired) versions; retire old ones');
    expect(accepted(plain, live(64)).umks).toHaveLength(64);
  });
  it('an entry that is not an object is refused by name (no TypeError)', () => {
    refused(plain, (t) => (t.umks = [null]), 'vault.umks[0]');
    refused(plain, (t) => (t.umks = [t.umks[0], 7]), 'vault.umks[1]');
  });
  it('version: a unique safe integer >= 1', () => {
    for (const v of [0, -1, 1.5, '1', null, 2 ** 53]) {
      const e = refused(plain, (t) => (t.umks[0].version = v), 'vault.umks[0].version');
      expect(e.message).toBe('vault.umks[0].version: expected a unique integer >= 1');
    }
    refused(plain, (t) => two(t, { version: 2, state: 'retired' }), 'vault.umks[1].version');
  });
  it('state: active, decrypt-only or retired; exactly one active', () => {
    expect(refused(plain, (t) => (t.umks[0].state = 'Active'), 'vault.umks[0].state').message).toBe('vault.umks[0].state: unknown state');
    expect(refused(plain, (t) => (t.umks[0].state = 'decrypt-only'), 'vault.umks').message).toBe('vault.umks: exactly one active version');
    refused(plain, (t) => two(t, { version: 1, state: 'active', wallet: slot(1) }), 'vault.umks');
    expect(accepted(plain, (t) => two(t, { version: 1, state: 'decrypt-only', wallet: slot(1) })).umks[0]!.state).toBe('decrypt-only');
    expect(accepted(plain, (t) => two(t, { version: 1, state: 'retired' })).umks[0]).toEqual({ version: 1, state: 'retired' });
  });
  it('a retired version keeps no keyslots; a live one has its own', () => {
    const e = refused(plain, (t) => two(t, { version: 1, state: 'retired', wallet: slot(1) }), 'vault.umks[0]');
    expect(e.message).toBe('vault.umks[0]: a retired version keeps no keyslots');
    refused(withCode, (t) => two(t, { version: 1, state: 'retired', recovery: slot(1, 'umk.recovery') }), 'vault.umks[0]');
    // Keyslot naming another version, or of the other type.
    const e2 = refused(plain, (t) => two(t, { version: 1, state: 'decrypt-only', wallet: slot(2) }), 'vault.umks[0].wallet');
    expect(e2.message).toBe('vault.umks[0].wallet: keyslot names another version or type');
    refused(plain, (t) => (t.umks[0].wallet = slot(1, 'umk.recovery')), 'vault.umks[0].wallet');
    refused(withCode, (t) => (t.umks[0].recovery = slot(1, 'umk.wallet')), 'vault.umks[0].recovery');
    refused(withCode, (t) => (t.umks[0].recovery = slot(2, 'umk.recovery')), 'vault.umks[0].recovery');
  });
  it('activeUmkVersion names the active version, which is the highest', () => {
    const e = refused(plain, (t) => (t.activeUmkVersion = 2), 'vault.activeUmkVersion');
    expect(e.message).toBe('vault.activeUmkVersion: must name the active version');
    const rollback = (t: any) => {
      t.umks = [{ version: 1, state: 'active', wallet: slot(1) }, { version: 2, state: 'decrypt-only', wallet: slot(2) }];
      t.activeUmkVersion = 1;
    };
    expect(refused(plain, rollback, 'vault.activeUmkVersion').message).toBe('vault.activeUmkVersion: the active version must be the highest');
    // Highest among every entry, retired ones included.
    const overRetired = (t: any) => {
      t.umks = [{ version: 1, state: 'active', wallet: slot(1) }, { version: 3, state: 'retired' }];
      t.activeUmkVersion = 1;
    };
    refused(plain, overRetired, 'vault.activeUmkVersion');
    // Versions need not be contiguous, nor in order.
    const gaps = accepted(plain, (t) => {
      t.umks = [{ version: 7, state: 'active', wallet: slot(7) }, { version: 3, state: 'retired' }];
      t.activeUmkVersion = 7;
    });
    expect(gaps.activeUmkVersion).toBe(7);
  });
});

describe('parseVault: the result', () => {
  it('is a deep-frozen copy', () => {
    const input = json(withCode);
    const p = parseVault(input);
    expect(p).toEqual(withCode);
    expect(p).not.toBe(input);
    for (const o of [p, p.kdm, p.recovery, p.umks, p.umks[0]]) expect(Object.isFrozen(o)).toBe(true);
    const pass = accepted(withCode, (t) => Object.assign(t.recovery, { kind: 'passphrase', scrypt: { N: 2 ** 15, r: 8, p: 1 } }));
    expect(Object.isFrozen(pass.recovery!.scrypt)).toBe(true);
    // The input itself is left as it was (not frozen).
    expect(Object.isFrozen(input) || Object.isFrozen(input.kdm)).toBe(false);
  });
});

describe('parseVault: refusal details, exactly', () => {
  it('a refusal without a reason has no reason key; an unknown field says so', () => {
    const t = json(plain);
    t.format = 'x';
    const e = expectCode(() => parseVault(t), 'INVALID_INPUT');
    expect(Object.keys(e.details!)).toEqual(['field']);
    const u = expectCode(() => parseVault({ ...json(plain), extra: 1 }), 'INVALID_INPUT');
    expect(Object.keys(u.details!).sort()).toEqual(['field', 'reason']);
    expect(u.message).toBe('vault.extra: unknown field');
    const k = expectCode(() => parseVault({ ...json(plain), kdm: { ...plain.kdm, x: 1 } }), 'INVALID_INPUT');
    expect(k.message).toBe('vault.kdm.x: unknown field');
  });
  it('mac: a value that only prints as 43 base64url characters (an array) is refused', () => {
    for (const m of [['A'.repeat(43)], { toString: 'A'.repeat(43) }]) refused(plain, (t) => (t.mac = m), 'vault.mac');
  });
});

describe('parseVault: validate once (issue 18)', () => {
  it('returns a vault it returned before as the same object, and still copies every other object', () => {
    const p = parseVault(json(plain));
    expect(parseVault(p)).toBe(p);
    // A structurally equal object it did not return is validated and copied again.
    const twin = json(p);
    const q = parseVault(twin);
    expect(q).toEqual(p);
    expect(q).not.toBe(twin);
    expect(q).not.toBe(p);
    // Values that are not objects are refused as before (the WeakSet holds none of them).
    for (const v of [null, undefined, 'vault', 1, true]) expectCode(() => parseVault(v), 'INVALID_INPUT');
  });
});
