/**
 * Writes vectors/sessions.json (SPEC 12) from the independent reference in test/helpers/reference.ts
 * (node:crypto + tweetnacl only; never the library). The vault is the one of vectors/vault.json.
 * Run: npx tsx scripts/gen-session-vectors.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { base58Ref, hkdf, lp, naclKeypair, sealRecordRef, u32 } from '../test/helpers/reference.js';

const hex = (b: Buffer) => b.toString('hex');
const seq = (start: number, len: number) => Buffer.from(Array.from({ length: len }, (_, i) => (start + i) & 0xff));
const vault = JSON.parse(readFileSync('vectors/vault.json', 'utf8'));
const wallet: string = vault.wallet.address;
const umk = Buffer.from(vault.random.umk, 'hex');

const otherWallet = base58Ref(naclKeypair(seq(0x80, 32)).publicKey);
const secret = seq(0xa0, 32);
const pepper1 = seq(0xc0, 32);
const pepper2 = seq(0xe0, 32);
const id = 'AAECAwQFBgcICQoLDA0ODw';
const expiresAt = 1767225600000; // 2026-01-01T00:00:00Z

function sessionCase(name: string, pepper: Buffer, pepperVersion: number, salt: Buffer, iv: Buffer) {
  const info = Buffer.concat([lp('agentvault/v1/session-key'), lp(id), lp(wallet)]);
  const sessionKey = hkdf(secret, pepper, info, 32);
  const payload = Buffer.concat([Buffer.from([1, 1]), u32(1), umk]);
  const context = { address: wallet, session: id, pepper: String(pepperVersion), expires: String(expiresAt) };
  const record = sealRecordRef({ key: sessionKey, plaintext: payload, type: 'session', context, umkVersion: pepperVersion, salt, iv });
  return {
    name,
    secret: hex(secret),
    token: `avs1.${id}.${secret.toString('base64url')}`,
    pepper: hex(pepper),
    pepperVersion,
    id,
    wallet,
    expiresAt,
    info: hex(info),
    sessionKey: hex(sessionKey),
    payload: hex(payload),
    context,
    salt: hex(salt),
    iv: hex(iv),
    record,
  };
}

const valid = [
  sessionCase('pepper v1', pepper1, 1, seq(0x10, 32), seq(0x30, 12)),
  sessionCase('pepper v2 (after rotation)', pepper2, 2, seq(0x11, 32), seq(0x31, 12)),
];
const out = {
  description:
    'SPEC 12 session vectors: client secret + pepper + id + wallet -> session key (HKDF-SHA256); the sealed session record of the vault in vectors/vault.json (its UMK v1); opening with the vault must give a handle whose subkeys match vectors/vault.json.',
  source: 'Expected values computed by test/helpers/reference.ts (node:crypto), independent of the library.',
  valid,
  invalid: [
    { name: 'secret of another session', of: 0, secret: hex(seq(0xa1, 32)), code: 'SESSION_INVALID', reason: 'secret-mismatch' },
    { name: 'blob stored under another wallet', of: 0, storedWallet: otherWallet, code: 'SESSION_INVALID', reason: 'secret-mismatch' },
    { name: 'expiry changed in the store', of: 0, expiresAt: expiresAt + 3_600_000, code: 'SESSION_INVALID', reason: 'context-mismatch' },
    { name: 'pepper version retired', of: 0, peppers: [2], code: 'SESSION_INVALID', reason: 'pepper-retired' },
    { name: 'wrong pepper under the same version', of: 0, pepperOverride: hex(seq(0xd0, 32)), code: 'SESSION_INVALID', reason: 'secret-mismatch' },
    { name: 'after expiry', of: 0, now: expiresAt, code: 'SESSION_EXPIRED' },
  ],
};
writeFileSync('vectors/sessions.json', JSON.stringify(out, null, 2) + '\n');
