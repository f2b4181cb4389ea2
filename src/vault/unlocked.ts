/**
 * The unlocked vault: a handle that holds the UMK versions in private fields, knows its expiry,
 * derives per-purpose subkeys and seals/opens records, and zeroes everything on `lock()` or
 * expiry (DESIGN 7, SPEC 6.3). Modelled on noble's `eskdf`: the root key never leaves the handle.
 * @module
 */
import { aobject, concatBytes, lp, zero } from '../_utils.js';
import { fail } from '../errors.js';
import { hkdfSha256 } from '../primitives/hkdf.js';
import { LABEL_SUBKEY } from '../primitives/labels.js';
import type { RecordContext } from '../records/context.js';
import { assertRecordType } from '../records/format.js';
import { openRecord, recordUmkVersion, sealRecord } from '../records/record.js';
import { SecretBytes } from '../secret.js';
import type { VaultData } from './data.js';

const INSPECT = Symbol.for('nodejs.util.inspect.custom');
/** Built-in subkey purposes (SPEC 6.3); apps may add names matching the same charset. */
export const SUBKEY_PURPOSES = ['mnemonic', 'agent-key', 'profile'] as const;
const RESERVED_PREFIX = 'umk.';

/** App fields of a record context; `address` is always the vault owner and set by the vault. */
export type RecordFields = Readonly<Record<string, string>>;

/** @internal State handed over by unlock/create; never exported from a public entry. */
export interface UnlockedState {
  data: VaultData;
  umks: Map<number, Uint8Array>;
  walletKey: SecretBytes | undefined;
  recoveryKey: SecretBytes | undefined;
  expiresAt: number;
  clock: () => number;
  /**
   * Set after a recovery unlock authorized by a wallet other than the vault's: the handle can
   * only move the vault to that wallet (`rewrapVault`), nothing else (SPEC 6.4).
   */
  restrictedTo: string | undefined;
  /** Expiry by the system clock (an injected clock cannot extend the handle's life). */
  realExpiresAt: number;
}

const states = new WeakMap<UnlockedVault, UnlockedState>();

/**
 * @internal The live state of a handle; throws VAULT_LOCKED after lock or expiry, and
 * AUTHORIZATION_REQUIRED for a recovery-restricted handle unless `restrictedOk`.
 */
export function _stateOf(vault: unknown, restrictedOk = false): UnlockedState {
  const s = vault instanceof UnlockedVault ? states.get(vault) : undefined;
  if (!s) return fail('INVALID_INPUT', 'expected an UnlockedVault from unlockVault/createVault');
  if (s.umks.size === 0) fail('VAULT_LOCKED', 'the vault is locked; unlock it again');
  if (s.clock() >= s.expiresAt || Date.now() >= s.realExpiresAt) {
    (vault as UnlockedVault).lock();
    fail('VAULT_LOCKED', 'the unlocked vault has expired; unlock it again');
  }
  if (s.restrictedTo !== undefined && !restrictedOk)
    fail('AUTHORIZATION_REQUIRED', 'this handle was opened by recovery for a new wallet: rewrap the vault to that wallet first');
  return s;
}

/**
 * Derive the subkey for `purpose` from UMK version `v` (SPEC 6.3):
 *   subkey = HKDF-SHA256(ikm = UMK_v, salt = none, info = lp(LABEL_SUBKEY) || lp(purpose) || lp(owner), 32)
 */
export function _deriveSubkey(umk: Uint8Array, purpose: string, owner: string): Uint8Array {
  return hkdfSha256(umk, undefined, concatBytes(lp(LABEL_SUBKEY), lp(purpose), lp(owner)), 32);
}

function assertPurpose(purpose: unknown): string {
  const p = assertRecordType(purpose, 'purpose');
  if (p.startsWith(RESERVED_PREFIX)) fail('INVALID_INPUT', `purpose: the '${RESERVED_PREFIX}' prefix is reserved for keyslots`, { field: 'purpose' });
  return p;
}

/**
 * An unlocked vault. Obtain it from `unlockVault`, `unlockVaultWithRecovery` or `createVault`;
 * call `lock()` when done. Every method throws `VAULT_LOCKED` after lock or expiry.
 */
export class UnlockedVault {
  /** @internal */
  constructor(state: UnlockedState) {
    states.set(this, state);
    const ms = state.realExpiresAt - Date.now();
    // Backstop for expiry; the clock is also checked on every call. Never keeps the process alive.
    const t = setTimeout(() => this.lock(), Math.max(0, Math.min(ms, 2 ** 31 - 1))) as unknown;
    if (typeof t === 'object' && t !== null && 'unref' in t) (t as { unref(): void }).unref();
    Object.freeze(this);
  }

  /** The vault owner's address (fixed at creation; used in subkeys and record contexts). */
  get owner(): string {
    return _stateOf(this, true).data.owner;
  }
  /** Alias of `owner`, for code that thinks in addresses. */
  get address(): string {
    return this.owner;
  }
  /** The current stored vault (after rotate/rewrap, the new one). */
  get data(): VaultData {
    return _stateOf(this, true).data;
  }
  get activeUmkVersion(): number {
    return _stateOf(this, true).data.activeUmkVersion;
  }
  /** Milliseconds since the epoch after which the handle locks itself. */
  get expiresAt(): number {
    const s = states.get(this);
    return s ? s.expiresAt : 0;
  }
  /** True after `lock()` or expiry. */
  get locked(): boolean {
    const s = states.get(this);
    // Both clocks, as `_stateOf` checks them: a handle that refuses every call reads as locked.
    return !s || s.umks.size === 0 || s.clock() >= s.expiresAt || Date.now() >= s.realExpiresAt;
  }

  /** The subkey for `purpose` (from the active UMK unless `umkVersion` is given). Dispose it after use. */
  subkey(purpose: string, umkVersion?: number): SecretBytes {
    const s = _stateOf(this);
    const p = assertPurpose(purpose);
    const v = umkVersion ?? s.data.activeUmkVersion;
    const umk = s.umks.get(v);
    if (!umk) {
      const known = s.data.umks.some((e) => e.version === v);
      fail(known ? 'UMK_VERSION_RETIRED' : 'UMK_VERSION_UNKNOWN', `UMK version ${v} is not available in this vault`);
    }
    return SecretBytes.from(_deriveSubkey(umk, p, s.data.owner));
  }

  /**
   * Seal `plaintext` as a record of `type` under the active UMK's subkey for `type`.
   * Context = { address: owner, ...fields }.
   */
  seal(type: string, plaintext: Uint8Array, fields: RecordFields = {}): string {
    const s = _stateOf(this);
    const key = this.subkey(type);
    try {
      return sealRecord(key, plaintext, { type, context: contextOf(s.data.owner, fields), umkVersion: s.data.activeUmkVersion });
    } finally {
      key.dispose();
    }
  }

  /** Open a record of `type` sealed by this vault under any UMK version it still holds. */
  open(type: string, record: string, fields: RecordFields = {}): SecretBytes {
    const s = _stateOf(this);
    const version = recordUmkVersion(record);
    const key = this.subkey(type, version);
    try {
      return openRecord(key, record, { type, context: contextOf(s.data.owner, fields) }).plaintext;
    } finally {
      key.dispose();
    }
  }

  /** Zero every key this handle holds. Idempotent. */
  lock(): void {
    const s = states.get(this);
    if (!s) return;
    for (const umk of s.umks.values()) zero(umk);
    s.umks.clear();
    s.walletKey?.dispose();
    s.recoveryKey?.dispose();
  }

  toString(): string {
    return 'UnlockedVault(<redacted>)';
  }
  toJSON(): string {
    return '<redacted>';
  }
  [INSPECT](): string {
    return this.toString();
  }
}

function contextOf(owner: string, fields: RecordFields): RecordContext {
  aobject(fields, 'fields');
  if ('address' in fields && fields['address'] !== owner)
    fail('INVALID_INPUT', 'fields.address: set by the vault (the owner); do not pass another', { field: 'fields.address' });
  return { ...fields, address: owner };
}
