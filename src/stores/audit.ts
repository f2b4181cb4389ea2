/**
 * Audit log of signing decisions (SPEC 9.9): every decision, allowed or refused, goes to a hook and
 * to an append-only, hash-chained log. Each entry stores the hash of the previous entry and the
 * canonical JSON of the event; {@link verifyAuditLog} detects a removed, reordered or edited entry,
 * and, given a head the app anchored elsewhere, a truncated or wholly rewritten log.
 * @module
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { fail } from '../errors.js';
import { aint, aobject, astring, typeName, utf8 } from '../_utils.js';
import { checkId, knownKeys, optInt } from './_checks.js';
import type { AuditEvent } from './types.js';

// The event type is defined once, in types.ts, and shared with the signer (agentvault/execution).
export type { AuditEvent } from './types.js';

/** One stored entry: `hash = SHA-256("agentvault-audit-v1\n" + seq + "\n" + prevHash + "\n" + event)`. */
export interface AuditEntry {
  /** 1, 2, 3 ... without gaps. */
  readonly seq: number;
  /** Hash of entry `seq - 1`; 64 zeros for entry 1. */
  readonly prevHash: string;
  /** Canonical JSON of the event (sorted keys, no spaces). */
  readonly event: string;
  readonly hash: string;
}

/** The last entry of a log: anchor it outside the store to detect truncation or a rewrite. */
export interface AuditHead {
  readonly seq: number;
  readonly hash: string;
}

/** Append-only, hash-chained log of signing decisions. */
export interface AuditLogStore {
  /** Append one event; returns the entry with its sequence number and hash. */
  append(event: AuditEvent): Promise<AuditEntry>;
  /** Entries with `seq >= fromSeq` (default 1), in order, at most `limit` (default 1000). */
  read(fromSeq?: number, limit?: number): Promise<readonly AuditEntry[]>;
  /** The last entry's seq and hash (`{ seq: 0, hash: GENESIS }` when empty). */
  head(): Promise<AuditHead>;
}

/** `prevHash` of the first entry. */
export const AUDIT_GENESIS = '0'.repeat(64);
const HEX64 = /^[0-9a-f]{64}$/;
const HEX = /^[0-9a-f]{16,128}$/;
const DECIMAL = /^(0|[1-9][0-9]{0,38})$/;
const MAX_TEXT = 512;
const MAX_BUDGET_ENTRIES = 64;
const EVENT_KEYS = ['at', 'grantId', 'bot', 'agent', 'allowed', 'reason', 'rule', 'instructionIndex', 'messageHash', 'budgetAfter'] as const;

function text(value: unknown, name: string): string {
  astring(value, name, MAX_TEXT);
  if ((value as string).includes('\u0000') || !(value as string).isWellFormed())
    fail('INVALID_INPUT', `${name}: contains NUL or a lone surrogate`, { field: name });
  return value as string;
}

/**
 * Validate an event and return its canonical JSON: keys sorted, no whitespace, absent optional
 * fields omitted. For the values an event holds (strings, safe integers, booleans, an object of
 * strings) this is RFC 8785 (JCS). Unknown fields are refused, so nothing unlogged rides along.
 */
export function canonicalAuditEvent(event: AuditEvent): string {
  const o = aobject(event, 'event');
  knownKeys(o, EVENT_KEYS, 'event');
  const out: Record<string, unknown> = {
    at: aint(o.at, 'event.at', 0, 8.64e15),
    grantId: checkId(o.grantId, 'event.grantId'),
    bot: checkId(o.bot, 'event.bot'),
    agent: checkId(o.agent, 'event.agent'),
    messageHash: astring(o.messageHash, 'event.messageHash', 128),
  };
  if (!HEX.test(out.messageHash as string)) fail('INVALID_INPUT', 'event.messageHash: expected lowercase hex', { field: 'event.messageHash' });
  if (typeof o.allowed !== 'boolean') fail('INVALID_INPUT', `event.allowed: expected a boolean, got ${typeName(o.allowed)}`, { field: 'event.allowed' });
  out.allowed = o.allowed;
  if (o.reason !== undefined) out.reason = text(o.reason, 'event.reason');
  if (o.rule !== undefined) out.rule = text(o.rule, 'event.rule');
  if (o.instructionIndex !== undefined) out.instructionIndex = aint(o.instructionIndex, 'event.instructionIndex', 0, 65_535);
  if (o.budgetAfter !== undefined) {
    const b = aobject(o.budgetAfter, 'event.budgetAfter');
    const keys = Object.keys(b).sort();
    if (keys.length > MAX_BUDGET_ENTRIES) fail('INVALID_INPUT', `event.budgetAfter: more than ${MAX_BUDGET_ENTRIES} counters`, { field: 'event.budgetAfter' });
    // A prototype-less object: a counter named "__proto__" must be kept as data, not swallowed by
    // the prototype setter (two events would otherwise share one canonical text and one hash).
    const sorted: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const k of keys) {
      checkId(k, 'event.budgetAfter key');
      const v = b[k];
      if (typeof v !== 'string' || !DECIMAL.test(v)) fail('INVALID_INPUT', 'event.budgetAfter: values must be decimal strings', { field: 'event.budgetAfter' });
      sorted[k] = v;
    }
    out.budgetAfter = sorted;
  }
  return stringify(out);
}

function stringify(v: unknown): string {
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stringify(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** The entry hash (SPEC 9.9). */
export function auditEntryHash(seq: number, prevHash: string, event: string): string {
  return bytesToHex(sha256(utf8(`agentvault-audit-v1\n${seq}\n${prevHash}\n${event}`)));
}

/** The answer of {@link verifyAuditLog}. */
export type AuditVerification =
  | { readonly ok: true; readonly count: number; readonly head: AuditHead }
  | {
      readonly ok: false;
      /** Index in the array given (not seq) of the first entry that fails. */
      readonly index: number;
      readonly reason: 'malformed' | 'seq' | 'prev-hash' | 'hash' | 'event' | 'head';
    };

/** An anchor (`after`, `head`): `{ seq, hash }`, seq a safe integer >= 0, hash 64 lowercase hex. */
function checkAnchor(value: unknown, name: string): AuditHead {
  const a = aobject(value, name);
  knownKeys(a, ['seq', 'hash'], name);
  const seq = aint(a.seq, `${name}.seq`, 0, Number.MAX_SAFE_INTEGER);
  if (typeof a.hash !== 'string' || !HEX64.test(a.hash)) fail('INVALID_INPUT', `${name}.hash: expected 64 lowercase hex characters`, { field: `${name}.hash` });
  return { seq, hash: a.hash };
}

/**
 * Check a run of entries: consecutive seqs, each `prevHash` equal to the previous entry's hash
 * (the first one's to `options.after`; without `after` the run must start at entry 1 and the
 * genesis, so removing the first entries is detected too), each hash
 * recomputed, each event canonical. With `options.head` (anchored outside the store: a log line,
 * another database, a signed checkpoint) the run must also end exactly there, which detects
 * truncation and a log rewritten from scratch. Never throws on bad entries; it says which and why.
 * @example
 * const v = verifyAuditLog(await log.read(), { head: anchoredHead });
 * if (!v.ok) alert(`audit log tampered at entry ${v.index}: ${v.reason}`);
 */
export function verifyAuditLog(entries: readonly AuditEntry[], options?: { readonly after?: AuditHead; readonly head?: AuditHead }): AuditVerification {
  if (!Array.isArray(entries)) fail('INVALID_INPUT', 'entries: expected an array', { field: 'entries' });
  const o = options === undefined ? {} : aobject(options, 'options');
  knownKeys(o, ['after', 'head']);
  let prev: AuditHead | undefined = o.after === undefined ? undefined : checkAnchor(o.after, 'options.after');
  const head = o.head === undefined ? undefined : checkAnchor(o.head, 'options.head');
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as Partial<AuditEntry> | null;
    if (
      e === null ||
      typeof e !== 'object' ||
      typeof e.seq !== 'number' ||
      !Number.isSafeInteger(e.seq) ||
      e.seq < 1 ||
      typeof e.prevHash !== 'string' ||
      !HEX64.test(e.prevHash) ||
      typeof e.hash !== 'string' ||
      !HEX64.test(e.hash) ||
      typeof e.event !== 'string'
    )
      return { ok: false, index: i, reason: 'malformed' };
    if (prev === undefined) {
      // Without an anchor the run must start at the genesis: a run that starts later is a log whose
      // first entries were removed (or a forged one), undetectable otherwise. Pass `after` to check a
      // window of the log.
      if (e.seq !== 1) return { ok: false, index: i, reason: 'seq' };
      if (e.prevHash !== AUDIT_GENESIS) return { ok: false, index: i, reason: 'prev-hash' };
    } else {
      if (e.seq !== prev.seq + 1) return { ok: false, index: i, reason: 'seq' };
      if (e.prevHash !== prev.hash) return { ok: false, index: i, reason: 'prev-hash' };
    }
    if (auditEntryHash(e.seq, e.prevHash, e.event) !== e.hash) return { ok: false, index: i, reason: 'hash' };
    let canonical: string | undefined;
    try {
      canonical = canonicalAuditEvent(JSON.parse(e.event) as AuditEvent);
    } catch {
      canonical = undefined;
    }
    if (canonical !== e.event) return { ok: false, index: i, reason: 'event' };
    prev = { seq: e.seq, hash: e.hash };
  }
  if (head !== undefined) {
    const h = head;
    const end = prev ?? { seq: 0, hash: AUDIT_GENESIS };
    if (h.seq !== end.seq || h.hash !== end.hash) return { ok: false, index: entries.length, reason: 'head' };
  }
  return { ok: true, count: entries.length, head: prev ?? { seq: 0, hash: AUDIT_GENESIS } };
}

/**
 * Adapt a log store to the signer's `audit` option: the returned hook appends every decision. A
 * failing append rejects, and the signer treats that as a refusal (fail closed: no signature
 * leaves without its record).
 * @example
 * const audit = auditHook(new PostgresAuditLog(pool));
 * withExecutionSigner({ ..., audit }, async (signer) => { ... });
 */
export function auditHook(store: AuditLogStore): (event: AuditEvent) => Promise<void> {
  if (typeof store !== 'object' || store === null || typeof store.append !== 'function')
    fail('INVALID_INPUT', 'store: expected an AuditLogStore', { field: 'store' });
  return async (event) => {
    await store.append(event);
  };
}

/** Options of {@link MemoryAuditLog}. */
export interface MemoryAuditLogOptions {
  /** Most entries kept; beyond it `append` throws `STORE_FULL` (never drops an entry). Default 1 000 000. */
  readonly maxEntries?: number;
}

/**
 * Audit log for one process (tests, development). Append-only: there is no method to remove or
 * change an entry; when full it refuses new ones (`STORE_FULL`) rather than dropping old ones.
 * @example
 * const log = new MemoryAuditLog();
 * const hook = auditHook(log);
 * verifyAuditLog(await log.read()).ok; // true
 */
export class MemoryAuditLog implements AuditLogStore {
  readonly #entries: AuditEntry[] = [];
  readonly #max: number;
  constructor(options?: MemoryAuditLogOptions) {
    const o = options === undefined ? {} : aobject(options, 'options');
    knownKeys(o, ['maxEntries']);
    this.#max = optInt(o.maxEntries, 'options.maxEntries', 1_000_000, 1, 100_000_000);
  }

  async append(event: AuditEvent): Promise<AuditEntry> {
    const json = canonicalAuditEvent(event);
    if (this.#entries.length >= this.#max) fail('STORE_FULL', 'audit log is full', { maxEntries: this.#max });
    const last = this.#entries.at(-1);
    const seq = (last?.seq ?? 0) + 1;
    const prevHash = last?.hash ?? AUDIT_GENESIS;
    const entry = Object.freeze({ seq, prevHash, event: json, hash: auditEntryHash(seq, prevHash, json) });
    this.#entries.push(entry);
    return entry;
  }

  async read(fromSeq = 1, limit = 1000): Promise<readonly AuditEntry[]> {
    aint(fromSeq, 'fromSeq', 1, Number.MAX_SAFE_INTEGER);
    aint(limit, 'limit', 1, 100_000);
    return this.#entries.slice(fromSeq - 1, fromSeq - 1 + limit);
  }

  async head(): Promise<AuditHead> {
    const last = this.#entries.at(-1);
    return last === undefined ? { seq: 0, hash: AUDIT_GENESIS } : { seq: last.seq, hash: last.hash };
  }
}
