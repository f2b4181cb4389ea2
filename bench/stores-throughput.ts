/**
 * Throughput of nonce issue+consume through the stores vs the raw driver sending equivalent commands.
 * Not a test (numbers depend on the machine). Run: npx tsx test/stores/bench-throughput.ts
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { MemoryNonceStore } from '../src/stores/index.js';
import { RedisNonceStore } from '../src/stores/redis.js';
import { migratePostgresStores, PostgresNonceStore } from '../src/stores/postgres.js';
import { findPgBin, findRedisServer, startPostgres, startRedis } from '../test/setup/servers.js';

const N = Number(process.env.BENCH_N ?? 10_000);
const CONCURRENCY = 32;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3); // interleaved, to even out a noisy machine
const hashes = Array.from({ length: N }, (_, i) => createHash('sha256').update(`n${i}-${Math.random()}`).digest('hex'));

async function measure(name: string, pair: (h: string) => Promise<void>): Promise<void> {
  let next = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < hashes.length) await pair(hashes[next++]!);
    }),
  );
  const s = (performance.now() - t) / 1000;
  console.log(`${name.padEnd(44)} ${(N / s).toFixed(0).padStart(7)} issue+consume/s`);
}

async function main(): Promise<void> {
  const meta = JSON.stringify({ challenge: 'x'.repeat(400) });
  const mem = new MemoryNonceStore();
  await measure('memory store', async (h) => {
    await mem.issue(h, Date.now() + 60_000, meta);
    if ((await mem.consume(h, Date.now())) === null) throw new Error('lost');
  });
  mem.close();

  const redisBin = findRedisServer();
  if (redisBin !== undefined) {
    const server = await startRedis(redisBin);
    const r = new Redis(server.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
    await r.connect();
    const store = new RedisNonceStore(r, { prefix: 'b:' });
    for (let round = 0; round < ROUNDS; round++) {
      await measure('redis store (EVALSHA x2)', async (h) => {
        await store.issue(h, Date.now() + 60_000, meta);
        if ((await store.consume(h, Date.now())) === null) throw new Error('lost');
      });
      await measure('raw ioredis (SET NX PX + GETDEL)', async (h) => {
        const exp = Date.now() + 60_000;
        await r.set(`raw:${h}`, `${exp}:${meta}`, 'PX', 60_000, 'NX');
        const v = await r.getdel(`raw:${h}`);
        if (v === null) throw new Error('lost');
      });
    }
    r.disconnect();
    await server.destroy();
  }

  const pgBin = process.env.BENCH_SKIP_PG === '1' ? undefined : findPgBin();
  if (pgBin !== undefined) {
    const server = await startPostgres(pgBin);
    const pool = new pg.Pool({ connectionString: server.url, max: 8 });
    await migratePostgresStores(pool, { prefix: 'b_' });
    const store = new PostgresNonceStore(pool, { prefix: 'b_' });
    await pool.query('CREATE TABLE raw_nonces (hash text PRIMARY KEY, expires_at bigint NOT NULL, meta text NOT NULL)');
    for (let round = 0; round < ROUNDS; round++) {
      await measure('postgres store (pool of 8)', async (h) => {
        await store.issue(h, Date.now() + 60_000, meta);
        if ((await store.consume(h, Date.now())) === null) throw new Error('lost');
      });
      await measure('raw pg (INSERT + DELETE RETURNING, pool of 8)', async (h) => {
        const now = Date.now();
        await pool.query('INSERT INTO raw_nonces (hash, expires_at, meta) VALUES ($1, $2, $3)', [h, now + 60_000, meta]);
        const r = await pool.query('DELETE FROM raw_nonces WHERE hash = $1 AND expires_at > $2 RETURNING meta', [h, now]);
        if (r.rows.length === 0) throw new Error('lost');
      });
    }
    await pool.end();
    await server.destroy();
  }
}

await main();
