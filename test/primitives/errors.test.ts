/** Errors (SPEC 2; STYLE "Validation and errors"): one class, stable string codes, narrowing. */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { AgentvaultError, ERROR_CODES, type ErrorCode, fail, isAgentvaultError } from '../../src/errors.js';

/**
 * Codes that exist today. Codes are public and never renamed or removed: this list may only grow
 * (add new codes here when they are added to ERROR_CODES).
 */
const STABLE_CODES = [
  'INVALID_INPUT', 'WEAK_KEY', 'UNSUPPORTED_VERSION', 'KEY_MISMATCH', 'INTEGRITY', 'CONTEXT_MISMATCH',
  'INVALID_SIGNATURE', 'NONDETERMINISTIC_SIGNER', 'WALLET_KEY_NOT_REPRODUCED', 'RECOVERY_CODE_MISMATCH',
  'NO_RECOVERY_SLOT', 'AUTHORIZATION_REQUIRED', 'VAULT_LOCKED', 'UMK_VERSION_UNKNOWN', 'UMK_VERSION_RETIRED',
  'MESSAGE_MALFORMED', 'MESSAGE_TOO_LONG', 'MESSAGE_MISMATCH', 'ADDRESS_MISMATCH', 'DOMAIN_MISMATCH',
  'CHAIN_MISMATCH', 'PURPOSE_MISMATCH', 'NONCE_UNKNOWN', 'MESSAGE_EXPIRED', 'MESSAGE_NOT_YET_VALID',
  'MESSAGE_ISSUED_IN_FUTURE', 'LIFETIME_TOO_LONG', 'OFFCHAIN_MALFORMED', 'MNEMONIC_WORD_COUNT',
  'MNEMONIC_UNKNOWN_WORD', 'MNEMONIC_CHECKSUM', 'INVALID_PATH', 'GRANT_REVOKED', 'GRANT_KILLED',
  'GRANT_EXPIRED', 'GRANT_NOT_YET_VALID', 'GRANT_WINDOW_TOO_LONG', 'POLICY_MISMATCH', 'POLICY_INVALID',
  'POLICY_VIOLATION', 'SIGNING_REFUSED', 'UNWRAP_FAILED', 'RATE_LIMITED', 'STORE_FULL', 'STORE_UNAVAILABLE',
  'SESSION_UNKNOWN', 'SESSION_EXPIRED', 'SESSION_INVALID',
  'CLOCK_INVALID', 'STORE_NOT_PERSISTENT',
] as const satisfies readonly ErrorCode[];

describe('ERROR_CODES', () => {
  const entries = Object.entries(ERROR_CODES);
  it('every code is UPPER_SNAKE and its description a non-empty sentence', () => {
    expect(entries.length).toBeGreaterThan(0);
    for (const [code, text] of entries) {
      expect(code).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
      expect(typeof text).toBe('string');
      expect(text.trim().length, code).toBeGreaterThan(10);
    }
  });
  it('descriptions are unique (no two codes for the same failure)', () => {
    expect(new Set(entries.map(([, t]) => t)).size).toBe(entries.length);
  });
  it('no code was renamed or removed', () => {
    for (const code of STABLE_CODES) expect(Object.hasOwn(ERROR_CODES, code), code).toBe(true);
  });
});

describe('AgentvaultError', () => {
  it('has code, name, message, details; is an Error; toString shows the code', () => {
    const e = new AgentvaultError('WEAK_KEY', 'PEPPER: missing', { field: 'PEPPER' });
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe('WEAK_KEY');
    expect(e.name).toBe('AgentvaultError');
    expect(e.message).toBe('PEPPER: missing');
    expect(e.details).toEqual({ field: 'PEPPER' });
    expect(String(e)).toBe('AgentvaultError [WEAK_KEY]: PEPPER: missing');
    expect(e.stack).toContain('AgentvaultError');
  });
  it('details are a frozen copy', () => {
    const d = { field: 'x' };
    const e = new AgentvaultError('INVALID_INPUT', 'x', d);
    d.field = 'changed';
    expect(e.details).toEqual({ field: 'x' });
    expect(Object.isFrozen(e.details)).toBe(true);
    expect(new AgentvaultError('INVALID_INPUT', 'x').details).toBeUndefined();
  });
  it('keeps a cause', () => {
    const cause = new Error('low level');
    expect(new AgentvaultError('STORE_UNAVAILABLE', 'x', undefined, { cause }).cause).toBe(cause);
    expect('cause' in new AgentvaultError('STORE_UNAVAILABLE', 'x')).toBe(false);
  });
  it('fail() throws an AgentvaultError with the code', () => {
    expect(() => fail('RATE_LIMITED', 'slow down', { retryAfterSeconds: 3 })).toThrow(AgentvaultError);
    try {
      fail('RATE_LIMITED', 'slow down', { retryAfterSeconds: 3 });
    } catch (e) {
      expect(isAgentvaultError(e, 'RATE_LIMITED')).toBe(true);
      expect((e as AgentvaultError).details).toEqual({ retryAfterSeconds: 3 });
    }
  });
});

describe('isAgentvaultError', () => {
  const e: unknown = new AgentvaultError('INTEGRITY', 'decryption failed');
  it('narrows with and without a code', () => {
    expect(isAgentvaultError(e)).toBe(true);
    expect(isAgentvaultError(e, 'INTEGRITY')).toBe(true);
    expect(isAgentvaultError(e, 'KEY_MISMATCH')).toBe(false);
    if (isAgentvaultError(e)) expectTypeOf(e.code).toEqualTypeOf<ErrorCode>();
    expectTypeOf(isAgentvaultError).parameter(1).toEqualTypeOf<ErrorCode | undefined>();
  });
  it('is false for look-alikes', () => {
    const lookAlikes: unknown[] = [
      new Error('INTEGRITY'),
      Object.assign(new Error('x'), { code: 'INTEGRITY', name: 'AgentvaultError' }),
      { name: 'AgentvaultError', code: 'INTEGRITY', message: 'x' },
      'INTEGRITY',
      null,
      undefined,
    ];
    for (const v of lookAlikes) {
      expect(isAgentvaultError(v)).toBe(false);
      expect(isAgentvaultError(v, 'INTEGRITY')).toBe(false);
    }
  });
});
