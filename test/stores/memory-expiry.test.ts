/**
 * Issue 18: the memory stores push an expiry heap entry only for a new key or an earlier expiry; a
 * counter whose expiry moves later keeps its earlier entry and is re-queued by the sweep. These
 * tests pin what must not change: a counter still in a window is never forgotten, one past its
 * window (plus skew) is, and the idempotency record binds the amounts (SPEC 9.8).
 */
import { describe, expect, it } from 'vitest';
import { MemoryBudgetStore, type BudgetSpend } from '../../src/stores/index.js';

const H = 3_600_000;
const key = (i: number) => i.toString(16).padStart(64, '0');
const sp = (amount: bigint, counter = 'c:1', windowMs = H, limit = 10n): BudgetSpend[] => [{ counter, windowMs, amount, limit }];

describe('MemoryBudgetStore expiry (lazy re-queue)', () => {
  it('a counter written again later survives sweeps inside its new window and goes after it', async () => {
    const s = new MemoryBudgetStore({ sweepIntervalMs: 0, maxClockSkewMs: 0 });
    expect((await s.spend(key(1), sp(3n), 0)).ok).toBe(true);
    // Written again at 0.9 h: the counter now lives until 1.9 h.
    expect(await s.spend(key(2), sp(4n), 0.9 * H)).toEqual({ ok: true, after: [7n] });
    // Past the first expiry (1 h): the first spend left the window, the counter must stay.
    s.sweep(1.5 * H);
    expect(s.size).toBe(2); // the counter and the second record (the first record expired)
    expect(await s.spend(key(3), sp(6n), 1.5 * H)).toEqual({ ok: true, after: [10n] });
    expect((await s.spend(key(4), sp(1n), 1.5 * H)).ok).toBe(false);
    // Past every expiry: nothing is left.
    s.sweep(3 * H);
    expect(s.size).toBe(0);
  });
  it('many rewrites of one counter keep the heap bounded and the sweep exact', async () => {
    const s = new MemoryBudgetStore({ sweepIntervalMs: 0, maxClockSkewMs: 0, maxEntries: 100_000 });
    for (let i = 0; i < 5000; i++) expect((await s.spend(key(i), sp(1n, 'c:x', 10_000, 10n ** 9n), i)).ok).toBe(true);
    s.sweep(4999 + 10_000 - 1);
    // The last spends (at 4999) are still in the counter's window: the counter stays.
    expect((await s.spend(key(10_000), sp(1n, 'c:x', 10_000, 10n ** 9n), 4999 + 10_000 - 1)).ok).toBe(true);
    s.sweep(100_000);
    expect(s.size).toBe(0);
  });
  it('the same message hash with other amounts, windows or counters is another spend; the same spend is replayed', async () => {
    const s = new MemoryBudgetStore({ sweepIntervalMs: 0 });
    expect(await s.spend(key(9), sp(2n), 0)).toEqual({ ok: true, after: [2n] });
    expect(await s.spend(key(9), sp(2n), 1)).toEqual({ ok: true, after: [2n] }); // replay
    expect(await s.spend(key(9), sp(3n), 2)).toEqual({ ok: true, after: [5n] });
    expect(await s.spend(key(9), sp(3n, 'c:1', H + 1), 3)).toEqual({ ok: true, after: [8n] });
    // A counter name holding the separators of the id is still its own counter.
    expect(await s.spend(key(9), sp(1n, 'c:1",3600000,"3'), 4)).toEqual({ ok: true, after: [1n] });
    expect(await s.spend(key(9), [...sp(1n, 'c:1'), ...sp(1n, 'c:2')], 5)).toEqual({ ok: true, after: [9n, 1n] });
  });
});
