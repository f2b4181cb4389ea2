/**
 * Ordering under delays (SPEC 9.1 "Ordering") and the Redis persistence check (SPEC 9.4), on real
 * servers. A TCP proxy on loopback holds the client's bytes, then releases or resets the
 * connection: the "timed-out unkill reaches the server late, after a newer kill" of issue 14.
 */
import { randomBytes } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isAgentvaultError } from '../../src/errors.js';
import { RedisBudgetStore, RedisNonceStore, RedisRevocationStore, type RedisClientLike } from '../../src/stores/redis.js';
import { migratePostgresStores, PostgresRevocationStore } from '../../src/stores/postgres.js';
import type { RevocationStore } from '../../src/stores/index.js';
import { startRedis, type RedisServer } from '../setup/servers.js';

/** A loopback TCP proxy whose client-to-server direction can be held, released or reset. */
class HoldingProxy {
  readonly #pairs: { client: Socket; upstream: Socket; held: Buffer[] }[] = [];
  #holding = false;
  #server: Server | undefined;
  port = 0;
  constructor(private readonly target: { host: string; port: number }) {}
  async start(): Promise<void> {
    this.#server = createServer((client) => {
      const upstream = connect(this.target);
      const pair = { client, upstream, held: [] as Buffer[] };
      this.#pairs.push(pair);
      upstream.on('data', (d: Buffer) => client.write(d));
      client.on('data', (d: Buffer) => (this.#holding ? pair.held.push(d) : upstream.write(d)));
      const end = (): void => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', end);
      upstream.on('error', end);
      client.on('close', end);
      upstream.on('close', end);
    });
    await new Promise<void>((r) => this.#server!.listen(0, '127.0.0.1', () => r()));
    this.port = (this.#server.address() as { port: number }).port;
  }
  hold(): void {
    this.#holding = true;
  }
  /** Deliver everything held, in order, then pass through again. */
  release(): void {
    this.#holding = false;
    for (const p of this.#pairs) for (const d of p.held.splice(0)) p.upstream.write(d);
  }
  /** Drop every connection with a reset; held bytes never reach the server. */
  reset(): void {
    this.#holding = false;
    for (const p of this.#pairs.splice(0)) {
      p.held.length = 0;
      p.client.resetAndDestroy();
      p.upstream.resetAndDestroy();
    }
  }
  async close(): Promise<void> {
    this.reset();
    await new Promise<void>((r) => this.#server?.close(() => r()));
  }
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return isAgentvaultError(e) ? e.code : String(e);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const redisUrl = inject('agentvaultRedisUrl');
const pgUrl = inject('agentvaultPgUrl');

/** The scenario, the same on every backend: `late` goes through the proxy, `direct` does not. */
async function lateUnkill(proxy: HoldingProxy, late: RevocationStore, direct: RevocationStore, then: 'release' | 'reset'): Promise<void> {
  const bot = `bot-${randomBytes(4).toString('hex')}`;
  const target = { bot, wallet: 'w' };
  const k1 = await direct.kill({ bot });
  expect((await late.killState({ bot })).version).toBe(k1.version); // the operator's console read v1
  proxy.hold();
  // The operator clicks "unkill" for v1; the request stalls on the way and the call times out.
  expect(await codeOf(late.unkill({ bot }, { ifVersion: k1.version }))).toBe('STORE_UNAVAILABLE');
  // Meanwhile the bot misbehaves again and another operator kills it: acknowledged.
  const k2 = await direct.kill({ bot });
  expect(k2.version).toBeGreaterThan(k1.version);
  if (then === 'release') proxy.release();
  else proxy.reset();
  await sleep(300); // the stalled unkill reaches the server now (release) or never (reset)
  expect(await direct.isKilled(target)).toBe(true);
  expect(await direct.killState({ bot })).toEqual({ killed: true, version: k2.version });
  // The same with an unkill that read the version itself: its read stalls, the call times out, and
  // nothing it sends later can undo the newer kill.
  const bot2 = `bot-${randomBytes(4).toString('hex')}`;
  await direct.kill({ bot: bot2 });
  await sleep(50);
  proxy.hold();
  expect(await codeOf(late.unkill({ bot: bot2 }))).toBe('STORE_UNAVAILABLE');
  await direct.kill({ bot: bot2 });
  if (then === 'release') proxy.release();
  else proxy.reset();
  await sleep(300);
  expect(await direct.isKilled({ bot: bot2, wallet: 'w' })).toBe(true);
}

describe.skipIf(redisUrl === '')('Redis: a late unkill never undoes a newer kill', () => {
  const u = new URL(redisUrl);
  const prefix = `ord${randomBytes(4).toString('hex')}:`;
  let proxy: HoldingProxy;
  let direct: Redis;
  let proxied: Redis;
  beforeAll(async () => {
    direct = new Redis(redisUrl);
  });
  afterAll(async () => {
    const keys = await direct.keys(`${prefix}*`);
    if (keys.length > 0) await direct.del(...keys);
    await direct.quit();
  });
  for (const then of ['release', 'reset'] as const) {
    it(`proxy holds, then ${then}s the connection`, async () => {
      proxy = new HoldingProxy({ host: u.hostname, port: Number(u.port) });
      await proxy.start();
      proxied = new Redis(`redis://127.0.0.1:${proxy.port}`, { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: () => 50 });
      proxied.on('error', () => {});
      await new Promise((r) => proxied.once('ready', r));
      try {
        const late = new RedisRevocationStore(proxied, { prefix, timeoutMs: 300 });
        await late.killState({ bot: 'warm-up' }); // the persistence check and script load, passing through
        const directStore = new RedisRevocationStore(direct, { prefix });
        await lateUnkill(proxy, late, directStore, then);
        if (then === 'release') {
          // Control: the proxy really delivers a stalled write late. An unconditional delete (what
          // unkill used to send) held the same way undoes the newer kill.
          const bot = `bot-${randomBytes(4).toString('hex')}`;
          await directStore.kill({ bot });
          await sleep(50);
          proxy.hold();
          const stalled = proxied.del(`${prefix}kill:bot:${bot}`);
          await sleep(100);
          await directStore.kill({ bot });
          proxy.release();
          await stalled;
          expect(await directStore.isKilled({ bot, wallet: 'w' })).toBe(false);
        }
      } finally {
        proxied.disconnect();
        await proxy.close();
      }
    }, 20_000);
  }
});

describe.skipIf(pgUrl === '')('PostgreSQL: a late unkill never undoes a newer kill', () => {
  const u = new URL(pgUrl);
  const prefix = `ord${randomBytes(4).toString('hex')}_`;
  let direct: pg.Pool;
  beforeAll(async () => {
    direct = new pg.Pool({ connectionString: pgUrl, max: 2 });
    await migratePostgresStores(direct, { prefix });
  });
  afterAll(async () => {
    await direct.query(`DROP TABLE IF EXISTS "${prefix}kills"`);
    await direct.end();
  });
  for (const then of ['release', 'reset'] as const) {
    it(`proxy holds, then ${then}s the connection`, async () => {
      const proxy = new HoldingProxy({ host: u.hostname, port: Number(u.port) });
      await proxy.start();
      const url = new URL(pgUrl);
      url.port = String(proxy.port);
      const proxied = new pg.Pool({ connectionString: url.toString(), max: 1 });
      proxied.on('error', () => {});
      try {
        const late = new PostgresRevocationStore(proxied, { prefix, timeoutMs: 300 });
        await late.killState({ bot: 'warm-up' }); // connect and authenticate through the proxy
        await lateUnkill(proxy, late, new PostgresRevocationStore(direct, { prefix }), then);
      } finally {
        await proxy.close();
        await proxied.end().catch(() => {});
      }
    }, 20_000);
  }
});

const redisBin = inject('agentvaultRedisBin');

describe.skipIf(redisBin === '')('Redis persistence check', () => {
  let bare: RedisServer;
  let snapshot: RedisServer;
  const clients: Redis[] = [];
  const open = (server: RedisServer): Redis => {
    const r = new Redis(server.url, { enableOfflineQueue: true, maxRetriesPerRequest: 1 });
    clients.push(r);
    return r;
  };
  beforeAll(async () => {
    bare = await startRedis(redisBin, undefined, { persistence: false });
    snapshot = await startRedis(redisBin, undefined, { persistence: false });
    const r = open(snapshot);
    await r.config('SET', 'save', '3600 1');
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await bare?.destroy();
    await snapshot?.destroy();
  });

  it('refuses a server that persists nothing, saying what would be lost', async () => {
    const r = open(bare);
    const revocations = new RedisRevocationStore(r);
    let err: unknown;
    try {
      await revocations.revoke('g1');
    } catch (e) {
      err = e;
    }
    expect(isAgentvaultError(err, 'STORE_NOT_PERSISTENT')).toBe(true);
    expect(String((err as Error).message)).toMatch(/revocation.*kill switch.*budget.*sign again/s);
    expect((err as { details: unknown }).details).toMatchObject({ reason: 'no-persistence' });
    expect(await codeOf(revocations.isRevoked('g1'))).toBe('STORE_NOT_PERSISTENT');
    expect(await codeOf(revocations.isKilled({ bot: 'b', wallet: 'w' }))).toBe('STORE_NOT_PERSISTENT');
    expect(await codeOf(new RedisBudgetStore(r).spend('ab'.repeat(32), [{ counter: 'c', windowMs: 1000, amount: 1n, limit: 1n }], Date.now()))).toBe(
      'STORE_NOT_PERSISTENT',
    );
    // Without `call` (an eval-only adapter) the check reads INFO persistence through a script.
    const evalOnly: RedisClientLike = { eval: (...a) => r.eval(...(a as [string, number])), evalsha: (...a) => r.evalsha(...(a as [string, number])) };
    expect(await codeOf(new RedisRevocationStore(evalOnly).isRevoked('g1'))).toBe('STORE_NOT_PERSISTENT');
    // Nonces do not need it: losing them on a restart only makes logins in flight start over.
    await new RedisNonceStore(r).issue('cd'.repeat(32), Date.now() + 10_000, 'm');
  });

  it('works on that server when the app opts in explicitly', async () => {
    const r = open(bare);
    const revocations = new RedisRevocationStore(r, { allowNonPersistent: true });
    await revocations.revoke('g2');
    expect(await revocations.isRevoked('g2')).toBe(true);
    expect(await codeOf(Promise.resolve().then(() => new RedisRevocationStore(r, { allowNonPersistent: 'yes' as never })))).toBe('INVALID_INPUT');
  });

  it('accepts AOF, and an RDB save schedule when CONFIG is readable', async () => {
    expect(await new RedisRevocationStore(open(snapshot)).isRevoked('g')).toBe(false);
    const aof = new Redis(redisUrl);
    clients.push(aof);
    expect(await new RedisRevocationStore(aof, { prefix: `p${randomBytes(3).toString('hex')}:` }).isRevoked('g')).toBe(false);
    // Turning AOF on at run time is seen by a new client.
    const r = open(bare);
    await r.config('SET', 'appendonly', 'yes');
    expect(await new RedisRevocationStore(open(bare)).isRevoked('g')).toBe(false);
  });
});
