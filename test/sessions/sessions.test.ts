/**
 * Session keys (SPEC 12): one behavioural suite run against every session store (memory, PGlite,
 * PostgreSQL, Redis), with two "instances" (own connection, own peppers loaded from the same
 * wrapped pepper) sharing one backend. Bad input: a stolen blob without the secret, a secret of
 * another session, a blob of another wallet, expired and ended sessions, a retired pepper -> typed
 * errors, nothing opened, nothing logged.
 */
import { PGlite } from '@electric-sql/pglite';
import { Redis } from 'ioredis';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { LocalKeyWrapper } from '../../src/execution/wrapper.js';
import {
  beginSession,
  createSessionPepper,
  endSession,
  endWalletSessions,
  loadSessionPeppers,
  MemorySessionStore,
  openSession,
  parseSessionToken,
  type SessionStore,
  type WrappedSessionPepper,
} from '../../src/sessions/index.js';
import { migratePostgresSessionStore, PostgresSessionStore, sweepPostgresSessionStore } from '../../src/sessions/postgres.js';
import { RedisSessionStore } from '../../src/sessions/redis.js';
import { rotateVault } from '../../src/vault/rotation.js';
import type { VaultData } from '../../src/vault/data.js';
import { setup } from '../execution/_fixtures.js';

const rid = () => randomBytes(6).toString('hex');

interface Backend {
  name: string;
  skip: string;
  /** A fresh isolated namespace: returns a factory of independent clients on it. */
  open(): Promise<{ client(): Promise<SessionStore>; close(): Promise<void> }>;
}

function memoryBackend(): Backend {
  return {
    name: 'memory',
    skip: '',
    async open() {
      const s = new MemorySessionStore();
      return { client: async () => s, close: async () => {} };
    },
  };
}
function redisBackend(url: string): Backend {
  return {
    name: 'redis',
    skip: url === '' ? 'redis-server not available' : '',
    async open() {
      const prefix = `s${rid()}:`;
      const conns: Redis[] = [];
      const connect = async () => {
        const r = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
        await r.connect();
        conns.push(r);
        return r;
      };
      const admin = await connect();
      return {
        client: async () => new RedisSessionStore(await connect(), { prefix }),
        async close() {
          const keys = await admin.keys(`${prefix}*`);
          if (keys.length > 0) await admin.del(...keys);
          await Promise.all(conns.map((c) => c.quit()));
        },
      };
    },
  };
}
function pgliteBackend(): Backend {
  let db: PGlite | undefined;
  return {
    name: 'pglite',
    skip: '',
    async open() {
      db ??= await PGlite.create();
      const prefix = `s${rid()}_`;
      await migratePostgresSessionStore(db, { prefix });
      const d = db;
      return { client: async () => new PostgresSessionStore(d, { prefix }), close: async () => void (await d.query(`DROP TABLE "${prefix}sessions"`)) };
    },
  };
}
function postgresBackend(url: string): Backend {
  return {
    name: 'postgres',
    skip: url === '' ? 'PostgreSQL not available' : '',
    async open() {
      const prefix = `s${rid()}_`;
      const pools: pg.Pool[] = [];
      const pool = () => {
        const p = new pg.Pool({ connectionString: url, max: 2 });
        p.on('error', () => {});
        pools.push(p);
        return p;
      };
      const admin = pool();
      await migratePostgresSessionStore(admin, { prefix });
      await migratePostgresSessionStore(admin, { prefix }); // idempotent
      return {
        client: async () => new PostgresSessionStore(pool(), { prefix }),
        async close() {
          await admin.query(`DROP TABLE "${prefix}sessions"`);
          await Promise.all(pools.map((p) => p.end()));
        },
      };
    },
  };
}

const KEK = new Uint8Array(randomBytes(32));
/** What every instance of a deployment has: the key wrapper and the stored wrapped peppers. */
const wrapper = () => new LocalKeyWrapper({ keys: { v1: KEK } });

describe.each([memoryBackend(), pgliteBackend(), postgresBackend(inject('agentvaultPgUrl')), redisBackend(inject('agentvaultRedisUrl'))])(
  'sessions over $name',
  (backend) => {
    let ns: Awaited<ReturnType<Backend['open']>>;
    let a: SessionStore; // instance A's store client
    let b: SessionStore; // instance B's store client
    let stored: WrappedSessionPepper[];
    const logs: unknown[] = [];
    beforeEach(async (ctx) => {
      if (backend.skip !== '') return ctx.skip();
      ns = await backend.open();
      a = await ns.client();
      b = await ns.client();
      stored = [await createSessionPepper(wrapper(), 1)];
      for (const m of ['log', 'info', 'warn', 'error', 'debug'] as const) vi.spyOn(console, m).mockImplementation((...x) => void logs.push(x));
    });
    afterEach(async () => {
      vi.restoreAllMocks();
      expect(logs, 'nothing logged').toEqual([]);
      if (backend.skip === '') await ns.close();
    });

    async function unlockThroughA(seed = 1) {
      const s = setup(seed);
      const vaults = new Map<string, VaultData>([[s.owner.address, s.vault.data]]);
      const peppersA = await loadSessionPeppers(wrapper(), stored);
      const begun = await beginSession(s.vault, { peppers: peppersA, store: a, ttlMs: 600_000 });
      return { ...s, begun, vaults, token: begun.token! };
    }
    const openOn = async (store: SessionStore, token: string | { id: string; secret: Uint8Array }, vaults: Map<string, VaultData>, now?: number) =>
      openSession(token, { peppers: await loadSessionPeppers(wrapper(), stored), store, vault: (w) => vaults.get(w) ?? null, ...(now !== undefined ? { now } : {}) });

    it('unlock through A, open through B: the same keys; end through B, A refuses', async () => {
      const { vault, begun, vaults, token, owner } = await unlockThroughA();
      expect(begun.wallet).toBe(owner.address);
      expect(begun.expiresAt).toBeLessThanOrEqual(Date.now() + 600_000);
      const viaB = await openOn(b, token, vaults);
      const k1 = vault.subkey('profile');
      const k2 = viaB.vault.subkey('profile');
      expect(Buffer.from(k2.expose())).toEqual(Buffer.from(k1.expose()));
      expect(viaB.vault.expiresAt).toBe(begun.expiresAt);
      // A record sealed through B opens through a handle reopened on A.
      const rec = viaB.vault.seal('profile', new Uint8Array([1, 2, 3]), { id: 'x' });
      viaB.vault.lock();
      const viaA = await openOn(a, token, vaults);
      expect([...viaA.vault.open('profile', rec, { id: 'x' }).expose()]).toEqual([1, 2, 3]);
      viaA.vault.lock();
      await endSession(token, { store: b });
      await expect(openOn(a, token, vaults)).rejects.toMatchObject({ code: 'SESSION_UNKNOWN' });
      vault.lock();
    });

    it('a reopened handle cannot rotate (needs a fresh wallet signature)', async () => {
      const { vaults, token } = await unlockThroughA();
      const o = await openOn(b, token, vaults);
      expect(() => rotateVault(o.vault)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
      o.vault.lock();
    });

    it('stolen blob without the secret; secret of another session; blob of another wallet', async () => {
      const one = await unlockThroughA(1);
      const two = await unlockThroughA(2);
      const vaults = new Map([...one.vaults, ...two.vaults]);
      const c1 = parseSessionToken(one.token);
      const c2 = parseSessionToken(two.token);
      const reason = (p: Promise<unknown>) => p.then(() => 'opened', (e: { code: string; details?: { reason?: string } }) => `${e.code}:${e.details?.reason}`);
      // The blob alone: any secret but the client's fails.
      expect(await reason(openOn(b, { id: c1.id, secret: new Uint8Array(randomBytes(32)) }, vaults))).toBe('SESSION_INVALID:secret-mismatch');
      // The secret of session 2 presented for session 1.
      expect(await reason(openOn(b, { id: c1.id, secret: c2.secret }, vaults))).toBe('SESSION_INVALID:secret-mismatch');
      // Session 2's blob written over session 1's entry (an attacker with store write access).
      const e1 = (await a.get(c1.id))!;
      const e2 = (await a.get(c2.id))!;
      await a.delete(c1.id);
      await a.create({ ...e2, id: c1.id });
      expect(await reason(openOn(b, one.token, vaults))).toBe('SESSION_INVALID:secret-mismatch');
      expect(await reason(openOn(b, { id: c1.id, secret: c2.secret }, vaults))).toBe('SESSION_INVALID:secret-mismatch');
      // Session 1's blob relabelled as wallet 2's, or given a later expiry.
      await a.delete(c1.id);
      await a.create({ ...e1, wallet: e2.wallet });
      expect(await reason(openOn(b, one.token, vaults))).toBe('SESSION_INVALID:secret-mismatch');
      await a.delete(c1.id);
      await a.create({ ...e1, expiresAt: e1.expiresAt + 3_600_000 });
      expect(await reason(openOn(b, one.token, vaults))).toBe('SESSION_INVALID:context-mismatch');
      // A malformed token is refused before any lookup.
      expect(await reason(openOn(b, one.token.slice(0, -1), vaults))).toBe('SESSION_INVALID:malformed');
      one.vault.lock();
      two.vault.lock();
    });

    it('expired: SESSION_EXPIRED and the entry is deleted; kill: every session of the wallet ends', async () => {
      const { vaults, token, begun, owner, vault } = await unlockThroughA();
      await expect(openOn(b, token, vaults, begun.expiresAt)).rejects.toMatchObject({ code: 'SESSION_EXPIRED' });
      expect(await a.get(begun.id)).toBeNull();
      const peppers = await loadSessionPeppers(wrapper(), stored);
      const s1 = await beginSession(vault, { peppers, store: a });
      const s2 = await beginSession(vault, { peppers, store: b });
      expect(await endWalletSessions(owner.address, { store: b })).toBeGreaterThanOrEqual(2);
      for (const s of [s1, s2]) await expect(openOn(a, s.token!, vaults)).rejects.toMatchObject({ code: 'SESSION_UNKNOWN' });
      vault.lock();
    });

    it('pepper rotation: v1 sessions open under [v1, v2] and are resealed to v2; retiring v1 then logs nobody out who came back', async () => {
      const { vaults, token, vault } = await unlockThroughA();
      const idle = await beginSession(vault, { peppers: await loadSessionPeppers(wrapper(), stored), store: a });
      stored = [...stored, await createSessionPepper(wrapper(), 2)];
      const o = await openOn(b, token, vaults);
      expect(o.resealed).toBe(true);
      o.vault.lock();
      stored = stored.slice(1); // v1 retired everywhere
      const again = await openOn(a, token, vaults);
      expect(again.resealed).toBe(false);
      again.vault.lock();
      // A session nobody used since the rotation is refused, typed.
      await expect(openOn(a, idle.token!, vaults)).rejects.toMatchObject({ code: 'SESSION_INVALID', details: { reason: 'pepper-retired' } });
      vault.lock();
    });

    it('a reseal never brings back a deleted session', async () => {
      const { begun, vault } = await unlockThroughA();
      const e = (await a.get(begun.id))!;
      await b.delete(begun.id);
      expect(await a.reseal(begun.id, e.record, e.record)).toBe(false);
      expect(await a.get(begun.id)).toBeNull();
      vault.lock();
    });

    it('a live id is never overwritten', async () => {
      const { begun, vault } = await unlockThroughA();
      const e = (await a.get(begun.id))!;
      await expect(b.create(e)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      vault.lock();
    });

    it('the vault changed since: rotated or gone -> SESSION_INVALID, nothing opened', async () => {
      const { vaults, token, vault, owner } = await unlockThroughA();
      const rotated = rotateVault(vault).vault;
      vaults.set(owner.address, rotated);
      await expect(openOn(b, token, vaults)).rejects.toMatchObject({ code: 'SESSION_INVALID', details: { reason: 'vault-changed' } });
      vaults.delete(owner.address);
      await expect(openOn(b, token, vaults)).rejects.toMatchObject({ code: 'SESSION_INVALID', details: { reason: 'vault-missing' } });
      vault.lock();
    });

    it('a session never outlives the handle it was made from; a locked handle begins nothing', async () => {
      const s = setup(3);
      const peppers = await loadSessionPeppers(wrapper(), stored);
      const begun = await beginSession(s.vault, { peppers, store: a });
      expect(begun.expiresAt).toBeLessThanOrEqual(s.vault.expiresAt);
      s.vault.lock();
      await expect(beginSession(s.vault, { peppers, store: a })).rejects.toMatchObject({ code: 'VAULT_LOCKED' });
    });
  },
);

describe('session stores fail closed', () => {
  const entry = { id: 'A'.repeat(22), wallet: 'w', expiresAt: Date.now() + 60_000, record: 'avr1.AAAA' };
  it('redis: a failing or oddly answering client is STORE_UNAVAILABLE, never "no session"', async () => {
    for (const reply of [Promise.reject(new Error('ECONNRESET')), Promise.resolve('OK'), Promise.resolve([null, null]), Promise.resolve(['w', 'x', 'avr1.A'])]) {
      reply.catch(() => {});
      const client = { eval: () => reply, evalsha: () => reply };
      const s = new RedisSessionStore(client, { timeoutMs: 200 });
      await expect(s.get(entry.id)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    }
  });
  it('postgres: a failing client is STORE_UNAVAILABLE', async () => {
    const s = new PostgresSessionStore({ query: () => Promise.reject(new Error('down')) }, { timeoutMs: 200 });
    await expect(s.get(entry.id)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    await expect(s.delete(entry.id)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    const bad = new PostgresSessionStore({ query: async () => ({ rows: [{ wallet: 1, expires_at: 'x', record: null }] }) });
    await expect(bad.get(entry.id)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });
  it('memory, pglite: expired rows are not returned as live; sweep removes them', async () => {
    const db = await PGlite.create();
    await migratePostgresSessionStore(db);
    let now = Date.now();
    const s = new PostgresSessionStore(db, { clock: () => now });
    await s.create({ ...entry, expiresAt: now + 60_000 });
    expect(await s.get(entry.id)).not.toBeNull();
    now += 120_000;
    expect(await s.reseal(entry.id, entry.record, 'avr1.BBBB')).toBe(false);
    expect(await sweepPostgresSessionStore(db, { now })).toBe(1);
    expect(await s.get(entry.id)).toBeNull();
    await db.close();
  });
  it('unknown options and bad arguments are refused', () => {
    expect(() => new MemorySessionStore({ ttl: 1 } as never)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => new RedisSessionStore({} as never)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => new PostgresSessionStore({ query() {} } as never, { prefix: 'x"; drop' })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});

