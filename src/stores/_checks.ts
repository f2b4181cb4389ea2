/**
 * Argument checks shared by every store backend (internal: not exported from any entry). All three
 * backends validate the same way, so a value one store accepts is accepted by all of them.
 * @module
 */
import { fail } from '../errors.js';
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

/** An optional clock option. */
export function optClock(value: unknown): () => number {
  if (value === undefined) return Date.now;
  if (typeof value !== 'function') fail('INVALID_INPUT', `options.clock: expected a function, got ${typeName(value)}`, { field: 'options.clock' });
  return value as () => number;
}
