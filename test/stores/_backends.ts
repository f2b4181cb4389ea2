/**
 * The store implementations under test, behind one shape, so that test/stores/stores.test.ts is one
 * behavioural suite run against every backend (STYLE: one suite, many stores).
 */
import { PGlite } from '@electric-sql/pglite';
import { Redis } from 'ioredis';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { MemoryBudgetStore, MemoryNonceStore, MemoryRateLimiter, MemoryRevocationStore } from '../../src/stores/index.js';
import type { BudgetStore, NonceStore, RateLimiter, RevocationStore } from '../../src/stores/index.js';
import { RedisBudgetStore, RedisNonceStore, RedisRateLimiter, RedisRevocationStore } from '../../src/stores/redis.js';
import {
  migratePostgresStores,
  PostgresBudgetStore,
  PostgresNonceStore,
  PostgresRateLimiter,
  PostgresRevocationStore,
  sweepPostgresStores,
  type PgClientLike,
} from '../../src/stores/postgres.js';

/** One "client": a connection (or connection pool) of its own with stores on top of it. */
export interface StoreClient {
  readonly nonces: NonceStore;
  readonly revocations: RevocationStore;
  rateLimiter(options: { limit: number; windowMs: number }): RateLimiter;
  readonly budgets: BudgetStore;
  /** A revocation store on this client with its own clock / skew (clock-skew tests). */
  revocationStore(options: RevocationOptions): RevocationStore;
  /** A budget store on this client with its own options. */
  budgetStore(options: { clock?: () => number }): BudgetStore;
}

export interface RevocationOptions {
  readonly clock?: () => number;
  readonly maxClockSkewMs?: number;
}

/** A backend opened for one suite: shared state, any number of independent clients. */
export interface OpenBackend {
  /** Open another independent client (own connection) on the same shared state. */
  client(): Promise<StoreClient>;
  /** How many nonces the backend still physically holds (live or expired, not yet removed). */
  nonceCount(): Promise<number>;
  /** A raw client for tests that look at or tamper with the backend (PG/PGlite only). */
  readonly raw?: PgClientLike;
  readonly prefix?: string;
  /** Let the backend remove expired entries as of `now` (memory sweep, SQL sweep; Redis: TTL). */
  sweep(now: number): Promise<void>;
  close(): Promise<void>;
}

export interface Backend {
  readonly name: string;
  /** Empty string when available, else why it is skipped. */
  readonly skip: string;
  /** True when several clients are separate connections to one server (not one object). */
  readonly networked: boolean;
  open(): Promise<OpenBackend>;
}

const rid = (): string => randomBytes(6).toString('hex');

function memory(): Backend {
  return {
    name: 'memory',
    skip: '',
    networked: false,
    async open() {
      const nonces = new MemoryNonceStore();
      const revocations = new MemoryRevocationStore();
      const budgets = new MemoryBudgetStore();
      const limiters: MemoryRateLimiter[] = [];
      // One process, one object: every "client" shares the same stores.
      const shared = new Map<string, MemoryRateLimiter>();
      // Memory stores are per object: the "other instance" with its own clock is another object, so
      // clock-skew tests cannot share state on memory; they use revocationStore() on one object.
      const c: StoreClient = {
        nonces,
        revocations,
        budgets,
        revocationStore: (o) => new MemoryRevocationStore({ ...o, sweepIntervalMs: 0 }),
        budgetStore: (o) => new MemoryBudgetStore({ ...o, sweepIntervalMs: 0 }),
        rateLimiter(o) {
          const k = `${o.limit}/${o.windowMs}`;
          let l = shared.get(k);
          if (l === undefined) {
            l = new MemoryRateLimiter(o);
            shared.set(k, l);
            limiters.push(l);
          }
          return l;
        },
      };
      return {
        client: async () => c,
        nonceCount: async () => nonces.size,
        sweep: async (now) => nonces.sweep(now),
        close: async () => {
          nonces.close();
          revocations.close();
          budgets.close();
          for (const l of limiters) l.close();
        },
      };
    },
  };
}

function redis(url: string): Backend {
  return {
    name: 'redis',
    skip: url === '' ? 'redis-server not available' : '',
    networked: true,
    async open() {
      const prefix = `t${rid()}:`;
      const conns: Redis[] = [];
      const connect = async (): Promise<Redis> => {
        const r = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
        await r.connect();
        conns.push(r);
        return r;
      };
      const admin = await connect();
      return {
        async client() {
          const r = await connect();
          return {
            nonces: new RedisNonceStore(r, { prefix }),
            revocations: new RedisRevocationStore(r, { prefix }),
            rateLimiter: (o) => new RedisRateLimiter(r, { ...o, prefix }),
            budgets: new RedisBudgetStore(r, { prefix }),
            revocationStore: (o) => new RedisRevocationStore(r, { ...o, prefix }),
            budgetStore: (o) => new RedisBudgetStore(r, { ...o, prefix }),
          };
        },
        nonceCount: async () => (await admin.keys(`${prefix}nonce:*`)).length,
        // Redis removes expired keys itself (PX); nothing to run.
        sweep: async () => {},
        close: async () => {
          const keys = await admin.keys(`${prefix}*`);
          if (keys.length > 0) await admin.del(...keys);
          await Promise.all(conns.map((c) => c.quit()));
        },
      };
    },
  };
}

function postgresLike(name: string, skip: string, makeClient: () => Promise<{ client: PgClientLike; end: () => Promise<void> }>): Backend {
  return {
    name,
    skip,
    networked: name === 'postgres',
    async open() {
      const prefix = `t${rid()}_`;
      const ends: (() => Promise<void>)[] = [];
      const mk = async (): Promise<PgClientLike> => {
        const { client, end } = await makeClient();
        ends.push(end);
        return client;
      };
      const admin = await mk();
      await migratePostgresStores(admin, { prefix });
      await migratePostgresStores(admin, { prefix }); // idempotent
      return {
        raw: admin,
        prefix,
        async client() {
          const c = await mk();
          return {
            nonces: new PostgresNonceStore(c, { prefix }),
            revocations: new PostgresRevocationStore(c, { prefix }),
            rateLimiter: (o) => new PostgresRateLimiter(c, { ...o, prefix }),
            budgets: new PostgresBudgetStore(c, { prefix }),
            revocationStore: (o) => new PostgresRevocationStore(c, { ...o, prefix }),
            budgetStore: (o) => new PostgresBudgetStore(c, { ...o, prefix }),
          };
        },
        nonceCount: async () => {
          const r = await admin.query(`SELECT count(*)::int AS n FROM "${prefix}nonces"`);
          return (r.rows[0] as { n: number }).n;
        },
        sweep: async (now) => {
          await sweepPostgresStores(admin, { prefix, now });
        },
        close: async () => {
          for (const t of ['nonces', 'revocations', 'kills', 'rate_limits', 'budget_counters', 'budget_spends', 'budget_records', 'audit_log', 'audit_head'])
            await admin.query(`DROP TABLE IF EXISTS "${prefix}${t}"`);
          for (const f of ['budget_spend', 'audit_append', 'audit_refuse', 'audit_head_guard']) await admin.query(`DROP FUNCTION IF EXISTS "${prefix}${f}" CASCADE`);
          for (const end of ends.reverse()) await end();
        },
      };
    },
  };
}

function postgres(url: string): Backend {
  return postgresLike('postgres', url === '' ? 'PostgreSQL not available' : '', async () => {
    // A pool of several connections per client: concurrent calls really run in parallel.
    const pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 5000 });
    pool.on('error', () => {});
    return { client: pool, end: () => pool.end() };
  });
}

function pglite(): Backend {
  let db: PGlite | undefined;
  let users = 0;
  return postgresLike('pglite', '', async () => {
    // PGlite is one in-process database: every "client" is the same instance.
    db ??= await PGlite.create();
    users++;
    return {
      client: db,
      end: async () => {
        if (--users === 0 && db !== undefined) {
          await db.close();
          db = undefined;
        }
      },
    };
  });
}

export function backends(redisUrl: string, pgUrl: string): Backend[] {
  return [memory(), redis(redisUrl), postgres(pgUrl), pglite()];
}

/**
 * Fire `total` consumes of one nonce spread round-robin over `stores`, all started before any is
 * awaited; return how many got the meta.
 */
export async function raceConsume(stores: readonly NonceStore[], hash: string, total: number, now: number): Promise<number> {
  const calls: Promise<string | null>[] = [];
  for (let i = 0; i < total; i++) calls.push(stores[i % stores.length]!.consume(hash, now));
  const results = await Promise.all(calls);
  return results.filter((r) => r !== null).length;
}

