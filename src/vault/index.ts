/**
 * `agentvault/vault`: the key message, the wallet-wrapped UMK and its lifecycle (SPEC 5, 6).
 * @module
 */
export { parseVault, VAULT_FORMAT, VAULT_SCHEMA } from './data.js';
export type { UmkEntry, UmkState, VaultData } from './data.js';
export { createKeyMessage, deriveWalletKey, keyMessageBytes, KDM_FIRST_LINE, KDM_VERSION, VAULT_CHAINS } from './kdm.js';
export type { KeyMessageFields, VaultChain, WrappingKeyInput } from './kdm.js';
export { generateRecoveryCode, MIN_PASSPHRASE_LENGTH, SCRYPT_DEFAULTS } from './recovery.js';
export type { ScryptParams } from './recovery.js';
export { migrateRecords, retireUmkVersion, rotateVault } from './rotation.js';
export type { MigrateOptions, RotateOptions, StoredRecord } from './rotation.js';
export { SUBKEY_PURPOSES, UnlockedVault } from './unlocked.js';
export type { RecordFields } from './unlocked.js';
export {
  createVault,
  DEFAULT_UNLOCK_TTL_MS,
  MAX_UNLOCK_TTL_MS,
  prepareVault,
  rewrapVault,
  unlockVault,
  unlockVaultWithRecovery,
  vaultKeyMessage,
} from './vault.js';
export type { CreatedVault, CreateVaultOptions, PreparedVault, RecoveryRequest, RecoveryUnlockOptions, RewrapOptions, UnlockVaultOptions } from './vault.js';
