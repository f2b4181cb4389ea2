/**
 * `agentvault/execution/idl`: Anchor IDL decoding for program rules (SPEC 10.5.1-10.5.3).
 * Own Borsh subset, no dependency beyond the core's `@noble/hashes` and `@scure/base`.
 * @module
 */
export { createProgramDecoder, isProgramDecoder } from './decoder.js';
export type { ProgramDecoderOptions } from './decoder.js';
export { anchorSnakeCase, IDL_LIMITS, legacyDiscriminator } from './model.js';
export { DECODE_LIMITS } from './borsh.js';
export type { DecodedInstruction, DecodedProgramInstruction, DecodedValue, ProgramDecoder } from '../types.js';
