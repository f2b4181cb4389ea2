/**
 * Exact refusals of the primitives (SPEC 2, 3.7): message, `details.field` and `details.reason` of
 * each boundary check, limits accepted at their value and refused one past it, and the noble path
 * of AES-GCM and the hashes (known answers from RFCs and node:crypto).
 */
import * as realCrypto from 'node:crypto';
import { base58, base64, base64urlnopad } from '@scure/base';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeBase58, decodeBase64, decodeBase64url } from '../../src/_encoding.js';
import { AgentvaultError } from '../../src/errors.js';
import { _setCryptoBackendForTests } from '../../src/primitives/_backend.js';
import { decode32, encode32, isCanonical32 } from '../../src/primitives/_base58.js';
import { decodeBase64url as rawDecodeBase64url, encodeBase64url } from '../../src/primitives/_base64url.js';
import { hmacSha256, hmacSha512, pbkdf2HmacSha512, sha256 } from '../../src/primitives/_native-hash.js';
import { decodeAddress, encodeAddress, isAddress } from '../../src/primitives/address.js';
import { aesGcmDecrypt, aesGcmEncrypt } from '../../src/primitives/aead.js';
import { hkdfExpand, hkdfExtract, hkdfSha256, hkdfSha256Pair } from '../../src/primitives/hkdf.js';
import { assertStrongKey, KEY_HELP } from '../../src/primitives/keys.js';
import { toHex } from '../helpers/bytes.js';

afterAll(() => _setCryptoBackendForTests());

function refusal(fn: () => unknown): AgentvaultError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AgentvaultError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}
const utf8 = (s: string) => new TextEncoder().encode(s);

describe('canonical decoders: the refusal names the field, the encoding and the rule', () => {
  it.each([
    ['base64url alphabet', () => decodeBase64url('AA==', { field: 'sig' }), 'sig: not the canonical base64url (bad-alphabet)', 'bad-alphabet'],
    ['base64url 4k+1', () => decodeBase64url('AAAAA', { field: 'sig' }), 'sig: not the canonical base64url (bad-length)', 'bad-length'],
    ['base64url unused bits (2 chars)', () => decodeBase64url('AB', { field: 'sig' }), 'sig: not the canonical base64url (non-zero-unused-bits)', 'non-zero-unused-bits'],
    ['base64url unused bits (3 chars)', () => decodeBase64url('AAB', { field: 'sig' }), 'sig: not the canonical base64url (non-zero-unused-bits)', 'non-zero-unused-bits'],
    ['base64url unused bits, - and _', () => decodeBase64url('AA-', { field: 'sig' }), 'sig: not the canonical base64url (non-zero-unused-bits)', 'non-zero-unused-bits'],
    ['base64url byte length', () => decodeBase64url('AAA', { field: 'sig' }, 1), 'sig: not the canonical base64url (bad-length)', 'bad-length'],
    ['base64 length', () => decodeBase64('AAA', { field: 'k' }), 'k: not the canonical base64 (bad-length)', 'bad-length'],
    ['base64 padding inside', () => decodeBase64('A=AA', { field: 'k' }), 'k: not the canonical base64 (bad-padding)', 'bad-padding'],
    ['base64 three pads', () => decodeBase64('A===', { field: 'k' }), 'k: not the canonical base64 (bad-padding)', 'bad-padding'],
    ['base64 alphabet', () => decodeBase64('AA_=', { field: 'k' }), 'k: not the canonical base64 (bad-alphabet)', 'bad-alphabet'],
    ['base64 unused bits, + and /', () => decodeBase64('AA+=', { field: 'k' }), 'k: not the canonical base64 (non-zero-unused-bits)', 'non-zero-unused-bits'],
    ['base64 unused bits, 2 pads', () => decodeBase64('AB==', { field: 'k' }), 'k: not the canonical base64 (non-zero-unused-bits)', 'non-zero-unused-bits'],
    ['base64 byte length', () => decodeBase64('AAA=', { field: 'k' }, 1), 'k: not the canonical base64 (bad-length)', 'bad-length'],
    ['base64 byte length, padding right for it', () => decodeBase64('AA==', { field: 'k' }, 4), 'k: not the canonical base64 (bad-length)', 'bad-length'],
    ['base58 empty', () => decodeBase58('', { field: 'a' }), 'a: not the canonical base58 (bad-alphabet)', 'bad-alphabet'],
    ['base58 alphabet', () => decodeBase58('1O', { field: 'a' }), 'a: not the canonical base58 (bad-alphabet)', 'bad-alphabet'],
    ['base58 too long for 64 bytes', () => decodeBase58('2'.repeat(89), { field: 'a' }, 64), 'a: not the canonical base58 (bad-length)', 'bad-length'],
    ['base58 63 bytes for 64', () => decodeBase58(base58.encode(new Uint8Array(63).fill(9)), { field: 'a' }, 64), 'a: not the canonical base58 (bad-length)', 'bad-length'],
    ['base58 above 2^256 in 44 characters', () => decodeBase58('z'.repeat(44), { field: 'a' }, 32), 'a: not the canonical base58 (bad-length)', 'bad-length'],
    ['base58 a leading 1 too many', () => decodeBase58('1' + base58.encode(new Uint8Array(32).fill(9)), { field: 'a' }, 32), 'a: not the canonical base58 (bad-length)', 'bad-length'],
    ['base58 too long for 32', () => decodeBase58('1'.repeat(45), { field: 'a' }, 32), 'a: not the canonical base58 (bad-length)', 'bad-length'],
  ])('%s', (_n, fn, message, reason) => {
    const e = refusal(fn);
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toBe(message);
    expect(e.details).toEqual({ field: e.message.slice(0, e.message.indexOf(':')), reason });
  });

  it('the caller picks the code and the words; without words the text says "encoding"', () => {
    const e = refusal(() => decodeBase64url('A', { code: 'INTEGRITY', field: 'mac', what: 'MAC' }));
    expect(e.code).toBe('INTEGRITY');
    expect(e.message).toBe('mac: not the canonical MAC (bad-length)');
    const u = refusal(() => decodeBase64('A', { field: 'x', what: undefined }));
    expect(u.message).toBe('x: not the canonical encoding (bad-length)');
  });

  it('exact byte lengths are accepted (ceil of 4n/3 characters; 4 ceil(n/3) with padding)', () => {
    for (const n of [0, 1, 2, 3, 4, 5, 31, 32, 33, 64]) {
      const b = Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xff);
      expect(toHex(decodeBase64url(base64urlnopad.encode(b), { field: 'x' }, n))).toBe(toHex(b));
      expect(toHex(decodeBase64(base64.encode(b), { field: 'x' }, n))).toBe(toHex(b));
      if (n > 0) {
        expect(refusal(() => decodeBase64url(base64urlnopad.encode(b), { field: 'x' }, n + 1)).details?.['reason']).toBe('bad-length');
        expect(refusal(() => decodeBase64(base64.encode(b), { field: 'x' }, n - 1)).details?.['reason']).toBe('bad-length');
      }
    }
  });

  it('base58: 64-byte values round trip at their longest (88 characters); no length: any value', () => {
    const big = new Uint8Array(64).fill(0xff);
    const text = base58.encode(big);
    expect(text.length).toBe(88);
    expect(toHex(decodeBase58(text, { field: 'a' }, 64))).toBe(toHex(big));
    const zeros = Uint8Array.of(0, 0, 5);
    expect(toHex(decodeBase58(base58.encode(zeros), { field: 'a' }))).toBe('000005');
    expect(toHex(decodeBase58('2', { field: 'a' }))).toBe('01');
    const max32 = base58.encode(new Uint8Array(32).fill(0xff));
    expect(max32.length).toBe(44);
    expect(toHex(decodeBase58(max32, { field: 'a' }, 32))).toBe('ff'.repeat(32));
  });
});

describe('the 32-byte base58 codec, called directly', () => {
  it('decode32: "char" for a character outside the alphabet (ASCII or not), "size" for empty, > 44 or > 2^256 - 1', () => {
    for (const t of ['0', 'O', 'I', 'l', '+', '\u007f', '\u0080', '2\u0080', '\u00e9', '\u0131', '2\u0000', '\uff15']) expect(decode32(t), JSON.stringify(t)).toBe('char');
    expect(decode32('')).toBe('size');
    expect(decode32('1'.repeat(45))).toBe('size');
    expect(decode32('z'.repeat(44))).toBe('size');
    expect(decode32('5'.repeat(44) + 'x')).toBe('size');
  });

  it('decode32 = @scure/base for values of every size, with and without leading ones', () => {
    const values = [
      new Uint8Array(32),
      Uint8Array.of(...new Uint8Array(31), 1),
      Uint8Array.of(...new Uint8Array(31), 58),
      new Uint8Array(32).fill(0xff),
      Uint8Array.from({ length: 32 }, (_, i) => (i * 91 + 7) & 0xff),
      Uint8Array.of(0, 0, ...Uint8Array.from({ length: 30 }, (_, i) => 255 - i)),
      Uint8Array.of(...new Uint8Array(16), ...new Uint8Array(16).fill(0x80)),
    ];
    for (const v of values) {
      const text = base58.encode(v);
      const b = decode32(text);
      expect(b instanceof Uint8Array ? toHex(b) : b).toBe(toHex(v));
      expect(encode32(v)).toBe(text);
      expect(isCanonical32(text, v)).toBe(true);
      expect(isCanonical32('1' + text, v)).toBe(false);
    }
    // Short texts decode to the value, right-aligned in 32 bytes (58^3 = 0x2fa28: a carry across the 3-digit groups).
    for (const t of ['2', '21', '211', '2111', 'z', 'zz', 'zzz', 'zzzz', 'zzzzzzz', '1z', '11zzzz'])
      expect(toHex(decode32(t) as Uint8Array), t).toBe(toHex(base58.decode(t)).replace(/^(00)*/, '').padStart(64, '0'));
    expect(isCanonical32('1'.repeat(32), new Uint8Array(32))).toBe(true);
    expect(isCanonical32('1'.repeat(33), new Uint8Array(32))).toBe(false); // zero bytes are counted up to 32 only
  });
});

describe('the raw base64url codec, called directly', () => {
  it('refuses what @scure/base refuses, by returning undefined', () => {
    for (const t of ['A', 'AAAAA', 'AB', 'AAB', 'A=', 'AA==', 'A+AA', 'AA/A', 'AAA\u00e9', 'AAA\u0080', '\u0080AAA', 'A\u0080', 'AA\u0080', 'AAA\u007f', '\u00e9AAA', 'AA\u00e9', 'A\u00e9', 'AAAA\u00e9A', 'AAAAA\u00e9A'])
      expect(rawDecodeBase64url(t), JSON.stringify(t)).toBeUndefined();
  });
  it('round trips every length 0..7 and the alphabet ends', () => {
    for (let n = 0; n < 8; n++) {
      const b = Uint8Array.from({ length: n }, (_, i) => 0xff - i * 13);
      expect(encodeBase64url(b)).toBe(base64urlnopad.encode(b));
      expect(toHex(rawDecodeBase64url(base64urlnopad.encode(b))!)).toBe(toHex(b));
    }
    expect(toHex(rawDecodeBase64url('-_-_')!)).toBe('fbffbf');
    expect(toHex(rawDecodeBase64url('_w')!)).toBe('ff');
    expect(toHex(rawDecodeBase64url('__8')!)).toBe('ffff');
  });
});

describe('addresses', () => {
  it('the argument name is the field, in the message and details, for every refusal', () => {
    const long = refusal(() => decodeAddress('2'.repeat(65), 'owner'));
    expect(long.message).toBe('owner: longer than 64 characters');
    expect(long.details).toEqual({ field: 'owner' });
    expect(refusal(() => decodeAddress('2'.repeat(64))).details).toEqual({ field: 'address', reason: 'bad-length' });
    const t = refusal(() => decodeAddress(5));
    expect(t.message).toBe('address: expected string, got number');
    const short = refusal(() => decodeAddress('1111', 'to'));
    expect(short.message).toBe('to: not the canonical base58 encoding of exactly 32 bytes (bad-length)');
    expect(short.details).toEqual({ field: 'to', reason: 'bad-length' });
    expect(refusal(() => encodeAddress(new Uint8Array(31))).message).toBe('publicKey: expected 32 bytes, got 31');
    expect(isAddress('11111111111111111111111111111111')).toBe(true);
    expect(isAddress('1111111111111111111111111111111')).toBe(false);
    expect(isAddress(undefined)).toBe(false);
  });
});

describe('assertStrongKey', () => {
  it('messages name the key and say how to make one; details name the field', () => {
    const m = refusal(() => assertStrongKey(undefined, 'PEPPER'));
    expect(m.code).toBe('WEAK_KEY');
    expect(m.message).toBe(`PEPPER: missing; ${KEY_HELP}`);
    expect(m.details).toEqual({ field: 'PEPPER' });
    const l = refusal(() => assertStrongKey(new Uint8Array(31), 'PEPPER'));
    expect(l.message).toBe(`PEPPER: must be exactly 32 bytes, got 31; ${KEY_HELP}`);
    expect(l.details).toEqual({ field: 'PEPPER' });
    const d = refusal(() => assertStrongKey(new Uint8Array(32), 'PEPPER'));
    expect(d.message).toBe(`PEPPER: too few distinct bytes to be random; ${KEY_HELP}`);
    expect(d.details).toEqual({ field: 'PEPPER' });
    expect(KEY_HELP).toContain('openssl rand -base64 32');
  });
  it('short keys need half their length in distinct values (16 at most)', () => {
    const of = (n: number, distinct: number) => Uint8Array.from({ length: n }, (_, i) => (i % distinct) + 1);
    expect(assertStrongKey(of(8, 4), 'K', 8)).toHaveLength(8);
    expect(refusal(() => assertStrongKey(of(8, 3), 'K', 8)).code).toBe('WEAK_KEY');
    expect(assertStrongKey(of(16, 8), 'K', 16)).toHaveLength(16);
    expect(refusal(() => assertStrongKey(of(16, 7), 'K', 16)).code).toBe('WEAK_KEY');
    expect(assertStrongKey(of(64, 16), 'K', 64)).toHaveLength(64);
    expect(refusal(() => assertStrongKey(of(64, 15), 'K', 64)).code).toBe('WEAK_KEY');
  });
});

describe('argument checks name the argument', () => {
  const k = new Uint8Array(32);
  const iv = new Uint8Array(12);
  const e0 = new Uint8Array(0);
  const s = 'x' as unknown as Uint8Array;
  it.each([
    ['aesGcmEncrypt key', () => aesGcmEncrypt(new Uint8Array(16), iv, e0, e0), 'key: expected 32 bytes, got 16', 'key'],
    ['aesGcmEncrypt iv', () => aesGcmEncrypt(k, new Uint8Array(16), e0, e0), 'iv: expected 12 bytes, got 16', 'iv'],
    ['aesGcmEncrypt plaintext', () => aesGcmEncrypt(k, iv, s, e0), 'plaintext: expected Uint8Array, got string', 'plaintext'],
    ['aesGcmEncrypt aad', () => aesGcmEncrypt(k, iv, e0, s), 'aad: expected Uint8Array, got string', 'aad'],
    ['aesGcmDecrypt key', () => aesGcmDecrypt(new Uint8Array(24), iv, new Uint8Array(16), e0), 'key: expected 32 bytes, got 24', 'key'],
    ['aesGcmDecrypt iv', () => aesGcmDecrypt(k, new Uint8Array(8), new Uint8Array(16), e0), 'iv: expected 12 bytes, got 8', 'iv'],
    ['aesGcmDecrypt ciphertext', () => aesGcmDecrypt(k, iv, s, e0), 'ciphertext: expected Uint8Array, got string', 'ciphertext'],
    ['aesGcmDecrypt aad', () => aesGcmDecrypt(k, iv, new Uint8Array(16), s), 'aad: expected Uint8Array, got string', 'aad'],
    ['hkdfSha256 ikm', () => hkdfSha256(s, undefined, e0, 32), 'ikm: expected Uint8Array, got string', 'ikm'],
    ['hkdfSha256 salt', () => hkdfSha256(e0, s, e0, 32), 'salt: expected Uint8Array, got string', 'salt'],
    ['hkdfSha256 info', () => hkdfSha256(e0, undefined, s, 32), 'info: expected Uint8Array, got string', 'info'],
    ['hkdfSha256 length 0', () => hkdfSha256(e0, undefined, e0, 0), 'length: must be in [1, 8160]', 'length'],
    ['hkdfSha256 length 8161', () => hkdfSha256(e0, undefined, e0, 8161), 'length: must be in [1, 8160]', 'length'],
    ['hkdfExtract ikm', () => hkdfExtract(s, undefined), 'ikm: expected Uint8Array, got string', 'ikm'],
    ['hkdfExtract salt', () => hkdfExtract(e0, s), 'salt: expected Uint8Array, got string', 'salt'],
    ['hkdfExpand prk', () => hkdfExpand(new Uint8Array(31), e0, 32), 'prk: expected 32 bytes, got 31', 'prk'],
    ['hkdfExpand info', () => hkdfExpand(k, s, 32), 'info: expected Uint8Array, got string', 'info'],
    ['hkdfExpand length 8161', () => hkdfExpand(k, e0, 8161), 'length: must be in [1, 8160]', 'length'],
    ['hkdfExpand length 0', () => hkdfExpand(k, e0, 0), 'length: must be in [1, 8160]', 'length'],
    ['sha256 data', () => sha256(s), 'data: expected Uint8Array, got string', 'data'],
    ['hmacSha256 key', () => hmacSha256(s, e0), 'key: expected Uint8Array, got string', 'key'],
    ['hmacSha256 data', () => hmacSha256(e0, s), 'data: expected Uint8Array, got string', 'data'],
    ['hmacSha512 key', () => hmacSha512(s, e0), 'key: expected Uint8Array, got string', 'key'],
    ['hmacSha512 data', () => hmacSha512(e0, s), 'data: expected Uint8Array, got string', 'data'],
    ['pbkdf2 password', () => pbkdf2HmacSha512(s, e0, 1, 64), 'password: expected Uint8Array, got string', 'password'],
    ['pbkdf2 salt', () => pbkdf2HmacSha512(e0, s, 1, 64), 'salt: expected Uint8Array, got string', 'salt'],
    ['pbkdf2 iterations', () => pbkdf2HmacSha512(e0, e0, 0, 64), 'iterations: must be in [1, 10000000]', 'iterations'],
    ['pbkdf2 length 0', () => pbkdf2HmacSha512(e0, e0, 1, 0), 'length: must be in [1, 1024]', 'length'],
    ['pbkdf2 length 1025', () => pbkdf2HmacSha512(e0, e0, 1, 1025), 'length: must be in [1, 1024]', 'length'],
  ])('%s', (_n, fn, message, field) => {
    for (const b of ['node', 'noble'] as const) {
      _setCryptoBackendForTests(b);
      const e = refusal(fn);
      expect(e.code).toBe('INVALID_INPUT');
      expect(e.message).toBe(message);
      expect(e.details).toEqual({ field });
    }
  });

  it('sealed input shorter than the tag: INVALID_INPUT before any crypto; 16 bytes is a (wrong) tag: INTEGRITY', () => {
    for (const b of ['node', 'noble'] as const) {
      _setCryptoBackendForTests(b);
      const e = refusal(() => aesGcmDecrypt(k, iv, new Uint8Array(15), e0));
      expect(e.code).toBe('INVALID_INPUT');
      expect(e.message).toBe('ciphertext: shorter than the 16-byte tag');
      expect(e.details).toBeUndefined();
      const t = refusal(() => aesGcmDecrypt(k, iv, new Uint8Array(16), e0));
      expect(t.code).toBe('INTEGRITY');
      expect(t.message).toBe('decryption failed: the data was modified or the context differs');
    }
  });

  it('limits accepted at their value: HKDF 8160 bytes (both functions), PBKDF2 1024 bytes', () => {
    for (const b of ['node', 'noble'] as const) {
      _setCryptoBackendForTests(b);
      expect(hkdfSha256(utf8('i'), undefined, e0, 8160)).toHaveLength(8160);
      expect(hkdfExpand(k, e0, 8160)).toHaveLength(8160);
      expect(hkdfExpand(k, e0, 1)).toHaveLength(1);
      const p = pbkdf2HmacSha512(utf8('p'), utf8('s'), 1, 1024);
      expect(toHex(p)).toBe(realCrypto.pbkdf2Sync('p', 's', 1, 1024, 'sha512').toString('hex'));
    }
  });
});

describe('hkdfSha256Pair names its arguments (record key and commitment, SPEC 4.3)', () => {
  const k = new Uint8Array(32);
  it.each([
    ['ikm', () => hkdfSha256Pair('x' as never, k, k, k), 'ikm: expected Uint8Array, got string', 'ikm'],
    ['salt', () => hkdfSha256Pair(k, undefined as never, k, k), 'salt: expected Uint8Array, got undefined', 'salt'],
    ['info1', () => hkdfSha256Pair(k, k, [1] as never, k), 'info: expected Uint8Array, got array', 'info'],
    ['info2', () => hkdfSha256Pair(k, k, k, null as never), 'info: expected Uint8Array, got null', 'info'],
  ])('a wrong %s: INVALID_INPUT naming it, on both backends', (_n, fn, message, field) => {
    for (const b of ['node', 'noble'] as const) {
      _setCryptoBackendForTests(b);
      const e = refusal(fn);
      expect(e.code).toBe('INVALID_INPUT');
      expect(e.message).toBe(message);
      expect(e.details).toEqual({ field });
    }
  });
});

describe('noble path: AES-256-GCM and the hashes give the node:crypto bytes', () => {
  it('AES-256-GCM seal, open, and INTEGRITY with the generic message', () => {
    _setCryptoBackendForTests('noble');
    const key = realCrypto.createHash('sha256').update('k').digest();
    const iv = Uint8Array.from({ length: 12 }, (_, i) => i);
    const aad = utf8('aad');
    const pt = utf8('noble plaintext');
    const c = realCrypto.createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
    c.setAAD(aad);
    const want = Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]).toString('hex');
    const sealed = aesGcmEncrypt(key, iv, pt, aad);
    expect(toHex(sealed)).toBe(want);
    expect(toHex(aesGcmDecrypt(key, iv, sealed, aad))).toBe(toHex(pt));
    sealed[0]! ^= 1;
    const e = refusal(() => aesGcmDecrypt(key, iv, sealed, aad));
    expect(e.code).toBe('INTEGRITY');
    expect(e.message).toBe('decryption failed: the data was modified or the context differs');
  });

  it('SHA-256, HMAC-SHA256, HMAC-SHA512, PBKDF2-HMAC-SHA512', () => {
    _setCryptoBackendForTests('noble');
    const [k, d] = [utf8('Jefe'), utf8('what do ya want for nothing?')];
    expect(toHex(sha256(utf8('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(toHex(hmacSha256(k, d))).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
    expect(toHex(hmacSha512(k, d))).toBe(realCrypto.createHmac('sha512', k).update(d).digest('hex'));
    expect(toHex(pbkdf2HmacSha512(k, d, 3, 70))).toBe(realCrypto.pbkdf2Sync(k, d, 3, 70, 'sha512').toString('hex'));
  });

  it('HKDF: RFC 5869 A.1 and A.3 (omitted salt), multi-block expand', () => {
    _setCryptoBackendForTests('noble');
    const ikm = new Uint8Array(22).fill(0x0b);
    const salt = Uint8Array.from({ length: 13 }, (_, i) => i);
    const info = Uint8Array.from({ length: 10 }, (_, i) => 0xf0 + i);
    expect(toHex(hkdfExtract(ikm, salt))).toBe('077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5');
    expect(toHex(hkdfSha256(ikm, undefined, new Uint8Array(0), 42))).toBe('8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8');
    expect(toHex(hkdfSha256(ikm, salt, info, 100))).toBe(Buffer.from(realCrypto.hkdfSync('sha256', ikm, salt, info, 100)).toString('hex'));
  });
});

describe('unused bits of every alphabet character (SPEC 3.7 rule B3)', () => {
  // RFC 4648 tables, written here, not taken from the library: a character's value is its index.
  const STD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const reason = (f: () => unknown): unknown => {
    try {
      f();
      return 'accepted';
    } catch (e) {
      return e instanceof AgentvaultError ? e.details?.['reason'] : e;
    }
  };
  it('base64: the last character of a 1-byte or 2-byte tail is refused exactly when its unused bits are not zero', () => {
    for (const [v, c] of [...STD].entries()) {
      expect(reason(() => decodeBase64(`A${c}==`, { field: 'k' })), `A${c}==`).toBe((v & 0x0f) === 0 ? 'accepted' : 'non-zero-unused-bits');
      expect(reason(() => decodeBase64(`AA${c}=`, { field: 'k' })), `AA${c}=`).toBe((v & 0x03) === 0 ? 'accepted' : 'non-zero-unused-bits');
    }
  });
  it('base64url: the same rule for its 64 characters', () => {
    for (const [v, c] of [...URL].entries()) {
      expect(reason(() => decodeBase64url(`A${c}`, { field: 'k' })), `A${c}`).toBe((v & 0x0f) === 0 ? 'accepted' : 'non-zero-unused-bits');
      expect(reason(() => decodeBase64url(`AA${c}`, { field: 'k' })), `AA${c}`).toBe((v & 0x03) === 0 ? 'accepted' : 'non-zero-unused-bits');
    }
  });
});
