/**
 * Shared plumbing of the networked stores (internal): a deadline on every backend call and the
 * mapping of every backend failure to `STORE_UNAVAILABLE`, so that a store fails closed and never
 * answers "fresh" or "not revoked" when it could not ask.
 * @module
 */
import { AgentvaultError, fail } from '../errors.js';
import { aobject, typeName } from '../_utils.js';

/** Default deadline of one backend call. */
export const DEFAULT_TIMEOUT_MS = 5_000;

/** A call waiting for its backend, with the time after which it fails. */
interface Pending {
  readonly deadline: number;
  readonly expire: () => void;
}

/**
 * One shared, unref'd ticker enforces every deadline instead of a timer per call: arming and clearing
 * a timer per command cost about as much as the command itself on a fast Redis. Deadlines therefore
 * fire up to one tick late. The ticker runs only while calls are pending.
 */
const TICK_MS = 20;
const pending = new Set<Pending>();
let ticker: ReturnType<typeof setInterval> | undefined;

function tick(): void {
  const now = Date.now();
  for (const p of pending) if (p.deadline <= now) p.expire();
  if (pending.size === 0 && ticker !== undefined) {
    clearInterval(ticker);
    ticker = undefined;
  }
}

function unavailable(backend: string, op: string, cause: unknown): AgentvaultError {
  return new AgentvaultError('STORE_UNAVAILABLE', `${backend} store: ${op} failed; failing closed`, { backend, op }, { cause });
}

/**
 * Run `op` under a deadline. Any rejection (connection refused, reset, server error, script error)
 * and the deadline itself become `STORE_UNAVAILABLE` with the original error as `cause`. A call that
 * times out may still reach the server later; every store operation is written so that a late
 * arrival only ever loses a nonce or adds a revocation, never the reverse (SPEC 9).
 */
export function guarded<T>(backend: string, op: string, timeoutMs: number, run: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const entry: Pending = {
      deadline: Date.now() + timeoutMs,
      expire: () => {
        pending.delete(entry);
        reject(unavailable(backend, op, new Error(`${backend} ${op}: no answer within ${timeoutMs} ms`)));
      },
    };
    pending.add(entry);
    if (ticker === undefined) {
      ticker = setInterval(tick, TICK_MS);
      // A pending store call must not keep the process alive by itself.
      if (typeof ticker === 'object' && ticker !== null && 'unref' in ticker) ticker.unref();
    }
    let p: Promise<T>;
    try {
      p = Promise.resolve(run());
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(
      (v) => {
        if (pending.delete(entry)) resolve(v);
      },
      (e: unknown) => {
        if (pending.delete(entry)) reject(unavailable(backend, op, e));
      },
    );
  });
}

/** Read the common options of a networked store. */
export function readOptions(options: unknown): Record<string, unknown> {
  return options === undefined ? {} : aobject(options, 'options');
}

/** Assert a client object exposing the named methods (structural: any compatible driver works). */
export function aclient<T>(client: unknown, name: string, methods: readonly string[]): T {
  if (typeof client !== 'object' || client === null) fail('INVALID_INPUT', `${name}: expected a client object, got ${typeName(client)}`, { field: name });
  for (const m of methods)
    if (typeof (client as Record<string, unknown>)[m] !== 'function')
      fail('INVALID_INPUT', `${name}: the client has no ${m}() method`, { field: name });
  return client as T;
}
