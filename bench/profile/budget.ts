/** Profile driver: MemoryBudgetStore.spend (3 counters, fresh message hash) vs the Map reference, as bench/budget-rows.ts. */
import { createHash } from 'node:crypto';
import { MemoryBudgetStore, type BudgetSpend } from '../../src/stores/index.js';
import { compare, COMPARE, loopAsync, MS } from './common.js';

const H = 3_600_000;
const spends = (salt: string): BudgetSpend[] => [
  { counter: `grant:${salt}:signatures:3600`, windowMs: H, amount: 1n, limit: 10n ** 9n },
  { counter: `grant:${salt}:fees:86400`, windowMs: 24 * H, amount: 5000n, limit: 10n ** 15n },
  { counter: `wallet:${salt}:sol:86400`, windowMs: 24 * H, amount: 1_000_000n, limit: 10n ** 18n },
];
// Counters change every 50 spends (as the bench row): a window holds at most 50 entries.
const SP = Array.from({ length: 2000 }, (_, i) => spends(`s${i}`));
const key = (i: number): string => createHash('sha256').update(`k:${i}`).digest('hex');
const store = new MemoryBudgetStore({ sweepIntervalMs: 0, maxEntries: 10_000_000 });
let i = 0;
const av = async () => {
  const k = i++;
  if (!(await store.spend(key(k), SP[Math.floor(k / 50) % 2000]!, Date.now())).ok) throw new Error('spend');
};
const counters = new Map<string, { at: number; amount: bigint }[]>();
const records = new Map<string, bigint[]>();
let j = 0;
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
const bare = async () => {
  const k = j++;
  if ((await spend(key(k), SP[Math.floor(k / 50) % 2000]!, Date.now())) === null) throw new Error('spend');
};
if (COMPARE) await compare('budget spend: memory', av, bare, 7, 300);
else {
  await loopAsync('budget agentvault', MS, av);
  await loopAsync('budget Map', MS / 3, bare);
}
