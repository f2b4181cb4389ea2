/**
 * Stage 3: decode each instruction (SPEC 10.4.5) with its program's decoder: the native decoders
 * for System, Token, Token-2022, ATA and Compute Budget; for an Anchor program, the app's
 * `ProgramDecoder` whose IDL hash must be the one the policy's rule names. Every instruction's
 * program must have a rule in `policy.programs` (default deny).
 * @module
 */
import { AgentvaultError } from '../../errors.js';
import { NEVER_ALLOWED_PROGRAMS } from '../policy/v1.js';
import type { PolicyV2 } from '../policy/normalize.js';
import type { NormalizedProgramRule } from '../policy/v2.js';
import type { DecodedInstruction, ProgramDecoder } from '../programs/types.js';
import type { ResolvedAccounts } from '../transaction/accounts.js';
import type { DecodedTransactionMessage } from '../transaction/decode.js';
import { decodeNativeInstruction, nativeKindOf, SYSTEM_PROGRAM } from '../transaction/native.js';
import { refuse } from './refuse.js';

/** An instruction decoded, with the rule of its program (index into `policy.programs`). */
export interface RuledInstruction {
  readonly decoded: DecodedInstruction;
  readonly ruleIndex: number;
  readonly rule: NormalizedProgramRule;
}

/** Program id -> decoder, validated once at the boundary. */
export type ProgramDecoders = ReadonlyMap<string, ProgramDecoder>;

export function decodeInstructionsStage(
  msg: DecodedTransactionMessage,
  accounts: ResolvedAccounts,
  policy: PolicyV2,
  decoders: ProgramDecoders,
  /** Receives each instruction as it is decoded (explain shows them even when a later one refuses). */
  onDecoded?: (ix: DecodedInstruction) => void,
): readonly RuledInstruction[] {
  const out: RuledInstruction[] = [];
  msg.instructions.forEach((ix, index) => {
    const program = msg.staticAccounts[ix.programAddressIndex]!; // the decoder guarantees a static index
    // System is judged by its rule (only Transfer to the agent's wSOL account can pass); every other
    // fund-moving native program stays refused whatever the policy lists (SPEC 10.4.7).
    if (program !== SYSTEM_PROGRAM && NEVER_ALLOWED_PROGRAMS.includes(program))
      refuse('program-never-allowed', 'instruction for a program that can move funds out (Stake, Vote, loaders, lookup tables)', 'programs', index);
    const ruleIndex = policy.programs.findIndex((r) => r.program === program);
    if (ruleIndex < 0) refuse('program-not-allowed', 'instruction for a program the policy does not list', 'programs', index);
    const rule = policy.programs[ruleIndex]!;
    const path = `programs[${ruleIndex}]`;
    const addrs = ix.accountIndices.map((i) => accounts.addresses[i]);
    let d: Omit<DecodedInstruction, 'index' | 'program'>;
    if ('native' in rule) {
      const kind = nativeKindOf(program);
      if (kind !== rule.native) refuse('program-not-allowed', 'the rule names another native program', path, index);
      d = withIndex(() => decodeNativeInstruction(kind, ix.data, addrs, `${path}.instructions`), index);
    } else {
      const decoder = decoders.get(program);
      if (decoder === undefined) refuse('idl-missing', 'no IDL decoder was supplied for this program', `${path}.idlSha256`, index);
      if (decoder.idlSha256 !== rule.idlSha256) refuse('idl-mismatch', "the supplied IDL is not the one the policy's rule was written against", `${path}.idlSha256`, index);
      d = withIndex(() => decoder.decode(ix.data, addrs), index, `${path}.instructions`);
    }
    const decoded: DecodedInstruction = Object.freeze({ index, program, ...d });
    onDecoded?.(decoded);
    out.push(Object.freeze({ decoded, ruleIndex, rule }));
  });
  return Object.freeze(out);
}

/** Run a decoder; give its refusal the instruction index (and a rule path if it named none); anything else it throws becomes `instruction-data-invalid`. */
function withIndex<T>(fn: () => T, index: number, rule?: string): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof AgentvaultError && e.code === 'SIGNING_REFUSED') {
      const r = e.details?.['rule'];
      refuse(String(e.details?.['reason'] ?? 'instruction-data-invalid'), e.message.replace(/^signer refused: /, ''), typeof r === 'string' ? r : (rule ?? 'programs'), index);
    }
    return refuse('instruction-data-invalid', 'the instruction data does not decode', rule ?? 'programs', index);
  }
}
