/**
 * Known-answer vectors (vectors/derivation.json): SLIP-0010 ed25519 spec vectors, the BIP39
 * reference vectors (trezor/python-mnemonic, passphrase "TREZOR"), and published mnemonic ->
 * Solana address pairs from wallets' and libraries' own test suites. Each vector is checked twice:
 * through the library, and through the independent reference in ./_reference.ts (node:crypto +
 * tweetnacl). Every derived key is cross-checked with tweetnacl's sign.keyPair.fromSeed (what
 * @solana/web3.js 1.x Keypair.fromSeed uses) and must sign a message tweetnacl verifies.
 */
import { HDKey } from 'micro-key-producer/slip10.js';
import fc from 'fast-check';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { deriveSolanaKeypair, generateMnemonic, mnemonicToSeed, validateMnemonic } from '../../src/derivation/index.js';
import { _entropyToMnemonic } from '../../src/derivation/mnemonic.js';
import { _deriveSlip10Node } from '../../src/derivation/slip10.js';
import { _setCryptoBackendForTests } from '../../src/primitives/_backend.js';
import { withFixedRandom } from '../helpers/random.js';
import { base58, bip39SeedRef, fromHex, loadVectors, pathIndexesRef, slip10Ref, solanaRef, toHexRef } from './_reference.js';

const V = loadVectors();
const RECOMPUTED = 'recomputed independently with node:crypto';

function naclCrossCheck(seed: Uint8Array, publicKey: Uint8Array, secretKey: Uint8Array): void {
  const kp = nacl.sign.keyPair.fromSeed(Uint8Array.from(seed));
  expect(toHexRef(publicKey)).toBe(toHexRef(kp.publicKey));
  expect(toHexRef(secretKey)).toBe(toHexRef(kp.secretKey));
  const message = new TextEncoder().encode(`agentvault derivation cross-check ${toHexRef(publicKey)}`);
  const signature = nacl.sign.detached(message, secretKey);
  expect(nacl.sign.detached.verify(message, signature, kp.publicKey)).toBe(true);
  // ...and a signature by the derived key does not verify for another message (the check can fail).
  expect(nacl.sign.detached.verify(new TextEncoder().encode('other'), signature, kp.publicKey)).toBe(false);
}

describe('vector file', () => {
  it('names a source for every vector', () => {
    for (const v of V.slip10_ed25519.valid) expect(v.source).toMatch(/satoshilabs\/slips slip-0010\.md/);
    for (const v of V.bip39.valid) expect(v.source).toMatch(/trezor\/python-mnemonic vectors\.json/);
    for (const v of V.solana.valid) expect(v.source.length, v.name).toBeGreaterThan(20);
    for (const v of V.invalid.mnemonics) expect(v.source.length).toBeGreaterThan(0);
  });

  it('has both SLIP-0010 ed25519 seeds with all six chains, and all 24 English BIP39 vectors', () => {
    expect(V.slip10_ed25519.valid.map((v) => v.chains.length)).toEqual([6, 6]);
    expect(V.bip39.valid).toHaveLength(24);
    expect(V.bip39.passphrase).toBe('TREZOR');
    expect(new Set(V.bip39.valid.map((v) => v.mnemonic.split(' ').length))).toEqual(new Set([12, 18, 24]));
  });

  it('has at least 5 published (not recomputed) address pairs covering phantom at several accounts, ledger-live and solana-cli', () => {
    const published = V.solana.valid.filter((v) => v.address !== undefined && !v.source.startsWith(RECOMPUTED));
    expect(published.length).toBeGreaterThanOrEqual(5);
    const phantomAccounts = new Set(published.filter((v) => v.options['preset'] === 'phantom').map((v) => v.options['account']));
    expect(phantomAccounts.size).toBeGreaterThanOrEqual(3);
    expect(published.some((v) => v.options['preset'] === 'ledger-live')).toBe(true);
    expect(published.some((v) => v.options['preset'] === 'solana-cli')).toBe(true);
    // A BIP39 passphrase case exists (recomputed: no published pair was found, see docs/DERIVATION.md).
    expect(V.solana.valid.some((v) => v.passphrase !== '' && v.address !== undefined)).toBe(true);
  });
});

describe('SLIP-0010 ed25519 spec vectors (satoshilabs/slips slip-0010.md)', () => {
  for (const vector of V.slip10_ed25519.valid) {
    const seed = fromHex(vector.seed);
    for (const chain of vector.chains) {
      describe(`${vector.name}: chain ${chain.path}`, () => {
        it('library: chain code, private key, public key (0x00 || ed25519)', () => {
          const node = _deriveSlip10Node(Uint8Array.from(seed), chain.path);
          expect(toHexRef(node.chainCode)).toBe(chain.chainCode);
          expect(toHexRef(node.privateKey)).toBe(chain.privateKey);
          const pub = nacl.sign.keyPair.fromSeed(node.privateKey).publicKey;
          expect('00' + toHexRef(pub)).toBe(chain.publicKey);
        });

        it('dependency as called by the design (HDKey.derive, no forceHardened): same values and fingerprint', () => {
          const node = HDKey.fromMasterSeed(Uint8Array.from(seed)).derive(chain.path);
          expect(toHexRef(node.chainCode)).toBe(chain.chainCode);
          expect(toHexRef(node.privateKey)).toBe(chain.privateKey);
          expect(toHexRef(node.publicKey)).toBe(chain.publicKey);
          expect(node.parentFingerprintHex).toBe(chain.fingerprint);
        });

        it('independent reference (node:crypto HMAC-SHA512 + tweetnacl)', () => {
          const ref = slip10Ref(seed, pathIndexesRef(chain.path));
          expect(ref.chainCode.toString('hex')).toBe(chain.chainCode);
          expect(ref.privateKey.toString('hex')).toBe(chain.privateKey);
          expect(ref.parentFingerprint).toBe(chain.fingerprint);
          expect('00' + toHexRef(nacl.sign.keyPair.fromSeed(Uint8Array.from(ref.privateKey)).publicKey)).toBe(chain.publicKey);
        });
      });
    }
  }
});

describe('BIP39 reference vectors (trezor/python-mnemonic, English, passphrase "TREZOR")', () => {
  for (const [i, v] of V.bip39.valid.entries()) {
    describe(`#${i + 1} (${v.mnemonic.split(' ').length} words)`, () => {
      it('entropy -> mnemonic', () => {
        expect(_entropyToMnemonic(fromHex(v.entropy))).toBe(v.mnemonic);
        const bytes = v.entropy.length / 2;
        if (bytes === 16 || bytes === 32) {
          // generateMnemonic draws exactly this entropy from the library's random source.
          const words = bytes === 32 ? 24 : 12;
          expect(withFixedRandom([fromHex(v.entropy)], () => generateMnemonic({ words }))).toBe(v.mnemonic);
        }
      });

      it('mnemonic validates and -> seed (library)', () => {
        expect(validateMnemonic(v.mnemonic)).toBe(v.mnemonic);
        const seed = mnemonicToSeed(v.mnemonic, { passphrase: V.bip39.passphrase });
        expect(toHexRef(seed.expose())).toBe(v.seed);
        seed.dispose();
      });

      it('mnemonic -> seed (independent PBKDF2)', () => {
        expect(bip39SeedRef(v.mnemonic, V.bip39.passphrase).toString('hex')).toBe(v.seed);
      });
    });
  }
});

describe('published mnemonic -> Solana key pairs', () => {
  for (const v of V.solana.valid) {
    describe(v.name, () => {
      it('library result matches every published value', () => {
        const kp = deriveSolanaKeypair(v.mnemonic, { ...v.options, passphrase: v.passphrase });
        try {
          expect(kp.path).toBe(v.path);
          if (v.address !== undefined) expect(kp.address).toBe(v.address);
          if (v.publicKey !== undefined) expect(toHexRef(kp.publicKey)).toBe(v.publicKey);
          if (v.slip10PublicKey !== undefined) expect('00' + toHexRef(kp.publicKey)).toBe(v.slip10PublicKey);
          if (v.privateKey !== undefined) expect(toHexRef(kp.seed.expose())).toBe(v.privateKey);
          expect(kp.address).toBe(base58(kp.publicKey));
          expect(toHexRef(kp.secretKey.expose())).toBe(toHexRef(kp.seed.expose()) + toHexRef(kp.publicKey));
          naclCrossCheck(kp.seed.expose(), kp.publicKey, kp.secretKey.expose());
          if (v.chainCode !== undefined) {
            const seed = mnemonicToSeed(v.mnemonic, { passphrase: v.passphrase });
            const node = _deriveSlip10Node(seed.expose(), v.path!);
            expect(toHexRef(node.chainCode)).toBe(v.chainCode);
            seed.dispose();
          }
        } finally {
          kp.seed.dispose();
          kp.secretKey.dispose();
        }
      });

      it('independent reference gives the same published values', () => {
        const ref = solanaRef(v.mnemonic, v.passphrase, v.path);
        if (v.address !== undefined) expect(ref.address).toBe(v.address);
        if (v.publicKey !== undefined) expect(toHexRef(ref.publicKey)).toBe(v.publicKey);
        if (v.slip10PublicKey !== undefined) expect('00' + toHexRef(ref.publicKey)).toBe(v.slip10PublicKey);
        if (v.privateKey !== undefined) expect(ref.seed.toString('hex')).toBe(v.privateKey);
        if (v.chainCode !== undefined) expect(slip10Ref(bip39SeedRef(v.mnemonic, v.passphrase), pathIndexesRef(v.path!)).chainCode.toString('hex')).toBe(v.chainCode);
      });
    });
  }

  it('a non-ASCII passphrase derives the same key in NFC and NFD (BIP39 NFKD)', () => {
    const v = V.solana.valid.find((x) => /[^\x00-\x7f]/.test(x.passphrase))!;
    const nfd = v.passphrase.normalize('NFD');
    expect(nfd).not.toBe(v.passphrase);
    const a = deriveSolanaKeypair(v.mnemonic, { ...v.options, passphrase: nfd });
    expect(a.address).toBe(v.address);
  });
});

describe('SLIP-0010: native HMAC-SHA512 chain (node backend) == micro-key-producer (noble backend), issue 18', () => {
  // Both implementations inside one test, whatever the project's backend: forced in turn.
  const both = (seed: Uint8Array, path: string) => {
    const out: string[] = [];
    for (const backend of ['node', 'noble'] as const) {
      _setCryptoBackendForTests(backend);
      try {
        const n = _deriveSlip10Node(Uint8Array.from(seed), path);
        out.push(toHexRef(n.privateKey) + toHexRef(n.chainCode));
      } finally {
        _setCryptoBackendForTests();
      }
    }
    return out;
  };
  it('every spec vector chain', () => {
    for (const vector of V.slip10_ed25519.valid)
      for (const chain of vector.chains) {
        const [nodeOut, nobleOut] = both(fromHex(vector.seed), chain.path);
        expect(nodeOut).toBe(chain.privateKey + chain.chainCode);
        expect(nobleOut).toBe(nodeOut);
      }
  });
  it('random seeds (16..64 bytes) and hardened paths (depth 0..8)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 64 }),
        fc.array(fc.integer({ min: 0, max: 0x7fffffff }), { maxLength: 8 }),
        (seed, indexes) => {
          const path = ['m', ...indexes.map((i) => `${i}'`)].join('/');
          const [nodeOut, nobleOut] = both(seed, path);
          expect(nodeOut).toBe(nobleOut);
          // ...and the independent reference (node:crypto written in the test).
          const ref = slip10Ref(Buffer.from(seed), indexes);
          expect(nodeOut).toBe(ref.privateKey.toString('hex') + ref.chainCode.toString('hex'));
        },
      ),
      { numRuns: 60 },
    );
  });
});
