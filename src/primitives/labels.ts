/**
 * Every HKDF `info` label and every fixed format string, in one place (DESIGN 5, SPEC 3.1).
 * Changing any value here changes every derived key: it is a format version bump, never a fix.
 * @module
 */

/** Wrapping key from the KDM signature (SPEC 5.3). */
export const LABEL_WALLET_KEY = 'agentvault/v1/wallet-key';
/** Key from a 128-bit random recovery code (SPEC 6.4). */
export const LABEL_RECOVERY_CODE = 'agentvault/v1/recovery-code';
/** Key from a human passphrase, after scrypt (SPEC 6.4). */
export const LABEL_RECOVERY_PASSPHRASE = 'agentvault/v1/recovery-passphrase';
/** Per-purpose subkey from the UMK (SPEC 6.3). */
export const LABEL_SUBKEY = 'agentvault/v1/subkey';
/** Record key derivation, AWS Encryption SDK v2 committing-suite style (SPEC 4.3). */
export const LABEL_RECORD_DERIVEKEY = 'DERIVEKEY';
export const LABEL_RECORD_COMMITKEY = 'COMMITKEY';
/** Local key wrapper AAD framing (SPEC 10.1.2). */
export const LABEL_LOCAL_WRAP = 'agentvault/v1/local-wrap';
/** Domain separation inside a grant's wrap context (SPEC 10.2.3). */
export const LABEL_GRANT_DATA_KEY = 'agentvault/v1/grant-data-key';
/** Vault metadata MAC key from the active UMK (SPEC 6.1). */
export const LABEL_VAULT_MAC = 'agentvault/v1/vault-mac';
/** Session key from the client secret and the server pepper (SPEC 12.2). */
export const LABEL_SESSION_KEY = 'agentvault/v1/session-key';
/** Wrap context of a session pepper held by a key wrapper (SPEC 12.1). */
export const LABEL_SESSION_PEPPER = 'agentvault/v1/session-pepper';
