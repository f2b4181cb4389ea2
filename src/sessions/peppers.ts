/**
 * Session peppers (SPEC 12.1): the server-side half of every session key. A pepper is 32 random
 * bytes that never exist in plaintext at rest: it is stored wrapped by a `KeyWrapper` (the
 * built-in `LocalKeyWrapper` or a KMS), and every instance that holds the wrapper can load it.
 * Versions let the pepper rotate without logging anyone out: the newest version seals, every
 * loaded version opens (and the session is resealed under the newest on use).
 * @module
 */
import { aint, aobject, concatBytes, lp, u32be, zero } from '../_utils.js';
import { randomBytes } from '../_random.js';
import { fail } from '../errors.js';
import { aKeyWrapper, assertWrappedKey, type KeyWrapper, type WrappedKey } from '../execution/wrapper.js';
import { LABEL_SESSION_PEPPER } from '../primitives/labels.js';

/** Length of a pepper in bytes. */
export const SESSION_PEPPER_LENGTH = 32;
/** Highest pepper version (the record header's 32-bit key-version field). */
export const MAX_PEPPER_VERSION = 0xffffffff;

/** A stored pepper: its version and the key wrapper's output. Safe to keep in config or a table. */
export interface WrappedSessionPepper {
  readonly version: number;
  readonly wrapped: WrappedKey;
}

/** SPEC 12.1: the wrap context names the purpose and the version, so a wrapped pepper cannot be relabelled. */
function pepperContext(version: number): Uint8Array {
  return concatBytes(lp(LABEL_SESSION_PEPPER), u32be(version));
}

const INSPECT = Symbol.for('nodejs.util.inspect.custom');
const peppersOf = new WeakMap<SessionPeppers, Map<number, Uint8Array>>();

/**
 * The loaded pepper versions of this process. Only `loadSessionPeppers` makes one (and the
 * internal test constructor); the bytes live in a module-private map, never on the object.
 */
export class SessionPeppers {
  /** The version new sessions are sealed under (the highest loaded). */
  readonly current: number;
  /** Every loaded version, ascending. */
  readonly versions: readonly number[];

  /** @internal */
  constructor(entries: Map<number, Uint8Array>) {
    // SPEC 12.1: the class is reachable from the entry point, so the constructor checks what it is
    // given (32-byte peppers, versions 1 .. 2^32-1) and keeps its own copies: a short pepper would
    // remove the server half of every session key, and the caller's map must not add versions later.
    if (!(entries instanceof Map) || entries.size === 0) fail('WEAK_KEY', 'session peppers: none loaded');
    const map = new Map<number, Uint8Array>();
    for (const [v, b] of entries) {
      if (!Number.isSafeInteger(v) || v < 1 || v > MAX_PEPPER_VERSION || !(b instanceof Uint8Array) || b.length !== SESSION_PEPPER_LENGTH) {
        for (const x of map.values()) zero(x);
        fail('WEAK_KEY', `session peppers: each is ${SESSION_PEPPER_LENGTH} bytes under a version 1 .. ${MAX_PEPPER_VERSION}`);
      }
      map.set(v, Uint8Array.from(b));
    }
    const versions = [...map.keys()].sort((a, b) => a - b);
    this.current = versions[versions.length - 1]!;
    this.versions = Object.freeze(versions);
    peppersOf.set(this, map);
    Object.freeze(this);
  }

  /** Zero every pepper; the object is unusable afterwards. */
  dispose(): void {
    const m = peppersOf.get(this);
    if (m) for (const p of m.values()) zero(p);
    m?.clear();
  }

  toString(): string {
    return `SessionPeppers(<redacted; versions ${this.versions.join(',')}>)`;
  }
  toJSON(): string {
    return '<redacted>';
  }
  [INSPECT](): string {
    return this.toString();
  }
}

/** @internal The pepper of `version`, or undefined when it is not loaded (rotated out). */
export function _pepper(peppers: unknown, version: number): Uint8Array | undefined {
  const m = peppers instanceof SessionPeppers ? peppersOf.get(peppers) : undefined;
  if (m === undefined) return fail('INVALID_INPUT', 'peppers: expected SessionPeppers from loadSessionPeppers', { field: 'peppers' });
  if (m.size === 0) fail('VAULT_LOCKED', 'peppers: disposed');
  return m.get(version);
}

/** @internal Peppers from raw bytes (tests and vectors only; never exported from an entry). */
export function _sessionPeppersFromBytes(entries: Readonly<Record<number, Uint8Array>>): SessionPeppers {
  const m = new Map<number, Uint8Array>();
  for (const [v, b] of Object.entries(entries)) m.set(Number(v), Uint8Array.from(b));
  try {
    return new SessionPeppers(m);
  } finally {
    for (const p of m.values()) zero(p);
  }
}

/**
 * Make a new pepper version: 32 random bytes, wrapped by `wrapper`. Store the result (config,
 * a table) and give it to `loadSessionPeppers` on every instance. The plaintext is zeroed here.
 * @example
 * const v2 = await createSessionPepper(wrapper, 2); // then load [v1, v2]: v2 seals, v1 still opens
 */
export async function createSessionPepper(wrapper: KeyWrapper, version: number): Promise<WrappedSessionPepper> {
  const w = aKeyWrapper(wrapper);
  const v = aint(version, 'version', 1, MAX_PEPPER_VERSION);
  const pepper = randomBytes(SESSION_PEPPER_LENGTH);
  try {
    const wrapped = assertWrappedKey(await w.wrap(pepper, pepperContext(v)), 'wrapped (from the wrapper)');
    return Object.freeze({ version: v, wrapped });
  } finally {
    zero(pepper);
  }
}

/**
 * Unwrap the stored pepper versions. A version that does not unwrap (another wrapper, tampering,
 * a relabelled version) throws the wrapper's `UNWRAP_FAILED`: a misconfigured instance fails at
 * startup, not per request. To retire a version, stop passing it: its sessions then fail with
 * `SESSION_INVALID` (reason `pepper-retired`), and were resealed under a newer one if used since.
 * @example
 * const peppers = await loadSessionPeppers(wrapper, storedPeppers);
 */
export async function loadSessionPeppers(wrapper: KeyWrapper, stored: readonly WrappedSessionPepper[]): Promise<SessionPeppers> {
  const w = aKeyWrapper(wrapper);
  if (!Array.isArray(stored) || stored.length === 0 || stored.length > 64)
    fail('INVALID_INPUT', 'stored: expected 1 to 64 wrapped session peppers', { field: 'stored' });
  const m = new Map<number, Uint8Array>();
  try {
    for (const [i, entry] of stored.entries()) {
      const e = aobject(entry, `stored[${i}]`);
      for (const k of Object.keys(e)) if (k !== 'version' && k !== 'wrapped') fail('INVALID_INPUT', `stored[${i}]: unknown field`, { field: `stored[${i}].${k}` });
      const v = aint(e['version'], `stored[${i}].version`, 1, MAX_PEPPER_VERSION);
      if (m.has(v)) fail('INVALID_INPUT', `stored: version ${v} appears twice`, { field: 'stored' });
      const key = await w.unwrap(assertWrappedKey(e['wrapped'], `stored[${i}].wrapped`), pepperContext(v));
      try {
        if (key.length !== SESSION_PEPPER_LENGTH) fail('WEAK_KEY', `stored[${i}]: a session pepper is ${SESSION_PEPPER_LENGTH} bytes`);
        m.set(v, Uint8Array.from(key.expose()));
      } finally {
        key.dispose();
      }
    }
    return new SessionPeppers(m);
  } finally {
    // The constructor keeps its own copies.
    for (const p of m.values()) zero(p);
  }
}
