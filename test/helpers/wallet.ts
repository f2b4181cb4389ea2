/**
 * A test wallet: tweetnacl keys (what @solana/web3.js 1.x uses), a deterministic signer, and a
 * randomized signer that produces valid but different signatures (as MPC and some hardware
 * signers do), to exercise the vault's determinism checks.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { randomBytes } from 'node:crypto';
import nacl from 'tweetnacl';
import { base58Ref } from './reference.js';

const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const le = (b: Uint8Array) => b.reduceRight((n, x) => n * 256n + BigInt(x), 0n);
const toLe = (n: bigint) => Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn));

export interface TestWallet {
  seed: Uint8Array;
  publicKey: Uint8Array;
  secretKey: Uint8Array;
  address: string;
  sign(message: Uint8Array | string): Uint8Array;
  signRandomized(message: Uint8Array | string): Uint8Array;
}

export function testWallet(seedByte?: number): TestWallet {
  const seed = seedByte === undefined ? new Uint8Array(randomBytes(32)) : new Uint8Array(32).map((_, i) => (seedByte + i) & 0xff);
  const kp = nacl.sign.keyPair.fromSeed(seed);
  const bytes = (m: Uint8Array | string) => (typeof m === 'string' ? new TextEncoder().encode(m) : m);
  return {
    seed,
    publicKey: kp.publicKey,
    secretKey: kp.secretKey,
    address: base58Ref(kp.publicKey),
    sign: (m) => nacl.sign.detached(bytes(m), kp.secretKey),
    signRandomized(m) {
      const { scalar } = ed25519.utils.getExtendedPublicKey(seed);
      const r = le(new Uint8Array(randomBytes(64))) % L;
      const R = ed25519.Point.BASE.multiply(r).toBytes();
      const k = le(sha512(new Uint8Array([...R, ...kp.publicKey, ...bytes(m)]))) % L;
      return new Uint8Array([...R, ...toLe((r + k * scalar) % L)]);
    },
  };
}
