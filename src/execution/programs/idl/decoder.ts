/**
 * `createProgramDecoder`: an Anchor IDL turned into a branded, frozen instruction decoder
 * (DESIGN 13, SPEC 10.5.1-10.5.3). The hash is computed here over the bytes given, so the policy's
 * `idlSha256` pins exactly the file the decoder was built from.
 * @module
 */
import { base58 } from '@scure/base';
import { AgentvaultError, fail } from '../../../errors.js';
import { isBytes, typeName, utf8 } from '../../../_utils.js';
import type { DecodedProgramInstruction, ProgramDecoder } from '../types.js';
import { BorshReader, DECODE_LIMITS, invalid } from './borsh.js';
import { parseIdl, type InstructionModel } from './model.js';

/** Options of {@link createProgramDecoder}. */
export interface ProgramDecoderOptions {
  /**
   * Program id (base58). Required for a legacy IDL that does not carry `metadata.address`; when
   * the IDL names one too, both must be equal.
   */
  readonly program?: string;
}

const decoders = new WeakSet<object>();

/** True only for a decoder this library built (SPEC 10.5.3). */
export function isProgramDecoder(value: unknown): value is ProgramDecoder {
  return typeof value === 'object' && value !== null && decoders.has(value);
}

function isAddress(s: unknown): s is string {
  if (typeof s !== 'string' || s.length < 32 || s.length > 44) return false;
  try {
    return base58.decode(s).length === 32;
  } catch {
    return false;
  }
}

/**
 * Build the decoder of an Anchor program from its IDL file (legacy or 0.30+ format).
 * Pass the file's bytes (or its text): the SHA-256 is taken over exactly those bytes
 * (a string is hashed as its UTF-8 encoding).
 * @example
 * const jupiter = createProgramDecoder(readFileSync('jupiter-v6.json'), { program: 'JUP6LkbZbjS1jKKwapdHNy74zcZ3tLUZoi5QNyVTaV4' });
 * const ix = jupiter.decode(data, accounts); // { name: 'route', args: { inAmount: 1000000n, ... }, accounts: {...} }
 */
export function createProgramDecoder(idl: Uint8Array | string, options: ProgramDecoderOptions = {}): ProgramDecoder {
  if (typeof options !== 'object' || options === null) fail('INVALID_INPUT', 'options: expected an object', { field: 'options' });
  for (const k of Object.keys(options)) if (k !== 'program') fail('INVALID_INPUT', `options.${k}: unknown option`, { field: `options.${k}` });
  let bytes: Uint8Array;
  if (typeof idl === 'string') bytes = utf8(idl);
  else if (isBytes(idl)) bytes = Uint8Array.from(idl);
  else return fail('INVALID_INPUT', `idl: expected the IDL file bytes or text, got ${typeName(idl)} (a parsed object cannot be hashed reproducibly)`, { field: 'idl' });
  const model = parseIdl(bytes);
  const program = options.program ?? model.address;
  if (program === undefined) fail('INVALID_INPUT', 'options.program: required, the IDL does not name its program id', { field: 'options.program' });
  if (!isAddress(program)) fail('INVALID_INPUT', 'program: expected a base58 address of 32 bytes', { field: 'options.program' });
  if (model.address !== undefined && model.address !== program)
    fail('INVALID_INPUT', 'options.program differs from the program id written in the IDL', { field: 'options.program' });

  // Discriminator lookup: by the first byte, then a linear check of the few candidates.
  const byFirst = new Map<number, InstructionModel[]>();
  for (const ix of model.instructions) {
    const list = byFirst.get(ix.discriminator[0]!) ?? [];
    list.push(ix);
    byFirst.set(ix.discriminator[0]!, list);
  }

  const decode = (data: Uint8Array, accountAddresses: readonly (string | undefined)[]): DecodedProgramInstruction => {
    if (!isBytes(data)) fail('INVALID_INPUT', `data: expected Uint8Array, got ${typeName(data)}`, { field: 'data' });
    if (!Array.isArray(accountAddresses)) fail('INVALID_INPUT', 'accountAddresses: expected an array', { field: 'accountAddresses' });
    if (data.length > DECODE_LIMITS.maxDataBytes) invalid(`is longer than ${DECODE_LIMITS.maxDataBytes} bytes`);
    let ix: InstructionModel | undefined;
    for (const cand of byFirst.get(data[0] ?? -1) ?? []) {
      const d = cand.discriminator;
      if (data.length < d.length) continue;
      let same = true;
      for (let i = 0; i < d.length && same; i++) same = data[i] === d[i];
      if (same) {
        ix = cand;
        break;
      }
    }
    if (!ix)
      throw new AgentvaultError('SIGNING_REFUSED', `signer refused: instruction discriminator is not in the ${model.name} IDL`, {
        reason: 'unknown-instruction',
      });
    const reader = new BorshReader(data, ix.discriminator.length);
    const args = reader.fields(ix.args, 0);
    if (reader.remaining !== 0) invalid(`has ${reader.remaining} trailing bytes after ${ix.name}`);

    const accounts: Record<string, string | undefined> = {};
    const n = ix.accounts.length;
    ix.accounts.forEach((a, i) => {
      if (i < accountAddresses.length) {
        const v = accountAddresses[i];
        if (v !== undefined && typeof v !== 'string') fail('INVALID_INPUT', `accountAddresses[${i}]: expected a base58 string or undefined`, { field: 'accountAddresses' });
        accounts[a.name] = v;
      } else if (a.optional) {
        // Anchor: a trailing optional account left out is None; SPEC 10.5.3 writes None as the program id.
        accounts[a.name] = program;
      } else invalid(`of ${ix.name} needs ${n} accounts, the instruction has ${accountAddresses.length}`);
    });
    const remainingAccounts = Object.freeze(accountAddresses.slice(n));
    for (const v of remainingAccounts)
      if (v !== undefined && typeof v !== 'string') fail('INVALID_INPUT', 'accountAddresses: expected base58 strings or undefined', { field: 'accountAddresses' });
    return Object.freeze({ name: ix.name, args, accounts: Object.freeze(accounts), remainingAccounts });
  };

  const decoder: ProgramDecoder = Object.freeze({
    program,
    idlSha256: model.idlSha256,
    name: model.name,
    format: model.format,
    instructions: Object.freeze(model.instructions.map((i) => i.name)),
    decode,
  });
  decoders.add(decoder);
  return decoder;
}
