/**
 * Test harness for the reference server: one real listening server per test on 127.0.0.1, over a
 * storage backend chosen by the suite (memory, PGlite, or PostgreSQL + Redis when the test setup
 * started them: test/setup/services.ts provides their URLs), a movable clock and a captured log.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import { Redis } from 'ioredis';
import pg from 'pg';
import { inject } from 'vitest';
import { LocalKeyWrapper } from 'agentvault/execution';
import type { PgClientLike } from 'agentvault/stores/postgres';
import { createApp, type AgentvaultDeps } from './app.js';
import { appConfig, DEFAULT_LIMITS, type AppConfig } from './config.js';
import { createLogger } from './logger.js';
import { ensureSessionPeppers, memoryStores, MemoryRepository, postgresStores, redisStores, SqlRepository, type Repository, type Stores } from './storage.js';

export interface TestStorage {
  readonly repo: Repository;
  readonly stores: Stores;
}

export interface Backend {
  readonly name: string;
  /** '' when available, else why the suite is skipped. */
  readonly skip: string;
  /** Fresh, isolated storage (own table prefix / key prefix) on this backend. */
  storage(): Promise<TestStorage>;
  /** Drop everything this backend created; close connections. */
  close(): Promise<void>;
}

const rid = () => randomBytes(5).toString('hex');

function memoryBackend(): Backend {
  return {
    name: 'memory',
    skip: '',
    async storage() {
      return { repo: new MemoryRepository(), stores: memoryStores(DEFAULT_LIMITS) };
    },
    async close() {},
  };
}

async function sqlStorage(db: PgClientLike, prefixes: string[]): Promise<SqlRepository> {
  const prefix = `e${rid()}_`;
  prefixes.push(prefix);
  return SqlRepository.open(db, { prefix });
}

async function dropPrefixed(db: PgClientLike, prefixes: string[]): Promise<void> {
  for (const p of prefixes) {
    const { rows } = await db.query(`SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE $1`, [`${p}%`]);
    for (const r of rows as { tablename: string }[]) await db.query(`DROP TABLE IF EXISTS "${r.tablename}"`, []);
  }
}

function pgliteBackend(): Backend {
  let db: PGlite | undefined;
  const prefixes: string[] = [];
  return {
    name: 'pglite',
    skip: '',
    async storage() {
      db ??= await PGlite.create();
      const repo = await sqlStorage(db, prefixes);
      return { repo, stores: await postgresStores(db, DEFAULT_LIMITS, `s${rid()}_`) };
    },
    async close() {
      await db?.close();
    },
  };
}

function postgresRedisBackend(pgUrl: string, redisUrl: string): Backend {
  let pool: pg.Pool | undefined;
  let redis: Redis | undefined;
  const prefixes: string[] = [];
  const redisPrefixes: string[] = [];
  return {
    name: 'postgres + redis',
    skip: pgUrl === '' || redisUrl === '' ? 'PostgreSQL and Redis not available (see test/setup/services.ts)' : '',
    async storage() {
      if (pool === undefined) {
        pool = new pg.Pool({ connectionString: pgUrl, max: 4, connectionTimeoutMillis: 5000 });
        pool.on('error', () => {});
      }
      if (redis === undefined) {
        redis = new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
        await redis.connect();
      }
      const repo = await sqlStorage(pool, prefixes);
      const rp = `e${rid()}:`;
      redisPrefixes.push(rp);
      return { repo, stores: redisStores(redis, DEFAULT_LIMITS, rp) };
    },
    async close() {
      if (pool !== undefined) {
        await dropPrefixed(pool, prefixes);
        await pool.end();
      }
      if (redis !== undefined) {
        for (const p of redisPrefixes) {
          const keys = await redis.keys(`${p}*`);
          if (keys.length > 0) await redis.del(...keys);
        }
        await redis.quit();
      }
    },
  };
}

/** The storage backends the one e2e suite runs against. */
export function backends(): Backend[] {
  return [memoryBackend(), pgliteBackend(), postgresRedisBackend(inject('agentvaultPgUrl'), inject('agentvaultRedisUrl'))];
}

export interface Harness {
  readonly url: string;
  readonly config: AppConfig;
  readonly storage: TestStorage;
  readonly wrapper: LocalKeyWrapper;
  /** The KEK, so the log test can look for it. */
  readonly kek: Uint8Array;
  /** Every log line the server wrote. */
  readonly logs: string[];
  /** Move the server's clock (messages, sessions, grants, the unlocked vault). */
  advance(ms: number): void;
  now(): number;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Share storage with another harness (two apps on one set of stores). */
  readonly storage?: TestStorage;
  /** Origin instead of the listening URL. */
  readonly origin?: string;
  readonly config?: Partial<Omit<AppConfig, 'origin' | 'domain' | 'secureCookies'>>;
  readonly buildTransaction?: AgentvaultDeps['buildTransaction'];
  /**
   * The key-wrapper key; default a fresh random one, or, with shared `storage`, the key of the
   * harness that made it (the instances of one deployment share the KEK: grants and session peppers).
   */
  readonly kek?: Uint8Array;
  /** Abuse limits; default: replay check off (the older tests post one alert body many times). */
  readonly limits?: AgentvaultDeps['limits'];
}

const keks = new WeakMap<TestStorage, Uint8Array>();

export async function startHarness(backend: Backend, options: HarnessOptions = {}): Promise<Harness> {
  const storage = options.storage ?? (await backend.storage());
  const logs: string[] = [];
  let offset = 0;
  const clock = () => Date.now() + offset;
  const kek = options.kek ?? keks.get(storage) ?? new Uint8Array(randomBytes(32));
  if (!keks.has(storage)) keks.set(storage, kek);
  const wrapper = new LocalKeyWrapper({ keys: { v1: kek } });
  let handler: Parameters<typeof createServer>[1] = (_req, res) => void res.end();
  const server = createServer((req, res) => handler!(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = appConfig(options.origin ?? url, { chain: 'mainnet', ...options.config });
  const { app, router } = createApp({
    config,
    repo: storage.repo,
    stores: storage.stores,
    wrapper,
    logger: createLogger({ level: 'debug', sink: (line) => logs.push(line) }),
    clock,
    peppers: await ensureSessionPeppers(storage.repo, wrapper),
    limits: options.limits ?? { replayWindowMs: 0 },
    ...(options.buildTransaction ? { buildTransaction: options.buildTransaction } : {}),
  });
  handler = app;
  return {
    url,
    config,
    storage,
    wrapper,
    kek,
    logs,
    advance: (ms) => void (offset += ms),
    now: clock,
    async close() {
      router.lockAll();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (options.storage === undefined) {
        await storage.stores.close();
        await storage.repo.close();
      }
    },
  };
}
