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

/**
 * The outcome of a kill or unkill (SPEC 9.1, "Ordering"). Every kill-switch state change gets the
 * next version of its scope, issued by the store itself; `unkill` is a compare-and-set on that
 * version, so an unkill that reaches the server late, after a newer kill, changes nothing.
 */
export interface KillWrite {
  /** True when this call changed the state. */
  readonly applied: boolean;
  /** The scope's version after the call (the new one when applied, the current one otherwise). */
  readonly version: number;
}

/** Options of `unkill`. */
export interface UnkillOptions {
  /**
   * Turn the switch off only if the scope is still at this version (the one a kill returned or
   * `killState` read). Without it the store reads the current version first and then sets it
   * conditionally, so a delayed unkill can never undo a kill made after that read.
   */
  readonly ifVersion?: number;
}

/** The state of one kill switch. Version 0: never written. */
export interface KillState {
  readonly killed: boolean;
  readonly version: number;
}

/** Revocation and kill-switch store, checked on every use of a grant (DESIGN 9). */
export interface RevocationStore {
  /**
   * Revoke a grant for good, or, with `until` (the grant's end, integer ms since the epoch, in the
   * future on this instance's clock), until `until` plus the store's `maxClockSkewMs` (SPEC 9.1):
   * a revocation outlives the grant on every instance whose clock is within the skew. A past or
   * non-integer `until` throws `INVALID_INPUT`. Revocations only ever extend, so they commute and
   * need no version.
   */
  revoke(grantId: string, until?: number): Promise<void>;
  isRevoked(grantId: string): Promise<boolean>;
  /** Turn the switch on (always applies, with the scope's next version). */
  kill(scope: KillScope): Promise<KillWrite>;
  /** Turn the switch off by compare-and-set on the scope's version (see {@link UnkillOptions}). */
  unkill(scope: KillScope, options?: UnkillOptions): Promise<KillWrite>;
  /** True when the kill switch is on for this bot or for this wallet. */
  isKilled(target: { readonly bot: string; readonly wallet: string }): Promise<boolean>;
  /** The switch of one scope and its version. */
  killState(scope: KillScope): Promise<KillState>;
}

/** One counter a budgeted signature spends (SPEC 9.8). */
export interface BudgetSpend {
  /** `grant:<grantId>:<unit>[:<mint>]:<windowSeconds>` or `wallet:<address>:...`. */
  readonly counter: string;
  /** The rolling window: the counter sums what was spent in `(now - windowMs, now]`. */
  readonly windowMs: number;
  readonly amount: bigint;
  readonly limit: bigint;
}

/** The answer of {@link BudgetStore.spend}. */
export type BudgetResult =
  | { readonly ok: true; readonly after: readonly bigint[] }
  | { readonly ok: false; readonly counter: string };

/**
 * Rolling-window spend budgets shared by every instance (SPEC 9.8, DESIGN 13). The one definition:
 * the signer's `budgets` option (`agentvault/execution`) takes this type, so every store of
 * `agentvault/stores` plugs in without a cast.
 */
export interface BudgetStore {
  /**
   * Atomically: if `key` (message hash hex) was already spent for these counters, return the
   * earlier result without spending; else if every counter's rolling-window sum + amount <= limit,
   * add all and return ok; else add nothing. Never refundable.
   */
  spend(key: string, spends: readonly BudgetSpend[], now: number): Promise<BudgetResult>;
}

/**
 * One signing decision (SPEC 9.9, 10.4.11), as the signer pipeline emits it to its `audit` hook
 * and as an audit log store (`AuditLogStore`) persists it. Never key material, never the message bytes. The
 * one definition: `agentvault/execution` and `agentvault/stores` re-export it under this name.
 */
export interface AuditEvent {
  /** ms since the epoch (the signer's clock). */
  readonly at: number;
  readonly grantId: string;
  readonly bot: string;
  readonly agent: string;
  readonly allowed: boolean;
  readonly reason?: string;
  /** Policy path of the rule that refused (SPEC 10). */
  readonly rule?: string;
  readonly instructionIndex?: number;
  /** Lowercase hex SHA-256 of the message the decision was about. */
  readonly messageHash: string;
  /** Counter name -> amount spent in its window after this signature, as a decimal string. */
  readonly budgetAfter?: Readonly<Record<string, string>>;
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
