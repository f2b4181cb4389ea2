/**
 * SLIP-0010 ed25519 derivation paths (DESIGN 8). Ed25519 has hardened derivation only, so every
 * segment must be marked hardened; a segment without the mark is an error, never silently
 * hardened (some libraries force-harden: that turns a typo into a different, valid-looking key).
 *
 * Grammar (docs/DERIVATION.md):
 *   path    = "m" *( "/" segment )
 *   segment = index ( "'" / "h" )
 *   index   = "0" / ( %x31-39 *DIGIT )        ; decimal, no leading zeros, < 2^31
 * At most 255 segments (BIP32 depth is one byte). Nothing else: no spaces, no "M", no empty
 * segment, no trailing "/".
 * @module
 */
import { astring } from '../_utils.js';
import { fail } from '../errors.js';

/** 2^31: indexes are below it; SLIP-0010 adds it to mark a hardened child. */
export const HARDENED_OFFSET = 0x80000000;
/** BIP32 depth is a single byte. */
export const MAX_PATH_DEPTH = 255;
const MAX_PATH_CHARS = MAX_PATH_DEPTH * 12 + 1;

/** A parsed path: canonical text (with `'`) and the segment indexes (without the hardened offset). */
export interface DerivationPath {
  readonly text: string;
  readonly indexes: readonly number[];
}

const SEGMENT = /^(0|[1-9][0-9]{0,9})(['h])$/;

/**
 * Parse and check a derivation path; every failure is INVALID_PATH with the 1-based segment
 * number in `details` (the path is not secret, but messages stay short).
 * @example
 * parseDerivationPath("m/44'/501'/0'/0'").indexes; // [44, 501, 0, 0]
 * parseDerivationPath("m/44h/501h").text;          // "m/44'/501'"
 */
export function parseDerivationPath(path: unknown): DerivationPath {
  const text = astring(path, 'path', MAX_PATH_CHARS);
  if (text !== 'm' && !text.startsWith('m/')) fail('INVALID_PATH', 'path: must start with "m/" (or be "m")', { field: 'path' });
  const parts = text === 'm' ? [] : text.slice(2).split('/');
  if (parts.length > MAX_PATH_DEPTH) fail('INVALID_PATH', `path: more than ${MAX_PATH_DEPTH} segments`, { field: 'path' });
  const indexes: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const segment = i + 1;
    if (part.length === 0) fail('INVALID_PATH', `path: segment ${segment} is empty`, { field: 'path', segment });
    if (/^[0-9]+$/.test(part))
      fail('INVALID_PATH', `path: segment ${segment} is not hardened; ed25519 (SLIP-0010) allows hardened segments only (add ')`, {
        field: 'path',
        segment,
      });
    const m = SEGMENT.exec(part);
    if (!m) fail('INVALID_PATH', `path: segment ${segment} is malformed (expected a decimal index without leading zeros, then ' or h)`, { field: 'path', segment });
    const index = Number(m[1]);
    if (index >= HARDENED_OFFSET) fail('INVALID_PATH', `path: segment ${segment} index must be below 2^31`, { field: 'path', segment });
    indexes.push(index);
  }
  return Object.freeze({ text: formatDerivationPath(indexes), indexes: Object.freeze(indexes) });
}

/**
 * Canonical text of a path of hardened `indexes` (each an integer in [0, 2^31)).
 * @example
 * formatDerivationPath([44, 501, 3, 0]); // "m/44'/501'/3'/0'"
 */
export function formatDerivationPath(indexes: readonly number[]): string {
  if (!Array.isArray(indexes)) fail('INVALID_INPUT', 'indexes: expected an array of integers', { field: 'indexes' });
  if (indexes.length > MAX_PATH_DEPTH) fail('INVALID_PATH', `path: more than ${MAX_PATH_DEPTH} segments`, { field: 'indexes' });
  let out = 'm';
  for (const i of indexes) {
    assertIndex(i, 'index');
    out += `/${i}'`;
  }
  return out;
}

/** @internal An account/change/segment index: an integer in [0, 2^31). */
export function assertIndex(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) fail('INVALID_INPUT', `${name}: expected an integer`, { field: name });
  if (value < 0 || value >= HARDENED_OFFSET) fail('INVALID_PATH', `${name}: must be in [0, 2^31)`, { field: name });
  return value;
}

/** The `?key=` part of a Solana CLI `prompt://` keypair URI. `change` is absent for `?key=i`. */
export interface SolanaCliKey {
  readonly account: number;
  readonly change?: number;
}

const CLI_INDEX = /^(0|[1-9][0-9]{0,9})'?$/;

/**
 * Parse a Solana CLI keypair URI of the form `prompt://?key=<account>[/<change>]` (each index
 * may carry a trailing `'`, as `solana-keygen` accepts). `?key=i/j` means m/44'/501'/i'/j' and
 * `?key=i` means m/44'/501'/i'. Anything else is INVALID_PATH: other schemes, `?full-path=`,
 * extra query fields, an empty key, leading zeros, indexes >= 2^31, a fragment or a host.
 * Plain `prompt://` (no query) is the `solana-cli` preset, not this one.
 * @example
 * parseSolanaCliKeyUri('prompt://?key=1/0'); // { account: 1, change: 0 }
 */
export function parseSolanaCliKeyUri(uri: unknown): SolanaCliKey {
  const text = astring(uri, 'uri', 64);
  const prefix = 'prompt://?key=';
  if (!text.startsWith(prefix)) fail('INVALID_PATH', 'uri: expected prompt://?key=<account>[/<change>]', { field: 'uri' });
  const parts = text.slice(prefix.length).split('/');
  if (parts.length > 2) fail('INVALID_PATH', 'uri: key takes at most two indexes (account/change)', { field: 'uri' });
  const nums = parts.map((p, i) => {
    const m = CLI_INDEX.exec(p);
    if (!m) fail('INVALID_PATH', `uri: key index ${i + 1} is malformed (decimal, no leading zeros)`, { field: 'uri' });
    const n = Number(m[1]);
    if (n >= HARDENED_OFFSET) fail('INVALID_PATH', `uri: key index ${i + 1} must be below 2^31`, { field: 'uri' });
    return n;
  });
  return Object.freeze(nums.length === 2 ? { account: nums[0]!, change: nums[1]! } : { account: nums[0]! });
}
