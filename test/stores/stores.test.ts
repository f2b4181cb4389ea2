/**
 * One behavioural suite for every store implementation (DESIGN 10): memory, Redis, PostgreSQL and
 * PGlite run the same tests through test/stores/_backends.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isAgentvaultError } from '../../src/errors.js';
import { backends, raceConsume, type OpenBackend, type StoreClient } from './_backends.js';

const hashOf = (nonce: string): string => createHash('sha256').update(nonce).digest('hex');
const freshHash = (): string => hashOf(randomBytes(16).toString('base64url'));

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return isAgentvaultError(e) ? e.code : `not an AgentvaultError: ${String(e)}`;
  }
  return 'resolved';
}

const all = backends(inject('agentvaultRedisUrl'), inject('agentvaultPgUrl'));

describe.each(all)('$name stores', (backend) => {
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

    describe('nonce store', () => {
      it('returns the meta exactly once, then null', async () => {
        const h = freshHash();
        const now = Date.now();
        await c1.nonces.issue(h, now + 60_000, '{"challenge":"a:b:c"}');
        expect(await c1.nonces.consume(h, now)).toBe('{"challenge":"a:b:c"}');
        expect(await c1.nonces.consume(h, now)).toBeNull();
        expect(await c2.nonces.consume(h, now)).toBeNull();
      });

      it('is consumed through another client', async () => {
        const h = freshHash();
        const now = Date.now();
        await c1.nonces.issue(h, now + 60_000, 'm');
        expect(await c2.nonces.consume(h, now)).toBe('m');
        expect(await c1.nonces.consume(h, now)).toBeNull();
      });

      it('keeps meta text unchanged (unicode, colons, 16 KiB)', async () => {
        const now = Date.now();
        for (const meta of ['', 'é✓🔑:x:', 'x'.repeat(16 * 1024), JSON.stringify({ nul: '\u0000' })]) {
          const h = freshHash();
          await c1.nonces.issue(h, now + 60_000, meta);
          expect(await c2.nonces.consume(h, now)).toBe(meta);
        }
      });

      it('returns null for a hash never issued', async () => {
        expect(await c1.nonces.consume(freshHash(), Date.now())).toBeNull();
      });

      it('refuses a second live issue of the same hash and keeps the first meta', async () => {
        const h = freshHash();
        const now = Date.now();
        await c1.nonces.issue(h, now + 60_000, 'first');
        expect(await code(c2.nonces.issue(h, now + 60_000, 'second'))).toBe('INVALID_INPUT');
        expect(await c1.nonces.consume(h, now)).toBe('first');
      });

      it('refuses an expired nonce: now >= expiresAt gives null', async () => {
        const now = Date.now();
        const h1 = freshHash();
        const h2 = freshHash();
        await c1.nonces.issue(h1, now + 60_000, 'm1');
        await c1.nonces.issue(h2, now + 60_000, 'm2');
        expect(await c1.nonces.consume(h1, now + 60_000)).toBeNull(); // at expiry: refused
        expect(await c1.nonces.consume(h1, now)).toBeNull(); // and not consumable later either
        expect(await c1.nonces.consume(h2, now + 59_999)).toBe('m2'); // one ms before: fine
      });

      it('removes expired nonces eventually (TTL or sweep)', async () => {
        const before = await b.nonceCount();
        const h = freshHash();
        const exp = Date.now() + 300;
        await c1.nonces.issue(h, exp, 'short');
        expect(await b.nonceCount()).toBe(before + 1);
        await new Promise((r) => setTimeout(r, 450));
        await b.sweep(Date.now());
        expect(await b.nonceCount()).toBe(before);
        expect(await c1.nonces.consume(h, exp - 1)).toBeNull(); // gone, even for a caller with a slow clock
      });

      it('rejects malformed arguments with INVALID_INPUT before touching the backend', async () => {
        const now = Date.now();
        const bad: [unknown, unknown, unknown][] = [
          ['ABC', now + 1000, 'm'],
          [hashOf('x').toUpperCase(), now + 1000, 'm'],
          [123, now + 1000, 'm'],
          [freshHash(), 1.5, 'm'],
          [freshHash(), -1, 'm'],
          [freshHash(), now + 1000, 'x'.repeat(16 * 1024 + 1)],
          [freshHash(), now + 1000, 'é'.repeat(8 * 1024 + 1)],
          [freshHash(), now + 1000, 'a\u0000b'],
          [freshHash(), now + 1000, '\ud800'],
          [freshHash(), now + 1000, null],
        ];
        for (const [h, e, m] of bad) expect(await code(c1.nonces.issue(h as string, e as number, m as string))).toBe('INVALID_INPUT');
        expect(await code(c1.nonces.consume('nothex', now))).toBe('INVALID_INPUT');
        expect(await code(c1.nonces.consume(freshHash(), Number.NaN))).toBe('INVALID_INPUT');
      });

      it('lets exactly one of 1,000 concurrent consumers win, across clients', async () => {
        const clients = [c1, c2];
        if (backend.networked) for (let i = 0; i < 2; i++) clients.push(await b.client());
        const stores = clients.map((c) => c.nonces);
        const now = Date.now();
        for (let round = 0; round < 3; round++) {
          const h = freshHash();
          await c1.nonces.issue(h, now + 60_000, `race-${round}`);
          expect(await raceConsume(stores, h, 1000, now)).toBe(1);
        }
      });
    });

    describe('revocation store', () => {
      it('a revocation is seen by a second client at once, and only for that grant', async () => {
        const g = `grant-${randomBytes(4).toString('hex')}`;
        expect(await c2.revocations.isRevoked(g)).toBe(false);
        await c1.revocations.revoke(g);
        expect(await c2.revocations.isRevoked(g)).toBe(true);
        expect(await c2.revocations.isRevoked(`${g}x`)).toBe(false);
      });

      it('a revocation with until counts until until + maxClockSkewMs and is forgotten after', async () => {
        const g = `grant-${randomBytes(4).toString('hex')}`;
        // SPEC 9.1: kept for the skew past until (default 10 min); here a store allowing 200 ms.
        const r1 = c1.revocationStore({ maxClockSkewMs: 1000 });
        const r2 = backend.networked ? c2.revocationStore({ maxClockSkewMs: 1000 }) : r1;
        const until = Date.now() + 500;
        const at = (t: number) => new Promise((r) => setTimeout(r, Math.max(0, t - Date.now())));
        await r1.revoke(g, until);
        expect(await r2.isRevoked(g)).toBe(true);
        await at(until + 150);
        expect(await r2.isRevoked(g)).toBe(true); // past until, within the skew
        await at(until + 1000 + 100);
        expect(await r2.isRevoked(g)).toBe(false);
      });

      it('revoking again only extends: a later shorter until does not shorten, no until is for good', async () => {
        const g = `grant-${randomBytes(4).toString('hex')}`;
        await c1.revocations.revoke(g);
        await c2.revocations.revoke(g, Date.now() + 200);
        const h = `grant-${randomBytes(4).toString('hex')}`;
        await c1.revocations.revoke(h, Date.now() + 60_000);
        await c2.revocations.revoke(h, Date.now() + 200);
        await new Promise((r) => setTimeout(r, 350));
        expect(await c1.revocations.isRevoked(g)).toBe(true);
        expect(await c1.revocations.isRevoked(h)).toBe(true);
      });

      it('kill switch per bot and per wallet, seen by a second client, and unkill', async () => {
        const bot = `bot-${randomBytes(4).toString('hex')}`;
        const wallet = `wallet-${randomBytes(4).toString('hex')}`;
        expect(await c2.revocations.isKilled({ bot, wallet })).toBe(false);
        await c1.revocations.kill({ bot });
        expect(await c2.revocations.isKilled({ bot, wallet })).toBe(true);
        expect(await c2.revocations.isKilled({ bot: `${bot}-other`, wallet })).toBe(false);
        // A bot id equal to a killed wallet id is not killed: the scopes do not mix.
        expect(await c2.revocations.isKilled({ bot: wallet, wallet: bot })).toBe(false);
        await c1.revocations.kill({ wallet });
        expect(await c2.revocations.isKilled({ bot: `${bot}-other`, wallet })).toBe(true);
        await c2.revocations.unkill({ bot });
        expect(await c1.revocations.isKilled({ bot, wallet: `${wallet}-other` })).toBe(false);
        expect(await c1.revocations.isKilled({ bot, wallet })).toBe(true);
        await c2.revocations.unkill({ wallet });
        expect(await c1.revocations.isKilled({ bot, wallet })).toBe(false);
      });

      it('rejects malformed scopes and ids', async () => {
        for (const s of [{}, { bot: 'a', wallet: 'b' }, { bot: '' }, { bot: 1 }, null, 'bot'])
          expect(await code(c1.revocations.kill(s as never))).toBe('INVALID_INPUT');
        for (const g of ['', 5, 'x'.repeat(513), 'a\u0000'])
          expect(await code(c1.revocations.revoke(g as string))).toBe('INVALID_INPUT');
        expect(await code(c1.revocations.isKilled({ bot: 'a' } as never))).toBe('INVALID_INPUT');
      });
    });

    describe('rate limiter', () => {
      it('holds the limit across two clients and counts only allowed attempts', async () => {
        const opts = { limit: 5, windowMs: 60_000 };
        const l1 = c1.rateLimiter(opts);
        const l2 = c2.rateLimiter(opts);
        const key = `k-${randomBytes(4).toString('hex')}`;
        const now = Date.now();
        const results = [];
        for (let i = 0; i < 12; i++) results.push(await (i % 2 === 0 ? l1 : l2).hit(key, now + i));
        expect(results.filter((r) => r.allowed)).toHaveLength(5);
        expect(results.map((r) => r.remaining)).toEqual([4, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
        expect(results.slice(0, 5).every((r) => r.allowed && r.retryAfterMs === 0)).toBe(true);
        // Refused attempts were not counted: the 6th-12th refusals all wait for the first hit (at now).
        expect(results.slice(5).map((r) => r.retryAfterMs)).toEqual([5, 6, 7, 8, 9, 10, 11].map((i) => 60_000 - i));
      });

      it('holds the limit under concurrent hits from several clients', async () => {
        const opts = { limit: 7, windowMs: 60_000 };
        const limiters = [c1.rateLimiter(opts), c2.rateLimiter(opts)];
        const key = `k-${randomBytes(4).toString('hex')}`;
        const now = Date.now();
        const rs = await Promise.all(Array.from({ length: 100 }, (_, i) => limiters[i % 2]!.hit(key, now)));
        expect(rs.filter((r) => r.allowed)).toHaveLength(7);
      });

      it('gives an exact retry-after and slides the window', async () => {
        const l = c1.rateLimiter({ limit: 2, windowMs: 1000 });
        const l2 = c2.rateLimiter({ limit: 2, windowMs: 1000 });
        const key = `k-${randomBytes(4).toString('hex')}`;
        const t = Date.now();
        expect(await l.hit(key, t)).toEqual({ allowed: true, remaining: 1, retryAfterMs: 0 });
        expect(await l2.hit(key, t + 100)).toEqual({ allowed: true, remaining: 0, retryAfterMs: 0 });
        expect(await l.hit(key, t + 200)).toEqual({ allowed: false, remaining: 0, retryAfterMs: 800 });
        expect(await l2.hit(key, t + 999)).toEqual({ allowed: false, remaining: 0, retryAfterMs: 1 });
        // t left the window (window is (now - 1000, now]); t + 100 is still in it.
        expect(await l.hit(key, t + 1000)).toEqual({ allowed: true, remaining: 0, retryAfterMs: 0 });
        expect(await l2.hit(key, t + 1050)).toEqual({ allowed: false, remaining: 0, retryAfterMs: 50 });
        expect(await l.hit(key, t + 1100)).toEqual({ allowed: true, remaining: 0, retryAfterMs: 0 });
      });

      it('keeps keys and configurations apart', async () => {
        const a = c1.rateLimiter({ limit: 1, windowMs: 60_000 });
        const b2 = c2.rateLimiter({ limit: 2, windowMs: 60_000 });
        const key = `k-${randomBytes(4).toString('hex')}`;
        const now = Date.now();
        expect((await a.hit(key, now)).allowed).toBe(true);
        expect((await a.hit(key, now)).allowed).toBe(false);
        expect((await a.hit(`${key}2`, now)).allowed).toBe(true);
        expect((await b2.hit(key, now)).allowed).toBe(true); // another limit, another bucket
      });

      it('rejects malformed options and keys', async () => {
        expect(await code((async () => c1.rateLimiter({ limit: 0, windowMs: 1000 }))())).toBe('INVALID_INPUT');
        expect(await code((async () => c1.rateLimiter({ limit: 1, windowMs: 0 }))())).toBe('INVALID_INPUT');
        expect(await code((async () => c1.rateLimiter({ limit: 1.5, windowMs: 10 }))())).toBe('INVALID_INPUT');
        const l = c1.rateLimiter({ limit: 1, windowMs: 1000 });
        expect(await code(l.hit('', Date.now()))).toBe('INVALID_INPUT');
        expect(await code(l.hit('k', -5))).toBe('INVALID_INPUT');
      });
    });
  });
});
