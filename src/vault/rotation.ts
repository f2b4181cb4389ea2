/**
 * UMK rotation (DESIGN 7, SPEC 6.5): a new UMK version becomes active for new records; older
 * versions stay decrypt-only until every record is migrated; then they are retired. Records
 * name their UMK version, so reads never guess. Migration is resumable and idempotent: each
 * record is re-sealed and saved on its own, and a record already on the active version is
 * skipped, so a crash half-way loses nothing and a rerun finishes the job.
 * @module
 */
import { aint, aobject, zero } from '../_utils.js';
import { randomBytes } from '../_random.js';
import { fail } from '../errors.js';
import { openRecord, recordUmkVersion } from '../records/record.js';
import type { SecretBytes } from '../secret.js';
import { parseVault, type UmkEntry, type VaultData } from './data.js';
import type { RecordFields, UnlockedVault } from './unlocked.js';
import { _sealSlot, recoveryKeyFor, stateFor } from './vault.js';

export interface RotateOptions {
  /** Needed to carry the recovery slot to the new version when the handle was unlocked by wallet. */
  readonly recoveryCode?: string;
  readonly passphrase?: string;
  /** Remove the recovery keyslots instead (explicit: recovery is never dropped silently). */
  readonly dropRecovery?: boolean;
}

/**
 * Make a new UMK version active. The handle (unlocked with the wallet) must hold the wallet key.
 * Returns the vault to store; the handle switches to it.
 */
export function rotateVault(unlocked: UnlockedVault, opts: RotateOptions = {}): { readonly vault: VaultData } {
  const state = stateFor(unlocked);
  aobject(opts, 'options');
  const old = state.data;
  if (!state.walletKey)
    fail('INVALID_INPUT', 'rotation needs a vault unlocked with the wallet (after a recovery unlock, rewrap to a wallet first)');
  let recoveryKey = state.recoveryKey;
  let derivedRecovery = false;
  if (old.recovery && !opts.dropRecovery && !recoveryKey) {
    if (opts.recoveryCode === undefined && opts.passphrase === undefined)
      fail('INVALID_INPUT', 'this vault has a recovery keyslot: pass recoveryCode/passphrase to carry it over, or dropRecovery: true');
    recoveryKey = recoveryKeyFor(old, opts);
    derivedRecovery = true;
  }
  const newVersion = Math.max(...old.umks.map((e) => e.version)) + 1;
  const umk = randomBytes(32);
  try {
    if (derivedRecovery) {
      // Prove the recovery key before relying on it: open the active version's recovery slot.
      const active = old.umks.find((e) => e.state === 'active')!;
      try {
        _openRecoveryCheck(recoveryKey!, active, old);
      } catch (e) {
        recoveryKey!.dispose();
        throw e;
      }
    }
    const keepRecovery = old.recovery !== undefined && !opts.dropRecovery;
    const umks: UmkEntry[] = old.umks.map((e) => {
      if (e.state !== 'active') return keepRecovery ? e : stripRecovery(e);
      return stripRecoveryIf({ ...e, state: 'decrypt-only' }, !keepRecovery);
    });
    umks.push({
      version: newVersion,
      state: 'active',
      wallet: _sealSlot(state.walletKey, umk, 'wallet', newVersion, old),
      ...(keepRecovery ? { recovery: _sealSlot(recoveryKey!, umk, 'recovery', newVersion, old) } : {}),
    });
    const { recovery: _dropped, ...rest } = old;
    const data = parseVault({ ...rest, ...(keepRecovery ? { recovery: old.recovery } : {}), activeUmkVersion: newVersion, umks });
    state.umks.set(newVersion, Uint8Array.from(umk));
    if (derivedRecovery) state.recoveryKey = keepRecovery ? recoveryKey : (recoveryKey!.dispose(), undefined);
    if (!keepRecovery && state.recoveryKey) {
      state.recoveryKey.dispose();
      state.recoveryKey = undefined;
    }
    state.data = data;
    return Object.freeze({ vault: data });
  } finally {
    zero(umk);
  }
}

function stripRecovery(e: UmkEntry): UmkEntry {
  const { recovery: _r, ...rest } = e;
  return rest;
}
function stripRecoveryIf(e: UmkEntry, strip: boolean): UmkEntry {
  return strip ? stripRecovery(e) : e;
}

function _openRecoveryCheck(key: SecretBytes, entry: UmkEntry, data: VaultData): void {
  try {
    openRecord(key, entry.recovery!, { type: 'umk.recovery', context: { address: data.owner, domain: data.domain, chain: data.chain } }).plaintext.dispose();
  } catch {
    fail('RECOVERY_CODE_MISMATCH', 'the recovery code or passphrase does not open this vault');
  }
}

/** One stored record to migrate: where it lives (`id`), what it is, and its context fields. */
export interface StoredRecord {
  readonly id: string;
  readonly type: string;
  readonly record: string;
  readonly fields?: RecordFields;
}

/**
 * Re-seal every record not on the active UMK version and hand each new record to `save`
 * (which must persist it before resolving). Records already on the active version are skipped,
 * so the call is idempotent and can be rerun after a crash.
 */
export async function migrateRecords(
  unlocked: UnlockedVault,
  records: Iterable<StoredRecord> | AsyncIterable<StoredRecord>,
  save: (id: string, record: string) => void | Promise<void>,
): Promise<{ readonly migrated: number; readonly skipped: number }> {
  if (typeof save !== 'function') fail('INVALID_INPUT', 'save: expected a function');
  let migrated = 0;
  let skipped = 0;
  for await (const r of records) {
    aobject(r, 'record');
    const active = unlocked.activeUmkVersion;
    if (recordUmkVersion(r.record) === active) {
      skipped++;
      continue;
    }
    const plaintext = unlocked.open(r.type, r.record, r.fields);
    try {
      await save(r.id, unlocked.seal(r.type, plaintext.expose(), r.fields));
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
 * retiring is refused while any of them names the version.
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
  const data = parseVault({ ...state.data, umks: state.data.umks.map((e) => (e.version === version ? { version, state: 'retired' } : e)) });
  const umk = state.umks.get(version);
  if (umk) zero(umk);
  state.umks.delete(version);
  state.data = data;
  return Object.freeze({ vault: data });
}
