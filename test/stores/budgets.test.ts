/**
 * One behavioural suite for the budget stores (SPEC 9.8) and the new revocation rules (SPEC 9.1:
 * versions, clock skew, `until`, clocks), run against memory, Redis, PostgreSQL and PGlite.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isAgentvaultError } from '../../src/errors.js';
import type { BudgetSpend } from '../../src/stores/index.js';
import { backends, type OpenBackend, type StoreClient } from './_backends.js';

const msgHash = (): string => createHash('sha256').update(randomBytes(32)).digest('hex');
const rid = (): string => randomBytes(4).toString('hex');
const H = 3_600_000;

async function code(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return isAgentvaultError(e) ? e.code : `not an AgentvaultError: ${String(e)}`;
  }
  return 'resolved';
}

const all = backends(inject('agentvaultRedisUrl'), inject('agentvaultPgUrl'));

describe.each(all)('$name budgets and revocation ordering', (backend) => {
  let b: OpenBackend;
  let c1: StoreClient;
  let c2: StoreClient;

  describe.skipIf(backend.skip !== '')('behaviour', () => {
    beforeAll(async () => {
      b = await backend.open();
      c1 = await b.client();
      c2 = await b.client();
    });
    afterAll(async () => {
      await b?.close();
    });

    describe('budget store', () => {
      const sig = (g: string, limit: bigint, windowMs = H): BudgetSpend => ({ counter: `grant:${g}:signatures:${windowMs / 1000}`, windowMs, amount: 1n, limit });

      it('spends up to the limit, then refuses naming the counter, across clients', async () => {
        const g = rid();
        const now = Date.now();
        const res = [];
        for (let i = 0; i < 5; i++) res.push(await (i % 2 ? c1 : c2).budgets.spend(msgHash(), [sig(g, 3n)], now + i));
        expect(res.slice(0, 3)).toEqual([1n, 2n, 3n].map((a) => ({ ok: true, after: [a] })));
        expect(res.slice(3)).toEqual([{ ok: false, counter: `grant:${g}:signatures:3600` }, { ok: false, counter: `grant:${g}:signatures:3600` }]);
      });

      it('is idempotent per key: the same key returns the earlier result and spends nothing', async () => {
        const g = rid();
        const now = Date.now();
        const k = msgHash();
        expect(await c1.budgets.spend(k, [sig(g, 2n)], now)).toEqual({ ok: true, after: [1n] });
        expect(await c2.budgets.spend(k, [sig(g, 2n)], now + 1)).toEqual({ ok: true, after: [1n] });
        expect(await c1.budgets.spend(k, [sig(g, 2n)], now + 2)).toEqual({ ok: true, after: [1n] });
        expect(await c1.budgets.spend(msgHash(), [sig(g, 2n)], now + 3)).toEqual({ ok: true, after: [2n] });
        expect((await c1.budgets.spend(msgHash(), [sig(g, 2n)], now + 4)).ok).toBe(false);
        // Still idempotent when the budget is exhausted: the earlier result, not a refusal.
        expect(await c2.budgets.spend(k, [sig(g, 2n)], now + 5)).toEqual({ ok: true, after: [1n] });
      });

      it('a refused key is not remembered: it may succeed once the window has room', async () => {
        const g = rid();
        const now = Date.now();
        expect((await c1.budgets.spend(msgHash(), [sig(g, 1n, 1000)], now)).ok).toBe(true);
        const k = msgHash();
        expect(await c1.budgets.spend(k, [sig(g, 1n, 1000)], now + 999)).toEqual({ ok: false, counter: `grant:${g}:signatures:1` });
        // Window is (now - windowMs, now]: the first spend leaves it at now + 1000.
        expect(await c2.budgets.spend(k, [sig(g, 1n, 1000)], now + 1000)).toEqual({ ok: true, after: [1n] });
      });

      it('is all or nothing across counters', async () => {
        const g = rid();
        const w = rid();
        const now = Date.now();
        const spends = (lamports: bigint): BudgetSpend[] => [
          sig(g, 10n),
          { counter: `grant:${g}:sol:86400`, windowMs: 24 * H, amount: lamports, limit: 1_000n },
          { counter: `wallet:${w}:sol:86400`, windowMs: 24 * H, amount: lamports, limit: 1_500n },
        ];
        expect(await c1.budgets.spend(msgHash(), spends(600n), now)).toEqual({ ok: true, after: [1n, 600n, 600n] });
        expect(await c2.budgets.spend(msgHash(), spends(500n), now + 1)).toEqual({ ok: false, counter: `grant:${g}:sol:86400` });
        // Nothing was added by the refusal: signature count and wallet outflow are unchanged.
        expect(await c1.budgets.spend(msgHash(), spends(400n), now + 2)).toEqual({ ok: true, after: [2n, 1000n, 1000n] });
        const other = rid();
        expect(
          await c2.budgets.spend(msgHash(), [sig(other, 10n), { counter: `wallet:${w}:sol:86400`, windowMs: 24 * H, amount: 501n, limit: 1_500n }], now + 3),
        ).toEqual({ ok: false, counter: `wallet:${w}:sol:86400` });
        expect(await c2.budgets.spend(msgHash(), [sig(other, 10n)], now + 4)).toEqual({ ok: true, after: [1n] });
      });

      it('rolls the window: spends leave it windowMs later, never earlier', async () => {
        const g = rid();
        const t = Date.now();
        const s = (amount: bigint): BudgetSpend[] => [{ counter: `grant:${g}:fees:60`, windowMs: 60_000, amount, limit: 100n }];
        expect(await c1.budgets.spend(msgHash(), s(60n), t)).toEqual({ ok: true, after: [60n] });
        expect(await c1.budgets.spend(msgHash(), s(40n), t + 30_000)).toEqual({ ok: true, after: [100n] });
        expect((await c2.budgets.spend(msgHash(), s(1n), t + 59_999)).ok).toBe(false);
        expect(await c2.budgets.spend(msgHash(), s(60n), t + 60_000)).toEqual({ ok: true, after: [100n] });
        expect((await c1.budgets.spend(msgHash(), s(1n), t + 89_999)).ok).toBe(false);
        expect(await c1.budgets.spend(msgHash(), s(40n), t + 90_000)).toEqual({ ok: true, after: [100n] });
      });

      it('holds u64 and u128 amounts exactly (no double rounding)', async () => {
        const g = rid();
        const now = Date.now();
        const big = 2n ** 64n - 1n;
        const lim = 2n ** 65n - 1n;
        const s = (amount: bigint): BudgetSpend[] => [{ counter: `grant:${g}:mint:X:3600`, windowMs: H, amount, limit: lim }];
        expect(await c1.budgets.spend(msgHash(), s(big), now)).toEqual({ ok: true, after: [big] });
        expect(await c2.budgets.spend(msgHash(), s(big), now)).toEqual({ ok: true, after: [2n * big] });
        expect(await c1.budgets.spend(msgHash(), s(2n), now)).toEqual({ ok: false, counter: `grant:${g}:mint:X:3600` });
        expect(await c1.budgets.spend(msgHash(), s(1n), now)).toEqual({ ok: true, after: [lim] });
        const top = 2n ** 128n - 1n;
        const g2 = rid();
        const s2: BudgetSpend[] = [{ counter: `c:${g2}`, windowMs: H, amount: top - 10_000_000n, limit: top }];
        expect(await c1.budgets.spend(msgHash(), s2, now)).toEqual({ ok: true, after: [top - 10_000_000n] });
        expect(await c1.budgets.spend(msgHash(), [{ ...s2[0]!, amount: 10_000_000n }], now)).toEqual({ ok: true, after: [top] });
        expect((await c1.budgets.spend(msgHash(), [{ ...s2[0]!, amount: 1n }], now)).ok).toBe(false);
        // Zero amounts count as a spend of nothing.
        expect(await c1.budgets.spend(msgHash(), [{ ...s2[0]!, amount: 0n }], now)).toEqual({ ok: true, after: [top] });
      });

      it('holds the limit under concurrent spends from several clients', async () => {
        const g = rid();
        const now = Date.now();
        const stores = [c1.budgets, c2.budgets];
        const rs = await Promise.all(Array.from({ length: 120 }, (_, i) => stores[i % 2]!.spend(msgHash(), [sig(g, 17n), sig(`${g}-w`, 1000n)], now)));
        expect(rs.filter((r) => r.ok)).toHaveLength(17);
        // The same key spent concurrently spends once.
        const k = msgHash();
        const g2 = rid();
        const same = await Promise.all(Array.from({ length: 40 }, (_, i) => stores[i % 2]!.spend(k, [sig(g2, 100n)], now)));
        expect(same.every((r) => r.ok && r.after[0] === 1n)).toBe(true);
      });

      it('rejects malformed keys and spends with INVALID_INPUT', async () => {
        const now = Date.now();
        const ok = sig(rid(), 1n);
        const bad: unknown[][] = [
          ['XYZ', [ok], now],
          [msgHash().toUpperCase(), [ok], now],
          [msgHash(), [], now],
          [msgHash(), 'x', now],
          [msgHash(), [{ ...ok, amount: 1 }], now],
          [msgHash(), [{ ...ok, amount: -1n }], now],
          [msgHash(), [{ ...ok, limit: 2n ** 128n }], now],
          [msgHash(), [{ ...ok, windowMs: 0 }], now],
          [msgHash(), [{ ...ok, windowMs: 1.5 }], now],
          [msgHash(), [{ ...ok, counter: '' }], now],
          [msgHash(), [{ ...ok, extra: 1 }], now],
          [msgHash(), [ok, ok], now],
          [msgHash(), [ok], Number.NaN],
          [msgHash(), [ok], 1.5],
        ];
        for (const args of bad) expect(await code(c1.budgets.spend(...(args as [string, BudgetSpend[], number])))).toBe('INVALID_INPUT');
      });
    });

    describe('kill switch ordering (versions, compare-and-set)', () => {
      it('kill issues increasing versions; unkill is a compare-and-set on them', async () => {
        const bot = `bot-${rid()}`;
        const wallet = `w-${rid()}`;
        expect(await c1.revocations.killState({ bot })).toEqual({ killed: false, version: 0 });
        const k1 = await c1.revocations.kill({ bot });
        expect(k1.applied).toBe(true);
        expect(k1.version).toBeGreaterThanOrEqual(1);
        const k2 = await c2.revocations.kill({ bot });
        expect(k2.applied).toBe(true);
        expect(k2.version).toBeGreaterThan(k1.version);
        expect(await c1.revocations.killState({ bot })).toEqual({ killed: true, version: k2.version });
        // A late unkill that names the version it saw before the newer kill changes nothing.
        expect(await c1.revocations.unkill({ bot }, { ifVersion: k1.version })).toEqual({ applied: false, version: k2.version });
        expect(await c2.revocations.isKilled({ bot, wallet })).toBe(true);
        const u = await c1.revocations.unkill({ bot }, { ifVersion: k2.version });
        expect(u.applied).toBe(true);
        expect(u.version).toBeGreaterThan(k2.version);
        expect(await c2.revocations.isKilled({ bot, wallet })).toBe(false);
        expect((await c2.revocations.killState({ bot })).killed).toBe(false);
        // Unkill of a switch that is off, or a replay of the same unkill: no-op.
        expect((await c2.revocations.unkill({ bot }, { ifVersion: k2.version })).applied).toBe(false);
        expect((await c2.revocations.unkill({ bot })).applied).toBe(false);
        const k3 = await c1.revocations.kill({ bot });
        expect(k3.version).toBeGreaterThan(u.version);
        // An unkill naming a version from before the last unkill never matches the new kill.
        expect((await c2.revocations.unkill({ bot }, { ifVersion: k2.version })).applied).toBe(false);
        expect((await c2.revocations.unkill({ bot }, { ifVersion: u.version })).applied).toBe(false);
        // Without ifVersion: read, then compare-and-set.
        expect((await c2.revocations.unkill({ bot })).applied).toBe(true);
        expect(await c1.revocations.isKilled({ bot, wallet })).toBe(false);
        expect(await code(c1.revocations.unkill({ bot }, { ifVersion: -1 }))).toBe('INVALID_INPUT');
        expect(await code(c1.revocations.unkill({ bot }, { version: 1 } as never))).toBe('INVALID_INPUT');
      });
    });

    describe('revocations, until and clocks', () => {
      it('a past or non-integer until is INVALID_INPUT (seconds instead of ms included)', async () => {
        const g = `g-${rid()}`;
        for (const until of [Date.now() - 1, Math.floor(Date.now() / 1000) + 3600, Date.now() + 0.5, Number.NaN, '1'])
          expect(await code(c1.revocations.revoke(g, until as number))).toBe('INVALID_INPUT');
        expect(await c1.revocations.isRevoked(g)).toBe(false);
      });

      it('a revocation outlives the grant on an instance whose clock is minutes behind', async () => {
        const real = Date.now;
        // Instance A runs 9 minutes fast, instance B 5 minutes slow (inside the default 10 min skew... 14 apart
        // in total, so B is 5 min behind true time and A's view of the grant's end is 9 min early).
        const a = c1.revocationStore({ clock: () => real() + 9 * 60_000 });
        const bClock = { offset: -5 * 60_000 };
        const bStore = backend.networked ? c2.revocationStore({ clock: () => real() + bClock.offset }) : a;
        const g = `g-${rid()}`;
        // The grant ends (true time) in 9 min + 1 s; A sees 1 s left.
        const until = real() + 9 * 60_000 + 1_000;
        await a.revoke(g, until);
        await new Promise((r) => setTimeout(r, 1_300));
        // A's clock is past until now; B still thinks the grant runs for ~14 more minutes.
        expect(await bStore.isRevoked(g)).toBe(true);
        expect(await a.isRevoked(g)).toBe(true);
        // With no skew allowance the revocation is gone on A's clock (the behaviour the skew fixes).
        const g0 = `g-${rid()}`;
        const a0 = c1.revocationStore({ clock: () => real() + 9 * 60_000, maxClockSkewMs: 0 });
        await a0.revoke(g0, until + 2_000);
        expect(await a0.isRevoked(g0)).toBe(true);
      });

      it('the kept time is until + maxClockSkewMs on the store clock', async () => {
        let now = Date.now();
        const s = c1.revocationStore({ clock: () => now, maxClockSkewMs: 120_000 });
        const g = `g-${rid()}`;
        await s.revoke(g, now + 60_000);
        now += 60_000 + 119_000;
        expect(await s.isRevoked(g)).toBe(true);
        if (backend.name !== 'redis') {
          // Redis counts its TTL on the server's clock; memory and SQL compare with the store clock.
          now += 1_000;
          expect(await s.isRevoked(g)).toBe(false);
        }
        expect(await code(async () => c1.revocationStore({ maxClockSkewMs: -1 }))).toBe('INVALID_INPUT');
        expect(await code(async () => c1.revocationStore({ maxClockSkewMs: 1.5 }))).toBe('INVALID_INPUT');
      });

      it('a clock returning anything but a safe integer fails closed with CLOCK_INVALID', async () => {
        const g = `g-${rid()}`;
        await c1.revocations.revoke(g, Date.now() + 60_000);
        for (const bad of [Number.NaN, 1.5, Date.now() + 0.25, -1, Infinity, '1', new Date(), undefined, 2 ** 60]) {
          const s = c1.revocationStore({ clock: () => bad as number });
          expect(await code(s.revoke(`g-${rid()}`, Date.now() + 60_000)), String(bad)).toBe('CLOCK_INVALID');
          if (backend.name !== 'redis') expect(await code(s.isRevoked(g)), String(bad)).toBe('CLOCK_INVALID');
        }
        const throwing = c1.revocationStore({
          clock: () => {
            throw new Error('ntp');
          },
        });
        expect(await code(throwing.revoke(g, Date.now() + 1000))).toBe('CLOCK_INVALID');
        // Integer ms clocks work (PostgreSQL once reported a fractional clock as an outage).
        const fine = c1.revocationStore({ clock: () => Math.floor(performance.timeOrigin + performance.now()) });
        const g2 = `g-${rid()}`;
        await fine.revoke(g2, Date.now() + 60_000);
        expect(await fine.isRevoked(g2)).toBe(true);
        if (backend.networked) expect(await fine.isRevoked(g)).toBe(true);
      });
    });
  });
});
