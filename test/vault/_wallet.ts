/**
 * The test wallet of ../helpers/wallet.js. In mutation runs only (MUTATION_SCOPE set,
 * vitest.mutation.config.ts), `sign` uses node:crypto instead of tweetnacl: Ed25519 signing is
 * deterministic (RFC 8032), so the 64 bytes are the same, at a fraction of a millisecond instead
 * of tens (the vault tests sign hundreds of key messages per mutant). The normal suite signs with
 * tweetnacl, unchanged.
 */
import { createPrivateKey, sign as nodeSign } from 'node:crypto';
import { testWallet as naclWallet, type TestWallet } from '../helpers/wallet.js';

export type { TestWallet };

/** PKCS#8 DER prefix of an Ed25519 private key (RFC 8410); the 32-byte seed follows. */
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');

export function testWallet(seedByte?: number): TestWallet {
  const w = naclWallet(seedByte);
  if (!process.env['MUTATION_SCOPE']) return w;
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, w.seed]), format: 'der', type: 'pkcs8' });
  const bytes = (m: Uint8Array | string) => (typeof m === 'string' ? new TextEncoder().encode(m) : m);
  return { ...w, sign: (m) => new Uint8Array(nodeSign(null, bytes(m), key)) };
}
