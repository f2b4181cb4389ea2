/**
 * Redis stores (DESIGN 10): share nonces, revocations and rate limits across every instance of a
 * deployment. They take any ioredis-compatible client (only `eval` and `evalsha` are used); this
 * module never imports a driver, so `ioredis` stays an optional peer dependency.
 *
 * Every operation is one Lua script, hence atomic on the server. Every backend failure (connection
 * refused, reset, timeout, script error) throws `STORE_UNAVAILABLE`: the stores fail closed.
 *
 * Recommended ioredis options, so that a lost server surfaces as an error quickly rather than as a
 * queued command: `{ enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 2000 }`.
 * Whatever the client does, each store call also has its own deadline (`timeoutMs`, default 5 s).
 * Key layout: SPEC 9.
 * @module
 */
import { sha1 } from '@noble/hashes/legacy.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { AgentvaultError, fail } from '../errors.js';
import { aint, astring, utf8 } from '../_utils.js';
import { randomBytes } from '../_random.js';
import { aclient, DEFAULT_TIMEOUT_MS, guarded, readOptions } from './_backend.js';
import {
  budgetRecordId,
  checkBudgetKey,
  checkHash,
  checkId,
  checkMeta,
  checkRateOptions,
  checkScope,
  checkSpends,
  checkTarget,
  checkTime,
  checkUnkillOptions,
  checkUntil,
  knownKeys,
  optClock,
  optSkew,
} from './_checks.js';
import type {
  BudgetResult,
  BudgetSpend,
  BudgetStore,
  KillScope,
  KillState,
  KillWrite,
  NonceStore,
  RateLimitResult,
  RateLimiter,
  RevocationStore,
  UnkillOptions,
} from './types.js';

/**
 * The part of a Redis client the stores use. An `ioredis` `Redis` or `Cluster` instance fits as is;
 * another driver fits through a two-method adapter. Replies follow the RESP2 mapping of ioredis
 * (bulk string -> string, nil -> null, integer -> number, array -> array).
 */
export interface RedisClientLike {
  eval(script: string, numkeys: number, ...args: (string | number)[]): Promise<unknown>;
  evalsha(sha1: string, numkeys: number, ...args: (string | number)[]): Promise<unknown>;
  /**
   * Optional: send any command (ioredis `call`). Used only for `CONFIG GET appendonly` / `save` by the
   * persistence check (SPEC 9.4); without it the check reads `INFO persistence` through a script.
   */
  call?(command: string, ...args: (string | number)[]): Promise<unknown>;
}

/** Options of the Redis stores. */
export interface RedisStoreOptions {
  /** Prepended to every key. Default `"agentvault:"`. */
  readonly prefix?: string;
  /** Deadline of one store call, in ms; past it the call throws `STORE_UNAVAILABLE`. Default 5000. */
  readonly timeoutMs?: number;
  /** Wall clock (ms since the epoch) used to turn absolute expiries into TTLs. Default `Date.now`. */
  readonly clock?: () => number;
}

/** Options of the Redis stores that hold state able to stop signing (revocations, budgets). */
export interface RedisDurableStoreOptions extends RedisStoreOptions {
  /**
   * SPEC 9.4, "Persistence": these stores check once per client that the server persists its data
   * (`appendonly yes` or an RDB `save` schedule) and otherwise refuse every call with
   * `STORE_NOT_PERSISTENT`. Set true only if losing every revocation, kill switch and budget on a
   * Redis restart is acceptable. Default false.
   */
  readonly allowNonPersistent?: boolean;
  /** Largest clock difference between instances (SPEC 9.1, "Clocks"). Default 600 000 (10 min). */
  readonly maxClockSkewMs?: number;
}

/** Options of {@link RedisRateLimiter}. */
export interface RedisRateLimiterOptions extends RedisStoreOptions {
  readonly limit: number;
  readonly windowMs: number;
}

class Script {
  readonly sha: string;
  constructor(readonly text: string) {
    this.sha = bytesToHex(sha1(utf8(text)));
  }
}

/** Run a script by SHA, loading it with EVAL on the first NOSCRIPT (after a restart or SCRIPT FLUSH). */
async function run(client: RedisClientLike, s: Script, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
  try {
    return await client.evalsha(s.sha, keys.length, ...keys, ...args);
  } catch (e) {
    if (e instanceof Error && /NOSCRIPT/.test(e.message)) return client.eval(s.text, keys.length, ...keys, ...args);
    throw e;
  }
}

const BASE_KEYS = ['prefix', 'timeoutMs', 'clock'] as const;
const DURABLE_KEYS = [...BASE_KEYS, 'allowNonPersistent', 'maxClockSkewMs'] as const;

class Base {
  protected readonly client: RedisClientLike;
  protected readonly prefix: string;
  protected readonly timeoutMs: number;
  protected readonly clock: () => number;
  constructor(client: RedisClientLike, options: unknown, keys: readonly string[] = BASE_KEYS) {
    this.client = aclient<RedisClientLike>(client, 'client', ['eval', 'evalsha']);
    const o = readOptions(options);
    knownKeys(o, keys);
    this.prefix = o.prefix === undefined ? 'agentvault:' : astring(o.prefix, 'options.prefix', 128);
    this.timeoutMs = o.timeoutMs === undefined ? DEFAULT_TIMEOUT_MS : aint(o.timeoutMs, 'options.timeoutMs', 1, 600_000);
    this.clock = optClock(o.clock);
  }
  protected call(op: string, s: Script, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    return guarded('redis', op, this.timeoutMs, () => run(this.client, s, keys, args));
  }
}

const INFO_PERSISTENCE = new Script(`return redis.call('INFO', 'persistence')`);
const INFO_MEMORY = new Script(`return redis.call('INFO', 'memory')`);
/** Clients already found persistent (a failed or refused check is asked again on the next call). */
const persistent = new WeakSet<object>();

/** Read a CONFIG GET reply (`[name, value]`, or a `{ name: value }` map under RESP3). */
function configValue(reply: unknown, name: string): string | undefined {
  if (Array.isArray(reply) && reply.length === 2 && reply[0] === name && typeof reply[1] === 'string') return reply[1];
  if (reply !== null && typeof reply === 'object' && typeof (reply as Record<string, unknown>)[name] === 'string')
    return (reply as Record<string, string>)[name];
  return undefined;
}

/** A store whose state can stop signing: checks persistence and the clock skew option. */
class Durable extends Base {
  protected readonly skew: number;
  readonly #allowNonPersistent: boolean;
  constructor(client: RedisClientLike, options: unknown) {
    super(client, options, DURABLE_KEYS);
    const o = readOptions(options);
    if (o.allowNonPersistent !== undefined && typeof o.allowNonPersistent !== 'boolean')
      fail('INVALID_INPUT', 'options.allowNonPersistent: expected a boolean', { field: 'options.allowNonPersistent' });
    this.#allowNonPersistent = o.allowNonPersistent === true;
    this.skew = optSkew(o.maxClockSkewMs);
  }

  /**
   * SPEC 9.4: refuse to work on a server that would forget revocations, kill switches and budgets
   * on restart, unless the app opted in. Asked once per client; cached only when it passes.
   */
  protected async ready(): Promise<void> {
    if (this.#allowNonPersistent || persistent.has(this.client)) return;
    let aof: string | undefined;
    let save: string | undefined;
    const call = this.client.call;
    if (typeof call === 'function') {
      try {
        aof = configValue(await guarded('redis', 'persistence', this.timeoutMs, () => call.call(this.client, 'CONFIG', 'GET', 'appendonly')), 'appendonly');
        save = configValue(await guarded('redis', 'persistence', this.timeoutMs, () => call.call(this.client, 'CONFIG', 'GET', 'save')), 'save');
      } catch (e) {
        // CONFIG may be renamed or refused (managed Redis): fall back to INFO below. An outage is not.
        if (e instanceof AgentvaultError && !/ERR|NOPERM|unknown command/i.test(String((e.cause as Error | undefined)?.message))) throw e;
      }
    }
    if (aof === undefined) {
      const info = await guarded('redis', 'persistence', this.timeoutMs, () => run(this.client, INFO_PERSISTENCE, [], []));
      if (typeof info !== 'string' || !info.includes('aof_enabled:'))
        fail('STORE_UNAVAILABLE', 'redis store: unexpected reply to INFO persistence', { backend: 'redis', op: 'persistence' });
      aof = /aof_enabled:1/.test(info) ? 'yes' : 'no';
    }
    if (aof === 'yes' || (save !== undefined && save.trim() !== '')) {
      await this.#checkEviction();
      persistent.add(this.client);
      return;
    }
    fail(
      'STORE_NOT_PERSISTENT',
      'redis store: the server persists nothing (appendonly no, no RDB save schedule): on a restart every revocation, ' +
        'kill switch and spent budget would be lost, and revoked or killed grants would sign again. Enable ' +
        '"appendonly yes" (or keep these stores in PostgreSQL), or pass { allowNonPersistent: true } to accept the loss.',
      { backend: 'redis', reason: 'no-persistence' },
    );
  }

  /**
   * SPEC 9.4: a server with a memory limit and an eviction policy other than `noeviction` drops keys
   * under memory pressure: `volatile-*` policies (the default of some managed offerings) pick keys
   * with a TTL, i.e. revocations with `until` and budget counters; `allkeys-*` also kill switches.
   * Persisted or not, that loses the same state as a restart, silently. Read through a script, so
   * that clients with only `eval` are checked too.
   */
  async #checkEviction(): Promise<void> {
    const info = await guarded('redis', 'persistence', this.timeoutMs, () => run(this.client, INFO_MEMORY, [], []));
    const max = typeof info === 'string' ? /^maxmemory:(\d+)\r?$/m.exec(info) : null;
    const policy = typeof info === 'string' ? /^maxmemory_policy:([a-z-]+)\r?$/m.exec(info) : null;
    if (max === null || policy === null) fail('STORE_UNAVAILABLE', 'redis store: unexpected reply to INFO memory', { backend: 'redis', op: 'persistence' });
    if (max[1] === '0' || policy[1] === 'noeviction') return;
    fail(
      'STORE_NOT_PERSISTENT',
      `redis store: the server may evict keys (maxmemory ${max[1]}, maxmemory-policy ${policy[1]}): under memory pressure it ` +
        'would drop revocations, kill switches and spent budgets, and revoked or killed grants would sign again. Set ' +
        '"maxmemory-policy noeviction" (or no maxmemory), or pass { allowNonPersistent: true } to accept the loss.',
      { backend: 'redis', reason: 'eviction' },
    );
  }

  protected override async call(op: string, s: Script, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    await this.ready();
    return super.call(op, s, keys, args);
  }
}

// SPEC 9: SET NX never overwrites a live nonce; PX makes Redis drop it at expiry by itself.
const ISSUE = new Script(`return redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') and 1 or 0`);
// Read and delete in one script: at most one caller ever sees the value. The expiry is checked
// against the caller's clock too, so a key Redis has not yet dropped is still refused.
const CONSUME = new Script(`
local v = redis.call('GET', KEYS[1])
if not v then return false end
redis.call('DEL', KEYS[1])
local i = string.find(v, ':', 1, true)
if not i then return false end
if tonumber(ARGV[1]) < tonumber(string.sub(v, 1, i - 1)) then return string.sub(v, i + 1) end
return false`);

/**
 * Nonce store on Redis. Key `<prefix>nonce:<hash>`, value `<expiresAt>:<meta>`, with a PX TTL to the
 * expiry, so Redis removes expired nonces itself. `consume` is one Lua script (GET, DEL, expiry check).
 * @example
 * import { Redis } from 'ioredis';
 * const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 2000 });
 * const nonces = new RedisNonceStore(redis, { prefix: 'myapp:' });
 * await nonces.issue(hashHex, Date.now() + 300_000, challengeJson);
 * const meta = await nonces.consume(hashHex, Date.now());
 */
export class RedisNonceStore extends Base implements NonceStore {
  constructor(client: RedisClientLike, options?: RedisStoreOptions) {
    super(client, options);
  }

  async issue(hash: string, expiresAt: number, meta: string): Promise<void> {
    checkHash(hash);
    checkTime(expiresAt, 'expiresAt');
    checkMeta(meta);
    const ttl = expiresAt - this.clock();
    if (ttl <= 0) return; // already expired: it could never be consumed, so there is nothing to keep
    const r = await this.call('issue', ISSUE, [`${this.prefix}nonce:${hash}`], [`${expiresAt}:${meta}`, ttl]);
    if (flag(r, 'issue') === false) fail('INVALID_INPUT', 'hash: a nonce with this hash was already issued', { field: 'hash' });
  }

  async consume(hash: string, now: number): Promise<string | null> {
    checkHash(hash);
    checkTime(now, 'now');
    const r = await this.call('consume', CONSUME, [`${this.prefix}nonce:${hash}`], [now]);
    if (r === null || r === undefined) return null;
    if (typeof r !== 'string') fail('STORE_UNAVAILABLE', 'redis store: unexpected reply to consume', { backend: 'redis', op: 'consume' });
    return r;
  }
}

// ARGV[1] = TTL in ms, or -1 for "for good". Revoking again only ever extends a revocation.
const REVOKE = new Script(`
local ttl = tonumber(ARGV[1])
if ttl < 0 then redis.call('SET', KEYS[1], '1') return 1 end
local cur = redis.call('PTTL', KEYS[1])
if cur == -1 then return 1 end
if cur < ttl then redis.call('SET', KEYS[1], '1', 'PX', ttl) end
return 1`);
const EXISTS = new Script(`return redis.call('EXISTS', KEYS[1])`);

// Kill switch value: '<version>:<1|0>' (SPEC 9.4). A bare '1' (written before versions) reads as
// version 0, killed. Versions are issued here, on the server, one more than the last.
const KILL_STATE_LUA = `
local function state(v)
  if not v then return 0, '0' end
  local i = string.find(v, ':', 1, true)
  if not i then return 0, '1' end
  return tonumber(string.sub(v, 1, i - 1)), string.sub(v, i + 1)
end`;
const KILL = new Script(`${KILL_STATE_LUA}
local ver = state(redis.call('GET', KEYS[1])) + 1
redis.call('SET', KEYS[1], string.format('%d', ver) .. ':1')
return ver`);
// Compare-and-set: off only if still killed at exactly the expected version.
const UNKILL = new Script(`${KILL_STATE_LUA}
local ver, st = state(redis.call('GET', KEYS[1]))
if st ~= '1' or ver ~= tonumber(ARGV[1]) then return {0, ver} end
ver = ver + 1
redis.call('SET', KEYS[1], string.format('%d', ver) .. ':0')
return {1, ver}`);
const KILL_STATE = new Script(`${KILL_STATE_LUA}
local ver, st = state(redis.call('GET', KEYS[1]))
return {st == '1' and 1 or 0, ver}`);
const KILLED = new Script(`${KILL_STATE_LUA}
local ver, st = state(redis.call('GET', KEYS[1]))
return st == '1' and 1 or 0`);

/**
 * SPEC 9.6: a reply of the wrong shape is STORE_UNAVAILABLE, never "no". Exactly the integer 0 is
 * false and exactly 1 is true; anything a driver, proxy or adapter might hand back instead
 * ('1', true, undefined, 'QUEUED', ...) fails closed.
 */
function flag(reply: unknown, op: string): boolean {
  if (reply === 0) return false;
  if (reply === 1) return true;
  return fail('STORE_UNAVAILABLE', `redis store: unexpected reply to ${op}`, { backend: 'redis', op });
}

/** A write's reply must be exactly 1, or the write may not have happened. */
function written(reply: unknown, op: string): void {
  if (reply !== 1) fail('STORE_UNAVAILABLE', `redis store: unexpected reply to ${op}`, { backend: 'redis', op });
}

/** A version: a safe integer >= min. */
function version(reply: unknown, op: string, min: number): number {
  if (typeof reply !== 'number' || !Number.isSafeInteger(reply) || reply < min)
    fail('STORE_UNAVAILABLE', `redis store: unexpected reply to ${op}`, { backend: 'redis', op });
  return reply;
}

function pair(reply: unknown, op: string): [boolean, number] {
  if (!Array.isArray(reply) || reply.length !== 2) fail('STORE_UNAVAILABLE', `redis store: unexpected reply to ${op}`, { backend: 'redis', op });
  return [flag(reply[0], op), version(reply[1], op, 0)];
}

/**
 * Revocation and kill-switch store on Redis. Keys: `<prefix>revoked:<grantId>` (PX TTL to
 * `until + maxClockSkewMs` when `until` is given), `<prefix>kill:bot:<bot>`,
 * `<prefix>kill:wallet:<wallet>` (value `<version>:<1|0>`, no TTL). Single-key scripts only, so it
 * also runs on Redis Cluster. Refuses a server without persistence unless `allowNonPersistent`.
 * @example
 * const revocations = new RedisRevocationStore(redis);
 * await revocations.revoke(grantId, grantEndsAt);
 * if (await revocations.isRevoked(grantId)) refuse();
 */
export class RedisRevocationStore extends Durable implements RevocationStore {
  constructor(client: RedisClientLike, options?: RedisDurableStoreOptions) {
    super(client, options);
  }

  async revoke(grantId: string, until?: number): Promise<void> {
    checkId(grantId, 'grantId');
    let ttl = -1;
    if (until !== undefined) {
      const now = this.clock();
      // SPEC 9.1: the TTL runs to the grant's end plus the allowed skew, so an instance whose clock
      // is behind still sees the revocation for as long as it could consider the grant live.
      ttl = checkUntil(until, now) + this.skew - now;
    }
    written(await this.call('revoke', REVOKE, [`${this.prefix}revoked:${grantId}`], [ttl]), 'revoke');
  }

  async isRevoked(grantId: string): Promise<boolean> {
    checkId(grantId, 'grantId');
    return flag(await this.call('isRevoked', EXISTS, [`${this.prefix}revoked:${grantId}`], []), 'isRevoked');
  }

  async kill(scope: KillScope): Promise<KillWrite> {
    const s = checkScope(scope);
    return { applied: true, version: version(await this.call('kill', KILL, [`${this.prefix}kill:${s.kind}:${s.id}`], []), 'kill', 1) };
  }

  async unkill(scope: KillScope, options?: UnkillOptions): Promise<KillWrite> {
    const s = checkScope(scope);
    let expected = checkUnkillOptions(options);
    const key = `${this.prefix}kill:${s.kind}:${s.id}`;
    if (expected === undefined) {
      // Read, then compare-and-set: if this call's write is delayed past a newer kill, it is a no-op.
      const [killed, v] = pair(await this.call('unkill', KILL_STATE, [key], []), 'unkill');
      if (!killed) return { applied: false, version: v };
      expected = v;
    }
    const [applied, v] = pair(await this.call('unkill', UNKILL, [key], [expected]), 'unkill');
    return { applied, version: v };
  }

  async isKilled(target: { readonly bot: string; readonly wallet: string }): Promise<boolean> {
    const t = checkTarget(target);
    // Two single-key reads rather than one two-key script: the keys may live in different cluster slots.
    const [bot, wallet] = await Promise.all([
      this.call('isKilled', KILLED, [`${this.prefix}kill:bot:${t.bot}`], []),
      this.call('isKilled', KILLED, [`${this.prefix}kill:wallet:${t.wallet}`], []),
    ]);
    // Both replies are checked: a malformed one fails closed even when the other says "killed".
    const b = flag(bot, 'isKilled');
    const w = flag(wallet, 'isKilled');
    return b || w;
  }

  async killState(scope: KillScope): Promise<KillState> {
    const s = checkScope(scope);
    const [killed, v] = pair(await this.call('killState', KILL_STATE, [`${this.prefix}kill:${s.kind}:${s.id}`], []), 'killState');
    return { killed, version: v };
  }
}

// Sliding log in a sorted set (score = time of an allowed attempt). ARGV: now, now - windowMs,
// limit, windowMs, unique member. Returns {1, count} when allowed, {0, oldest score} when not.
const HIT = new Script(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
local n = redis.call('ZCARD', KEYS[1])
if n < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[5])
  if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[4]) then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
  return {1, n + 1}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, oldest[2]}`);

/**
 * Sliding-log rate limiter on Redis: at most `limit` allowed attempts per key in any window of
 * `windowMs`; refused attempts are not counted; `retryAfterMs` is exact. One sorted set per key,
 * `<prefix>rate:<windowMs>:<limit>:<key>`, with a TTL of `windowMs` (SPEC 9).
 * @example
 * const limiter = new RedisRateLimiter(redis, { limit: 3, windowMs: 24 * 3600_000 });
 * const r = await limiter.hit(`reveal:${wallet}`, Date.now());
 */
export class RedisRateLimiter extends Base implements RateLimiter {
  readonly limit: number;
  readonly windowMs: number;
  readonly #tag = bytesToHex(randomBytes(8));
  #seq = 0;

  constructor(client: RedisClientLike, options: RedisRateLimiterOptions) {
    const { limit, windowMs } = checkRateOptions(options);
    super(client, options, [...BASE_KEYS, 'limit', 'windowMs']);
    this.limit = limit;
    this.windowMs = windowMs;
  }

  async hit(key: string, now: number): Promise<RateLimitResult> {
    checkId(key, 'key');
    checkTime(now, 'now');
    const member = `${now}:${this.#tag}:${(this.#seq = (this.#seq + 1) % Number.MAX_SAFE_INTEGER)}`;
    const r = await this.call(
      'hit',
      HIT,
      [`${this.prefix}rate:${this.windowMs}:${this.limit}:${key}`],
      [now, now - this.windowMs, this.limit, this.windowMs, member],
    );
    if (!Array.isArray(r) || r.length !== 2) fail('STORE_UNAVAILABLE', 'redis store: unexpected reply to hit', { backend: 'redis', op: 'hit' });
    if (r[0] === 1) {
      // SPEC 9.6: "allowed" only with the count the script returns (1..limit); any other shape fails closed.
      const n = r[1];
      if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1 || n > this.limit)
        fail('STORE_UNAVAILABLE', 'redis store: unexpected reply to hit', { backend: 'redis', op: 'hit' });
      return { allowed: true, remaining: this.limit - n, retryAfterMs: 0 };
    }
    if (r[0] !== 0) fail('STORE_UNAVAILABLE', 'redis store: unexpected reply to hit', { backend: 'redis', op: 'hit' });
    const oldest = Number(r[1]);
    if (!Number.isFinite(oldest)) fail('STORE_UNAVAILABLE', 'redis store: unexpected reply to hit', { backend: 'redis', op: 'hit' });
    return { allowed: false, remaining: 0, retryAfterMs: Math.max(1, oldest + this.windowMs - now) };
  }
}

// Budgets (SPEC 9.8). Amounts are decimal strings added digit-chunk by digit-chunk in Lua: Lua
// numbers are doubles, exact only to 2^53, and token amounts are u64 or larger.
// KEYS: record, counters... ARGV: now, margin, then per counter: windowMs, amount, limit, member.
const SPEND = new Script(`
local function norm(a) a = string.gsub(a, '^0+', '') if a == '' then return '0' end return a end
local function add(a, b)
  local r, carry, i, j = {}, 0, #a, #b
  while i > 0 or j > 0 or carry > 0 do
    local x = carry
    if i > 0 then x = x + tonumber(string.sub(a, math.max(1, i - 6), i)) end
    if j > 0 then x = x + tonumber(string.sub(b, math.max(1, j - 6), j)) end
    carry = math.floor(x / 10000000)
    table.insert(r, 1, string.format('%07d', x % 10000000))
    i = i - 7
    j = j - 7
  end
  return norm(table.concat(r))
end
local function gt(a, b)
  if #a ~= #b then return #a > #b end
  return a > b
end
local rec = redis.call('GET', KEYS[1])
if rec then return {1, rec} end
local now = tonumber(ARGV[1])
local margin = tonumber(ARGV[2])
local n = #KEYS - 1
local after = {}
for i = 1, n do
  local b = 3 + (i - 1) * 4
  -- Entries stay for window + margin (an instance with a slower clock still counts them); the
  -- sum takes those inside this caller's window (now - windowMs, now].
  redis.call('ZREMRANGEBYSCORE', KEYS[i + 1], '-inf', now - tonumber(ARGV[b]) - margin)
  local sum = '0'
  for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[i + 1], '(' .. string.format('%d', now - tonumber(ARGV[b])), '+inf')) do
    sum = add(sum, string.sub(m, 1, string.find(m, ':', 1, true) - 1))
  end
  local total = add(sum, ARGV[b + 1])
  if gt(total, ARGV[b + 2]) then return {0, i} end
  after[i] = total
end
local longest = 0
for i = 1, n do
  local b = 3 + (i - 1) * 4
  local w = tonumber(ARGV[b])
  redis.call('ZADD', KEYS[i + 1], now, ARGV[b + 1] .. ':' .. ARGV[b + 3])
  if redis.call('PTTL', KEYS[i + 1]) < w + margin then redis.call('PEXPIRE', KEYS[i + 1], w + margin) end
  if w > longest then longest = w end
end
local v = table.concat(after, ',')
redis.call('SET', KEYS[1], v, 'PX', longest + margin)
return {1, v}`);

/**
 * Budget store on Redis (SPEC 9.8): one Lua script per spend, so all counters are checked and
 * added together, atomically. Keys: `<prefix>budget:c:<counter>` (sorted set, one member
 * `<amount>:<record>` per spend, score = its `now`, TTL = window + `maxClockSkewMs`) and
 * `<prefix>budget:r:<key>:<counters digest>` (the earlier result, TTL = longest window +
 * `maxClockSkewMs`). The script touches several keys: on Redis Cluster, put a hash tag in the
 * prefix (`{agentvault}:`) so they share a slot. Refuses a server without persistence unless
 * `allowNonPersistent`.
 * @example
 * const budgets = new RedisBudgetStore(redis, { prefix: '{agentvault}:' });
 * const r = await budgets.spend(messageHashHex, spends, Date.now());
 */
export class RedisBudgetStore extends Durable implements BudgetStore {
  constructor(client: RedisClientLike, options?: RedisDurableStoreOptions) {
    super(client, options);
  }

  async spend(key: string, spends: readonly BudgetSpend[], now: number): Promise<BudgetResult> {
    checkBudgetKey(key);
    const s = checkSpends(spends);
    checkTime(now, 'now');
    const id = budgetRecordId(key, s);
    const keys = [`${this.prefix}budget:r:${id}`, ...s.map((sp) => `${this.prefix}budget:c:${sp.counter}`)];
    const args: (string | number)[] = [now, this.skew];
    for (const sp of s) args.push(sp.windowMs, sp.amount.toString(), sp.limit.toString(), id);
    const r = await this.call('spend', SPEND, keys, args);
    const bad = (): never => fail('STORE_UNAVAILABLE', 'redis store: unexpected reply to spend', { backend: 'redis', op: 'spend' });
    if (!Array.isArray(r) || r.length !== 2) return bad();
    if (r[0] === 0) {
      const i = r[1];
      if (typeof i !== 'number' || !Number.isInteger(i) || i < 1 || i > s.length) return bad();
      return { ok: false, counter: s[i - 1]!.counter };
    }
    if (r[0] !== 1 || typeof r[1] !== 'string' || !/^(0|[1-9][0-9]*)(,(0|[1-9][0-9]*))*$/.test(r[1])) return bad();
    const after = r[1].split(',').map((x) => BigInt(x));
    if (after.length !== s.length) return bad();
    return { ok: true, after: Object.freeze(after) };
  }
}
