/**
 * An independent reference of agentvault's formats, written from docs/SPEC.md with node:crypto
 * and tweetnacl only. It never imports the library: vectors checked against both this and the
 * library cannot be "right because we produced them".
 */
import { createCipheriv, createHash, createHmac, hkdfSync, scryptSync } from 'node:crypto';
import nacl from 'tweetnacl';

const enc = (s: string) => Buffer.from(s, 'utf8');
export const u16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
export const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
export const lp = (x: Buffer | string) => { const b = typeof x === 'string' ? enc(x) : x; return Buffer.concat([u16(b.length), b]); };

export function hkdf(ikm: Buffer, salt: Buffer, info: Buffer, len: number): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, len));
}
export function extract(salt: Buffer, ikm: Buffer): Buffer {
  return createHmac('sha256', salt).update(ikm).digest();
}
export function expand32(prk: Buffer, info: Buffer): Buffer {
  return createHmac('sha256', prk).update(Buffer.concat([info, Buffer.from([1])])).digest();
}

export function encodeContext(ctx: Record<string, string>): Buffer {
  const entries = Object.entries(ctx).map(([k, v]) => [enc(k), enc(v)] as const);
  entries.sort((a, b) => Buffer.compare(a[0], b[0]));
  return Buffer.concat([u16(entries.length), ...entries.flatMap(([k, v]) => [lp(k), lp(v)])]);
}

export interface RefRecordInput {
  key: Buffer;
  plaintext: Buffer;
  type: string;
  context: Record<string, string>;
  umkVersion: number;
  salt: Buffer;
  iv: Buffer;
}

/** SPEC 4: header || AES-256-GCM(ct || tag) || checksum, as 'avr1.' + base64url. */
export function sealRecordRef(r: RefRecordInput): string {
  const prk = extract(r.salt, r.key);
  const encKey = expand32(prk, Buffer.concat([u16(1), enc('DERIVEKEY')]));
  const commitment = expand32(prk, enc('COMMITKEY'));
  const type = enc(r.type);
  const header = Buffer.concat([enc('AVR'), Buffer.from([1]), u16(1), u32(r.umkVersion), Buffer.from([type.length]), type, r.salt, commitment, r.iv]);
  const c = createCipheriv('aes-256-gcm', encKey, r.iv);
  c.setAAD(Buffer.concat([header, encodeContext(r.context)]));
  const body = Buffer.concat([header, c.update(r.plaintext), c.final(), c.getAuthTag()]);
  const checksum = createHash('sha256').update(body).digest().subarray(0, 4);
  return 'avr1.' + Buffer.concat([body, checksum]).toString('base64url');
}

/** SPEC 5.1: the key message text. */
export function keyMessageRef(f: { domain: string; address: string; chain: string; salt: Buffer; version: number }): string {
  return (
    'agentvault key message v1\n\n' +
    `Sign this text to unlock your encrypted agentvault data on ${f.domain}.\n` +
    'It is not a login and not a transaction. Sign it only on this site.\n\n' +
    `Domain: ${f.domain}\nAddress: ${f.address}\nChain: ${f.chain}\nKey version: ${f.version}\nSalt: ${f.salt.toString('base64url')}`
  );
}

/** SPEC 5.3: WK = HKDF(sigma [|| pepper], salt, info). */
export function walletKeyRef(f: { signature: Buffer; pepper?: Buffer; salt: Buffer; address: string; chain: string; domain: string; version: number }): Buffer {
  const info = Buffer.concat([lp('agentvault/v1/wallet-key'), lp(f.address), lp(f.chain), lp(f.domain), u32(f.version), Buffer.from([f.pepper ? 1 : 0])]);
  return hkdf(f.pepper ? Buffer.concat([f.signature, f.pepper]) : f.signature, f.salt, info, 32);
}

/** SPEC 6.3: subkey = HKDF(UMK, no salt, lp(label) || lp(purpose) || lp(owner)). */
export function subkeyRef(umk: Buffer, purpose: string, owner: string): Buffer {
  return hkdf(umk, Buffer.alloc(0), Buffer.concat([lp('agentvault/v1/subkey'), lp(purpose), lp(owner)]), 32);
}

/** SPEC 6.4: recovery code key (unpeppered). */
export function recoveryCodeKeyRef(codeBytes: Buffer, salt: Buffer, owner: string): Buffer {
  return hkdf(codeBytes, salt, Buffer.concat([lp('agentvault/v1/recovery-code'), lp(owner), Buffer.from([0])]), 32);
}

export function naclKeypair(seed: Buffer) {
  const kp = nacl.sign.keyPair.fromSeed(new Uint8Array(seed));
  return { publicKey: Buffer.from(kp.publicKey), secretKey: kp.secretKey };
}
export function naclSign(message: Buffer | Uint8Array, secretKey: Uint8Array): Buffer {
  return Buffer.from(nacl.sign.detached(new Uint8Array(message), secretKey));
}

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
/** Base58 (Bitcoin alphabet), written out so the reference depends on nothing else. */
export function base58Ref(bytes: Uint8Array): string {
  let n = 0n;
  for (const b of bytes) n = n * 256n + BigInt(b);
  let out = '';
  while (n > 0n) { out = B58[Number(n % 58n)] + out; n /= 58n; }
  for (const b of bytes) { if (b !== 0) break; out = '1' + out; }
  return out;
}

/** Canonical JSON as SPEC 6.1 / 10.3.2 describe it (sorted keys, no whitespace), written out here. */
export function canonicalJsonRef(v: unknown): string {
  if (Array.isArray(v)) return '[' + v.map(canonicalJsonRef).join(',') + ']';
  if (v !== null && typeof v === 'object')
    return '{' + Object.keys(v).sort().map((k) => JSON.stringify(k) + ':' + canonicalJsonRef((v as Record<string, unknown>)[k])).join(',') + '}';
  return JSON.stringify(v);
}

/** SPEC 6.1: mac = base64url(HMAC-SHA256(HKDF(UMK, no salt, lp(label) || lp(owner)), canonical JSON)). */
export function vaultMacRef(unsigned: Record<string, unknown>, umk: Buffer, owner: string): string {
  const key = hkdf(umk, Buffer.alloc(0), Buffer.concat([lp('agentvault/v1/vault-mac'), lp(owner)]), 32);
  return createHmac('sha256', key).update(canonicalJsonRef(unsigned)).digest('base64url');
}

// ---------------------------------------------------------------------------------------------
// Issue 16: intermediate values and the remaining formats, still node:crypto + tweetnacl only.

/** SPEC 4.3: every intermediate of a record, for the vectors. */
export function recordIntermediatesRef(r: RefRecordInput) {
  const prk = extract(r.salt, r.key);
  const encKey = expand32(prk, Buffer.concat([u16(1), enc('DERIVEKEY')]));
  const commitment = expand32(prk, enc('COMMITKEY'));
  const type = enc(r.type);
  const header = Buffer.concat([enc('AVR'), Buffer.from([1]), u16(1), u32(r.umkVersion), Buffer.from([type.length]), type, r.salt, commitment, r.iv]);
  const context = encodeContext(r.context);
  const aad = Buffer.concat([header, context]);
  const c = createCipheriv('aes-256-gcm', encKey, r.iv);
  c.setAAD(aad);
  const sealed = Buffer.concat([c.update(r.plaintext), c.final(), c.getAuthTag()]);
  const body = Buffer.concat([header, sealed]);
  const checksum = createHash('sha256').update(body).digest().subarray(0, 4);
  return { prk, encKey, commitment, header, context, aad, sealed, checksum, binary: Buffer.concat([body, checksum]) };
}

/** SPEC 7.7: Solana off-chain message v1 with one signer. */
export function offchainV1Ref(text: string, publicKey: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0xff]), enc('solana offchain'), Buffer.from([1, 1]), publicKey, enc(text)]);
}

/** SPEC 5.3: info and PRK of the wallet key, for the vectors. */
export function walletKeyIntermediatesRef(f: { signature: Buffer; pepper?: Buffer; salt: Buffer; address: string; chain: string; domain: string; version: number }) {
  const info = Buffer.concat([lp('agentvault/v1/wallet-key'), lp(f.address), lp(f.chain), lp(f.domain), u32(f.version), Buffer.from([f.pepper ? 1 : 0])]);
  const ikm = f.pepper ? Buffer.concat([f.signature, f.pepper]) : f.signature;
  return { info, prk: extract(f.salt, ikm), walletKey: hkdf(ikm, f.salt, info, 32) };
}

/** SPEC 6.4: recovery code key, peppered or not. */
export function recoveryCodeKeyPepperRef(codeBytes: Buffer, salt: Buffer, owner: string, pepper?: Buffer): Buffer {
  const ikm = pepper ? Buffer.concat([codeBytes, pepper]) : codeBytes;
  return hkdf(ikm, salt, Buffer.concat([lp('agentvault/v1/recovery-code'), lp(owner), Buffer.from([pepper ? 1 : 0])]), 32);
}

/** SPEC 6.4: recovery passphrase key: scrypt(NFKD) then HKDF. */
export function recoveryPassphraseKeyRef(passphrase: string, salt: Buffer, owner: string, p: { N: number; r: number; p: number }, pepper?: Buffer) {
  const s = scryptSync(Buffer.from(passphrase.normalize('NFKD'), 'utf8'), salt, 32, { N: p.N, r: p.r, p: p.p, maxmem: 300 * 1024 * 1024 });
  const ikm = pepper ? Buffer.concat([s, pepper]) : s;
  return { scrypt: s, key: hkdf(ikm, salt, Buffer.concat([lp('agentvault/v1/recovery-passphrase'), lp(owner), Buffer.from([pepper ? 1 : 0])]), 32) };
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** SPEC 6.4.1: 16 bytes -> 26 Crockford symbols (MSB first, 2 zero spare bits) in groups of 5. */
export function recoveryCodeTextRef(bytes: Buffer): string {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  n <<= 2n;
  let out = '';
  for (let i = 25; i >= 0; i--) out += CROCKFORD[Number((n >> BigInt(5 * i)) & 31n)];
  return out.match(/.{1,5}/g)!.join('-');
}

/** SPEC 6.6: the MAC key and the canonical text, for the vectors. */
export function vaultMacIntermediatesRef(unsigned: Record<string, unknown>, umk: Buffer, owner: string) {
  const key = hkdf(umk, Buffer.alloc(0), Buffer.concat([lp('agentvault/v1/vault-mac'), lp(owner)]), 32);
  const canonical = canonicalJsonRef(unsigned);
  return { macKey: key, canonical, mac: createHmac('sha256', key).update(canonical).digest('base64url') };
}

/** SPEC 10.1.2: LocalKeyWrapper data = base64url(iv || AES-256-GCM(kek, iv, key, AAD)). */
export function localWrapRef(kek: Buffer, version: string, context: Buffer, iv: Buffer, key: Buffer) {
  const aad = Buffer.concat([lp('agentvault/v1/local-wrap'), lp('local'), lp(version), lp(context)]);
  const c = createCipheriv('aes-256-gcm', kek, iv);
  c.setAAD(aad);
  const data = Buffer.concat([iv, c.update(key), c.final(), c.getAuthTag()]).toString('base64url');
  return { aad, data };
}
