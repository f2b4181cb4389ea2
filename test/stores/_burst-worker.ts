/**
 * Child process for the multi-process tests (test/stores/burst.test.ts): opens its own connection,
 * fires N operations at once, prints one JSON line with the outcome counts.
 * argv: <budget|rate> <redis|postgres> <url> <prefix> <name> <n>
 */
import { createHash, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { isAgentvaultError } from '../../src/errors.js';
import { RedisBudgetStore } from '../../src/stores/redis.js';
import { PostgresBudgetStore, PostgresRateLimiter } from '../../src/stores/postgres.js';

const [mode, backend, url, prefix, name, nText] = process.argv.slice(2) as [string, string, string, string, string, string];
const n = Number(nText);
const counts: Record<string, number> = {};
const count = (k: string): void => {
  counts[k] = (counts[k] ?? 0) + 1;
};

async function main(): Promise<void> {
  let close: () => Promise<void>;
  let op: (i: number) => Promise<string>;
  if (backend === 'redis') {
    const r = new Redis(url, { enableOfflineQueue: true, maxRetriesPerRequest: 1 });
    close = async () => void (await r.quit());
    const budgets = new RedisBudgetStore(r, { prefix });
    op = async () => {
      const res = await budgets.spend(createHash('sha256').update(randomBytes(32)).digest('hex'), [{ counter: name, windowMs: 3_600_000, amount: 1n, limit: 50n }], Date.now());
      return res.ok ? 'ok' : 'refused';
    };
  } else {
    // A large pool (100 per process, 400 in all, against max_connections = 60): the burst that once
    // turned into thousands of STORE_UNAVAILABLE. The stores must still answer.
    const pool = new pg.Pool({ connectionString: url, max: Number(process.env.BURST_POOL_MAX ?? 100), connectionTimeoutMillis: 10_000 });
    pool.on('error', () => {});
    close = () => pool.end();
    if (mode === 'budget') {
      const budgets = new PostgresBudgetStore(pool, { prefix });
      op = async () => {
        const res = await budgets.spend(createHash('sha256').update(randomBytes(32)).digest('hex'), [{ counter: name, windowMs: 3_600_000, amount: 1n, limit: 50n }], Date.now());
        return res.ok ? 'ok' : 'refused';
      };
    } else {
      const limiter = new PostgresRateLimiter(pool, { prefix, limit: 20, windowMs: 60_000 });
      op = async (i) => ((await limiter.hit(`${name}:${i % 10}`, Date.now())).allowed ? 'allowed' : 'limited');
    }
  }
  // Wait for the parent's go (a line on stdin) so that every process fires at the same moment.
  await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
  process.stdin.destroy();
  const t = performance.now();
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      try {
        count(await op(i));
      } catch (e) {
        count(isAgentvaultError(e) ? `error:${e.code}${process.env.BURST_DEBUG ? ':' + String((e.cause as { code?: string; message?: string } | undefined)?.code ?? (e.cause as Error | undefined)?.message) : ''}` : `error:${String(e)}`);
      }
    }),
  );
  const ms = performance.now() - t;
  await close();
  process.stdout.write(JSON.stringify({ counts, ms }) + '\n', () => process.exit(0));
}

main().catch((e: unknown) => {
  process.stdout.write(JSON.stringify({ fatal: String(e) }) + '\n');
  process.exit(1);
});
