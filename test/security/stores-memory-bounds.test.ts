/**
 * Regression (final review, fixed): the memory stores once let their expiry heap grow by one entry per write even when the map stays
 * tiny (a hammered rate-limit key; issue + consume of nonces). Only the periodic sweep rebuilds it,
 * so with `sweepIntervalMs: 0` (documented as "disables the timer") memory grows without bound, and
 * with the default timer it grows with the request rate for up to a minute. SPEC 9.3: "Bounded".
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { MemoryNonceStore, MemoryRateLimiter } from '../../src/stores/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapUsed = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

describe('memory stores stay bounded by maxEntries, not by the number of operations', () => {
  it('one hammered rate-limit key (all refused) does not grow memory', async () => {
    const l = new MemoryRateLimiter({ limit: 1, windowMs: 24 * 3600_000, sweepIntervalMs: 0, maxEntries: 10 });
    const now = Date.now();
    await l.hit('ip', now);
    const before = heapUsed();
    for (let i = 0; i < 1_000_000; i++) await l.hit('ip', now + i);
    const grown = heapUsed() - before;
    l.close();
    expect(grown, `heap grew by ${(grown / 1e6).toFixed(1)} MB for one key`).toBeLessThan(4e6);
  });

  it('issue + consume cycles do not grow memory', async () => {
    const s = new MemoryNonceStore({ sweepIntervalMs: 0, maxEntries: 10 });
    const hex = (i: number) => i.toString(16).padStart(64, '0');
    const before = heapUsed();
    const now = Date.now();
    for (let i = 0; i < 300_000; i++) {
      await s.issue(hex(i), now + 600_000, 'm');
      await s.consume(hex(i), now);
    }
    const grown = heapUsed() - before;
    s.close();
    expect(grown, `heap grew by ${(grown / 1e6).toFixed(1)} MB with an empty store`).toBeLessThan(4e6);
  });
});
