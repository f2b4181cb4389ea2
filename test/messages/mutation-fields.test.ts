/**
 * Mutation-test follow-ups for src/messages/fields.ts (issue 16 item 5, SPEC 7.2): every field
 * rule at its exact boundary, the reason each refusal gives (line break / control / non-ASCII, the
 * domain's parts), the field named, and the calendar and range checks of timestamps.
 */
import { describe, expect, it } from 'vitest';
import {
  CHAIN_IDS,
  FIELD_TAGS,
  MAX_MESSAGE_BYTES,
  MAX_RESOURCES,
  assertAddress,
  assertChainId,
  assertDomain,
  assertNonce,
  assertPrintableAscii,
  assertRequestId,
  assertResources,
  assertStatement,
  assertTimestamp,
  assertUri,
  assertVersion,
  copyBytes,
  formatTimestamp,
  parseTimestamp,
} from '../../src/messages/fields.js';
import { expectCode } from '../helpers/errors.js';
import { wallet } from './_fixtures.js';

const malformed = (fn: () => unknown, field: string, reason?: RegExp) => {
  const e = expectCode(fn, 'MESSAGE_MALFORMED');
  expect(e.details).toEqual({ field });
  expect(e.message.startsWith(`${field}: `), e.message).toBe(true);
  if (reason !== undefined) expect(e.message).toMatch(reason);
  return e;
};

describe('constants', () => {
  it('limits, chain IDs and tags', () => {
    expect(MAX_MESSAGE_BYTES).toBe(1182);
    expect(MAX_RESOURCES).toBe(64);
    expect(CHAIN_IDS).toEqual(['mainnet', 'testnet', 'devnet', 'localnet', 'solana:mainnet', 'solana:testnet', 'solana:devnet']);
    expect(FIELD_TAGS).toEqual(['URI', 'Version', 'Chain ID', 'Nonce', 'Issued At', 'Expiration Time', 'Not Before', 'Request ID', 'Resources']);
  });
  it('copyBytes is a plain copy of the range', () => {
    const b = Uint8Array.of(1, 2, 3, 4);
    const c = copyBytes(b, 1, 3);
    expect(c).toEqual(Uint8Array.of(2, 3));
    b[1] = 9;
    expect(c[0]).toBe(2);
  });
});

describe('assertPrintableAscii: the reason names the kind of character', () => {
  it('U+0020..U+007E pass', () => {
    assertPrintableAscii(' ~azAZ09', 'f');
    let all = '';
    for (let c = 0x20; c <= 0x7e; c++) all += String.fromCharCode(c);
    assertPrintableAscii(all, 'f');
  });
  it('line breaks, controls (C0, DEL, C1), other non-ASCII', () => {
    const cases: [number, RegExp][] = [
      [0x0a, /line break/],
      [0x0d, /line break/],
      [0x2028, /line break/],
      [0x2029, /line break/],
      [0x00, /control character/],
      [0x09, /control character/],
      [0x1f, /control character/],
      [0x7f, /control character/],
      [0x80, /control character/],
      [0x9f, /control character/],
      [0xa0, /non-ASCII/],
      [0xe9, /non-ASCII/],
      [0x2027, /non-ASCII/],
      [0x202a, /non-ASCII/],
      [0xd800, /non-ASCII/],
    ];
    for (const [c, reason] of cases) {
      const e = malformed(() => assertPrintableAscii(`ab${String.fromCharCode(c)}`, 'f'), 'f');
      expect(e.message, c.toString(16)).toMatch(reason);
    }
  });
});

describe('string fields: type, emptiness, length (SPEC 7.2)', () => {
  it('not a string: INVALID_INPUT naming the field', () => {
    for (const fn of [assertDomain, assertAddress, assertStatement, assertUri, assertVersion, assertChainId, assertNonce, assertRequestId, assertTimestamp])
      expect(expectCode(() => fn(5 as never, 'x'), 'INVALID_INPUT').details).toEqual({ field: 'x' });
  });
  it('empty: MESSAGE_MALFORMED "must not be empty"', () => {
    for (const fn of [assertDomain, assertAddress, assertStatement, assertUri, assertVersion, assertChainId, assertNonce, assertRequestId, assertTimestamp])
      malformed(() => fn('', 'x'), 'x', /must not be empty/);
  });
  it('a string of up to 2 x 1,182 characters is judged by the field rule (MESSAGE_MALFORMED); a longer one is INVALID_INPUT', () => {
    malformed(() => assertVersion('1'.repeat(2 * 1182), 'v'), 'v', /longer than 1 characters/);
    expect(expectCode(() => assertVersion('1'.repeat(2 * 1182 + 1), 'v'), 'INVALID_INPUT').details).toEqual({ field: 'v' });
    malformed(() => assertStatement('a'.repeat(2 * 1182), 's'), 's', /longer than 1182 characters/);
    expect(expectCode(() => assertStatement('a'.repeat(2 * 1182 + 1), 's'), 'INVALID_INPUT').details).toEqual({ field: 's' });
    malformed(() => assertUri(`a:${'b'.repeat(2 * 1182 - 2)}`, 'u'), 'u', /longer than 1024 characters/);
  });
  it('length limits per field, exactly', () => {
    expect(assertStatement('a'.repeat(1182))).toHaveLength(1182);
    malformed(() => assertStatement('a'.repeat(1183)), 'statement', /longer than 1182/);
    expect(assertUri(`a:${'b'.repeat(1022)}`)).toHaveLength(1024);
    malformed(() => assertUri(`a:${'b'.repeat(1023)}`), 'uri', /longer than 1024/);
    expect(assertRequestId('r'.repeat(256))).toHaveLength(256);
    malformed(() => assertRequestId('r'.repeat(257)), 'requestId', /longer than 256/);
    expect(assertNonce('n'.repeat(128))).toHaveLength(128);
    malformed(() => assertNonce('n'.repeat(129)), 'nonce', /longer than 128/);
    malformed(() => assertAddress('1'.repeat(45)), 'address', /longer than 44/);
    malformed(() => assertChainId('solana:mainnet-xx'), 'chainId', /longer than 16/);
    malformed(() => assertChainId('solana:mainnet-x'), 'chainId', /must be one of mainnet, testnet, devnet, localnet, solana:mainnet, solana:testnet, solana:devnet/);
    malformed(() => assertTimestamp(`2025-01-31T12:00:00.${'1'.repeat(20)}Z`), 'time', /longer than 40/);
  });
});

describe('assertDomain', () => {
  const label63 = 'a'.repeat(63);
  it('255 characters in all (host of up to 253, port) are accepted; 256 are refused by length', () => {
    const host250 = [label63, label63, label63, 'a'.repeat(58)].join('.');
    expect(host250).toHaveLength(250);
    expect(assertDomain(`${host250}:8080`)).toHaveLength(255);
    malformed(() => assertDomain(`${host250}:80800`), 'domain', /longer than 255/);
  });
  it('a host of 253 characters is a name; 254 is not', () => {
    const host253 = [label63, label63, label63, 'a'.repeat(61)].join('.');
    expect(host253).toHaveLength(253);
    expect(assertDomain(host253)).toBe(host253);
    malformed(() => assertDomain(`${host253}a`), 'domain', /host must be/);
    malformed(() => assertDomain(`${'a'.repeat(64)}.example`), 'domain', /host must be/);
    expect(assertDomain(`${label63}.example`)).toBe(`${label63}.example`);
  });
  it('the reason names the part that is wrong', () => {
    malformed(() => assertDomain('https://a.example'), 'domain', /without a scheme/);
    for (const d of ['a b.example', 'u@a.example', 'a.example/p', 'a.example?q', 'a.example#f', '[::1]/p', '[::1]@x'])
      malformed(() => assertDomain(d), 'domain', /without whitespace, userinfo, path, query or fragment/);
    malformed(() => assertDomain('[::1'), 'domain', /unterminated IPv6 literal/);
    malformed(() => assertDomain('[::1]x'), 'domain', /must be a host\[:port\]$/);
    malformed(() => assertDomain('[::1]x80'), 'domain', /must be a host\[:port\]$/);
    malformed(() => assertDomain('[0:0:0:0:0:0:0:1]'), 'domain', /non-canonical IPv6/);
    malformed(() => assertDomain('A.example'), 'domain', /host must be/);
    malformed(() => assertDomain('a.example:0'), 'domain', /port must be 1\.\.65535/);
  });
  it('IPv6: canonical bracketed literals, with or without a port', () => {
    for (const d of ['[::1]', '[::]', '[::1]:1', '[2001:db8::1]:65535', '[fe80::1]']) expect(assertDomain(d)).toBe(d);
    for (const d of ['[::1]:', '[::1]:0', '[::1]:65536', '[1.2.3.4]', '[ab]', '[::FFFF]', '[:]', '[::ffff:1.2.3.4]', '[]', '[::1]]'])
      malformed(() => assertDomain(d), 'domain');
  });
  it('ports: 1..65535, no leading zero, at most 5 digits', () => {
    for (const p of ['1', '9', '80', '65535', '10000']) expect(assertDomain(`a.example:${p}`)).toBe(`a.example:${p}`);
    for (const p of ['', '0', '00', '080', '65536', '99999', '100000', 'x', '8o', '-1', '1:2'])
      malformed(() => assertDomain(`a.example:${p}`), 'domain');
  });
  it('IPv4: dotted quads 0..255 without leading zeros', () => {
    for (const d of ['0.0.0.0', '255.255.255.255', '1.2.3.4', '10.199.249.9', '249.250.251.252']) expect(assertDomain(d)).toBe(d);
    for (const d of ['256.1.1.1', '1.2.3.04', '1.2.3', '1.2.3.4.5', '1.2.3.256', '01.2.3.4', '1.2.3.260', '300.1.1.1'])
      malformed(() => assertDomain(d), 'domain', /host must be/);
  });
  it('names: lower-case labels, inner hyphens, last label not numeric', () => {
    for (const d of ['a', 'a-b.c', 'a1.b2', 'x.0xg', 'x.1a', 'a.b-1', '0x.y', 'example.a0x1']) expect(assertDomain(d)).toBe(d);
    for (const d of ['a-.b', '-a.b', 'a.-b', 'a.b-', 'a..b', '.a', 'a.', 'a_b.c', 'x.123', 'x.0x7f', 'x.0x', '127.1', '123', '0x7f.1', 'a.B'])
      malformed(() => assertDomain(d), 'domain', /host must be/);
  });
});

describe('assertAddress', () => {
  it('32..44 base58 characters of exactly 32 bytes, canonical', () => {
    expect(assertAddress(wallet.address)).toBe(wallet.address);
    expect(assertAddress('11111111111111111111111111111111')).toHaveLength(32);
    malformed(() => assertAddress('1'.repeat(31)), 'address', /must be 32\.\.44 base58 characters/);
    malformed(() => assertAddress(`${wallet.address.slice(0, -1)}l`), 'address', /must be 32\.\.44 base58 characters/);
    malformed(() => assertAddress('z'.repeat(44)), 'address', /base58 encoding of exactly 32 bytes/);
    malformed(() => assertAddress(`1${wallet.address}`.slice(0, 44)), 'address');
    expect(expectCode(() => assertAddress('x', 'signer'), 'MESSAGE_MALFORMED').details).toEqual({ field: 'signer' });
  });
});

describe('assertStatement', () => {
  it('charset, spaces at the ends, field tags, "- ", the header phrase: each with its reason', () => {
    malformed(() => assertStatement('a"b'), 'statement', /outside the SIWS statement charset/);
    malformed(() => assertStatement(' a'), 'statement', /must not begin or end with a space/);
    malformed(() => assertStatement('a '), 'statement', /must not begin or end with a space/);
    for (const tag of FIELD_TAGS) malformed(() => assertStatement(`${tag}: x`), 'statement', new RegExp(`field tag '${tag}:'`));
    malformed(() => assertStatement('Resources:x'), 'statement', /field tag 'Resources:'/);
    malformed(() => assertStatement('- x'), 'statement', /must not begin with '- '/);
    malformed(() => assertStatement('I WANTS YOU TO SIGN IN WITH YOUR SOLANA ACCOUNT'), 'statement', /header phrase/);
    malformed(() => assertStatement('x wants you to sign in with your Solana account: y'), 'statement', /header phrase/);
  });
  it('look-alikes that are not tags or the phrase are accepted', () => {
    for (const s of ['URI x', 'uri: x', 'My URI: x', '-x', 'a - b', 'wants you to sign in', 'a', 'Nonce', "a-._~:/?#[]@!$&'()*+,;= b"])
      expect(assertStatement(s)).toBe(s);
  });
});

describe('assertUri', () => {
  it('scheme, characters, percent escapes, at most one #', () => {
    for (const u of ['a:', 'a:b', 'A+.-1:x', 'https://a.example/%41%7e', 'x:#frag', "x:-._~:/?#[]@!$&'()*+,;="]) expect(assertUri(u)).toBe(u);
    for (const u of ['1a:x', ':x', 'a', 'a b:x', 'a:%4', 'a:%g1', 'a:b c', 'a:<', 'a:#b#', '-a:x', 'a_b:x'])
      malformed(() => assertUri(u), 'uri');
    malformed(() => assertUri('a:#b#c'), 'uri', /at most one '#'/);
    malformed(() => assertUri('a:b c'), 'uri', /RFC 3986 URI/);
  });
});

describe('version, chain ID, nonce, request ID, resources', () => {
  it('version', () => {
    expect(assertVersion('1')).toBe('1');
    malformed(() => assertVersion('2'), 'version', /must be '1'/);
  });
  it('chain IDs, exactly', () => {
    for (const c of CHAIN_IDS) expect(assertChainId(c)).toBe(c);
  });
  it('nonce: 8..128 letters and digits', () => {
    expect(assertNonce('aZ345678')).toBe('aZ345678');
    malformed(() => assertNonce('aZ34567'), 'nonce', /8\.\.128 ASCII letters and digits/);
    malformed(() => assertNonce('aZ34567-'), 'nonce', /8\.\.128/);
    malformed(() => assertNonce('-aZ345678'), 'nonce', /8\.\.128/);
  });
  it('request ID: pchar, percent escapes well formed', () => {
    for (const r of ['a', "a-._~!$&'()*+,;=:@", '%41', 'x%7Ey']) expect(assertRequestId(r)).toBe(r);
    for (const r of ['a/b', 'a?b', '%4', '%zz', 'a b', '[x]']) malformed(() => assertRequestId(r), 'requestId', /pchar/);
  });
  it('resources: an array of at most 64 URIs, each named by index', () => {
    expect(assertResources([])).toEqual([]);
    expect(assertResources(Array.from({ length: 64 }, (_, i) => `a:${i}`))).toHaveLength(64);
    malformed(() => assertResources(Array.from({ length: 65 }, (_, i) => `a:${i}`)), 'resources', /at most 64 resources/);
    malformed(() => assertResources(['a:1', 'a:2', 'bad'], 'res'), 'res[2]');
    const e = expectCode(() => assertResources('a:1', 'res'), 'INVALID_INPUT');
    expect(e.details).toEqual({ field: 'res' });
    expect(e.message).toMatch(/^res: expected an array of strings/);
  });
});

describe('parseTimestamp', () => {
  const ms = (s: string) => parseTimestamp(s);
  it('returns milliseconds since the epoch, fraction truncated to ms', () => {
    expect(ms('2025-01-31T12:00:00Z')).toBe(Date.UTC(2025, 0, 31, 12));
    expect(ms('1970-01-01T00:00:00Z')).toBe(0);
    expect(ms('2025-01-31T12:00:00.1Z')).toBe(Date.UTC(2025, 0, 31, 12) + 100);
    expect(ms('2025-01-31T12:00:00.12Z')).toBe(Date.UTC(2025, 0, 31, 12) + 120);
    expect(ms('2025-01-31T12:00:00.123456789Z')).toBe(Date.UTC(2025, 0, 31, 12) + 123);
    expect(ms('2025-12-31T23:59:59.999Z')).toBe(Date.UTC(2025, 11, 31, 23, 59, 59, 999));
    expect(ms('0000-01-01T00:00:00Z')).toBe(-62167219200000);
    // Years below 100 are not read as 19xx (Date.UTC would).
    expect(ms('0099-03-01T00:00:00Z')).toBe(new Date('0099-03-01T00:00:00.000Z').getTime());
    expect(ms('9999-12-31T23:59:59Z')).toBe(253402300799000);
  });
  it('months 1..12 and the days of each month, leap years by the Gregorian rule', () => {
    const days = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    for (let m = 1; m <= 12; m++) {
      const mm = String(m).padStart(2, '0');
      expect(ms(`2023-${mm}-${days[m - 1]}T00:00:00Z`)).toBe(Date.UTC(2023, m - 1, days[m - 1]!));
      malformed(() => parseTimestamp(`2023-${mm}-${days[m - 1]! + 1}T00:00:00Z`), 'time', /day out of range/);
    }
    malformed(() => parseTimestamp('2023-01-00T00:00:00Z'), 'time', /day out of range/);
    for (const y of ['2024', '2000', '1600', '0000']) expect(ms(`${y}-02-29T00:00:00Z`)).toBe(new Date(`${y}-02-29T00:00:00Z`).getTime());
    for (const y of ['2023', '1900', '2100', '0100']) malformed(() => parseTimestamp(`${y}-02-29T00:00:00Z`), 'time', /day out of range/);
    malformed(() => parseTimestamp('2023-00-10T00:00:00Z'), 'time', /month out of range/);
    malformed(() => parseTimestamp('2023-13-10T00:00:00Z'), 'time', /month out of range/);
  });
  it('time of day: hours 0..23, minutes and seconds 0..59', () => {
    expect(ms('2023-01-01T23:59:59Z')).toBe(Date.UTC(2023, 0, 1, 23, 59, 59));
    for (const t of ['24:00:00', '23:60:00', '23:59:60']) malformed(() => parseTimestamp(`2023-01-01T${t}Z`), 'time', /time of day out of range/);
  });
  it('form: upper-case T and Z, 1..9 fraction digits, nothing around it', () => {
    for (const s of ['2023-01-01t00:00:00Z', '2023-01-01T00:00:00z', '2023-01-01T00:00:00.Z', '2023-01-01T00:00:00.1234567890Z', 'x2023-01-01T00:00:00Z', '2023-01-01T00:00:00Zx', '2023-1-01T00:00:00Z', '202-01-01T00:00:00Z'])
      malformed(() => parseTimestamp(s, 'issuedAt'), 'issuedAt', /must be an RFC 3339 UTC time/);
  });
  it('assertTimestamp returns the text as written', () => {
    expect(assertTimestamp('2025-01-31T12:00:00.5Z')).toBe('2025-01-31T12:00:00.5Z');
  });
});

describe('formatTimestamp', () => {
  it('whole seconds in years 0000..9999', () => {
    expect(formatTimestamp(Date.UTC(2025, 0, 31, 12))).toBe('2025-01-31T12:00:00Z');
    expect(formatTimestamp(0)).toBe('1970-01-01T00:00:00Z');
    expect(formatTimestamp(-62167219200000)).toBe('0000-01-01T00:00:00Z');
    expect(formatTimestamp(253402300799000)).toBe('9999-12-31T23:59:59Z');
    for (const v of [-62167219201000, 253402300800000, 1500, 0.5, Number.NaN, 2 ** 53]) {
      const e = expectCode(() => formatTimestamp(v, 'when'), 'INVALID_INPUT');
      expect(e.details).toEqual({ field: 'when' });
      expect(e.message).toMatch(/^when: expected a whole second/);
    }
  });
});

describe('follow-ups of the run of dbab1f0 (issue 16 item 5)', () => {
  it("formatTimestamp without a field name names 'time'", () => {
    for (const v of [0.5, 1500, 253402300800000, Number.NaN]) {
      const e = expectCode(() => formatTimestamp(v), 'INVALID_INPUT');
      expect(e.details).toEqual({ field: 'time' });
      expect(e.message).toBe('time: expected a whole second (ms since the epoch) in years 0000..9999');
    }
  });
});
