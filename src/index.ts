/**
 * agentvault: a correct key hierarchy for Solana trading-bot backends.
 * The root entry re-exports the common path by name (no star re-exports, so internals cannot
 * leak); each area also has its own subpath (`agentvault/vault`, `agentvault/messages`, ...).
 * See docs/SPEC.md.
 * @module
 */
export { AgentvaultError, ERROR_CODES, isAgentvaultError } from './errors.js';
export type { ErrorCode, ErrorDetails } from './errors.js';
export { SecretBytes } from './secret.js';
export {
  assertWalletSignature,
  constantTimeEqual,
  decodeAddress,
  encodeAddress,
  isAddress,
  verifyEd25519Strict,
  verifyWalletSignature,
} from './primitives/index.js';
export { openRecord, sealRecord } from './records/index.js';
export type { OpenRecordOptions, RecordContext, SealRecordOptions } from './records/index.js';
export {
  createKeyMessage,
  createVault,
  migrateRecords,
  parseVault,
  prepareVault,
  retireUmkVersion,
  rewrapVault,
  rotateVault,
  UnlockedVault,
  unlockVault,
  unlockVaultWithRecovery,
  vaultKeyMessage,
} from './vault/index.js';
export type { CreatedVault, PreparedVault, VaultChain, VaultData } from './vault/index.js';
export {
  decodeSignature,
  definePurpose,
  encodeOffchainMessage,
  isVerifiedMessage,
  issueChallenge,
  parseOffchainMessage,
  signedBytesFor,
  verifySignedMessage,
} from './messages/index.js';
export type { Challenge, ExpectedMessage, Purpose, SignedAs, VerifiedMessage } from './messages/index.js';
export {
  createAgentWallet,
  deriveSolanaKeypair,
  generateMnemonic,
  openAgentKey,
  parseDerivationPath,
  validateMnemonic,
} from './derivation/index.js';
export type { AgentWallet, DerivationPreset, SolanaKeypair } from './derivation/index.js';
export {
  auditHook,
  MemoryAuditLog,
  MemoryBudgetStore,
  MemoryNonceStore,
  MemoryRateLimiter,
  MemoryRevocationStore,
  verifyAuditLog,
} from './stores/index.js';
export type {
  AuditEntry,
  AuditEvent,
  AuditLogStore,
  BudgetResult,
  BudgetSpend,
  BudgetStore,
  KillScope,
  KillState,
  KillWrite,
  NonceStore,
  RateLimiter,
  RateLimitResult,
  RevocationStore,
} from './stores/index.js';
export {
  createExecutionGrant,
  evaluateOrder,
  LocalKeyWrapper,
  normalizePolicy,
  parseGrant,
  policyHash,
  revealMnemonic,
  summarizePolicy,
  withExecutionSigner,
} from './execution/index.js';
export type { ExecutionGrant, ExecutionPolicy, ExecutionPolicyV2Input, ExecutionSigner, KeyWrapper, NormalizedPolicy, Order, OrderInput, OrderV2, PolicyInput } from './execution/index.js';
export {
  beginSession,
  createSessionPepper,
  endSession,
  endWalletSessions,
  loadSessionPeppers,
  MemorySessionStore,
  openSession,
} from './sessions/index.js';
export type { SessionCredentials, SessionPeppers, SessionStore } from './sessions/index.js';
