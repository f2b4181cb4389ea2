/**
 * `agentvault/stores`: the store interfaces (DESIGN 10) and the in-memory implementations. The Redis
 * and PostgreSQL stores live in `agentvault/stores/redis` and `agentvault/stores/postgres`, so that
 * importing this entry never loads a driver.
 * @module
 */
export { AUDIT_GENESIS, auditEntryHash, auditHook, canonicalAuditEvent, MemoryAuditLog, verifyAuditLog } from './audit.js';
export type { AuditEntry, AuditEvent, AuditHead, AuditLogStore, AuditVerification, MemoryAuditLogOptions } from './audit.js';
export { MemoryBudgetStore, MemoryNonceStore, MemoryRateLimiter, MemoryRevocationStore } from './memory.js';
export type { MemoryBudgetStoreOptions, MemoryRateLimiterOptions, MemoryRevocationStoreOptions, MemoryStoreOptions } from './memory.js';
export type {
  BudgetResult,
  BudgetSpend,
  BudgetStore,
  KillScope,
  KillState,
  KillWrite,
  NonceStore,
  RateLimitResult,
  RateLimiter,
  RevocationStore,
  UnkillOptions,
} from './types.js';
