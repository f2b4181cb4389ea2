/**
 * SIWS builder and strict parser (SPEC 7.1-7.3): exact layout, every field rule, every refusal.
 */
import { base58 } from '@scure/base';
import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_BYTES } from '../../src/messages/fields.js';
import { buildSiwsMessage, parseSiwsMessage, type SiwsFields } from '../../src/messages/siws.js';
import { expectCode } from '../helpers/errors.js';
import { DOMAIN, FULL_FIELDS, MIN_FIELDS, URI, enc, replaceLine, wallet } from './_fixtures.js';

const FULL_TEXT = [
  `${DOMAIN} wants you to sign in with your Solana account:`,
  wallet.address,
  '',
  'Sign in to the app. No transaction, no fee.',
  '',
  `URI: ${URI}`,
  'Version: 1',
  'Chain ID: mainnet',
  'Nonce: abcDEF0123456789',
  'Issued At: 2025-01-31T12:00:00Z',
  'Expiration Time: 2025-01-31T12:10:00Z',
  'Not Before: 2025-01-31T12:00:00Z',
  'Request ID: req-42',
  'Resources:',
  '- urn:agentvault:purpose:sign-in',
  '- https://app.example.com/terms',
].join('\n');

const MIN_TEXT = [
  `${DOMAIN} wants you to sign in with your Solana account:`,
  wallet.address,
  '',
  `URI: ${URI}`,
  'Version: 1',
  'Chain ID: devnet',
  'Nonce: abcdefgh',
  'Issued At: 2025-01-31T12:00:00.123Z',
].join('\n');

const with_ = (patch: Record<string, unknown>): SiwsFields => ({ ...FULL_FIELDS, ...patch }) as SiwsFields;

describe('buildSiwsMessage: layout', () => {
  it('writes every field in ABNF order, LF only, no trailing newline', () => {
    expect(buildSiwsMessage(FULL_FIELDS)).toBe(FULL_TEXT);
  });
  it('writes the minimal message (no statement: one blank line before the fields)', () => {
    expect(buildSiwsMessage(MIN_FIELDS)).toBe(MIN_TEXT);
  });
  it('writes an empty Resources list as a bare `Resources:` line', () => {
    expect(buildSiwsMessage({ ...MIN_FIELDS, resources: [] })).toBe(`${MIN_TEXT}\nResources:`);
  });
  it('does not mutate its input', () => {
    const f = structuredClone(FULL_FIELDS);
    buildSiwsMessage(f);
    expect(f).toEqual(FULL_FIELDS);
  });
});

// Every field must refuse every line-breaking or control character, naming the field.
const INJECTIONS: readonly (readonly [string, string])[] = [
  ['LF', '\n'],
  ['CR', '\r'],
  ['CRLF', '\r\n'],
  ['NUL', '\u0000'],
  ['TAB', '\t'],
  ['DEL', '\u007f'],
  ['NEL (U+0085)', '\u0085'],
  ['U+2028', '\u2028'],
  ['U+2029', '\u2029'],
  ['smuggled field', '\n\nURI: https://evil.example'],
];
const STRING_FIELDS = [
  'domain',
  'address',
  'statement',
  'uri',
  'version',
  'chainId',
  'nonce',
  'issuedAt',
  'expirationTime',
  'notBefore',
  'requestId',
] as const;

describe('buildSiwsMessage: newline and control characters in any field', () => {
  for (const field of STRING_FIELDS) {
    for (const [label, ch] of INJECTIONS) {
      it(`${field} + ${label} -> MESSAGE_MALFORMED naming ${field}`, () => {
        const value = String(FULL_FIELDS[field]);
        const e = expectCode(() => buildSiwsMessage(with_({ [field]: `${value}${ch}` })), 'MESSAGE_MALFORMED');
        expect(e.details?.['field']).toBe(field);
        // and at the start of the value
        const e2 = expectCode(() => buildSiwsMessage(with_({ [field]: `${ch}${value}` })), 'MESSAGE_MALFORMED');
        expect(e2.details?.['field']).toBe(field);
      });
    }
  }
  for (const [label, ch] of INJECTIONS) {
    it(`resources[1] + ${label} -> MESSAGE_MALFORMED naming resources[1]`, () => {
      const e = expectCode(
        () => buildSiwsMessage(with_({ resources: ['https://a.example', `https://b.example/${ch}x`] })),
        'MESSAGE_MALFORMED',
      );
      expect(e.details?.['field']).toBe('resources[1]');
    });
  }
});

function refuses(field: keyof SiwsFields, values: readonly unknown[]) {
  for (const v of values) {
    it(`${field} = ${JSON.stringify(v)} -> MESSAGE_MALFORMED`, () => {
      const e = expectCode(() => buildSiwsMessage(with_({ [field]: v })), 'MESSAGE_MALFORMED');
      expect(String(e.details?.['field'])).toMatch(new RegExp(`^${field}`));
    });
  }
}
function accepts(field: keyof SiwsFields, values: readonly unknown[]) {
  for (const v of values) {
    it(`${field} = ${JSON.stringify(v)} is accepted and round-trips`, () => {
      const text = buildSiwsMessage(with_({ [field]: v }));
      expect(parseSiwsMessage(text)[field]).toEqual(v);
    });
  }
}

describe('buildSiwsMessage: field grammar', () => {
  refuses('domain', [
    'https://app.example.com',
    'app.example.com/path',
    'app.example.com?x=1',
    'user@app.example.com',
    'good.example@evil.example',
    'app example.com',
    ' app.example.com',
    'APP.example.com',
    'app.example.com:0',
    'app.example.com:65536',
    'app.example.com:',
    '-app.example.com',
    'app..example.com',
    '[::1',
    'ex\u00e4mple.com',
    '',
  ]);
  accepts('domain', ['localhost', 'localhost:3000', '127.0.0.1:8080', '[::1]:3000', 'a.b.c.example.com', 'xn--bcher-kva.example']);

  const key31 = base58.encode(new Uint8Array(31).fill(7));
  const key33 = base58.encode(new Uint8Array(33).fill(7));
  refuses('address', [
    key31,
    key33,
    `${wallet.address.slice(0, -1)}0`, // '0' is not base58
    `1${wallet.address}`, // leading zero byte: 33 bytes
    '',
    'O'.repeat(44),
  ]);
  accepts('address', ['11111111111111111111111111111111']);

  refuses('statement', [
    'say "hi"',
    '100% sure',
    'caf\u00e9',
    '<script>',
    'a\\b',
    'a{b}',
    'a|b',
    'a^b',
    '`x`',
    '',
    'URI: https://evil.example',
    'Nonce: 12345678',
    'Resources: none',
    '- https://evil.example',
  ]);
  accepts('statement', ["I accept the Terms: https://app.example.com/tos?v=2#s1. (It's fine!) *+,;=@$&~_-"]);

  refuses('uri', ['app.example.com/login', 'https://app example.com', 'https://a.example/%zz', 'https://a.example/#a#b', '1http://x', '']);
  accepts('uri', ['https://app.example.com:8443/a/b?c=d#e', 'urn:agentvault:purpose:sign-in', 'http://[::1]:3000/']);

  refuses('version', ['2', '01', '1.0', '', ' 1']);
  refuses('chainId', ['Mainnet', 'mainnet-beta', 'solana:localnet', 'solana:', 'eip155:1', 'mainnet ', '']);
  accepts('chainId', ['mainnet', 'testnet', 'devnet', 'localnet', 'solana:mainnet', 'solana:testnet', 'solana:devnet']);

  refuses('nonce', ['abc1234', '123e4567-e89b-12d3-a456-426614174000', 'abcdefgh!', 'abcdefgh ', 'a'.repeat(129), '']);
  accepts('nonce', ['abcdefgh', '12345678', 'A'.repeat(128)]);

  for (const f of ['issuedAt', 'expirationTime', 'notBefore'] as const) {
    refuses(f, [
      '2025-01-31 12:00:00Z',
      '2025-01-31T12:00:00',
      '2025-01-31T12:00:00+00:00',
      '2025-01-31t12:00:00z',
      '2025-02-29T00:00:00Z',
      '2024-02-30T00:00:00Z',
      '2025-13-01T00:00:00Z',
      '2025-00-01T00:00:00Z',
      '2025-01-31T24:00:00Z',
      '2025-01-31T12:60:00Z',
      '2025-01-31T12:00:60Z',
      '2025-01-31T12:00:00.Z',
      '2025-01-31T12:00:00.1234567890Z',
      'Fri, 31 Jan 2025 12:00:00 GMT',
      '1738324800',
      '',
    ]);
  }
  accepts('issuedAt', ['2024-02-29T23:59:59.999Z', '2000-02-29T00:00:00Z', '2025-01-31T12:00:00.123456789Z']);

  refuses('requestId', ['a b', 'a/b', 'a?b', 'a#b', '%zz', '']);
  accepts('requestId', ["req-1:@!$&'()*+,;=%41"]);

  it('resources: a non-URI item -> MESSAGE_MALFORMED naming the item', () => {
    const e = expectCode(() => buildSiwsMessage(with_({ resources: ['https://a.example', 'not a uri'] })), 'MESSAGE_MALFORMED');
    expect(e.details?.['field']).toBe('resources[1]');
  });
  it('resources: not an array -> INVALID_INPUT', () => {
    expectCode(() => buildSiwsMessage(with_({ resources: 'https://a.example' })), 'INVALID_INPUT');
  });
  it('wrong-typed fields -> INVALID_INPUT (not MESSAGE_MALFORMED, not TypeError)', () => {
    for (const field of STRING_FIELDS) {
      for (const v of [42, null, {}, ['x'], Symbol('x'), new String('x')]) {
        if (v === null && ['statement', 'expirationTime', 'notBefore', 'requestId'].includes(field)) continue;
        expectCode(() => buildSiwsMessage(with_({ [field]: v })), 'INVALID_INPUT');
      }
    }
    expectCode(() => buildSiwsMessage(null as unknown as SiwsFields), 'INVALID_INPUT');
  });
  it('a required field missing -> INVALID_INPUT', () => {
    for (const f of ['domain', 'address', 'uri', 'version', 'chainId', 'nonce', 'issuedAt'] as const) {
      const copy: Record<string, unknown> = { ...FULL_FIELDS };
      delete copy[f];
      expectCode(() => buildSiwsMessage(copy as unknown as SiwsFields), 'INVALID_INPUT');
    }
  });
});

describe('buildSiwsMessage: total length', () => {
  const base = buildSiwsMessage(MIN_FIELDS);
  // `\nResources:\n- https://a.example/` + padding
  const overhead = base.length + '\nResources:\n- https://a.example/'.length;
  it(`accepts exactly ${MAX_MESSAGE_BYTES} bytes`, () => {
    const text = buildSiwsMessage({ ...MIN_FIELDS, resources: [`https://a.example/${'a'.repeat(MAX_MESSAGE_BYTES - overhead)}`] });
    expect(enc(text).length).toBe(MAX_MESSAGE_BYTES);
  });
  it(`refuses ${MAX_MESSAGE_BYTES + 1} bytes with MESSAGE_TOO_LONG`, () => {
    expectCode(
      () => buildSiwsMessage({ ...MIN_FIELDS, resources: [`https://a.example/${'a'.repeat(MAX_MESSAGE_BYTES - overhead + 1)}`] }),
      'MESSAGE_TOO_LONG',
    );
  });
});

describe('parseSiwsMessage', () => {
  it('returns exactly the fields that were built (full and minimal)', () => {
    expect(parseSiwsMessage(FULL_TEXT)).toEqual(FULL_FIELDS);
    expect(parseSiwsMessage(MIN_TEXT)).toEqual({ ...MIN_FIELDS, statement: undefined, expirationTime: undefined, notBefore: undefined, requestId: undefined, resources: undefined });
    expect(parseSiwsMessage(enc(FULL_TEXT))).toEqual(FULL_FIELDS);
  });
  it('distinguishes no Resources line from an empty one', () => {
    expect(parseSiwsMessage(`${MIN_TEXT}\nResources:`).resources).toEqual([]);
    expect(parseSiwsMessage(MIN_TEXT).resources).toBeUndefined();
  });

  const bad: readonly (readonly [string, string])[] = [
    ['trailing newline', `${FULL_TEXT}\n`],
    ['two trailing newlines', `${FULL_TEXT}\n\n`],
    ['CRLF line endings', FULL_TEXT.replaceAll('\n', '\r\n')],
    ['one CR', FULL_TEXT.replace('Version: 1', 'Version: 1\r')],
    ['leading newline', `\n${FULL_TEXT}`],
    ['duplicate Nonce', FULL_TEXT.replace('Nonce: abcDEF0123456789', 'Nonce: abcDEF0123456789\nNonce: zzzzzzzzzzzz')],
    ['duplicate URI', FULL_TEXT.replace(`URI: ${URI}`, `URI: ${URI}\nURI: https://evil.example`)],
    ['reordered: Chain ID before Version', FULL_TEXT.replace('Version: 1\nChain ID: mainnet', 'Chain ID: mainnet\nVersion: 1')],
    ['reordered: Expiration before Issued At', FULL_TEXT.replace('Issued At: 2025-01-31T12:00:00Z\nExpiration Time: 2025-01-31T12:10:00Z', 'Expiration Time: 2025-01-31T12:10:00Z\nIssued At: 2025-01-31T12:00:00Z')],
    ['reordered: Resources before Request ID', FULL_TEXT.replace('Request ID: req-42\n', '') + '\nRequest ID: req-42'],
    ['lowercase tag', FULL_TEXT.replace('URI: ', 'uri: ')],
    ['lowercase tag (Chain id)', FULL_TEXT.replace('Chain ID: ', 'Chain id: ')],
    ['unknown field', FULL_TEXT.replace('Version: 1', 'Version: 1\nFoo: bar')],
    ['tag without space', FULL_TEXT.replace('Nonce: ', 'Nonce:')],
    ['statement smuggling a URI', FULL_TEXT.replace('Sign in to the app. No transaction, no fee.', 'Sign in.\n\nURI: https://evil.example')],
    ['two statement lines', FULL_TEXT.replace('Sign in to the app. No transaction, no fee.', 'Line one\nLine two')],
    ['blank line between fields', FULL_TEXT.replace('Version: 1', '\nVersion: 1')],
    ['missing blank line after the address', FULL_TEXT.replace(`${wallet.address}\n\n`, `${wallet.address}\n`)],
    ['three newlines after the address', MIN_TEXT.replace(`${wallet.address}\n\n`, `${wallet.address}\n\n\n`)],
    ['missing Nonce', FULL_TEXT.replace('Nonce: abcDEF0123456789\n', '')],
    ['missing URI', FULL_TEXT.replace(`URI: ${URI}\n`, '')],
    ['missing Issued At', MIN_TEXT.replace('\nIssued At: 2025-01-31T12:00:00.123Z', '')],
    ['header only', `${DOMAIN} wants you to sign in with your Solana account:`],
    ['header and address only', `${DOMAIN} wants you to sign in with your Solana account:\n${wallet.address}`],
    ['Ethereum header', FULL_TEXT.replace('Solana account', 'Ethereum account')],
    ['empty domain', FULL_TEXT.replace(`${DOMAIN} wants`, ' wants')],
    ['UUID nonce', FULL_TEXT.replace('Nonce: abcDEF0123456789', 'Nonce: 123e4567-e89b-12d3-a456-426614174000')],
    ['resource without "- "', FULL_TEXT.replace('- https://app.example.com/terms', 'https://app.example.com/terms')],
    ['text after resources', `${FULL_TEXT}\nVersion: 1`],
    ['U+2028 in statement', FULL_TEXT.replace('No transaction', 'No\u2028transaction')],
    ['NUL in URI', FULL_TEXT.replace(`URI: ${URI}`, `URI: ${URI}\u0000`)],
    ['non-ASCII', FULL_TEXT.replace('Sign in', 'Sign \u00efn')],
    ['empty', ''],
    ['only newlines', '\n\n\n\n'],
  ];
  for (const [label, text] of bad) {
    it(`refuses: ${label}`, () => {
      expectCode(() => parseSiwsMessage(text), 'MESSAGE_MALFORMED');
    });
  }

  it('refuses bytes that are not UTF-8', () => {
    const bytes = enc(FULL_TEXT);
    bytes[10] = 0xc3; // a lead byte followed by ASCII
    expectCode(() => parseSiwsMessage(bytes), 'MESSAGE_MALFORMED');
    expectCode(() => parseSiwsMessage(Uint8Array.of(0xff, 0xfe)), 'MESSAGE_MALFORMED');
  });
  it('refuses a wrong-typed message with INVALID_INPUT', () => {
    for (const v of [undefined, null, 1, {}, [FULL_TEXT]]) expectCode(() => parseSiwsMessage(v as string), 'INVALID_INPUT');
  });
  it('an error names the field that failed', () => {
    const e = expectCode(() => parseSiwsMessage(replaceLine(FULL_TEXT, 'Chain ID: ', 'Chain ID: mainnet-beta')), 'MESSAGE_MALFORMED');
    expect(e.details?.['field']).toBe('chainId');
  });
});

describe('parseSiwsMessage: hostile size', () => {
  const MB = 1 << 20;
  const cases: readonly (readonly [string, () => string | Uint8Array])[] = [
    ['1 MB of one letter', () => 'a'.repeat(MB)],
    ['1 MB of newlines', () => '\n'.repeat(MB)],
    ['a valid header then 1 MB of statement', () => `${FULL_TEXT.slice(0, 120)}${'x'.repeat(MB)}`],
    ['1 MB of repeated "Resources:\\n- a:"', () => 'Resources:\n- a:\n'.repeat(MB / 16)],
    ['1 MB of bytes', () => new Uint8Array(MB).fill(0x41)],
  ];
  for (const [label, make] of cases) {
    it(`${label} -> MESSAGE_TOO_LONG, before any parsing`, () => {
      const input = make();
      // A length check first (SPEC 7.3 step 1): the size error, not a grammar error from a later step.
      // (No wall-clock bound: unit tests are not timed; linearity is by construction, one pass per line.)
      const e = expectCode(() => parseSiwsMessage(input), 'MESSAGE_TOO_LONG');
      expect(e.details?.['max']).toBe(MAX_MESSAGE_BYTES);
    });
  }
  it('the worst case within the limit (1,182 bytes of field-like lines) is refused at the first repeated tag', () => {
    const hostile = `${DOMAIN} wants you to sign in with your Solana account:\n${wallet.address}\n\n${'URI: a:\n'.repeat(200)}`.slice(0, MAX_MESSAGE_BYTES);
    expect(hostile.length).toBe(MAX_MESSAGE_BYTES);
    // Not timed (unit tests are not timed): the parser walks the lines once (SPEC 7.3 step 5) and
    // names the second URI line as duplicated.
    const e = expectCode(() => parseSiwsMessage(hostile), 'MESSAGE_MALFORMED');
    expect(e.details?.['field']).toBe('URI');
  });
});
