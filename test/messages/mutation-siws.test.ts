/**
 * Mutation-test follow-ups for src/messages/siws.ts (issue 16 item 5, SPEC 7.1-7.3): which field
 * (or none) and which reason each parser refusal names, the exact size limits for text and bytes,
 * the step at which a character is refused, and the builder's argument checks.
 */
import { describe, expect, it } from 'vitest';
import type { AgentvaultError } from '../../src/errors.js';
import { MAX_RESOURCES } from '../../src/messages/fields.js';
import { assertSiwsFields, buildSiwsMessage, parseSiwsMessage, type SiwsFields } from '../../src/messages/siws.js';
import { expectCode } from '../helpers/errors.js';
import { DOMAIN, FULL_FIELDS, MIN_FIELDS, URI, enc, wallet } from './_fixtures.js';

const HEADER = `${DOMAIN} wants you to sign in with your Solana account:`;
const FULL_TEXT = buildSiwsMessage(FULL_FIELDS);
const MIN_TEXT = buildSiwsMessage(MIN_FIELDS);

const refused = (text: string | Uint8Array): AgentvaultError => expectCode(() => parseSiwsMessage(text), 'MESSAGE_MALFORMED');
const lines = (...l: string[]) => l.join('\n');

describe('parseSiwsMessage: size limits (SPEC 7.3 step 1)', () => {
  it('exactly 1,182 characters or bytes parse; 1,183 are MESSAGE_TOO_LONG with max 1182, for text and bytes alike', () => {
    const pad = (n: number) => `${MIN_TEXT}\nResources:\n- a:${'b'.repeat(n - MIN_TEXT.length - '\nResources:\n- a:'.length)}`;
    const ok = pad(1182);
    expect(ok.length).toBe(1182);
    expect(parseSiwsMessage(ok).resources).toHaveLength(1);
    expect(parseSiwsMessage(enc(ok)).resources).toHaveLength(1);
    for (const input of [pad(1183), enc(pad(1183))]) {
      const e = expectCode(() => parseSiwsMessage(input), 'MESSAGE_TOO_LONG');
      expect(e.details).toEqual({ max: 1182 });
      expect(e.message).toBe('message is 1183 bytes; the maximum is 1182');
    }
  });
  it('not valid UTF-8: MESSAGE_MALFORMED naming message; wrong type: INVALID_INPUT', () => {
    const bytes = enc(MIN_TEXT);
    bytes[3] = 0xff;
    const e = refused(bytes);
    expect(e.details).toEqual({ field: 'message' });
    expect(e.message).toMatch(/not valid UTF-8/);
    expectCode(() => parseSiwsMessage(42 as never), 'INVALID_INPUT');
  });
});

describe('parseSiwsMessage: the character pass (SPEC 7.3 step 2) refuses before any field is read', () => {
  it('CR anywhere: its own reason, no field', () => {
    const e = refused(MIN_TEXT.replace('Version: 1', 'Version: 1\r'));
    expect(e.message).toMatch(/CR is not allowed/);
    expect(e.details).toBeUndefined();
  });
  it('a control character, U+2028 or a non-ASCII character inside any line is named as the message, with its reason', () => {
    const cases: [string, RegExp][] = [
      ['\t', /control character/],
      ['\u0000', /control character/],
      ['\u007f', /control character/],
      ['\u2028', /line break/],
      ['\u00e9', /non-ASCII/],
      ['\u{1F600}', /non-ASCII/],
    ];
    for (const [c, reason] of cases) {
      // In the domain (line 0) and in the nonce value: either way the message is named, not the field.
      for (const text of [MIN_TEXT.replace('app.', `a${c}pp.`), MIN_TEXT.replace('Nonce: abcdefgh', `Nonce: abcd${c}efgh`)]) {
        const e = refused(text);
        expect(e.details, JSON.stringify(c)).toEqual({ field: 'message' });
        expect(e.message).toMatch(reason);
      }
    }
  });
  it('printable ASCII at both ends of the range (space and ~) passes the character pass', () => {
    const text = MIN_TEXT.replace(`URI: ${URI}`, `URI: ${URI}~`);
    expect(parseSiwsMessage(text).uri).toBe(`${URI}~`);
  });
  it('a trailing newline: its own reason, no field', () => {
    const e = refused(`${MIN_TEXT}\n`);
    expect(e.message).toMatch(/must not end with a newline/);
    expect(e.details).toBeUndefined();
  });
});

describe('parseSiwsMessage: header, address and blank line (SPEC 7.3 step 3)', () => {
  it('a header without the suffix, or with an empty domain, names domain with the header reason', () => {
    for (const h of ['app.example.com wants you to sign in with your Ethereum account:', ' wants you to sign in with your Solana account:']) {
      const e = refused(lines(h, wallet.address, '', `URI: ${URI}`));
      expect(e.details).toEqual({ field: 'domain' });
      expect(e.message).toMatch(/first line must be/);
    }
  });
  it('a malformed domain in a well-formed header names domain with the domain reason', () => {
    const e = refused(MIN_TEXT.replace(DOMAIN, 'APP.example.com'));
    expect(e.details).toEqual({ field: 'domain' });
    expect(e.message).not.toMatch(/first line must be/);
  });
  it('header only: missing the address line, naming address', () => {
    const e = refused(HEADER);
    expect(e.details).toEqual({ field: 'address' });
    expect(e.message).toMatch(/missing the address line/);
  });
  it('a bad address names address', () => {
    expect(refused(MIN_TEXT.replace(wallet.address, 'x'.repeat(40))).details).toEqual({ field: 'address' });
  });
  it('no blank line after the address: its own reason, no field', () => {
    for (const text of [lines(HEADER, wallet.address), lines(HEADER, wallet.address, `URI: ${URI}`, 'Version: 1')]) {
      const e = refused(text);
      expect(e.message).toMatch(/expected a blank line after the address/);
      expect(e.details).toBeUndefined();
    }
  });
  it('four lines (header, address, blank, one field): the blank line is there, the missing fields are named', () => {
    const e = refused(lines(HEADER, wallet.address, '', `URI: ${URI}`));
    expect(e.details).toEqual({ field: 'version' });
    expect(e.message).toMatch(/missing required field 'Version'/);
  });
});

describe('parseSiwsMessage: statement and fields (SPEC 7.3 steps 4-6)', () => {
  it('a statement line followed by a blank line is the statement, checked as one', () => {
    const text = lines(HEADER, wallet.address, '', 'Hello there.', '', ...MIN_TEXT.split('\n').slice(3));
    expect(parseSiwsMessage(text).statement).toBe('Hello there.');
    const bad = lines(HEADER, wallet.address, '', 'Hello "there"', '', ...MIN_TEXT.split('\n').slice(3));
    expect(refused(bad).details).toEqual({ field: 'statement' });
  });
  it('each required field, when missing, is named with the tag in the message', () => {
    const req: [string, string][] = [
      ['URI', 'uri'],
      ['Version', 'version'],
      ['Chain ID', 'chainId'],
      ['Nonce', 'nonce'],
      ['Issued At', 'issuedAt'],
    ];
    for (const [tag, field] of req) {
      const text = MIN_TEXT.split('\n')
        .filter((l) => !l.startsWith(`${tag}: `))
        .join('\n');
      const e = refused(text);
      expect(e.details, tag).toEqual({ field });
      expect(e.message).toBe(`message: missing required field '${tag}'`);
    }
  });
  it('each field value outside its rule is named by its field', () => {
    const bad: [string, string, string][] = [
      [`URI: ${URI}`, 'URI: no scheme', 'uri'],
      ['Version: 1', 'Version: 2', 'version'],
      ['Chain ID: mainnet', 'Chain ID: mainnet-beta', 'chainId'],
      ['Nonce: abcDEF0123456789', 'Nonce: short', 'nonce'],
      ['Issued At: 2025-01-31T12:00:00Z', 'Issued At: 2025-01-31', 'issuedAt'],
      ['Expiration Time: 2025-01-31T12:10:00Z', 'Expiration Time: never', 'expirationTime'],
      ['Not Before: 2025-01-31T12:00:00Z', 'Not Before: 2025-02-30T00:00:00Z', 'notBefore'],
      ['Request ID: req-42', 'Request ID: a/b', 'requestId'],
      ['- https://app.example.com/terms', '- not a uri', 'resources[1]'],
      ['- urn:agentvault:purpose:sign-in', '- %', 'resources[0]'],
    ];
    for (const [from, to, field] of bad) {
      expect(FULL_TEXT).toContain(from);
      expect(refused(FULL_TEXT.replace(from, to)).details, to).toEqual({ field });
    }
  });
  it('a leftover line: a known tag is duplicated or out of order (named), a blank line or an unknown line is not a field', () => {
    const dup = refused(FULL_TEXT.replace('Version: 1', 'Version: 1\nVersion: 1'));
    expect(dup.details).toEqual({ field: 'Version' });
    expect(dup.message).toBe("message: field 'Version' is duplicated or out of order");
    const noSpace = refused(FULL_TEXT.replace('Nonce: ', 'Nonce:'));
    expect(noSpace.details).toEqual({ field: 'Nonce' });
    const blank = refused(FULL_TEXT.replace('Version: 1', 'Version: 1\n'));
    expect(blank.message).toMatch(/unexpected blank line/);
    expect(blank.details).toBeUndefined();
    const unknown = refused(FULL_TEXT.replace('Version: 1', 'Version: 1\nFoo: bar'));
    expect(unknown.message).toMatch(/unknown line among the fields/);
    expect(unknown.details).toBeUndefined();
    const lower = refused(FULL_TEXT.replace('Chain ID: ', 'chain ID: '));
    expect(lower.message).toMatch(/unknown line/);
  });
  it(`${MAX_RESOURCES} resource lines parse; the 65th is refused naming resources`, () => {
    const res = (n: number) => lines(MIN_TEXT, 'Resources:', ...Array.from({ length: n }, (_, i) => `- a:${i}`));
    expect(parseSiwsMessage(res(64)).resources).toHaveLength(64);
    const e = refused(res(65));
    expect(e.details).toEqual({ field: 'resources' });
    expect(e.message).toMatch(/at most 64 resources/);
  });
  it('resource lines end at the first line without "- ": what follows is a leftover line', () => {
    const e = refused(lines(MIN_TEXT, 'Resources:', '- a:1', 'Request ID: x'));
    expect(e.details).toEqual({ field: 'Request ID' });
  });
  it('optional fields can be left out one by one, and parse back to undefined', () => {
    for (const tag of ['Expiration Time', 'Not Before', 'Request ID']) {
      const text = FULL_TEXT.split('\n')
        .filter((l) => !l.startsWith(`${tag}: `))
        .join('\n');
      const f = parseSiwsMessage(text);
      expect(buildSiwsMessage(f)).toBe(text);
    }
  });
});

describe('buildSiwsMessage: argument checks and limits', () => {
  it('fields that are not an object (null, a string, an array) are INVALID_INPUT naming fields', () => {
    for (const v of [null, 'x', [], 7]) {
      const e = expectCode(() => buildSiwsMessage(v as never), 'INVALID_INPUT');
      expect(e.details).toEqual({ field: 'fields' });
    }
  });
  it('optional fields given as undefined are left out; each present field is checked under its own name', () => {
    const text = buildSiwsMessage({ ...MIN_FIELDS, statement: undefined, expirationTime: undefined, notBefore: undefined, requestId: undefined, resources: undefined });
    expect(text).toBe(MIN_TEXT);
    const named: [keyof SiwsFields, unknown, string][] = [
      ['statement', 'a"b', 'statement'],
      ['expirationTime', 'x', 'expirationTime'],
      ['notBefore', 'x', 'notBefore'],
      ['requestId', 'a b', 'requestId'],
      ['resources', ['x'], 'resources[0]'],
      ['version', '2', 'version'],
      ['chainId', 'x', 'chainId'],
      ['issuedAt', 'x', 'issuedAt'],
      ['nonce', 'x', 'nonce'],
      ['uri', 'x', 'uri'],
      ['address', 'x', 'address'],
      ['domain', 'X', 'domain'],
    ];
    for (const [k, v, field] of named) {
      expect(expectCode(() => buildSiwsMessage({ ...FULL_FIELDS, [k]: v } as SiwsFields), 'MESSAGE_MALFORMED').details, k).toEqual({ field });
    }
  });
  it('64 resources are written; 65 are refused naming resources', () => {
    const res = (n: number) => Array.from({ length: n }, (_, i) => `a:${i}`);
    expect(parseSiwsMessage(buildSiwsMessage({ ...MIN_FIELDS, resources: res(64) })).resources).toEqual(res(64));
    const e = expectCode(() => buildSiwsMessage({ ...MIN_FIELDS, resources: res(65) }), 'MESSAGE_MALFORMED');
    expect(e.details).toEqual({ field: 'resources' });
    expect(e.message).toMatch(/at most 64 resources/);
  });
  it('a resources value that is not an array is INVALID_INPUT naming resources', () => {
    const e = expectCode(() => buildSiwsMessage({ ...MIN_FIELDS, resources: 'a:1' as never }), 'INVALID_INPUT');
    expect(e.details).toEqual({ field: 'resources' });
  });
  it('over 1,182 characters: MESSAGE_TOO_LONG with the length in the message and max 1182', () => {
    const text = buildSiwsMessage({ ...MIN_FIELDS, resources: [`a:${'b'.repeat(1182 - MIN_TEXT.length - '\nResources:\n- a:'.length)}`] });
    expect(text.length).toBe(1182);
    const e = expectCode(
      () => buildSiwsMessage({ ...MIN_FIELDS, resources: [`a:${'b'.repeat(1183 - MIN_TEXT.length - '\nResources:\n- a:'.length)}`] }),
      'MESSAGE_TOO_LONG',
    );
    expect(e.details).toEqual({ max: 1182 });
    expect(e.message).toBe('message is 1183 bytes; the maximum is 1182');
  });
});

describe('follow-ups of the run of dbab1f0 (issue 16 item 5)', () => {
  it("fields that are not an object: INVALID_INPUT naming fields, with the text 'fields: expected an object'", () => {
    for (const f of [null, undefined, 'x', 1, [MIN_FIELDS]]) {
      for (const call of [() => assertSiwsFields(f), () => buildSiwsMessage(f as never)]) {
        const e = expectCode(call, 'INVALID_INPUT');
        expect(e.details).toEqual({ field: 'fields' });
        expect(e.message).toBe('fields: expected an object');
      }
    }
  });
  it('a message that is neither a string nor bytes: INVALID_INPUT naming message', () => {
    for (const [m, type] of [[42, 'number'], [null, 'null'], [undefined, 'undefined'], [[...enc(MIN_TEXT)], 'array']] as const) {
      const e = expectCode(() => parseSiwsMessage(m as never), 'INVALID_INPUT');
      expect(e.details).toEqual({ field: 'message' });
      expect(e.message).toBe(`message: expected string, got ${type}`);
    }
  });
});
