/**
 * Writes vectors/{records,kdm,subkeys,vault}.json from the independent reference in
 * test/helpers/reference.ts (node:crypto + tweetnacl only; never the library).
 * Run: npx tsx scripts/gen-vectors.ts
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import {
  base58Ref, encodeContext, keyMessageRef, localWrapRef, naclKeypair, naclSign, offchainV1Ref, recordIntermediatesRef, recoveryCodeKeyPepperRef,
  recoveryCodeTextRef, recoveryPassphraseKeyRef, sealRecordRef, subkeyRef, vaultMacIntermediatesRef, vaultMacRef, walletKeyIntermediatesRef, walletKeyRef,
} from '../test/helpers/reference.js';

const hex = (b: Buffer) => b.toString('hex');
const seq = (start: number, len: number) => Buffer.from(Array.from({ length: len }, (_, i) => (start + i) & 0xff));
const wallet = naclKeypair(seq(1, 32));
const address = base58Ref(wallet.publicKey);
const other = naclKeypair(seq(0x80, 32));
const otherAddress = base58Ref(other.publicKey);
const note = 'Expected values computed by test/helpers/reference.ts (node:crypto + tweetnacl), independent of the library.';

// records.json
/** Byte-level forgeries of a record (SPEC 4.5 order of checks), each with its code and reason. */
function recordTextNegatives(c: Parameters<typeof recordIntermediatesRef>[0]) {
  const i = recordIntermediatesRef(c);
  const body = Buffer.from(i.binary.subarray(0, i.binary.length - 4));
  const withSum = (b: Buffer) => 'avr1.' + Buffer.concat([b, createHash('sha256').update(b).digest().subarray(0, 4)]).toString('base64url');
  const flip = (off: number) => { const b = Buffer.from(body); b[off]! ^= 1; return b; };
  const text = 'avr1.' + i.binary.toString('base64url');
  const last = text[text.length - 1]!;
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const n = Buffer.byteLength(c.type);
  return [
    { name: 'checksum byte flipped', of: 0, record: (() => { const b = Buffer.from(i.binary); b[b.length - 1]! ^= 1; return 'avr1.' + b.toString('base64url'); })(), code: 'INTEGRITY', reason: 'checksum' },
    { name: 'ciphertext byte flipped, checksum not recomputed', of: 0, record: (() => { const b = Buffer.from(i.binary); b[90 + n]! ^= 1; return 'avr1.' + b.toString('base64url'); })(), code: 'INTEGRITY', reason: 'checksum' },
    { name: 'tag byte flipped, checksum recomputed', of: 0, record: withSum(flip(body.length - 1)), code: 'CONTEXT_MISMATCH', reason: 'tag' },
    { name: 'IV byte flipped, checksum recomputed', of: 0, record: withSum(flip(75 + n)), code: 'CONTEXT_MISMATCH', reason: 'tag' },
    { name: 'UMK version changed, checksum recomputed (authenticated in the AAD)', of: 0, record: withSum(flip(8)), code: 'CONTEXT_MISMATCH', reason: 'tag' },
    { name: 'commitment byte flipped, checksum recomputed', of: 0, record: withSum(flip(43 + n)), code: 'KEY_MISMATCH', reason: 'commitment' },
    { name: 'salt byte flipped, checksum recomputed', of: 0, record: withSum(flip(11 + n)), code: 'KEY_MISMATCH', reason: 'commitment' },
    { name: 'magic changed, checksum recomputed', of: 0, record: withSum(flip(0)), code: 'INVALID_INPUT', reason: 'magic' },
    { name: 'format version 2, checksum recomputed', of: 0, record: withSum((() => { const b = Buffer.from(body); b[3] = 2; return b; })()), code: 'UNSUPPORTED_VERSION', reason: 'format-version' },
    { name: 'suite 2, checksum recomputed', of: 0, record: withSum((() => { const b = Buffer.from(body); b[5] = 2; return b; })()), code: 'UNSUPPORTED_VERSION', reason: 'suite' },
    { name: 'UMK version 0, checksum recomputed', of: 0, record: withSum((() => { const b = Buffer.from(body); b.writeUInt32BE(0, 6); return b; })()), code: 'INVALID_INPUT', reason: 'umk-version' },
    { name: 'type length 0, checksum recomputed', of: 0, record: withSum((() => { const b = Buffer.from(body); b[10] = 0; return b; })()), code: 'INVALID_INPUT', reason: 'type-length' },
    { name: 'text version avr2', of: 0, record: 'avr2.' + text.slice(5), code: 'UNSUPPORTED_VERSION', reason: 'text-version' },
    { name: 'other prefix', of: 0, record: 'AVR1.' + text.slice(5), code: 'INVALID_INPUT', reason: 'prefix' },
    { name: 'padded base64url', of: 0, record: text + '=', code: 'INVALID_INPUT', reason: 'bad-alphabet' },
    { name: 'last character with non-zero unused bits', of: 0, record: text.slice(0, -1) + B64[B64.indexOf(last) ^ ((text.length - 5) % 4 === 2 ? 1 : 1)], code: 'INVALID_INPUT', reason: 'non-zero-unused-bits' },
    { name: 'truncated to 10 bytes', of: 0, record: 'avr1.' + i.binary.subarray(0, 10).toString('base64url'), code: 'INVALID_INPUT', reason: 'length' },
  ];
}
const recordCases = [
  { name: 'short plaintext, address only', key: seq(0x10, 32), plaintext: Buffer.from('hello agentvault'), type: 'profile', context: { address }, umkVersion: 1, salt: seq(0x40, 32), iv: seq(0x60, 12) },
  { name: 'empty plaintext', key: seq(0x11, 32), plaintext: Buffer.alloc(0), type: 'mnemonic', context: { address }, umkVersion: 1, salt: seq(0x41, 32), iv: seq(0x61, 12) },
  { name: 'app fields sorted by UTF-8 bytes', key: seq(0x12, 32), plaintext: seq(0, 64), type: 'agent-key', context: { address, recordId: 'bot-7', Zeta: 'z', 'a.b': 'é' }, umkVersion: 3, salt: seq(0x42, 32), iv: seq(0x62, 12) },
];
const records = {
  description: 'SPEC 4 record vectors: key, plaintext, type, context, UMK version and injected salt/IV -> record text.',
  source: note,
  valid: recordCases.map((c) => {
    const i = recordIntermediatesRef(c);
    return {
      name: c.name, key: hex(c.key), plaintext: hex(c.plaintext), type: c.type, context: c.context, umkVersion: c.umkVersion, salt: hex(c.salt), iv: hex(c.iv),
      intermediate: { prk: hex(i.prk), encKey: hex(i.encKey), commitment: hex(i.commitment), header: hex(i.header), context: hex(i.context), aad: hex(i.aad), sealed: hex(i.sealed), checksum: hex(i.checksum) },
      record: sealRecordRef(c),
    };
  }),
  invalid: [
    { name: 'wrong key', of: 0, key: hex(seq(0x99, 32)), code: 'KEY_MISMATCH', reason: 'commitment' },
    { name: 'other address', of: 0, context: { address: otherAddress }, code: 'CONTEXT_MISMATCH', reason: 'tag' },
    { name: 'other type', of: 0, type: 'mnemonic', code: 'CONTEXT_MISMATCH', reason: 'type' },
    { name: 'extra field', of: 2, context: { address, recordId: 'bot-8', Zeta: 'z', 'a.b': 'é' }, code: 'CONTEXT_MISMATCH', reason: 'tag' },
    ...recordTextNegatives(recordCases[0]!),
  ],
};
writeFileSync('vectors/records.json', JSON.stringify(records, null, 2) + '\n');

// kdm.json
const kdmSalt = seq(0x20, 32);
const kdmCases: { name: string; domain: string; chain: string; salt: Buffer; version: number; pepper?: Buffer; signedAs?: 'raw' | 'offchain-v1' }[] = [
  { name: 'mainnet, raw', domain: 'app.example.com', chain: 'mainnet', salt: kdmSalt, version: 1 },
  { name: 'devnet with port, peppered', domain: 'localhost:3000', chain: 'devnet', salt: seq(0x21, 32), version: 1, pepper: seq(0xa0, 32) },
  { name: 'signed as off-chain message v1 (Ledger)', domain: 'app.example.com', chain: 'mainnet', salt: seq(0x22, 32), version: 1, signedAs: 'offchain-v1' },
  { name: 'IPv6 literal with port', domain: '[::1]:8080', chain: 'localnet', salt: seq(0x23, 32), version: 1 },
];
const kdm = {
  description: 'SPEC 5 key message vectors: fields -> exact text; tweetnacl signature by the wallet seed; wrapping key.',
  source: note,
  wallet: { seed: hex(seq(1, 32)), publicKey: hex(wallet.publicKey), address },
  valid: kdmCases.map((c) => {
    const text = keyMessageRef({ ...c, address });
    const signedAs = c.signedAs ?? 'raw';
    const signedBytes = signedAs === 'raw' ? Buffer.from(text, 'utf8') : offchainV1Ref(text, wallet.publicKey);
    const signature = naclSign(signedBytes, wallet.secretKey);
    const i = walletKeyIntermediatesRef({ signature, salt: c.salt, address, chain: c.chain, domain: c.domain, version: c.version, ...(c.pepper ? { pepper: c.pepper } : {}) });
    return {
      name: c.name, domain: c.domain, chain: c.chain, salt: hex(c.salt), version: c.version, signedAs, ...(c.pepper ? { pepper: hex(c.pepper) } : {}),
      text, signedBytes: hex(signedBytes), signature: hex(signature),
      intermediate: { hkdfInfo: hex(i.info), hkdfPrk: hex(i.prk) },
      walletKey: hex(walletKeyRef({ signature, salt: c.salt, address, chain: c.chain, domain: c.domain, version: c.version, ...(c.pepper ? { pepper: c.pepper } : {}) })),
    };
  }),
  invalid: [
    ...['localhost:0', 'localhost:00080', 'localhost:99999', 'a-.b', 'App.Example.com', '127.1', 'good@evil.example', 'https://app.example.com', '[0:0:0:0:0:0:0:1]'].map((domain) => ({
      name: `domain ${domain}`, of: 0, domain, code: 'INVALID_INPUT', reason: 'domain-grammar',
    })),
    { name: 'signature by another wallet', of: 0, signature: hex(naclSign(Buffer.from(keyMessageRef({ ...kdmCases[0]!, address }), 'utf8'), other.secretKey)), code: 'INVALID_SIGNATURE', reason: 'kdm-signature' },
    { name: 'raw signature presented as off-chain v1', of: 0, signedAs: 'offchain-v1', code: 'INVALID_SIGNATURE', reason: 'kdm-signature' },
    { name: 'all-zero signature', of: 0, signature: '00'.repeat(64), code: 'INVALID_SIGNATURE', reason: 'kdm-signature' },
  ],
};
writeFileSync('vectors/kdm.json', JSON.stringify(kdm, null, 2) + '\n');

// subkeys.json
const umk = seq(0xc0, 32);
const subkeys = {
  description: 'SPEC 6.3 subkey vectors: UMK, purpose, owner -> subkey.',
  source: note,
  valid: ['mnemonic', 'agent-key', 'profile', 'app.settings-v2'].map((purpose) => ({ umk: hex(umk), purpose, owner: address, subkey: hex(subkeyRef(umk, purpose, address)) })),
};
writeFileSync('vectors/subkeys.json', JSON.stringify(subkeys, null, 2) + '\n');

// vault.json: the random bytes the library draws, in order, and the vault it must produce.
const vDomain = 'app.example.com';
const vChain = 'mainnet';
const vText = keyMessageRef({ domain: vDomain, chain: vChain, address, salt: kdmSalt, version: 1 });
const vSig = naclSign(Buffer.from(vText, 'utf8'), wallet.secretKey);
const wk = walletKeyRef({ signature: vSig, salt: kdmSalt, address, chain: vChain, domain: vDomain, version: 1 });
const slotSalt = seq(0x50, 32);
const slotIv = seq(0x70, 12);
const walletSlot = sealRecordRef({ key: wk, plaintext: umk, type: 'umk.wallet', context: { address, domain: vDomain, chain: vChain }, umkVersion: 1, salt: slotSalt, iv: slotIv });
const vaultBody = {
  format: 'agentvault/vault', schema: 1, owner: address, wallet: address, domain: vDomain, chain: vChain,
  kdm: { version: 1, salt: kdmSalt.toString('base64url'), signedAs: 'raw', peppered: false },
  activeUmkVersion: 1,
  umks: [{ version: 1, state: 'active', wallet: walletSlot }],
  revision: 1,
};
function withMac(v: Record<string, unknown>) {
  return { ...v, mac: vaultMacRef(v, umk, address) };
}
const vault = {
  description: 'SPEC 6 vault vector: prepareVault + createVault with injected randomness (in draw order) -> stored vault JSON; unlocking it yields the UMK whose subkeys are given.',
  source: note,
  wallet: { seed: hex(seq(1, 32)), address },
  domain: vDomain,
  chain: vChain,
  random: { kdmSalt: hex(kdmSalt), umk: hex(umk), walletSlotSalt: hex(slotSalt), walletSlotIv: hex(slotIv) },
  keyMessage: vText,
  signature: hex(vSig),
  expected: withMac(vaultBody),
  subkeys: { 'agent-key': hex(subkeyRef(umk, 'agent-key', address)) },
  intermediate: (() => {
    const unsigned = { ...vaultBody };
    const m = vaultMacIntermediatesRef(unsigned, umk, address);
    const i = recordIntermediatesRef({ key: wk, plaintext: umk, type: 'umk.wallet', context: { address, domain: vDomain, chain: vChain }, umkVersion: 1, salt: slotSalt, iv: slotIv });
    return { walletKey: hex(wk), walletSlotAad: hex(i.aad), walletSlotPrk: hex(i.prk), walletSlotCommitment: hex(i.commitment), macKey: hex(m.macKey), macInput: m.canonical };
  })(),
};
writeFileSync('vectors/vault.json', JSON.stringify(vault, null, 2) + '\n');

// vaults.json (issue 16): recovery slots (code, passphrase, pepper), rotation with decrypt-only and
// retired versions, a vault rewrapped to another wallet and signed as off-chain v1. Each vault is
// built here from SPEC 6 by the reference; the tests open it with the library (unlock by wallet
// and by recovery), open a sample record per live UMK version, and check each negative's code.
type Slot = { version: number; state: 'active' | 'decrypt-only' | 'retired'; umk?: Buffer };
interface VaultCase {
  name: string; owner: ReturnType<typeof naclKeypair>; wallet: ReturnType<typeof naclKeypair>; kdmSalt: Buffer; signedAs: 'raw' | 'offchain-v1';
  pepper?: Buffer; recovery?: { kind: 'code'; code: Buffer; salt: Buffer; peppered: boolean } | { kind: 'passphrase'; passphrase: string; salt: Buffer; peppered: boolean; scrypt: { N: number; r: number; p: number } };
  slots: Slot[]; revision: number;
}
const w2 = naclKeypair(seq(0x30, 32));
const vaultCases: VaultCase[] = [
  { name: 'recovery code, no pepper', owner: wallet, wallet, kdmSalt: seq(0x24, 32), signedAs: 'raw', recovery: { kind: 'code', code: seq(0xd0, 16), salt: seq(0x25, 32), peppered: false }, slots: [{ version: 1, state: 'active', umk: seq(0xc1, 32) }], revision: 1 },
  { name: 'recovery passphrase (scrypt N=2^15, r=8, p=1), NFKD', owner: wallet, wallet, kdmSalt: seq(0x26, 32), signedAs: 'raw', recovery: { kind: 'passphrase', passphrase: 'correct horse battery staple \u00e9t\u00e9', salt: seq(0x27, 32), peppered: false, scrypt: { N: 2 ** 15, r: 8, p: 1 } }, slots: [{ version: 1, state: 'active', umk: seq(0xc2, 32) }], revision: 1 },
  { name: 'peppered wallet slot and peppered recovery code', owner: wallet, wallet, kdmSalt: seq(0x28, 32), signedAs: 'raw', pepper: seq(0xa1, 32), recovery: { kind: 'code', code: seq(0xd1, 16), salt: seq(0x29, 32), peppered: true }, slots: [{ version: 1, state: 'active', umk: seq(0xc3, 32) }], revision: 1 },
  { name: 'rotated: v1 retired, v2 decrypt-only, v3 active, recovery code on live versions', owner: wallet, wallet, kdmSalt: seq(0x2a, 32), signedAs: 'raw', recovery: { kind: 'code', code: seq(0xd2, 16), salt: seq(0x2b, 32), peppered: false }, slots: [{ version: 1, state: 'retired' }, { version: 2, state: 'decrypt-only', umk: seq(0xc4, 32) }, { version: 3, state: 'active', umk: seq(0xc5, 32) }], revision: 4 },
  { name: 'rewrapped to another wallet, KDM signed as off-chain v1, no recovery', owner: wallet, wallet: w2, kdmSalt: seq(0x2c, 32), signedAs: 'offchain-v1', slots: [{ version: 1, state: 'decrypt-only', umk: seq(0xc6, 32) }, { version: 2, state: 'active', umk: seq(0xc7, 32) }], revision: 3 },
];
const vDom = 'app.example.com';
let slotByte = 0x80;
function buildVault(c: VaultCase) {
  const ownerAddr = base58Ref(c.owner.publicKey);
  const walletAddr = base58Ref(c.wallet.publicKey);
  const text = keyMessageRef({ domain: vDom, chain: 'mainnet', address: walletAddr, salt: c.kdmSalt, version: 1 });
  const signedBytes = c.signedAs === 'raw' ? Buffer.from(text, 'utf8') : offchainV1Ref(text, c.wallet.publicKey);
  const signature = naclSign(signedBytes, c.wallet.secretKey);
  const wk = walletKeyIntermediatesRef({ signature, salt: c.kdmSalt, address: walletAddr, chain: 'mainnet', domain: vDom, version: 1, ...(c.pepper ? { pepper: c.pepper } : {}) });
  const rp = c.recovery?.peppered ? c.pepper : undefined;
  const rk = c.recovery === undefined ? undefined
    : c.recovery.kind === 'code' ? { key: recoveryCodeKeyPepperRef(c.recovery.code, c.recovery.salt, ownerAddr, rp) }
    : recoveryPassphraseKeyRef(c.recovery.passphrase, c.recovery.salt, ownerAddr, c.recovery.scrypt, rp);
  const ctx = { address: ownerAddr, domain: vDom, chain: 'mainnet' };
  const umks = c.slots.map((sl) => {
    if (sl.state === 'retired') return { version: sl.version, state: sl.state };
    const mk = (type: string, key: Buffer) => sealRecordRef({ key, plaintext: sl.umk!, type, context: ctx, umkVersion: sl.version, salt: seq(slotByte++, 32), iv: seq(slotByte++, 12) });
    return { version: sl.version, state: sl.state, wallet: mk('umk.wallet', wk.walletKey), ...(rk ? { recovery: mk('umk.recovery', rk.key) } : {}) };
  });
  const active = c.slots.find((x) => x.state === 'active')!;
  const unsigned = {
    format: 'agentvault/vault', schema: 1, owner: ownerAddr, wallet: walletAddr, domain: vDom, chain: 'mainnet',
    kdm: { version: 1, salt: c.kdmSalt.toString('base64url'), signedAs: c.signedAs, peppered: c.pepper !== undefined },
    ...(c.recovery ? { recovery: { kind: c.recovery.kind, salt: c.recovery.salt.toString('base64url'), peppered: c.recovery.peppered, ...(c.recovery.kind === 'passphrase' ? { scrypt: c.recovery.scrypt } : {}) } } : {}),
    activeUmkVersion: active.version, umks, revision: c.revision,
  };
  const mac = vaultMacIntermediatesRef(unsigned, active.umk!, ownerAddr);
  const samples = c.slots.filter((x) => x.umk).map((sl) => {
    const plaintext = Buffer.from(`sample sealed under UMK v${sl.version}`);
    return { umkVersion: sl.version, type: 'profile', fields: { id: 'sample' }, plaintext: hex(plaintext),
      record: sealRecordRef({ key: subkeyRef(sl.umk!, 'profile', ownerAddr), plaintext, type: 'profile', context: { address: ownerAddr, id: 'sample' }, umkVersion: sl.version, salt: seq(slotByte++, 32), iv: seq(slotByte++, 12) }) };
  });
  return {
    name: c.name,
    walletSeed: hex(Buffer.from(c.wallet.secretKey.subarray(0, 32))),
    ...(c.pepper ? { pepper: hex(c.pepper) } : {}),
    ...(c.recovery?.kind === 'code' ? { recoveryCode: recoveryCodeTextRef(c.recovery.code), recoveryCodeBytes: hex(c.recovery.code) } : {}),
    ...(c.recovery?.kind === 'passphrase' ? { passphrase: c.recovery.passphrase } : {}),
    keyMessage: text, signedBytes: hex(signedBytes), signature: hex(signature),
    intermediate: {
      walletKeyInfo: hex(wk.info), walletKeyPrk: hex(wk.prk), walletKey: hex(wk.walletKey),
      ...(rk ? { recoveryKey: hex(rk.key) } : {}), ...(rk && 'scrypt' in rk ? { scrypt: hex(rk.scrypt as Buffer) } : {}),
      umks: Object.fromEntries(c.slots.filter((x) => x.umk).map((x) => [String(x.version), hex(x.umk!)])),
      macKey: hex(mac.macKey), macInput: mac.canonical,
    },
    vault: { ...unsigned, mac: mac.mac },
    samples,
  };
}
const builtVaults = vaultCases.map(buildVault);
const B64U = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const lastFlip = (t: string) => t.slice(0, -1) + B64U[B64U.indexOf(t[t.length - 1]!) ^ 1];
const vaults = {
  description: 'SPEC 6 stored vaults built from the spec: unlock with the wallet signature (and pepper), or with the recovery code or passphrase; every sample record opens under its UMK version. Negatives: patch (replaces top-level fields of the vault `of`; null removes one), then `op` (parse | unlock | recover), expected code and details.reason (null: none).',
  source: note,
  valid: builtVaults,
  invalid: [
    { name: 'MAC last character with non-zero unused bits', of: 0, patch: { mac: lastFlip(builtVaults[0]!.vault.mac) }, op: 'unlock', code: 'INTEGRITY', reason: 'non-zero-unused-bits' },
    { name: 'MAC first character changed', of: 0, patch: { mac: (builtVaults[0]!.vault.mac[0] === 'A' ? 'B' : 'A') + builtVaults[0]!.vault.mac.slice(1) }, op: 'unlock', code: 'INTEGRITY', reason: null },
    { name: 'recovery stripped (MAC not recomputed)', of: 0, patch: { recovery: null, umks: builtVaults[0]!.vault.umks.map((e) => ({ version: e.version, state: e.state, wallet: (e as { wallet?: string }).wallet })) }, op: 'unlock', code: 'INTEGRITY', reason: null },
    { name: 'revision rolled back (MAC not recomputed)', of: 3, patch: { revision: 3 }, op: 'unlock', code: 'INTEGRITY', reason: null },
    { name: 'decrypt-only version made active (not the highest)', of: 3, patch: { activeUmkVersion: 2, umks: builtVaults[3]!.vault.umks.map((e) => ({ ...e, state: e.version === 2 ? 'active' : e.version === 3 ? 'decrypt-only' : e.state })) }, op: 'parse', code: 'INVALID_INPUT', reason: null },
    { name: 'retired version with a keyslot', of: 3, patch: { umks: builtVaults[3]!.vault.umks.map((e) => (e.version === 1 ? { ...e, wallet: (builtVaults[3]!.vault.umks[1] as { wallet: string }).wallet } : e)) }, op: 'parse', code: 'INVALID_INPUT', reason: null },
    { name: 'unknown top-level field', of: 0, patch: { note: 'x' }, op: 'parse', code: 'INVALID_INPUT', reason: 'unknown-field' },
    { name: 'unknown nested field in kdm', of: 0, patch: { kdm: { ...builtVaults[0]!.vault.kdm, extra: 1 } }, op: 'parse', code: 'INVALID_INPUT', reason: 'unknown-field' },
    { name: 'unknown nested field in a UMK entry', of: 0, patch: { umks: builtVaults[0]!.vault.umks.map((e) => ({ ...e, note: 'x' })) }, op: 'parse', code: 'INVALID_INPUT', reason: 'unknown-field' },
    { name: 'schema 2', of: 0, patch: { schema: 2 }, op: 'parse', code: 'UNSUPPORTED_VERSION', reason: null },
    { name: 'KDM salt with non-zero unused bits', of: 0, patch: { kdm: { ...builtVaults[0]!.vault.kdm, salt: lastFlip(builtVaults[0]!.vault.kdm.salt) } }, op: 'parse', code: 'INVALID_INPUT', reason: 'non-zero-unused-bits' },
    { name: 'domain localhost:0', of: 0, patch: { domain: 'localhost:0' }, op: 'parse', code: 'INVALID_INPUT', reason: 'domain-grammar' },
    { name: 'wrong recovery code', of: 0, recoveryCode: recoveryCodeTextRef(seq(0xd9, 16)), op: 'recover', code: 'RECOVERY_CODE_MISMATCH', reason: null },
    { name: 'recovery code with spare bits set', of: 0, recoveryCode: '0000000000000000000000000Z', op: 'recover', code: 'INVALID_INPUT', reason: 'non-zero-unused-bits' },
    { name: 'wrong passphrase', of: 1, passphrase: 'correct horse battery staple ete', op: 'recover', code: 'RECOVERY_CODE_MISMATCH', reason: null },
    { name: 'peppered vault without the pepper', of: 2, pepper: null, op: 'unlock', code: 'INVALID_INPUT', reason: null },
    { name: 'rewrapped vault, KDM signed raw instead of off-chain v1', of: 4, signature: hex(naclSign(Buffer.from(builtVaults[4]!.keyMessage, 'utf8'), w2.secretKey)), op: 'unlock', code: 'INVALID_SIGNATURE', reason: 'kdm-signature' },
  ],
};
writeFileSync('vectors/vaults.json', JSON.stringify(vaults, null, 2) + '\n');

// grants.json (issue 16): an execution grant (SPEC 10.2.2), its wrap context (10.2.3), the
// LocalKeyWrapper wrapped key (10.1.2) and the grant.agent-key record (10.2.1 step 6).
const agent = naclKeypair(seq(0x60, 32));
const agentAddr = base58Ref(agent.publicKey);
function buildGrant(g: { name: string; signedAs: 'raw' | 'offchain-v1'; user: string; id: string; bot: string; dataKey: Buffer; kek: Buffer; wrapIv: Buffer; recSalt: Buffer; recIv: Buffer }) {
  const policyHash = '2b4153e962032b4dcbb27c606e92edbaf97f91f4bdc3e8cb3b200e776a49548a';
  const notBefore = '2025-01-31T13:00:00Z';
  const expiresAt = '2025-02-01T13:00:00Z';
  const message = [
    'app.example.com wants you to sign in with your Solana account:', address, '',
    `Allow bot ${g.bot} to trade from your agent wallet from ${notBefore} until ${expiresAt}, within the risk policy you approved. You can revoke this at any time.`, '',
    'URI: https://app.example.com/login', 'Version: 1', 'Chain ID: mainnet', 'Nonce: 5fKR2QT2bpfVev2npv8g7I91', 'Issued At: 2025-01-31T12:00:00Z', 'Expiration Time: 2025-01-31T12:15:00Z',
    'Resources:', '- urn:agentvault:purpose:enable-execution', `- urn:agentvault:bot:${g.bot}`, `- urn:agentvault:agent:${agentAddr}`, `- urn:agentvault:policy:sha256:${policyHash}`,
    `- urn:agentvault:grant-not-before:${notBefore}`, `- urn:agentvault:grant-expires:${expiresAt}`,
  ].join('\n');
  const signedBytes = g.signedAs === 'raw' ? Buffer.from(message, 'utf8') : offchainV1Ref(message, wallet.publicKey);
  const signature = naclSign(signedBytes, wallet.secretKey);
  const wrapContext = encodeContext({ address, user: g.user, label: 'agentvault/v1/grant-data-key', grant: g.id, bot: g.bot, agent: agentAddr, policy: policyHash, notBefore, expiresAt });
  const wrapped = localWrapRef(g.kek, 'v1', wrapContext, g.wrapIv, g.dataKey);
  const recordContext = { address, user: g.user, grant: g.id, bot: g.bot, agent: agentAddr };
  const agentSecret = Buffer.from(agent.secretKey);
  const ri = recordIntermediatesRef({ key: g.dataKey, plaintext: agentSecret, type: 'grant.agent-key', context: recordContext, umkVersion: 1, salt: g.recSalt, iv: g.recIv });
  return {
    name: g.name, ownerSeed: hex(seq(1, 32)), agentSeed: hex(seq(0x60, 32)), kek: { v1: hex(g.kek) }, dataKey: hex(g.dataKey),
    signedBytes: hex(signedBytes),
    intermediate: { wrapContext: hex(wrapContext), wrapAad: hex(wrapped.aad), agentKeyContext: recordContext, agentKeyAad: hex(ri.aad), agentKeyPrk: hex(ri.prk), agentKeyCommitment: hex(ri.commitment) },
    agentSecretKey: hex(agentSecret),
    grant: {
      format: 'agentvault.grant', v: 1, id: g.id, owner: address, user: g.user, bot: g.bot, agent: agentAddr, policyHash, notBefore, expiresAt,
      wrappedKey: { wrapper: 'local', version: 'v1', data: wrapped.data },
      agentKey: sealRecordRef({ key: g.dataKey, plaintext: agentSecret, type: 'grant.agent-key', context: recordContext, umkVersion: 1, salt: g.recSalt, iv: g.recIv }),
      authorization: { message, signedAs: g.signedAs, signature: signature.toString('base64') },
      createdAt: '2025-01-31T12:00:05Z',
    },
  };
}
const grantsValid = [
  buildGrant({ name: 'raw signature, user = owner', signedAs: 'raw', user: address, id: '000102030405060708090a0b0c0d0e0f', bot: 'grid-bot.1', dataKey: seq(0xe0, 32), kek: seq(0x10, 32), wrapIv: seq(0x90, 12), recSalt: seq(0xa0, 32), recIv: seq(0xb0, 12) }),
  buildGrant({ name: 'off-chain v1 signature, vault moved (user != owner)', signedAs: 'offchain-v1', user: otherAddress, id: 'f0e0d0c0b0a090807060504030201000', bot: 'dca', dataKey: seq(0xe1, 32), kek: seq(0x11, 32), wrapIv: seq(0x91, 12), recSalt: seq(0xa1, 32), recIv: seq(0xb1, 12) }),
];
const g0 = grantsValid[0]!.grant;
const grants = {
  description: 'SPEC 10.2 execution grants: the stored JSON (parseGrant accepts it and its signature verifies with tweetnacl), the wrap context bytes, the LocalKeyWrapper data (unwraps to dataKey under kek.v1 and the wrap context), the grant.agent-key record (opens under dataKey to seed || publicKey). Negatives: `patch` replaces top-level fields of grant `of`; `op` is parse or unwrap.',
  source: note,
  valid: grantsValid,
  invalid: [
    { name: 'signature of another message (one bit flipped)', of: 0, patch: { authorization: { ...g0.authorization, signature: (() => { const b = Buffer.from(g0.authorization.signature, 'base64'); b[0]! ^= 1; return b.toString('base64'); })() } }, op: 'parse', code: 'INVALID_SIGNATURE', reason: null },
    { name: 'bot differs from the signed message', of: 0, patch: { bot: 'other-bot' }, op: 'parse', code: 'INTEGRITY', reason: null },
    { name: 'expiresAt differs from the signed message', of: 0, patch: { expiresAt: '2025-02-02T13:00:00Z' }, op: 'parse', code: 'INTEGRITY', reason: null },
    { name: 'signedAs changed to off-chain v1', of: 0, patch: { authorization: { ...g0.authorization, signedAs: 'offchain-v1' } }, op: 'parse', code: 'INVALID_SIGNATURE', reason: null },
    { name: 'unknown field', of: 0, patch: { note: 'x' }, op: 'parse', code: 'INVALID_INPUT', reason: null },
    { name: 'v 2', of: 0, patch: { v: 2 }, op: 'parse', code: 'UNSUPPORTED_VERSION', reason: null },
    { name: 'signature base64 with non-zero unused bits', of: 0, patch: { authorization: { ...g0.authorization, signature: g0.authorization.signature.slice(0, -3) + B64U[B64U.indexOf(g0.authorization.signature.at(-3)!) ^ 1] + '==' } }, op: 'parse', code: 'INVALID_INPUT', reason: 'non-zero-unused-bits' },
    { name: 'grant id changed (not signed; bound by the wrap context)', of: 0, patch: { id: '100102030405060708090a0b0c0d0e0f' }, op: 'unwrap', code: 'UNWRAP_FAILED', reason: null },
    { name: 'user changed (bound by the wrap context)', of: 0, patch: { user: otherAddress }, op: 'unwrap', code: 'UNWRAP_FAILED', reason: null },
    { name: 'wrapped data with non-zero unused bits', of: 0, patch: { wrappedKey: { ...g0.wrappedKey, data: lastFlip(g0.wrappedKey.data) } }, op: 'unwrap', code: 'UNWRAP_FAILED', reason: null },
  ],
};
writeFileSync('vectors/grants.json', JSON.stringify(grants, null, 2) + '\n');
console.log('vectors written');
