/**
 * The one table of wrong-typed values (test/helpers/wrong-types.ts) fed to every public argument
 * of the primitives. Each must give the documented AgentvaultError code (INVALID_INPUT; WEAK_KEY
 * for assertStrongKey, which is a configuration check), never a TypeError, never a crash, never a
 * silent success.
 *
 * Buffer: a Node Buffer IS a Uint8Array (subclass) and is ACCEPTED everywhere bytes are expected,
 * with the same result as a plain Uint8Array holding the same bytes, including a pooled Buffer
 * whose byteOffset is not 0. That decision is tested at the end of this file.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../src/errors.js';
import {
  aesGcmDecrypt,
  aesGcmEncrypt,
  assertStrongKey,
  assertWalletSignature,
  constantTimeEqual,
  decodeAddress,
  encodeAddress,
  hkdfExpand,
  hkdfExtract,
  hkdfSha256,
  isAddress,
  verifyEd25519Strict,
  verifyWalletSignature,
} from '../../src/primitives/index.js';
import { SecretBytes } from '../../src/secret.js';
import { toHex } from '../helpers/bytes.js';
import { testWallet } from '../helpers/ed25519.js';
import { expectCode } from '../helpers/errors.js';
import { NOT_BYTES, NOT_INTEGERS, NOT_STRINGS } from '../helpers/wrong-types.js';

const b = (n: number) => new Uint8Array(randomBytes(n));
const wallet = testWallet();
const msg = new TextEncoder().encode('m');
const sig = wallet.sign(msg);
const key = b(32);
const iv = b(12);
const sealed = aesGcmEncrypt(key, iv, b(5), b(3));

type Call = (v: unknown) => unknown;
interface Slot {
  fn: string;
  arg: string;
  kind: 'bytes' | 'string' | 'int';
  call: Call;
  code: ErrorCode;
  /** Values of the table that this argument legitimately accepts (e.g. undefined salt). */
  allows?: (label: string) => boolean;
}

const slots: Slot[] = [
  { fn: 'aesGcmEncrypt', arg: 'key', kind: 'bytes', call: (v) => aesGcmEncrypt(v as Uint8Array, iv, b(4), b(4)), code: 'INVALID_INPUT' },
  { fn: 'aesGcmEncrypt', arg: 'iv', kind: 'bytes', call: (v) => aesGcmEncrypt(key, v as Uint8Array, b(4), b(4)), code: 'INVALID_INPUT' },
  { fn: 'aesGcmEncrypt', arg: 'plaintext', kind: 'bytes', call: (v) => aesGcmEncrypt(key, iv, v as Uint8Array, b(4)), code: 'INVALID_INPUT' },
  { fn: 'aesGcmEncrypt', arg: 'aad', kind: 'bytes', call: (v) => aesGcmEncrypt(key, iv, b(4), v as Uint8Array), code: 'INVALID_INPUT' },
  { fn: 'aesGcmDecrypt', arg: 'key', kind: 'bytes', call: (v) => aesGcmDecrypt(v as Uint8Array, iv, sealed, b(3)), code: 'INVALID_INPUT' },
  { fn: 'aesGcmDecrypt', arg: 'iv', kind: 'bytes', call: (v) => aesGcmDecrypt(key, v as Uint8Array, sealed, b(3)), code: 'INVALID_INPUT' },
  { fn: 'aesGcmDecrypt', arg: 'sealed', kind: 'bytes', call: (v) => aesGcmDecrypt(key, iv, v as Uint8Array, b(3)), code: 'INVALID_INPUT' },
  { fn: 'aesGcmDecrypt', arg: 'aad', kind: 'bytes', call: (v) => aesGcmDecrypt(key, iv, sealed, v as Uint8Array), code: 'INVALID_INPUT' },
  { fn: 'hkdfSha256', arg: 'ikm', kind: 'bytes', call: (v) => hkdfSha256(v as Uint8Array, b(32), b(4), 32), code: 'INVALID_INPUT' },
  {
    fn: 'hkdfSha256',
    arg: 'salt',
    kind: 'bytes',
    call: (v) => hkdfSha256(b(32), v as Uint8Array, b(4), 32),
    code: 'INVALID_INPUT',
    allows: (l) => l === 'undefined', // RFC 5869 2.2: salt is optional
  },
  { fn: 'hkdfSha256', arg: 'info', kind: 'bytes', call: (v) => hkdfSha256(b(32), b(32), v as Uint8Array, 32), code: 'INVALID_INPUT' },
  { fn: 'hkdfSha256', arg: 'length', kind: 'int', call: (v) => hkdfSha256(b(32), b(32), b(4), v as number), code: 'INVALID_INPUT' },
  { fn: 'hkdfExtract', arg: 'ikm', kind: 'bytes', call: (v) => hkdfExtract(v as Uint8Array, b(32)), code: 'INVALID_INPUT' },
  {
    fn: 'hkdfExtract',
    arg: 'salt',
    kind: 'bytes',
    call: (v) => hkdfExtract(b(32), v as Uint8Array),
    code: 'INVALID_INPUT',
    allows: (l) => l === 'undefined',
  },
  { fn: 'hkdfExpand', arg: 'prk', kind: 'bytes', call: (v) => hkdfExpand(v as Uint8Array, b(4), 32), code: 'INVALID_INPUT' },
  { fn: 'hkdfExpand', arg: 'info', kind: 'bytes', call: (v) => hkdfExpand(b(32), v as Uint8Array, 32), code: 'INVALID_INPUT' },
  { fn: 'hkdfExpand', arg: 'length', kind: 'int', call: (v) => hkdfExpand(b(32), b(4), v as number), code: 'INVALID_INPUT' },
  { fn: 'verifyEd25519Strict', arg: 'publicKey', kind: 'bytes', call: (v) => verifyEd25519Strict(v as Uint8Array, msg, sig), code: 'INVALID_INPUT' },
  { fn: 'verifyEd25519Strict', arg: 'message', kind: 'bytes', call: (v) => verifyEd25519Strict(wallet.publicKey, v as Uint8Array, sig), code: 'INVALID_INPUT' },
  { fn: 'verifyEd25519Strict', arg: 'signature', kind: 'bytes', call: (v) => verifyEd25519Strict(wallet.publicKey, msg, v as Uint8Array), code: 'INVALID_INPUT' },
  { fn: 'verifyWalletSignature', arg: 'address', kind: 'string', call: (v) => verifyWalletSignature(v as string, msg, sig), code: 'INVALID_INPUT' },
  { fn: 'verifyWalletSignature', arg: 'message', kind: 'bytes', call: (v) => verifyWalletSignature(wallet.address, v as Uint8Array, sig), code: 'INVALID_INPUT' },
  { fn: 'verifyWalletSignature', arg: 'signature', kind: 'bytes', call: (v) => verifyWalletSignature(wallet.address, msg, v as Uint8Array), code: 'INVALID_INPUT' },
  { fn: 'assertWalletSignature', arg: 'address', kind: 'string', call: (v) => assertWalletSignature(v as string, msg, sig), code: 'INVALID_INPUT' },
  { fn: 'assertWalletSignature', arg: 'message', kind: 'bytes', call: (v) => assertWalletSignature(wallet.address, v as Uint8Array, sig), code: 'INVALID_INPUT' },
  { fn: 'assertWalletSignature', arg: 'signature', kind: 'bytes', call: (v) => assertWalletSignature(wallet.address, msg, v as Uint8Array), code: 'INVALID_INPUT' },
  { fn: 'decodeAddress', arg: 'address', kind: 'string', call: (v) => decodeAddress(v), code: 'INVALID_INPUT' },
  { fn: 'encodeAddress', arg: 'publicKey', kind: 'bytes', call: (v) => encodeAddress(v as Uint8Array), code: 'INVALID_INPUT' },
  { fn: 'assertStrongKey', arg: 'key', kind: 'bytes', call: (v) => assertStrongKey(v, 'PEPPER'), code: 'WEAK_KEY' },
  { fn: 'SecretBytes.from', arg: 'bytes', kind: 'bytes', call: (v) => SecretBytes.from(v as Uint8Array), code: 'INVALID_INPUT' },
  { fn: 'SecretBytes.copy', arg: 'bytes', kind: 'bytes', call: (v) => SecretBytes.copy(v as Uint8Array), code: 'INVALID_INPUT' },
  { fn: 'constantTimeEqual', arg: 'a', kind: 'bytes', call: (v) => constantTimeEqual(v as Uint8Array, b(32)), code: 'INVALID_INPUT' },
  { fn: 'constantTimeEqual', arg: 'b', kind: 'bytes', call: (v) => constantTimeEqual(b(32), v as Uint8Array), code: 'INVALID_INPUT' },
];

const TABLES = { bytes: NOT_BYTES, string: NOT_STRINGS, int: NOT_INTEGERS } as const;

describe('every public argument x every wrong-typed value', () => {
  for (const slot of slots) {
    const rows = TABLES[slot.kind].filter(([label]) => !slot.allows?.(label));
    it.each(rows.map(([label, value]) => [label, value] as const))(`${slot.fn}(${slot.arg}): %s -> ${slot.code}`, (_label, value) => {
      expectCode(() => slot.call(value), slot.code);
    });
  }
});

describe('isAddress never throws', () => {
  it.each(NOT_STRINGS.map(([l, v]) => [l, v] as const))('%s -> false', (_l, v) => {
    expect(isAddress(v)).toBe(false);
  });
});

describe('constantTimeEqual', () => {
  it('compares bytes', () => {
    const x = b(32);
    expect(constantTimeEqual(x, Uint8Array.from(x))).toBe(true);
    for (let i = 0; i < 32; i++) {
      const y = Uint8Array.from(x);
      y[i] = y[i]! ^ 1;
      expect(constantTimeEqual(x, y)).toBe(false);
    }
    expect(constantTimeEqual(x, x.subarray(0, 31))).toBe(false);
    expect(constantTimeEqual(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });
  it('two different hex strings of equal length are not "equal" (JS callers pass strings by mistake)', () => {
    // 'ab' ^ 'cd' is 0 in JS (both NaN -> 0), so an unchecked loop calls any two letter strings equal.
    const tagA = 'deadbeefcafebabe';
    const tagB = 'feedfacebeefdead';
    let result: unknown;
    try {
      result = constantTimeEqual(tagA as unknown as Uint8Array, tagB as unknown as Uint8Array);
    } catch {
      result = 'threw';
    }
    expect(result).not.toBe(true);
  });
});

describe('Buffer is accepted as bytes (decision), with the same result as Uint8Array', () => {
  it('pooled Buffers with non-zero byteOffset give the same results everywhere', () => {
    const pooled = (u: Uint8Array) => {
      const buf = Buffer.from(u); // small Buffers come from the shared pool
      return buf;
    };
    const [k, i, p, a] = [b(32), b(12), b(20), b(5)];
    const pk = pooled(k);
    expect(pk.byteOffset > 0 || pk.buffer.byteLength !== pk.length).toBe(true);
    const sealedU = aesGcmEncrypt(k, i, p, a);
    expect(toHex(aesGcmEncrypt(pk, pooled(i), pooled(p), pooled(a)))).toBe(toHex(sealedU));
    expect(toHex(aesGcmDecrypt(pk, pooled(i), pooled(sealedU), pooled(a)))).toBe(toHex(p));
    expect(toHex(hkdfSha256(pooled(k), pooled(i), pooled(a), 40))).toBe(toHex(hkdfSha256(k, i, a, 40)));
    expect(verifyEd25519Strict(pooled(wallet.publicKey), pooled(msg), pooled(sig))).toBe(true);
    expect(encodeAddress(pooled(wallet.publicKey))).toBe(wallet.address);
    expect(constantTimeEqual(pooled(k), k)).toBe(true);
    expect(SecretBytes.copy(pooled(k)).expose()).toEqual(k);
  });
});
