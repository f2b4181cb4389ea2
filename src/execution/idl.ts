/**
 * `agentvault/execution/idl`: Anchor IDL decoding for program rules (SPEC 10.5.1-10.5.3), the
 * subpath entry. The code lives in `programs/idl/`; this file gives the subpath one source file of
 * its own, so its declarations are `dist/execution/idl.d.ts` and `agentvault/execution/idl`
 * resolves to it in tsc, tsx and vitest alike.
 * @module
 */
export { anchorSnakeCase, createProgramDecoder, DECODE_LIMITS, IDL_LIMITS, isProgramDecoder, legacyDiscriminator } from './programs/idl/index.js';
export type { DecodedInstruction, DecodedProgramInstruction, DecodedValue, ProgramDecoder, ProgramDecoderOptions } from './programs/idl/index.js';
