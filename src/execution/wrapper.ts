/**
 * Key wrappers (DESIGN 9, SPEC 10.1): the server-side seam that protects a grant's data key
 * at rest. A wrapper is a KMS/HSM (AWS KMS, Vault Transit, PKCS#11) or the built-in
 * `LocalKeyWrapper`, AES-256-GCM under keys from an environment variable. The context bytes are
 * authenticated (AAD or the KMS's encryption context): a wrapped key only unwraps for the grant it
 * was made for.
 * @module
 */
import { decodeBase64, decodeBase64url } from '../_encoding.js';
import { base64urlnopad } from '@scure/base';
import { aoptions } from '../_options.js';
import { abytes, aobject, concatBytes, equalBytes, lp, typeName, zero } from '../_utils.js';
import { randomBytes, randomPublicBytes } from '../_random.js';
import { fail } from '../errors.js';
import { aesGcmDecrypt, aesGcmEncrypt, GCM_IV_LENGTH, GCM_TAG_LENGTH } from '../primitives/aead.js';
import { assertStrongKey, KEY_HELP } from '../primitives/keys.js';
import { SecretBytes } from '../secret.js';

/** A wrapped data key as stored in a grant: which wrapper and key version made it, and the opaque bytes. */
export interface WrappedKey {
  /** The wrapper's id (`local`, `aws-kms:<key arn>`...): `[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}`. */
  readonly wrapper: string;
  /** The key version that wrapped it: `[A-Za-z0-9][A-Za-z0-9._-]{0,63}`. */
  readonly version: string;
  /** Opaque wrapped bytes, base64url without padding, at most 4096 characters. */
  readonly data: string;
}

/**
 * The key-wrapper interface. Implementations must authenticate `context` (never ignore it), wrap
 * with their newest version, unwrap any version they still hold, and throw `UNWRAP_FAILED` for
 * every failure to unwrap (unknown version, tampering, other context) with one generic message.
 */
export interface KeyWrapper {
  readonly id: string;
  /** The version `wrap` uses. */
  readonly currentVersion: string;
  wrap(key: Uint8Array, context: Uint8Array): Promise<WrappedKey>;
  /** The caller disposes the returned key. */
  unwrap(wrapped: WrappedKey, context: Uint8Array): Promise<SecretBytes>;
}

const WRAPPER_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;
const VERSION_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const MAX_WRAPPED_DATA = 4096;

/** Validate the stored shape of a wrapped key (not its cryptographic validity). INVALID_INPUT on failure. */
export function assertWrappedKey(value: unknown, name = 'wrappedKey'): WrappedKey {
  const w = aobject(value, name);
  for (const k of Object.keys(w))
    if (k !== 'wrapper' && k !== 'version' && k !== 'data') fail('INVALID_INPUT', `${name}: unknown field`, { field: `${name}.${k}` });
  if (typeof w['wrapper'] !== 'string' || !WRAPPER_ID_RE.test(w['wrapper']))
    fail('INVALID_INPUT', `${name}.wrapper: expected a wrapper id`, { field: `${name}.wrapper` });
  if (typeof w['version'] !== 'string' || !VERSION_RE.test(w['version']))
    fail('INVALID_INPUT', `${name}.version: expected a key version`, { field: `${name}.version` });
  const data = w['data'];
  if (typeof data !== 'string' || data.length === 0 || data.length > MAX_WRAPPED_DATA || !/^[A-Za-z0-9_-]+$/.test(data))
    fail('INVALID_INPUT', `${name}.data: expected base64url text (no padding), at most ${MAX_WRAPPED_DATA} characters`, {
      field: `${name}.data`,
    });
  return Object.freeze({ wrapper: w['wrapper'], version: w['version'], data });
}

/** Name of the environment variable `LocalKeyWrapper.fromEnv` reads by default. */
export const LOCAL_WRAPPER_ENV = 'AGENTVAULT_KEK';
/** Id of the built-in wrapper. */
export const LOCAL_WRAPPER_ID = 'local';
/** SPEC 10.1.2: domain label in the local wrapper's AAD. */
export { LABEL_LOCAL_WRAP } from '../primitives/labels.js';
import { LABEL_LOCAL_WRAP } from '../primitives/labels.js';
const LOCAL_VERSION_RE = /^v([1-9][0-9]{0,8})$/;
const LOCAL_WRAPPED_LENGTH = GCM_IV_LENGTH + 32 + GCM_TAG_LENGTH;

/** Options of `LocalKeyWrapper`: key versions `v1`, `v2`, ... each 32 random bytes. */
export interface LocalKeyWrapperOptions {
  /** Version label (`v<n>`, n >= 1) -> 32-byte key. The highest `n` wraps; all unwrap. */
  readonly keys: Readonly<Record<string, Uint8Array>>;
  /** Where the keys came from, for error messages (e.g. the environment variable). Default `key wrapper`. */
  readonly source?: string;
}

/**
 * The built-in key wrapper: AES-256-GCM (random 96-bit IV) under key-encryption keys (KEKs) held
 * in process memory, several versions for rotation (SPEC 10.1.2).
 *
 * Wrapped bytes: iv (12) || ciphertext (32) || tag (16). AAD:
 * `lp("agentvault/v1/local-wrap") || lp("local") || lp(version) || lp(context)`.
 * A random IV under one KEK is safe for 2^32 wraps; rotate long before that.
 *
 * No default key, in any mode: a missing, short or non-random key is a startup error (`WEAK_KEY`).
 * @example
 * // AGENTVAULT_KEK="v1:<base64 32 bytes>,v2:<base64 32 bytes>"  (openssl rand -base64 32)
 * const wrapper = LocalKeyWrapper.fromEnv();
 */
export class LocalKeyWrapper implements KeyWrapper {
  readonly id: string = LOCAL_WRAPPER_ID;
  readonly currentVersion: string;
  readonly #keys: Map<string, Uint8Array>;

  constructor(options: LocalKeyWrapperOptions) {
    if (typeof options !== 'object' || options === null) fail('WEAK_KEY', `key wrapper: no keys configured; ${KEY_HELP}`);
    aoptions(options, 'options', ['keys', 'source']);
    const src = typeof options.source === 'string' && options.source.length <= 64 ? options.source : 'key wrapper';
    const keys = options.keys;
    if (typeof keys !== 'object' || keys === null || Object.keys(keys).length === 0)
      fail('WEAK_KEY', `${src}: no keys configured; ${KEY_HELP}`, { field: 'keys' });
    this.#keys = new Map();
    let newest = 0;
    for (const [version, key] of Object.entries(keys)) {
      const m = LOCAL_VERSION_RE.exec(version);
      if (m === null) fail('INVALID_INPUT', `${src}: version labels are v1, v2, ... (got an invalid label)`, { field: 'keys' });
      const k = assertStrongKey(key, `${src} ${version}`);
      for (const other of this.#keys.values())
        if (equalBytes(other, k)) fail('WEAK_KEY', `${src} ${version}: same key as another version; ${KEY_HELP}`, { field: 'keys' });
      this.#keys.set(version, Uint8Array.from(k));
      newest = Math.max(newest, Number(m[1]));
    }
    this.currentVersion = `v${newest}`;
    Object.freeze(this);
  }

  /**
   * Read keys from an environment variable (default `AGENTVAULT_KEK`): comma-separated
   * `v<n>:<standard base64 of 32 bytes>` entries, spaces around entries ignored, for example
   * `v1:3q2+7w...=,v2:ZmFrZ...=`. Missing, empty, malformed or weak -> `WEAK_KEY`, with the
   * command that makes a proper key.
   */
  static fromEnv(env: Readonly<Record<string, string | undefined>> = defaultEnv(), name: string = LOCAL_WRAPPER_ENV): LocalKeyWrapper {
    if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(name))
      fail('INVALID_INPUT', 'name: expected an environment variable name', { field: 'name' });
    const raw = typeof env === 'object' && env !== null ? env[name] : undefined;
    if (typeof raw !== 'string' || raw.trim() === '')
      fail('WEAK_KEY', `${name} is not set: set it to "v1:<base64 32 bytes>"; ${KEY_HELP}`, { field: name });
    const keys: Record<string, Uint8Array> = {};
    for (const [i, part] of raw.split(',').entries()) {
      const entry = part.trim();
      const colon = entry.indexOf(':');
      const version = colon < 0 ? '' : entry.slice(0, colon);
      const b64 = colon < 0 ? '' : entry.slice(colon + 1);
      if (!LOCAL_VERSION_RE.test(version))
        fail('WEAK_KEY', `${name}: entry ${i + 1} must look like "v1:<base64 32 bytes>"; ${KEY_HELP}`, { field: name });
      if (Object.hasOwn(keys, version)) fail('WEAK_KEY', `${name}: version ${version} appears twice; ${KEY_HELP}`, { field: name });
      let bytes: Uint8Array;
      try {
        // SPEC 3.7: canonical padded base64 only (explicit rule, not a decoder accident).
        bytes = decodeBase64(b64, { field: name });
      } catch {
        return fail('WEAK_KEY', `${name} ${version}: not standard base64; ${KEY_HELP}`, { field: name });
      }
      keys[version] = bytes;
    }
    try {
      return new LocalKeyWrapper({ keys, source: name });
    } finally {
      for (const k of Object.values(keys)) zero(k);
    }
  }

  /** The versions this wrapper can unwrap. */
  get versions(): readonly string[] {
    return Object.freeze([...this.#keys.keys()]);
  }

  #aad(version: string, context: Uint8Array): Uint8Array {
    return concatBytes(lp(LABEL_LOCAL_WRAP), lp(this.id), lp(version), lp(context));
  }

  async wrap(key: Uint8Array, context: Uint8Array): Promise<WrappedKey> {
    abytes(key, 'key', 32);
    abytes(context, 'context');
    const kek = this.#keys.get(this.currentVersion)!;
    const iv = randomPublicBytes(GCM_IV_LENGTH);
    const sealed = aesGcmEncrypt(kek, iv, key, this.#aad(this.currentVersion, context));
    return Object.freeze({ wrapper: this.id, version: this.currentVersion, data: base64urlnopad.encode(concatBytes(iv, sealed)) });
  }

  async unwrap(wrapped: WrappedKey, context: Uint8Array): Promise<SecretBytes> {
    const w = assertWrappedKey(wrapped);
    abytes(context, 'context');
    const refuse = (): never => fail('UNWRAP_FAILED', 'the data key could not be unwrapped for this context', { wrapper: this.id });
    if (w.wrapper !== this.id) refuse();
    const kek = this.#keys.get(w.version);
    if (kek === undefined) return refuse();
    let bytes: Uint8Array;
    try {
      // SPEC 3.7: canonical base64url only; every refusal is the one generic UNWRAP_FAILED.
      bytes = decodeBase64url(w.data, { field: 'wrapped.data' });
    } catch {
      return refuse();
    }
    if (bytes.length !== LOCAL_WRAPPED_LENGTH) refuse();
    try {
      return SecretBytes.from(aesGcmDecrypt(kek, bytes.subarray(0, GCM_IV_LENGTH), bytes.subarray(GCM_IV_LENGTH), this.#aad(w.version, context)));
    } catch {
      return refuse();
    }
  }

  toString(): string {
    return `LocalKeyWrapper(<redacted ${this.#keys.size} keys>)`;
  }
  toJSON(): string {
    return '<redacted>';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

function defaultEnv(): Readonly<Record<string, string | undefined>> {
  const p = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return p?.env ?? {};
}

/** @internal Validate a KeyWrapper-shaped argument. */
export function aKeyWrapper(value: unknown, name = 'wrapper'): KeyWrapper {
  const w = value as KeyWrapper | null | undefined;
  if (
    typeof w !== 'object' ||
    w === null ||
    typeof w.wrap !== 'function' ||
    typeof w.unwrap !== 'function' ||
    typeof w.id !== 'string' ||
    !WRAPPER_ID_RE.test(w.id) ||
    typeof w.currentVersion !== 'string'
  )
    fail('INVALID_INPUT', `${name}: expected a KeyWrapper (id, currentVersion, wrap, unwrap), got ${typeName(value)}`, { field: name });
  return w;
}

/**
 * Unwrap with `from` and wrap again with `to` (default: the same wrapper's current version). Used
 * by `rewrapGrant`; exposed for apps that store wrapped keys of their own.
 */
export async function rewrapKey(wrapped: WrappedKey, context: Uint8Array, from: KeyWrapper, to: KeyWrapper = from): Promise<WrappedKey> {
  const src = aKeyWrapper(from, 'from');
  const dst = aKeyWrapper(to, 'to');
  const key = await src.unwrap(assertWrappedKey(wrapped), abytes(context, 'context'));
  try {
    return assertWrappedKey(await dst.wrap(key.expose(), context), 'wrapped (from the wrapper)');
  } finally {
    key.dispose();
  }
}
