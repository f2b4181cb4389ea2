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
import { canonicalAuditEvent, type AuditEntry, type AuditEvent, type AuditHead, type AuditLogStore, AUDIT_GENESIS } from './audit.js';
import {
  budgetRecordId,
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
  /**
   * Most statements of this store in flight at once; further calls wait in process (their wait
   * counts toward `timeoutMs`). Keeps a burst from opening more connections than the server
   * allows (SPEC 9.5). Default 8.
   */
  readonly maxConcurrency?: number;
}

/** Options of the PostgreSQL stores whose state can stop signing (revocations, budgets). */
export interface PostgresDurableStoreOptions extends PostgresStoreOptions {
  /** Largest clock difference between instances (SPEC 9.1, "Clocks"). Default 600 000 (10 min). */
  readonly maxClockSkewMs?: number;
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
  budgetCounters: string;
  budgetSpends: string;
  budgetRecords: string;
  budgetSpend: string;
  audit: string;
  auditHead: string;
  auditAppend: string;
}

function tables(prefix: string): Tables {
  // Quoted as well as validated: belt and braces.
  return {
    nonces: `"${prefix}nonces"`,
    revocations: `"${prefix}revocations"`,
    kills: `"${prefix}kills"`,
    rate: `"${prefix}rate_limits"`,
    budgetCounters: `"${prefix}budget_counters"`,
    budgetSpends: `"${prefix}budget_spends"`,
    budgetRecords: `"${prefix}budget_records"`,
    budgetSpend: `"${prefix}budget_spend"`,
    audit: `"${prefix}audit_log"`,
    auditHead: `"${prefix}audit_head"`,
    auditAppend: `"${prefix}audit_append"`,
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
    // SPEC 9.5: kill switches carry a version; an unkilled scope keeps its row (killed = false).
    `ALTER TABLE ${t.kills} ADD COLUMN IF NOT EXISTS killed boolean NOT NULL DEFAULT true`,
    `ALTER TABLE ${t.kills} ADD COLUMN IF NOT EXISTS version bigint NOT NULL DEFAULT 0`,
    // SPEC 9.8: budgets. One lock row per counter, one row per spend, one idempotency record per spend.
    `CREATE TABLE IF NOT EXISTS ${t.budgetCounters} (counter text PRIMARY KEY)`,
    `CREATE TABLE IF NOT EXISTS ${t.budgetSpends} (counter text NOT NULL, at bigint NOT NULL, amount numeric NOT NULL, record text NOT NULL, expires_at bigint NOT NULL)`,
    `CREATE INDEX IF NOT EXISTS "${prefix}budget_spends_counter_at" ON ${t.budgetSpends} (counter, at)`,
    `CREATE INDEX IF NOT EXISTS "${prefix}budget_spends_expires_at" ON ${t.budgetSpends} (expires_at)`,
    `CREATE TABLE IF NOT EXISTS ${t.budgetRecords} (record text PRIMARY KEY, after text[] NOT NULL, expires_at bigint NOT NULL)`,
    `CREATE INDEX IF NOT EXISTS "${prefix}budget_records_expires_at" ON ${t.budgetRecords} (expires_at)`,
    // One statement per spend: the function locks every counter row in name order (no deadlock
    // between spends sharing counters), checks the idempotency record under those locks, sums each
    // rolling window and inserts all or nothing.
    `CREATE OR REPLACE FUNCTION ${t.budgetSpend}(p_record text, p_counters text[], p_windows bigint[], p_amounts numeric[], ` +
      `p_limits numeric[], p_now bigint, p_margin bigint) RETURNS text[] LANGUAGE plpgsql AS $fn$
DECLARE
  prev text[];
  sums text[] := '{}';
  s numeric;
  longest bigint := 0;
BEGIN
  INSERT INTO ${t.budgetCounters} (counter) SELECT c FROM unnest(p_counters) AS c ORDER BY c ON CONFLICT DO NOTHING;
  PERFORM 1 FROM ${t.budgetCounters} WHERE counter = ANY(p_counters) ORDER BY counter FOR UPDATE;
  SELECT after INTO prev FROM ${t.budgetRecords} WHERE record = p_record AND expires_at > p_now;
  IF FOUND THEN RETURN array_prepend('ok', prev); END IF;
  FOR i IN 1 .. cardinality(p_counters) LOOP
    DELETE FROM ${t.budgetSpends} WHERE counter = p_counters[i] AND at <= p_now - p_windows[i] - p_margin;
    SELECT coalesce(sum(amount), 0) INTO s FROM ${t.budgetSpends} WHERE counter = p_counters[i] AND at > p_now - p_windows[i];
    IF s + p_amounts[i] > p_limits[i] THEN RETURN ARRAY['no', i::text]; END IF;
    sums := sums || (s + p_amounts[i])::text;
  END LOOP;
  FOR i IN 1 .. cardinality(p_counters) LOOP
    INSERT INTO ${t.budgetSpends} (counter, at, amount, record, expires_at)
      VALUES (p_counters[i], p_now, p_amounts[i], p_record, p_now + p_windows[i] + p_margin);
    longest := greatest(longest, p_windows[i]);
  END LOOP;
  INSERT INTO ${t.budgetRecords} AS r (record, after, expires_at) VALUES (p_record, sums, p_now + longest + p_margin)
    ON CONFLICT (record) DO UPDATE SET after = EXCLUDED.after, expires_at = EXCLUDED.expires_at;
  RETURN array_prepend('ok', sums);
END
$fn$`,
    // SPEC 9.9: the audit log. Rows are refused UPDATE and DELETE by a trigger; the hash chain and
    // an anchored head detect what someone who can disable the trigger does anyway.
    `CREATE TABLE IF NOT EXISTS ${t.audit} (seq bigint PRIMARY KEY, prev_hash text NOT NULL, event text NOT NULL, hash text NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS ${t.auditHead} (id int PRIMARY KEY CHECK (id = 1), seq bigint NOT NULL, hash text NOT NULL)`,
    `CREATE OR REPLACE FUNCTION "${prefix}audit_refuse"() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN RAISE EXCEPTION 'the audit log is append-only'; END
$fn$`,
    `CREATE OR REPLACE TRIGGER "${prefix}audit_append_only" BEFORE UPDATE OR DELETE ON ${t.audit} FOR EACH ROW EXECUTE FUNCTION "${prefix}audit_refuse"()`,
    // Row triggers do not fire on TRUNCATE: without these, one statement wiped the log and, with the
    // head row reset, left nothing the verifier could tell from an empty log.
    `CREATE OR REPLACE TRIGGER "${prefix}audit_no_truncate" BEFORE TRUNCATE ON ${t.audit} FOR EACH STATEMENT EXECUTE FUNCTION "${prefix}audit_refuse"()`,
    // The head only ever advances by one, to an entry that exists (what audit_append does); it is never
    // deleted, truncated or moved back.
    `CREATE OR REPLACE FUNCTION "${prefix}audit_head_guard"() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.seq = OLD.seq + 1
     AND EXISTS (SELECT 1 FROM ${t.audit} WHERE seq = NEW.seq AND hash = NEW.hash AND prev_hash = OLD.hash) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'the audit log is append-only';
END
$fn$`,
    `CREATE OR REPLACE TRIGGER "${prefix}audit_head_forward" BEFORE UPDATE OR DELETE ON ${t.auditHead} FOR EACH ROW EXECUTE FUNCTION "${prefix}audit_head_guard"()`,
    `CREATE OR REPLACE TRIGGER "${prefix}audit_head_no_truncate" BEFORE TRUNCATE ON ${t.auditHead} FOR EACH STATEMENT EXECUTE FUNCTION "${prefix}audit_refuse"()`,
    `CREATE OR REPLACE FUNCTION ${t.auditAppend}(p_event text) RETURNS text[] LANGUAGE plpgsql AS $fn$
DECLARE
  h record;
  nh text;
BEGIN
  INSERT INTO ${t.auditHead} (id, seq, hash) VALUES (1, 0, repeat('0', 64)) ON CONFLICT DO NOTHING;
  SELECT seq, hash INTO h FROM ${t.auditHead} WHERE id = 1 FOR UPDATE;
  nh := encode(sha256(convert_to('agentvault-audit-v1' || chr(10) || (h.seq + 1)::text || chr(10) || h.hash || chr(10) || p_event, 'UTF8')), 'hex');
  INSERT INTO ${t.audit} (seq, prev_hash, event, hash) VALUES (h.seq + 1, h.hash, p_event, nh);
  UPDATE ${t.auditHead} SET seq = h.seq + 1, hash = nh WHERE id = 1;
  RETURN ARRAY[(h.seq + 1)::text, h.hash, nh];
END
$fn$`,
  ];
}

/** SQLSTATEs of a concurrent `CREATE ... IF NOT EXISTS` losing the race (unique_violation, duplicate_table, duplicate_object). */
const RACE_CODES = new Set(['23505', '42P07', '42710', '42701', 'XX000', '40P01']);

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
        if (typeof code !== 'string' || !RACE_CODES.has(code)) throw e;
        // CREATE OR REPLACE of a function or trigger racing another instance: ask again, twice at most.
        try {
          await c.query(sql);
        } catch (e2) {
          const code2 = (e2 as { code?: unknown } | null)?.code;
          if (typeof code2 !== 'string' || !RACE_CODES.has(code2)) throw e2;
          await new Promise((r) => setTimeout(r, 50));
          await c.query(sql);
        }
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
    [t.budgetSpends, 'expires_at'],
    [t.budgetRecords, 'expires_at'],
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

const BASE_KEYS = ['prefix', 'timeoutMs', 'clock', 'maxConcurrency'] as const;
const DEFAULT_MAX_CONCURRENCY = 8;

/**
 * At most `max` statements of one store in flight; the rest wait in process, in order. SPEC 9.5:
 * without it a burst on a store whose pool is larger than the server's `max_connections` share
 * makes every process open connections at once, and most of them fail or time out.
 */
class Gate {
  #free: number;
  readonly #waiting: (() => void)[] = [];
  constructor(max: number) {
    this.#free = max;
  }
  async run<T>(f: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await f();
    } finally {
      const next = this.#waiting.shift();
      if (next !== undefined) next();
      else this.#free++;
    }
  }
}

/**
 * SQLSTATEs that say "not now" rather than "no": too many connections, out of resources, a
 * serialization failure or deadlock (the statement was rolled back), server starting up. SPEC 9.5:
 * a burst (many processes, each with a large pool) used to turn these into STORE_UNAVAILABLE by the
 * thousand; the statement is now retried, with jittered backoff, until the call's deadline.
 * Every statement here is atomic, so a retried one that had failed did nothing.
 */
const TRANSIENT = new Set(['53300', '53000', '53200', '40001', '40P01', '55P03', '57P03']);

async function retrying<T>(timeoutMs: number, run: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await run();
    } catch (e) {
      const code = (e as { code?: unknown } | null)?.code;
      if (typeof code !== 'string' || !TRANSIENT.has(code)) throw e;
      const wait = Math.min(200, 5 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random());
      if (Date.now() + wait >= deadline) throw e;
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

class Base {
  protected readonly client: PgClientLike;
  protected readonly t: Tables;
  protected readonly timeoutMs: number;
  protected readonly clock: () => number;
  protected readonly gate: Gate;
  constructor(client: PgClientLike, options: unknown, keys: readonly string[] = BASE_KEYS) {
    this.client = aclient<PgClientLike>(client, 'client', ['query']);
    const o = readOptions(options);
    knownKeys(o, keys);
    this.gate = new Gate(o.maxConcurrency === undefined ? DEFAULT_MAX_CONCURRENCY : aint(o.maxConcurrency, 'options.maxConcurrency', 1, 1000));
    this.t = tables(checkPrefix(o.prefix));
    this.timeoutMs = o.timeoutMs === undefined ? DEFAULT_TIMEOUT_MS : aint(o.timeoutMs, 'options.timeoutMs', 1, 600_000);
    this.clock = optClock(o.clock);
  }
  protected async q(op: string, sql: string, values: unknown[]): Promise<Record<string, unknown>[]> {
    const r = await guarded('postgres', op, this.timeoutMs, () => this.gate.run(() => retrying(this.timeoutMs, () => this.client.query(sql, values))));
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
 * good; with `until` the row holds `until + maxClockSkewMs` and counts until then (SPEC 9.1).
 * Revoking again only extends. Kill switches carry a version: `kill` always applies with the next
 * one, `unkill` is a compare-and-set on it (one `UPDATE ... WHERE version = $n`).
 * @example
 * const revocations = new PostgresRevocationStore(pool);
 * await revocations.revoke(grantId);
 * await revocations.isRevoked(grantId); // true, on every instance
 */
export class PostgresRevocationStore extends Base implements RevocationStore {
  readonly #skew: number;
  constructor(client: PgClientLike, options?: PostgresDurableStoreOptions) {
    super(client, options, [...BASE_KEYS, 'maxClockSkewMs']);
    this.#skew = optSkew(options?.maxClockSkewMs);
  }

  async revoke(grantId: string, until?: number): Promise<void> {
    checkId(grantId, 'grantId');
    const end = until === undefined ? null : checkUntil(until, this.clock()) + this.#skew;
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

  async kill(scope: KillScope): Promise<KillWrite> {
    const s = checkScope(scope);
    const rows = await this.q(
      'kill',
      `INSERT INTO ${this.t.kills} AS k (kind, id, killed, version) VALUES ($1, $2, true, 1) ` +
        `ON CONFLICT (kind, id) DO UPDATE SET killed = true, version = k.version + 1 RETURNING version`,
      [s.kind, s.id],
    );
    return { applied: true, version: pgVersion(rows[0]?.version, 'kill', 1) };
  }

  async unkill(scope: KillScope, options?: UnkillOptions): Promise<KillWrite> {
    const s = checkScope(scope);
    let expected = checkUnkillOptions(options);
    if (expected === undefined) {
      // Read, then compare-and-set: if this call's write is delayed past a newer kill, it is a no-op.
      const st = await this.killState(scope);
      if (!st.killed) return { applied: false, version: st.version };
      expected = st.version;
    }
    const k = this.t.kills;
    const rows = await this.q(
      'unkill',
      `WITH u AS (UPDATE ${k} SET killed = false, version = version + 1 WHERE kind = $1 AND id = $2 AND killed AND version = $3 RETURNING version) ` +
        `SELECT (SELECT version FROM u) AS applied, (SELECT version FROM ${k} WHERE kind = $1 AND id = $2) AS current`,
      [s.kind, s.id, expected],
    );
    const row = rows[0];
    if (row === undefined) fail('STORE_UNAVAILABLE', 'postgres store: unexpected reply to unkill', { backend: 'postgres', op: 'unkill' });
    if (row.applied !== null) return { applied: true, version: pgVersion(row.applied, 'unkill', 1) };
    return { applied: false, version: row.current === null ? 0 : pgVersion(row.current, 'unkill', 0) };
  }

  async isKilled(target: { readonly bot: string; readonly wallet: string }): Promise<boolean> {
    const t = checkTarget(target);
    const rows = await this.q(
      'isKilled',
      `SELECT 1 AS x FROM ${this.t.kills} WHERE killed AND ((kind = 'bot' AND id = $1) OR (kind = 'wallet' AND id = $2)) LIMIT 1`,
      [t.bot, t.wallet],
    );
    return rows.length > 0;
  }

  async killState(scope: KillScope): Promise<KillState> {
    const s = checkScope(scope);
    const rows = await this.q('killState', `SELECT killed, version FROM ${this.t.kills} WHERE kind = $1 AND id = $2`, [s.kind, s.id]);
    const row = rows[0];
    if (row === undefined) return { killed: false, version: 0 };
    if (typeof row.killed !== 'boolean') fail('STORE_UNAVAILABLE', 'postgres store: unexpected reply to killState', { backend: 'postgres', op: 'killState' });
    return { killed: row.killed, version: pgVersion(row.version, 'killState', 0) };
  }
}

/** A bigint column as a safe integer (pg returns int8 as a string; PGlite as a number or bigint). */
function pgVersion(v: unknown, op: string, min: number): number {
  const n = typeof v === 'string' && /^[0-9]{1,16}$/.test(v) ? Number(v) : typeof v === 'bigint' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min) fail('STORE_UNAVAILABLE', `postgres store: unexpected reply to ${op}`, { backend: 'postgres', op });
  return n;
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
    super(client, options, [...BASE_KEYS, 'limit', 'windowMs']);
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

/**
 * Budget store on PostgreSQL (SPEC 9.8): each spend is one statement, a call of the plpgsql
 * function `<p>budget_spend` created by {@link migratePostgresStores}, which locks the counters
 * touched (in name order), checks the idempotency record, sums every rolling window and inserts
 * all or nothing. Works through a pool and on PGlite. Spend rows are kept for their window plus
 * `maxClockSkewMs`; {@link sweepPostgresStores} removes them afterwards.
 * @example
 * const budgets = new PostgresBudgetStore(pool);
 * const r = await budgets.spend(messageHashHex, spends, Date.now());
 */
export class PostgresBudgetStore extends Base implements BudgetStore {
  readonly #skew: number;
  readonly #sql: string;
  constructor(client: PgClientLike, options?: PostgresDurableStoreOptions) {
    super(client, options, [...BASE_KEYS, 'maxClockSkewMs']);
    this.#skew = optSkew(options?.maxClockSkewMs);
    this.#sql = `SELECT ${this.t.budgetSpend}($1, $2::text[], $3::bigint[], $4::numeric[], $5::numeric[], $6::bigint, $7::bigint) AS r`;
  }

  async spend(key: string, spends: readonly BudgetSpend[], now: number): Promise<BudgetResult> {
    checkBudgetKey(key);
    const s = checkSpends(spends);
    checkTime(now, 'now');
    const rows = await this.q('spend', this.#sql, [
      budgetRecordId(key, s),
      s.map((sp) => sp.counter),
      s.map((sp) => sp.windowMs),
      s.map((sp) => sp.amount.toString()),
      s.map((sp) => sp.limit.toString()),
      now,
      this.#skew,
    ]);
    const r = rows[0]?.r;
    const bad = (): never => fail('STORE_UNAVAILABLE', 'postgres store: unexpected reply to spend', { backend: 'postgres', op: 'spend' });
    if (!Array.isArray(r) || r.length < 2 || !r.every((x) => typeof x === 'string' && /^(ok|no|0|[1-9][0-9]*)$/.test(x))) return bad();
    if (r[0] === 'no') {
      const i = Number(r[1]);
      if (r.length !== 2 || !/^[1-9][0-9]*$/.test(r[1] as string) || !Number.isInteger(i) || i < 1 || i > s.length) return bad();
      return { ok: false, counter: s[i - 1]!.counter };
    }
    // Every sum must be a decimal: 'ok' or 'no' in a sum's place is an odd reply, never BigInt's SyntaxError.
    if (r[0] !== 'ok' || r.length !== s.length + 1 || !r.slice(1).every((x: string) => /^(0|[1-9][0-9]*)$/.test(x))) return bad();
    return { ok: true, after: Object.freeze(r.slice(1).map((x: string) => BigInt(x))) };
  }
}

/**
 * Audit log on PostgreSQL (SPEC 9.9). `append` is one statement, a call of `<p>audit_append`, which
 * locks the head row, computes the entry hash in SQL (`sha256`, the same formula as
 * `auditEntryHash`), inserts the entry and moves the head: concurrent appends from any number of
 * instances form one chain. A trigger refuses UPDATE and DELETE on the table; the chain and an
 * anchored head catch what someone able to drop the trigger does anyway (`verifyAuditLog`).
 * @example
 * const log = new PostgresAuditLog(pool);
 * const audit = auditHook(log);
 */
export class PostgresAuditLog extends Base implements AuditLogStore {
  constructor(client: PgClientLike, options?: PostgresStoreOptions) {
    super(client, options);
  }

  async append(event: AuditEvent): Promise<AuditEntry> {
    const json = canonicalAuditEvent(event);
    const rows = await this.q('append', `SELECT ${this.t.auditAppend}($1) AS r`, [json]);
    const r = rows[0]?.r;
    if (!Array.isArray(r) || r.length !== 3 || !r.every((x) => typeof x === 'string'))
      fail('STORE_UNAVAILABLE', 'postgres store: unexpected reply to append', { backend: 'postgres', op: 'append' });
    return Object.freeze({ seq: pgVersion(r[0], 'append', 1), prevHash: r[1] as string, event: json, hash: r[2] as string });
  }

  async read(fromSeq = 1, limit = 1000): Promise<readonly AuditEntry[]> {
    aint(fromSeq, 'fromSeq', 1, Number.MAX_SAFE_INTEGER);
    aint(limit, 'limit', 1, 100_000);
    const rows = await this.q('read', `SELECT seq, prev_hash, event, hash FROM ${this.t.audit} WHERE seq >= $1 ORDER BY seq LIMIT $2`, [fromSeq, limit]);
    return rows.map((row) => {
      if (typeof row.prev_hash !== 'string' || typeof row.event !== 'string' || typeof row.hash !== 'string')
        fail('STORE_UNAVAILABLE', 'postgres store: unexpected reply to read', { backend: 'postgres', op: 'read' });
      return Object.freeze({ seq: pgVersion(row.seq, 'read', 1), prevHash: row.prev_hash, event: row.event, hash: row.hash });
    });
  }

  async head(): Promise<AuditHead> {
    const rows = await this.q('head', `SELECT seq, hash FROM ${this.t.auditHead} WHERE id = 1`, []);
    const row = rows[0];
    if (row === undefined) return { seq: 0, hash: AUDIT_GENESIS };
    if (typeof row.hash !== 'string') fail('STORE_UNAVAILABLE', 'postgres store: unexpected reply to head', { backend: 'postgres', op: 'head' });
    return { seq: pgVersion(row.seq, 'head', 0), hash: row.hash };
  }
}
