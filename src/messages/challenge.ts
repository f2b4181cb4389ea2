/**
 * Challenges: issue a SIWS message for a purpose, verify the wallet's signature over it (DESIGN 4,
 * SPEC 7.5, 7.6). Verification is by reconstruction and fails closed: the server keeps the issued
 * fields under a hash of the nonce and the signing address, rebuilds the exact text from them and
 * requires byte equality with what was signed; every expectation is mandatory; the nonce is
 * consumed atomically, once.
 * @module
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { decodeBase58, decodeBase64 } from '../_encoding.js';
import { aoptions } from '../_options.js';
import { decodeUtf8, equalBytes, utf8 } from '../_utils.js';
import { randomBytes } from '../_random.js';
import { fail } from '../errors.js';
import { verifyEd25519Strict } from '../primitives/ed25519.js';
import { decodeAddress } from '../primitives/address.js';
import type { NonceStore } from '../stores/types.js';
import { _brandVerifiedMessage, type SignedAs, type VerifiedMessage } from './authorization.js';
import {
  assertAddress,
  assertChainId,
  assertDomain,
  assertRequestId,
  assertResources,
  assertUri,
  type ChainId,
  copyBytes,
  formatTimestamp,
  isBytes,
  MAX_MESSAGE_BYTES,
  parseTimestamp,
} from './fields.js';
import { isOffchainMessage, parseOffchainMessage } from './offchain.js';
import {
  checkLifetime,
  type GrantRequest,
  type Purpose,
  type PurposeDefinition,
  readSignedPurpose,
  resolvePurpose,
  URN_PREFIX,
} from './purposes.js';
import { buildSiwsMessage, parseSiwsMessage } from './siws.js';

/** Default allowed clock skew between issuer, wallet and verifier. */
export const DEFAULT_SKEW_MS = 60_000;
/** The largest skew a caller may configure. */
export const MAX_SKEW_MS = 5 * 60_000;
/** Nonce length in base62 characters (24 * log2(62) ~ 142.9 bits of entropy, >= 128 as DESIGN 4 asks). */
export const NONCE_LENGTH = 24;
const SIGNATURE_LENGTH = 64;
const STORED_VERSION = 1;
/** Envelope with one signer and a maximal body: the most `signedBytes` verification reads. */
const MAX_SIGNED_BYTES = 16 + 2 + 32 + MAX_MESSAGE_BYTES;

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A fresh `[A-Za-z0-9]{24}` nonce from the CSPRNG (rejection sampling: no modulo bias). */
function generateNonce(): string {
  let out = '';
  while (out.length < NONCE_LENGTH) {
    for (const b of randomBytes(32)) {
      if (b < 248 && out.length < NONCE_LENGTH) out += BASE62[b % 62];
    }
  }
  return out;
}

const NONCE_HASH_TAG = 'agentvault:siws-nonce:v1\n';

/**
 * SPEC 7.5: the store key of a challenge, bound to the wallet that must sign it:
 * `hex(SHA-256("agentvault:siws-nonce:v1\n" || address || "\n" || nonce))`, 64 lower-case hex
 * digits. The nonce itself is never stored. Keying on the address too means a message that copies
 * a victim's nonce under another (attacker-signed) address looks up a different key and can never
 * consume the victim's challenge (SPEC 7.6).
 */
export function nonceHash(nonce: string, address: string): string {
  if (typeof nonce !== 'string' || nonce === '') fail('INVALID_INPUT', 'nonce: expected a non-empty string', { field: 'nonce' });
  if (typeof address !== 'string' || address === '')
    fail('INVALID_INPUT', 'address: expected a non-empty string', { field: 'address' });
  return bytesToHex(sha256(utf8(`${NONCE_HASH_TAG}${address}\n${nonce}`)));
}

function aNow(value: unknown, field = 'now'): number {
  if (value === undefined) return Date.now();
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    fail('INVALID_INPUT', `${field}: expected ms since the epoch (a non-negative integer)`, { field });
  return value;
}

function aStore(value: unknown): NonceStore {
  const s = value as NonceStore | null | undefined;
  if (typeof s !== 'object' || s === null || typeof s.issue !== 'function' || typeof s.consume !== 'function')
    fail('INVALID_INPUT', 'nonces: expected a NonceStore (issue, consume)', { field: 'nonces' });
  return s;
}

/** Options of `issueChallenge`. */
export interface IssueChallengeOptions {
  readonly purpose: Purpose;
  /** The requesting site's host[:port], exactly as the browser reports it. */
  readonly domain: string;
  /** The URI the sign-in is for; an http(s) URI must name the same host[:port] as `domain`. */
  readonly uri: string;
  readonly chain: ChainId;
  /** The wallet that must sign. */
  readonly address: string;
  readonly nonces: NonceStore;
  /** Clock (ms since the epoch); default `Date.now()`. Issued At is this, truncated to the second. */
  readonly now?: number;
  /** Message lifetime; default and hard maximum per purpose (SPEC 7.4). Whole seconds. */
  readonly lifetimeMs?: number;
  /** Optional message Not Before (ms, whole seconds), before the expiration time. */
  readonly notBefore?: number;
  readonly requestId?: string;
  /** Extra app resources (URIs), after the library's URNs. `urn:agentvault:` is reserved. */
  readonly resources?: readonly string[];
  /** enable-execution only: bot, agent wallet address, policy hash and grant window. */
  readonly grant?: GrantRequest;
  /** enable-execution only: hard maximum grant window; default 7 days, at most 90 days. */
  readonly maxGrantWindowMs?: number;
  /** App-defined purposes (from `definePurpose`). */
  readonly purposes?: readonly PurposeDefinition[];
}

/** What `issueChallenge` returns: send `message` to the wallet to sign. */
export interface Challenge {
  /** The exact SIWS text to sign. */
  readonly message: string;
  readonly nonce: string;
  /** Issued At, ms since the epoch. */
  readonly issuedAt: number;
  /** Expiration Time, ms since the epoch. */
  readonly expiresAt: number;
}

/** The challenge state kept in the nonce store (SPEC 7.5). JSON, keys in this order. */
interface StoredChallenge {
  readonly v: 1;
  readonly purpose: string;
  readonly domain: string;
  readonly uri: string;
  readonly chain: ChainId;
  readonly address: string;
  readonly statement: string;
  readonly issuedAt: string;
  readonly expirationTime: string;
  readonly notBefore: string | null;
  readonly requestId: string | null;
  readonly resources: readonly string[];
  readonly params: Readonly<Record<string, string>>;
}

function textOf(s: StoredChallenge, nonce: string): string {
  return buildSiwsMessage({
    domain: s.domain,
    address: s.address,
    statement: s.statement,
    uri: s.uri,
    version: '1',
    chainId: s.chain,
    nonce,
    issuedAt: s.issuedAt,
    expirationTime: s.expirationTime,
    notBefore: s.notBefore ?? undefined,
    requestId: s.requestId ?? undefined,
    resources: s.resources,
  });
}

/**
 * Issue a challenge: a fresh nonce, the SIWS text for `purpose`, and the expected fields stored
 * under the hash of the nonce and address until the message expires (plus the maximum skew).
 * @example
 * const { message } = await issueChallenge({ purpose: 'unlock', domain: 'app.example',
 *   uri: 'https://app.example/vault', chain: 'mainnet', address, nonces });
 */
const ISSUE_KEYS = [
  'purpose', 'domain', 'uri', 'chain', 'address', 'nonces', 'now', 'lifetimeMs', 'notBefore', 'requestId', 'resources',
  'grant', 'maxGrantWindowMs', 'purposes',
] as const satisfies readonly (keyof IssueChallengeOptions)[];

export async function issueChallenge(options: IssueChallengeOptions): Promise<Challenge> {
  // SPEC 7.5: unknown keys are refused (a `statement` typo must not be silently dropped: the
  // statement of a built-in purpose is fixed by the library, of an app purpose by definePurpose).
  const o = aoptions(options, 'options', ISSUE_KEYS) as Partial<IssueChallengeOptions>;
  const nonces = aStore(o.nonces);
  const now = aNow(o.now);
  const issuedAtMs = Math.floor(now / 1000) * 1000;
  const domain = assertDomain(o.domain, 'domain');
  const uri = assertUri(o.uri, 'uri');
  const authority = /^https?:\/\/([^/?#]*)/i.exec(uri);
  if (/^https?:/i.test(uri) && (authority === null || authority[1] !== domain))
    fail('INVALID_INPUT', 'uri: an http(s) URI must name the same host[:port] as domain', { field: 'uri' });
  const chain = assertChainId(o.chain, 'chain');
  const address = assertAddress(o.address, 'address');
  const requestId = o.requestId === undefined ? undefined : assertRequestId(o.requestId, 'requestId');
  const extra = o.resources === undefined ? [] : assertResources(o.resources, 'resources');
  for (const [i, r] of extra.entries())
    if (r.toLowerCase().startsWith(URN_PREFIX))
      fail('INVALID_INPUT', `resources[${i}]: the ${URN_PREFIX} namespace is reserved to the library`, { field: `resources[${i}]` });

  const content = resolvePurpose(o.purpose, {
    issuedAtMs,
    grant: o.grant,
    maxGrantWindowMs: o.maxGrantWindowMs,
    purposes: o.purposes,
  });
  const lifetimeMs = checkLifetime(o.lifetimeMs, content);
  const expiresAt = issuedAtMs + lifetimeMs;
  let notBefore: string | undefined;
  if (o.notBefore !== undefined) {
    const nb = o.notBefore;
    if (typeof nb !== 'number' || !Number.isSafeInteger(nb) || nb < issuedAtMs || nb >= expiresAt)
      fail('INVALID_INPUT', 'notBefore: must be whole seconds in [issued at, expiration time)', { field: 'notBefore' });
    notBefore = formatTimestamp(nb, 'notBefore');
  }

  const stored: StoredChallenge = {
    v: STORED_VERSION,
    purpose: content.purpose,
    domain,
    uri,
    chain,
    address,
    statement: content.statement,
    issuedAt: formatTimestamp(issuedAtMs, 'now'),
    expirationTime: formatTimestamp(expiresAt, 'lifetimeMs'),
    notBefore: notBefore ?? null,
    requestId: requestId ?? null,
    resources: [...content.resources, ...extra],
    params: content.params,
  };
  const nonce = generateNonce();
  // Build before storing: a message that is too long or malformed never reaches the store.
  const message = textOf(stored, nonce);
  // Keep the entry for the maximum skew after expiry, so a late message gets MESSAGE_EXPIRED
  // rather than NONCE_UNKNOWN; the store forgets it after that.
  await nonces.issue(nonceHash(nonce, address), expiresAt + MAX_SKEW_MS, JSON.stringify(stored));
  return Object.freeze({ message, nonce, issuedAt: issuedAtMs, expiresAt });
}

/** What the caller expects the message to be; every field but `address` is mandatory. */
export interface ExpectedMessage {
  readonly domain: string;
  readonly uri: string;
  readonly chain: ChainId;
  readonly purpose: Purpose;
  /** When given, the signer must be this wallet. */
  readonly address?: string;
  /**
   * When given, the signed purpose parameters must be exactly these (for `enable-execution`:
   * `bot`, `agent`, `policyHash`, `grantNotBefore`, `grantExpires`). Checked before the nonce is
   * consumed (SPEC 7.6), so a server that expected the wrong bot or policy can fix its mistake and
   * verify the same signature again.
   */
  readonly params?: Readonly<Record<string, string>>;
}

/** The fields `verifySignedMessage` takes besides the signed text or bytes. */
export interface VerifySignedMessageCommon {
  /** The signature: 64 bytes, or base58 / base64 text (see `decodeSignature`). */
  readonly signature: Uint8Array | string;
  readonly expected: ExpectedMessage;
  readonly nonces: NonceStore;
  /** Clock (ms since the epoch); default `Date.now()`. */
  readonly now?: number;
  /** Allowed clock skew, default 60 s, at most 5 min. */
  readonly skewMs?: number;
}

/** Options of `verifySignedMessage`: the signed text, or the exact signed bytes (raw or off-chain v1). */
export type VerifySignedMessageOptions = VerifySignedMessageCommon &
  ({ readonly message: string; readonly signedBytes?: never } | { readonly signedBytes: Uint8Array; readonly message?: never });

const EXPECTED_KEYS = ['domain', 'uri', 'chain', 'purpose', 'address', 'params'] as const satisfies readonly (keyof ExpectedMessage)[];
const VERIFY_KEYS = ['signature', 'expected', 'nonces', 'now', 'skewMs', 'message', 'signedBytes'] as const;

function aExpected(value: unknown): ExpectedMessage {
  const e = aoptions(value, 'expected', EXPECTED_KEYS);
  // SPEC 7.6: no "checked only if passed" expectations.
  for (const key of ['domain', 'uri', 'chain', 'purpose'] as const) {
    if (typeof e[key] !== 'string' || e[key] === '')
      fail('INVALID_INPUT', `expected.${key}: required (a non-empty string); verification never skips a check`, {
        field: `expected.${key}`,
      });
  }
  if (e['address'] !== undefined && typeof e['address'] !== 'string')
    fail('INVALID_INPUT', 'expected.address: expected a string when given', { field: 'expected.address' });
  const params = e['params'];
  if (params !== undefined) {
    if (typeof params !== 'object' || params === null || Array.isArray(params) || !Object.values(params).every((x) => typeof x === 'string'))
      fail('INVALID_INPUT', 'expected.params: expected an object of strings when given', { field: 'expected.params' });
  }
  return e as unknown as ExpectedMessage;
}

/** Same keys, same string values. */
function sameParams(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

function readStored(meta: string): StoredChallenge {
  let s: unknown;
  try {
    s = JSON.parse(meta);
    // Stryker disable next-line BlockStatement: equivalent, an empty catch leaves s undefined and the next check throws the same error
  } catch {
    return fail('INVALID_INPUT', 'nonce store returned unreadable challenge state');
  }
  const r = s as Record<string, unknown>;
  if (typeof s !== 'object' || s === null) return fail('INVALID_INPUT', 'nonce store returned unreadable challenge state');
  if (r['v'] !== STORED_VERSION) fail('UNSUPPORTED_VERSION', 'stored challenge has an unknown version');
  const str = (k: string) => typeof r[k] === 'string';
  const strOrNull = (k: string) => r[k] === null || typeof r[k] === 'string';
  const params = r['params'];
  if (
    !['purpose', 'domain', 'uri', 'chain', 'address', 'statement', 'issuedAt', 'expirationTime'].every(str) ||
    !strOrNull('notBefore') ||
    !strOrNull('requestId') ||
    !Array.isArray(r['resources']) ||
    !r['resources'].every((x) => typeof x === 'string') ||
    typeof params !== 'object' ||
    params === null ||
    !Object.values(params).every((x) => typeof x === 'string')
  )
    fail('INVALID_INPUT', 'nonce store returned unreadable challenge state');
  return s as StoredChallenge;
}

/**
 * Verify a wallet's signature over an issued challenge (SPEC 7.6). Steps, in order: argument
 * checks; signature decoding; size limits; off-chain envelope (if the bytes begin with
 * `\xffsolana offchain`); strict parse (only to find the nonce and the claimed address); signer
 * list = [address]; strict ed25519 under the message's own address; domain, URI, chain, purpose,
 * address and (when given) parameters compared with `expected`, times checked, all on the signed
 * text and before the nonce is consumed (a server-side mistake does not burn the signature);
 * nonce consumed; text rebuilt from the stored challenge and compared byte for byte. Returns a branded, frozen `VerifiedMessage`.
 * @example
 * const auth = await verifySignedMessage({ message, signature, nonces,
 *   expected: { domain: 'app.example', uri: 'https://app.example/vault', chain: 'mainnet', purpose: 'unlock' } });
 */
export async function verifySignedMessage(options: VerifySignedMessageOptions): Promise<VerifiedMessage> {
  const o = aoptions(options, 'options', VERIFY_KEYS);
  const expected = aExpected(o['expected']);
  const nonces = aStore(o['nonces']);
  const now = aNow(o['now']);
  const skewMs = o['skewMs'] === undefined ? DEFAULT_SKEW_MS : o['skewMs'];
  if (typeof skewMs !== 'number' || !Number.isSafeInteger(skewMs) || skewMs < 0 || skewMs > MAX_SKEW_MS)
    fail('INVALID_INPUT', `skewMs: must be an integer in [0, ${MAX_SKEW_MS}]`, { field: 'skewMs' });
  const signature = decodeSignature(o['signature']);
  if ((o['message'] === undefined) === (o['signedBytes'] === undefined))
    fail('INVALID_INPUT', 'give exactly one of message (text) or signedBytes', { field: 'message' });

  // 1. The signed bytes, their form, and the text inside.
  let signedBytes: Uint8Array;
  let signedAs: SignedAs;
  let text: string;
  let envelopeSigners: readonly string[] | undefined;
  if (o['message'] !== undefined) {
    if (typeof o['message'] !== 'string') fail('INVALID_INPUT', 'message: expected a string', { field: 'message' });
    if (o['message'].length > MAX_MESSAGE_BYTES)
      fail('MESSAGE_TOO_LONG', `message: longer than ${MAX_MESSAGE_BYTES} bytes`, { max: MAX_MESSAGE_BYTES });
    text = o['message'];
    signedBytes = utf8(text);
    signedAs = 'raw';
  } else {
    if (!isBytes(o['signedBytes']))
      fail('INVALID_INPUT', 'signedBytes: expected Uint8Array', { field: 'signedBytes' });
    const bytes = o['signedBytes'];
    if (bytes.length > MAX_SIGNED_BYTES)
      fail('MESSAGE_TOO_LONG', `signedBytes: longer than ${MAX_SIGNED_BYTES} bytes`, { max: MAX_SIGNED_BYTES });
    signedBytes = copyBytes(bytes);
    if (isOffchainMessage(signedBytes)) {
      const env = parseOffchainMessage(signedBytes);
      envelopeSigners = env.signers;
      text = env.text;
      signedAs = 'offchain-v1';
    } else {
      if (signedBytes.length > MAX_MESSAGE_BYTES)
        fail('MESSAGE_TOO_LONG', `signedBytes: longer than ${MAX_MESSAGE_BYTES} bytes`, { max: MAX_MESSAGE_BYTES });
      try {
        // Stryker disable next-line StringLiteral: equivalent, the catch below replaces decodeUtf8's error and the name it carries
        text = decodeUtf8(signedBytes, 'signedBytes');
      } catch {
        return fail('MESSAGE_MALFORMED', 'signedBytes: not valid UTF-8 and not an off-chain message', {
          field: 'signedBytes',
        });
      }
      signedAs = 'raw';
    }
  }

  // 2. Parse strictly, only to learn the nonce and the claimed signer.
  const parsed = parseSiwsMessage(text);
  if (envelopeSigners !== undefined && (envelopeSigners.length !== 1 || envelopeSigners[0] !== parsed.address))
    fail('OFFCHAIN_MALFORMED', 'off-chain message: the signer list must be exactly [the message address]');

  // 3. SPEC 7.6: the message address is the verifying key. Checked before the nonce is consumed,
  // so that nobody but the wallet can burn a challenge (see the SPEC for the trade-off).
  if (!verifyEd25519Strict(decodeAddress(parsed.address), signedBytes, signature))
    fail('INVALID_SIGNATURE', 'signature does not verify under the message address');

  // 4. SPEC 7.6 "verify before consume": every check that does not need the stored challenge runs
  // on the signed text itself before the nonce is spent. A refusal here (the server expected
  // another domain, chain, purpose, parameters, or its clock is wrong) leaves the challenge
  // unconsumed: once the server's mistake is fixed, the same signature verifies. After step 6 the
  // signed text equals the issued text byte for byte, so these checks hold for the stored fields too.
  const signed = readSignedPurpose(parsed.resources, parsed.statement);
  if (signed === undefined) fail('MESSAGE_MISMATCH', 'signed text names no purpose this server issues');
  if (parsed.domain !== expected.domain) fail('DOMAIN_MISMATCH', 'message domain is not the expected domain', { field: 'domain' });
  if (parsed.uri !== expected.uri) fail('DOMAIN_MISMATCH', 'message URI is not the expected URI', { field: 'uri' });
  if (parsed.chainId !== expected.chain) fail('CHAIN_MISMATCH', 'message chain is not the expected chain');
  if (signed.purpose !== expected.purpose) fail('PURPOSE_MISMATCH', `message purpose is not '${expected.purpose}'`);
  if (expected.address !== undefined && parsed.address !== expected.address)
    fail('ADDRESS_MISMATCH', 'message was signed by another wallet than the expected one');
  if (expected.params !== undefined && !sameParams(signed.params, expected.params))
    fail('PURPOSE_MISMATCH', 'message purpose parameters are not the expected ones', { reason: 'params' });
  // Stryker disable next-line StringLiteral: equivalent, parseSiwsMessage already read this time with the same parser, so it never throws here
  if (parseTimestamp(parsed.issuedAt, 'issuedAt') > now + skewMs)
    fail('MESSAGE_ISSUED_IN_FUTURE', 'message Issued At is in the future beyond the allowed skew');
  // Stryker disable next-line StringLiteral: equivalent, parseSiwsMessage already read this time with the same parser, so it never throws here
  if (parsed.notBefore !== undefined && parseTimestamp(parsed.notBefore, 'notBefore') > now + skewMs)
    fail('MESSAGE_NOT_YET_VALID', 'message is before its Not Before time');
  // Every issued challenge has an Expiration Time; a text without one cannot match (step 6).
  if (parsed.expirationTime === undefined) fail('MESSAGE_MISMATCH', 'signed text has no Expiration Time');
  // Stryker disable next-line StringLiteral: equivalent, parseSiwsMessage already read this time with the same parser, so it never throws here
  if (now > parseTimestamp(parsed.expirationTime, 'expirationTime') + skewMs)
    fail('MESSAGE_EXPIRED', 'message is past its Expiration Time');

  // 5. Consume the nonce atomically; only one caller ever gets the stored challenge. The key binds
  // the nonce to the address the signature was just verified under: a copy of someone else's
  // nonce under another address finds no entry and leaves theirs untouched.
  const meta = await nonces.consume(nonceHash(parsed.nonce, parsed.address), now);
  if (meta === null) fail('NONCE_UNKNOWN', 'nonce was never issued, was already used, or has expired');
  const stored = readStored(meta);

  // 6. Rebuild the text the server issued and require byte equality. From here on a refusal means
  // the signed text is not what this server issued: the nonce stays spent.
  if (!equalBytes(utf8(textOf(stored, parsed.nonce)), utf8(text)))
    fail('MESSAGE_MISMATCH', 'signed text differs from the issued challenge');
  // 7. The purpose and parameters come from the signed text (purpose URN first, built-in statement,
  // parameter URNs); what the store kept must say the same, so stored state is never trusted for
  // anything the wallet did not sign.
  if (signed.purpose !== stored.purpose || !sameParams(signed.params, stored.params))
    fail('MESSAGE_MISMATCH', 'signed purpose or parameters differ from the issued challenge');

  return _brandVerifiedMessage({
    purpose: signed.purpose,
    address: stored.address,
    domain: stored.domain,
    uri: stored.uri,
    chain: stored.chain,
    nonce: parsed.nonce,
    statement: stored.statement,
    issuedAt: stored.issuedAt,
    expirationTime: stored.expirationTime,
    notBefore: stored.notBefore ?? undefined,
    requestId: stored.requestId ?? undefined,
    resources: stored.resources,
    params: signed.params,
    text,
    signedBytes,
    signature,
    signedAs,
    verifiedAt: now,
  });
}

/**
 * Decode a transported signature (DESIGN 4: base58 or base64, never a JSON-serialized Uint8Array).
 * A `Uint8Array` must be 64 bytes (copied). A string of 88 characters ending in `==` is standard
 * padded base64; any other string is base58. Both must be the canonical encoding of 64 bytes.
 * @example
 * const sig = decodeSignature(req.body.signature);
 */
export function decodeSignature(value: unknown): Uint8Array {
  if (isBytes(value)) {
    if (value.length !== SIGNATURE_LENGTH)
      fail('INVALID_INPUT', `signature: expected ${SIGNATURE_LENGTH} bytes, got ${value.length}`, { field: 'signature' });
    return copyBytes(value);
  }
  if (typeof value !== 'string')
    fail('INVALID_INPUT', 'signature: expected Uint8Array(64) or a base58/base64 string (not a JSON-serialized Uint8Array)', {
      field: 'signature',
    });
  // Size cap first (bounded work on hostile input): no encoding of 64 bytes is longer than 88.
  if (value.length > 100) fail('INVALID_INPUT', 'signature: string too long for 64 bytes', { field: 'signature', reason: 'bad-length' });
  // SPEC 3.7: canonical decoders with explicit rules (alphabet, length, padding, zero unused bits);
  // a refusal is INVALID_INPUT with `details.reason`, never a codec's own exception.
  const f = { field: 'signature' };
  return value.length === 88 && value.endsWith('==') ? decodeBase64(value, f, SIGNATURE_LENGTH) : decodeBase58(value, f, SIGNATURE_LENGTH);
}
