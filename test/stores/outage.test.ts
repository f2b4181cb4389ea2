/**
 * Fail closed (DESIGN 10): when the backend stops or hangs, every store call throws STORE_UNAVAILABLE
 * (never "fresh", "not revoked" or "allowed"), within its deadline, and the stores work again once
 * the backend is back. Each backend here is a dedicated server started for this file, so stopping
 * it never disturbs the other test files.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isAgentvaultError } from '../../src/errors.js';
import { RedisNonceStore, RedisRateLimiter, RedisRevocationStore } from '../../src/stores/redis.js';
import { migratePostgresStores, PostgresNonceStore, PostgresRateLimiter, PostgresRevocationStore } from '../../src/stores/postgres.js';
import type { NonceStore, RateLimiter, RevocationStore } from '../../src/stores/index.js';
import { startPostgres, startRedis, type PgServer, type RedisServer } from '../setup/servers.js';

const hash = (): string => createHash('sha256').update(randomBytes(16)).digest('hex');

/** The code thrown and how long it took. */
async function outcome(p: Promise<unknown>): Promise<{ code: string; ms: number }> {
  const t = Date.now();
  try {
    const v = await p;
    return { code: `resolved ${JSON.stringify(v)}`, ms: Date.now() - t };
  } catch (e) {
    return { code: isAgentvaultError(e) ? e.code : `not an AgentvaultError: ${String(e)}`, ms: Date.now() - t };
  }
}

interface Stores {
  nonces: NonceStore;
  revocations: RevocationStore;
  limiter: RateLimiter;
}

/** Every operation of every store fails closed with STORE_UNAVAILABLE within `maxMs`. */
async function expectAllUnavailable(s: Stores, live: { hash: string; grant: string }, maxMs: number): Promise<void> {
  const now = Date.now();
  const calls: [string, Promise<unknown>][] = [
    ['issue', s.nonces.issue(hash(), now + 60_000, 'm')],
    ['consume', s.nonces.consume(live.hash, now)],
    ['revoke', s.revocations.revoke('g-new')],
    ['isRevoked', s.revocations.isRevoked(live.grant)],
    ['isRevoked(unknown)', s.revocations.isRevoked('never-revoked')],
    ['kill', s.revocations.kill({ bot: 'b' })],
    ['unkill', s.revocations.unkill({ bot: 'b' })],
    ['isKilled', s.revocations.isKilled({ bot: 'b', wallet: 'w' })],
    ['hit', s.limiter.hit('k', now)],
  ];
  const results = await Promise.all(calls.map(async ([name, p]) => [name, await outcome(p)] as const));
  for (const [name, r] of results) {
    expect(`${name}: ${r.code}`).toBe(`${name}: STORE_UNAVAILABLE`);
    expect(r.ms, name).toBeLessThan(maxMs);
  }
}

async function eventually(check: () => Promise<void>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

const redisBin = inject('agentvaultRedisBin');
const pgBin = inject('agentvaultPgBin');

describe.skipIf(redisBin === '')('Redis outage', () => {
  let server: RedisServer;
  const clients: Redis[] = [];
  const open = (options: RedisOptions, timeoutMs: number): Stores => {
    const r = new Redis(server.url, { retryStrategy: () => 100, ...options });
    r.on('error', () => {}); // reconnect errors are expected here
    clients.push(r);
    const prefix = `o${randomBytes(4).toString('hex')}:`;
    return {
      nonces: new RedisNonceStore(r, { prefix, timeoutMs }),
      revocations: new RedisRevocationStore(r, { prefix, timeoutMs }),
      limiter: new RedisRateLimiter(r, { prefix, timeoutMs, limit: 5, windowMs: 60_000 }),
    };
  };
  beforeAll(async () => {
    server = await startRedis(redisBin);
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await server?.destroy();
  });

  it('stopped server: every call throws STORE_UNAVAILABLE quickly; recovers after restart', async () => {
    // Recommended options: no offline queue, one retry.
    const s = open({ enableOfflineQueue: false, maxRetriesPerRequest: 1 }, 2_000);
    await eventually(async () => expect(await s.revocations.isRevoked('x')).toBe(false));
    const live = { hash: hash(), grant: 'g-live' };
    await s.nonces.issue(live.hash, Date.now() + 60_000, 'm');
    await s.revocations.revoke(live.grant);
    await server.stop();
    await expectAllUnavailable(s, live, 2_500);
    await server.start(); // same port, same data directory: AOF replays what was acknowledged (SPEC 9.4)
    await eventually(async () => {
      const h = hash();
      await s.nonces.issue(h, Date.now() + 60_000, 'back');
      expect(await s.nonces.consume(h, Date.now())).toBe('back');
    });
    expect(await s.revocations.isRevoked(live.grant)).toBe(true); // the revocation outlived the restart
    expect(await s.nonces.consume(live.hash, Date.now())).toBe('m');
    await s.revocations.revoke('g2');
    expect(await s.revocations.isRevoked('g2')).toBe(true);
    expect((await s.limiter.hit('k', Date.now())).allowed).toBe(true);
  });

  it('default client options (offline queue on): the store deadline still ends every call', async () => {
    const s = open({}, 400); // ioredis defaults would queue and retry for many seconds
    await eventually(async () => expect(await s.revocations.isRevoked('x')).toBe(false));
    await server.stop();
    try {
      await expectAllUnavailable(s, { hash: hash(), grant: 'g' }, 1_500);
    } finally {
      await server.start();
    }
    await eventually(async () => expect(await s.revocations.isRevoked('x')).toBe(false));
  });

  it('hung server (SIGSTOP): calls time out as STORE_UNAVAILABLE; answers again after SIGCONT', async () => {
    const s = open({ enableOfflineQueue: false, maxRetriesPerRequest: 1 }, 300);
    await eventually(async () => expect(await s.revocations.isRevoked('x')).toBe(false));
    const live = { hash: hash(), grant: 'g-hung' };
    await s.nonces.issue(live.hash, Date.now() + 60_000, 'm');
    await s.revocations.revoke(live.grant);
    const proc = server.process();
    proc.kill('SIGSTOP');
    try {
      await expectAllUnavailable(s, live, 1_500);
    } finally {
      proc.kill('SIGCONT');
    }
    await eventually(async () => expect(await s.revocations.isRevoked(live.grant)).toBe(true));
    // The consume that timed out may have reached the server after SIGCONT: either way the nonce is
    // never handed out twice. Here it was queued on the socket, so it ran and burned the nonce.
    expect(await s.nonces.consume(live.hash, Date.now())).toBeNull();
  });
});

describe.skipIf(pgBin === '')('PostgreSQL outage', () => {
  let server: PgServer;
  let pool: pg.Pool;
  let s: Stores;
  const prefix = 'outage_';
  beforeAll(async () => {
    server = await startPostgres(pgBin);
    pool = new pg.Pool({ connectionString: server.url, max: 3, connectionTimeoutMillis: 1_000 });
    pool.on('error', () => {}); // idle clients cut by the server stop: expected here
    await migratePostgresStores(pool, { prefix });
    s = {
      nonces: new PostgresNonceStore(pool, { prefix, timeoutMs: 2_000 }),
      revocations: new PostgresRevocationStore(pool, { prefix, timeoutMs: 2_000 }),
      limiter: new PostgresRateLimiter(pool, { prefix, timeoutMs: 2_000, limit: 5, windowMs: 60_000 }),
    };
  });
  afterAll(async () => {
    await pool?.end().catch(() => {});
    await server?.destroy();
  });

  it('migrations are idempotent when several instances run them at once', async () => {
    const clients = await Promise.all([1, 2, 3].map(async () => {
      const c = new pg.Client({ connectionString: server.url });
      await c.connect();
      return c;
    }));
    try {
      await Promise.all(clients.map((c) => migratePostgresStores(c, { prefix: 'race_' })));
      await migratePostgresStores(pool, { prefix: 'race_' });
      const r = await pool.query(`SELECT count(*)::int AS n FROM pg_tables WHERE tablename LIKE 'race\\_%'`);
      expect(r.rows[0].n).toBe(9); // nonces, revocations, kills, rate limits, 3 budget tables, audit log and head
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });

  it('rejects a table prefix outside the safe identifier charset', async () => {
    for (const prefix of ['x"; DROP TABLE y; --', 'Upper_', '1abc', 'a-b', 'a'.repeat(41), ''])
      expect(await outcome(migratePostgresStores(pool, { prefix }))).toMatchObject({ code: 'INVALID_INPUT' });
    expect(() => new PostgresNonceStore(pool, { prefix: 'a b' })).toThrow(/prefix/);
  });

  it('stopped server: every call throws STORE_UNAVAILABLE; recovers after restart with its data', async () => {
    const live = { hash: hash(), grant: 'g-live' };
    await s.nonces.issue(live.hash, Date.now() + 60_000, 'kept');
    await s.revocations.revoke(live.grant);
    await s.revocations.kill({ wallet: 'w-live' });
    // Warm the pool so that idle connections exist when the server goes away.
    await Promise.all([1, 2, 3].map(() => s.revocations.isRevoked('x')));
    await server.stop();
    await expectAllUnavailable(s, live, 2_500);
    // A second round, now on fresh connection attempts (refused).
    await expectAllUnavailable(s, live, 2_500);
    await server.start();
    await eventually(async () => expect(await s.revocations.isRevoked(live.grant)).toBe(true));
    expect(await s.revocations.isKilled({ bot: 'b', wallet: 'w-live' })).toBe(true);
    expect(await s.nonces.consume(live.hash, Date.now())).toBe('kept');
    expect(await s.nonces.consume(live.hash, Date.now())).toBeNull();
  });
});
