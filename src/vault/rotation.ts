/**
 * UMK rotation (DESIGN 7, SPEC 6.5): a new UMK version becomes active for new records; older
 * versions stay decrypt-only until every record is migrated; then they are retired. Records
 * name their UMK version, so reads never guess. Migration is resumable and idempotent: each
 * record is re-sealed and saved on its own, and a record already on the active version is
 * skipped, so a crash half-way loses nothing and a rerun finishes the job. It refuses to run
 * until the rotated vault is the stored one, so no record is ever sealed under a UMK that is
 * not durably wrapped.
 * @module
 */
import { aoptions } from '../_options.js';
import { aint, zero } from '../_utils.js';
import { randomBytes } from '../_random.js';
import { fail } from '../errors.js';
import { openRecord, recordUmkVersion } from '../records/record.js';
import type { SecretBytes } from '../secret.js';
import { parseVault, type UmkEntry, type VaultData } from './data.js';
import { signVault } from './mac.js';
import type { RecordFields, UnlockedVault } from './unlocked.js';
import { _sealSlot, recoveryKeyFor, stateFor, UMK_LENGTH } from './vault.js';

export interface RotateOptions {
  /** Needed to carry the recovery slot to the new version when the handle was unlocked by wallet. */
  readonly recoveryCode?: string;
  readonly passphrase?: string;
  /** The server pepper, when the recovery keyslot is peppered. */
  readonly pepper?: Uint8Array;
  /** Remove the recovery keyslots instead (explicit: recovery is never dropped silently). */
  readonly dropRecovery?: boolean;
}

function stripRecovery(e: UmkEntry): UmkEntry {
  const { recovery: _r, ...rest } = e;
  return rest;
}

function checkRecoveryKey(key: SecretBytes, data: VaultData): void {
  const active = data.umks.find((e) => e.state === 'active')!;
  try {
    openRecord(key, active.recovery!, { type: 'umk.recovery', context: { address: data.owner, domain: data.domain, chain: data.chain } }).plaintext.dispose();
  } catch {
    fail('RECOVERY_CODE_MISMATCH', 'the recovery code or passphrase does not open this vault');
  }
}

/**
 * Make a new UMK version active. The handle (unlocked with the wallet) must hold the wallet key.
 * Returns the vault to store (revision + 1; save it with compare-and-swap on the old revision);
 * the handle switches to it.
 */
export function rotateVault(unlocked: UnlockedVault, opts: RotateOptions = {}): { readonly vault: VaultData } {
  const state = stateFor(unlocked);
  aoptions(opts, 'options', ['recoveryCode', 'passphrase', 'pepper', 'dropRecovery']);
  const old = state.data;
  if (!state.walletKey)
    fail('INVALID_INPUT', 'rotation needs a vault unlocked with the wallet (after a recovery unlock, rewrap to a wallet first)');
  const keepRecovery = old.recovery !== undefined && opts.dropRecovery !== true;
  let recoveryKey = keepRecovery ? state.recoveryKey : undefined;
  let derived: SecretBytes | undefined;
  if (keepRecovery && !recoveryKey) {
    if (opts.recoveryCode === undefined && opts.passphrase === undefined)
      fail('INVALID_INPUT', 'this vault has a recovery keyslot: pass recoveryCode/passphrase to carry it over, or dropRecovery: true');
    derived = recoveryKey = recoveryKeyFor(old, opts);
  }
  const newVersion = Math.max(...old.umks.map((e) => e.version)) + 1;
  const umk = randomBytes(UMK_LENGTH);
  try {
    // Prove a derived recovery key before relying on it.
    if (derived) checkRecoveryKey(derived, old);
    const umks: UmkEntry[] = old.umks.map((e) => {
      const entry = e.state === 'active' ? { ...e, state: 'decrypt-only' as const } : e;
      return keepRecovery ? entry : stripRecovery(entry);
    });
    umks.push({
      version: newVersion,
      state: 'active',
      wallet: _sealSlot(state.walletKey, umk, 'wallet', newVersion, old),
      ...(keepRecovery ? { recovery: _sealSlot(recoveryKey!, umk, 'recovery', newVersion, old) } : {}),
    });
    const { mac: _mac, recovery: _r, ...rest } = old;
    const data = signVault(
      { ...rest, ...(keepRecovery ? { recovery: old.recovery } : {}), activeUmkVersion: newVersion, umks, revision: old.revision + 1 },
      umk,
    );
    state.umks.set(newVersion, Uint8Array.from(umk));
    if (derived) state.recoveryKey = derived;
    if (!keepRecovery && state.recoveryKey) {
      state.recoveryKey.dispose();
      state.recoveryKey = undefined;
    }
    state.data = data;
    derived = undefined;
    return Object.freeze({ vault: data });
  } finally {
    zero(umk);
    derived?.dispose();
  }
}

/** One stored record to migrate: where it lives (`id`), what it is, and its context fields. */
export interface StoredRecord {
  readonly id: string;
  readonly type: string;
  readonly record: string;
  readonly fields?: RecordFields;
}

export interface MigrateOptions {
  /**
   * The vault as it is stored now. Migration refuses to start unless it is the handle's vault
   * (same revision and MAC): save the rotated vault first, and a stale handle (another instance
   * rotated meanwhile) cannot seal records under a UMK the stored vault does not hold. JSON data
   * as read back from the database; validated (`parseVault`) whatever its static type.
   */
  readonly stored: VaultData;
  readonly records: Iterable<StoredRecord> | AsyncIterable<StoredRecord>;
  /** Persist one re-sealed record before resolving. */
  readonly save: (id: string, record: string) => void | Promise<void>;
}

/**
 * Re-seal every record not on the active UMK version and hand each new record to `save`.
 * Records already on the active version are skipped, so the call is idempotent and can be
 * rerun after a crash.
 */
export async function migrateRecords(unlocked: UnlockedVault, opts: MigrateOptions): Promise<{ readonly migrated: number; readonly skipped: number }> {
  aoptions(opts, 'options', ['stored', 'records', 'save']);
  if (typeof opts.save !== 'function') fail('INVALID_INPUT', 'save: expected a function', { field: 'save' });
  const stored = parseVault(opts.stored);
  const mine = stateFor(unlocked).data;
  if (stored.revision !== mine.revision || stored.mac !== mine.mac)
    fail('INVALID_INPUT', 'stored: the stored vault is not this handle\'s vault (save the rotated vault first, or unlock again)', { field: 'stored' });
  let migrated = 0;
  let skipped = 0;
  for await (const r of opts.records) {
    aoptions(r, 'record', ['id', 'type', 'record', 'fields']);
    const active = unlocked.activeUmkVersion;
    if (recordUmkVersion(r.record) === active) {
      skipped++;
      continue;
    }
    const plaintext = unlocked.open(r.type, r.record, r.fields);
    try {
      await opts.save(r.id, unlocked.seal(r.type, plaintext.expose(), r.fields));
    } finally {
      plaintext.dispose();
    }
    migrated++;
  }
  return { migrated, skipped };
}

/**
 * Retire a decrypt-only UMK version once no record uses it: its keyslots are deleted from the
 * vault and its key zeroed. `remaining` must be every record the app still stores for this vault;
 * retiring is refused while any of them names the version. Returns the vault to store.
 */
export function retireUmkVersion(unlocked: UnlockedVault, version: number, remaining: Iterable<string>): { readonly vault: VaultData } {
  const state = stateFor(unlocked);
  aint(version, 'version', 1, 0xffffffff);
  const entry = state.data.umks.find((e) => e.version === version);
  if (!entry) fail('UMK_VERSION_UNKNOWN', `UMK version ${version} is not in this vault`);
  if (entry.state === 'active') fail('INVALID_INPUT', 'the active UMK version cannot be retired; rotate first');
  if (entry.state === 'retired') return Object.freeze({ vault: state.data });
  let left = 0;
  for (const r of remaining) if (recordUmkVersion(r) === version) left++;
  if (left > 0) fail('INVALID_INPUT', `${left} record(s) still use UMK version ${version}; migrate them first`, { remaining: left });
  const { mac: _mac, ...rest } = state.data;
  const data = signVault(
    { ...rest, umks: state.data.umks.map((e) => (e.version === version ? { version, state: 'retired' as const } : e)), revision: state.data.revision + 1 },
    state.umks.get(state.data.activeUmkVersion)!,
  );
  const umk = state.umks.get(version);
  if (umk) zero(umk);
  state.umks.delete(version);
  state.data = data;
  return Object.freeze({ vault: data });
}
