/**
 * Field validators for Sign In With Solana messages (DESIGN 4, SPEC 7.2). Every field of the
 * Phantom SIWS ABNF is printable ASCII, so each validator first refuses anything outside
 * U+0020..U+007E (CR, LF, NUL, TAB, DEL, C1 controls, U+2028/U+2029, any non-ASCII), then checks
 * the field's own grammar. Failures throw `MESSAGE_MALFORMED` with `details.field`; a value of
 * the wrong type throws `INVALID_INPUT`. Messages name the field, never echo the value.
 * @module
 */
import { astring } from '../_utils.js';
import { fail } from '../errors.js';
import { decodeAddress } from '../primitives/address.js';

/** SPEC 7.2: the whole message fits one Ledger off-chain message v1 with one signer (1232 - 50). */
export const MAX_MESSAGE_BYTES = 1182;

/** The chain IDs the SIWS ABNF allows. */
export const CHAIN_IDS = [
  'mainnet',
  'testnet',
  'devnet',
  'localnet',
  'solana:mainnet',
  'solana:testnet',
  'solana:devnet',
] as const;

/** A SIWS chain ID (cluster). */
export type ChainId = (typeof CHAIN_IDS)[number];

/** The field tags, in the only order the ABNF allows. */
export const FIELD_TAGS = [
  'URI',
  'Version',
  'Chain ID',
  'Nonce',
  'Issued At',
  'Expiration Time',
  'Not Before',
  'Request ID',
  'Resources',
] as const;

// Per-field upper bounds (the message total is bounded by MAX_MESSAGE_BYTES anyway; these keep
// each regex run short and give a field-named error).
const MAX_DOMAIN = 255;
const MAX_URI = 1024;
const MAX_NONCE = 128;
const MAX_REQUEST_ID = 256;
/** SPEC 7.2: at most this many resources, in the builder and in the parser alike. */
export const MAX_RESOURCES = 64;

export { isBytes } from '../_utils.js';

/** A plain Uint8Array copy (Buffer#slice would return a view, not a copy). */
export function copyBytes(bytes: Uint8Array, start?: number, end?: number): Uint8Array {
  return new Uint8Array(bytes.subarray(start, end));
}

function malformed(field: string, why: string): never {
  return fail('MESSAGE_MALFORMED', `${field}: ${why}`, { field });
}

/**
 * SPEC 7.2: every field is printable ASCII. Named reasons for the characters attackers use to
 * smuggle lines (CR, LF, U+2028, U+2029) and for other controls.
 */
export function assertPrintableAscii(value: string, field: string): void {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x20 && c <= 0x7e) continue;
    if (c === 0x0a || c === 0x0d || c === 0x2028 || c === 0x2029)
      malformed(field, 'contains a line break (CR, LF, U+2028 or U+2029)');
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) malformed(field, 'contains a control character');
    malformed(field, 'contains a non-ASCII character (the SIWS grammar is ASCII)');
  }
}

function text(value: unknown, field: string, max: number): string {
  const s = astring(value, field, Math.max(max, MAX_MESSAGE_BYTES) * 2);
  assertPrintableAscii(s, field);
  if (s.length === 0) malformed(field, 'must not be empty');
  if (s.length > max) malformed(field, `longer than ${max} characters`);
  return s;
}

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const REG_NAME_RE = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);
const IPV4_RE = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const IPV6_RE = /^\[[0-9a-f:.]{2,45}\]$/;
// The WHATWG URL host parser reads a host whose last label is a number (decimal, or 0x-hex) as
// IPv4 (`127.1`, `0x7f.1` -> 127.0.0.1) or rejects it (`256.1.1.1`): never a registered name.
const NUMERIC_LABEL_RE = /^(?:\d+|0x[0-9a-f]*)$/;

/**
 * A bracketed IPv6 literal exactly as browsers report it: the WHATWG URL parser accepts it and
 * serializes it unchanged (RFC 5952 form: lower case, longest zero run compressed, no embedded
 * IPv4). `[ab]`, `[::::::]`, `[1.2.3.4]`, `[0:0:0:0:0:0:0:1]` are refused.
 */
function isCanonicalIpv6(host: string): boolean {
  if (!IPV6_RE.test(host)) return false;
  try {
    return new URL(`http://${host}/`).hostname === host;
  } catch {
    return false;
  }
}
const PORT_RE = /^(?:[1-9]\d{0,4})$/;

/**
 * Domain: the RFC 3986 `authority` of the requesting site, restricted to `host[:port]` with a
 * lowercase host, in the form a browser reports it: a DNS name whose last label is not numeric,
 * a dotted-quad IPv4 address (octets 0..255, no leading zeros), or a canonical bracketed IPv6
 * literal. No scheme, userinfo, path or whitespace: `good.example@evil.example` and
 * `https://good.example` are refused (SPEC 7.2).
 */
export function assertDomain(value: unknown, field = 'domain'): string {
  const s = text(value, field, MAX_DOMAIN);
  if (s.includes('://')) malformed(field, 'must be a host[:port], without a scheme');
  if (/[\s@/?#]/.test(s)) malformed(field, 'must be a host[:port], without whitespace, userinfo, path, query or fragment');
  let host = s;
  let port: string | undefined;
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end < 0) malformed(field, 'unterminated IPv6 literal');
    host = s.slice(0, end + 1);
    const rest = s.slice(end + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) malformed(field, 'must be a host[:port]');
      port = rest.slice(1);
    }
    if (!isCanonicalIpv6(host)) malformed(field, 'malformed or non-canonical IPv6 literal');
  } else {
    const colon = s.indexOf(':');
    if (colon >= 0) {
      host = s.slice(0, colon);
      port = s.slice(colon + 1);
    }
    const isName = REG_NAME_RE.test(host) && host.length <= 253 && !NUMERIC_LABEL_RE.test(host.slice(host.lastIndexOf('.') + 1));
    if (!(IPV4_RE.test(host) || isName))
      malformed(field, 'host must be a lowercase DNS name (last label not numeric) or a dotted-quad IPv4 or IPv6 literal');
  }
  if (port !== undefined && !(PORT_RE.test(port) && Number(port) <= 65535)) malformed(field, 'port must be 1..65535');
  return s;
}

const ADDRESS_CHARSET_RE = /^[1-9A-HJ-NP-Za-km-z]{32,44}$/;

/** Address: base58 (ABNF charset, 32..44 characters) of exactly 32 bytes, canonical encoding. */
export function assertAddress(value: unknown, field = 'address'): string {
  const s = text(value, field, 44);
  if (!ADDRESS_CHARSET_RE.test(s)) malformed(field, 'must be 32..44 base58 characters');
  try {
    decodeAddress(s, field);
  } catch {
    malformed(field, 'must be the base58 encoding of exactly 32 bytes');
  }
  return s;
}

// RFC 3986 reserved / unreserved / " ": the ABNF `message-statement` charset.
const STATEMENT_RE = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;= ]+$/;

/** The header phrase; a statement carrying it could pass for a second message on screen. */
const HEADER_PHRASE = 'wants you to sign in with your solana account';

/**
 * Statement: one line from the ABNF charset (RFC 3986 reserved, unreserved, space), without
 * leading or trailing spaces (so it is never blank and never indents a look-alike). It must not
 * begin with a field tag (`URI: ...`) or `- `, nor contain the SIWS header phrase, so no display
 * can mistake it for a field, a resource or another message (SPEC 7.2).
 */
export function assertStatement(value: unknown, field = 'statement'): string {
  const s = text(value, field, MAX_MESSAGE_BYTES);
  if (!STATEMENT_RE.test(s)) malformed(field, 'has a character outside the SIWS statement charset');
  if (s.startsWith(' ') || s.endsWith(' ')) malformed(field, 'must not begin or end with a space');
  for (const tag of FIELD_TAGS) if (s.startsWith(`${tag}:`)) malformed(field, `must not begin with the field tag '${tag}:'`);
  if (s.startsWith('- ')) malformed(field, "must not begin with '- '");
  if (s.toLowerCase().includes(HEADER_PHRASE)) malformed(field, 'must not contain the SIWS header phrase');
  return s;
}

// RFC 3986 URI: scheme ":" then unreserved / reserved / pct-encoded characters.
const URI_RE = /^[A-Za-z][A-Za-z0-9+.-]*:(?:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$/;

/**
 * URI (RFC 3986 `URI`): a scheme, then only URI characters, with well-formed percent escapes and
 * at most one `#`. Used for the `URI` field and for every resource.
 */
export function assertUri(value: unknown, field = 'uri'): string {
  const s = text(value, field, MAX_URI);
  if (!URI_RE.test(s)) malformed(field, 'must be an RFC 3986 URI (scheme ":" ...)');
  const hash = s.indexOf('#');
  if (hash >= 0 && s.indexOf('#', hash + 1) >= 0) malformed(field, "must have at most one '#'");
  return s;
}

/** Version: exactly `1`. */
export function assertVersion(value: unknown, field = 'version'): '1' {
  const s = text(value, field, 1);
  if (s !== '1') malformed(field, "must be '1'");
  return '1';
}

/** Chain ID: one of CHAIN_IDS, exactly (case-sensitive). */
export function assertChainId(value: unknown, field = 'chainId'): ChainId {
  const s = text(value, field, 16);
  if (!(CHAIN_IDS as readonly string[]).includes(s)) malformed(field, `must be one of ${CHAIN_IDS.join(', ')}`);
  return s as ChainId;
}

const NONCE_RE = /^[A-Za-z0-9]+$/;

/** Nonce: `[A-Za-z0-9]{8,128}` (a UUID, with its dashes, is refused). */
export function assertNonce(value: unknown, field = 'nonce'): string {
  const s = text(value, field, MAX_NONCE);
  if (!NONCE_RE.test(s) || s.length < 8) malformed(field, 'must be 8..128 ASCII letters and digits');
  return s;
}

const PCHARS_RE = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})+$/;

/** Request ID: one or more RFC 3986 `pchar`. */
export function assertRequestId(value: unknown, field = 'requestId'): string {
  const s = text(value, field, MAX_REQUEST_ID);
  if (!PCHARS_RE.test(s)) malformed(field, 'must be RFC 3986 pchar characters');
  return s;
}

/** Resources: an array (possibly empty) of URIs. */
export function assertResources(value: unknown, field = 'resources'): readonly string[] {
  if (!Array.isArray(value)) fail('INVALID_INPUT', `${field}: expected an array of strings`, { field });
  if (value.length > MAX_RESOURCES) malformed(field, `at most ${MAX_RESOURCES} resources`);
  return value.map((r, i) => assertUri(r, `${field}[${i}]`));
}

const TIME_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/;

/**
 * RFC 3339 `date-time` in UTC (`Z`, upper-case `T`), with optional 1..9 fraction digits; calendar
 * ranges checked (no leap second). Returns milliseconds since the epoch (fraction truncated).
 */
export function parseTimestamp(value: unknown, field = 'time'): number {
  const s = text(value, field, 40);
  const m = TIME_RE.exec(s);
  if (m === null) malformed(field, 'must be an RFC 3339 UTC time, e.g. 2025-01-31T12:00:00Z');
  const [y, mo, d, h, mi, se] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  const frac = m[7] ?? '';
  if (mo < 1 || mo > 12) malformed(field, 'month out of range');
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1]!;
  if (d < 1 || d > days) malformed(field, 'day out of range');
  if (h > 23 || mi > 59 || se > 59) malformed(field, 'time of day out of range');
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, se, Number((frac + '000').slice(0, 3)));
  return date.getTime();
}

/** Same check as `parseTimestamp`, returning the text. */
export function assertTimestamp(value: unknown, field = 'time'): string {
  parseTimestamp(value, field);
  return value as string;
}

/**
 * The canonical form the library writes: `YYYY-MM-DDTHH:MM:SSZ` (whole seconds, UTC). `ms` must
 * be a whole second within years 0000..9999.
 */
export function formatTimestamp(ms: number, field = 'time'): string {
  if (!Number.isSafeInteger(ms) || ms % 1000 !== 0 || ms < -62167219200000 || ms > 253402300799000)
    fail('INVALID_INPUT', `${field}: expected a whole second (ms since the epoch) in years 0000..9999`, { field });
  const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z for years 0000..9999
  return `${iso.slice(0, 19)}Z`;
}
