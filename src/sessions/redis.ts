/**
 * Redis session store (SPEC 12.4): every instance of a deployment shares the sealed sessions.
 * Takes any ioredis-compatible client (`eval`, `evalsha`); never imports a driver.
 *
 * Keys: `<prefix>session:<id>` (a hash: w = wallet, e = expiresAt, r = record) with a PX TTL to
 * the session's expiry, so Redis drops it by itself; `<prefix>session-wallet:<wallet>` (a set of
 * ids, for "delete every session of a wallet"), whose TTL is extended to the longest session.
 * Every operation is one Lua script. `deleteWallet` computes the session keys inside its script:
 * on Redis Cluster give the prefix a hash tag (`{agentvault}:`) so that every key shares a slot.
 * @module
 */
import { sha1 } from '@noble/hashes/legacy.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { aint, aobject, astring, utf8 } from '../_utils.js';
import { fail } from '../errors.js';
import { aclient, DEFAULT_TIMEOUT_MS, guarded } from '../stores/_backend.js';
import { checkId, optClock } from '../stores/_checks.js';
import type { RedisClientLike } from '../stores/redis.js';
import { checkRecord, checkSession, checkSessionId, readBack } from './_checks.js';
import type { SessionStore, StoredSession } from './types.js';

export interface RedisSessionStoreOptions {
  /** Prepended to every key. Default `"agentvault:"`. */
  readonly prefix?: string;
  /** Deadline of one store call, in ms (then `STORE_UNAVAILABLE`). Default 5000. */
  readonly timeoutMs?: number;
  /** Wall clock that turns expiries into TTLs. Default `Date.now`. */
  readonly clock?: () => number;
}

class Script {
  readonly sha: string;
  constructor(readonly text: string) {
    this.sha = bytesToHex(sha1(utf8(text)));
  }
}

// SPEC 12.4: never overwrites a live session; the TTL is the session's expiry.
const CREATE = new Script(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'w', ARGV[1], 'e', ARGV[2], 'r', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('SADD', KEYS[2], ARGV[5])
if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[4]) then redis.call('PEXPIRE', KEYS[2], ARGV[4]) end
return 1`);
const GET = new Script(`return redis.call('HMGET', KEYS[1], 'w', 'e', 'r')`);
// Compare-and-set on the record; HSET keeps the key's TTL; a deleted session stays deleted.
const RESEAL = new Script(`
local r = redis.call('HGET', KEYS[1], 'r')
if r ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'r', ARGV[2])
return 1`);
const DELETE = new Script(`redis.call('DEL', KEYS[1]) return 1`);
// Only sessions that still belong to this wallet: an id in the set may since have been reused by
// another wallet's session (app-supplied ids), which this wallet's kill switch must not end.
const DELETE_WALLET = new Script(`
local ids = redis.call('SMEMBERS', KEYS[1])
local n = 0
for _, id in ipairs(ids) do
  local k = ARGV[1] .. id
  if redis.call('HGET', k, 'w') == ARGV[2] then n = n + redis.call('DEL', k) end
end
redis.call('DEL', KEYS[1])
return n`);

/**
 * @example
 * const sessions = new RedisSessionStore(redis, { prefix: 'myapp:' });
 */
export class RedisSessionStore implements SessionStore {
  readonly #client: RedisClientLike;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  readonly #clock: () => number;

  constructor(client: RedisClientLike, options?: RedisSessionStoreOptions) {
    this.#client = aclient<RedisClientLike>(client, 'client', ['eval', 'evalsha']);
    const o = options === undefined ? {} : aobject(options, 'options');
    for (const k of Object.keys(o)) if (!['prefix', 'timeoutMs', 'clock'].includes(k)) fail('INVALID_INPUT', 'options: unknown option', { field: `options.${k}` });
    this.#prefix = o['prefix'] === undefined ? 'agentvault:' : astring(o['prefix'], 'options.prefix', 128);
    this.#timeoutMs = o['timeoutMs'] === undefined ? DEFAULT_TIMEOUT_MS : aint(o['timeoutMs'], 'options.timeoutMs', 1, 600_000);
    this.#clock = optClock(o['clock']);
  }

  #call(op: string, s: Script, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    const c = this.#client;
    return guarded('redis', op, this.#timeoutMs, async () => {
      try {
        return await c.evalsha(s.sha, keys.length, ...keys, ...args);
      } catch (e) {
        if (e instanceof Error && /NOSCRIPT/.test(e.message)) return c.eval(s.text, keys.length, ...keys, ...args);
        throw e;
      }
    });
  }
  #key(id: string): string {
    return `${this.#prefix}session:${id}`;
  }
  #flag(reply: unknown, op: string): boolean {
    if (reply === 0) return false;
    if (reply === 1) return true;
    return fail('STORE_UNAVAILABLE', `redis store: unexpected reply to ${op}`, { backend: 'redis', op });
  }

  async create(session: StoredSession): Promise<void> {
    const s = checkSession(session);
    const ttl = s.expiresAt - this.#clock();
    if (ttl <= 0) return;
    const r = await this.#call('create', CREATE, [this.#key(s.id), `${this.#prefix}session-wallet:${s.wallet}`], [s.wallet, s.expiresAt, s.record, ttl, s.id]);
    if (!this.#flag(r, 'create')) fail('INVALID_INPUT', 'id: a session with this id exists', { field: 'id' });
  }

  async get(id: string): Promise<StoredSession | null> {
    checkSessionId(id);
    const r = await this.#call('get', GET, [this.#key(id)], []);
    if (!Array.isArray(r) || r.length !== 3) return fail('STORE_UNAVAILABLE', 'redis store: unexpected reply to get', { backend: 'redis', op: 'get' });
    if (r[0] === null && r[1] === null && r[2] === null) return null;
    return readBack('redis', 'get', id, r[0], r[1], r[2]);
  }

  async reseal(id: string, expected: string, record: string): Promise<boolean> {
    checkSessionId(id);
    checkRecord(expected, 'expected');
    checkRecord(record);
    return this.#flag(await this.#call('reseal', RESEAL, [this.#key(id)], [expected, record]), 'reseal');
  }

  async delete(id: string): Promise<void> {
    checkSessionId(id);
    this.#flag(await this.#call('delete', DELETE, [this.#key(id)], []), 'delete');
  }

  async deleteWallet(wallet: string): Promise<number> {
    checkId(wallet, 'wallet');
    const r = await this.#call('deleteWallet', DELETE_WALLET, [`${this.#prefix}session-wallet:${wallet}`], [`${this.#prefix}session:`, wallet]);
    if (typeof r !== 'number' || !Number.isSafeInteger(r) || r < 0) fail('STORE_UNAVAILABLE', 'redis store: unexpected reply to deleteWallet', { backend: 'redis', op: 'deleteWallet' });
    return r;
  }
}
