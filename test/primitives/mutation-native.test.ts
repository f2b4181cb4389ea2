/**
 * The node:crypto path (SPEC 3.3, 3.6) observed through a recording copy of node:crypto: results
 * are plain Uint8Arrays with the standard bytes, and every secret intermediate node:crypto handed
 * back (HMAC digests, HKDF blocks and PRKs, decrypted blocks, PBKDF2 output, the PKCS#8 DER of a
 * seed) is zero once the call returns, on success and on failure. The noble HKDF path is observed
 * the same way through a pass-through mock of @noble/hashes/hkdf.js. Also: the public-key cache of
 * the node verify path is a bounded LRU.
 */
import * as realCrypto from 'node:crypto';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { _setCryptoBackendForTests } from '../../src/primitives/_backend.js';
import { hmacSha256, hmacSha512, pbkdf2HmacSha512, sha256 } from '../../src/primitives/_native-hash.js';
import { _publicKeyCacheSize, nativeEd25519PublicKeyOf, nativeEd25519Verify } from '../../src/primitives/_native.js';
import type { NodeCryptoSubset } from '../../src/primitives/_backend.js';
import { aesGcmDecrypt, aesGcmEncrypt } from '../../src/primitives/aead.js';
import { createEd25519Signer, leaseEd25519Key, signEd25519, verifyEd25519Strict } from '../../src/primitives/ed25519.js';
import { hkdfExpand, hkdfExtract, hkdfSha256, hkdfSha256Pair } from '../../src/primitives/hkdf.js';
import { cat, hex, toHex } from '../helpers/bytes.js';
import { expectCode } from '../helpers/errors.js';

const nobleSeen = vi.hoisted(() => ({ extracted: [] as Uint8Array[] }));
vi.mock('@noble/hashes/hkdf.js', async (importOriginal) => {
  const m = await importOriginal<typeof import('@noble/hashes/hkdf.js')>();
  return {
    ...m,
    extract: (...a: Parameters<typeof m.extract>) => {
      const prk = m.extract(...a);
      nobleSeen.extracted.push(prk);
      return prk;
    },
  };
});

const utf8 = (s: string) => new TextEncoder().encode(s);
const isZero = (b: Uint8Array) => b.length > 0 && b.every((x) => x === 0);
const plain = (b: Uint8Array) => Object.getPrototypeOf(b) === Uint8Array.prototype;

interface Seen {
  hmacKeys: Uint8Array[];
  digests: Uint8Array[];
  hashes: Uint8Array[];
  decrypted: Uint8Array[];
  ders: Uint8Array[];
  pbkdf2: Uint8Array[];
  publicKeys: number;
  ciphers: number;
  verifies: number;
  signs: number;
}
const seen: Seen = { hmacKeys: [], digests: [], hashes: [], decrypted: [], ders: [], pbkdf2: [], publicKeys: 0, ciphers: 0, verifies: 0, signs: 0 };
function reset(): void {
  for (const k of ['hmacKeys', 'digests', 'hashes', 'decrypted', 'ders', 'pbkdf2'] as const) seen[k] = [];
  seen.publicKeys = seen.ciphers = seen.verifies = seen.signs = 0;
}

/** node:crypto, recording what it hands out. */
const recording = {
  ...realCrypto,
  createHmac: (alg: string, key: Uint8Array) => {
    seen.hmacKeys.push(key);
    const h = realCrypto.createHmac(alg, key);
    const w = {
      update: (d: Uint8Array) => (h.update(d), w),
      digest: () => {
        const d = h.digest();
        seen.digests.push(d);
        return d;
      },
    };
    return w;
  },
  createHash: (alg: string) => {
    const h = realCrypto.createHash(alg);
    const w = {
      update: (d: Uint8Array) => (h.update(d), w),
      digest: () => {
        const d = h.digest();
        seen.hashes.push(d);
        return d;
      },
    };
    return w;
  },
  // The one-shot form (Node >= 20.12), which the library prefers where it exists.
  hash: (alg: string, data: Uint8Array, enc: 'buffer') => {
    const d = (realCrypto as unknown as { hash: (a: string, x: Uint8Array, e: 'buffer') => Buffer }).hash(alg, data, enc);
    seen.hashes.push(d);
    return d;
  },
  createCipheriv: (...a: Parameters<typeof realCrypto.createCipheriv>) => {
    seen.ciphers++;
    return realCrypto.createCipheriv(...a);
  },
  verify: (...a: Parameters<typeof realCrypto.verify>) => {
    seen.verifies++;
    return realCrypto.verify(...a);
  },
  sign: (...a: Parameters<typeof realCrypto.sign>) => {
    seen.signs++;
    return realCrypto.sign(...a);
  },
  createDecipheriv: (...a: Parameters<typeof realCrypto.createDecipheriv>) => {
    const d = realCrypto.createDecipheriv(...a) as realCrypto.DecipherGCM;
    return {
      setAAD: (x: Uint8Array) => d.setAAD(x),
      setAuthTag: (t: Uint8Array) => d.setAuthTag(t),
      update: (x: Uint8Array) => {
        const out = d.update(x);
        seen.decrypted.push(out);
        return out;
      },
      final: () => {
        const out = d.final();
        seen.decrypted.push(out);
        return out;
      },
    };
  },
  createPrivateKey: (opts: { key: Uint8Array; format: 'der'; type: 'pkcs8' }) => {
    seen.ders.push(opts.key);
    return realCrypto.createPrivateKey(opts as unknown as Parameters<typeof realCrypto.createPrivateKey>[0]);
  },
  createPublicKey: (opts: Parameters<typeof realCrypto.createPublicKey>[0]) => {
    seen.publicKeys++;
    return realCrypto.createPublicKey(opts);
  },
  pbkdf2Sync: (...a: Parameters<typeof realCrypto.pbkdf2Sync>) => {
    const out = realCrypto.pbkdf2Sync(...a);
    seen.pbkdf2.push(out);
    return out;
  },
};

const original = process.getBuiltinModule;
afterAll(() => {
  process.getBuiltinModule = original;
  _setCryptoBackendForTests();
});

function useRecordingNode(): void {
  process.getBuiltinModule = ((id: string) => (id === 'node:crypto' ? recording : original(id))) as typeof original;
  _setCryptoBackendForTests('node'); // throws if the recording copy failed the self-test
  reset();
}

/** RFC 5869 2.3 written out with node:crypto's HMAC, for any PRK (hkdfSync takes IKM, not a PRK). */
function referenceExpand(prk: Uint8Array, info: Uint8Array, length: number): string {
  let t = Buffer.alloc(0);
  let out = Buffer.alloc(0);
  for (let i = 1; out.length < length; i++) {
    t = realCrypto.createHmac('sha256', prk).update(t).update(info).update(Uint8Array.of(i)).digest();
    out = Buffer.concat([out, t]);
  }
  return out.subarray(0, length).toString('hex');
}

describe('node path: hashes', () => {
  beforeEach(useRecordingNode);

  it('HMAC-SHA256 and HMAC-SHA512: the standard bytes as a plain Uint8Array; the digest node:crypto returned is zeroed', () => {
    const [k, d] = [utf8('Jefe'), utf8('what do ya want for nothing?')];
    const a = hmacSha256(k, d);
    expect(toHex(a)).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'); // RFC 4231 case 2
    expect(plain(a)).toBe(true);
    expect(seen.digests).toHaveLength(1);
    expect(isZero(seen.digests[0]!)).toBe(true);
    const b = hmacSha512(k, d);
    expect(toHex(b)).toBe(
      '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737',
    );
    expect(plain(b)).toBe(true);
    expect(seen.digests).toHaveLength(2);
    expect(isZero(seen.digests[1]!)).toBe(true);
    expect(toHex(k)).toBe(toHex(utf8('Jefe'))); // the key is the caller's: untouched
  });

  it('PBKDF2-HMAC-SHA512: the BIP39 vector as a plain Uint8Array; node:crypto output zeroed', () => {
    const out = pbkdf2HmacSha512(utf8('abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about'), utf8('mnemonicTREZOR'), 2048, 64);
    expect(toHex(out)).toBe(
      'c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04',
    );
    expect(plain(out)).toBe(true);
    expect(seen.pbkdf2).toHaveLength(1);
    expect(isZero(seen.pbkdf2[0]!)).toBe(true);
  });

  it('hkdfSha256Pair (a record key and its commitment, SPEC 4.3): the RFC 5869 bytes; the PRK node:crypto returned is zeroed, the two outputs are the caller\'s', () => {
    const ikm = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
    const salt = Uint8Array.from({ length: 32 }, (_, i) => 200 - i);
    const [a, b] = hkdfSha256Pair(ikm, salt, utf8('one'), utf8('two'));
    const prk = realCrypto.createHmac('sha256', salt).update(ikm).digest();
    expect(toHex(a)).toBe(referenceExpand(prk, utf8('one'), 32));
    expect(toHex(b)).toBe(referenceExpand(prk, utf8('two'), 32));
    expect(seen.digests).toHaveLength(3); // PRK, then the two expansions
    expect(isZero(seen.digests[0]!)).toBe(true);
    expect(isZero(seen.digests[1]!) || isZero(seen.digests[2]!)).toBe(false);
  });

  it('SHA-256: the FIPS 180-4 "abc" vector as a plain Uint8Array, computed by node:crypto', () => {
    const out = sha256(utf8('abc'));
    expect(toHex(out)).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(plain(out)).toBe(true);
    expect(seen.hashes).toHaveLength(1);
  });
});

describe('node path: AES-256-GCM', () => {
  beforeEach(useRecordingNode);
  const key = realCrypto.createHash('sha256').update('k').digest();
  const iv = Uint8Array.from({ length: 12 }, (_, i) => i + 1);
  const aad = utf8('aad');
  const pt = utf8('a secret of forty-one bytes, not all zero');

  function reference(): Uint8Array {
    const c = realCrypto.createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
    c.setAAD(aad);
    return cat(c.update(pt), c.final(), c.getAuthTag());
  }

  it('seal: node:crypto bytes (ciphertext || tag) as a plain Uint8Array', () => {
    const sealed = aesGcmEncrypt(key, iv, pt, aad);
    expect(toHex(sealed)).toBe(toHex(reference()));
    expect(plain(sealed)).toBe(true);
    expect(seen.ciphers).toBe(1); // computed by node:crypto, not by noble
  });

  it('open: the plaintext as a plain Uint8Array; the blocks node:crypto decrypted are zeroed', () => {
    const out = aesGcmDecrypt(key, iv, reference(), aad);
    expect(toHex(out)).toBe(toHex(pt));
    expect(plain(out)).toBe(true);
    expect(seen.decrypted.reduce((n, b) => n + b.length, 0)).toBe(pt.length);
    for (const b of seen.decrypted) expect(b.every((x) => x === 0)).toBe(true);
  });

  it('a wrong tag: INTEGRITY, and the plaintext node:crypto produced before final() is zeroed', () => {
    const bad = reference();
    bad[bad.length - 1]! ^= 1;
    expectCode(() => aesGcmDecrypt(key, iv, bad, aad), 'INTEGRITY');
    expect(seen.decrypted).toHaveLength(1);
    expect(isZero(seen.decrypted[0]!)).toBe(true);
  });
});

describe('node path: HKDF-SHA256', () => {
  beforeEach(useRecordingNode);
  const ikm = hex('0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b');
  const salt = hex('000102030405060708090a0b0c');
  const info = hex('f0f1f2f3f4f5f6f7f8f9');

  it.each([1, 31, 32, 33, 42, 64, 65, 100, 8160])('hkdfSha256 of %i bytes = hkdfSync; every HMAC output and the PRK are zeroed; inputs untouched', (length) => {
    const out = hkdfSha256(ikm, salt, info, length);
    expect(toHex(out)).toBe(Buffer.from(realCrypto.hkdfSync('sha256', ikm, salt, info, length)).toString('hex'));
    expect(plain(out)).toBe(true);
    expect(seen.digests).toHaveLength(1 + Math.ceil(length / 32));
    for (const d of seen.digests) expect(isZero(d)).toBe(true);
    // The first HMAC is keyed by the salt (the caller's), every later one by the PRK.
    expect(seen.hmacKeys[0]).toBe(salt);
    expect(toHex(salt)).toBe('000102030405060708090a0b0c');
    const prks = new Set(seen.hmacKeys.slice(1));
    expect(prks.size).toBe(1);
    for (const p of prks) expect(isZero(p)).toBe(true);
    expect(toHex(ikm)).toBe('0b'.repeat(22));
    expect(toHex(info)).toBe('f0f1f2f3f4f5f6f7f8f9');
  });

  it('RFC 5869 A.1 / A.3 with hkdfSha256: a missing salt is 32 zero bytes', () => {
    expect(toHex(hkdfSha256(ikm, salt, info, 42))).toBe('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
    const a3 = '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8';
    expect(toHex(hkdfSha256(ikm, undefined, new Uint8Array(0), 42))).toBe(a3);
    expect(toHex(hkdfSha256(ikm, new Uint8Array(32), new Uint8Array(0), 42))).toBe(a3);
  });

  it('hkdfExtract: the RFC 5869 A.1 PRK as a fresh plain array; the HMAC output is zeroed', () => {
    const prk = hkdfExtract(ikm, salt);
    expect(toHex(prk)).toBe('077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5');
    expect(plain(prk)).toBe(true);
    expect(seen.digests).toHaveLength(1);
    expect(isZero(seen.digests[0]!)).toBe(true);
    expect(toHex(hkdfExtract(ikm, undefined))).toBe(toHex(realCrypto.createHmac('sha256', new Uint8Array(32)).update(ikm).digest()));
  });

  it.each([1, 32, 33, 64, 97])('hkdfExpand of %i bytes = RFC 5869 2.3; the caller PRK is untouched, each block zeroed', (length) => {
    const prk = hex('077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5');
    const out = hkdfExpand(prk, info, length);
    expect(toHex(out)).toBe(referenceExpand(prk, info, length));
    expect(plain(out)).toBe(true);
    expect(toHex(prk)).toBe('077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5');
    expect(seen.digests).toHaveLength(Math.ceil(length / 32));
    for (const d of seen.digests) expect(isZero(d)).toBe(true);
  });
});

describe('node path: ed25519 keys', () => {
  beforeEach(useRecordingNode);
  const seed = hex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'); // RFC 8032 7.1 TEST 1
  const sig1 =
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b';

  it('signEd25519 imports the seed from a PKCS#8 DER buffer that is zeroed at once; the seed is untouched', () => {
    const sig = signEd25519(seed, new Uint8Array(0));
    expect(toHex(sig)).toBe(sig1);
    expect(plain(sig)).toBe(true);
    expect(seen.signs).toBe(1);
    expect(seen.ders).toHaveLength(1);
    expect(seen.ders[0]!.length).toBe(48);
    expect(isZero(seen.ders[0]!)).toBe(true);
    expect(toHex(seed)).toBe('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
  });

  it('createEd25519Signer: the same, and the public key and signatures come from node:crypto', () => {
    const s = createEd25519Signer(seed);
    try {
      expect(toHex(s.publicKey)).toBe('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
      expect(toHex(s.sign(new Uint8Array(0)))).toBe(sig1);
      expect(seen.ders).toHaveLength(1);
      expect(isZero(seen.ders[0]!)).toBe(true);
      expect(seen.publicKeys).toBe(1); // the public key from the private KeyObject
      expect(seen.signs).toBe(1);
    } finally {
      s.dispose();
    }
  });

  it('the lease table is empty once no lease is live: a new signer then computes no seed tag (no HMAC)', () => {
    const lease = leaseEd25519Key(seed);
    expect(seen.hmacKeys).toHaveLength(1); // the keyed tag of the seed
    const shared = createEd25519Signer(seed);
    expect(seen.hmacKeys).toHaveLength(2);
    shared.dispose();
    lease.dispose();
    reset();
    const s = createEd25519Signer(seed);
    s.dispose();
    expect(seen.hmacKeys).toHaveLength(0);
    expect(seen.ders).toHaveLength(1);
  });

  it('a JWK export without x is an error, not a wrong key', () => {
    const nc = { createPublicKey: () => ({ export: () => ({ kty: 'OKP' }) }) } as unknown as NodeCryptoSubset;
    expect(() => nativeEd25519PublicKeyOf(nc, {})).toThrow('node:crypto: no public key in the JWK export');
  });
});

describe('node path: ed25519 verify decides valid signatures with OpenSSL, after the byte rules', () => {
  beforeEach(useRecordingNode);
  const seed = hex('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb'); // RFC 8032 7.1 TEST 2
  const pk = hex('3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c');
  const m = Uint8Array.of(0x72);
  const sig = hex(
    '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  );

  it('a valid signature: one OpenSSL verify, true', () => {
    expect(verifyEd25519Strict(pk, m, sig)).toBe(true);
    expect(seen.verifies).toBe(1);
    expect(toHex(signEd25519(seed, m))).toBe(toHex(sig));
  });

  it('S >= L or a small-order R: refused by the byte rules, OpenSSL is not asked', () => {
    const big = Uint8Array.from(sig);
    big[63] = 0xff;
    expect(verifyEd25519Strict(pk, m, big)).toBe(false);
    const smallR = Uint8Array.from(sig);
    smallR.set(new Uint8Array(32).fill(0), 0);
    smallR[0] = 1; // the identity
    expect(verifyEd25519Strict(pk, m, smallR)).toBe(false);
    expect(seen.verifies).toBe(0);
  });
});

describe('node path: ed25519 verify', () => {
  const msg = utf8('m');
  const sig = new Uint8Array(64);

  function counting(verify: (...a: Parameters<typeof realCrypto.verify>) => unknown = realCrypto.verify) {
    const c = { creates: 0 };
    const nc = {
      createPublicKey: (o: Parameters<typeof realCrypto.createPublicKey>[0]) => {
        c.creates++;
        return realCrypto.createPublicKey(o);
      },
      verify,
    } as unknown as NodeCryptoSubset;
    return { nc, c };
  }
  const keyOf = (i: number) => realCrypto.createHash('sha256').update(`key ${i}`).digest();

  it('only a boolean true from node:crypto is a valid signature; a throw is false', () => {
    const pk = keyOf(-1);
    expect(nativeEd25519Verify(counting(() => 1).nc, pk, msg, sig)).toBe(false);
    expect(nativeEd25519Verify(counting(() => 'true').nc, pk, msg, sig)).toBe(false);
    expect(nativeEd25519Verify(counting(() => true).nc, pk, msg, sig)).toBe(true);
    expect(
      nativeEd25519Verify(
        counting(() => {
          throw new Error('bad key');
        }).nc,
        pk,
        msg,
        sig,
      ),
    ).toBe(false);
  });

  it('parsed public keys are kept in an LRU of 512: a hit refreshes, the oldest is evicted', () => {
    const { nc, c } = counting(() => false);
    // Fill the cache with 512 keys of this test (whatever was there before is evicted).
    for (let i = 0; i < 512; i++) nativeEd25519Verify(nc, keyOf(i), msg, sig);
    expect(c.creates).toBe(512);
    expect(_publicKeyCacheSize()).toBe(512);
    // A hit: no new import; key 0 becomes the most recently used.
    nativeEd25519Verify(nc, Uint8Array.from(keyOf(0)), msg, sig);
    expect(c.creates).toBe(512);
    // A new key evicts the least recently used, which is now key 1, not key 0.
    nativeEd25519Verify(nc, keyOf(512), msg, sig);
    expect(c.creates).toBe(513);
    expect(_publicKeyCacheSize()).toBe(512);
    nativeEd25519Verify(nc, keyOf(0), msg, sig);
    expect(c.creates).toBe(513);
    nativeEd25519Verify(nc, keyOf(1), msg, sig);
    expect(c.creates).toBe(514);
    expect(_publicKeyCacheSize()).toBe(512);
    // Keys that differ in one byte are different entries.
    const k = keyOf(2);
    k[31]! ^= 1;
    nativeEd25519Verify(nc, k, msg, sig);
    expect(c.creates).toBe(515);
  });
});

describe('noble path: HKDF', () => {
  it('hkdfSha256 zeroes the PRK it extracted (noble extract + expand); hkdfExtract hands its PRK to the caller', () => {
    _setCryptoBackendForTests('noble');
    try {
      nobleSeen.extracted.length = 0;
      const ikm = hex('0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b');
      const salt = hex('000102030405060708090a0b0c');
      const info = hex('f0f1f2f3f4f5f6f7f8f9');
      expect(toHex(hkdfSha256(ikm, salt, info, 42))).toBe('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
      expect(nobleSeen.extracted).toHaveLength(1);
      expect(isZero(nobleSeen.extracted[0]!)).toBe(true);
      const prk = hkdfExtract(ikm, salt);
      expect(toHex(prk)).toBe('077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5');
      expect(nobleSeen.extracted).toHaveLength(2);
      expect(toHex(hkdfExpand(prk, info, 42))).toBe('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
      expect(toHex(prk)).toBe('077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5');
    } finally {
      _setCryptoBackendForTests();
    }
  });
  it('hkdfSha256Pair (noble extract + two expands): RFC 5869 A.1 and node:crypto hkdfSync bytes, two separate outputs; the PRK is zeroed', () => {
    _setCryptoBackendForTests('noble');
    try {
      nobleSeen.extracted.length = 0;
      const ikm = hex('0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b');
      const salt = hex('000102030405060708090a0b0c');
      const info = hex('f0f1f2f3f4f5f6f7f8f9');
      const pair = hkdfSha256Pair(ikm, salt, info, utf8('commitment'));
      expect(Array.isArray(pair)).toBe(true);
      expect(pair).toHaveLength(2);
      const [a, b] = pair;
      // RFC 5869 A.1: the first 32 bytes of its 42-byte OKM.
      expect(toHex(a)).toBe('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf');
      expect(toHex(b)).toBe(Buffer.from(realCrypto.hkdfSync('sha256', ikm, salt, utf8('commitment'), 32)).toString('hex'));
      expect(plain(a) && plain(b)).toBe(true);
      a.fill(0);
      expect(isZero(b)).toBe(false);
      expect(nobleSeen.extracted).toHaveLength(1);
      expect(isZero(nobleSeen.extracted[0]!)).toBe(true);
      expect(toHex(ikm) + toHex(salt) + toHex(info)).toBe('0b'.repeat(22) + '000102030405060708090a0b0c' + 'f0f1f2f3f4f5f6f7f8f9');
    } finally {
      _setCryptoBackendForTests();
    }
  });
});
