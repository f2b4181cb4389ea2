/**
 * HKDF session keys (DESIGN 13, SPEC 12): an unlocked vault that any instance can reopen for a
 * request carrying the client's secret, and nothing else can.
 *
 *   sessionKey = HKDF-SHA256(ikm = client secret (32 bytes, only in the cookie / bearer token),
 *                            salt = server pepper (32 bytes, from a key wrapper, versioned),
 *                            info = lp("agentvault/v1/session-key") || lp(session id) || lp(wallet), L = 32)
 *
 * The shared store holds `sealRecord(sessionKey, live UMK versions)` with the session id, wallet,
 * pepper version and expiry in the record context (AAD). The store alone lacks the secret; the
 * cookie alone lacks the pepper and the blob; a blob moved to another session or wallet fails to
 * open. What is sealed is the set of live UMK versions, not the wallet key: a reopened handle can
 * seal, open and derive like the original, but cannot rotate or rewrap (those need a fresh wallet
 * signature), and it stops working when the vault is rotated or moved to another wallet.
 * @module
 */
import { base64urlnopad } from '@scure/base';
import { abytes, aint, aobject, concatBytes, lp, typeName, u32be, zero } from '../_utils.js';
import { randomBytes } from '../_random.js';
import { AgentvaultError, fail } from '../errors.js';
import { decodeAddress } from '../primitives/address.js';
import { hkdfSha256 } from '../primitives/hkdf.js';
import { LABEL_SESSION_KEY } from '../primitives/labels.js';
import { parseRecordText } from '../records/format.js';
import { openRecord, sealRecord } from '../records/record.js';
import { parseVault, type VaultData } from '../vault/data.js';
import { verifyVaultMac } from '../vault/mac.js';
import { UnlockedVault } from '../vault/unlocked.js';
import { MAX_UNLOCK_TTL_MS, stateFor } from '../vault/vault.js';
import { _pepper, type SessionPeppers } from './peppers.js';
import type { SessionStore, StoredSession } from './types.js';

/** Record type of a sealed session (SPEC 12.3). */
export const SESSION_RECORD_TYPE = 'session';
/** Length of the client secret. */
export const SESSION_SECRET_LENGTH = 32;
/** Text prefix of a session token (`avs1.<id>.<secret>`). */
export const SESSION_TOKEN_PREFIX = 'avs1.';
const ID_RE = /^[A-Za-z0-9_-]{16,128}$/;
const TOKEN_RE = /^avs1\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;
const PAYLOAD_VERSION = 1;
const UMK_LENGTH = 32;

/** The two halves a client presents: the id (looked up) and the secret (the HKDF input). */
export interface SessionCredentials {
  readonly id: string;
  readonly secret: Uint8Array;
}

/** Why a session did not open (`details.reason` of `SESSION_INVALID`). */
export type SessionInvalidReason =
  | 'malformed'
  | 'secret-mismatch'
  | 'context-mismatch'
  | 'pepper-retired'
  | 'vault-missing'
  | 'vault-changed';

const invalid = (reason: SessionInvalidReason, message = 'the session does not open with these credentials'): never =>
  fail('SESSION_INVALID', message, { reason });

/** Check the id charset (it becomes a store key and part of the HKDF info). */
export function assertSessionId(id: unknown, name = 'id'): string {
  if (typeof id !== 'string' || !ID_RE.test(id)) fail('INVALID_INPUT', `${name}: expected [A-Za-z0-9_-]{16,128}`, { field: name });
  return id;
}

const INSPECT = Symbol.for('nodejs.util.inspect.custom');
/** Handles reopened by `openSession`: they serve one request and never begin a session (SPEC 12.5). */
const reopened = new WeakSet<UnlockedVault>();

/**
 * Frozen credentials whose secret is a non-enumerable property and which print redacted
 * (`JSON.stringify`, `util.inspect`, `String`): an app that logs a begun session or the parsed
 * token leaks no secret (SPEC 12.2).
 */
function makeCredentials(id: string, secret: Uint8Array): SessionCredentials {
  const c = { id } as { id: string; secret: Uint8Array };
  const redacted = () => `SessionCredentials(${id}, <redacted>)`;
  Object.defineProperty(c, 'secret', { value: secret, enumerable: false });
  Object.defineProperty(c, 'toJSON', { value: () => ({ id, secret: '<redacted>' }), enumerable: false });
  Object.defineProperty(c, 'toString', { value: redacted, enumerable: false });
  Object.defineProperty(c, INSPECT, { value: redacted, enumerable: false });
  return Object.freeze(c);
}

function credentials(value: unknown): SessionCredentials {
  const c = aobject(value, 'credentials');
  for (const k of Object.keys(c)) if (k !== 'id' && k !== 'secret') fail('INVALID_INPUT', 'credentials: unknown field', { field: `credentials.${k}` });
  return { id: assertSessionId(c['id'], 'credentials.id'), secret: abytes(c['secret'], 'credentials.secret', SESSION_SECRET_LENGTH) };
}

/**
 * Fresh credentials: a 128-bit random id and a 256-bit random secret. Give the client
 * `encodeSessionToken(c)` (HttpOnly cookie or bearer token) and keep nothing of the secret.
 */
export function createSessionCredentials(): SessionCredentials {
  return makeCredentials(base64urlnopad.encode(randomBytes(16)), randomBytes(SESSION_SECRET_LENGTH));
}

/** `avs1.<id>.<base64url secret>`: one string for a cookie or `Authorization: Bearer`. */
export function encodeSessionToken(c: SessionCredentials): string {
  const { id, secret } = credentials(c);
  if (id.length !== 22) fail('INVALID_INPUT', 'credentials.id: a token carries a 22-character id (createSessionCredentials)', { field: 'credentials.id' });
  return `${SESSION_TOKEN_PREFIX}${id}.${base64urlnopad.encode(secret)}`;
}

/** Parse a presented token strictly; anything else is `SESSION_INVALID` (reason `malformed`). */
export function parseSessionToken(token: unknown): SessionCredentials {
  const m = typeof token === 'string' && token.length <= 80 ? TOKEN_RE.exec(token) : null;
  if (m === null) return invalid('malformed', 'the session token is malformed');
  let secret: Uint8Array;
  try {
    secret = base64urlnopad.decode(m[2]!);
  } catch {
    return invalid('malformed', 'the session token is malformed');
  }
  // Non-canonical base64url (stray low bits) would give two tokens for one secret.
  if (secret.length !== SESSION_SECRET_LENGTH || base64urlnopad.encode(secret) !== m[2]) invalid('malformed', 'the session token is malformed');
  return makeCredentials(m[1]!, secret);
}

/**
 * SPEC 12.2: the session key. Exported for the vectors; apps never need it.
 * @internal
 */
export function _deriveSessionKey(secret: Uint8Array, pepper: Uint8Array, id: string, wallet: string): Uint8Array {
  return hkdfSha256(secret, pepper, concatBytes(lp(LABEL_SESSION_KEY), lp(id), lp(wallet)), 32);
}

/** SPEC 12.3: the context authenticated with the sealed blob. */
function sessionContext(id: string, wallet: string, pepperVersion: number, expiresAt: number) {
  return { address: wallet, session: id, pepper: String(pepperVersion), expires: String(expiresAt) };
}

/** SPEC 12.3 payload: u8 version (1) || u8 count || count x (u32be UMK version || 32-byte UMK). */
function encodePayload(umks: ReadonlyMap<number, Uint8Array>): Uint8Array {
  const parts: Uint8Array[] = [Uint8Array.of(PAYLOAD_VERSION, umks.size)];
  for (const [v, umk] of [...umks].sort((a, b) => a[0] - b[0])) parts.push(u32be(v), umk);
  return concatBytes(...parts);
}

function decodePayload(bytes: Uint8Array): Map<number, Uint8Array> {
  const n = bytes[1] ?? 0;
  if (bytes[0] !== PAYLOAD_VERSION || n < 1 || bytes.length !== 2 + n * (4 + UMK_LENGTH)) invalid('malformed');
  const out = new Map<number, Uint8Array>();
  for (let i = 0, off = 2; i < n; i++, off += 4 + UMK_LENGTH) {
    const v = ((bytes[off]! << 24) | (bytes[off + 1]! << 16) | (bytes[off + 2]! << 8) | bytes[off + 3]!) >>> 0;
    if (v < 1 || out.has(v)) {
      for (const u of out.values()) zero(u);
      invalid('malformed');
    }
    out.set(v, bytes.slice(off + 4, off + 4 + UMK_LENGTH));
  }
  return out;
}

function seal(creds: SessionCredentials, peppers: SessionPeppers, wallet: string, expiresAt: number, umks: ReadonlyMap<number, Uint8Array>): string {
  const version = peppers.current;
  const pepper = _pepper(peppers, version)!;
  const key = _deriveSessionKey(creds.secret, pepper, creds.id, wallet);
  const payload = encodePayload(umks);
  try {
    return sealRecord(key, payload, { type: SESSION_RECORD_TYPE, context: sessionContext(creds.id, wallet, version, expiresAt), umkVersion: version });
  } finally {
    zero(key, payload);
  }
}

/**
 * SPEC 12.4: what any store (also an app's own) answers to `get` is checked before use; a reply of
 * another shape is `STORE_UNAVAILABLE` (fail closed, typed), never a TypeError or a coercion.
 */
function storedEntry(value: unknown): StoredSession | null {
  if (value === null) return null;
  const e = value as Partial<Record<keyof StoredSession, unknown>> | undefined;
  if (
    typeof e !== 'object' ||
    e === null ||
    typeof e.id !== 'string' ||
    typeof e.wallet !== 'string' ||
    typeof e.expiresAt !== 'number' ||
    !Number.isSafeInteger(e.expiresAt) ||
    typeof e.record !== 'string'
  )
    return fail('STORE_UNAVAILABLE', 'session store: unexpected reply to get', { op: 'get' });
  return { id: e.id, wallet: e.wallet, expiresAt: e.expiresAt, record: e.record };
}

function aStore(value: unknown): SessionStore {
  const s = value as SessionStore | null;
  if (typeof s !== 'object' || s === null || !['create', 'get', 'reseal', 'delete', 'deleteWallet'].every((m) => typeof (s as unknown as Record<string, unknown>)[m] === 'function'))
    fail('INVALID_INPUT', `store: expected a SessionStore, got ${typeName(value)}`, { field: 'store' });
  return s;
}

function onlyKeys(o: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) fail('INVALID_INPUT', `options: unknown option ${JSON.stringify(k).slice(0, 40)}`, { field: `options.${k.slice(0, 40)}` });
}

export interface BeginSessionOptions {
  readonly peppers: SessionPeppers;
  readonly store: SessionStore;
  /** The client's credentials; default fresh ones (`createSessionCredentials`). */
  readonly credentials?: SessionCredentials;
  /** Session life; default and maximum: what is left of the unlocked handle (at most 24 h). */
  readonly ttlMs?: number;
  /** ms since the epoch; default `Date.now()`. */
  readonly now?: number;
}

export interface BegunSession {
  readonly id: string;
  readonly wallet: string;
  readonly expiresAt: number;
  /** The credentials to hand to the client (as `token`, or as the app's own cookie). Keep none of it. */
  readonly credentials: SessionCredentials;
  /** `encodeSessionToken(credentials)` when the id is a generated one, else undefined. */
  readonly token: string | undefined;
}

/**
 * Seal an unlocked vault into a new session (SPEC 12.5): the live UMK versions, under the key
 * from the client secret and the current pepper, stored until the session's expiry. The session
 * never outlives the handle it was made from. A recovery-restricted handle is refused.
 * @example
 * const s = await beginSession(unlocked, { peppers, store });
 * setCookie('av_vault', s.token); unlocked.lock();
 */
export async function beginSession(vault: UnlockedVault, options: BeginSessionOptions): Promise<BegunSession> {
  const o = aobject(options, 'options');
  onlyKeys(o, ['peppers', 'store', 'credentials', 'ttlMs', 'now']);
  const store = aStore(o['store']);
  const peppers = o['peppers'] as SessionPeppers;
  _pepper(peppers, 0); // validates the type
  const now = o['now'] === undefined ? Date.now() : aint(o['now'], 'options.now', 0, 8.64e15);
  const state = stateFor(vault); // VAULT_LOCKED / AUTHORIZATION_REQUIRED (restricted) first
  // SPEC 12.5: a session is begun only from a wallet-signed unlock. A handle reopened from a
  // session would fork a sibling session that `endSession` of the original does not end.
  if (reopened.has(vault)) fail('AUTHORIZATION_REQUIRED', 'a reopened session handle cannot begin a session; unlock with the wallet', { reason: 'session-handle' });
  const left = Math.min(vault.expiresAt - now, MAX_UNLOCK_TTL_MS);
  if (left <= 0) fail('VAULT_LOCKED', 'the unlocked vault has expired; unlock it again');
  const ttl = o['ttlMs'] === undefined ? left : Math.min(aint(o['ttlMs'], 'options.ttlMs', 1, MAX_UNLOCK_TTL_MS), left);
  const generated = o['credentials'] === undefined;
  const creds = generated ? createSessionCredentials() : credentials(o['credentials']);
  const wallet = state.data.wallet;
  const expiresAt = now + ttl;
  const record = seal(creds, peppers, wallet, expiresAt, state.umks);
  await store.create({ id: creds.id, wallet, expiresAt, record });
  // The token and the credentials are readable but not enumerable and print redacted (SPEC 12.5).
  const token = generated ? encodeSessionToken(creds) : undefined;
  const out = { id: creds.id, wallet, expiresAt } as { id: string; wallet: string; expiresAt: number };
  const redacted = () => `BegunSession(${creds.id}, ${wallet}, expires ${expiresAt}, <redacted>)`;
  Object.defineProperty(out, 'credentials', { value: makeCredentials(creds.id, creds.secret), enumerable: false });
  Object.defineProperty(out, 'token', { value: token, enumerable: false });
  Object.defineProperty(out, 'toJSON', { value: () => ({ id: creds.id, wallet, expiresAt, token: '<redacted>' }), enumerable: false });
  Object.defineProperty(out, 'toString', { value: redacted, enumerable: false });
  Object.defineProperty(out, INSPECT, { value: redacted, enumerable: false });
  return Object.freeze(out) as BegunSession;
}

export interface OpenSessionOptions {
  readonly peppers: SessionPeppers;
  readonly store: SessionStore;
  /**
   * The stored vault of the session's wallet (looked up by the app), or null (or undefined) when it
   * has none. JSON data as read back (`VaultData`); validated (`parseVault`) whatever its static type.
   */
  readonly vault: (wallet: string) => VaultData | null | undefined | Promise<VaultData | null | undefined>;
  /** ms since the epoch; default `Date.now()`. Also the handle's clock base. */
  readonly now?: number;
}

export interface OpenedSession {
  /** A handle for this request: lock it when the request ends. Expires with the session. */
  readonly vault: UnlockedVault;
  readonly id: string;
  readonly wallet: string;
  readonly expiresAt: number;
  /** True when the blob was resealed under the current pepper (rotation). */
  readonly resealed: boolean;
}

/**
 * Reopen the vault of a session (SPEC 12.6). Checks, in order: the store entry (SESSION_UNKNOWN),
 * the expiry (SESSION_EXPIRED, and the entry is deleted), the pepper version (SESSION_INVALID
 * `pepper-retired`), the key commitment (`secret-mismatch`: another secret or another wallet),
 * the tag (`context-mismatch`: a blob moved or its expiry changed), the stored vault (`vault-missing`,
 * `vault-changed`: rotated, moved to another wallet, or not this vault). Nothing is returned or
 * kept on any failure; the error carries no secret.
 * @example
 * const { vault } = await openSession(parseSessionToken(cookie), { peppers, store, vault: (w) => repo.getVault(w) });
 * try { ... } finally { vault.lock() }
 */
export async function openSession(creds: SessionCredentials | string, options: OpenSessionOptions): Promise<OpenedSession> {
  const c = typeof creds === 'string' ? parseSessionToken(creds) : credentials(creds);
  const o = aobject(options, 'options');
  onlyKeys(o, ['peppers', 'store', 'vault', 'now']);
  const store = aStore(o['store']);
  const peppers = o['peppers'] as SessionPeppers;
  _pepper(peppers, 0);
  if (typeof o['vault'] !== 'function') fail('INVALID_INPUT', 'options.vault: expected a function (wallet) => stored vault', { field: 'options.vault' });
  const now = o['now'] === undefined ? Date.now() : aint(o['now'], 'options.now', 0, 8.64e15);

  const entry = storedEntry(await store.get(c.id));
  if (entry === null || entry.id !== c.id) return fail('SESSION_UNKNOWN', 'no such session');
  if (now >= entry.expiresAt) {
    await store.delete(c.id);
    fail('SESSION_EXPIRED', 'the session has expired; unlock again');
  }
  let version: number;
  try {
    version = parseRecordText(entry.record).umkVersion;
  } catch {
    return invalid('malformed');
  }
  const pepper = _pepper(peppers, version);
  if (pepper === undefined) return invalid('pepper-retired');
  const key = _deriveSessionKey(c.secret, pepper, c.id, entry.wallet);
  let umks: Map<number, Uint8Array>;
  try {
    const opened = openRecord(key, entry.record, { type: SESSION_RECORD_TYPE, context: sessionContext(c.id, entry.wallet, version, entry.expiresAt) });
    try {
      umks = decodePayload(opened.plaintext.expose());
    } finally {
      opened.plaintext.dispose();
    }
  } catch (e) {
    if (e instanceof AgentvaultError && e.code === 'SESSION_INVALID') throw e;
    if (e instanceof AgentvaultError && e.code === 'KEY_MISMATCH') return invalid('secret-mismatch');
    if (e instanceof AgentvaultError && (e.code === 'CONTEXT_MISMATCH' || e.code === 'INTEGRITY')) return invalid('context-mismatch');
    return invalid('malformed');
  } finally {
    zero(key);
  }

  try {
    const raw = await (o['vault'] as OpenSessionOptions['vault'])(entry.wallet);
    if (raw === null || raw === undefined) invalid('vault-missing', 'the vault of this session is gone');
    let data: VaultData;
    try {
      data = parseVault(raw);
    } catch {
      return invalid('vault-changed', 'the stored vault does not read');
    }
    if (data.wallet !== entry.wallet) invalid('vault-changed', 'the vault moved to another wallet; unlock again');
    // Only versions still live in the stored vault; the active one must be among them (a rotation
    // since the session began ends it), and the vault MAC proves the data belongs to these keys.
    const live = new Map<number, Uint8Array>();
    for (const e of data.umks) {
      const u = umks.get(e.version);
      if (e.state !== 'retired' && u !== undefined) live.set(e.version, Uint8Array.from(u));
    }
    const active = live.get(data.activeUmkVersion);
    try {
      if (active === undefined) invalid('vault-changed', 'the vault was rotated since this session began; unlock again');
      try {
        verifyVaultMac(data, active!);
      } catch {
        invalid('vault-changed', 'the stored vault is not the one this session unlocked');
      }
    } catch (e) {
      for (const u of live.values()) zero(u);
      throw e;
    }

    let resealed = false;
    if (version !== peppers.current) {
      // SPEC 12.7: reseal under the newest pepper, compare-and-set, so a concurrent lock wins.
      // Only the versions still live: a version retired since the session began is dropped.
      const record = seal(c, peppers, entry.wallet, entry.expiresAt, live);
      resealed = (await store.reseal(c.id, entry.record, record)) === true;
      if (!resealed && storedEntry(await store.get(c.id)) === null) {
        for (const u of live.values()) zero(u);
        fail('SESSION_UNKNOWN', 'no such session');
      }
    }
    // SPEC 12.6 step 7: the real-clock backstop is capped at 24 h (the unlock cap), so a handle
    // reopened with a wrong `now` cannot outlive the session on the system clock by more than that.
    const left = Math.min(entry.expiresAt - now, MAX_UNLOCK_TTL_MS);
    const t0 = Date.now();
    const handle = new UnlockedVault({
      data,
      umks: live,
      walletKey: undefined,
      recoveryKey: undefined,
      restrictedTo: undefined,
      clock: () => now + (Date.now() - t0),
      expiresAt: entry.expiresAt,
      realExpiresAt: Date.now() + left,
    });
    reopened.add(handle);
    return Object.freeze({ vault: handle, id: c.id, wallet: entry.wallet, expiresAt: entry.expiresAt, resealed });
  } finally {
    for (const u of umks.values()) zero(u);
  }
}

/** End one session everywhere (lock, sign-out). Takes the token, the credentials or the id. */
export async function endSession(session: SessionCredentials | string, options: { readonly store: SessionStore }): Promise<void> {
  const o = aobject(options, 'options');
  onlyKeys(o, ['store']);
  const store = aStore(o['store']);
  const id = typeof session === 'string' ? (session.startsWith(SESSION_TOKEN_PREFIX) ? parseSessionToken(session).id : assertSessionId(session)) : credentials(session).id;
  await store.delete(id);
}

/** End every session of a wallet (kill switch, sign out everywhere). Returns how many were deleted. */
export async function endWalletSessions(wallet: string, options: { readonly store: SessionStore }): Promise<number> {
  const o = aobject(options, 'options');
  onlyKeys(o, ['store']);
  decodeAddress(wallet, 'wallet');
  return aStore(o['store']).deleteWallet(wallet);
}
