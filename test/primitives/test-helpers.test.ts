/** The shared test helpers check what they claim (a helper that cannot fail makes every test using it a tautology). */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import util from 'node:util';
import { getAddressDecoder } from '@solana/kit';
import { describe, expect, it } from 'vitest';
import { AgentvaultError } from '../../src/errors.js';
import { bigIntToLe, cat, flipBit, hex, leToBigInt, snapshot, toHex } from '../helpers/bytes.js';
import { expectCode } from '../helpers/errors.js';
import { base58Encode, expectNoSecretIn } from '../helpers/secrets.js';
import { loadWycheproof } from '../helpers/wycheproof.js';

describe('expectNoSecretIn', () => {
  const secret = new Uint8Array(randomBytes(32));
  const buf = Buffer.from(secret);
  const leaks: readonly (readonly [string, string])[] = [
    ['hex', `key=${buf.toString('hex')}`],
    ['HEX', buf.toString('hex').toUpperCase()],
    ['partial hex (8 bytes)', buf.subarray(5, 13).toString('hex')],
    ['base64', buf.toString('base64')],
    ['base64url', buf.toString('base64url')],
    ['base64 inside a longer buffer (offset 1)', Buffer.concat([Buffer.from([1]), buf, Buffer.from([2, 3])]).toString('base64')],
    ['base64 inside a longer buffer (offset 2)', Buffer.concat([Buffer.from([1, 9]), buf]).toString('base64')],
    ['base58', base58Encode(secret)],
    ['template string of Uint8Array', `${secret}`],
    ['JSON array', JSON.stringify(Array.from(secret))],
    ['JSON of Uint8Array', JSON.stringify(secret)],
    ['util.inspect of Uint8Array', util.inspect({ k: secret })],
    ['util.inspect of Buffer', util.inspect(buf)],
  ];
  it.each(leaks.map(([n, t]) => [n, t] as const))('catches %s', (_n, text) => {
    expect(() => expectNoSecretIn(text, [secret])).toThrow();
  });
  it('catches a string secret and its encodings', () => {
    const phrase = 'abandon abandon about';
    expect(() => expectNoSecretIn(`m=${phrase}`, [phrase])).toThrow();
    expect(() => expectNoSecretIn(Buffer.from(phrase).toString('base64'), [phrase])).toThrow();
  });
  it('passes text without the secret (including other random bytes in every encoding)', () => {
    const other = Buffer.from(randomBytes(32));
    expect(() =>
      expectNoSecretIn([other.toString('hex'), other.toString('base64'), util.inspect(other), `${Uint8Array.from(other)}`].join('\n'), [secret]),
    ).not.toThrow();
  });
  it('refuses secrets too short to search for', () => {
    expect(() => expectNoSecretIn('x', [new Uint8Array(4)])).toThrow(/shorter than 8/);
  });
});

describe('base58Encode (helper, independent of src)', () => {
  it('matches @solana/kit for random 32-byte values and handles leading zeros', () => {
    for (let i = 0; i < 50; i++) {
      const b = new Uint8Array(randomBytes(32));
      if (i < 5) b.fill(0, 0, i);
      expect(base58Encode(b)).toBe(getAddressDecoder().decode(b));
    }
    expect(base58Encode(new Uint8Array(32))).toBe('1'.repeat(32));
  });
});

describe('expectCode', () => {
  it('fails on no throw, on a TypeError, on a plain Error and on another code', () => {
    expect(() => expectCode(() => 1, 'INTEGRITY')).toThrow(/nothing was thrown/);
    expect(() => expectCode(() => (undefined as unknown as { x: number }).x, 'INTEGRITY')).toThrow(/TypeError/);
    expect(() => expectCode(() => { throw new Error('INTEGRITY'); }, 'INTEGRITY')).toThrow();
    expect(() => expectCode(() => { throw new AgentvaultError('KEY_MISMATCH', 'x'); }, 'INTEGRITY')).toThrow();
    expect(expectCode(() => { throw new AgentvaultError('INTEGRITY', 'x'); }, 'INTEGRITY').message).toBe('x');
  });
});

describe('byte helpers', () => {
  it('hex/toHex/cat/flipBit/leToBigInt/bigIntToLe/snapshot', () => {
    expect(toHex(hex('00ff10'))).toBe('00ff10');
    expect(() => hex('abc')).toThrow();
    expect(toHex(cat(hex('01'), hex('0203')))).toBe('010203');
    expect(toHex(flipBit(hex('0000'), 0))).toBe('0100');
    expect(toHex(flipBit(hex('0000'), 15))).toBe('0080');
    expect(leToBigInt(hex('0100'))).toBe(1n);
    expect(toHex(bigIntToLe(258n, 2))).toBe('0201');
    expect(() => bigIntToLe(1n << 16n, 2)).toThrow();
    const x = hex('0102');
    const check = snapshot(x);
    x[0] = 9;
    expect(check).toThrow(/mutated/);
  });
});

describe('loadWycheproof', () => {
  it('reports an absent folder without throwing', () => {
    const r = loadWycheproof('aes_gcm_test.json', 'aead_test_schema_v1.json', join(tmpdir(), 'no-such-wycheproof-dir'));
    expect(r.present).toBe(false);
    if (!r.present) expect(r.reason).toContain('not found');
  });
  it('throws when a present file does not match SHA256SUMS or is not listed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wp-'));
    mkdirSync(join(dir, 'testvectors_v1'));
    writeFileSync(join(dir, 'testvectors_v1', 'x.json'), '{"schema":"s"}');
    expect(() => loadWycheproof('x.json', 's', dir)).toThrow(/not listed/);
    writeFileSync(join(dir, 'SHA256SUMS'), `${'0'.repeat(64)}  testvectors_v1/x.json\n`);
    expect(() => loadWycheproof('x.json', 's', dir)).toThrow(/differs from SHA256SUMS/);
  });
});
