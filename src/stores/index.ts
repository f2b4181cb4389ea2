/**
 * `agentvault/stores`: the store interfaces (DESIGN 10) and the in-memory implementations. The Redis
 * and PostgreSQL stores live in `agentvault/stores/redis` and `agentvault/stores/postgres`, so that
 * importing this entry never loads a driver.
 * @module
 */
export { MemoryNonceStore, MemoryRateLimiter, MemoryRevocationStore } from './memory.js';
export type { MemoryRateLimiterOptions, MemoryStoreOptions } from './memory.js';
export type { KillScope, NonceStore, RateLimitResult, RateLimiter, RevocationStore } from './types.js';
