/**
 * Secret bytes that cannot leak by accident (SPEC 3.3, DESIGN 5): they redact themselves in
 * `toString`, `toJSON`, template strings and Node's `util.inspect`, hand out their bytes only
 * through an explicit `expose()` call, and are zeroed by `dispose()`.
 * @module
 */
import { isBytes } from './_utils.js';
import { fail } from './errors.js';

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/**
 * A holder for secret bytes (a key, a seed, a mnemonic in UTF-8).
 * @example
 * const s = SecretBytes.from(randomBytes(32));
 * try { useKey(s.expose()) } finally { s.dispose() }
 */
export class SecretBytes {
  #bytes: Uint8Array;
  #disposed = false;

  private constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  /**
   * Take ownership of `bytes` (no copy: the caller must not keep using them; `dispose()` zeroes
   * this very buffer).
   */
  static from(bytes: Uint8Array): SecretBytes {
    if (!isBytes(bytes)) fail('INVALID_INPUT', 'SecretBytes.from: expected Uint8Array');
    return new SecretBytes(bytes);
  }

  /** Copy `bytes` into a new holder; the caller keeps (and should zero) its own buffer. */
  static copy(bytes: Uint8Array): SecretBytes {
    if (!isBytes(bytes)) fail('INVALID_INPUT', 'SecretBytes.copy: expected Uint8Array');
    return new SecretBytes(Uint8Array.from(bytes));
  }

  /** Length in bytes (not secret). */
  get length(): number {
    return this.#bytes.length;
  }

  /** True once `dispose()` ran. */
  get disposed(): boolean {
    return this.#disposed;
  }

  /**
   * The live secret buffer. Do not store it, log it or send it anywhere; it is zeroed on dispose.
   * Throws `VAULT_LOCKED` after dispose, so a use-after-zero is an error, not a zero key.
   */
  expose(): Uint8Array {
    if (this.#disposed) fail('VAULT_LOCKED', 'secret was disposed (zeroed) and can no longer be used');
    return this.#bytes;
  }

  /** Decode the secret as UTF-8 text (for a mnemonic). The returned string cannot be zeroed. */
  exposeText(): string {
    return new TextDecoder('utf-8', { fatal: true }).decode(this.expose());
  }

  /** Zero the bytes. Idempotent. */
  dispose(): void {
    this.#bytes.fill(0);
    this.#disposed = true;
  }

  toString(): string {
    return `SecretBytes(<redacted ${this.#bytes.length} bytes>)`;
  }
  toJSON(): string {
    return '<redacted>';
  }
  [INSPECT](): string {
    return this.toString();
  }
  get [Symbol.toStringTag](): string {
    return 'SecretBytes';
  }
}
