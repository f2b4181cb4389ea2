/**
 * In-memory stores (DESIGN 10): one process only, bounded, with expiry sweeping. Use them in tests,
 * single-instance deployments and development; behind a load balancer use the Redis or PostgreSQL
 * stores, which every instance shares (SPEC 9).
 *
 * Every store here starts a sweep timer that is `unref()`'d, so it never keeps the process alive;
 * `close()` stops it.
 * @module
 */
import { fail } from '../errors.js';
import { aobject } from '../_utils.js';
import {
  budgetSpendsJson,
  checkBudgetKey,
  checkHash,
  checkId,
  checkMeta,
  checkRateOptions,
  checkScope,
  checkSpends,
  checkTarget,
  checkTime,
  checkUnkillOptions,
  checkUntil,
  knownKeys,
  optClock,
  optInt,
  optSkew,
} from './_checks.js';
import type {
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

/** Options shared by the memory stores. */
export interface MemoryStoreOptions {
  /** Most live entries kept; beyond it writes throw `STORE_FULL`. Default 100 000. */
  readonly maxEntries?: number;
  /** How often expired entries are swept, in ms; 0 turns the timer off. Default 60 000. */
  readonly sweepIntervalMs?: number;
  /** Wall clock used for sweeping and for `until` (ms since the epoch). Default `Date.now`. */
  readonly clock?: () => number;
}

const DEFAULT_MAX_ENTRIES = 100_000;
const DEFAULT_SWEEP_MS = 60_000;

interface Common {
  maxEntries: number;
  clock: () => number;
  timer: ReturnType<typeof setInterval> | undefined;
}

const COMMON_KEYS = ['maxEntries', 'sweepIntervalMs', 'clock'] as const;

function common(options: MemoryStoreOptions | undefined, sweep: () => void, extraKeys: readonly string[] = []): Common {
  const o = options === undefined ? {} : aobject(options, 'options');
  knownKeys(o, [...COMMON_KEYS, ...extraKeys]);
  const maxEntries = optInt(o.maxEntries, 'options.maxEntries', DEFAULT_MAX_ENTRIES, 1, 100_000_000);
  const sweepIntervalMs = optInt(o.sweepIntervalMs, 'options.sweepIntervalMs', DEFAULT_SWEEP_MS, 0, 2 ** 31 - 1);
  const clock = optClock(o.clock);
  let timer: ReturnType<typeof setInterval> | undefined;
  if (sweepIntervalMs > 0) {
    timer = setInterval(() => {
      // A clock that fails (CLOCK_INVALID) skips the sweep: keeping entries longer is the safe side,
      // and an exception thrown from a timer would take the process down.
      try {
        sweep();
      } catch {
        /* the next store call reports CLOCK_INVALID */
      }
    }, sweepIntervalMs);
    // A store must never keep the process alive (no hanging test runners, clean shutdowns).
    if (typeof timer === 'object' && timer !== null && 'unref' in timer) timer.unref();
  }
  return { maxEntries, clock, timer };
}

/**
 * Min-heap of (expiresAt, key) with lazy deletion: entries whose key was consumed or replaced stay
 * until popped, and the heap is rebuilt when stale entries outnumber live ones, so both sweeping and
 * the "full" check stay O(log n) per operation instead of scanning the whole map.
 */
class ExpiryHeap {
  private at: number[] = [];
  private keys: string[] = [];
  get size(): number {
    return this.at.length;
  }
  push(expiresAt: number, key: string): void {
    this.at.push(expiresAt);
    this.keys.push(key);
    let i = this.at.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.at[p]! <= this.at[i]!) break;
      this.swap(i, p);
      i = p;
    }
  }
  peek(): number | undefined {
    return this.at[0];
  }
  pop(): string {
    const key = this.keys[0]!;
    const lastAt = this.at.pop()!;
    const lastKey = this.keys.pop()!;
    if (this.at.length > 0) {
      this.at[0] = lastAt;
      this.keys[0] = lastKey;
      let i = 0;
      const n = this.at.length;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < n && this.at[l]! < this.at[m]!) m = l;
        if (r < n && this.at[r]! < this.at[m]!) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return key;
  }
  clear(): void {
    this.at = [];
    this.keys = [];
  }
  private swap(i: number, j: number): void {
    const a = this.at[i]!;
    this.at[i] = this.at[j]!;
    this.at[j] = a;
    const k = this.keys[i]!;
    this.keys[i] = this.keys[j]!;
    this.keys[j] = k;
  }
}

/** A map whose entries expire, bounded, swept through an ExpiryHeap. */
class ExpiringMap<V extends { readonly expiresAt: number }> {
  readonly map = new Map<string, V>();
  private readonly heap = new ExpiryHeap();
  /** Remove every entry with `expiresAt <= now`. */
  sweep(now: number): void {
    while (this.heap.size > 0 && this.heap.peek()! <= now) {
      const key = this.heap.pop();
      const v = this.map.get(key);
      if (v === undefined) continue;
      if (v.expiresAt <= now) this.map.delete(key);
      // A live entry whose expiry was pushed back since (see `set`): its turn comes again.
      else if (Number.isFinite(v.expiresAt)) this.heap.push(v.expiresAt, key);
    }
    if (this.heap.size > 2 * this.map.size + 1024) this.rebuild();
  }
  set(key: string, value: V): void {
    const old = this.map.get(key);
    this.map.set(key, value);
    // Every live key has a heap entry no later than its expiry. A later expiry (a budget counter
    // written again, issue 18) keeps the earlier entry: when it comes up, `sweep` finds the entry
    // live and pushes it again at its new expiry. Only a new key or an earlier expiry needs a push.
    if (Number.isFinite(value.expiresAt) && (old === undefined || !Number.isFinite(old.expiresAt) || value.expiresAt < old.expiresAt))
      this.heap.push(value.expiresAt, key);
    this.compact();
  }
  /**
   * Keep the heap proportional to the live entries on every write, not only when the sweep timer
   * runs: stale heap entries (from deleted or rewritten keys) would otherwise grow with the number
   * of operations rather than the number of live entries (SPEC 9.3: bounded).
   */
  compact(): void {
    if (this.heap.size > 2 * this.map.size + 1024) this.rebuild();
  }
  private rebuild(): void {
    this.heap.clear();
    for (const [k, v] of this.map) if (Number.isFinite(v.expiresAt)) this.heap.push(v.expiresAt, k);
  }
}

/**
 * Nonce store for one process (DESIGN 10). Bounded: when `maxEntries` live nonces are held,
 * `issue` sweeps expired ones and, if still full, throws `STORE_FULL`. A live nonce is never evicted
 * to make room, since evicting one would turn a valid login into a refusal chosen by whoever floods
 * the store.
 * @example
 * const nonces = new MemoryNonceStore({ maxEntries: 10_000 });
 * await nonces.issue(hashHex, Date.now() + 300_000, JSON.stringify(challenge));
 * const meta = await nonces.consume(hashHex, Date.now()); // the challenge, once; then null
 * nonces.close();
 */
export class MemoryNonceStore implements NonceStore {
  readonly #entries = new ExpiringMap<{ readonly expiresAt: number; readonly meta: string }>();
  readonly #c: Common;

  constructor(options?: MemoryStoreOptions) {
    this.#c = common(options, () => this.sweep());
  }

  /** Live nonces currently held (expired ones not yet swept included). */
  get size(): number {
    return this.#entries.map.size;
  }

  async issue(hash: string, expiresAt: number, meta: string): Promise<void> {
    checkHash(hash);
    checkTime(expiresAt, 'expiresAt');
    checkMeta(meta);
    const now = this.#c.clock();
    const map = this.#entries.map;
    const old = map.get(hash);
    if (old !== undefined) {
      if (old.expiresAt > now) fail('INVALID_INPUT', 'hash: a nonce with this hash was already issued', { field: 'hash' });
      map.delete(hash);
    }
    if (map.size >= this.#c.maxEntries) {
      this.#entries.sweep(now);
      if (map.size >= this.#c.maxEntries)
        fail('STORE_FULL', 'nonce store is full of live nonces', { maxEntries: this.#c.maxEntries });
    }
    this.#entries.set(hash, { expiresAt, meta });
  }

  async consume(hash: string, now: number): Promise<string | null> {
    // Atomic: the read and the delete run in one synchronous turn, no await in between.
    const map = this.#entries.map;
    // Only checked hashes are ever stored (`issue`), so a hit is a valid hash: only a miss needs
    // the check (issue 18). Errors and their order are unchanged.
    const entry = typeof hash === 'string' ? map.get(hash) : undefined;
    if (entry === undefined) checkHash(hash);
    checkTime(now, 'now');
    if (entry === undefined) return null;
    map.delete(hash);
    this.#entries.compact();
    return now < entry.expiresAt ? entry.meta : null;
  }

  /** Remove expired nonces now (the timer does this every `sweepIntervalMs`). */
  sweep(now: number = this.#c.clock()): void {
    this.#entries.sweep(now);
  }

  /** Stop the sweep timer. The store still answers; nothing is swept automatically any more. */
  close(): void {
    if (this.#c.timer !== undefined) clearInterval(this.#c.timer);
    this.#c.timer = undefined;
  }
}

/** Options of {@link MemoryRevocationStore}. */
export interface MemoryRevocationStoreOptions extends MemoryStoreOptions {
  /**
   * Largest clock difference between the instances that check grants (SPEC 9.1, "Clocks"): a
   * revocation with `until` is kept until `until + maxClockSkewMs`. Default 600 000 (10 min).
   */
  readonly maxClockSkewMs?: number;
}

/**
 * Revocation and kill-switch store for one process. Bounded by `maxEntries` revocations and,
 * separately, `maxEntries` kill switches (so revocations can never crowd out a kill). A revocation with `until` is kept until `until + maxClockSkewMs`; one without
 * is kept for good. Never evicts a live entry: when full, writes throw `STORE_FULL`. Kill switches
 * carry versions; `unkill` is a compare-and-set (SPEC 9.1, "Ordering").
 * @example
 * const revocations = new MemoryRevocationStore();
 * await revocations.revoke(grantId, grantEndsAt);
 * await revocations.isRevoked(grantId); // true
 * const { version } = await revocations.kill({ bot: 'bot-1' });
 * await revocations.isKilled({ bot: 'bot-1', wallet }); // true
 * await revocations.unkill({ bot: 'bot-1' }, { ifVersion: version });
 */
export class MemoryRevocationStore implements RevocationStore {
  readonly #revoked = new ExpiringMap<{ readonly expiresAt: number }>();
  /** `bot:<id>` / `wallet:<id>` -> version of the kill that turned it on (only killed scopes). */
  readonly #kills = new Map<string, number>();
  /**
   * Versions come from one store-wide counter, so an unkill can delete its entry (freeing room,
   * SPEC 9.3) and a version is still never reused: a stale `ifVersion` cannot match a later kill.
   */
  #version = 0;
  readonly #c: Common;
  readonly #skew: number;

  constructor(options?: MemoryRevocationStoreOptions) {
    this.#c = common(options, () => this.sweep(), ['maxClockSkewMs']);
    this.#skew = optSkew(options?.maxClockSkewMs);
  }

  get size(): number {
    return this.#revoked.map.size + this.#kills.size;
  }

  /**
   * Revocations and kill switches are bounded separately (each by `maxEntries`): when they shared
   * one bound, whoever could create revocations (an endpoint revoking ids it does not check) could
   * fill the store and make the next kill throw STORE_FULL, leaving the bot signing.
   */
  #ensureRoom(kind: 'revocation' | 'kill'): void {
    if (kind === 'kill') {
      if (this.#kills.size >= this.#c.maxEntries) fail('STORE_FULL', 'revocation store is full of live kill switches', { maxEntries: this.#c.maxEntries });
      return;
    }
    if (this.#revoked.map.size < this.#c.maxEntries) return;
    this.#revoked.sweep(this.#c.clock());
    if (this.#revoked.map.size >= this.#c.maxEntries)
      fail('STORE_FULL', 'revocation store is full of live revocations', { maxEntries: this.#c.maxEntries });
  }

  async revoke(grantId: string, until?: number): Promise<void> {
    checkId(grantId, 'grantId');
    const now = this.#c.clock();
    // SPEC 9.1: kept past the grant's end by the allowed skew, so an instance whose clock is behind
    // still sees the revocation for as long as it could consider the grant live.
    const end = until === undefined ? Infinity : checkUntil(until, now) + this.#skew;
    const old = this.#revoked.map.get(grantId);
    if (old !== undefined && old.expiresAt > now) {
      // Revoking again only ever extends a revocation.
      if (end > old.expiresAt) this.#revoked.set(grantId, { expiresAt: end });
      return;
    }
    this.#ensureRoom('revocation');
    this.#revoked.set(grantId, { expiresAt: end });
  }

  async isRevoked(grantId: string): Promise<boolean> {
    checkId(grantId, 'grantId');
    const now = this.#c.clock(); // read first: a bad clock fails every call, revoked or not
    const e = this.#revoked.map.get(grantId);
    return e !== undefined && e.expiresAt > now;
  }

  async kill(scope: KillScope): Promise<KillWrite> {
    const s = checkScope(scope);
    const k = `${s.kind}:${s.id}`;
    if (!this.#kills.has(k)) this.#ensureRoom('kill');
    const version = ++this.#version;
    this.#kills.set(k, version);
    return { applied: true, version };
  }

  async unkill(scope: KillScope, options?: UnkillOptions): Promise<KillWrite> {
    const s = checkScope(scope);
    const ifVersion = checkUnkillOptions(options);
    const k = `${s.kind}:${s.id}`;
    const cur = this.#kills.get(k);
    if (cur === undefined || (ifVersion !== undefined && ifVersion !== cur)) return { applied: false, version: cur ?? 0 };
    this.#kills.delete(k);
    return { applied: true, version: ++this.#version };
  }

  async isKilled(target: { readonly bot: string; readonly wallet: string }): Promise<boolean> {
    const t = checkTarget(target);
    return this.#kills.has(`bot:${t.bot}`) || this.#kills.has(`wallet:${t.wallet}`);
  }

  /** The switch of one scope; a scope that is off reports version 0 (memory keeps no tombstones). */
  async killState(scope: KillScope): Promise<KillState> {
    const s = checkScope(scope);
    const v = this.#kills.get(`${s.kind}:${s.id}`);
    return v === undefined ? { killed: false, version: 0 } : { killed: true, version: v };
  }

  /** Forget revocations whose `until + maxClockSkewMs` has passed. */
  sweep(now: number = this.#c.clock()): void {
    this.#revoked.sweep(now);
  }

  close(): void {
    if (this.#c.timer !== undefined) clearInterval(this.#c.timer);
    this.#c.timer = undefined;
  }
}

/** Options of {@link MemoryRateLimiter}. */
export interface MemoryRateLimiterOptions extends MemoryStoreOptions {
  /** Attempts allowed in any window of `windowMs`. */
  readonly limit: number;
  readonly windowMs: number;
}

/**
 * Sliding-log rate limiter for one process: an attempt at `now` is allowed when fewer than `limit`
 * allowed attempts of the same key fall in `(now - windowMs, now]`. Refused attempts are not counted.
 * `retryAfterMs` is exact: the time until the oldest counted attempt leaves the window. Same algorithm
 * as the Redis and PostgreSQL limiters (SPEC 9). `maxEntries` bounds the number of keys.
 * @example
 * const limiter = new MemoryRateLimiter({ limit: 3, windowMs: 24 * 3600_000 });
 * const r = await limiter.hit(`reveal:${wallet}`, Date.now());
 * if (!r.allowed) throw new AgentvaultError('RATE_LIMITED', 'try later', { retryAfterMs: r.retryAfterMs });
 */
export class MemoryRateLimiter implements RateLimiter {
  readonly limit: number;
  readonly windowMs: number;
  /** key -> timestamps of allowed attempts still in the window; `expiresAt` = newest + windowMs. */
  readonly #logs = new ExpiringMap<{ expiresAt: number; readonly hits: number[] }>();
  readonly #c: Common;

  constructor(options: MemoryRateLimiterOptions) {
    const { limit, windowMs } = checkRateOptions(options);
    this.limit = limit;
    this.windowMs = windowMs;
    this.#c = common(options, () => this.sweep(), ['limit', 'windowMs']);
  }

  async hit(key: string, now: number): Promise<RateLimitResult> {
    checkId(key, 'key');
    checkTime(now, 'now');
    const map = this.#logs.map;
    let entry = map.get(key);
    if (entry === undefined) {
      if (map.size >= this.#c.maxEntries) {
        this.#logs.sweep(this.#c.clock());
        if (map.size >= this.#c.maxEntries)
          fail('STORE_FULL', 'rate limiter is tracking too many keys', { maxEntries: this.#c.maxEntries });
      }
      // Not put in the map: a new key always takes this hit (limit >= 1), and `#store` writes it
      // through `set`, which queues its expiry (every entry is written through `set`).
      entry = { expiresAt: 0, hits: [] };
    }
    const start = now - this.windowMs;
    const kept = entry.hits.filter((h) => h > start);
    if (kept.length < this.limit) {
      kept.push(now);
      this.#store(key, kept);
      return { allowed: true, remaining: this.limit - kept.length, retryAfterMs: 0 };
    }
    // A refused hit changes nothing unless old hits fell out of the window: skip the write then.
    if (kept.length !== entry.hits.length) this.#store(key, kept);
    let oldest = kept[0]!;
    for (const h of kept) if (h < oldest) oldest = h;
    return { allowed: false, remaining: 0, retryAfterMs: oldest + this.windowMs - now };
  }

  #store(key: string, hits: number[]): void {
    let newest = 0;
    for (const h of hits) if (h > newest) newest = h;
    this.#logs.set(key, { expiresAt: newest + this.windowMs, hits });
  }

  /** Forget keys with no attempt inside the window. */
  sweep(now: number = this.#c.clock()): void {
    this.#logs.sweep(now);
  }

  close(): void {
    if (this.#c.timer !== undefined) clearInterval(this.#c.timer);
    this.#c.timer = undefined;
  }
}

/** Options of {@link MemoryBudgetStore}. */
export interface MemoryBudgetStoreOptions extends MemoryStoreOptions {
  /**
   * Spends and idempotency records are kept for their window plus this margin (SPEC 9.8), as on
   * Redis and PostgreSQL. Default 600 000 (10 min), range 0 to one day.
   */
  readonly maxClockSkewMs?: number;
}

/**
 * Budget store for one process (SPEC 9.8): rolling-window counters, spent all-or-nothing and
 * idempotently per message hash, never refunded. Each counter keeps one (time, amount) entry per
 * spend inside its window; an idempotency record lives as long as the longest window it spent in.
 * Bounded by `maxEntries` (counters plus idempotency records): when full of live entries, `spend`
 * throws `STORE_FULL` (it never forgets a live spend to make room).
 * @example
 * const budgets = new MemoryBudgetStore();
 * const r = await budgets.spend(messageHashHex, [
 *   { counter: `grant:${grantId}:signatures:3600`, windowMs: 3_600_000, amount: 1n, limit: 50n },
 * ], Date.now());
 * if (!r.ok) refuse(r.counter);
 */
export class MemoryBudgetStore implements BudgetStore {
  readonly #counters = new ExpiringMap<{ expiresAt: number; entries: { at: number; amount: bigint }[] }>();
  readonly #records = new ExpiringMap<{ readonly expiresAt: number; readonly after: readonly bigint[] }>();
  readonly #c: Common;
  readonly #skew: number;

  constructor(options?: MemoryBudgetStoreOptions) {
    this.#c = common(options, () => this.sweep(), ['maxClockSkewMs']);
    this.#skew = optSkew(options?.maxClockSkewMs);
  }

  /** Counters and idempotency records held (expired ones not yet swept included). */
  get size(): number {
    return this.#counters.map.size + this.#records.map.size;
  }

  async spend(key: string, spends: readonly BudgetSpend[], now: number): Promise<BudgetResult> {
    checkBudgetKey(key);
    const s = checkSpends(spends);
    checkTime(now, 'now');
    // The key and the spends' JSON (SPEC 9.8), undigested: the key is lowercase hex (checkBudgetKey),
    // so the first ':' ends it.
    const id = `${key}:${budgetSpendsJson(s)}`;
    // One synchronous turn from here to the end: atomic in one process.
    const prev = this.#records.map.get(id);
    if (prev !== undefined && prev.expiresAt > now) return { ok: true, after: prev.after };
    const kept: { at: number; amount: bigint }[][] = [];
    const newest: number[] = [];
    const after: bigint[] = [];
    let fresh = this.#records.map.has(id) ? 0 : 1;
    for (const sp of s) {
      const start = now - sp.windowMs;
      const old = this.#counters.map.get(sp.counter);
      if (old === undefined) fresh++;
      // One pass over the window: what stays in it, its sum, and its newest entry.
      const entries: { at: number; amount: bigint }[] = [];
      let sum = 0n;
      let last = now;
      if (old !== undefined)
        for (const e of old.entries)
          if (e.at > start) {
            entries.push(e);
            sum += e.amount;
            if (e.at > last) last = e.at;
          }
      if (sum + sp.amount > sp.limit) return { ok: false, counter: sp.counter };
      kept.push(entries);
      newest.push(last);
      after.push(sum + sp.amount);
    }
    if (this.size + fresh > this.#c.maxEntries) {
      this.sweep(now);
      if (this.size + fresh > this.#c.maxEntries) fail('STORE_FULL', 'budget store is full of live entries', { maxEntries: this.#c.maxEntries });
    }
    let longest = 0;
    for (let i = 0; i < s.length; i++) {
      const sp = s[i]!;
      const entries = kept[i]!;
      entries.push({ at: now, amount: sp.amount });
      // Kept for the window plus the skew, as on Redis and PostgreSQL: the sweep runs on the store's
      // clock, `now` is the caller's; a sweep on a clock ahead must not forget a spend still in a
      // caller's window. (`newest` includes this spend, at `now`.)
      this.#counters.set(sp.counter, { expiresAt: newest[i]! + sp.windowMs + this.#skew, entries });
      longest = Math.max(longest, sp.windowMs);
    }
    const frozen = Object.freeze(after);
    this.#records.set(id, { expiresAt: now + longest + this.#skew, after: frozen });
    return { ok: true, after: frozen };
  }

  /** Forget counters with nothing left in their window and records past their longest window. */
  sweep(now: number = this.#c.clock()): void {
    this.#counters.sweep(now);
    this.#records.sweep(now);
  }

  close(): void {
    if (this.#c.timer !== undefined) clearInterval(this.#c.timer);
    this.#c.timer = undefined;
  }
}
