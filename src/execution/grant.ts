/**
 * Execution grants (DESIGN 9, SPEC 10.2): the storable, revocable, time- and scope-bound
 * permission for one bot to sign with one agent wallet while the user is away.
 *
 * Enable (user present): a verified `enable-execution` authorization naming bot, policy hash and
 * window + the unlocked vault -> open the agent key -> seal it under a fresh random data key ->
 * wrap the data key with the key wrapper, the grant's facts as context -> a JSON grant that also
 * keeps the signed message and signature, so anyone can later check what the user authorized.
 *
 * Use (user away): `withExecutionSigner` checks, in this order, the grant's shape and signature,
 * revocation, kill switch, window, policy hash, policy switches, the order; only then unwraps,
 * opens, and hands a scoped signer to a callback; everything is zeroed in `finally`.
 * @module
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { base64 } from '@scure/base';
import { decodeBase64 } from '../_encoding.js';
import { aoptions } from '../_options.js';
import { equalBytes, typeName, utf8, zero } from '../_utils.js';
import { randomBytes } from '../_random.js';
import { _agentRecordFields } from '../derivation/_agent-context.js';
import { fail } from '../errors.js';
import { _useAuthorizationPart, type SignedAs, type VerifiedMessage } from '../messages/authorization.js';
import { formatTimestamp, MAX_MESSAGE_BYTES, parseTimestamp } from '../messages/fields.js';
import { signedBytesFor } from '../messages/offchain.js';
import {
  DEFAULT_MAX_GRANT_WINDOW_MS,
  GRANT_WINDOW_CEILING_MS,
  URN_AGENT,
  URN_BOT,
  URN_GRANT_EXPIRES,
  URN_GRANT_NOT_BEFORE,
  URN_POLICY_SHA256,
  URN_PURPOSE,
  readSignedPurpose,
} from '../messages/purposes.js';
import { parseSiwsMessage } from '../messages/siws.js';
import { decodeAddress, encodeAddress } from '../primitives/address.js';
import { leaseEd25519Key, verifyEd25519Strict, type Ed25519Signer } from '../primitives/ed25519.js';
import { encodeContext } from '../records/context.js';
import { parseRecordText } from '../records/format.js';
import { openRecord, sealRecord } from '../records/record.js';
import type { SecretBytes } from '../secret.js';
import type { AuditEvent, BudgetStore, RevocationStore } from '../stores/types.js';
import { UnlockedVault } from '../vault/unlocked.js';
import {
  evaluateOrder,
  normalizePolicy,
  policyHash,
  summarizePolicy,
  type ExecutionState,
  type NormalizedPolicy,
  type OrderInput,
  type PolicyInput,
} from './policy/index.js';
import { createScopedSigner, MAX_SIGNATURES_PER_USE, type ExecutionSigner } from './signer.js';
import { aBoundOrder, snapshotOrder } from './pipeline/bind.js';
import { aProgramDecoders } from './pipeline/evaluate.js';
import type { ProgramDecoder } from './programs/types.js';
import { aLookupTables } from './transaction/accounts.js';
import { aKeyWrapper, assertWrappedKey, type KeyWrapper, type WrappedKey } from './wrapper.js';

/** `format` field of a grant. */
export const GRANT_FORMAT = 'agentvault.grant';
export const GRANT_VERSION = 1;
/** Record type of the agent key sealed under the grant's data key. */
export const GRANT_AGENT_KEY_RECORD = 'grant.agent-key';
/** SPEC 10.2.3: the `label` entry of the wrapping context (domain separation). */
export { LABEL_GRANT_DATA_KEY } from '../primitives/labels.js';
import { LABEL_GRANT_DATA_KEY } from '../primitives/labels.js';
/** The vault record type holding agent keys (as `createAgentWallet` seals them). */
const AGENT_KEY_RECORD = 'agent-key';
const BOT_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const ID_RE = /^[0-9a-f]{32}$/;
const HASH_RE = /^[0-9a-f]{64}$/;
const MAX_GRANT_JSON = 32 * 1024;

/** The stored proof of what the user signed. */
export interface GrantAuthorization {
  /** The exact SIWS text of the `enable-execution` message. */
  readonly message: string;
  /** How it was signed (the signed bytes are rebuilt from the text with `signedBytesFor`). */
  readonly signedAs: SignedAs;
  /** The wallet's ed25519 signature, standard base64 (88 characters). */
  readonly signature: string;
}

/** A stored execution grant (JSON). Every field is authenticated one way or another (SPEC 10.2.2). */
export interface ExecutionGrant {
  readonly format: typeof GRANT_FORMAT;
  readonly v: 1;
  /** 128 random bits, 32 lower-case hex digits. */
  readonly id: string;
  /** The user's wallet address that signed the grant (the vault's current wallet). */
  readonly owner: string;
  /**
   * The vault's stable owner (`UnlockedVault.owner`, the address that created the vault). Equal to
   * `owner` unless the vault was moved to a new wallet (SPEC 6.4). Kill switches apply to both.
   */
  readonly user: string;
  readonly bot: string;
  /** The agent wallet's address (= its ed25519 public key, base58). */
  readonly agent: string;
  /** SHA-256 hex of the canonical policy JSON, as signed. */
  readonly policyHash: string;
  /** Grant window, RFC 3339 UTC, exactly as signed. */
  readonly notBefore: string;
  readonly expiresAt: string;
  /** The data key, wrapped by the key wrapper. */
  readonly wrappedKey: WrappedKey;
  /** The 64-byte agent secret key, sealed as a `grant.agent-key` record under the data key. */
  readonly agentKey: string;
  readonly authorization: GrantAuthorization;
  /** RFC 3339 UTC, whole seconds. */
  readonly createdAt: string;
}

const GRANT_KEYS = [
  'format',
  'v',
  'id',
  'owner',
  'user',
  'bot',
  'agent',
  'policyHash',
  'notBefore',
  'expiresAt',
  'wrappedKey',
  'agentKey',
  'authorization',
  'createdAt',
] as const;

function bad(field: string, why: string): never {
  return fail('INVALID_INPUT', `grant.${field}: ${why}`, { field: `grant.${field}` });
}

function str(o: Record<string, unknown>, k: string, re?: RegExp): string {
  const v = o[k];
  if (typeof v !== 'string') bad(k, `expected a string, got ${typeName(v)}`);
  if (re !== undefined && !re.test(v)) bad(k, 'malformed');
  return v;
}

/** A canonical whole-second RFC 3339 UTC time (what `formatTimestamp` writes) -> ms. */
function canonicalTime(o: Record<string, unknown>, k: string): number {
  const v = str(o, k);
  let ms: number;
  try {
    ms = parseTimestamp(v, k);
  } catch {
    return bad(k, 'expected an RFC 3339 UTC time like 2025-01-31T12:00:00Z');
  }
  if (formatTimestamp(Math.floor(ms / 1000) * 1000, k) !== v) bad(k, 'expected whole seconds in the form 2025-01-31T12:00:00Z');
  return ms;
}

/** The enable-execution parameters as signed. */
export interface GrantParams {
  readonly bot: string;
  /** The agent wallet address the user authorized. */
  readonly agent: string;
  readonly policyHash: string;
  readonly notBefore: string;
  readonly expiresAt: string;
}

/**
 * Read the grant parameters from a message's `Resources` (SPEC 7.4 URNs), and, when the verified
 * message also exposes `params`, require that they agree. Exactly one of each URN.
 */
export function grantParamsFromResources(resources: readonly string[], params?: Readonly<Record<string, string>>): GrantParams {
  if (!Array.isArray(resources) || !resources.every((r) => typeof r === 'string'))
    fail('INVALID_INPUT', 'resources: expected an array of strings', { field: 'resources' });
  if (params !== undefined && (typeof params !== 'object' || params === null))
    fail('INVALID_INPUT', 'params: expected an object', { field: 'params' });
  const one = (prefix: string, field: string): string => {
    const found = resources.filter((r) => r.startsWith(prefix));
    if (found.length !== 1) fail('AUTHORIZATION_REQUIRED', `the enable-execution message must name exactly one ${field}`, { field });
    return found[0]!.slice(prefix.length);
  };
  // SPEC 7.4.1: the purpose URN comes first; unlock-and-enable-execution carries the same grant URNs.
  if (resources[0] !== `${URN_PURPOSE}enable-execution` && resources[0] !== `${URN_PURPOSE}unlock-and-enable-execution`)
    fail('AUTHORIZATION_REQUIRED', 'the message is not an enable-execution authorization');
  const out = {
    bot: one(URN_BOT, 'bot'),
    agent: one(URN_AGENT, 'agent'),
    policyHash: one(URN_POLICY_SHA256, 'policyHash'),
    notBefore: one(URN_GRANT_NOT_BEFORE, 'grantNotBefore'),
    expiresAt: one(URN_GRANT_EXPIRES, 'grantExpires'),
  };
  if (!BOT_RE.test(out.bot)) fail('AUTHORIZATION_REQUIRED', 'the message names a malformed bot id');
  try {
    decodeAddress(out.agent, 'agent');
  } catch {
    fail('AUTHORIZATION_REQUIRED', 'the message names a malformed agent address');
  }
  if (!HASH_RE.test(out.policyHash)) fail('AUTHORIZATION_REQUIRED', 'the message names a malformed policy hash');
  if (params !== undefined && Object.keys(params).length > 0) {
    if (
      params['bot'] !== out.bot ||
      params['agent'] !== out.agent ||
      params['policyHash'] !== out.policyHash ||
      params['grantNotBefore'] !== out.notBefore ||
      params['grantExpires'] !== out.expiresAt
    )
      fail('AUTHORIZATION_REQUIRED', 'the message parameters disagree with its resources');
  }
  return Object.freeze(out);
}

/**
 * Parse and validate a stored grant (JSON text or the parsed object), before any key is touched:
 * exact field set, formats, sizes, the embedded record's shape, and the user's signature over
 * the embedded message, whose address, bot, policy hash and window must equal the grant's.
 * Throws INVALID_INPUT / UNSUPPORTED_VERSION for shape, INVALID_SIGNATURE for the signature,
 * INTEGRITY when the grant's fields differ from what the user signed.
 * @example
 * const grant = parseGrant(await db.loadGrant(id));
 */
export function parseGrant(value: unknown): ExecutionGrant {
  let obj: unknown = value;
  if (typeof value === 'string') {
    if (value.length > MAX_GRANT_JSON) bad('', `longer than ${MAX_GRANT_JSON} characters`);
    try {
      obj = JSON.parse(value);
    } catch {
      return bad('', 'not JSON');
    }
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) bad('', `expected an object, got ${typeName(obj)}`);
  const o = obj as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!(GRANT_KEYS as readonly string[]).includes(k)) bad(k, 'unknown field');
  if (o['format'] !== GRANT_FORMAT) bad('format', `expected '${GRANT_FORMAT}'`);
  if (o['v'] !== GRANT_VERSION) fail('UNSUPPORTED_VERSION', `grant.v: only version ${GRANT_VERSION} is known`);
  const id = str(o, 'id', ID_RE);
  const owner = str(o, 'owner');
  const user = str(o, 'user');
  const agent = str(o, 'agent');
  for (const [k, v] of [['owner', owner], ['user', user], ['agent', agent]] as const) {
    try {
      decodeAddress(v, k);
    } catch {
      bad(k, 'expected a base58 address');
    }
  }
  const bot = str(o, 'bot', BOT_RE);
  const signedHash = str(o, 'policyHash', HASH_RE);
  const nb = canonicalTime(o, 'notBefore');
  const exp = canonicalTime(o, 'expiresAt');
  if (exp <= nb) bad('expiresAt', 'must be after notBefore');
  canonicalTime(o, 'createdAt');
  let wrappedKey: WrappedKey;
  try {
    wrappedKey = assertWrappedKey(o['wrappedKey'], 'wrappedKey');
  } catch (e) {
    return bad('wrappedKey', e instanceof Error ? e.message : 'malformed');
  }
  const agentKey = str(o, 'agentKey');
  let recordType: string;
  try {
    recordType = parseRecordText(agentKey).type;
  } catch {
    return bad('agentKey', 'not a well-formed sealed record');
  }
  if (recordType !== GRANT_AGENT_KEY_RECORD) bad('agentKey', `expected a '${GRANT_AGENT_KEY_RECORD}' record`);

  const a = o['authorization'];
  if (typeof a !== 'object' || a === null || Array.isArray(a)) return bad('authorization', 'expected an object');
  const auth = a as Record<string, unknown>;
  for (const k of Object.keys(auth)) if (k !== 'message' && k !== 'signedAs' && k !== 'signature') bad(`authorization.${k}`, 'unknown field');
  const message = str(auth, 'message');
  if (message.length > MAX_MESSAGE_BYTES) bad('authorization.message', 'too long');
  const signedAs = auth['signedAs'];
  if (signedAs !== 'raw' && signedAs !== 'offchain-v1') return bad('authorization.signedAs', "expected 'raw' or 'offchain-v1'");
  const sigText = str(auth, 'signature');
  // SPEC 3.7: the canonical decoder decides by explicit rules (alphabet, length, padding, zero
  // unused bits), never by whether a codec happens to throw; INVALID_INPUT with `details.reason`.
  const signature = decodeBase64(sigText, { field: 'grant.authorization.signature', what: 'standard base64 of 64 bytes' }, 64);

  // SPEC 10.2.2: the grant proves itself. The signature covers the message; the message
  // names owner, bot, agent, policy hash and window; they must be the grant's.
  let signed: Uint8Array;
  let fields: ReturnType<typeof parseSiwsMessage>;
  try {
    signed = signedBytesFor(message, owner, signedAs);
    fields = parseSiwsMessage(message);
  } catch {
    return bad('authorization.message', 'not a well-formed signed message');
  }
  if (!verifyEd25519Strict(decodeAddress(owner), signed, signature))
    fail('INVALID_SIGNATURE', 'grant: the stored signature does not verify for the owner and message');
  const p = grantParamsFromResources(fields.resources ?? []);
  if (fields.address !== owner || p.bot !== bot || p.agent !== agent || p.policyHash !== signedHash || p.notBefore !== o['notBefore'] || p.expiresAt !== o['expiresAt'])
    fail('INTEGRITY', 'grant: its fields differ from what the user signed');

  return Object.freeze({
    format: GRANT_FORMAT,
    v: GRANT_VERSION,
    id,
    owner,
    user,
    bot,
    agent,
    policyHash: signedHash,
    notBefore: o['notBefore'] as string,
    expiresAt: o['expiresAt'] as string,
    wrappedKey,
    agentKey,
    authorization: Object.freeze({ message, signedAs, signature: sigText }),
    createdAt: o['createdAt'] as string,
  });
}

/** Serialize a grant for storage (field order fixed). */
export function serializeGrant(grant: ExecutionGrant): string {
  const g = parseGrant(grant);
  return JSON.stringify(Object.fromEntries(GRANT_KEYS.map((k) => [k, g[k]])));
}

/**
 * SPEC 10.2.3: the key wrapper's context, the record-context encoding (SPEC 4.4) of
 * { address: owner, user, label, grant, bot, agent, policy, notBefore, expiresAt }.
 */
export function grantWrapContext(
  g: Pick<ExecutionGrant, 'id' | 'owner' | 'user' | 'bot' | 'agent' | 'policyHash' | 'notBefore' | 'expiresAt'>,
): Uint8Array {
  return encodeContext({
    address: g.owner,
    user: g.user,
    label: LABEL_GRANT_DATA_KEY,
    grant: g.id,
    bot: g.bot,
    agent: g.agent,
    policy: g.policyHash,
    notBefore: g.notBefore,
    expiresAt: g.expiresAt,
  });
}

/**
 * The policy summary the user read in the grant's signed statement (SPEC 10.3.7), or undefined
 * for a statement without one. The grant was parsed (its signature verified) before this is read.
 */
export function signedPolicySummary(grant: { readonly authorization: Pick<GrantAuthorization, 'message'> }): string | undefined {
  let fields: ReturnType<typeof parseSiwsMessage>;
  try {
    fields = parseSiwsMessage(grant.authorization.message);
  } catch {
    return fail('INTEGRITY', 'grant: the stored message does not parse');
  }
  const signed = readSignedPurpose(fields.resources, fields.statement);
  if (signed === undefined || (signed.purpose !== 'enable-execution' && signed.purpose !== 'unlock-and-enable-execution'))
    return fail('INTEGRITY', 'grant: the stored message is not an enable-execution authorization');
  return signed.params['policySummary'];
}

/**
 * SPEC 10.3.7: what the user read must be what is enforced. The summary in the signed statement
 * must equal `summarizePolicy(policy)`; a v2 policy must have been signed with its summary (a v1
 * policy may predate summaries and then carries none). POLICY_MISMATCH with `details.reason`.
 */
export function checkSignedSummary(policy: NormalizedPolicy, signed: string | undefined): void {
  if (signed === undefined) {
    if (policy.v !== 1)
      fail('POLICY_MISMATCH', 'a v2 policy must be signed with its summary in the statement (grant.policySummary)', { reason: 'summary-missing' });
    return;
  }
  if (!equalBytes(utf8(summarizePolicy(policy)), utf8(signed)))
    fail('POLICY_MISMATCH', 'the policy summary the user signed is not the summary of this policy', { reason: 'summary-mismatch' });
}

function agentRecordContext(g: Pick<ExecutionGrant, 'id' | 'owner' | 'user' | 'bot' | 'agent'>) {
  return { address: g.owner, user: g.user, grant: g.id, bot: g.bot, agent: g.agent };
}

/** Check a 64-byte Solana secret key (seed || public key) is a consistent pair; return its address. */
/** `publicKeyOf` computes the public key of the seed independently of the stored half (default: noble). */
function agentAddressOf(secretKey: Uint8Array, publicKeyOf: (seed: Uint8Array) => Uint8Array = (seed) => ed25519.getPublicKey(seed)): string {
  if (secretKey.length !== 64) fail('INTEGRITY', 'agent key: expected a 64-byte secret key');
  const pub = publicKeyOf(secretKey.subarray(0, 32));
  if (!equalBytes(pub, secretKey.subarray(32))) fail('INTEGRITY', 'agent key: the public half does not match the private half');
  return encodeAddress(pub);
}

function aNow(value: unknown): number {
  if (value === undefined) return Date.now();
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    fail('INVALID_INPUT', 'now: expected ms since the epoch (a non-negative integer)', { field: 'now' });
  return value;
}

// -- test seam: observe every key buffer so tests can check it is zero afterwards ---------------
let keyObserver: ((buffer: Uint8Array) => void) | undefined;
/** @internal Test seam: called with every key buffer this module holds (data key, agent key). */
export function _observeKeyBuffersForTests(fn?: (buffer: Uint8Array) => void): void {
  keyObserver = fn;
}
function observe(buffer: Uint8Array): Uint8Array {
  keyObserver?.(buffer);
  return buffer;
}

/** Options of `createExecutionGrant`. */
export interface CreateExecutionGrantOptions {
  /**
   * A verified `enable-execution` authorization from `verifySignedMessage`, or the enable part of
   * an `unlock-and-enable-execution` one (SPEC 7.4.1); spent by this call.
   */
  readonly authorization: VerifiedMessage;
  /** The owner's unlocked vault. */
  readonly vault: UnlockedVault;
  /** The agent wallet's sealed `agent-key` record (`createAgentWallet(...).records.agentKey`). */
  readonly agentKeyRecord: string;
  /** The app fields the agent records were sealed with (`createAgentWallet`'s `fields`, without `agent`). */
  readonly agentKeyFields?: Readonly<Record<string, string>>;
  /**
   * The agent wallet's address (`createAgentWallet(...).address`): required. It is part of the
   * record's context (another agent's record does not open: CONTEXT_MISMATCH) and the opened key
   * must be this address (ADDRESS_MISMATCH).
   */
  readonly agentAddress: string;
  /** The policy whose hash the user signed. */
  readonly policy: PolicyInput;
  readonly wrapper: KeyWrapper;
  /** Largest grant window accepted; default 7 days; at most 90 days. */
  readonly maxWindowMs?: number;
  /** Clock, ms since the epoch; default `Date.now()`. */
  readonly now?: number;
}

const GRANT_OPTION_KEYS = ['authorization', 'vault', 'agentKeyRecord', 'agentKeyFields', 'agentAddress', 'policy', 'wrapper', 'maxWindowMs', 'now'];

/**
 * Enable execution: turn a verified, user-signed `enable-execution` authorization into a stored
 * grant. The authorization is spent first (any later refusal still consumes it). Refusals:
 * AUTHORIZATION_REQUIRED, POLICY_INVALID, POLICY_MISMATCH (the policy does not hash to the
 * signed hash), GRANT_WINDOW_TOO_LONG, GRANT_EXPIRED, record errors from the vault, UNWRAP_FAILED
 * or wrapper errors.
 * @example
 * const grant = await createExecutionGrant({ authorization, vault, agentKeyRecord: agent.records.agentKey,
 *   agentAddress: agent.address, policy, wrapper: LocalKeyWrapper.fromEnv() });
 * await db.saveGrant(grant.id, serializeGrant(grant));
 */
export async function createExecutionGrant(options: CreateExecutionGrantOptions): Promise<ExecutionGrant> {
  // SPEC 2: a misspelt option (say `maxWindow`) is refused, never silently ignored.
  const o = aoptions(options, 'options', GRANT_OPTION_KEYS) as Partial<CreateExecutionGrantOptions>;
  const now = aNow(o.now);
  const vault = o.vault;
  if (!(vault instanceof UnlockedVault)) return fail('INVALID_INPUT', 'vault: expected an UnlockedVault', { field: 'vault' });
  const wrapper = aKeyWrapper(o.wrapper);
  if (typeof o.agentKeyRecord !== 'string') fail('INVALID_INPUT', 'agentKeyRecord: expected the sealed agent-key record text', { field: 'agentKeyRecord' });
  const agentContext = _agentRecordFields(o.agentAddress, o.agentKeyFields, { address: 'agentAddress', fields: 'agentKeyFields' });
  const maxWindowMs = o.maxWindowMs ?? DEFAULT_MAX_GRANT_WINDOW_MS;
  if (typeof maxWindowMs !== 'number' || !Number.isSafeInteger(maxWindowMs) || maxWindowMs < 1000 || maxWindowMs > GRANT_WINDOW_CEILING_MS)
    fail('INVALID_INPUT', `maxWindowMs: must be an integer in [1000, ${GRANT_WINDOW_CEILING_MS}]`, { field: 'maxWindowMs' });
  // The grant's `owner` is the wallet that signs it: the vault's current wallet (equal to the
  // vault owner unless the user moved the vault to a new wallet, SPEC 6.4).
  const { wallet: owner, domain, chain } = vault.data;
  // SPEC 7.4.1: the enable part of an unlock-and-enable-execution message counts as an enable-execution.
  const auth = _useAuthorizationPart(o.authorization as VerifiedMessage, // checked there (brand), whatever the caller passed
    { purpose: 'enable-execution', address: owner, domain, chain, now });
  const params = grantParamsFromResources(auth.resources, auth.params);
  // The user signed for one agent wallet (review E7): the grant may only carry that one.
  if (params.agent !== o.agentAddress)
    fail('AUTHORIZATION_REQUIRED', 'the enable-execution message names another agent wallet', { field: 'agentAddress' });

  // Typed for callers; whatever arrives is validated there (POLICY_INVALID), undefined included.
  const policy = normalizePolicy(o.policy as PolicyInput);
  const hash = policyHash(policy);
  if (!equalBytes(utf8(hash), utf8(params.policyHash)))
    fail('POLICY_MISMATCH', 'the policy does not hash to the policy hash the user signed');
  checkSignedSummary(policy, signedPolicySummary({ authorization: { message: auth.text } }));

  const nb = parseTimestamp(params.notBefore, 'grantNotBefore');
  const exp = parseTimestamp(params.expiresAt, 'grantExpires');
  if (!(exp > nb)) fail('AUTHORIZATION_REQUIRED', 'the signed grant window is empty');
  if (exp - nb > maxWindowMs)
    fail('GRANT_WINDOW_TOO_LONG', `the signed grant window exceeds the maximum of ${maxWindowMs} ms`, { max: maxWindowMs });
  if (now >= exp) fail('GRANT_EXPIRED', 'the signed grant window has already ended');
  // SPEC 10.3.4: both windows apply at use; refuse a grant that could never sign.
  const pnb = policy.window.notBefore === undefined ? -Infinity : Date.parse(policy.window.notBefore);
  const pna = policy.window.notAfter === undefined ? Infinity : Date.parse(policy.window.notAfter);
  if (pnb >= exp || pna <= nb) fail('POLICY_INVALID', 'the policy window does not overlap the grant window', { field: 'policy.window' });

  const agentKey = vault.open(AGENT_KEY_RECORD, o.agentKeyRecord, agentContext);
  const dataKey = observe(randomBytes(32));
  try {
    const secret = observe(agentKey.expose());
    const agent = agentAddressOf(secret);
    if (agent !== o.agentAddress)
      fail('ADDRESS_MISMATCH', 'the agent-key record holds the key of another address');
    const base = { id: bytesToHex(randomBytes(16)), owner, user: vault.owner, bot: params.bot, agent, policyHash: params.policyHash, notBefore: params.notBefore, expiresAt: params.expiresAt };
    const sealed = sealRecord(dataKey, secret, { type: GRANT_AGENT_KEY_RECORD, context: agentRecordContext(base) });
    const wrappedKey = assertWrappedKey(await wrapper.wrap(dataKey, grantWrapContext(base)), 'wrappedKey (from the wrapper)');
    return parseGrant({
      format: GRANT_FORMAT,
      v: GRANT_VERSION,
      ...base,
      wrappedKey,
      agentKey: sealed,
      authorization: { message: auth.text, signedAs: auth.signedAs, signature: base64.encode(auth.signature) },
      createdAt: formatTimestamp(Math.floor(now / 1000) * 1000, 'now'),
    });
  } finally {
    zero(dataKey);
    agentKey.dispose();
  }
}

/** Options of `rewrapGrant`. */
export interface RewrapGrantOptions {
  /** The wrapper to move the data key to; default the same wrapper (its current key version). */
  readonly to?: KeyWrapper;
}

/**
 * Move a grant's data key to the wrapper's newest key version, or to another wrapper (`to`).
 * Nothing else in the grant changes; a grant already at `to`'s current version is returned as is.
 * @example
 * const moved = await rewrapGrant(grant, wrapper); // after adding v2 to AGENTVAULT_KEK
 */
export async function rewrapGrant(grant: ExecutionGrant | string, wrapper: KeyWrapper, options: RewrapGrantOptions = {}): Promise<ExecutionGrant> {
  const g = parseGrant(grant);
  const from = aKeyWrapper(wrapper);
  const to = aKeyWrapper(aoptions(options, 'options', ['to'])['to'] ?? from, 'to');
  if (g.wrappedKey.wrapper === to.id && g.wrappedKey.version === to.currentVersion) return g;
  const context = grantWrapContext(g);
  const key = await from.unwrap(g.wrappedKey, context);
  try {
    observe(key.expose());
    const wrappedKey = assertWrappedKey(await to.wrap(key.expose(), context), 'wrappedKey (from the wrapper)');
    return parseGrant({ ...g, wrappedKey });
  } finally {
    key.dispose();
  }
}

/** Options of `withExecutionSigner`. */
export interface ExecutionSignerOptions {
  readonly wrapper: KeyWrapper;
  /** The bot's current policy; must hash to the grant's policy hash. */
  readonly policy: PolicyInput;
  /** The order about to be placed (see `evaluateOrder`): `Order` under v1, `OrderV2` under v2. */
  readonly order: OrderInput;
  /**
   * Account state for the order rules: required for perps orders (every v1 order); a missing
   * state refuses such an order (`POLICY_VIOLATION`, rule `state`).
   */
  readonly state?: ExecutionState;
  /** Shared revocation / kill-switch store; its errors propagate (fail closed). */
  readonly revocations: RevocationStore;
  /**
   * Whose grant the caller expects (required, every field): the wallet that signed it
   * (`grant.owner`) and the bot id. A grant of another owner or bot is refused with
   * AUTHORIZATION_REQUIRED before anything else is checked, so a swapped database row or an id
   * taken from a request cannot make one user's webhook trade with another user's grant.
   */
  readonly expected: ExpectedGrant;
  /**
   * How many transaction messages the callback may sign for this one checked order: default 1,
   * at most 16 (`MAX_SIGNATURES_PER_USE`). Further calls are refused (`signature-limit-reached`).
   */
  readonly maxSignatures?: number;
  /**
   * Clock, ms since the epoch; default `Date.now()`. Inside the callback the signer's time is
   * `now` plus the wall-clock time elapsed since the call began.
   */
  readonly now?: number;
  /**
   * v2 (SPEC 10.4.6): full contents of the address lookup tables the transactions load, table
   * address -> entries, fetched by the app through its own RPC (never taken from whoever built the
   * transaction). Entries are append-only, so contents may be cached per table address.
   */
  readonly lookupTables?: Readonly<Record<string, readonly string[]>>;
  /** v2: decoders of the Anchor programs the policy names (`createProgramDecoder`, `agentvault/execution/idl`). */
  readonly programs?: readonly ProgramDecoder[];
  /** v2: the budget store; required when the policy has budgets (SPEC 10.4.9). */
  readonly budgets?: BudgetStore;
  /** Called with every signing decision (allowed or refused), never with key material (SPEC 10.4.11). A hook that throws stops an allowed signature. */
  readonly audit?: (event: AuditEvent) => void | Promise<void>;
}

const SIGNER_OPTION_KEYS = ['wrapper', 'policy', 'order', 'state', 'revocations', 'expected', 'maxSignatures', 'now', 'lookupTables', 'programs', 'budgets', 'audit'];

function aBudgetStore(value: unknown): BudgetStore | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || typeof (value as BudgetStore).spend !== 'function')
    fail('INVALID_INPUT', 'budgets: expected a BudgetStore', { field: 'budgets' });
  return value as BudgetStore;
}

/** What `withExecutionSigner` requires the grant to be. */
export interface ExpectedGrant {
  /** The wallet address that signed the grant (`grant.owner`). */
  readonly owner: string;
  /** The bot id (`grant.bot`). */
  readonly bot: string;
}

function anExpectedGrant(value: unknown): ExpectedGrant {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return fail('INVALID_INPUT', 'expected: required, { owner, bot } of the grant this call may use', { field: 'expected' });
  const e = value as Record<string, unknown>;
  // A misspelt expectation must not be silently skipped.
  for (const k of Object.keys(e)) if (k !== 'owner' && k !== 'bot') fail('INVALID_INPUT', `expected.${k}: unknown field`, { field: `expected.${k}` });
  const owner = e['owner'];
  const bot = e['bot'];
  let ownerOk = typeof owner === 'string';
  if (ownerOk) {
    try {
      decodeAddress(owner as string, 'expected.owner');
    } catch {
      ownerOk = false;
    }
  }
  if (!ownerOk) fail('INVALID_INPUT', 'expected.owner: required, the base58 address of the wallet that signed the grant', { field: 'expected.owner' });
  if (typeof bot !== 'string' || !BOT_RE.test(bot)) fail('INVALID_INPUT', 'expected.bot: required, a bot id', { field: 'expected.bot' });
  return Object.freeze({ owner: owner as string, bot });
}

function aMaxSignatures(value: unknown): number {
  if (value === undefined) return 1;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > MAX_SIGNATURES_PER_USE)
    fail('INVALID_INPUT', `maxSignatures: expected an integer in [1, ${MAX_SIGNATURES_PER_USE}]`, { field: 'maxSignatures' });
  return value;
}

function aRevocations(value: unknown): RevocationStore {
  const r = value as RevocationStore | null | undefined;
  if (typeof r !== 'object' || r === null || typeof r.isRevoked !== 'function' || typeof r.isKilled !== 'function')
    fail('INVALID_INPUT', 'revocations: expected a RevocationStore', { field: 'revocations' });
  return r;
}

/**
 * Use a grant (SPEC 10.2.4). Checks, in order: grant shape and signature; that it is the
 * expected owner's grant for the expected bot (AUTHORIZATION_REQUIRED); revoked
 * (GRANT_REVOKED); kill switch for the bot, the signing wallet or the vault owner (GRANT_KILLED); window
 * (GRANT_NOT_YET_VALID, GRANT_EXPIRED); policy hash (POLICY_INVALID, POLICY_MISMATCH); policy
 * `enabled` (POLICY_VIOLATION) and `killSwitch` (GRANT_KILLED); the order (POLICY_VIOLATION with
 * `details.rules`); then unwrap (UNWRAP_FAILED), open the agent key, check it is the grant's
 * agent, and call `fn` with a scoped signer. The signer signs at most `maxSignatures` transactions
 * (default 1), refuses once the grant or policy window ends or outside the policy's time of day,
 * and stops working when `fn` settles; the data key and agent key are zeroed in `finally`, whether
 * `fn` returns or throws.
 * @example
 * const sig = await withExecutionSigner(grant, { wrapper, policy, order, state, revocations,
 *   expected: { owner: user.address, bot: bot.id } }, (signer) => signer.signTransactionMessage(messageBytes));
 */
export async function withExecutionSigner<T>(
  grant: ExecutionGrant | string,
  options: ExecutionSignerOptions,
  fn: (signer: ExecutionSigner) => T | Promise<T>,
): Promise<T> {
  // A misspelt option (say `lookuptables`) must not be silently ignored.
  const o = aoptions(options, 'options', SIGNER_OPTION_KEYS) as Partial<ExecutionSignerOptions>;
  if (typeof fn !== 'function') fail('INVALID_INPUT', 'fn: expected a callback', { field: 'fn' });
  const lookupTables = aLookupTables(o.lookupTables);
  const programs = aProgramDecoders(o.programs);
  const budgets = aBudgetStore(o.budgets);
  if (o.audit !== undefined && typeof o.audit !== 'function') fail('INVALID_INPUT', 'audit: expected a function', { field: 'audit' });
  const wrapper = aKeyWrapper(o.wrapper);
  const revocations = aRevocations(o.revocations);
  const expected = anExpectedGrant(o.expected);
  const maxSignatures = aMaxSignatures(o.maxSignatures);
  const start = Date.now();
  const now = o.now === undefined ? start : aNow(o.now);

  const g = parseGrant(grant);
  // SPEC 10.2.4 step 2: the grant the caller expects (review E4). AUTHORIZATION_REQUIRED, not
  // INTEGRITY: the grant itself is intact and signed, it just does not authorize this owner/bot.
  if (g.owner !== expected.owner)
    fail('AUTHORIZATION_REQUIRED', 'the grant was signed by another wallet than the expected owner', { field: 'expected.owner' });
  if (g.bot !== expected.bot) fail('AUTHORIZATION_REQUIRED', 'the grant is for another bot than the expected one', { field: 'expected.bot' });
  if ((await revocations.isRevoked(g.id)) !== false) fail('GRANT_REVOKED', 'the execution grant was revoked');
  // Both identities: the wallet that signed the grant and the vault's stable owner (review E6),
  // so a wallet kill keyed on either stops grants signed before and after a move to a new wallet.
  for (const wallet of g.user === g.owner ? [g.owner] : [g.owner, g.user])
    if ((await revocations.isKilled({ bot: g.bot, wallet })) !== false)
      fail('GRANT_KILLED', 'the kill switch is on for this bot or wallet', { scope: 'store' });
  if (now < Date.parse(g.notBefore)) fail('GRANT_NOT_YET_VALID', 'the execution grant window has not started');
  if (now >= Date.parse(g.expiresAt)) fail('GRANT_EXPIRED', 'the execution grant window has ended');

  // Typed for callers; whatever arrives is validated there (POLICY_INVALID), undefined included.
  const policy = normalizePolicy(o.policy as PolicyInput);
  if (!equalBytes(utf8(policyHash(policy)), utf8(g.policyHash)))
    fail('POLICY_MISMATCH', 'the policy presented does not hash to the policy the user signed');
  checkSignedSummary(policy, signedPolicySummary(g));
  if (!policy.enabled) fail('POLICY_VIOLATION', 'the policy is disabled', { rules: ['enabled'] });
  if (policy.killSwitch) fail('GRANT_KILLED', 'the policy kill switch is on', { scope: 'policy' });
  if (policy.v === 2 && policy.budgets.length > 0 && budgets === undefined)
    fail('INVALID_INPUT', 'budgets: required, the policy has budgets (SPEC 10.4.9)', { field: 'budgets' });
  // SPEC 10.4.8 (review F7): one snapshot of the order, checked and bound (never read twice).
  const order = snapshotOrder(o.order);
  // The snapshot is checked field by field there (a malformed order is a violation, not a throw).
  const decision = evaluateOrder(policy, order as OrderInput, o.state, now, { agent: g.agent });
  if (!decision.allowed)
    fail('POLICY_VIOLATION', `order refused: ${decision.violations.map((v) => `${v.rule} (${v.message})`).join('; ')}`, {
      rules: decision.violations.map((v) => v.rule),
    });
  // v2: the order just checked is the one every transaction must implement (SPEC 10.4.8); read
  // before any key is unwrapped.
  const boundOrder = policy.v === 2 ? aBoundOrder(order) : undefined;

  const dataKey = await wrapper.unwrap(g.wrappedKey, grantWrapContext(g));
  let agentKey: SecretBytes | undefined;
  let close: (() => void) | undefined;
  let lease: Ed25519Signer | undefined;
  try {
    observe(dataKey.expose());
    agentKey = openRecord(dataKey, g.agentKey, { type: GRANT_AGENT_KEY_RECORD, context: agentRecordContext(g) }).plaintext;
    const secret = observe(agentKey.expose());
    // SPEC 10.8: the agent key is imported once for this use; the key that checks the public
    // half is the one the scoped signer signs with (it shares the lease), released in `finally`.
    if (agentAddressOf(secret, (seed) => (lease = leaseEd25519Key(seed)).publicKey) !== g.agent)
      fail('INTEGRITY', 'the sealed agent key is not the grant agent');
    // The signer re-checks time on every call (review E3): the end of both windows, and the
    // policy's time of day, on a clock that starts at `now` and follows the wall clock.
    const policyEnd = policy.window.notAfter === undefined ? Infinity : Date.parse(policy.window.notAfter);
    const notAfter = Math.min(Date.parse(g.expiresAt), policyEnd);
    const scoped = createScopedSigner(
      secret,
      g.agent,
      policy,
      // Its own lease, never one of a concurrent use of the same agent key (released when that use ends).
      { notAfter, maxSignatures, clock: () => now + (Date.now() - start), ...(lease === undefined ? {} : { key: lease }) },
      {
        ...(boundOrder === undefined ? {} : { order: boundOrder }),
        lookupTables,
        programs,
        ...(budgets === undefined ? {} : { budgets }),
        ...(o.audit === undefined ? {} : { audit: o.audit }),
        identity: { grantId: g.id, bot: g.bot, wallet: g.owner },
      },
    );
    close = scoped.close;
    return await fn(scoped.signer);
  } finally {
    close?.();
    lease?.dispose();
    agentKey?.dispose();
    dataKey.dispose();
  }
}
