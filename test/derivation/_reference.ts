/**
 * Independent reference for derivation tests: node:crypto (PBKDF2-HMAC-SHA512, HMAC-SHA512) and
 * tweetnacl only. Nothing here imports src/, so a vector can never be right "because the library
 * produced it" (DESIGN 12).
 */
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import nacl from 'tweetnacl';

export const VECTORS_PATH = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'vectors', 'derivation.json');

export interface Slip10Chain {
  path: string;
  fingerprint: string;
  chainCode: string;
  privateKey: string;
  publicKey: string;
}
export interface SolanaVector {
  name: string;
  mnemonic: string;
  passphrase: string;
  options: Record<string, unknown>;
  path: string | null;
  address?: string;
  publicKey?: string;
  slip10PublicKey?: string;
  privateKey?: string;
  chainCode?: string;
  source: string;
}
export interface DerivationVectors {
  slip10_ed25519: { source: string; valid: { name: string; seed: string; source: string; chains: Slip10Chain[] }[] };
  bip39: { source: string; passphrase: string; valid: { entropy: string; mnemonic: string; seed: string; source: string }[] };
  solana: { valid: SolanaVector[] };
  invalid: {
    mnemonics: { name: string; mnemonic: string; code: string; ordinal?: number; source: string }[];
    paths: { path: string; code: string; why: string }[];
    cliKeyUris: { uri: string; code: string; why: string }[];
  };
}

export function loadVectors(): DerivationVectors {
  return JSON.parse(readFileSync(VECTORS_PATH, 'utf8')) as DerivationVectors;
}

export const fromHex = (h: string): Buffer => Buffer.from(h, 'hex');
export const toHexRef = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** BIP39 seed, straight from the spec: PBKDF2-HMAC-SHA512(NFKD(m), "mnemonic" || NFKD(p), 2048, 64). */
export function bip39SeedRef(mnemonic: string, passphrase = ''): Buffer {
  return pbkdf2Sync(Buffer.from(mnemonic.normalize('NFKD'), 'utf8'), Buffer.from(`mnemonic${passphrase}`.normalize('NFKD'), 'utf8'), 2048, 64, 'sha512');
}

/** SLIP-0010 ed25519 path text -> hardened indexes (the reference's own, permissive-free parser). */
export function pathIndexesRef(path: string): number[] {
  if (path === 'm') return [];
  return path
    .slice(2)
    .split('/')
    .map((s) => {
      if (!/^\d+'$/.test(s)) throw new Error(`reference: not a hardened segment: ${s}`);
      return Number(s.slice(0, -1));
    });
}

/** SLIP-0010 ed25519 private derivation (hardened only), straight from the spec. */
export function slip10Ref(seed: Uint8Array, indexes: readonly number[]): { privateKey: Buffer; chainCode: Buffer; parentFingerprint: string } {
  let I = createHmac('sha512', 'ed25519 seed').update(seed).digest();
  let k = I.subarray(0, 32);
  let c = I.subarray(32);
  let parentFingerprint = '00000000';
  for (const i of indexes) {
    parentFingerprint = fingerprintRef(k);
    const data = Buffer.alloc(37);
    k.copy(data, 1);
    data.writeUInt32BE((i + 0x80000000) >>> 0, 33);
    I = createHmac('sha512', c).update(data).digest();
    k = I.subarray(0, 32);
    c = I.subarray(32);
  }
  return { privateKey: Buffer.from(k), chainCode: Buffer.from(c), parentFingerprint };
}

/** SLIP-0010 fingerprint of a node: first 4 bytes of RIPEMD160(SHA256(0x00 || ed25519 pub)). */
export function fingerprintRef(privateKey: Uint8Array): string {
  const pub = Buffer.concat([Buffer.alloc(1), Buffer.from(nacl.sign.keyPair.fromSeed(Uint8Array.from(privateKey)).publicKey)]);
  const h = createHash('ripemd160').update(createHash('sha256').update(pub).digest()).digest();
  return h.subarray(0, 4).toString('hex');
}

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
export function base58(bytes: Uint8Array): string {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let out = '';
  while (n > 0n) {
    out = B58[Number(n % 58n)]! + out;
    n /= 58n;
  }
  return '1'.repeat(zeros) + out;
}

/** A whole Solana derivation, reference-only: path null means the solana-cli default. */
export function solanaRef(mnemonic: string, passphrase: string, path: string | null): { seed: Buffer; publicKey: Uint8Array; secretKey: Uint8Array; address: string } {
  const bip39 = bip39SeedRef(mnemonic, passphrase);
  const seed = path === null ? Buffer.from(bip39.subarray(0, 32)) : slip10Ref(bip39, pathIndexesRef(path)).privateKey;
  const kp = nacl.sign.keyPair.fromSeed(Uint8Array.from(seed));
  return { seed, publicKey: kp.publicKey, secretKey: kp.secretKey, address: base58(kp.publicKey) };
}
