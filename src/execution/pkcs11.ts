/**
 * `agentvault/execution/pkcs11`: a `KeyWrapper` over a PKCS#11 token (HSM, SoftHSM2, cloud HSM with
 * a PKCS#11 library), SPEC 10.1.4. The key-encryption keys are AES-256 secret keys that live in the
 * token, sensitive and non-extractable: the process never sees them. Wrapping is AES-256-GCM via
 * `C_EncryptInit`/`C_Encrypt` with a fresh random 96-bit IV and the wrap context bound as AAD.
 *
 * Wrapped bytes: iv (12) || ciphertext (32) || tag (16), base64url. AAD:
 * `lp("agentvault/v1/pkcs11-wrap") || lp(id) || lp(version) || lp(context)`, the local wrapper's
 * layout with its own label, so a blob never moves between wrappers, ids, versions or contexts.
 *
 * `pkcs11js` (2.x) is an optional peer dependency: the app loads the library, opens and logs in a
 * session, and passes them in; this module imports only its types. PKCS#11 session calls are
 * synchronous here (`C_EncryptInit` and `C_Encrypt` run in the same turn), so concurrent wraps on one
 * session never interleave their operations.
 * @module
 */
import type { PKCS11 } from 'pkcs11js';
import { base64urlnopad } from '@scure/base';
import { aoptions } from '../_options.js';
import { abytes, concatBytes, lp, typeName, zero } from '../_utils.js';
import { randomBytes, randomPublicBytes } from '../_random.js';
import { AgentvaultError, fail } from '../errors.js';
import { SecretBytes } from '../secret.js';
import { assertWrappedKey, type KeyWrapper, type WrappedKey } from './wrapper.js';

/** A PKCS#11 session or object handle as pkcs11js represents it. */
export type Pkcs11Handle = Buffer;

/** SPEC 10.1.4: domain label in the PKCS#11 wrapper's AAD. */
export const LABEL_PKCS11_WRAP = 'agentvault/v1/pkcs11-wrap';

// PKCS#11 v2.40 constants (fixed by the standard; test/execution/pkcs11.test.ts checks them
// against pkcs11js's own table).
const CKA_CLASS = 0x0;
const CKA_TOKEN = 0x1;
const CKA_LABEL = 0x3;
const CKA_KEY_TYPE = 0x100;
const CKA_SENSITIVE = 0x103;
const CKA_ENCRYPT = 0x104;
const CKA_DECRYPT = 0x105;
const CKA_VALUE_LEN = 0x161;
const CKA_EXTRACTABLE = 0x162;
const CKA_NEVER_EXTRACTABLE = 0x164;
const CKA_ALWAYS_SENSITIVE = 0x165;
const CKO_SECRET_KEY = 0x4;
const CKK_AES = 0x1f;
const CKM_AES_KEY_GEN = 0x1080;
const CKM_AES_GCM = 0x1087;
/** pkcs11js's tag for a CK_GCM_PARAMS structure. */
const CK_PARAMS_AES_GCM = 3;
/** @internal Exposed for the constants test only. */
export const _PKCS11_CONSTANTS = Object.freeze({
  CKA_CLASS, CKA_TOKEN, CKA_LABEL, CKA_KEY_TYPE, CKA_SENSITIVE, CKA_ENCRYPT, CKA_DECRYPT, CKA_VALUE_LEN, CKA_EXTRACTABLE,
  CKA_NEVER_EXTRACTABLE, CKA_ALWAYS_SENSITIVE, CKO_SECRET_KEY, CKK_AES, CKM_AES_KEY_GEN, CKM_AES_GCM, CK_PARAMS_AES_GCM,
});

const IV_LENGTH = 12;
const TAG_LENGTH = 16;
const KEY_LENGTH = 32;
const WRAPPED_LENGTH = IV_LENGTH + KEY_LENGTH + TAG_LENGTH;
const VERSION_RE = /^v([1-9][0-9]{0,8})$/;
const ID_RE = /^pkcs11:[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const LABEL_RE = /^[\x20-\x7e]{1,64}$/;

/** Options of `Pkcs11KeyWrapper`. */
export interface Pkcs11KeyWrapperOptions {
  /** A loaded, initialized pkcs11js `PKCS11` instance. */
  readonly pkcs11: PKCS11;
  /** An open session, logged in as the user (`C_Login(session, CKU_USER, pin)`). */
  readonly session: Pkcs11Handle;
  /** Version (`v1`, `v2`, ...) -> CKA_LABEL of the AES-256 key in the token. The highest version wraps; all unwrap. */
  readonly keys: Readonly<Record<string, string>>;
  /** Wrapper id stored with every wrapped key: `pkcs11:<name>`; default `pkcs11:default`. Part of the AAD. */
  readonly id?: string;
  /**
   * Accept keys that were not generated in the token as sensitive and non-extractable
   * (`CKA_ALWAYS_SENSITIVE` or `CKA_NEVER_EXTRACTABLE` false): keys imported with `C_CreateObject`
   * (their value was known outside) or unwrapped from another HSM. Default false (SPEC 10.1.4).
   */
  readonly allowImportedKeys?: boolean;
}

interface TokenKey {
  readonly handle: Pkcs11Handle;
}

function findKey(p: PKCS11, session: Pkcs11Handle, label: string, version: string, allowImported: boolean): TokenKey {
  p.C_FindObjectsInit(session, [
    { type: CKA_CLASS, value: CKO_SECRET_KEY },
    { type: CKA_KEY_TYPE, value: CKK_AES },
    { type: CKA_LABEL, value: label },
  ]);
  let found: Pkcs11Handle[];
  try {
    found = p.C_FindObjects(session, 2);
  } finally {
    p.C_FindObjectsFinal(session);
  }
  if (found.length !== 1)
    fail('INVALID_INPUT', `keys.${version}: ${found.length === 0 ? 'no' : 'more than one'} AES key with this label in the token`, {
      field: `keys.${version}`,
    });
  const handle = found[0]!;
  const attrs = p.C_GetAttributeValue(session, handle, [
    { type: CKA_SENSITIVE },
    { type: CKA_EXTRACTABLE },
    { type: CKA_ENCRYPT },
    { type: CKA_DECRYPT },
    { type: CKA_VALUE_LEN },
    { type: CKA_ALWAYS_SENSITIVE },
    { type: CKA_NEVER_EXTRACTABLE },
  ]);
  const flag = (i: number) => {
    const v = attrs[i]?.value;
    return Buffer.isBuffer(v) ? v.length > 0 && v[0] !== 0 : v === true;
  };
  const valueLen = attrs[4]?.value;
  const len = Buffer.isBuffer(valueLen) ? valueLen.readUIntLE(0, Math.min(valueLen.length, 6)) : valueLen;
  // SPEC 10.1.4: a key the token would hand out is not an HSM key. Refuse at startup, not at use.
  if (!flag(0) || flag(1))
    fail('WEAK_KEY', `keys.${version}: the token key must be CKA_SENSITIVE and not CKA_EXTRACTABLE`, { field: `keys.${version}` });
  if (!flag(2) || !flag(3))
    fail('INVALID_INPUT', `keys.${version}: the token key must allow CKA_ENCRYPT and CKA_DECRYPT`, { field: `keys.${version}` });
  if (len !== KEY_LENGTH) fail('WEAK_KEY', `keys.${version}: expected an AES-256 key`, { field: `keys.${version}` });
  // Sensitive and non-extractable *now* is not enough: a key created with C_CreateObject from a
  // value the app held (or once extractable) passes those checks, and its value exists outside the
  // token. Only a key that was always sensitive and never extractable was born in the token.
  if (!allowImported && (!flag(5) || !flag(6)))
    fail('WEAK_KEY', `keys.${version}: the token key was not generated in the token as sensitive and non-extractable (CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE); pass allowImportedKeys to accept it`, {
      field: `keys.${version}`,
      reason: 'imported-key',
    });
  return { handle };
}

/**
 * A key wrapper whose keys never leave a PKCS#11 token (SPEC 10.1.4). Construction looks every
 * version's key up by label and refuses a missing, duplicate, extractable, non-sensitive or
 * non-256-bit key. Rotation: generate a new key in the token (`generatePkcs11WrapKey`), add it as
 * the next version, and move stored keys with `rewrapKey`/`rewrapGrant`.
 * @example
 * const p = new pkcs11js.PKCS11(); p.load('/usr/lib/softhsm/libsofthsm2.so'); p.C_Initialize();
 * const session = p.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
 * p.C_Login(session, pkcs11js.CKU_USER, process.env.HSM_PIN!);
 * const wrapper = new Pkcs11KeyWrapper({ pkcs11: p, session, keys: { v1: 'agentvault-kek-1' } });
 */
export class Pkcs11KeyWrapper implements KeyWrapper {
  readonly id: string;
  readonly currentVersion: string;
  readonly #p: PKCS11;
  readonly #session: Pkcs11Handle;
  readonly #keys: Map<string, TokenKey>;

  constructor(options: Pkcs11KeyWrapperOptions) {
    const o = aoptions(options, 'options', ['pkcs11', 'session', 'keys', 'id', 'allowImportedKeys']);
    if (o['allowImportedKeys'] !== undefined && typeof o['allowImportedKeys'] !== 'boolean')
      fail('INVALID_INPUT', 'options.allowImportedKeys: expected a boolean', { field: 'options.allowImportedKeys' });
    const allowImported = o['allowImportedKeys'] === true;
    const p = o['pkcs11'] as PKCS11 | undefined;
    if (typeof p !== 'object' || p === null || typeof p.C_Encrypt !== 'function' || typeof p.C_FindObjectsInit !== 'function')
      fail('INVALID_INPUT', `options.pkcs11: expected a pkcs11js PKCS11 instance, got ${typeName(p)}`, { field: 'options.pkcs11' });
    const session = o['session'];
    if (!(session instanceof Uint8Array)) fail('INVALID_INPUT', 'options.session: expected a session handle', { field: 'options.session' });
    const id = o['id'] === undefined ? 'pkcs11:default' : o['id'];
    if (typeof id !== 'string' || !ID_RE.test(id)) fail('INVALID_INPUT', 'options.id: expected pkcs11:<name>', { field: 'options.id' });
    const keys = o['keys'];
    if (typeof keys !== 'object' || keys === null || Array.isArray(keys) || Object.keys(keys).length === 0)
      fail('WEAK_KEY', 'options.keys: no key versions configured', { field: 'options.keys' });
    this.id = id;
    this.#p = p;
    this.#session = session as Pkcs11Handle;
    this.#keys = new Map();
    let newest = 0;
    const labels = new Set<string>();
    for (const [version, label] of Object.entries(keys as Record<string, unknown>)) {
      const m = VERSION_RE.exec(version);
      if (m === null) fail('INVALID_INPUT', 'options.keys: version labels are v1, v2, ...', { field: 'options.keys' });
      if (typeof label !== 'string' || !LABEL_RE.test(label))
        fail('INVALID_INPUT', `options.keys.${version}: expected a printable CKA_LABEL of 1-64 characters`, { field: `options.keys.${version}` });
      // SPEC 10.1.4: one token key under two versions would make a rotation (rewrap to the new
      // version, then drop the old) move nothing off the old key.
      if (labels.has(label)) fail('INVALID_INPUT', `options.keys.${version}: this label is already used by another version`, { field: `options.keys.${version}` });
      labels.add(label);
      let key: TokenKey;
      try {
        key = findKey(p, this.#session, label, version, allowImported);
      } catch (e) {
        if (e instanceof AgentvaultError) throw e;
        // A token error (closed session, not logged in, removed token): typed, and without the
        // PKCS#11 return code or handle in the message (it stays the cause for the app's logs).
        throw new AgentvaultError('STORE_UNAVAILABLE', 'the PKCS#11 token could not be asked for the wrapping keys', { field: `options.keys.${version}`, reason: 'pkcs11-error' }, { cause: e });
      }
      this.#keys.set(version, key);
      newest = Math.max(newest, Number(m[1]));
    }
    this.currentVersion = `v${newest}`;
    Object.freeze(this);
  }

  /** The versions this wrapper can unwrap. */
  get versions(): readonly string[] {
    return Object.freeze([...this.#keys.keys()]);
  }

  #mechanism(iv: Uint8Array, version: string, context: Uint8Array) {
    const aad = concatBytes(lp(LABEL_PKCS11_WRAP), lp(this.id), lp(version), lp(context));
    return {
      mechanism: CKM_AES_GCM,
      parameter: { type: CK_PARAMS_AES_GCM, iv: Buffer.from(iv), aad: Buffer.from(aad), ivBits: IV_LENGTH * 8, tagBits: TAG_LENGTH * 8 },
    };
  }

  async wrap(key: Uint8Array, context: Uint8Array): Promise<WrappedKey> {
    abytes(key, 'key', KEY_LENGTH);
    abytes(context, 'context');
    const version = this.currentVersion;
    const kek = this.#keys.get(version)!;
    const iv = randomPublicBytes(IV_LENGTH);
    const input = Buffer.from(key);
    const out = Buffer.alloc(KEY_LENGTH + TAG_LENGTH + 16);
    try {
      // Same turn: no other wrap/unwrap can start an operation on this session in between.
      this.#p.C_EncryptInit(this.#session, this.#mechanism(iv, version, context), kek.handle);
      const sealed = this.#p.C_Encrypt(this.#session, input, out);
      if (sealed.length !== KEY_LENGTH + TAG_LENGTH) fail('UNWRAP_FAILED', 'the token returned an unexpected ciphertext length', { wrapper: this.id });
      return Object.freeze({ wrapper: this.id, version, data: base64urlnopad.encode(concatBytes(iv, sealed)) });
    } catch (e) {
      if (e instanceof AgentvaultError) throw e;
      // A token error message may name mechanisms and handles, never key bytes; keep it generic anyway.
      return fail('STORE_UNAVAILABLE', 'the PKCS#11 token refused to wrap', { wrapper: this.id, reason: 'pkcs11-error' });
    } finally {
      zero(input);
    }
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
      bytes = base64urlnopad.decode(w.data);
    } catch {
      return refuse();
    }
    if (bytes.length !== WRAPPED_LENGTH) refuse();
    const out = Buffer.alloc(KEY_LENGTH + TAG_LENGTH);
    let plain: Buffer | undefined;
    try {
      this.#p.C_DecryptInit(this.#session, this.#mechanism(bytes.subarray(0, IV_LENGTH), w.version, context), kek.handle);
      plain = this.#p.C_Decrypt(this.#session, Buffer.from(bytes.subarray(IV_LENGTH)), out);
      if (plain.length !== KEY_LENGTH) return refuse();
      return SecretBytes.from(Uint8Array.from(plain));
    } catch {
      // The token checks the GCM tag: another context, version or any tampering lands here.
      return refuse();
    } finally {
      zero(out);
    }
  }

  toString(): string {
    return `Pkcs11KeyWrapper(${this.id}, <${this.#keys.size} token keys>)`;
  }
  toJSON(): string {
    return this.toString();
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/**
 * Create an AES-256 key-encryption key inside the token for `Pkcs11KeyWrapper`: a token object
 * (CKA_TOKEN), CKA_SENSITIVE, not CKA_EXTRACTABLE, usable only to encrypt and decrypt. Refuses a
 * label that already names an AES key (so a rotation never shadows the old version). Returns its handle.
 * @example
 * generatePkcs11WrapKey(p, session, 'agentvault-kek-2'); // then keys: { v1: 'agentvault-kek-1', v2: 'agentvault-kek-2' }
 */
export function generatePkcs11WrapKey(pkcs11: PKCS11, session: Pkcs11Handle, label: string): Pkcs11Handle {
  if (typeof label !== 'string' || !LABEL_RE.test(label)) fail('INVALID_INPUT', 'label: expected a printable CKA_LABEL of 1-64 characters', { field: 'label' });
  pkcs11.C_FindObjectsInit(session, [
    { type: CKA_CLASS, value: CKO_SECRET_KEY },
    { type: CKA_KEY_TYPE, value: CKK_AES },
    { type: CKA_LABEL, value: label },
  ]);
  let existing: Pkcs11Handle[];
  try {
    existing = pkcs11.C_FindObjects(session, 1);
  } finally {
    pkcs11.C_FindObjectsFinal(session);
  }
  if (existing.length > 0) fail('INVALID_INPUT', 'label: an AES key with this label already exists in the token', { field: 'label' });
  return pkcs11.C_GenerateKey(session, { mechanism: CKM_AES_KEY_GEN }, [
    { type: CKA_CLASS, value: CKO_SECRET_KEY },
    { type: CKA_KEY_TYPE, value: CKK_AES },
    { type: CKA_LABEL, value: label },
    { type: CKA_TOKEN, value: true },
    { type: CKA_SENSITIVE, value: true },
    { type: CKA_EXTRACTABLE, value: false },
    { type: CKA_ENCRYPT, value: true },
    { type: CKA_DECRYPT, value: true },
    { type: CKA_VALUE_LEN, value: KEY_LENGTH },
  ]);
}
