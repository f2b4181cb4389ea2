/**
 * The key-wrapper conformance suite (SPEC 10.1.5), framework-agnostic: an app runs it against its
 * own AWS KMS, Google Cloud KMS, Vault Transit or PKCS#11 adapter, inside whatever test runner it
 * uses. The library runs the same suite over `LocalKeyWrapper` and `Pkcs11KeyWrapper`.
 * @module
 */
import { base64urlnopad } from '@scure/base';
import { aoptions } from '../_options.js';
import { AgentvaultError } from '../errors.js';
import { SecretBytes } from '../secret.js';
import { rewrapKey, type KeyWrapper, type WrappedKey } from '../execution/wrapper.js';

/** Thrown by `checkKeyWrapper` on the first violation; `check` names it. Never carries key bytes. */
export class KeyWrapperConformanceError extends Error {
  readonly check: string;
  constructor(check: string, message: string) {
    super(`key wrapper conformance: ${check}: ${message}`);
    this.name = 'KeyWrapperConformanceError';
    this.check = check;
  }
}

/** Options of `checkKeyWrapper`. */
export interface CheckKeyWrapperOptions {
  /** Parallel wrap + unwrap round trips in the concurrency check; default 32, at most 1024. */
  readonly concurrency?: number;
  /**
   * A wrapper holding an older key version of the same key ring (same `id`, older
   * `currentVersion`): a key it wrapped must unwrap under the wrapper tested, and `rewrapKey`
   * must move it to the current version.
   */
  readonly previous?: KeyWrapper;
}

function check(ok: boolean, name: string, message: string): void {
  if (!ok) throw new KeyWrapperConformanceError(name, message);
}

async function outcome(p: Promise<SecretBytes>): Promise<{ code: string; message?: string }> {
  try {
    const r = await p;
    if (r instanceof SecretBytes) r.dispose();
    return { code: 'resolved' };
  } catch (e) {
    return e instanceof AgentvaultError ? { code: e.code, message: e.message } : { code: 'a non-library error' };
  }
}

function flip(data: string, byteIndex: number): string {
  const b = base64urlnopad.decode(data);
  const i = ((byteIndex % b.length) + b.length) % b.length;
  b[i]! ^= 0x01;
  return base64urlnopad.encode(b);
}

const equal = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

async function roundTrip(w: KeyWrapper, key: Uint8Array, ctx: Uint8Array, name: string): Promise<WrappedKey> {
  const wrapped = await w.wrap(key, ctx);
  const back = await w.unwrap(wrapped, ctx);
  check(back instanceof SecretBytes, name, 'unwrap must return SecretBytes');
  try {
    check(equal(back.expose(), key), name, 'unwrap(wrap(key)) is not key');
  } finally {
    back.dispose();
  }
  return wrapped;
}

/**
 * Run every conformance check against `wrapper`; resolves when all pass, rejects with
 * `KeyWrapperConformanceError` on the first violation. Checks: round trip (SecretBytes, key not
 * mutated, `wrapper`/`version` fields, stored shape), wrong context (one bit, empty, one byte
 * longer) -> `UNWRAP_FAILED`, wrong or unknown version -> `UNWRAP_FAILED`, another wrapper id ->
 * `UNWRAP_FAILED`, tampered blob (a bit flipped in the first, middle and last byte, truncated,
 * extended) -> `UNWRAP_FAILED`, randomized wrapping, concurrent round trips, and with `previous`:
 * old versions unwrap and rewrap to the current one.
 * @example
 * import { checkKeyWrapper } from 'agentvault/testing';
 * it('my KMS adapter conforms', () => checkKeyWrapper(new MyKmsWrapper(...)), 60_000);
 */
export async function checkKeyWrapper(wrapper: KeyWrapper, options: CheckKeyWrapperOptions = {}): Promise<void> {
  const w = wrapper;
  aoptions(options, 'options', ['concurrency', 'previous']);
  const n = options.concurrency ?? 32;
  check(Number.isSafeInteger(n) && n >= 1 && n <= 1024, 'options', 'concurrency must be an integer in [1, 1024]');
  check(typeof w.id === 'string' && typeof w.currentVersion === 'string', 'shape', 'id and currentVersion must be strings');

  const key = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);
  const keyCopy = Uint8Array.from(key);
  const ctx = new TextEncoder().encode('agentvault conformance context');
  const wrapped = await roundTrip(w, key, ctx, 'round trip');
  check(equal(key, keyCopy), 'round trip', 'wrap mutated the key');
  check(wrapped.wrapper === w.id, 'round trip', 'wrapped.wrapper must be the wrapper id');
  check(wrapped.version === w.currentVersion, 'round trip', 'wrap must use the current version');
  check(typeof wrapped.data === 'string' && /^[A-Za-z0-9_-]{1,4096}$/.test(wrapped.data), 'round trip', 'data must be base64url, at most 4096 characters');

  // SPEC 10.1.1: every refusal has one generic message, so a failure tells nothing about why
  // (no version, tag or format oracle). Collected here and compared at the end.
  const messages = new Set<string>();
  const refused = async (name: string, wk: WrappedKey, c: Uint8Array) => {
    const got = await outcome(w.unwrap(wk, c));
    check(got.code === 'UNWRAP_FAILED', name, `expected UNWRAP_FAILED, got ${got.code}`);
    messages.add(got.message ?? '');
  };
  const ctxFlip = Uint8Array.from(ctx);
  ctxFlip[5]! ^= 0x01;
  await refused('wrong context (one bit)', wrapped, ctxFlip);
  await refused('wrong context (empty)', wrapped, new Uint8Array(0));
  await refused('wrong context (one byte longer)', wrapped, Uint8Array.of(...ctx, 0));
  await refused('wrong version (unknown)', { ...wrapped, version: `${wrapped.version}x` }, ctx);
  await refused('another wrapper id', { ...wrapped, wrapper: `${w.id}x` }, ctx);
  const len = base64urlnopad.decode(wrapped.data).length;
  for (const [name, i] of [['first', 0], ['middle', len >> 1], ['last', len - 1]] as const)
    await refused(`tampered blob (${name} byte)`, { ...wrapped, data: flip(wrapped.data, i) }, ctx);
  const raw = base64urlnopad.decode(wrapped.data);
  await refused('tampered blob (truncated)', { ...wrapped, data: base64urlnopad.encode(raw.subarray(0, raw.length - 1)) }, ctx);
  await refused('tampered blob (extended)', { ...wrapped, data: base64urlnopad.encode(Uint8Array.of(...raw, 0)) }, ctx);
  check((await w.wrap(key, ctx)).data !== wrapped.data, 'randomized', 'wrapping the same key twice must give different data');

  // Binary contexts (the wrap context of SPEC 10.2.3 is bytes, not text): an adapter that passes
  // the context as a UTF-8 string (invalid bytes collapse into U+FFFD) or as a C string (cut at
  // NUL) binds less than the context. Every byte value must round trip and count.
  const allBytes = Uint8Array.from({ length: 256 }, (_, i) => i);
  await roundTrip(w, key, allBytes, 'binary context (all byte values)');
  const invalidUtf8 = Uint8Array.of(0x61, 0xff, 0x62);
  const wrappedBinary = await w.wrap(key, invalidUtf8);
  await refused('wrong context (another invalid UTF-8 byte)', wrappedBinary, Uint8Array.of(0x61, 0xfe, 0x62));
  const withNul = Uint8Array.of(0x61, 0x00, 0x62);
  const wrappedNul = await w.wrap(key, withNul);
  await refused('wrong context (cut at NUL)', wrappedNul, Uint8Array.of(0x61));
  await refused('wrong context (other bytes after NUL)', wrappedNul, Uint8Array.of(0x61, 0x00, 0x63));

  // Concurrency: distinct keys and contexts in flight at once; each must come back to its own.
  const jobs = Array.from({ length: n }, (_, j) => {
    const k = Uint8Array.from({ length: 32 }, (_, i) => (i * 7 + j) & 0xff);
    const c = new TextEncoder().encode(`conformance context ${j}`);
    return roundTrip(w, k, c, `concurrency (${n} parallel round trips)`);
  });
  await Promise.all(jobs);

  check(messages.size === 1, 'one generic refusal', 'every failure to unwrap must throw UNWRAP_FAILED with one generic message (SPEC 10.1.1)');

  if (options.previous !== undefined) {
    const p = options.previous;
    check(p.id === w.id, 'previous version', 'previous must be the same wrapper id');
    check(p.currentVersion !== w.currentVersion, 'previous version', 'previous must wrap with an older version');
    const old = await p.wrap(key, ctx);
    const back = await w.unwrap(old, ctx);
    try {
      check(equal(back.expose(), key), 'previous version', 'a key wrapped under an older version must still unwrap');
    } finally {
      back.dispose();
    }
    await refused('wrong version (older label on newer data)', { ...wrapped, version: old.version }, ctx);
    const moved = await rewrapKey(old, ctx, w);
    check(moved.version === w.currentVersion, 'rewrap', 'rewrapKey must move the key to the current version');
    const again = await w.unwrap(moved, ctx);
    try {
      check(equal(again.expose(), key), 'rewrap', 'rewrapped key differs');
    } finally {
      again.dispose();
    }
    await refused('rewrap keeps the context', moved, ctxFlip);
  }
}
