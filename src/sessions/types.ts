/**
 * The session store interface (SPEC 12.4). Implementations: memory (`agentvault/sessions`), Redis
 * (`agentvault/sessions/redis`) and PostgreSQL (`agentvault/sessions/postgres`). Same conventions
 * as `src/stores`: every backend failure throws `STORE_UNAVAILABLE` (fail closed: never "no such
 * session" when the store could not be asked, and never a session it could not read whole), an
 * entry is dropped by the backend at its expiry, and delete is idempotent.
 * @module
 */

/** What the shared store holds for one session: nothing in it opens anything without the client secret. */
export interface StoredSession {
  /** The session id (`[A-Za-z0-9_-]{16,128}`), not secret. */
  readonly id: string;
  /** The wallet that unlocked (base58 address). */
  readonly wallet: string;
  /** ms since the epoch; also authenticated inside `record`. */
  readonly expiresAt: number;
  /** The sealed record (`avr1.` text, type `session`), SPEC 12.3. */
  readonly record: string;
}

export interface SessionStore {
  /**
   * Store a new session until `expiresAt` (the backend drops it then). `INVALID_INPUT` when a live
   * session with this id exists (never overwritten). An already expired entry is not stored.
   */
  create(session: StoredSession): Promise<void>;
  /** The entry, or null when absent. May return an entry past its expiry that is not yet swept. */
  get(id: string): Promise<StoredSession | null>;
  /**
   * Replace the record of a live session iff its current record is exactly `expected` (a reseal
   * after pepper rotation). False when the session is gone or was changed meanwhile: a reseal
   * never brings back a session that lock, sign-out or kill deleted.
   */
  reseal(id: string, expected: string, record: string): Promise<boolean>;
  /** Delete one session (lock, sign-out). Idempotent. */
  delete(id: string): Promise<void>;
  /** Delete every session of a wallet (kill switch, "sign out everywhere"). Returns how many. */
  deleteWallet(wallet: string): Promise<number>;
}
