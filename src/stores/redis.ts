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
import { fail } from '../errors.js';
import { aint, astring, utf8 } from '../_utils.js';
import { randomBytes } from '../_random.js';
import { aclient, DEFAULT_TIMEOUT_MS, guarded, readOptions } from './_backend.js';
import { checkHash, checkId, checkMeta, checkRateOptions, checkScope, checkTarget, checkTime, optClock } from './_checks.js';
import type { KillScope, NonceStore, RateLimitResult, RateLimiter, RevocationStore } from './types.js';

/**
 * The part of a Redis client the stores use. An `ioredis` `Redis` or `Cluster` instance fits as is;
 * another driver fits through a two-method adapter. Replies follow the RESP2 mapping of ioredis
 * (bulk string -> string, nil -> null, integer -> number, array -> array).
 */
export interface RedisClientLike {
  eval(script: string, numkeys: number, ...args: (string | number)[]): Promise<unknown>;
  evalsha(sha1: string, numkeys: number, ...args: (string | number)[]): Promise<unknown>;
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

class Base {
  protected readonly client: RedisClientLike;
  protected readonly prefix: string;
  protected readonly timeoutMs: number;
  protected readonly clock: () => number;
  constructor(client: RedisClientLike, options: unknown) {
    this.client = aclient<RedisClientLike>(client, 'client', ['eval', 'evalsha']);
    const o = readOptions(options);
    this.prefix = o.prefix === undefined ? 'agentvault:' : astring(o.prefix, 'options.prefix', 128);
    this.timeoutMs = o.timeoutMs === undefined ? DEFAULT_TIMEOUT_MS : aint(o.timeoutMs, 'options.timeoutMs', 1, 600_000);
    this.clock = optClock(o.clock);
  }
  protected call(op: string, s: Script, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    return guarded('redis', op, this.timeoutMs, () => run(this.client, s, keys, args));
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
const SET = new Script(`redis.call('SET', KEYS[1], '1') return 1`);
const DEL = new Script(`redis.call('DEL', KEYS[1]) return 1`);

/**
 * Revocation and kill-switch store on Redis. Keys: `<prefix>revoked:<grantId>` (PX TTL to `until`
 * when given), `<prefix>kill:bot:<bot>`, `<prefix>kill:wallet:<wallet>` (no TTL). Single-key
 * commands only, so it also runs on Redis Cluster.
 * @example
 * const revocations = new RedisRevocationStore(redis);
 * await revocations.revoke(grantId, grantEndsAt);
 * if (await revocations.isRevoked(grantId)) refuse();
 */
export class RedisRevocationStore extends Base implements RevocationStore {
  constructor(client: RedisClientLike, options?: RedisStoreOptions) {
    super(client, options);
  }

  async revoke(grantId: string, until?: number): Promise<void> {
    checkId(grantId, 'grantId');
    let ttl = -1;
    if (until !== undefined) {
      ttl = checkTime(until, 'until') - this.clock();
      if (ttl <= 0) return; // the grant has ended already: nothing left to revoke
    }
    written(await this.call('revoke', REVOKE, [`${this.prefix}revoked:${grantId}`], [ttl]), 'revoke');
  }

  async isRevoked(grantId: string): Promise<boolean> {
    checkId(grantId, 'grantId');
    return flag(await this.call('isRevoked', EXISTS, [`${this.prefix}revoked:${grantId}`], []), 'isRevoked');
  }

  async kill(scope: KillScope): Promise<void> {
    const s = checkScope(scope);
    written(await this.call('kill', SET, [`${this.prefix}kill:${s.kind}:${s.id}`], []), 'kill');
  }

  async unkill(scope: KillScope): Promise<void> {
    const s = checkScope(scope);
    written(await this.call('unkill', DEL, [`${this.prefix}kill:${s.kind}:${s.id}`], []), 'unkill');
  }

  async isKilled(target: { readonly bot: string; readonly wallet: string }): Promise<boolean> {
    const t = checkTarget(target);
    // Two single-key reads rather than one two-key EXISTS: the keys may live in different cluster slots.
    const [bot, wallet] = await Promise.all([
      this.call('isKilled', EXISTS, [`${this.prefix}kill:bot:${t.bot}`], []),
      this.call('isKilled', EXISTS, [`${this.prefix}kill:wallet:${t.wallet}`], []),
    ]);
    // Both replies are checked: a malformed one fails closed even when the other says "killed".
    const b = flag(bot, 'isKilled');
    const w = flag(wallet, 'isKilled');
    return b || w;
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
    super(client, options);
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
    if (r[0] === 1) return { allowed: true, remaining: this.limit - Number(r[1]), retryAfterMs: 0 };
    const oldest = Number(r[1]);
    if (!Number.isFinite(oldest)) fail('STORE_UNAVAILABLE', 'redis store: unexpected reply to hit', { backend: 'redis', op: 'hit' });
    return { allowed: false, remaining: 0, retryAfterMs: Math.max(1, oldest + this.windowMs - now) };
  }
}
