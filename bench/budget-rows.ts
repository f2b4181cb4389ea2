/**
 * Bench rows for a budget spend (SPEC 9.8): the library's stores against the same work done
 * directly: a Map-based rolling window for memory, the same Lua script through ioredis for Redis,
 * the same SQL statement through pg for PostgreSQL. Each op spends 3 counters (signatures per hour,
 * fee lamports and SOL per day) under a fresh message hash. The counters change every 50 ops, so a
 * window holds at most 50 entries for every implementation (a spend sums its window: its cost grows
 * with the entries in it, and batch sizes differ per implementation).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { MemoryBudgetStore, type BudgetSpend, type BudgetStore } from '../src/stores/index.js';
import type { Impl } from './harness.js';

interface Row {
  readonly name: string;
  readonly agentvault: Impl;
  readonly native: Impl;
  readonly peers: readonly Impl[];
  readonly note?: string;
}

const H = 3_600_000;
const key = (salt: string, i: number): string => createHash('sha256').update(`${salt}:${i}`).digest('hex');
const PER_COUNTER = 50;
const spendsAt = (salt: string, i: number): BudgetSpend[] => spends(`${salt}-${Math.floor(i / PER_COUNTER)}`);
const spends = (salt: string): BudgetSpend[] => [
  { counter: `grant:${salt}:signatures:3600`, windowMs: H, amount: 1n, limit: 10n ** 9n },
  { counter: `grant:${salt}:fees:86400`, windowMs: 24 * H, amount: 5000n, limit: 10n ** 15n },
  { counter: `wallet:${salt}:sol:86400`, windowMs: 24 * H, amount: 1_000_000n, limit: 10n ** 18n },
];
function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`bench self-check failed: ${what}`);
}

function libImpl(store: () => BudgetStore): Impl {
  let round = 0;
  return {
    name: 'agentvault',
    prepare(n) {
      const s = store();
      const salt = `lib${round++}${Math.random()}`;
      const sps = Array.from({ length: n }, (_, i) => spendsAt(salt, i));
      return async () => {
        for (let i = 0; i < n; i++) check((await s.spend(key(salt, i), sps[i]!, Date.now())).ok, 'spend');
      };
    },
  };
}

/** The memory reference: the same rolling-window rule on a Map, no validation, no idempotency digest. */
function memoryNative(): Impl {
  return {
    name: 'Map (async)',
    prepare(n) {
      const counters = new Map<string, { at: number; amount: bigint }[]>();
      const records = new Map<string, bigint[]>();
      const salt = `m${Math.random()}`;
      const sps = Array.from({ length: n }, (_, i) => spendsAt(salt, i));
      const spend = async (k: string, sp: BudgetSpend[], now: number) => {
        const prev = records.get(k);
        if (prev) return prev;
        const after: bigint[] = [];
        for (const s of sp) {
          const e = (counters.get(s.counter) ?? []).filter((x) => x.at > now - s.windowMs);
          let sum = 0n;
          for (const x of e) sum += x.amount;
          if (sum + s.amount > s.limit) return null;
          counters.set(s.counter, e);
          after.push(sum + s.amount);
        }
        for (const s of sp) counters.get(s.counter)!.push({ at: now, amount: s.amount });
        records.set(k, after);
        return after;
      };
      return async () => {
        for (let i = 0; i < n; i++) check((await spend(key(salt, i), sps[i]!, Date.now())) !== null, 'spend');
      };
    },
  };
}

export function memoryBudgetRow(): Row {
  const lib = new MemoryBudgetStore({ sweepIntervalMs: 0, maxEntries: 10_000_000 });
  return { name: 'budget spend (3 counters): memory', agentvault: libImpl(() => lib), native: memoryNative(), peers: [] };
}

/** The library's spend script, read from its source so the reference runs exactly the same Lua. */
function spendLua(): string {
  const src = readFileSync(new URL('../src/stores/redis.ts', import.meta.url), 'utf8');
  const m = /const SPEND = new Script\(`([\s\S]*?)`\);/.exec(src);
  if (!m) throw new Error('SPEND script not found in src/stores/redis.ts');
  return m[1]!;
}

export async function redisBudgetRow(url: string, cleanup: (() => Promise<void>)[]): Promise<Row> {
  const { Redis } = await import('ioredis');
  const { RedisBudgetStore } = await import('../src/stores/redis.js');
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  cleanup.push(async () => void client.disconnect());
  client.defineCommand('avSpend', { lua: spendLua() });
  const raw = client as unknown as { avSpend(numKeys: number, ...args: (string | number)[]): Promise<[number, string]> };
  const lib = new RedisBudgetStore(client, { prefix: 'bench:' });
  return {
    name: 'budget spend (3 counters): Redis',
    agentvault: libImpl(() => lib),
    native: {
      name: 'ioredis (same script)',
      prepare(n) {
        const salt = `r${Math.random()}`;
        const sps = Array.from({ length: n }, (_, i) => spendsAt(salt, i));
        return async () => {
          for (let i = 0; i < n; i++) {
            const k = key(salt, i);
            const sp = sps[i]!;
            const args: (string | number)[] = [`raw:budget:r:${k}`, ...sp.map((s) => `raw:budget:c:${s.counter}`), Date.now(), 600_000];
            for (const s of sp) args.push(s.windowMs, s.amount.toString(), s.limit.toString(), k);
            check((await raw.avSpend(1 + sp.length, ...args))[0] === 1, 'spend');
          }
        };
      },
    },
    peers: [],
  };
}

export async function pgBudgetRow(url: string, cleanup: (() => Promise<void>)[]): Promise<Row> {
  const pg = (await import('pg')).default;
  const { PostgresBudgetStore, migratePostgresStores } = await import('../src/stores/postgres.js');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  cleanup.push(() => client.end());
  await migratePostgresStores(client, { prefix: 'bench_' });
  const lib = new PostgresBudgetStore(client, { prefix: 'bench_' });
  return {
    name: 'budget spend (3 counters): PostgreSQL',
    agentvault: libImpl(() => lib),
    native: {
      name: 'pg (same statement)',
      prepare(n) {
        const salt = `p${Math.random()}`;
        const sps = Array.from({ length: n }, (_, i) => spendsAt(salt, i));
        return async () => {
          for (let i = 0; i < n; i++) {
            const sp = sps[i]!;
            const r = await client.query(
              `SELECT "bench_budget_spend"($1, $2::text[], $3::bigint[], $4::numeric[], $5::numeric[], $6::bigint, $7::bigint) AS r`,
              [key(salt, i), sp.map((s) => s.counter), sp.map((s) => s.windowMs), sp.map((s) => s.amount.toString()), sp.map((s) => s.limit.toString()), Date.now(), 600_000],
            );
            check((r.rows[0] as { r: string[] }).r[0] === 'ok', 'spend');
          }
        };
      },
    },
    peers: [],
  };
}
