/**
 * Argument checks shared by the session store backends (internal), so that a value one store
 * accepts is accepted by all of them (SPEC 12.4).
 * @module
 */
import { aobject, astring } from '../_utils.js';
import { fail } from '../errors.js';
import { checkId, checkTime } from '../stores/_checks.js';
import type { StoredSession } from './types.js';

const ID_RE = /^[A-Za-z0-9_-]{16,128}$/;
/** Longest sealed record text a store keeps (a session holds at most a few UMK versions). */
export const MAX_SESSION_RECORD = 4096;
const RECORD_RE = /^avr1\.[A-Za-z0-9_-]+$/;

export function checkSessionId(id: unknown): string {
  if (typeof id !== 'string' || !ID_RE.test(id)) fail('INVALID_INPUT', 'id: expected [A-Za-z0-9_-]{16,128}', { field: 'id' });
  return id;
}

export function checkRecord(record: unknown, name = 'record'): string {
  astring(record, name, MAX_SESSION_RECORD);
  if (!RECORD_RE.test(record as string)) fail('INVALID_INPUT', `${name}: expected a sealed record (avr1.)`, { field: name });
  return record as string;
}

export function checkSession(value: unknown): StoredSession {
  const o = aobject(value, 'session');
  for (const k of Object.keys(o))
    if (!['id', 'wallet', 'expiresAt', 'record'].includes(k)) fail('INVALID_INPUT', 'session: unknown field', { field: `session.${k}` });
  return Object.freeze({
    id: checkSessionId(o['id']),
    wallet: checkId(o['wallet'], 'session.wallet'),
    expiresAt: checkTime(o['expiresAt'], 'session.expiresAt'),
    record: checkRecord(o['record'], 'session.record'),
  });
}

/** A stored entry read back from a backend: any other shape fails closed (SPEC 9.6). */
export function readBack(backend: string, op: string, id: string, wallet: unknown, expiresAt: unknown, record: unknown): StoredSession {
  const exp = typeof expiresAt === 'string' && /^[0-9]{1,16}$/.test(expiresAt) ? Number(expiresAt) : expiresAt;
  if (typeof wallet !== 'string' || typeof exp !== 'number' || !Number.isSafeInteger(exp) || typeof record !== 'string' || !RECORD_RE.test(record))
    fail('STORE_UNAVAILABLE', `${backend} store: unexpected reply to ${op}`, { backend, op });
  return Object.freeze({ id, wallet, expiresAt: exp, record });
}
