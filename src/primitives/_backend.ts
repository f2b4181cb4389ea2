/**
 * Crypto backend selection (SPEC 3.6, SPEC 3.6). Internal, except `cryptoBackend`
 * and the `CryptoBackend` type, which `agentvault/primitives` exports.
 *
 * Two backends compute the same functions: `noble` (@noble/ciphers, @noble/curves, @noble/hashes;
 * portable, the reference) and `node` (node:crypto / OpenSSL; several times faster). The core
 * stays platform-neutral: node:crypto is never imported statically. It is looked up at first use
 * through `process.getBuiltinModule` (Node >= 20.16; also Bun and Deno), and accepted only if it
 * passes a known-answer self-test against the noble results.
 *
 * Selection, resolved once, at the first crypto call:
 * - `AGENTVAULT_CRYPTO=noble`: noble, always.
 * - `AGENTVAULT_CRYPTO=node`: node:crypto; if it is missing or fails the self-test, every crypto
 *   call throws INVALID_INPUT (a forced setting that silently did not apply would hide the fact).
 * - unset or empty: node:crypto when available and the self-test passes, else noble.
 * - any other value: every crypto call throws INVALID_INPUT (a typo is not silently ignored).
 * @module
 */
import { gcm } from '@noble/ciphers/aes.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { pbkdf2 } from '@noble/hashes/pbkdf2.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { base64urlnopad } from '@scure/base';
import { fail } from '../errors.js';

/** Which implementation computes AES-GCM, HKDF and ed25519: `node` (node:crypto) or `noble`. */
export type CryptoBackend = 'node' | 'noble';

/** The part of node:crypto the native path uses, typed here so the build needs no Node types. */
export interface NodeCryptoSubset {
  createCipheriv(alg: 'aes-256-gcm', key: Uint8Array, iv: Uint8Array, opts: { authTagLength: number }): NodeCipher;
  createDecipheriv(alg: 'aes-256-gcm', key: Uint8Array, iv: Uint8Array, opts: { authTagLength: number }): NodeDecipher;
  createHmac(alg: 'sha256' | 'sha512', key: Uint8Array): NodeHash;
  createHash(alg: 'sha256'): NodeHash;
  /** One-shot digest (Node >= 20.12, 21.7); optional: `createHash` is the fallback. */
  hash?(alg: 'sha256', data: Uint8Array, outputEncoding: 'buffer'): Uint8Array;
  pbkdf2Sync(password: Uint8Array, salt: Uint8Array, iterations: number, keylen: number, digest: 'sha512'): Uint8Array;
  createPublicKey(opts: { key: Uint8Array; format: 'der'; type: 'spki' } | { key: { kty: 'OKP'; crv: 'Ed25519'; x: string }; format: 'jwk' } | object): object;
  createPrivateKey(opts: { key: Uint8Array; format: 'der'; type: 'pkcs8' }): object;
  verify(alg: null, data: Uint8Array, key: object, signature: Uint8Array): boolean;
  sign(alg: null, data: Uint8Array, key: object): Uint8Array;
}
export interface NodeCipher {
  setAAD(aad: Uint8Array): unknown;
  update(data: Uint8Array): Uint8Array;
  final(): Uint8Array;
  getAuthTag(): Uint8Array;
}
export interface NodeDecipher {
  setAAD(aad: Uint8Array): unknown;
  setAuthTag(tag: Uint8Array): unknown;
  update(data: Uint8Array): Uint8Array;
  final(): Uint8Array;
}
export interface NodeHash {
  update(data: Uint8Array): NodeHash;
  digest(): Uint8Array;
}

const ENV_VAR = 'AGENTVAULT_CRYPTO';

interface Resolved {
  readonly name: CryptoBackend;
  readonly native: NodeCryptoSubset | undefined;
  /** Set when the configuration is unusable: every crypto call throws this message. */
  readonly error?: string;
}

let resolved: Resolved | undefined;

function lookupNodeCrypto(): NodeCryptoSubset | undefined {
  try {
    const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    const mod = proc?.getBuiltinModule?.('node:crypto') as Partial<NodeCryptoSubset> | undefined;
    if (mod === undefined || mod === null) return undefined;
    for (const fn of ['createCipheriv', 'createDecipheriv', 'createHmac', 'createHash', 'pbkdf2Sync', 'createPublicKey', 'createPrivateKey', 'verify', 'sign'] as const)
      if (typeof mod[fn] !== 'function') return undefined;
    return mod as NodeCryptoSubset;
  } catch {
    return undefined;
  }
}

const fromHex = (h: string): Uint8Array => Uint8Array.from(h.match(/../g)!, (b) => parseInt(b, 16));
const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Known-answer self-test of a node:crypto candidate against noble and RFC 8032 7.1 TEST 2:
 * AES-256-GCM seal and tag check, HMAC-SHA256 against noble's HKDF, ed25519 sign, verify and
 * public key, that a flipped signature bit is refused, PBKDF2-HMAC-SHA512 and SHA-256. Any
 * difference or exception: not used.
 */
function selfTest(nc: NodeCryptoSubset): boolean {
  try {
    const key = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
    const iv = Uint8Array.from({ length: 12 }, (_, i) => 0xa0 + i);
    const aad = Uint8Array.of(1, 2, 3);
    const pt = Uint8Array.from({ length: 37 }, (_, i) => i * 7);
    const c = nc.createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
    c.setAAD(aad);
    const ct = Uint8Array.from([...c.update(pt), ...c.final(), ...c.getAuthTag()]);
    if (!same(ct, gcm(key, iv, aad).encrypt(pt))) return false;
    const d = nc.createDecipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
    d.setAAD(aad);
    d.setAuthTag(ct.subarray(pt.length));
    if (!same(Uint8Array.from([...d.update(ct.subarray(0, pt.length)), ...d.final()]), pt)) return false;
    // HKDF-SHA256, one block, via HMAC (what the native hkdf does).
    const prk = nc.createHmac('sha256', iv).update(key).digest();
    const okm = nc.createHmac('sha256', prk).update(aad).update(Uint8Array.of(1)).digest();
    if (!same(Uint8Array.from(okm), hkdf(sha256, key, iv, aad, 32))) return false;
    // RFC 8032 section 7.1, TEST 2.
    const seed = fromHex('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb');
    const pub = fromHex('3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c');
    const msg = Uint8Array.of(0x72);
    const sig = fromHex(
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
    );
    const priv = nc.createPrivateKey({ key: Uint8Array.from([...PKCS8_ED25519_PREFIX, ...seed]), format: 'der', type: 'pkcs8' });
    if (!same(Uint8Array.from(nc.sign(null, msg, priv)), sig)) return false;
    // Verify as the native path does (JWK import of the public key) and as SPKI DER: both agree.
    const pkJwk = nc.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: base64urlnopad.encode(pub) }, format: 'jwk' });
    const pkDer = nc.createPublicKey({ key: Uint8Array.from([...SPKI_ED25519_PREFIX, ...pub]), format: 'der', type: 'spki' });
    if (nc.verify(null, msg, pkJwk, sig) !== true || nc.verify(null, msg, pkDer, sig) !== true) return false;
    const jwk = (nc.createPublicKey(priv) as { export(o: { format: 'jwk' }): { x?: unknown } }).export({ format: 'jwk' });
    if (typeof jwk.x !== 'string' || !same(base64urlnopad.decode(jwk.x), pub)) return false;
    // PBKDF2-HMAC-SHA512 (BIP39's KDF) and SHA-256 against noble.
    if (!same(Uint8Array.from(nc.pbkdf2Sync(key, iv, 2, 64, 'sha512')), pbkdf2(sha512, key, iv, { c: 2, dkLen: 64 }))) return false;
    if (!same(Uint8Array.from(nc.createHash('sha256').update(pt).digest()), sha256(pt))) return false;
    if (nc.hash !== undefined && !same(Uint8Array.from(nc.hash('sha256', pt, 'buffer')), sha256(pt))) return false;
    const bad = Uint8Array.from(sig);
    bad[40]! ^= 1;
    return nc.verify(null, msg, pkJwk, bad) === false;
  } catch {
    return false;
  }
}

/** DER prefixes for a raw 32-byte ed25519 key (RFC 8410): SubjectPublicKeyInfo and PKCS#8. */
export const SPKI_ED25519_PREFIX: Uint8Array = /* @__PURE__ */ fromHex('302a300506032b6570032100');
export const PKCS8_ED25519_PREFIX: Uint8Array = /* @__PURE__ */ fromHex('302e020100300506032b657004220420');

function readEnv(): string | undefined {
  try {
    const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
    const v = env?.[ENV_VAR];
    return typeof v === 'string' ? v.trim().toLowerCase() : undefined;
  } catch {
    return undefined; // e.g. Deno without --allow-env
  }
}

function resolve(wanted: string | undefined): Resolved {
  if (wanted === 'noble') return { name: 'noble', native: undefined };
  if (wanted === undefined || wanted === '' || wanted === 'auto' || wanted === 'node') {
    const nc = lookupNodeCrypto();
    if (nc !== undefined && selfTest(nc)) return { name: 'node', native: nc };
    if (wanted === 'node')
      return {
        name: 'noble',
        native: undefined,
        error: `${ENV_VAR}=node, but node:crypto is not available through process.getBuiltinModule (Node >= 20.16) or failed its self-test`,
      };
    return { name: 'noble', native: undefined };
  }
  return { name: 'noble', native: undefined, error: `${ENV_VAR} must be "node", "noble" or unset` };
}

function current(): Resolved {
  resolved ??= resolve(readEnv());
  if (resolved.error !== undefined) fail('INVALID_INPUT', resolved.error, { field: ENV_VAR });
  return resolved;
}

/**
 * The crypto backend in use: `'node'` (node:crypto/OpenSSL for AES-GCM, HKDF and ed25519, with
 * the strict ed25519 rules kept in JS) or `'noble'` (pure JS, every runtime). Both give the same
 * results on every input (SPEC 3.6). Set `AGENTVAULT_CRYPTO=noble` or `=node` to force
 * one; it is read once, at the first crypto call.
 * @example
 * import { cryptoBackend } from 'agentvault/primitives';
 * log.info({ crypto: cryptoBackend() }, 'agentvault ready'); // 'node' on Node >= 20.16
 */
export function cryptoBackend(): CryptoBackend {
  return current().name;
}

/** @internal node:crypto when the node backend is active, else undefined (use noble). */
export function nativeCrypto(): NodeCryptoSubset | undefined {
  const r = resolved;
  return r !== undefined && r.error === undefined ? r.native : current().native;
}

/**
 * @internal Test seam: force a backend (`'node'` throws if node:crypto is unusable here), or pass
 * nothing to re-read AGENTVAULT_CRYPTO and detect again. Not exported from any public entry.
 */
export function _setCryptoBackendForTests(backend?: CryptoBackend): void {
  resolved = undefined;
  const r = resolve(backend ?? readEnv());
  if (backend === 'node' && r.name !== 'node') throw new Error('node:crypto backend is not available in this runtime');
  resolved = r;
}
