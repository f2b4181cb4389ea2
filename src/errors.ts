/**
 * Errors. One class, one stable string `code` per failure (SPEC 2). Codes are never renamed or
 * reused: callers branch on them, logs aggregate on them. Messages help a developer fix the call;
 * they never contain key material, plaintext, signatures, mnemonics or UMKs.
 * @module
 */

/**
 * Every failure code the library throws, with what it means. The table in docs/SPEC.md section 2
 * is generated from the same words; keep both in step.
 */
export const ERROR_CODES = {
  // -- input and configuration --
  INVALID_INPUT: 'an argument has the wrong type, length or shape',
  WEAK_KEY: 'a configured key is missing, short, or has too little variety to be random',
  UNSUPPORTED_VERSION: 'a format, suite or schema version this library does not know',
  // -- records and keys --
  KEY_MISMATCH: 'the key is not the one the value was sealed under (key commitment differs)',
  INTEGRITY: 'the value was modified: authentication failed under the right key',
  CONTEXT_MISMATCH: 'the value was sealed for another context (type, address, record fields)',
  // -- wallet signatures and the vault --
  INVALID_SIGNATURE: 'an ed25519 signature did not verify under the strict rules',
  NONDETERMINISTIC_SIGNER: 'two signatures of the key message differ: this signer cannot hold a vault',
  WALLET_KEY_NOT_REPRODUCED: 'the wallet signature did not reproduce the wrapping key of this vault',
  RECOVERY_CODE_MISMATCH: 'the recovery code does not open the recovery keyslot',
  NO_RECOVERY_SLOT: 'the vault has no recovery keyslot',
  AUTHORIZATION_REQUIRED: 'the operation needs a verified, fresh authorization of the right purpose',
  VAULT_LOCKED: 'the unlocked vault was locked or has expired',
  UMK_VERSION_UNKNOWN: 'the record names a UMK version this vault does not hold',
  UMK_VERSION_RETIRED: 'the UMK version is retired or decrypt-only for this operation',
  // -- signed messages --
  MESSAGE_MALFORMED: 'the signed-message text does not follow the grammar',
  MESSAGE_TOO_LONG: 'the signed message is longer than the maximum',
  MESSAGE_MISMATCH: 'the signed text differs from the text this server issued',
  ADDRESS_MISMATCH: 'the message address is not the signing key or not the expected account',
  DOMAIN_MISMATCH: 'the message names another domain',
  CHAIN_MISMATCH: 'the message names another chain (cluster)',
  PURPOSE_MISMATCH: 'the message authorizes another purpose',
  NONCE_UNKNOWN: 'the nonce was never issued, was already used, or has expired',
  MESSAGE_EXPIRED: 'the message is past its expiration time',
  MESSAGE_NOT_YET_VALID: 'the message is before its not-before time',
  MESSAGE_ISSUED_IN_FUTURE: 'the message issued-at time is in the future beyond the allowed skew',
  LIFETIME_TOO_LONG: 'a requested lifetime exceeds the hard maximum for its purpose',
  OFFCHAIN_MALFORMED: 'the Solana off-chain message envelope is malformed or not allowed',
  // -- derivation --
  MNEMONIC_WORD_COUNT: 'the mnemonic has a word count that is not allowed',
  MNEMONIC_UNKNOWN_WORD: 'the mnemonic has a word outside the English BIP39 list',
  MNEMONIC_CHECKSUM: 'the mnemonic checksum does not match',
  INVALID_PATH: 'the derivation path is malformed or has a non-hardened segment',
  // -- execution --
  GRANT_REVOKED: 'the execution grant was revoked',
  GRANT_KILLED: 'the kill switch is on for this bot or wallet',
  GRANT_EXPIRED: 'the execution grant window has ended',
  GRANT_NOT_YET_VALID: 'the execution grant window has not started',
  GRANT_WINDOW_TOO_LONG: 'the requested grant window exceeds the configured maximum',
  POLICY_MISMATCH: 'the policy presented does not hash to the policy the user signed',
  POLICY_INVALID: 'the policy does not validate',
  POLICY_VIOLATION: 'the order violates the bot policy',
  SIGNING_REFUSED: 'the signer refused a message the grant does not allow',
  UNWRAP_FAILED: 'the key wrapper could not unwrap the data key for this context',
  RATE_LIMITED: 'too many attempts; retry after the time given',
  // -- stores --
  STORE_FULL: 'a bounded store is full of live entries',
  STORE_UNAVAILABLE: 'a store backend did not answer; failing closed',
  // -- sessions (SPEC 12) --
  SESSION_UNKNOWN: 'no such session: never created, ended (lock, sign-out, kill) or swept after expiry',
  SESSION_EXPIRED: 'the session is past its expiry',
  SESSION_INVALID: 'the session secret, pepper or sealed blob does not open this session for this wallet and vault',
  // -- stores (issue 14) --
  CLOCK_INVALID: 'a configured clock returned something other than integer ms since the epoch',
  STORE_NOT_PERSISTENT: 'the store backend keeps no persistent copy and the app did not opt in',
} as const;

/** A stable failure code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Non-secret facts attached to an error (field names, limits, retry-after). Never key material. */
export type ErrorDetails = Readonly<Record<string, string | number | boolean | readonly string[]>>;

/**
 * The one error class the library throws on purpose. Branch on `code`, not on `message`.
 * @example
 * try { openRecord(key, text, opts) } catch (e) {
 *   if (isAgentvaultError(e, 'KEY_MISMATCH')) { ... }
 * }
 */
export class AgentvaultError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails | undefined;
  constructor(code: ErrorCode, message: string, details?: ErrorDetails, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AgentvaultError';
    this.code = code;
    this.details = details === undefined ? undefined : Object.freeze({ ...details });
  }
  override toString(): string {
    return `AgentvaultError [${this.code}]: ${this.message}`;
  }
}

/** True when `e` is an AgentvaultError, and, if `code` is given, has that code. */
export function isAgentvaultError(e: unknown, code?: ErrorCode): e is AgentvaultError {
  return e instanceof AgentvaultError && (code === undefined || e.code === code);
}

/** @internal Throw helper so call sites read as one line. */
export function fail(code: ErrorCode, message: string, details?: ErrorDetails): never {
  throw new AgentvaultError(code, message, details);
}
