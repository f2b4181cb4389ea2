/**
 * Argument checks shared by every store backend (internal: not exported from any entry). All three
 * backends validate the same way, so a value one store accepts is accepted by all of them.
 * @module
 */
import { AgentvaultError, fail } from '../errors.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { aint, aobject, astring, typeName, utf8 } from '../_utils.js';

/** Largest time we accept: the ECMAScript Date range (ms since the epoch). */
export const MAX_TIME_MS = 8.64e15;
/** SPEC 9: the issued challenge kept with a nonce is at most 16 KiB of UTF-8. */
export const MAX_META_BYTES = 16 * 1024;
/** Longest grant id, bot id, wallet or rate-limit key a store accepts. */
export const MAX_ID_LENGTH = 512;
/** Largest `limit` a rate limiter accepts (the sliding log keeps one timestamp per allowed attempt). */
export const MAX_RATE_LIMIT = 100_000;
/** Longest rate-limit window: one year. */
export const MAX_WINDOW_MS = 366 * 24 * 60 * 60 * 1000;

const HASH_RE = /^[0-9a-f]{64}$/;

/** The nonce hash: lowercase hex SHA-256 (64 characters), as the NonceStore contract says. */
export function checkHash(hash: unknown): string {
  astring(hash, 'hash', 64);
  // Same decision as HASH_RE, without the regex engine (a fifth of a memory issue+consume; issue 18).
  if (!isHashHex(hash as string)) fail('INVALID_INPUT', 'hash: expected 64 lowercase hex characters (SHA-256)', { field: 'hash' });
  return hash as string;
}

/** 1 for the char codes of 0-9 and a-f. */
const HEX_LOWER = /* @__PURE__ */ (() => {
  const t = new Uint8Array(128);
  for (const c of '0123456789abcdef') t[c.charCodeAt(0)] = 1;
  return t;
})();

function isHashHex(h: string): boolean {
  if (h.length !== 64) return false;
  let ok = 1;
  for (let i = 0; i < 64; i++) {
    const c = h.charCodeAt(i);
    ok &= c < 128 ? HEX_LOWER[c]! : 0;
  }
  return ok === 1;
}

/** @internal The reference decision of `checkHash`, for the tests. */
export const _HASH_RE: RegExp = HASH_RE;

export function checkTime(value: unknown, name: string): number {
  return aint(value, name, 0, MAX_TIME_MS);
}

/**
 * Text every backend stores and returns unchanged: no NUL (PostgreSQL text cannot hold it) and no
 * lone surrogate (UTF-8 drivers turn it into U+FFFD, so two different ids could meet in one key).
 */
function portable(value: string, name: string): void {
  if (value.includes('\u0000') || !value.isWellFormed())
    fail('INVALID_INPUT', `${name}: contains NUL or a lone surrogate`, { field: name });
}

export function checkMeta(meta: unknown): string {
  astring(meta, 'meta', MAX_META_BYTES);
  portable(meta as string, 'meta');
  // A UTF-16 unit is at most 3 bytes of UTF-8 (a surrogate pair, 2 units, is 4): only a meta that
  // could be too long is encoded to count its bytes.
  if ((meta as string).length * 3 > MAX_META_BYTES && utf8(meta as string).length > MAX_META_BYTES)
    fail('INVALID_INPUT', `meta: longer than ${MAX_META_BYTES} bytes of UTF-8`, { field: 'meta' });
  return meta as string;
}

/** A non-empty identifier (grant id, bot, wallet, rate-limit key). */
export function checkId(value: unknown, name: string): string {
  astring(value, name, MAX_ID_LENGTH);
  if ((value as string).length === 0) fail('INVALID_INPUT', `${name}: must not be empty`, { field: name });
  portable(value as string, name);
  return value as string;
}

/** A kill scope: exactly one of `bot` or `wallet`. */
export function checkScope(scope: unknown): { kind: 'bot' | 'wallet'; id: string } {
  const o = aobject(scope, 'scope');
  const hasBot = 'bot' in o && o.bot !== undefined;
  const hasWallet = 'wallet' in o && o.wallet !== undefined;
  if (hasBot === hasWallet) fail('INVALID_INPUT', 'scope: expected exactly one of { bot } or { wallet }', { field: 'scope' });
  return hasBot ? { kind: 'bot', id: checkId(o.bot, 'scope.bot') } : { kind: 'wallet', id: checkId(o.wallet, 'scope.wallet') };
}

export function checkTarget(target: unknown): { bot: string; wallet: string } {
  const o = aobject(target, 'target');
  return { bot: checkId(o.bot, 'target.bot'), wallet: checkId(o.wallet, 'target.wallet') };
}

export function checkRateOptions(options: unknown): { limit: number; windowMs: number } {
  const o = aobject(options, 'options');
  return { limit: aint(o.limit, 'options.limit', 1, MAX_RATE_LIMIT), windowMs: aint(o.windowMs, 'options.windowMs', 1, MAX_WINDOW_MS) };
}

/** An optional positive integer option with a default. */
export function optInt(value: unknown, name: string, dflt: number, min: number, max: number): number {
  return value === undefined ? dflt : aint(value, name, min, max);
}

/**
 * An optional clock option, wrapped so that every reading is checked (SPEC 9.1, "Clocks"): a clock
 * that returns anything but a safe integer in the Date range (NaN, fractional ms, a string, a
 * Date, seconds as a float) or throws fails closed with `CLOCK_INVALID`, on every backend alike.
 * A NaN clock once made memory and Redis revocations fail open.
 */
export function optClock(value: unknown): () => number {
  if (value !== undefined && typeof value !== 'function')
    fail('INVALID_INPUT', `options.clock: expected a function, got ${typeName(value)}`, { field: 'options.clock' });
  const f = (value ?? Date.now) as () => unknown;
  return () => {
    let t: unknown;
    try {
      t = f();
    } catch (e) {
      throw new AgentvaultError('CLOCK_INVALID', 'options.clock threw; failing closed', { field: 'options.clock', reason: 'clock-threw' }, { cause: e });
    }
    if (typeof t !== 'number' || !Number.isSafeInteger(t) || t < 0 || t > MAX_TIME_MS)
      fail('CLOCK_INVALID', `options.clock: returned ${typeof t === 'number' ? String(t) : typeName(t)}, expected integer ms since the epoch; failing closed`, {
        field: 'options.clock',
        reason: 'clock-invalid',
      });
    return t;
  };
}

/** Refuse option keys a store does not know (a typo must not silently keep a default). */
export function knownKeys(o: Record<string, unknown>, allowed: readonly string[], name = 'options'): void {
  for (const k of Object.keys(o))
    if (!allowed.includes(k)) fail('INVALID_INPUT', `${name}: unknown option ${JSON.stringify(k.slice(0, 64))}`, { field: `${name}.${k.slice(0, 64)}` });
}

/** SPEC 9.1: default bound on the clock difference between instances. */
export const DEFAULT_MAX_CLOCK_SKEW_MS = 10 * 60 * 1000;
/** Largest configurable skew: one day. */
export const MAX_CLOCK_SKEW_MS = 24 * 60 * 60 * 1000;

export function optSkew(value: unknown): number {
  return optInt(value, 'options.maxClockSkewMs', DEFAULT_MAX_CLOCK_SKEW_MS, 0, MAX_CLOCK_SKEW_MS);
}

/**
 * `until` of a revocation: an integer in the future on this instance's clock. A past `until` (for
 * instance seconds passed where ms are expected) is an error, never a silent no-op.
 */
export function checkUntil(until: unknown, now: number): number {
  const u = checkTime(until, 'until');
  if (u <= now) fail('INVALID_INPUT', 'until: must be in the future (ms since the epoch); revoke without until to revoke for good', { field: 'until', reason: 'until-past' });
  return u;
}

/** Options of unkill: only `ifVersion`, a non-negative safe integer. */
export function checkUnkillOptions(options: unknown): number | undefined {
  if (options === undefined) return undefined;
  const o = aobject(options, 'options');
  knownKeys(o, ['ifVersion']);
  return o.ifVersion === undefined ? undefined : aint(o.ifVersion, 'options.ifVersion', 0, Number.MAX_SAFE_INTEGER);
}

/** Most counters one spend may touch. */
export const MAX_BUDGET_COUNTERS = 64;
/** Amounts and limits are at most u128 (SPEC 9.8): every backend holds them exactly. */
export const MAX_BUDGET_AMOUNT = (1n << 128n) - 1n;
const BUDGET_KEY_RE = /^[0-9a-f]{16,128}$/;

export interface CheckedSpend {
  readonly counter: string;
  readonly windowMs: number;
  readonly amount: bigint;
  readonly limit: bigint;
}

/** The budget idempotency key: lowercase hex (a message hash), 16 to 128 characters. */
export function checkBudgetKey(key: unknown): string {
  astring(key, 'key', 128);
  if (!BUDGET_KEY_RE.test(key as string)) fail('INVALID_INPUT', 'key: expected 16 to 128 lowercase hex characters (a message hash)', { field: 'key' });
  return key as string;
}

function abig(value: unknown, name: string): bigint {
  if (typeof value !== 'bigint') fail('INVALID_INPUT', `${name}: expected a bigint, got ${typeName(value)}`, { field: name });
  if (value < 0n || value > MAX_BUDGET_AMOUNT) fail('INVALID_INPUT', `${name}: must be in [0, 2^128 - 1]`, { field: name });
  return value;
}

/** Spends: 1 to 64 distinct counters, each with exactly the four contract fields. */
export function checkSpends(spends: unknown): readonly CheckedSpend[] {
  if (!Array.isArray(spends)) fail('INVALID_INPUT', `spends: expected an array, got ${typeName(spends)}`, { field: 'spends' });
  if (spends.length === 0 || spends.length > MAX_BUDGET_COUNTERS)
    fail('INVALID_INPUT', `spends: expected 1 to ${MAX_BUDGET_COUNTERS} entries`, { field: 'spends' });
  const seen = new Set<string>();
  const out: CheckedSpend[] = [];
  spends.forEach((raw: unknown, i: number) => {
    const name = `spends[${i}]`;
    const o = aobject(raw, name);
    knownKeys(o, ['counter', 'windowMs', 'amount', 'limit'], name);
    const counter = checkId(o.counter, `${name}.counter`);
    if (seen.has(counter)) fail('INVALID_INPUT', `${name}.counter: appears twice`, { field: `${name}.counter` });
    seen.add(counter);
    out.push(
      Object.freeze({
        counter,
        windowMs: aint(o.windowMs, `${name}.windowMs`, 1, MAX_WINDOW_MS),
        amount: abig(o.amount, `${name}.amount`),
        limit: abig(o.limit, `${name}.limit`),
      }),
    );
  });
  return Object.freeze(out);
}

/**
 * The idempotency record of a spend: the key plus a digest of the counter names, so the same
 * message spent against the same counters is recognised, on every backend alike (SPEC 9.8).
 */
export function budgetRecordId(key: string, spends: readonly CheckedSpend[]): string {
  const digest = sha256(utf8(budgetSpendsJson(spends)));
  return `${key}:${bytesToHex(digest).slice(0, 32)}`;
}

/**
 * JSON of the (counter, window, amount) triples, what `budgetRecordId` hashes (the memory store
 * uses it as is: a Map key needs no digest). Unambiguous whatever a counter name holds (names
 * joined by a newline let one counter "a\nb" share a record with the two counters "a" and "b"),
 * and the same key with other amounts is another spend, never a ride on the earlier one.
 */
export function budgetSpendsJson(spends: readonly CheckedSpend[]): string {
  return JSON.stringify(spends.map((s) => [s.counter, s.windowMs, s.amount.toString()]));
}
