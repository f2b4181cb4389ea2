/**
 * Intermediate buffers are zeroed (SPEC 3.3, best effort in JS): the 64-byte BIP39 seed and every
 * SLIP-0010 node (private key and chain code) created on the way, on success and on failure.
 * The dependencies are wrapped (not replaced) so the test sees the very buffers the library got:
 * micro-key-producer's HDKey nodes on the noble backend, the native HMAC-SHA512 outputs (each
 * one I = key || chain code) on the node backend (SPEC 3.6).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

const seen = vi.hoisted(() => ({ seeds: [] as Uint8Array[], nodes: [] as { privateKey: Uint8Array; chainCode: Uint8Array }[], hmacs: [] as Uint8Array[] }));

vi.mock('../../src/primitives/_native-hash.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/primitives/_native-hash.js')>();
  return {
    ...real,
    // The BIP39 seed is PBKDF2-HMAC-SHA512(..., 2048, 64): catch the buffer the library receives.
    pbkdf2HmacSha512: (password: Uint8Array, salt: Uint8Array, iterations: number, length: number) => {
      const s = real.pbkdf2HmacSha512(password, salt, iterations, length);
      seen.seeds.push(s);
      return s;
    },
    hmacSha512: (key: Uint8Array, data: Uint8Array) => {
      const I = real.hmacSha512(key, data);
      seen.hmacs.push(I);
      return I;
    },
  };
});

vi.mock('micro-key-producer/slip10.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('micro-key-producer/slip10.js')>();
  const HDKey = real.HDKey;
  const origFrom = HDKey.fromMasterSeed.bind(HDKey);
  const origChild = HDKey.prototype.deriveChild;
  HDKey.fromMasterSeed = (seed: Uint8Array) => {
    const n = origFrom(seed);
    seen.nodes.push(n);
    return n;
  };
  HDKey.prototype.deriveChild = function (this: InstanceType<typeof HDKey>, index: number) {
    const n = origChild.call(this, index);
    seen.nodes.push(n);
    return n;
  };
  return { ...real, HDKey, default: HDKey };
});

const { deriveSolanaKeypair } = await import('../../src/derivation/keypair.js');
const { createAgentWallet } = await import('../../src/derivation/agent-wallet.js');
const { SecretBytes } = await import('../../src/secret.js');
const { cryptoBackend } = await import('../../src/primitives/_backend.js');
/** The SLIP-0010 nodes made on the way, whichever backend made them, as (key, chain code) pairs. */
const nodes = () =>
  cryptoBackend() === 'node' ? seen.hmacs.map((I) => ({ privateKey: I.subarray(0, 32), chainCode: I.subarray(32) })) : seen.nodes;

const ABOUT = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const allZero = (b: Uint8Array) => b.every((x) => x === 0);

afterEach(() => {
  seen.seeds.length = 0;
  seen.nodes.length = 0;
  seen.hmacs.length = 0;
});

describe('zeroing of intermediates', () => {
  it('phantom path: BIP39 seed and all five SLIP-0010 nodes are zeroed; the result is intact', () => {
    const kp = deriveSolanaKeypair(ABOUT, { account: 2 });
    expect(seen.seeds).toHaveLength(1);
    expect(nodes()).toHaveLength(5); // master + 4 children
    // One implementation per backend: micro-key-producer is not used next to the native chain.
    expect(cryptoBackend() === 'node' ? seen.nodes : seen.hmacs).toHaveLength(0);
    for (const s of seen.seeds) expect(allZero(s)).toBe(true);
    for (const n of nodes()) {
      expect(allZero(n.privateKey)).toBe(true);
      expect(allZero(n.chainCode)).toBe(true);
    }
    expect(allZero(kp.seed.expose())).toBe(false);
    expect(kp.seed.expose()).toEqual(kp.secretKey.expose().subarray(0, 32));
  });

  it('solana-cli: the BIP39 seed is zeroed and no HD node is made', () => {
    const kp = deriveSolanaKeypair(ABOUT, { preset: 'solana-cli' });
    expect(nodes()).toHaveLength(0);
    expect(allZero(seen.seeds[0]!)).toBe(true);
    expect(allZero(kp.seed.expose())).toBe(false);
  });

  it('on failure after the seed exists, everything made so far is zeroed', () => {
    const fake = { address: 'x', seal: () => { throw new Error('store down'); }, open: () => SecretBytes.copy(new Uint8Array(64)) };
    expect(() => createAgentWallet(fake)).toThrow('store down');
    expect(seen.seeds.length).toBeGreaterThan(0);
    for (const s of seen.seeds) expect(allZero(s)).toBe(true);
    for (const n of nodes()) expect(allZero(n.privateKey) && allZero(n.chainCode)).toBe(true);
  });
});
