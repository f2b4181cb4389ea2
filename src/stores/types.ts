/**
 * Store interfaces (DESIGN 10, SPEC 9). Implementations: memory (single process), Redis and
 * PostgreSQL. Every implementation fails closed: a backend that cannot answer throws
 * `STORE_UNAVAILABLE`, never "fresh" or "not revoked".
 * @module
 */

/** Nonce store: replay protection keyed on the server-issued nonce, stored only as a hash. */
export interface NonceStore {
  /**
   * Remember `hash` (hex SHA-256 of the nonce) until `expiresAt` (ms since the epoch) with opaque
   * `meta` (the issued challenge, JSON text, at most 16 KiB). Throws `STORE_FULL` when a bounded
   * store is full of live nonces (never evicts a live one), `INVALID_INPUT` on a duplicate hash.
   */
  issue(hash: string, expiresAt: number, meta: string): Promise<void>;
  /**
   * Atomically remove `hash` and return its meta if it was issued and `now < expiresAt`;
   * otherwise null. Across any number of concurrent callers, at most one gets the meta.
   */
  consume(hash: string, now: number): Promise<string | null>;
}

/** What a kill switch covers. */
export type KillScope = { readonly bot: string } | { readonly wallet: string };

/** Revocation and kill-switch store, checked on every use of a grant (DESIGN 9). */
export interface RevocationStore {
  /** Revoke a grant for good. `until` (ms since the epoch) lets a store forget it after the grant's end. */
  revoke(grantId: string, until?: number): Promise<void>;
  isRevoked(grantId: string): Promise<boolean>;
  kill(scope: KillScope): Promise<void>;
  unkill(scope: KillScope): Promise<void>;
  /** True when the kill switch is on for this bot or for this wallet. */
  isKilled(target: { readonly bot: string; readonly wallet: string }): Promise<boolean>;
}

/** The answer of a rate limiter for one attempt. */
export interface RateLimitResult {
  readonly allowed: boolean;
  /** Attempts left in the current window after this one. */
  readonly remaining: number;
  /** When not allowed: milliseconds until an attempt can succeed; 0 when allowed. */
  readonly retryAfterMs: number;
}

/** Rate limiter: `limit` attempts per `windowMs` per key (configured at construction). */
export interface RateLimiter {
  readonly limit: number;
  readonly windowMs: number;
  /** Count one attempt for `key` at `now` and say whether it is allowed. */
  hit(key: string, now: number): Promise<RateLimitResult>;
}
