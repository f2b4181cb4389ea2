/**
 * Sign In With Solana text: build from validated fields, parse strictly (DESIGN 4, SPEC 7.1, 7.3).
 * Layout per the Phantom SIWS ABNF, the same bytes `@solana/wallet-standard-util`'s
 * `createSignInMessageText` writes:
 *
 * ```
 * <domain> wants you to sign in with your Solana account:
 * <address>
 *
 * <statement>            (optional, with the blank line after it)
 *
 * URI: ... / Version: 1 / Chain ID: ... / Nonce: ... / Issued At: ...
 * [Expiration Time: ...] [Not Before: ...] [Request ID: ...] [Resources:\n- <uri>...]
 * ```
 *
 * LF only, no trailing newline. The parser is line based (one pass, no backtracking regex over the
 * whole text): unknown, duplicate, reordered or lower-case field lines are errors, never folded into
 * the statement.
 * @module
 */
import { astring, decodeUtf8 } from '../_utils.js';
import { fail } from '../errors.js';
import {
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
  type ChainId,
  FIELD_TAGS,
  isBytes,
  MAX_MESSAGE_BYTES,
  MAX_RESOURCES,
} from './fields.js';

/**
 * The fields of a SIWS message, named as in `@solana/wallet-standard-features`' `SolanaSignInInput`.
 * URI, Version, Chain ID, Nonce and Issued At are required here (the Phantom field table marks them
 * required; SPEC 7.1).
 */
export interface SiwsFields {
  readonly domain: string;
  readonly address: string;
  readonly statement?: string | undefined;
  readonly uri: string;
  readonly version: '1';
  readonly chainId: ChainId;
  readonly nonce: string;
  readonly issuedAt: string;
  readonly expirationTime?: string | undefined;
  readonly notBefore?: string | undefined;
  readonly requestId?: string | undefined;
  /** `undefined`: no `Resources:` line. `[]`: a `Resources:` line with no items. */
  readonly resources?: readonly string[] | undefined;
}

const HEADER_SUFFIX = ' wants you to sign in with your Solana account:';

function malformed(why: string, field?: string): never {
  return fail('MESSAGE_MALFORMED', why, field === undefined ? undefined : { field });
}

function tooLong(bytes: number): never {
  return fail('MESSAGE_TOO_LONG', `message is ${bytes} bytes; the maximum is ${MAX_MESSAGE_BYTES}`, {
    max: MAX_MESSAGE_BYTES,
  });
}

/** Validate every field (type errors: INVALID_INPUT; grammar: MESSAGE_MALFORMED naming the field). */
export function assertSiwsFields(fields: unknown): SiwsFields {
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields))
    fail('INVALID_INPUT', 'fields: expected an object', { field: 'fields' });
  const f = fields as Record<string, unknown>;
  const opt = <T>(key: string, check: (v: unknown, name: string) => T): T | undefined =>
    f[key] === undefined ? undefined : check(f[key], key);
  return {
    domain: assertDomain(f['domain'], 'domain'),
    address: assertAddress(f['address'], 'address'),
    statement: opt('statement', assertStatement),
    uri: assertUri(f['uri'], 'uri'),
    version: assertVersion(f['version'], 'version'),
    chainId: assertChainId(f['chainId'], 'chainId'),
    nonce: assertNonce(f['nonce'], 'nonce'),
    issuedAt: assertTimestamp(f['issuedAt'], 'issuedAt'),
    expirationTime: opt('expirationTime', assertTimestamp),
    notBefore: opt('notBefore', assertTimestamp),
    requestId: opt('requestId', assertRequestId),
    resources: opt('resources', assertResources),
  };
}

/**
 * Build the exact SIWS text from fields, after validating each one. Throws `MESSAGE_MALFORMED`
 * (with `details.field`) for a field outside the grammar and `MESSAGE_TOO_LONG` above 1,182 bytes.
 * @example
 * const text = buildSiwsMessage({ domain: 'app.example', address, uri: 'https://app.example/login',
 *   version: '1', chainId: 'mainnet', nonce, issuedAt: '2025-01-31T12:00:00Z' });
 */
export function buildSiwsMessage(fields: SiwsFields): string {
  const f = assertSiwsFields(fields);
  const lines = [`${f.domain}${HEADER_SUFFIX}`, f.address, ''];
  if (f.statement !== undefined) lines.push(f.statement, '');
  lines.push(`URI: ${f.uri}`, `Version: ${f.version}`, `Chain ID: ${f.chainId}`, `Nonce: ${f.nonce}`, `Issued At: ${f.issuedAt}`);
  if (f.expirationTime !== undefined) lines.push(`Expiration Time: ${f.expirationTime}`);
  if (f.notBefore !== undefined) lines.push(`Not Before: ${f.notBefore}`);
  if (f.requestId !== undefined) lines.push(`Request ID: ${f.requestId}`);
  if (f.resources !== undefined) {
    lines.push('Resources:');
    for (const r of f.resources) lines.push(`- ${r}`);
  }
  const text = lines.join('\n');
  // All fields are ASCII (checked), so the UTF-16 length is the byte length.
  if (text.length > MAX_MESSAGE_BYTES) tooLong(text.length);
  return text;
}

/**
 * Parse SIWS text (a string, or UTF-8 bytes decoded with a fatal decoder) strictly. Returns the
 * validated fields or throws `MESSAGE_TOO_LONG` / `MESSAGE_MALFORMED`. The length is checked
 * first, so hostile input of any size costs at most one pass over 1,182 characters.
 * @example
 * const fields = parseSiwsMessage(signedText);
 */
export function parseSiwsMessage(message: string | Uint8Array): SiwsFields {
  let text: string;
  if (isBytes(message)) {
    if (message.length > MAX_MESSAGE_BYTES) tooLong(message.length);
    try {
      // Stryker disable next-line StringLiteral: equivalent, the catch below replaces decodeUtf8's error and the name it carries
      text = decodeUtf8(message, 'message');
    } catch {
      return malformed('message: not valid UTF-8', 'message');
    }
  } else {
    text = astring(message, 'message', Number.MAX_SAFE_INTEGER);
    // UTF-16 length <= UTF-8 length: a longer string is certainly too long.
    if (text.length > MAX_MESSAGE_BYTES) tooLong(text.length);
  }
  // One linear pass: only printable ASCII and LF may appear anywhere (SPEC 7.3).
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) continue;
    if (c === 0x0d) malformed('message: CR is not allowed (LF line endings only)');
    assertPrintableAscii(text[i]!, 'message');
  }
  if (text.endsWith('\n')) malformed('message: must not end with a newline');
  const lines = text.split('\n');

  const header = lines[0]!;
  if (!header.endsWith(HEADER_SUFFIX) || header.length === HEADER_SUFFIX.length)
    malformed("message: first line must be '<domain> wants you to sign in with your Solana account:'", 'domain');
  const domain = assertDomain(header.slice(0, -HEADER_SUFFIX.length), 'domain');
  if (lines.length < 2) malformed('message: missing the address line', 'address');
  const address = assertAddress(lines[1], 'address');
  // Line 2 exists whenever a field follows: a text cannot end with the blank line (no trailing LF).
  if (lines[2] !== '') malformed('message: expected a blank line after the address');

  let i = 3;
  let statement: string | undefined;
  // A statement is the one line followed by a blank line; field lines never contain a blank line.
  if (lines[4] === '') {
    statement = assertStatement(lines[3], 'statement');
    i = 5;
  }

  const values = new Map<string, string>();
  let resources: string[] | undefined;
  for (const tag of FIELD_TAGS) {
    const line = lines[i];
    if (line === undefined) break;
    if (tag === 'Resources') {
      if (line !== 'Resources:') continue;
      i++;
      resources = [];
      while (i < lines.length && lines[i]!.startsWith('- ')) {
        // The builder's limit (assertResources), so every parsed message rebuilds.
        if (resources.length === MAX_RESOURCES) malformed(`message: at most ${MAX_RESOURCES} resources`, 'resources');
        resources.push(assertUri(lines[i]!.slice(2), `resources[${resources.length}]`));
        i++;
      }
      continue;
    }
    const prefix = `${tag}: `;
    if (line.startsWith(prefix)) {
      values.set(tag, line.slice(prefix.length));
      i++;
    }
  }
  if (i < lines.length) {
    const line = lines[i]!;
    const known = FIELD_TAGS.find((t) => line.startsWith(`${t}:`));
    if (known !== undefined) malformed(`message: field '${known}' is duplicated or out of order`, known);
    if (line === '') malformed('message: unexpected blank line among the fields');
    malformed('message: unknown line among the fields (tags are case-sensitive)');
  }
  const req = (tag: string, name: string): string => {
    const v = values.get(tag);
    if (v === undefined) malformed(`message: missing required field '${tag}'`, name);
    return v;
  };
  const opt = (tag: string): string | undefined => values.get(tag);
  const expirationTime = opt('Expiration Time');
  const notBefore = opt('Not Before');
  const requestId = opt('Request ID');
  return {
    domain,
    address,
    statement,
    uri: assertUri(req('URI', 'uri'), 'uri'),
    version: assertVersion(req('Version', 'version'), 'version'),
    chainId: assertChainId(req('Chain ID', 'chainId'), 'chainId'),
    nonce: assertNonce(req('Nonce', 'nonce'), 'nonce'),
    issuedAt: assertTimestamp(req('Issued At', 'issuedAt'), 'issuedAt'),
    expirationTime: expirationTime === undefined ? undefined : assertTimestamp(expirationTime, 'expirationTime'),
    notBefore: notBefore === undefined ? undefined : assertTimestamp(notBefore, 'notBefore'),
    requestId: requestId === undefined ? undefined : assertRequestId(requestId, 'requestId'),
    resources,
  };
}
