/**
 * Child process for the signer-level burst (test/execution/stores-signer.test.ts, issue 14 item 1):
 * opens its own connection, builds `n` distinct messages, waits for the parent's go, then runs `n`
 * parallel `withExecutionSigner` + `signTransactionMessage` against one budgeted grant and prints
 * one JSON line with the outcome counts (valid signatures are checked with tweetnacl).
 * argv: <redis|postgres> <url> <prefix> <grant json file> <worker index> <n>
 */
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import pg from 'pg';
import nacl from 'tweetnacl';
import { isAgentvaultError } from '../../src/errors.js';
import { withExecutionSigner } from '../../src/execution/grant.js';
import { MemoryRevocationStore } from '../../src/stores/memory.js';
import { PostgresBudgetStore } from '../../src/stores/postgres.js';
import { RedisBudgetStore } from '../../src/stores/redis.js';
import type { BudgetStore } from '../../src/stores/types.js';
import { budgetedPolicy, distinctTransfers, transferOrder } from './_budgeted.js';
import { addr, BOT, NOW, wrapperV1 } from './_fixtures.js';

const [backend, url, prefix, file, indexText, nText] = process.argv.slice(2) as [string, string, string, string, string, string];
const n = Number(nText);
const g = JSON.parse(readFileSync(file, 'utf8')) as { grant: string; owner: string; agent: string; limit: number };
const counts: Record<string, number> = {};
const count = (k: string): void => {
  counts[k] = (counts[k] ?? 0) + 1;
};

async function main(): Promise<void> {
  let budgets: BudgetStore;
  let close: () => Promise<void>;
  if (backend === 'redis') {
    const r = new Redis(url, { enableOfflineQueue: true, maxRetriesPerRequest: 1 });
    close = async () => void (await r.quit());
    // The test is about the budget, not latency: a generous deadline on 2 shared cores.
    budgets = new RedisBudgetStore(r, { prefix, timeoutMs: 30_000 });
  } else {
    const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 10_000 });
    pool.on('error', () => {});
    close = () => pool.end();
    budgets = new PostgresBudgetStore(pool, { prefix, timeoutMs: 30_000 });
  }
  const messages = await distinctTransfers(g.agent, Number(indexText) * n, n);
  const wrapper = wrapperV1();
  const revocations = new MemoryRevocationStore({ sweepIntervalMs: 0, clock: () => NOW });
  const policy = budgetedPolicy(g.limit);
  const pub = addr(g.agent);
  await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
  process.stdin.destroy();
  await Promise.all(
    messages.map(async (m) => {
      try {
        const sig = await withExecutionSigner(
          g.grant,
          { wrapper, policy, order: transferOrder, state: { positionNotional: '0', dailyLoss: '0' }, revocations, expected: { owner: g.owner, bot: BOT }, now: NOW + 60_000, budgets },
          (signer) => signer.signTransactionMessage(m),
        );
        count(nacl.sign.detached.verify(m, sig, pub) ? 'signed' : 'bad-signature');
      } catch (e) {
        const k = isAgentvaultError(e) ? `${e.code}:${String(e.details?.['reason'] ?? '')}` : `error:${String(e)}`;
        if (process.env.BURST_DEBUG && counts[k] === undefined && !k.endsWith('budget-exceeded')) console.error(k, e, (e as Error).cause);
        count(k);
      }
    }),
  );
  revocations.close();
  await close();
  process.stdout.write(JSON.stringify({ counts }) + '\n', () => process.exit(0));
}

main().catch((e: unknown) => {
  process.stdout.write(JSON.stringify({ fatal: String(e) }) + '\n');
  process.exit(1);
});
