/**
 * An independent reference of agentvault's formats, written from docs/SPEC.md with node:crypto
 * and tweetnacl only. It never imports the library: vectors checked against both this and the
 * library cannot be "right because we produced them".
 */
import { createCipheriv, createHash, createHmac, hkdfSync } from 'node:crypto';
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
