/**
 * Writes vectors/{records,kdm,subkeys,vault}.json from the independent reference in
 * test/helpers/reference.ts (node:crypto + tweetnacl only; never the library).
 * Run: npx tsx scripts/gen-vectors.ts
 */
import { writeFileSync } from 'node:fs';
import { base58Ref, keyMessageRef, naclKeypair, naclSign, sealRecordRef, subkeyRef, vaultMacRef, walletKeyRef } from '../test/helpers/reference.js';

const hex = (b: Buffer) => b.toString('hex');
const seq = (start: number, len: number) => Buffer.from(Array.from({ length: len }, (_, i) => (start + i) & 0xff));
const wallet = naclKeypair(seq(1, 32));
const address = base58Ref(wallet.publicKey);
const other = naclKeypair(seq(0x80, 32));
const otherAddress = base58Ref(other.publicKey);
const note = 'Expected values computed by test/helpers/reference.ts (node:crypto + tweetnacl), independent of the library.';

// records.json
const recordCases = [
  { name: 'short plaintext, address only', key: seq(0x10, 32), plaintext: Buffer.from('hello agentvault'), type: 'profile', context: { address }, umkVersion: 1, salt: seq(0x40, 32), iv: seq(0x60, 12) },
  { name: 'empty plaintext', key: seq(0x11, 32), plaintext: Buffer.alloc(0), type: 'mnemonic', context: { address }, umkVersion: 1, salt: seq(0x41, 32), iv: seq(0x61, 12) },
  { name: 'app fields sorted by UTF-8 bytes', key: seq(0x12, 32), plaintext: seq(0, 64), type: 'agent-key', context: { address, recordId: 'bot-7', Zeta: 'z', 'a.b': 'é' }, umkVersion: 3, salt: seq(0x42, 32), iv: seq(0x62, 12) },
];
const records = {
  description: 'SPEC 4 record vectors: key, plaintext, type, context, UMK version and injected salt/IV -> record text.',
  source: note,
  valid: recordCases.map((c) => ({
    name: c.name, key: hex(c.key), plaintext: hex(c.plaintext), type: c.type, context: c.context, umkVersion: c.umkVersion, salt: hex(c.salt), iv: hex(c.iv),
    record: sealRecordRef(c),
  })),
  invalid: [
    { name: 'wrong key', of: 0, key: hex(seq(0x99, 32)), code: 'KEY_MISMATCH' },
    { name: 'other address', of: 0, context: { address: otherAddress }, code: 'CONTEXT_MISMATCH' },
    { name: 'other type', of: 0, type: 'mnemonic', code: 'CONTEXT_MISMATCH' },
    { name: 'extra field', of: 2, context: { address, recordId: 'bot-8', Zeta: 'z', 'a.b': 'é' }, code: 'CONTEXT_MISMATCH' },
  ],
};
writeFileSync('vectors/records.json', JSON.stringify(records, null, 2) + '\n');

// kdm.json
const kdmSalt = seq(0x20, 32);
const kdmCases = [
  { name: 'mainnet, raw', domain: 'app.example.com', chain: 'mainnet', salt: kdmSalt, version: 1 },
  { name: 'devnet with port, peppered', domain: 'localhost:3000', chain: 'devnet', salt: seq(0x21, 32), version: 1, pepper: seq(0xa0, 32) },
];
const kdm = {
  description: 'SPEC 5 key message vectors: fields -> exact text; tweetnacl signature by the wallet seed; wrapping key.',
  source: note,
  wallet: { seed: hex(seq(1, 32)), publicKey: hex(wallet.publicKey), address },
  valid: kdmCases.map((c) => {
    const text = keyMessageRef({ ...c, address });
    const signature = naclSign(Buffer.from(text, 'utf8'), wallet.secretKey);
    return {
      name: c.name, domain: c.domain, chain: c.chain, salt: hex(c.salt), version: c.version, ...(c.pepper ? { pepper: hex(c.pepper) } : {}),
      text, signature: hex(signature),
      walletKey: hex(walletKeyRef({ signature, salt: c.salt, address, chain: c.chain, domain: c.domain, version: c.version, ...(c.pepper ? { pepper: c.pepper } : {}) })),
    };
  }),
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
  expected: withMac({
    format: 'agentvault/vault', schema: 1, owner: address, wallet: address, domain: vDomain, chain: vChain,
    kdm: { version: 1, salt: kdmSalt.toString('base64url'), signedAs: 'raw', peppered: false },
    activeUmkVersion: 1,
    umks: [{ version: 1, state: 'active', wallet: walletSlot }],
    revision: 1,
  }),
  subkeys: { 'agent-key': hex(subkeyRef(umk, 'agent-key', address)) },
};
writeFileSync('vectors/vault.json', JSON.stringify(vault, null, 2) + '\n');
console.log('vectors written');
