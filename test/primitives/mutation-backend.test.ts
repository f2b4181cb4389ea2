/**
 * Backend selection and the node:crypto self-test (SPEC 3.6), pinned one rule at a time: every
 * accepted AGENTVAULT_CRYPTO spelling, every refusal with its message and `details.field`, and a
 * node:crypto look-alike for each single check of the self-test (each fake passes every other
 * check, so a self-test that skipped that one check would accept it). Cheap enough for the
 * mutation scope (test/primitives/backend.test.ts, the node == noble fuzzing, is not in it).
 */
import * as realCrypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { _setCryptoBackendForTests, cryptoBackend, nativeCrypto } from '../../src/primitives/_backend.js';
import { aesGcmDecrypt, aesGcmEncrypt } from '../../src/primitives/aead.js';
import { verifyEd25519Strict } from '../../src/primitives/ed25519.js';
import { sha256 } from '../../src/primitives/_native-hash.js';
import { hkdfSha256 } from '../../src/primitives/hkdf.js';
import { expectCode } from '../helpers/errors.js';
import { toHex } from '../helpers/bytes.js';

type Mod = Record<string, unknown>;
const original = process.getBuiltinModule;
const savedEnv = process.env.AGENTVAULT_CRYPTO;

afterEach(() => {
  process.getBuiltinModule = original;
  if (savedEnv === undefined) delete process.env.AGENTVAULT_CRYPTO;
  else process.env.AGENTVAULT_CRYPTO = savedEnv;
  _setCryptoBackendForTests();
});

/** Serve `mod` as node:crypto (undefined: no getBuiltinModule at all). */
function serve(mod: unknown, env?: string): void {
  process.getBuiltinModule = ((id: string) => (id === 'node:crypto' ? mod : original(id))) as typeof original;
  if (env === undefined) delete process.env.AGENTVAULT_CRYPTO;
  else process.env.AGENTVAULT_CRYPTO = env;
  _setCryptoBackendForTests();
}

const FORCED_NODE_MESSAGE =
  'AGENTVAULT_CRYPTO=node, but node:crypto is not available through process.getBuiltinModule (Node >= 20.16) or failed its self-test';

describe('AGENTVAULT_CRYPTO', () => {
  it.each([
    ['unset: node', undefined, 'node'],
    ['empty: node', '', 'node'],
    ['auto: node', 'auto', 'node'],
    ['node: node', 'node', 'node'],
    ['noble: noble', 'noble', 'noble'],
    ['" NOBLE " (trimmed, case-insensitive): noble', ' NOBLE ', 'noble'],
    ['"Node\\n": node', 'Node\n', 'node'],
    ['" Auto ": node', ' Auto ', 'node'],
  ])('%s', (_n, env, want) => {
    serve(realCrypto, env);
    expect(cryptoBackend()).toBe(want);
    // The crypto functions follow the selection: node:crypto is handed out only for 'node'.
    expect(nativeCrypto() === undefined).toBe(want === 'noble');
  });

  it.each(['openssl', 'nodejs', 'noble2', 'webcrypto'])('an unknown value %j: every crypto call throws INVALID_INPUT naming the variable', (env) => {
    serve(realCrypto, env);
    for (const f of [
      () => cryptoBackend(),
      () => nativeCrypto(),
      () => aesGcmEncrypt(new Uint8Array(32), new Uint8Array(12), new Uint8Array(1), new Uint8Array(0)),
      () => hkdfSha256(new Uint8Array(32), undefined, new Uint8Array(0), 32),
      () => verifyEd25519Strict(new Uint8Array(32), new Uint8Array(0), new Uint8Array(64)),
      () => sha256(new Uint8Array(1)),
    ]) {
      const e = expectCode(f, 'INVALID_INPUT');
      expect(e.message).toBe('AGENTVAULT_CRYPTO must be "node", "noble" or unset');
      expect(e.details).toEqual({ field: 'AGENTVAULT_CRYPTO' });
    }
  });

  it('the setting is read once: a later change of the variable does not switch the backend', () => {
    serve(realCrypto, 'noble');
    expect(cryptoBackend()).toBe('noble');
    process.env.AGENTVAULT_CRYPTO = 'node';
    expect(cryptoBackend()).toBe('noble');
    expect(nativeCrypto()).toBeUndefined();
  });

  it('an environment that cannot be read (Deno without --allow-env) is treated as unset', () => {
    const desc = Object.getOwnPropertyDescriptor(process, 'env')!;
    process.getBuiltinModule = original;
    try {
      Object.defineProperty(process, 'env', {
        configurable: true,
        get() {
          throw new Error('PermissionDenied: env');
        },
      });
      _setCryptoBackendForTests();
    } finally {
      Object.defineProperty(process, 'env', desc);
    }
    expect(cryptoBackend()).toBe('node');
  });
});

describe('node:crypto look-up', () => {
  it.each([
    ['no process.getBuiltinModule', 'none'],
    ['getBuiltinModule returns undefined', undefined],
    ['getBuiltinModule returns null', null],
    ['getBuiltinModule throws', 'throws'],
  ])('%s: noble when automatic, INVALID_INPUT with the reason when node is forced', (_n, mod) => {
    const install = () => {
      if (mod === 'none') (process as { getBuiltinModule?: unknown }).getBuiltinModule = undefined;
      else if (mod === 'throws')
        process.getBuiltinModule = (() => {
          throw new Error('no such module');
        }) as unknown as typeof original;
      else process.getBuiltinModule = ((id: string) => (id === 'node:crypto' ? mod : original(id))) as typeof original;
    };
    install();
    delete process.env.AGENTVAULT_CRYPTO;
    _setCryptoBackendForTests();
    expect(cryptoBackend()).toBe('noble');
    expect(nativeCrypto()).toBeUndefined();
    expect(() => _setCryptoBackendForTests('node')).toThrow('node:crypto backend is not available in this runtime');
    process.env.AGENTVAULT_CRYPTO = 'node';
    _setCryptoBackendForTests();
    const e = expectCode(() => cryptoBackend(), 'INVALID_INPUT');
    expect(e.message).toBe(FORCED_NODE_MESSAGE);
    expect(e.details).toEqual({ field: 'AGENTVAULT_CRYPTO' });
    expectCode(() => hkdfSha256(new Uint8Array(32), undefined, new Uint8Array(0), 32), 'INVALID_INPUT');
  });

  it.each(['createCipheriv', 'createDecipheriv', 'createHmac', 'createHash', 'pbkdf2Sync', 'createPublicKey', 'createPrivateKey', 'verify', 'sign'])(
    'a node:crypto without a function %s is not used',
    (fn) => {
      serve({ ...realCrypto, [fn]: 'not a function' });
      expect(cryptoBackend()).toBe('noble');
      expect(() => _setCryptoBackendForTests('node')).toThrow(/not available/);
    },
  );

  it('the control: an honest copy of node:crypto is used, and _setCryptoBackendForTests("node") keeps it', () => {
    const copy = { ...realCrypto };
    serve(copy);
    expect(cryptoBackend()).toBe('node');
    expect(nativeCrypto()).toBe(copy);
    _setCryptoBackendForTests('node');
    expect(nativeCrypto()).toBe(copy);
    _setCryptoBackendForTests('noble');
    expect(cryptoBackend()).toBe('noble');
    expect(nativeCrypto()).toBeUndefined();
  });
});

// ---- the self-test: one look-alike per check ----

const flip = (b: Uint8Array, i = 0): Buffer => {
  const out = Buffer.from(b);
  out[i]! ^= 1;
  return out;
};

/** Keys made from a JWK, to tell the two verify paths of the self-test apart. */
function jwkAware(verifyJwk: (real: boolean) => boolean, verifyDer: (real: boolean) => boolean): Mod {
  const fromJwk = new WeakSet<object>();
  return {
    ...realCrypto,
    createPublicKey: (opts: { format?: string } & object) => {
      const k = realCrypto.createPublicKey(opts as Parameters<typeof realCrypto.createPublicKey>[0]);
      if ((opts as { format?: string }).format === 'jwk') fromJwk.add(k);
      return k;
    },
    verify: (alg: null, data: Uint8Array, key: realCrypto.KeyObject, sig: Uint8Array) => {
      const real = realCrypto.verify(alg, data, key, sig);
      return fromJwk.has(key) ? verifyJwk(real) : verifyDer(real);
    },
  };
}

const FAKES: [string, () => Mod][] = [
  [
    'AES-GCM seal gives other ciphertext bytes',
    () => ({
      ...realCrypto,
      createCipheriv: (...a: Parameters<typeof realCrypto.createCipheriv>) => {
        const c = realCrypto.createCipheriv(...a) as realCrypto.CipherGCM;
        return { setAAD: (x: Uint8Array) => c.setAAD(x), update: (x: Uint8Array) => flip(c.update(x)), final: () => c.final(), getAuthTag: () => c.getAuthTag() };
      },
    }),
  ],
  [
    'AES-GCM seal with a 12-byte tag',
    () => ({ ...realCrypto, createCipheriv: (_: string, k: Uint8Array, iv: Uint8Array) => realCrypto.createCipheriv('aes-256-gcm', k, iv, { authTagLength: 12 }) }),
  ],
  [
    'AES-GCM open gives other plaintext bytes',
    () => ({
      ...realCrypto,
      createDecipheriv: (...a: Parameters<typeof realCrypto.createDecipheriv>) => {
        const d = realCrypto.createDecipheriv(...a) as realCrypto.DecipherGCM;
        return {
          setAAD: (x: Uint8Array) => d.setAAD(x),
          setAuthTag: (t: Uint8Array) => d.setAuthTag(t),
          update: (x: Uint8Array) => flip(d.update(x), 5),
          final: () => d.final(),
        };
      },
    }),
  ],
  ['HMAC computes SHA-512', () => ({ ...realCrypto, createHmac: (_: string, k: Uint8Array) => realCrypto.createHmac('sha512', k) })],
  [
    'HMAC-SHA256 digests are off by one bit',
    () => ({
      ...realCrypto,
      createHmac: (alg: string, k: Uint8Array) => {
        const h = realCrypto.createHmac(alg, k);
        const w = { update: (x: Uint8Array) => (h.update(x), w), digest: () => flip(h.digest()) };
        return w;
      },
    }),
  ],
  ['ed25519 sign gives other bytes', () => ({ ...realCrypto, sign: (alg: null, data: Uint8Array, key: realCrypto.KeyObject) => flip(realCrypto.sign(alg, data, key), 63) })],
  ['ed25519 verify refuses a valid signature under a JWK key', () => jwkAware(() => false, (r) => r)],
  ['ed25519 verify refuses a valid signature under a DER key', () => jwkAware((r) => r, () => false)],
  ['ed25519 verify accepts everything', () => ({ ...realCrypto, verify: () => true })],
  ['ed25519 verify accepts everything under a JWK key', () => jwkAware(() => true, (r) => r)],
  [
    'ed25519 verify returns a truthy non-boolean',
    () => ({ ...realCrypto, verify: (alg: null, data: Uint8Array, key: realCrypto.KeyObject, sig: Uint8Array) => (realCrypto.verify(alg, data, key, sig) ? 1 : 0) }),
  ],
  [
    'the public key of a private key is another key',
    () => ({
      ...realCrypto,
      createPublicKey: (opts: Parameters<typeof realCrypto.createPublicKey>[0]) => {
        const k = realCrypto.createPublicKey(opts);
        if (!(opts instanceof realCrypto.KeyObject)) return k;
        return { export: () => ({ ...k.export({ format: 'jwk' }), x: 'A'.repeat(43) }) };
      },
    }),
  ],
  [
    'the public key of a private key has no x',
    () => ({
      ...realCrypto,
      createPublicKey: (opts: Parameters<typeof realCrypto.createPublicKey>[0]) => {
        const k = realCrypto.createPublicKey(opts);
        if (!(opts instanceof realCrypto.KeyObject)) return k;
        return { export: () => ({ kty: 'OKP', crv: 'Ed25519', x: Uint8Array.from(k.export({ format: 'der', type: 'spki' }).subarray(12)) }) };
      },
    }),
  ],
  ['PBKDF2 gives other bytes', () => ({ ...realCrypto, pbkdf2Sync: (...a: Parameters<typeof realCrypto.pbkdf2Sync>) => flip(realCrypto.pbkdf2Sync(...a), 63) })],
  ['PBKDF2 ignores the iteration count', () => ({ ...realCrypto, pbkdf2Sync: (p: Uint8Array, s: Uint8Array, _i: number, l: number, d: string) => realCrypto.pbkdf2Sync(p, s, 1, l, d) })],
  ['SHA-256 gives other bytes', () => ({ ...realCrypto, createHash: () => realCrypto.createHash('sha512') })],
  [
    'a function throws',
    () => ({
      ...realCrypto,
      createHash: () => {
        throw new Error('unsupported');
      },
    }),
  ],
];

describe('the node:crypto self-test refuses a look-alike that fails any one check', () => {
  it.each(FAKES)('%s: noble when automatic, refused when forced', (_n, make) => {
    serve(make());
    expect(cryptoBackend()).toBe('noble');
    expect(nativeCrypto()).toBeUndefined();
    expect(() => _setCryptoBackendForTests('node')).toThrow(/not available/);
  });
});

describe('with the node backend, a wrong tag is refused by the backend in use', () => {
  it('aesGcmDecrypt reaches node:crypto (the look-alike sees the call) and refuses with INTEGRITY', () => {
    let calls = 0;
    serve({
      ...realCrypto,
      createDecipheriv: (...a: Parameters<typeof realCrypto.createDecipheriv>) => {
        calls++;
        return realCrypto.createDecipheriv(...a);
      },
    });
    expect(cryptoBackend()).toBe('node');
    calls = 0;
    const key = new Uint8Array(32).fill(9);
    const iv = new Uint8Array(12).fill(3);
    const sealed = aesGcmEncrypt(key, iv, Uint8Array.of(1, 2, 3), new Uint8Array(0));
    expect(aesGcmDecrypt(key, iv, sealed, new Uint8Array(0))).toEqual(Uint8Array.of(1, 2, 3));
    expect(calls).toBe(1);
    const e = expectCode(() => aesGcmDecrypt(key, iv, flip(sealed, 4), new Uint8Array(0)), 'INTEGRITY');
    expect(e.message).toBe('decryption failed: the data was modified or the context differs');
    expect(calls).toBe(2);
  });
});

// ---- the self-test (continued): more look-alikes, its fixed inputs, and the one-shot hash ----

/** createHash / createHmac-style object whose digest() goes through `f`. */
const digestThrough = (h: realCrypto.Hash, f: (d: Buffer) => Buffer) => {
  const w = { update: (x: Uint8Array) => (h.update(x), w), digest: () => f(h.digest()) };
  return w;
};
const oneShot = (realCrypto as unknown as { hash: (alg: string, data: Uint8Array, enc: 'buffer') => Buffer }).hash;

const MORE_FAKES: [string, () => Mod][] = [
  // The first 16 bytes of the right digest: only a length check tells it apart.
  ['SHA-256 (createHash) returns the digest cut to 16 bytes', () => ({ ...realCrypto, createHash: (alg: string) => digestThrough(realCrypto.createHash(alg), (d) => d.subarray(0, 16)) })],
  [
    'AES-GCM seal and open agree with each other but both ignore the AAD',
    () => ({
      ...realCrypto,
      createCipheriv: (...a: Parameters<typeof realCrypto.createCipheriv>) => {
        const c = realCrypto.createCipheriv(...a) as realCrypto.CipherGCM;
        return { setAAD: () => undefined, update: (x: Uint8Array) => c.update(x), final: () => c.final(), getAuthTag: () => c.getAuthTag() };
      },
      createDecipheriv: (...a: Parameters<typeof realCrypto.createDecipheriv>) => {
        const d = realCrypto.createDecipheriv(...a) as realCrypto.DecipherGCM;
        return { setAAD: () => undefined, setAuthTag: (t: Uint8Array) => d.setAuthTag(t), update: (x: Uint8Array) => d.update(x), final: () => d.final() };
      },
    }),
  ],
  ['the one-shot hash gives other bytes (createHash is right)', () => ({ ...realCrypto, hash: (alg: string, data: Uint8Array, enc: 'buffer') => flip(oneShot(alg, data, enc), 31) })],
];

describe('the node:crypto self-test refuses more look-alikes', () => {
  it.each(MORE_FAKES)('%s: noble when automatic, refused when forced', (_n, make) => {
    serve(make());
    expect(cryptoBackend()).toBe('noble');
    expect(nativeCrypto()).toBeUndefined();
    expect(() => _setCryptoBackendForTests('node')).toThrow(/not available/);
  });
});

describe('the self-test inputs and the one-shot SHA-256', () => {
  const ABC_SHA256 = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'; // FIPS 180-4 "abc"

  it('the self-test asks for AES-256-GCM with a 16-byte tag on its fixed, non-trivial inputs', () => {
    const calls: { what: string; alg: string; key: string; iv: string; opts: unknown }[] = [];
    const plaintexts: string[] = [];
    serve({
      ...realCrypto,
      createCipheriv: (alg: 'aes-256-gcm', key: Uint8Array, iv: Uint8Array, opts: { authTagLength: number }) => {
        calls.push({ what: 'seal', alg, key: toHex(key), iv: toHex(iv), opts });
        const c = realCrypto.createCipheriv(alg, key, iv, opts);
        return { setAAD: (x: Uint8Array) => c.setAAD(x), update: (x: Uint8Array) => (plaintexts.push(toHex(x)), c.update(x)), final: () => c.final(), getAuthTag: () => c.getAuthTag() };
      },
      createDecipheriv: (alg: 'aes-256-gcm', key: Uint8Array, iv: Uint8Array, opts: { authTagLength: number }) => {
        calls.push({ what: 'open', alg, key: toHex(key), iv: toHex(iv), opts });
        return realCrypto.createDecipheriv(alg, key, iv, opts);
      },
    });
    expect(cryptoBackend()).toBe('node');
    const key = '0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20';
    const iv = 'a0a1a2a3a4a5a6a7a8a9aaab';
    expect(calls).toEqual([
      { what: 'seal', alg: 'aes-256-gcm', key, iv, opts: { authTagLength: 16 } },
      { what: 'open', alg: 'aes-256-gcm', key, iv, opts: { authTagLength: 16 } },
    ]);
    expect(plaintexts).toEqual([toHex(Uint8Array.from({ length: 37 }, (_, i) => 7 * i))]);
  });

  it('a node:crypto without the one-shot hash (Node < 20.12) passes the self-test; sha256 then uses createHash', () => {
    let created = 0;
    serve({
      ...realCrypto,
      hash: undefined,
      createHash: (alg: string) => {
        created++;
        return realCrypto.createHash(alg);
      },
    });
    expect(cryptoBackend()).toBe('node');
    created = 0;
    expect(toHex(sha256(new TextEncoder().encode('abc')))).toBe(ABC_SHA256);
    expect(created).toBe(1);
  });

  it('where node:crypto has the one-shot hash, sha256 makes that one call and no Hash object', () => {
    let created = 0;
    let oneShots = 0;
    serve({
      ...realCrypto,
      hash: (alg: string, data: Uint8Array, enc: 'buffer') => {
        oneShots++;
        return oneShot(alg, data, enc);
      },
      createHash: (alg: string) => {
        created++;
        return realCrypto.createHash(alg);
      },
    });
    expect(cryptoBackend()).toBe('node');
    created = oneShots = 0;
    const out = sha256(new TextEncoder().encode('abc'));
    expect(toHex(out)).toBe(ABC_SHA256);
    expect(Object.getPrototypeOf(out)).toBe(Uint8Array.prototype);
    expect([oneShots, created]).toEqual([1, 0]);
  });
});
