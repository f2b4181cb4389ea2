/**
 * Recovery keys (SPEC 6.4, 6.4.1), pinned where the behaviour tests left mutants of
 * src/vault/recovery.ts alive (issue 16 item 5): the code's grouping and zeroing, the parser's
 * limits and reasons, the scrypt bounds at their edges, the passphrase rules (length counted in
 * code points after NFKD, well-formedness) and the known answers recomputed with node:crypto.
 * Passphrase derivations use fixed salts, so the mutation runs memoize their scrypt calls.
 */
import { hkdfSync, scryptSync } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { _setRandomSourceForTests } from '../../src/_random.js';
import {
  assertScryptParams, deriveRecoveryCodeKey, deriveRecoveryPassphraseKey, generateRecoveryCode, MAX_PASSPHRASE_LENGTH, MAX_RECOVERY_CODE_INPUT,
  MIN_PASSPHRASE_LENGTH, parseRecoveryCode, RECOVERY_CODE_BYTES, RECOVERY_CODE_SYMBOLS, RECOVERY_SALT_LENGTH, SCRYPT_DEFAULTS, SCRYPT_MAX_MEMORY,
  SCRYPT_MAX_WORK, SCRYPT_MIN_LOG_N,
} from '../../src/vault/recovery.js';
import { expectCode } from '../helpers/errors.js';
import { recoveryCodeTextRef } from '../helpers/reference.js';

const OWNER = '4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T';
const SALT = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1);
const PEPPER = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff);
const FAST = { N: 2 ** 15, r: 8, p: 1 };

afterEach(() => _setRandomSourceForTests());

const lp = (s: string) => {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
};
function passphraseKeyRef(passphrase: string, salt: Uint8Array, pepper?: Uint8Array): Buffer {
  const s = scryptSync(Buffer.from(passphrase.normalize('NFKD'), 'utf8'), salt, 32, { N: FAST.N, r: FAST.r, p: FAST.p, maxmem: 300 * 2 ** 20 });
  const ikm = pepper ? Buffer.concat([s, pepper]) : s;
  const info = Buffer.concat([lp('agentvault/v1/recovery-passphrase'), lp(OWNER), Buffer.from([pepper ? 1 : 0])]);
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, 32));
}

describe('recovery code', () => {
  it('generate: 16 random bytes as 26 symbols grouped 5-5-5-5-5-1, and the bytes are zeroed', () => {
    expect([RECOVERY_CODE_BYTES, RECOVERY_CODE_SYMBOLS, RECOVERY_SALT_LENGTH, MAX_RECOVERY_CODE_INPUT]).toEqual([16, 26, 32, 64]);
    const draws: Uint8Array[] = [];
    _setRandomSourceForTests((n) => {
      const b = Uint8Array.from({ length: n }, (_, i) => (i * 17 + 5) & 0xff);
      draws.push(b);
      return b;
    });
    const code = generateRecoveryCode();
    _setRandomSourceForTests();
    const expectedText = recoveryCodeTextRef(Buffer.from(Uint8Array.from({ length: 16 }, (_, i) => (i * 17 + 5) & 0xff)));
    expect(code.exposeText()).toBe(expectedText);
    expect(code.exposeText()).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){4}-[0-9A-HJKMNP-TV-Z]$/);
    expect(draws).toHaveLength(1);
    expect(draws[0]!.every((b) => b === 0)).toBe(true);
    expect(parseRecoveryCode(code.exposeText())).toEqual(Uint8Array.from({ length: 16 }, (_, i) => (i * 17 + 5) & 0xff));
  });
  it('parse: input up to 64 characters (separators count), details name the field and the reason', () => {
    const code = recoveryCodeTextRef(Buffer.from(SALT.subarray(0, 16)));
    const padded = code + '-'.repeat(64 - code.length);
    expect(padded).toHaveLength(64);
    expect(parseRecoveryCode(padded)).toEqual(SALT.subarray(0, 16));
    const e = expectCode(() => parseRecoveryCode(padded + '-'), 'INVALID_INPUT');
    expect(e.details).toEqual({ field: 'recoveryCode', reason: 'bad-type-or-length' });
    expect(e.message).toBe('recoveryCode: expected the code as text');
    expect(expectCode(() => parseRecoveryCode(7 as never), 'INVALID_INPUT').details).toEqual({ field: 'recoveryCode', reason: 'bad-type-or-length' });
    const e2 = expectCode(() => parseRecoveryCode('U' + code.slice(1)), 'INVALID_INPUT');
    expect(e2.details).toEqual({ field: 'recoveryCode', reason: 'bad-alphabet' });
    expect(e2.message).toBe('recoveryCode: not a recovery code (Crockford base32)');
    const e3 = expectCode(() => parseRecoveryCode(code.slice(1)), 'INVALID_INPUT');
    expect(e3.details).toEqual({ field: 'recoveryCode', reason: 'bad-length' });
    expect(e3.message).toBe('recoveryCode: wrong length');
    const e4 = expectCode(() => parseRecoveryCode('0'.repeat(25) + '2'), 'INVALID_INPUT');
    expect(e4.details).toEqual({ field: 'recoveryCode', reason: 'non-zero-unused-bits' });
    expect(e4.message).toBe('recoveryCode: not a recovery code (spare bits set)');
    // Every separator, and lower case with o/i/l, anywhere.
    expect(parseRecoveryCode(code.slice(0, 3) + ' \t\r\n-' + code.slice(3))).toEqual(SALT.subarray(0, 16));
    expect(parseRecoveryCode('o'.repeat(25) + '4')).toEqual(Uint8Array.of(...new Array(15).fill(0), 1));
    expect(parseRecoveryCode('i' + '0'.repeat(25))).toEqual(Uint8Array.of(0x08, ...new Array(15).fill(0)));
    expect(parseRecoveryCode('L' + '0'.repeat(25))).toEqual(Uint8Array.of(0x08, ...new Array(15).fill(0)));
    // Every byte value position: all ones but the spare bits.
    expect(parseRecoveryCode('Z'.repeat(25) + 'W')).toEqual(new Uint8Array(16).fill(0xff));
    expect(parseRecoveryCode('Z'.repeat(25) + 'W'.toLowerCase())).toEqual(new Uint8Array(16).fill(0xff));
  });
  it('key: HKDF over the code bytes (and the pepper) as the reference computes it; the code bytes are zeroed', () => {
    const bytes = Buffer.from(SALT.subarray(0, 16));
    const code = recoveryCodeTextRef(bytes);
    const info = (peppered: boolean) => Buffer.concat([lp('agentvault/v1/recovery-code'), lp(OWNER), Buffer.from([peppered ? 1 : 0])]);
    expect(Buffer.from(deriveRecoveryCodeKey(code, SALT, OWNER).expose())).toEqual(Buffer.from(hkdfSync('sha256', bytes, SALT, info(false), 32)));
    expect(Buffer.from(deriveRecoveryCodeKey(code, SALT, OWNER, PEPPER).expose())).toEqual(
      Buffer.from(hkdfSync('sha256', Buffer.concat([bytes, PEPPER]), SALT, info(true), 32)),
    );
    expect(expectCode(() => deriveRecoveryCodeKey(code, SALT, OWNER, new Uint8Array(32)), 'WEAK_KEY').details).toEqual({ field: 'pepper' });
  });
});

describe('scrypt parameters', () => {
  it('the defaults and bounds', () => {
    expect(SCRYPT_DEFAULTS).toEqual({ N: 2 ** 17, r: 8, p: 1 });
    expect([SCRYPT_MIN_LOG_N, SCRYPT_MAX_MEMORY, SCRYPT_MAX_WORK, MIN_PASSPHRASE_LENGTH, MAX_PASSPHRASE_LENGTH]).toEqual([15, 256 * 2 ** 20, 2 ** 24, 12, 1024]);
    expect(assertScryptParams(SCRYPT_DEFAULTS)).toEqual(SCRYPT_DEFAULTS);
  });
  it('each parameter at its edges, named', () => {
    const ok = (p: { N: number; r: number; p: number }) => expect(assertScryptParams(p)).toEqual(p);
    const bad = (p: object, field: string) => expect(expectCode(() => assertScryptParams(p as never), 'INVALID_INPUT').details).toEqual({ field });
    ok({ N: 2 ** 15, r: 8, p: 1 });
    bad({ N: 2 ** 14, r: 8, p: 1 }, 'scrypt.N');
    ok({ N: 2 ** 15, r: 8, p: 16 });
    // N = 2^22 passes the range and fails the memory bound; 2^23 fails the range.
    bad({ N: 2 ** 22, r: 8, p: 1 }, 'scrypt');
    bad({ N: 2 ** 23, r: 8, p: 1 }, 'scrypt.N');
    bad({ N: 2 ** 15, r: 7, p: 1 }, 'scrypt.r');
    ok({ N: 2 ** 15, r: 32, p: 1 });
    bad({ N: 2 ** 15, r: 33, p: 1 }, 'scrypt.r');
    bad({ N: 2 ** 15, r: 8, p: 0 }, 'scrypt.p');
    bad({ N: 2 ** 15, r: 8, p: 17 }, 'scrypt.p');
    const e = expectCode(() => assertScryptParams({ N: 2 ** 15 + 2 ** 14, r: 8, p: 1 }), 'INVALID_INPUT');
    expect(e.details).toEqual({ field: 'scrypt.N' });
    expect(e.message).toBe('scrypt.N: must be a power of two');
    // Memory 128·r·(N+p+1): N = 2^18, r = 8 is just over 256 MiB; N = 2^17, r = 15 just under.
    const e2 = expectCode(() => assertScryptParams({ N: 2 ** 18, r: 8, p: 1 }), 'INVALID_INPUT');
    expect(e2.details).toEqual({ field: 'scrypt' });
    expect(e2.message).toBe('scrypt: parameters exceed the memory (256 MiB) or work (2^24) bound');
    ok({ N: 2 ** 17, r: 15, p: 1 });
    bad({ N: 2 ** 17, r: 16, p: 1 }, 'scrypt');
    // Work N·r·p: 2^16·16·16 = 2^24 exactly is allowed; 2^16·16·17 is not (and p = 17 is refused anyway).
    ok({ N: 2 ** 16, r: 16, p: 16 });
    bad({ N: 2 ** 16, r: 17, p: 16 }, 'scrypt');
    bad({ N: 2 ** 16, r: 31, p: 16 }, 'scrypt');
    // Only N, r and p come back.
    expect(assertScryptParams({ N: 2 ** 15, r: 8, p: 1, extra: 1 } as never)).toEqual({ N: 2 ** 15, r: 8, p: 1 });
  });
});

describe('recovery passphrase', () => {
  it('the key: HKDF over scrypt(NFKD(passphrase)) (and the pepper), as node:crypto computes it', () => {
    const pass = 'correct horse battery staple';
    expect(Buffer.from(deriveRecoveryPassphraseKey(pass, SALT, OWNER, FAST).expose())).toEqual(passphraseKeyRef(pass, SALT));
    expect(Buffer.from(deriveRecoveryPassphraseKey(pass, SALT, OWNER, FAST, PEPPER).expose())).toEqual(passphraseKeyRef(pass, SALT, PEPPER));
    // Composed and decomposed forms of the same text give the same key.
    const composed = 'caf\u00e9 au lait, tr\u00e8s bien';
    expect(deriveRecoveryPassphraseKey(composed, SALT, OWNER, FAST).expose()).toEqual(deriveRecoveryPassphraseKey(composed.normalize('NFD'), SALT, OWNER, FAST).expose());
  });
  it('length: at least 12 code points after NFKD, at most 1,024 UTF-16 units before', () => {
    expect(deriveRecoveryPassphraseKey('a'.repeat(12), SALT, OWNER, FAST).length).toBe(32);
    const e = expectCode(() => deriveRecoveryPassphraseKey('a'.repeat(11), SALT, OWNER, FAST), 'WEAK_KEY');
    expect(e.details).toEqual({ field: 'passphrase' });
    expect(e.message).toBe('passphrase: at least 12 characters');
    // Six 'é' are twelve code points once decomposed: accepted.
    expect(deriveRecoveryPassphraseKey('\u00e9'.repeat(6), SALT, OWNER, FAST).length).toBe(32);
    // Eleven emoji are 22 UTF-16 units but 11 code points: refused.
    expectCode(() => deriveRecoveryPassphraseKey('\u{1F600}'.repeat(11), SALT, OWNER, FAST), 'WEAK_KEY');
    expect(expectCode(() => deriveRecoveryPassphraseKey('a'.repeat(1025), SALT, OWNER, FAST), 'INVALID_INPUT').details).toEqual({ field: 'passphrase' });
    expect(expectCode(() => deriveRecoveryPassphraseKey(7 as never, SALT, OWNER, FAST), 'INVALID_INPUT').details).toEqual({ field: 'passphrase' });
  });
  it('not well-formed text (a lone surrogate) is refused before anything is derived', () => {
    const e = expectCode(() => deriveRecoveryPassphraseKey('correct horse \ud800 battery', SALT, OWNER, FAST), 'INVALID_INPUT');
    expect(e.details).toEqual({ field: 'passphrase' });
    expect(e.message).toBe('passphrase: not well-formed text');
  });
  it('bad parameters or pepper are refused by name', () => {
    expect(expectCode(() => deriveRecoveryPassphraseKey('correct horse battery staple', SALT, OWNER, { N: 2 ** 14, r: 8, p: 1 }), 'INVALID_INPUT').details).toEqual({ field: 'scrypt.N' });
    expect(expectCode(() => deriveRecoveryPassphraseKey('correct horse battery staple', SALT, OWNER, FAST, new Uint8Array(32)), 'WEAK_KEY').details).toEqual({ field: 'pepper' });
  });
  it('the intermediate buffers (password bytes, scrypt output, ikm) are zeroed', () => {
    const spy = vi.spyOn(Uint8Array.prototype, 'fill');
    deriveRecoveryPassphraseKey('correct horse battery staple', SALT, OWNER, FAST, PEPPER).dispose();
    const zeroed = spy.mock.contexts.filter((_, i) => spy.mock.calls[i]![0] === 0) as Uint8Array[];
    spy.mockRestore();
    // utf8(passphrase) (28 bytes), scrypt output (32) and scrypt output || pepper (64).
    const lengths = zeroed.map((b) => b.length);
    expect(lengths).toEqual(expect.arrayContaining([28, 32, 64]));
  });
});

describe('recovery code key: zeroing', () => {
  it('the parsed code bytes and the HKDF input are zeroed', () => {
    const code = recoveryCodeTextRef(Buffer.from(SALT.subarray(0, 16)));
    for (const [pepper, len] of [[undefined, 16], [PEPPER, 48]] as const) {
      const spy = vi.spyOn(Uint8Array.prototype, 'fill');
      deriveRecoveryCodeKey(code, SALT, OWNER, pepper).dispose();
      const zeroed = spy.mock.contexts.filter((_, i) => spy.mock.calls[i]![0] === 0) as Uint8Array[];
      spy.mockRestore();
      const lengths = zeroed.map((b) => b.length);
      expect(lengths.filter((l) => l === 16).length).toBeGreaterThanOrEqual(pepper ? 1 : 2);
      expect(lengths).toContain(len);
      expect(PEPPER.some((b) => b !== 0)).toBe(true);
    }
  });
});
