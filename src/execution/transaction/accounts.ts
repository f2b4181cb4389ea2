/**
 * Resolve the accounts of a decoded message (SPEC 10.4.6): the static keys, then the accounts a
 * v0 message loads from address lookup tables (every table's writable entries in table order, then
 * every table's read-only entries, as the runtime orders them).
 *
 * Trust assumption (SPEC 10.4.6): lookup-table contents come ONLY from the app (`lookupTables`,
 * fetched through its own RPC), never from whoever built the transaction (a swap API, a webhook).
 * Table entries are append-only on chain (an entry never changes once written; a table can only be
 * extended, deactivated and closed), so contents fetched once per table may be cached by address.
 * A table the message names and the app did not supply leaves its accounts `undefined`; a rule that
 * must inspect such an account refuses (`account-unresolved`). Supplied contents that do not cover
 * an index the message loads refuse the whole message (`lookup-table-mismatch`).
 * @module
 */
import { typeName } from '../../_utils.js';
import { fail } from '../../errors.js';
import { decodeAddress } from '../../primitives/address.js';
import type { DecodedTransactionMessage } from './decode.js';

/** Most entries a lookup table can hold (Agave `LOOKUP_TABLE_MAX_ADDRESSES`). */
export const LOOKUP_TABLE_MAX_ADDRESSES = 256;
/** Most tables one `lookupTables` option may carry. */
export const MAX_LOOKUP_TABLES = 64;

declare const lookupTablesBrand: unique symbol;
/** Validated lookup-table contents (table address -> its entries), frozen; only `aLookupTables` makes one. */
export type LookupTables = ReadonlyMap<string, readonly string[]> & { readonly [lookupTablesBrand]: true };

const EMPTY = Object.freeze(new Map()) as unknown as LookupTables;

/**
 * Validate the app's `lookupTables` option once, at the boundary: a plain object whose keys are
 * table addresses and whose values are arrays (at most 256) of base58 addresses. INVALID_INPUT
 * naming the field otherwise.
 */
export function aLookupTables(value: unknown, field = 'lookupTables'): LookupTables {
  if (value === undefined) return EMPTY;
  if (value instanceof Map) return aLookupTables(Object.fromEntries(value), field);
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail('INVALID_INPUT', `${field}: expected { [tableAddress]: string[] }, got ${typeName(value)}`, { field });
  const entries = Object.entries(value);
  if (entries.length > MAX_LOOKUP_TABLES) fail('INVALID_INPUT', `${field}: at most ${MAX_LOOKUP_TABLES} tables`, { field });
  const out = new Map<string, readonly string[]>();
  for (const [table, list] of entries) {
    try {
      decodeAddress(table, `${field} key`);
    } catch {
      fail('INVALID_INPUT', `${field}: a key is not a base58 table address`, { field });
    }
    if (!Array.isArray(list) || list.length > LOOKUP_TABLE_MAX_ADDRESSES)
      fail('INVALID_INPUT', `${field}[${table}]: expected an array of at most ${LOOKUP_TABLE_MAX_ADDRESSES} addresses`, { field: `${field}.${table}` });
    const entriesOut: string[] = [];
    for (let i = 0; i < list.length; i++) {
      const a: unknown = list[i];
      let ok = typeof a === 'string';
      if (ok) {
        try {
          decodeAddress(a as string, 'entry');
        } catch {
          ok = false;
        }
      }
      if (!ok) fail('INVALID_INPUT', `${field}[${table}][${i}]: expected a base58 address`, { field: `${field}.${table}` });
      entriesOut.push(a as string);
    }
    out.set(table, Object.freeze(entriesOut));
  }
  return Object.freeze(out) as unknown as LookupTables;
}

/** The message's accounts in runtime order, with their roles. */
export interface ResolvedAccounts {
  /** Every account the instructions can index: static, then loaded writable, then loaded read-only. `undefined`: not resolved. */
  readonly addresses: readonly (string | undefined)[];
  readonly writable: readonly boolean[];
  readonly signer: readonly boolean[];
  /** How many of `addresses` are static keys. */
  readonly staticCount: number;
}

/**
 * Stage 2 of the pipeline: resolve every account index. Throws SIGNING_REFUSED
 * (`lookup-table-mismatch`, rule `lookupTables`) when supplied contents do not cover an index.
 */
export function resolveAccounts(msg: DecodedTransactionMessage, tables: LookupTables): ResolvedAccounts {
  const { header, staticAccounts } = msg;
  const n = staticAccounts.length;
  const addresses: (string | undefined)[] = [...staticAccounts];
  const writable: boolean[] = [];
  const signer: boolean[] = [];
  for (let i = 0; i < n; i++) {
    const isSigner = i < header.numSignerAccounts;
    signer.push(isSigner);
    writable.push(isSigner ? i < header.numSignerAccounts - header.numReadonlySignerAccounts : i < n - header.numReadonlyNonSignerAccounts);
  }
  const load = (kind: 'writableIndexes' | 'readonlyIndexes') => {
    for (const l of msg.addressTableLookups) {
      const contents = tables.get(l.lookupTableAddress);
      for (const idx of l[kind]) {
        if (contents !== undefined && idx >= contents.length)
          fail('SIGNING_REFUSED', 'signer refused: the supplied lookup-table contents do not cover an index the message loads', {
            reason: 'lookup-table-mismatch',
            rule: 'lookupTables',
          });
        addresses.push(contents?.[idx]);
        writable.push(kind === 'writableIndexes');
        signer.push(false);
      }
    }
  };
  load('writableIndexes');
  load('readonlyIndexes');
  return Object.freeze({ addresses: Object.freeze(addresses), writable: Object.freeze(writable), signer: Object.freeze(signer), staticCount: n });
}
