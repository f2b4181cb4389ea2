/**
 * SecretBytes (DESIGN 5; SPEC 3.3): never shows its bytes by accident; expose() hands them out;
 * dispose() zeroes them; from() takes ownership, copy() does not.
 */
import { randomBytes } from 'node:crypto';
import util from 'node:util';
import { describe, expect, it } from 'vitest';
import { SecretBytes } from '../../src/secret.js';
import { toHex } from '../helpers/bytes.js';
import { expectCode } from '../helpers/errors.js';
import { expectNoSecretIn } from '../helpers/secrets.js';

const fresh = () => new Uint8Array(randomBytes(32));

describe('SecretBytes: redaction', () => {
  const bytes = fresh();
  const s = SecretBytes.copy(bytes);
  const renderings: readonly (readonly [string, () => string])[] = [
    ['toString()', () => s.toString()],
    ['String()', () => String(s)],
    ['template string', () => `${s}`],
    ['string concatenation', () => '' + (s as unknown as string)],
    ['JSON.stringify', () => JSON.stringify(s)],
    ['JSON.stringify nested', () => JSON.stringify({ user: 'u', key: s, list: [s] })],
    ['util.inspect', () => util.inspect(s)],
    ['util.inspect nested', () => util.inspect({ a: { b: { key: s } } }, { depth: 10 })],
    ['util.inspect showHidden, no custom inspect', () => util.inspect(s, { showHidden: true, customInspect: false, getters: true })],
    ['util.format %o', () => util.format('%o %O %s %j', s, s, s, { s })],
    ['Object.prototype.toString', () => Object.prototype.toString.call(s)],
    ['Object.entries', () => JSON.stringify(Object.entries(s))],
    ['structuredClone', () => util.inspect(structuredClone(s as unknown as object))],
  ];
  it.each(renderings.map(([n, f]) => [n, f] as const))('%s does not contain the bytes', (_name, render) => {
    const text = render();
    expect(typeof text).toBe('string');
    expectNoSecretIn(text, [bytes], _name);
  });
  it('toString says it is redacted and gives the length only', () => {
    expect(String(s)).toBe('SecretBytes(<redacted 32 bytes>)');
    expect(JSON.stringify(s)).toBe('"<redacted>"');
    expect(s.length).toBe(32);
  });
  it('the leak checker would have caught a naive holder (the checks above can fail)', () => {
    const naive = { bytes };
    expect(() => expectNoSecretIn(util.inspect(naive), [bytes])).toThrow();
    expect(() => expectNoSecretIn(JSON.stringify(naive), [bytes])).toThrow();
    expect(() => expectNoSecretIn(`${bytes}`, [bytes])).toThrow();
  });
});

describe('SecretBytes: expose and dispose', () => {
  it('expose() returns the bytes', () => {
    const b = fresh();
    const hex = toHex(b);
    expect(toHex(SecretBytes.copy(b).expose())).toBe(hex);
    expect(toHex(SecretBytes.from(b).expose())).toBe(hex);
  });
  it('exposeText() decodes UTF-8 strictly', () => {
    expect(SecretBytes.copy(new TextEncoder().encode('abandon ability')).exposeText()).toBe('abandon ability');
    expect(() => SecretBytes.copy(Uint8Array.of(0xff, 0xfe)).exposeText()).toThrow();
  });
  it('dispose() zeroes the buffer, sets disposed, and later expose()/exposeText() throw VAULT_LOCKED', () => {
    const s = SecretBytes.copy(fresh());
    const live = s.expose();
    expect(s.disposed).toBe(false);
    s.dispose();
    expect(s.disposed).toBe(true);
    expect(live.every((x) => x === 0)).toBe(true);
    expectCode(() => s.expose(), 'VAULT_LOCKED');
    expectCode(() => s.exposeText(), 'VAULT_LOCKED');
    expect(() => s.dispose()).not.toThrow(); // idempotent
  });
});

describe('SecretBytes: ownership', () => {
  it('from() takes ownership: no copy, dispose() zeroes the caller buffer', () => {
    const b = fresh();
    const s = SecretBytes.from(b);
    expect(s.expose()).toBe(b);
    s.dispose();
    expect(b.every((x) => x === 0)).toBe(true);
  });
  it('copy() copies: later changes to the source do not reach it, dispose() leaves the source alone', () => {
    const b = fresh();
    const before = toHex(b);
    const s = SecretBytes.copy(b);
    expect(s.expose()).not.toBe(b);
    b[0] = b[0]! ^ 0xff;
    expect(toHex(s.expose())).toBe(before);
    b[0] = b[0]! ^ 0xff;
    s.dispose();
    expect(toHex(b)).toBe(before);
  });
  it('from()/copy() refuse a non-Uint8Array with INVALID_INPUT (the full table: wrong-types.test.ts)', () => {
    expectCode(() => SecretBytes.from(Array.from(fresh()) as unknown as Uint8Array), 'INVALID_INPUT');
    expectCode(() => SecretBytes.copy('secret' as unknown as Uint8Array), 'INVALID_INPUT');
  });
});
