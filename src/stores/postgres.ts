/**
 * PostgreSQL stores (DESIGN 10): share nonces, revocations and rate limits across every instance of
 * a deployment. They take any client with pg's `query(text, values)` shape (`pg.Pool`, `pg.Client`,
 * PGlite); this module never imports a driver, so `pg` stays an optional peer dependency.
 *
 * Each operation is one SQL statement, so it is atomic without an explicit transaction and works on
 * a pool. Every backend failure (connection refused, reset, timeout, SQL error) throws
 * `STORE_UNAVAILABLE`: the stores fail closed. Create the tables once with
 * {@link migratePostgresStores}; remove expired rows with {@link sweepPostgresStores}. Schema:
 * SPEC 9.
 *
 * Recommended pg.Pool options: `{ connectionTimeoutMillis: 2000, query_timeout: 2000 }`; each store
 * call also has its own deadline (`timeoutMs`, default 5 s).
 * @module
 */
import { fail } from '../errors.js';
import { aint, astring } from '../_utils.js';
import { aclient, DEFAULT_TIMEOUT_MS, guarded, readOptions } from './_backend.js';
import { checkHash, checkId, checkMeta, checkRateOptions, checkScope, checkTarget, checkTime, optClock } from './_checks.js';
import type { KillScope, NonceStore, RateLimitResult, RateLimiter, RevocationStore } from './types.js';

/**
 * The part of a PostgreSQL client the stores use: pg's `query(text, values)` returning `{ rows }`.
 * `pg.Pool`, `pg.Client` and `@electric-sql/pglite`'s `PGlite` fit as they are.
 */
export interface PgClientLike {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/** Options of the PostgreSQL stores. */
export interface PostgresStoreOptions {
  /**
   * Table-name prefix: lowercase letters, digits and `_`, starting with a letter or `_`, at most 40
   * characters (checked, since it is spliced into SQL). Default `"agentvault_"`.
   */
  readonly prefix?: string;
  /** Deadline of one store call, in ms; past it the call throws `STORE_UNAVAILABLE`. Default 5000. */
  readonly timeoutMs?: number;
  /** Wall clock (ms since the epoch) for duplicate checks and `until`. Default `Date.now`. */
  readonly clock?: () => number;
}

/** Options of {@link PostgresRateLimiter}. */
export interface PostgresRateLimiterOptions extends PostgresStoreOptions {
  readonly limit: number;
  readonly windowMs: number;
}

const PREFIX_RE = /^[a-z_][a-z0-9_]{0,39}$/;
const DEFAULT_PREFIX = 'agentvault_';

/** Validate the prefix against a safe identifier charset: it becomes part of table names. */
function checkPrefix(prefix: unknown): string {
  if (prefix === undefined) return DEFAULT_PREFIX;
  astring(prefix, 'options.prefix', 40);
  if (!PREFIX_RE.test(prefix as string))
    fail('INVALID_INPUT', 'options.prefix: expected [a-z_][a-z0-9_]* of at most 40 characters', { field: 'options.prefix' });
  return prefix as string;
}

interface Tables {
  nonces: string;
  revocations: string;
  kills: string;
  rate: string;
}

function tables(prefix: string): Tables {
  // Quoted as well as validated: belt and braces.
  return {
    nonces: `"${prefix}nonces"`,
    revocations: `"${prefix}revocations"`,
    kills: `"${prefix}kills"`,
    rate: `"${prefix}rate_limits"`,
  };
}

/**
 * The DDL {@link migratePostgresStores} runs, one statement per entry (all idempotent). Exposed so
 * that deployments with their own migration tool can copy it.
 */
export function postgresStoresSchema(options?: { readonly prefix?: string }): string[] {
  const prefix = checkPrefix(readOptions(options).prefix);
  const t = tables(prefix);
  return [
    `CREATE TABLE IF NOT EXISTS ${t.nonces} (hash text PRIMARY KEY, expires_at bigint NOT NULL, meta text NOT NULL)`,
    `CREATE INDEX IF NOT EXISTS "${prefix}nonces_expires_at" ON ${t.nonces} (expires_at)`,
    `CREATE TABLE IF NOT EXISTS ${t.revocations} (grant_id text PRIMARY KEY, until bigint)`,
    `CREATE INDEX IF NOT EXISTS "${prefix}revocations_until" ON ${t.revocations} (until) WHERE until IS NOT NULL`,
    `CREATE TABLE IF NOT EXISTS ${t.kills} (kind text NOT NULL CHECK (kind IN ('bot', 'wallet')), id text NOT NULL, PRIMARY KEY (kind, id))`,
    `CREATE TABLE IF NOT EXISTS ${t.rate} (bucket text PRIMARY KEY, hits bigint[] NOT NULL, last_allowed boolean NOT NULL, expires_at bigint NOT NULL)`,
    `CREATE INDEX IF NOT EXISTS "${prefix}rate_limits_expires_at" ON ${t.rate} (expires_at)`,
  ];
}

/** SQLSTATEs of a concurrent `CREATE ... IF NOT EXISTS` losing the race (unique_violation, duplicate_table, duplicate_object). */
const RACE_CODES = new Set(['23505', '42P07', '42710']);

/**
 * Create the store tables and indexes if they are missing. Idempotent, safe to run at every start;
 * one statement at a time, so it works with PGlite and through a pool.
 * @example
 * import pg from 'pg';
 * const pool = new pg.Pool({ connectionString, connectionTimeoutMillis: 2000, query_timeout: 2000 });
 * await migratePostgresStores(pool, { prefix: 'agentvault_' });
 */
export async function migratePostgresStores(client: PgClientLike, options?: { readonly prefix?: string; readonly timeoutMs?: number }): Promise<void> {
  const c = aclient<PgClientLike>(client, 'client', ['query']);
  const o = readOptions(options);
  const timeoutMs = o.timeoutMs === undefined ? 30_000 : aint(o.timeoutMs, 'options.timeoutMs', 1, 600_000);
  for (const sql of postgresStoresSchema({ prefix: checkPrefix(o.prefix) })) {
    await guarded('postgres', 'migrate', timeoutMs, async () => {
      try {
        await c.query(sql);
      } catch (e) {
        // Two instances migrating at once: the loser sees the catalog row the winner just made.
        const code = (e as { code?: unknown } | null)?.code;
        if (typeof code === 'string' && RACE_CODES.has(code)) await c.query(sql);
        else throw e;
      }
    });
  }
}

/**
 * Delete expired rows: nonces past `expires_at`, revocations past `until`, rate-limit buckets with
 * no attempt left in their window. Deletes at most `batchSize` rows per table per call (default
 * 10 000) to keep each statement short; returns how many rows it deleted. Run it periodically (e.g.
 * every minute from one instance); correctness never depends on it, only table size does.
 */
export async function sweepPostgresStores(
  client: PgClientLike,
  options?: { readonly prefix?: string; readonly now?: number; readonly batchSize?: number; readonly timeoutMs?: number },
): Promise<number> {
  const c = aclient<PgClientLike>(client, 'client', ['query']);
  const o = readOptions(options);
  const t = tables(checkPrefix(o.prefix));
  const now = o.now === undefined ? Date.now() : checkTime(o.now, 'options.now');
  const batch = o.batchSize === undefined ? 10_000 : aint(o.batchSize, 'options.batchSize', 1, 10_000_000);
  const timeoutMs = o.timeoutMs === undefined ? 30_000 : aint(o.timeoutMs, 'options.timeoutMs', 1, 600_000);
  let deleted = 0;
  for (const [table, column] of [
    [t.nonces, 'expires_at'],
    [t.revocations, 'until'],
    [t.rate, 'expires_at'],
  ] as const) {
    const sql = `DELETE FROM ${table} WHERE ctid IN (SELECT ctid FROM ${table} WHERE ${column} <= $1 LIMIT $2)`;
    const r = await guarded('postgres', 'sweep', timeoutMs, () => c.query(sql, [now, batch]));
    deleted += r.rows.length === 0 ? rowCount(r) : r.rows.length;
  }
  return deleted;
}

function rowCount(r: unknown): number {
  const n = (r as { rowCount?: unknown; affectedRows?: unknown }).rowCount ?? (r as { affectedRows?: unknown }).affectedRows;
  return typeof n === 'number' ? n : 0;
}

class Base {
  protected readonly client: PgClientLike;
  protected readonly t: Tables;
  protected readonly timeoutMs: number;
  protected readonly clock: () => number;
  constructor(client: PgClientLike, options: unknown) {
    this.client = aclient<PgClientLike>(client, 'client', ['query']);
    const o = readOptions(options);
    this.t = tables(checkPrefix(o.prefix));
    this.timeoutMs = o.timeoutMs === undefined ? DEFAULT_TIMEOUT_MS : aint(o.timeoutMs, 'options.timeoutMs', 1, 600_000);
    this.clock = optClock(o.clock);
  }
  protected async q(op: string, sql: string, values: unknown[]): Promise<Record<string, unknown>[]> {
    const r = await guarded('postgres', op, this.timeoutMs, () => this.client.query(sql, values));
    if (r === null || typeof r !== 'object' || !Array.isArray(r.rows))
      fail('STORE_UNAVAILABLE', `postgres store: unexpected reply to ${op}`, { backend: 'postgres', op });
    return r.rows as Record<string, unknown>[];
  }
}

/**
 * Nonce store on PostgreSQL. `consume` is a single `DELETE ... WHERE hash = $1 RETURNING CASE WHEN
 * expires_at > $2 THEN meta END`: concurrent consumers of one nonce serialize on the row lock and
 * exactly one gets the row back; an expired row is deleted too and yields null. Expired rows nobody
 * tried stay until {@link sweepPostgresStores} removes them (they are refused meanwhile).
 * @example
 * const nonces = new PostgresNonceStore(pool);
 * await nonces.issue(hashHex, Date.now() + 300_000, challengeJson);
 * const meta = await nonces.consume(hashHex, Date.now());
 */
export class PostgresNonceStore extends Base implements NonceStore {
  readonly #issue: string;
  readonly #consume: string;
  constructor(client: PgClientLike, options?: PostgresStoreOptions) {
    super(client, options);
    const n = this.t.nonces;
    // An expired, unswept row with the same hash may be replaced; a live one never is.
    this.#issue =
      `INSERT INTO ${n} AS n (hash, expires_at, meta) VALUES ($1, $2, $3) ` +
      `ON CONFLICT (hash) DO UPDATE SET expires_at = EXCLUDED.expires_at, meta = EXCLUDED.meta WHERE n.expires_at <= $4 RETURNING 1 AS ok`;
    // The row goes whether live or expired: an attempt burns the nonce on every backend alike, so an
    // instance with a slower clock can never accept a nonce another instance already saw expire.
    this.#consume = `DELETE FROM ${n} WHERE hash = $1 RETURNING CASE WHEN expires_at > $2 THEN meta END AS meta`;
  }

  async issue(hash: string, expiresAt: number, meta: string): Promise<void> {
    checkHash(hash);
    checkTime(expiresAt, 'expiresAt');
    checkMeta(meta);
    const rows = await this.q('issue', this.#issue, [hash, expiresAt, meta, this.clock()]);
    if (rows.length !== 1) fail('INVALID_INPUT', 'hash: a nonce with this hash was already issued', { field: 'hash' });
  }

  async consume(hash: string, now: number): Promise<string | null> {
    checkHash(hash);
    checkTime(now, 'now');
    const rows = await this.q('consume', this.#consume, [hash, now]);
    if (rows.length === 0) return null;
    const meta = rows[0]!.meta;
    if (meta === null) return null; // expired
    if (typeof meta !== 'string') fail('STORE_UNAVAILABLE', 'postgres store: unexpected reply to consume', { backend: 'postgres', op: 'consume' });
    return meta;
  }
}

/**
 * Revocation and kill-switch store on PostgreSQL. A revocation row with `until` NULL is kept for
 * good; with `until` it counts until that time and is then swept. Revoking again only extends.
 * @example
 * const revocations = new PostgresRevocationStore(pool);
 * await revocations.revoke(grantId);
 * await revocations.isRevoked(grantId); // true, on every instance
 */
export class PostgresRevocationStore extends Base implements RevocationStore {
  constructor(client: PgClientLike, options?: PostgresStoreOptions) {
    super(client, options);
  }

  async revoke(grantId: string, until?: number): Promise<void> {
    checkId(grantId, 'grantId');
    const end = until === undefined ? null : checkTime(until, 'until');
    if (end !== null && end <= this.clock()) return; // the grant has ended already
    const r = this.t.revocations;
    await this.q(
      'revoke',
      `INSERT INTO ${r} AS r (grant_id, until) VALUES ($1, $2) ON CONFLICT (grant_id) DO UPDATE SET until = ` +
        `CASE WHEN r.until IS NULL OR EXCLUDED.until IS NULL THEN NULL ELSE GREATEST(r.until, EXCLUDED.until) END`,
      [grantId, end],
    );
  }

  async isRevoked(grantId: string): Promise<boolean> {
    checkId(grantId, 'grantId');
    const rows = await this.q(
      'isRevoked',
      `SELECT 1 AS x FROM ${this.t.revocations} WHERE grant_id = $1 AND (until IS NULL OR until > $2)`,
      [grantId, this.clock()],
    );
    return rows.length > 0;
  }

  async kill(scope: KillScope): Promise<void> {
    const s = checkScope(scope);
    await this.q('kill', `INSERT INTO ${this.t.kills} (kind, id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [s.kind, s.id]);
  }

  async unkill(scope: KillScope): Promise<void> {
    const s = checkScope(scope);
    await this.q('unkill', `DELETE FROM ${this.t.kills} WHERE kind = $1 AND id = $2`, [s.kind, s.id]);
  }

  async isKilled(target: { readonly bot: string; readonly wallet: string }): Promise<boolean> {
    const t = checkTarget(target);
    const rows = await this.q(
      'isKilled',
      `SELECT 1 AS x FROM ${this.t.kills} WHERE (kind = 'bot' AND id = $1) OR (kind = 'wallet' AND id = $2) LIMIT 1`,
      [t.bot, t.wallet],
    );
    return rows.length > 0;
  }
}

/**
 * Sliding-log rate limiter on PostgreSQL, same algorithm as the memory and Redis limiters. One row
 * per bucket holds the times of the allowed attempts still in the window; each `hit` is one upsert
 * whose `ON CONFLICT DO UPDATE` runs under the row lock, so concurrent hits on one key serialize and
 * the limit holds across instances.
 * @example
 * const limiter = new PostgresRateLimiter(pool, { limit: 60, windowMs: 60_000 });
 * const r = await limiter.hit(`webhook:${botId}`, Date.now());
 */
export class PostgresRateLimiter extends Base implements RateLimiter {
  readonly limit: number;
  readonly windowMs: number;
  readonly #sql: string;

  constructor(client: PgClientLike, options: PostgresRateLimiterOptions) {
    const { limit, windowMs } = checkRateOptions(options);
    super(client, options);
    this.limit = limit;
    this.windowMs = windowMs;
    // $1 bucket, $2 now, $3 windowMs, $4 limit. K = attempts still in (now - windowMs, now].
    const k = `ARRAY(SELECT h FROM unnest(rl.hits) AS t(h) WHERE h > $2::bigint - $3::bigint ORDER BY h)`;
    this.#sql =
      `INSERT INTO ${this.t.rate} AS rl (bucket, hits, last_allowed, expires_at) ` +
      `VALUES ($1, ARRAY[$2::bigint], true, $2::bigint + $3::bigint) ON CONFLICT (bucket) DO UPDATE SET ` +
      `hits = CASE WHEN cardinality(${k}) < $4::int THEN ${k} || $2::bigint ELSE ${k} END, ` +
      `last_allowed = cardinality(${k}) < $4::int, ` +
      `expires_at = CASE WHEN cardinality(${k}) < $4::int THEN GREATEST(rl.expires_at, $2::bigint + $3::bigint) ELSE rl.expires_at END ` +
      `RETURNING last_allowed, hits`;
  }

  async hit(key: string, now: number): Promise<RateLimitResult> {
    checkId(key, 'key');
    checkTime(now, 'now');
    const rows = await this.q('hit', this.#sql, [`${this.windowMs}:${this.limit}:${key}`, now, this.windowMs, this.limit]);
    const row = rows[0];
    const hits = row?.hits;
    if (row === undefined || typeof row.last_allowed !== 'boolean' || !Array.isArray(hits) || hits.length === 0)
      fail('STORE_UNAVAILABLE', 'postgres store: unexpected reply to hit', { backend: 'postgres', op: 'hit' });
    if (row.last_allowed) return { allowed: true, remaining: this.limit - hits.length, retryAfterMs: 0 };
    let oldest = Infinity;
    for (const h of hits) oldest = Math.min(oldest, Number(h));
    if (!Number.isFinite(oldest)) fail('STORE_UNAVAILABLE', 'postgres store: unexpected reply to hit', { backend: 'postgres', op: 'hit' });
    return { allowed: false, remaining: 0, retryAfterMs: Math.max(1, oldest + this.windowMs - now) };
  }
}
