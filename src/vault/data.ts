/**
 * The stored vault: a JSON-serializable object with a schema version (DESIGN 7, SPEC 6.1).
 * `parseVault` validates every field of a stored vault before anything uses it.
 * @module
 */
import { decodeBase64url } from '../_encoding.js';
import { aobject } from '../_utils.js';
import { fail } from '../errors.js';
import type { SignedAs } from '../messages/authorization.js';
import { decodeAddress } from '../primitives/address.js';
import { parseRecordText } from '../records/format.js';
import { assertChain, assertDomain, KDM_SALT_LENGTH, KDM_VERSION, type VaultChain } from './kdm.js';
import { assertScryptParams, RECOVERY_SALT_LENGTH, type ScryptParams } from './recovery.js';

export const VAULT_FORMAT = 'agentvault/vault';
export const VAULT_SCHEMA = 1;
/** Live (non-retired) UMK versions a vault may hold, and all entries including retired ones. */
export const MAX_UMK_VERSIONS = 64;
export const MAX_UMK_ENTRIES = 1024;

/** State of one UMK version (SPEC 6.5). */
export type UmkState = 'active' | 'decrypt-only' | 'retired';

export interface UmkEntry {
  readonly version: number;
  readonly state: UmkState;
  /** The UMK sealed under the wallet key (a record, type `umk.wallet`). Absent once retired. */
  readonly wallet?: string;
  /** The UMK sealed under the recovery key (type `umk.recovery`), when the vault has recovery. */
  readonly recovery?: string;
}

/**
 * The stored vault, as JSON data: what `createVault`, `rotateVault`, `rewrapVault` and
 * `retireUmkVersion` return for the app to store, and what `unlockVault`, `vaultKeyMessage`,
 * `unlockVaultWithRecovery` and `migrateRecords` take back. Only JSON types (strings, numbers,
 * booleans, arrays, objects), so a value read back can be declared as this type
 * (`const vault: VaultData = JSON.parse(row.vault)`). The type is for the compiler: every
 * function that takes a vault validates it again at run time (`parseVault`: unknown fields,
 * formats, versions) and checks its MAC before trusting it.
 */
export interface VaultData {
  readonly format: typeof VAULT_FORMAT;
  readonly schema: typeof VAULT_SCHEMA;
  /** The address that created the vault: fixed for life; subkeys and record contexts use it. */
  readonly owner: string;
  /** The wallet whose KDM signature opens the wallet keyslots now (equals owner until a wallet change). */
  readonly wallet: string;
  readonly domain: string;
  readonly chain: VaultChain;
  readonly kdm: {
    readonly version: number;
    /** base64url (no padding) of the 32-byte KDM salt. */
    readonly salt: string;
    /** How the wallet signed the KDM, so the client can be asked for the same form again. */
    readonly signedAs: SignedAs;
    /** Whether a server-side pepper is mixed into the wallet key. */
    readonly peppered: boolean;
  };
  readonly recovery?: {
    readonly kind: 'code' | 'passphrase';
    readonly salt: string;
    readonly scrypt?: ScryptParams;
    /** Whether the server pepper is mixed into the recovery key too (SPEC 6.4). */
    readonly peppered: boolean;
  };
  readonly activeUmkVersion: number;
  readonly umks: readonly UmkEntry[];
  /** Incremented by every change (rotate, rewrap, retire): save with compare-and-swap on it. */
  readonly revision: number;
  /** base64url HMAC-SHA256 over the rest of the vault under a key from the active UMK (SPEC 6.1). */
  readonly mac: string;
}

function decodeSalt(text: unknown, name: string, length: number): Uint8Array {
  if (typeof text !== 'string') return fail('INVALID_INPUT', `${name}: expected base64url text`, { field: name });
  return decodeBase64url(text, { field: name }, length);
}

export function kdmSalt(vault: VaultData): Uint8Array {
  return decodeSalt(vault.kdm.salt, 'vault.kdm.salt', KDM_SALT_LENGTH);
}

export function recoverySalt(vault: VaultData): Uint8Array {
  if (!vault.recovery) return fail('NO_RECOVERY_SLOT', 'the vault has no recovery keyslot');
  return decodeSalt(vault.recovery.salt, 'vault.recovery.salt', RECOVERY_SALT_LENGTH);
}

const bad = (field: string, what: string, reason?: string): never =>
  fail('INVALID_INPUT', `vault.${field}: ${what}`, reason === undefined ? { field: `vault.${field}` } : { field: `vault.${field}`, reason });

/** SPEC 6.1: unknown fields are refused at every level, not only at the top. */
function onlyKnown(o: Record<string, unknown>, path: string, known: readonly string[]): void {
  for (const k of Object.keys(o)) if (!known.includes(k)) bad(path === '' ? k : `${path}.${k}`, 'unknown field', 'unknown-field');
}

/**
 * Validate a stored vault (for example after `JSON.parse`) and return it typed and frozen.
 * Unknown format or schema -> UNSUPPORTED_VERSION; anything else off -> INVALID_INPUT.
 */
// Vaults this function returned: deep-frozen plain-data copies (no getters, no proxies, nothing
// can change them), so the same object needs no second check (validate once, issue 18). Public
// data only; a WeakSet, so nothing is kept alive.
const parsed = new WeakSet<object>();

export function parseVault(value: unknown): VaultData {
  // WeakSet.prototype.has is false for every value that is not an object (ECMA-262 CanBeHeldWeakly).
  if (parsed.has(value as object)) return value as VaultData;
  // Validate a plain-data copy and return that same copy: getters, proxies or later mutation of
  // the caller's object cannot change what was checked.
  let copy: unknown;
  try {
    copy = JSON.parse(JSON.stringify(value));
  } catch {
    return fail('INVALID_INPUT', 'vault: not JSON-serializable data', { field: 'vault' });
  }
  const v = aobject(copy, 'vault');
  if (v['format'] !== VAULT_FORMAT) bad('format', `expected '${VAULT_FORMAT}'`);
  if (v['schema'] !== VAULT_SCHEMA) fail('UNSUPPORTED_VERSION', `vault.schema: this library reads schema ${VAULT_SCHEMA}`);
  decodeAddress(v['owner'], 'vault.owner');
  decodeAddress(v['wallet'], 'vault.wallet');
  assertDomain(v['domain'], 'vault.domain');
  assertChain(v['chain'], 'vault.chain');
  const kdm = aobject(v['kdm'], 'vault.kdm');
  onlyKnown(kdm, 'kdm', ['version', 'salt', 'signedAs', 'peppered']);
  if (kdm['version'] !== KDM_VERSION) fail('UNSUPPORTED_VERSION', `vault.kdm.version: this library knows KDM v${KDM_VERSION}`);
  decodeSalt(kdm['salt'], 'vault.kdm.salt', KDM_SALT_LENGTH);
  if (kdm['signedAs'] !== 'raw' && kdm['signedAs'] !== 'offchain-v1') bad('kdm.signedAs', "expected 'raw' or 'offchain-v1'");
  if (typeof kdm['peppered'] !== 'boolean') bad('kdm.peppered', 'expected boolean');
  let hasRecovery = false;
  if (v['recovery'] !== undefined) {
    hasRecovery = true;
    const r = aobject(v['recovery'], 'vault.recovery');
    onlyKnown(r, 'recovery', ['kind', 'salt', 'peppered', 'scrypt']);
    if (r['scrypt'] !== undefined) onlyKnown(aobject(r['scrypt'], 'vault.recovery.scrypt'), 'recovery.scrypt', ['N', 'r', 'p']);
    if (r['kind'] !== 'code' && r['kind'] !== 'passphrase') bad('recovery.kind', "expected 'code' or 'passphrase'");
    decodeSalt(r['salt'], 'vault.recovery.salt', RECOVERY_SALT_LENGTH);
    if (r['kind'] === 'passphrase') assertScryptParams(aobject(r['scrypt'], 'vault.recovery.scrypt') as unknown as ScryptParams);
    else if (r['scrypt'] !== undefined) bad('recovery.scrypt', 'only for passphrases');
    if (typeof r['peppered'] !== 'boolean') bad('recovery.peppered', 'expected boolean');
  }
  const umks = v['umks'];
  if (!Array.isArray(umks) || umks.length < 1 || umks.length > MAX_UMK_ENTRIES) bad('umks', `expected 1..${MAX_UMK_ENTRIES} entries`);
  if ((umks as { state?: unknown }[]).filter((e) => e?.state !== 'retired').length > MAX_UMK_VERSIONS)
    bad('umks', `at most ${MAX_UMK_VERSIONS} live (non-retired) versions; retire old ones`);
  const seen = new Set<number>();
  let active = 0;
  for (const [i, raw] of (umks as unknown[]).entries()) {
    const e = aobject(raw, `vault.umks[${i}]`);
    onlyKnown(e, `umks[${i}]`, ['version', 'state', 'wallet', 'recovery']);
    const version = e['version'];
    if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1 || seen.has(version)) bad(`umks[${i}].version`, 'expected a unique integer >= 1');
    seen.add(version as number);
    const state = e['state'];
    if (state !== 'active' && state !== 'decrypt-only' && state !== 'retired') bad(`umks[${i}].state`, 'unknown state');
    if (state === 'active') active++;
    if (state === 'retired') {
      if (e['wallet'] !== undefined || e['recovery'] !== undefined) bad(`umks[${i}]`, 'a retired version keeps no keyslots');
      continue;
    }
    for (const slot of ['wallet', 'recovery'] as const) {
      if (slot === 'recovery' && !hasRecovery) {
        if (e[slot] !== undefined) bad(`umks[${i}].recovery`, 'vault has no recovery settings');
        continue;
      }
      const p = parseRecordText(e[slot]);
      if (p.umkVersion !== version || p.type !== `umk.${slot}`) bad(`umks[${i}].${slot}`, 'keyslot names another version or type');
    }
  }
  if (active !== 1) bad('umks', 'exactly one active version');
  const activeEntry = (umks as UmkEntry[]).find((e) => e.state === 'active')!;
  if (v['activeUmkVersion'] !== activeEntry.version) bad('activeUmkVersion', 'must name the active version');
  // SPEC 6.5: rotation always activates a new highest version, so an older active one is a rollback.
  if (activeEntry.version !== Math.max(...seen)) bad('activeUmkVersion', 'the active version must be the highest');
  const revision = v['revision'];
  if (typeof revision !== 'number' || !Number.isSafeInteger(revision) || revision < 1) bad('revision', 'expected an integer >= 1');
  if (typeof v['mac'] !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(v['mac'] as string)) bad('mac', 'expected a base64url HMAC-SHA256');
  const known = new Set(['format', 'schema', 'owner', 'wallet', 'domain', 'chain', 'kdm', 'recovery', 'activeUmkVersion', 'umks', 'revision', 'mac']);
  onlyKnown(v, '', [...known]);
  const data = deepFreeze(copy) as VaultData;
  parsed.add(data);
  return data;
}

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null) {
    for (const k of Object.keys(o)) deepFreeze((o as Record<string, unknown>)[k]);
    Object.freeze(o);
  }
  return o;
}
