/**
 * In-memory session store (SPEC 12.4): one process only. Use it in tests and single-instance
 * deployments; behind a load balancer use the Redis or PostgreSQL store, which every instance shares.
 * @module
 */
import { aobject } from '../_utils.js';
import { fail } from '../errors.js';
import { checkId, optClock, optInt } from '../stores/_checks.js';
import { checkRecord, checkSession, checkSessionId } from './_checks.js';
import type { SessionStore, StoredSession } from './types.js';

export interface MemorySessionStoreOptions {
  /** Most live sessions kept; beyond it `create` throws `STORE_FULL`. Default 100 000. */
  readonly maxEntries?: number;
  /** Wall clock for dropping expired entries. Default `Date.now`. */
  readonly clock?: () => number;
  /** How often expired sessions are swept, in ms; 0 turns the timer off. Default 60 000. */
  readonly sweepIntervalMs?: number;
}

/**
 * Sessions in a Map, expired entries dropped on access and before a "full" verdict.
 * @example
 * const store = new MemorySessionStore();
 */
export class MemorySessionStore implements SessionStore {
  readonly #byId = new Map<string, StoredSession>();
  readonly #max: number;
  readonly #clock: () => number;
  readonly #timer: ReturnType<typeof setInterval> | undefined;

  constructor(options?: MemorySessionStoreOptions) {
    const o = options === undefined ? {} : aobject(options, 'options');
    for (const k of Object.keys(o))
      if (k !== 'maxEntries' && k !== 'clock' && k !== 'sweepIntervalMs') fail('INVALID_INPUT', 'options: unknown option', { field: `options.${k}` });
    this.#max = optInt(o['maxEntries'], 'options.maxEntries', 100_000, 1, 100_000_000);
    this.#clock = optClock(o['clock']);
    const every = optInt(o['sweepIntervalMs'], 'options.sweepIntervalMs', 60_000, 0, 2 ** 31 - 1);
    if (every > 0) {
      this.#timer = setInterval(() => this.#sweep(), every);
      // Never keeps the process alive (as the stores of src/stores).
      if (typeof this.#timer === 'object' && this.#timer !== null && 'unref' in this.#timer) this.#timer.unref();
    }
  }

  /** Stop the sweep timer. */
  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
  }

  #sweep(): void {
    const now = this.#clock();
    for (const [id, s] of this.#byId) if (s.expiresAt <= now) this.#byId.delete(id);
  }

  async create(session: StoredSession): Promise<void> {
    const s = checkSession(session);
    if (s.expiresAt <= this.#clock()) return;
    const old = this.#byId.get(s.id);
    if (old !== undefined && old.expiresAt > this.#clock()) fail('INVALID_INPUT', 'id: a session with this id exists', { field: 'id' });
    if (this.#byId.size >= this.#max) {
      this.#sweep();
      if (this.#byId.size >= this.#max) fail('STORE_FULL', 'memory session store: full of live sessions');
    }
    this.#byId.set(s.id, s);
  }

  async get(id: string): Promise<StoredSession | null> {
    return this.#byId.get(checkSessionId(id)) ?? null;
  }

  async reseal(id: string, expected: string, record: string): Promise<boolean> {
    checkSessionId(id);
    checkRecord(expected, 'expected');
    checkRecord(record);
    const s = this.#byId.get(id);
    if (s === undefined || s.record !== expected || s.expiresAt <= this.#clock()) return false;
    this.#byId.set(id, Object.freeze({ ...s, record }));
    return true;
  }

  async delete(id: string): Promise<void> {
    this.#byId.delete(checkSessionId(id));
  }

  async deleteWallet(wallet: string): Promise<number> {
    checkId(wallet, 'wallet');
    let n = 0;
    for (const [id, s] of this.#byId) if (s.wallet === wallet && this.#byId.delete(id)) n++;
    return n;
  }
}
