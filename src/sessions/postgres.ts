/**
 * PostgreSQL session store (SPEC 12.4): every instance of a deployment shares the sealed sessions.
 * Takes any client with pg's `query(text, values)` (`pg.Pool`, `pg.Client`, PGlite); never imports
 * a driver. One statement per operation. Create the table with {@link migratePostgresSessionStore};
 * expired rows are refused on read and removed by {@link sweepPostgresSessionStore}.
 * @module
 */
import { aint, aobject, astring } from '../_utils.js';
import { fail } from '../errors.js';
import { aclient, DEFAULT_TIMEOUT_MS, guarded } from '../stores/_backend.js';
import { checkId, checkTime, optClock } from '../stores/_checks.js';
import type { PgClientLike } from '../stores/postgres.js';
import { checkRecord, checkSession, checkSessionId, readBack } from './_checks.js';
import type { SessionStore, StoredSession } from './types.js';

export interface PostgresSessionStoreOptions {
  /** Table-name prefix, `[a-z_][a-z0-9_]{0,39}`. Default `"agentvault_"` (table `agentvault_sessions`). */
  readonly prefix?: string;
  /** Deadline of one store call, in ms. Default 5000. */
  readonly timeoutMs?: number;
  /** Wall clock for "live" checks. Default `Date.now`. */
  readonly clock?: () => number;
}

const PREFIX_RE = /^[a-z_][a-z0-9_]{0,39}$/;
function table(prefix: unknown): { t: string; p: string } {
  const p = prefix === undefined ? 'agentvault_' : astring(prefix, 'options.prefix', 40);
  if (!PREFIX_RE.test(p)) fail('INVALID_INPUT', 'options.prefix: expected [a-z_][a-z0-9_]* of at most 40 characters', { field: 'options.prefix' });
  return { t: `"${p}sessions"`, p };
}
function opts(options: unknown, allowed: readonly string[]): Record<string, unknown> {
  const o = options === undefined ? {} : aobject(options, 'options');
  for (const k of Object.keys(o)) if (!allowed.includes(k)) fail('INVALID_INPUT', 'options: unknown option', { field: `options.${k}` });
  return o;
}

/** The DDL {@link migratePostgresSessionStore} runs (idempotent statements). */
export function postgresSessionStoreSchema(options?: { readonly prefix?: string }): string[] {
  const { t, p } = table(opts(options, ['prefix'])['prefix']);
  return [
    `CREATE TABLE IF NOT EXISTS ${t} (id text PRIMARY KEY, wallet text NOT NULL, expires_at bigint NOT NULL, record text NOT NULL)`,
    `CREATE INDEX IF NOT EXISTS "${p}sessions_wallet" ON ${t} (wallet)`,
    `CREATE INDEX IF NOT EXISTS "${p}sessions_expires_at" ON ${t} (expires_at)`,
  ];
}

/** Create the session table if missing. Safe at every start. */
export async function migratePostgresSessionStore(client: PgClientLike, options?: { readonly prefix?: string; readonly timeoutMs?: number }): Promise<void> {
  const c = aclient<PgClientLike>(client, 'client', ['query']);
  const o = opts(options, ['prefix', 'timeoutMs']);
  const timeoutMs = o['timeoutMs'] === undefined ? 30_000 : aint(o['timeoutMs'], 'options.timeoutMs', 1, 600_000);
  for (const sql of postgresSessionStoreSchema(o['prefix'] === undefined ? {} : { prefix: o['prefix'] as string })) {
    await guarded('postgres', 'migrate', timeoutMs, async () => {
      try {
        await c.query(sql);
      } catch (e) {
        const code = (e as { code?: unknown } | null)?.code;
        if (code === '23505' || code === '42P07' || code === '42710') await c.query(sql);
        else throw e;
      }
    });
  }
}

/** Delete expired sessions (at most `batchSize`, default 10 000); returns how many. */
export async function sweepPostgresSessionStore(client: PgClientLike, options?: { readonly prefix?: string; readonly now?: number; readonly batchSize?: number }): Promise<number> {
  const c = aclient<PgClientLike>(client, 'client', ['query']);
  const o = opts(options, ['prefix', 'now', 'batchSize']);
  const { t } = table(o['prefix']);
  const now = o['now'] === undefined ? Date.now() : checkTime(o['now'], 'options.now');
  const batch = o['batchSize'] === undefined ? 10_000 : aint(o['batchSize'], 'options.batchSize', 1, 10_000_000);
  const r = await guarded('postgres', 'sweep', 30_000, () =>
    c.query(`DELETE FROM ${t} WHERE id IN (SELECT id FROM ${t} WHERE expires_at <= $1 LIMIT $2) RETURNING 1 AS x`, [now, batch]),
  );
  return r.rows.length;
}

/**
 * @example
 * await migratePostgresSessionStore(pool);
 * const sessions = new PostgresSessionStore(pool);
 */
export class PostgresSessionStore implements SessionStore {
  readonly #client: PgClientLike;
  readonly #t: string;
  readonly #timeoutMs: number;
  readonly #clock: () => number;

  constructor(client: PgClientLike, options?: PostgresSessionStoreOptions) {
    this.#client = aclient<PgClientLike>(client, 'client', ['query']);
    const o = opts(options, ['prefix', 'timeoutMs', 'clock']);
    this.#t = table(o['prefix']).t;
    this.#timeoutMs = o['timeoutMs'] === undefined ? DEFAULT_TIMEOUT_MS : aint(o['timeoutMs'], 'options.timeoutMs', 1, 600_000);
    this.#clock = optClock(o['clock']);
  }

  async #q(op: string, sql: string, values: unknown[]): Promise<Record<string, unknown>[]> {
    const r = await guarded('postgres', op, this.#timeoutMs, () => this.#client.query(sql, values));
    if (r === null || typeof r !== 'object' || !Array.isArray(r.rows)) fail('STORE_UNAVAILABLE', `postgres store: unexpected reply to ${op}`, { backend: 'postgres', op });
    return r.rows as Record<string, unknown>[];
  }

  async create(session: StoredSession): Promise<void> {
    const s = checkSession(session);
    const now = this.#clock();
    if (s.expiresAt <= now) return;
    // An expired, unswept row with the same id may be replaced; a live one never is.
    const rows = await this.#q(
      'create',
      `INSERT INTO ${this.#t} AS s (id, wallet, expires_at, record) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO UPDATE SET ` +
        `wallet = EXCLUDED.wallet, expires_at = EXCLUDED.expires_at, record = EXCLUDED.record WHERE s.expires_at <= $5 RETURNING 1 AS ok`,
      [s.id, s.wallet, s.expiresAt, s.record, now],
    );
    if (rows.length !== 1) fail('INVALID_INPUT', 'id: a session with this id exists', { field: 'id' });
  }

  async get(id: string): Promise<StoredSession | null> {
    checkSessionId(id);
    const rows = await this.#q('get', `SELECT wallet, expires_at::text AS expires_at, record FROM ${this.#t} WHERE id = $1`, [id]);
    if (rows.length === 0) return null;
    const r = rows[0]!;
    return readBack('postgres', 'get', id, r['wallet'], r['expires_at'], r['record']);
  }

  async reseal(id: string, expected: string, record: string): Promise<boolean> {
    checkSessionId(id);
    checkRecord(expected, 'expected');
    checkRecord(record);
    const rows = await this.#q('reseal', `UPDATE ${this.#t} SET record = $3 WHERE id = $1 AND record = $2 AND expires_at > $4 RETURNING 1 AS ok`, [
      id,
      expected,
      record,
      this.#clock(),
    ]);
    return rows.length === 1;
  }

  async delete(id: string): Promise<void> {
    checkSessionId(id);
    await this.#q('delete', `DELETE FROM ${this.#t} WHERE id = $1`, [id]);
  }

  async deleteWallet(wallet: string): Promise<number> {
    checkId(wallet, 'wallet');
    return (await this.#q('deleteWallet', `DELETE FROM ${this.#t} WHERE wallet = $1 RETURNING 1 AS ok`, [wallet])).length;
  }
}
