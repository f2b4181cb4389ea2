/**
 * Shapes shared by the IDL decoder, the native decoders and the constraint engine (DESIGN 13,
 * SPEC 10.5). Types only: importing this file costs nothing at run time.
 * @module
 */

/**
 * A decoded argument value (SPEC 10.5.2): integers of every width as `bigint`, floats as `number`,
 * public keys as base58 strings, strings as strings, `bytes` as `Uint8Array`, vectors and arrays
 * as arrays, structs as plain objects, enums as `{ __variant: 'Long', ...fields }`, options as
 * `null` (None) or the value. Frozen.
 */
export type DecodedValue =
  | bigint
  | number
  | boolean
  | string
  | null
  | Uint8Array
  | readonly DecodedValue[]
  | { readonly [field: string]: DecodedValue };

/** One instruction of a message, decoded (contract between the pipeline and the programs engine). */
export interface DecodedInstruction {
  /** Instruction index in the message. */
  readonly index: number;
  /** Program id, base58. */
  readonly program: string;
  /** Instruction name as the IDL writes it (`route`, `placePerpOrder`) or the native table's name. */
  readonly name: string;
  readonly args: DecodedValue;
  /** IDL account name -> base58 (`undefined` = loaded from a lookup table the app did not resolve). */
  readonly accounts: Readonly<Record<string, string | undefined>>;
  /** Accounts beyond the ones the IDL names, in order. */
  readonly remainingAccounts: readonly (string | undefined)[];
}

/** What a {@link ProgramDecoder} returns for one instruction (the pipeline adds `index` and `program`). */
export interface DecodedProgramInstruction {
  readonly name: string;
  readonly args: DecodedValue;
  readonly accounts: Readonly<Record<string, string | undefined>>;
  readonly remainingAccounts: readonly (string | undefined)[];
}

/**
 * An Anchor program's instruction decoder, built from its IDL by `createProgramDecoder`
 * (`agentvault/execution/idl`). Only the library creates one (branded); it computed `idlSha256`
 * over the IDL bytes itself, so a rule pinned to another IDL is refused by comparing hashes.
 */
export interface ProgramDecoder {
  /** Program id, base58. */
  readonly program: string;
  /** SHA-256 (lowercase hex) of the IDL bytes. */
  readonly idlSha256: string;
  /** Program name from the IDL. */
  readonly name: string;
  /** IDL format the file was written in. */
  readonly format: 'legacy' | 'anchor-0.30';
  /** Instruction names, in IDL order. */
  readonly instructions: readonly string[];
  /**
   * Decode one instruction's data and name its accounts. Throws `SIGNING_REFUSED` with reason
   * `unknown-instruction` (discriminator not in the IDL) or `instruction-data-invalid` (trailing
   * bytes, truncated or undecodable data, too few accounts, over the work bound).
   */
  decode(data: Uint8Array, accountAddresses: readonly (string | undefined)[]): DecodedProgramInstruction;
}
