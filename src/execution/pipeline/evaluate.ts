/**
 * The signing pipeline (DESIGN 13, SPEC 10.4): decode -> resolve -> decodeInstructions -> match ->
 * bind, then (in the signer) spend -> sign. `explainTransaction` runs the same stages and stops
 * before spend. Each stage is its own module taking the previous one's frozen output.
 * @module
 */
import { fail } from '../../errors.js';
import type { NormalizedPolicy, PolicyV1, PolicyV2 } from '../policy/normalize.js';
import type { OrderV2 } from '../policy/types.js';
import { isProgramDecoder } from '../programs/idl/decoder.js';
import type { DecodedInstruction, ProgramDecoder } from '../programs/types.js';
import { resolveAccounts, type LookupTables } from '../transaction/accounts.js';
import type { DecodedTransactionMessage } from '../transaction/decode.js';
import { bindStage } from './bind.js';
import { decodeStage } from './decode.js';
import { decodeInstructionsStage, type ProgramDecoders } from './instructions.js';
import { matchStage, type MatchFacts } from './match.js';
import { refuse } from './refuse.js';
import { checkTransactionRules } from './v1.js';

/** Validated inputs of one evaluation (made at the boundary). */
export interface PipelineInput {
  readonly policy: NormalizedPolicy;
  readonly agent: string;
  /** The bound order (required for v2 policies). */
  readonly order: OrderV2 | undefined;
  readonly lookupTables: LookupTables;
  readonly programs: ProgramDecoders;
}

/** What the pipeline found, stage by stage (the explanation reads it even when a stage refused). */
export interface PipelineTrace {
  message?: DecodedTransactionMessage;
  decoded?: readonly DecodedInstruction[];
  facts?: MatchFacts;
}

/** Validate the app's `programs` option: library-built decoders, one per program. */
export function aProgramDecoders(value: unknown, field = 'programs'): ProgramDecoders {
  const out = new Map<string, ProgramDecoder>();
  if (value === undefined) return out;
  if (!Array.isArray(value) || value.length > 64) fail('INVALID_INPUT', `${field}: expected an array (at most 64) of ProgramDecoder`, { field });
  for (let i = 0; i < value.length; i++) {
    const d: unknown = value[i];
    if (!isProgramDecoder(d)) fail('INVALID_INPUT', `${field}[${i}]: expected a ProgramDecoder made by createProgramDecoder`, { field: `${field}[${i}]` });
    if (out.has(d.program)) fail('INVALID_INPUT', `${field}[${i}]: a second decoder for the same program`, { field: `${field}[${i}]` });
    out.set(d.program, d);
  }
  return out;
}

/** Run a v1 policy's rules. */
function runV1(bytes: Uint8Array, agent: string, policy: PolicyV1, trace: PipelineTrace): void {
  const msg = decodeStage(bytes);
  trace.message = msg;
  trace.decoded = Object.freeze([]);
  checkTransactionRules(msg, agent, policy);
}

/** Run a v2 policy's stages up to bind. Throws SIGNING_REFUSED; fills `trace` as it goes. */
function runV2(bytes: Uint8Array, input: PipelineInput & { readonly policy: PolicyV2 }, trace: PipelineTrace): MatchFacts {
  const msg = decodeStage(bytes);
  trace.message = msg;
  // SPEC 10.4.5 step 2: the agent pays the fees, so it must be the first signer.
  if (msg.staticAccounts[0] !== input.agent) refuse('fee-payer-not-agent', 'the agent must be the fee payer (first signer)', 'agent');
  const accounts = resolveAccounts(msg, input.lookupTables);
  const seen: DecodedInstruction[] = [];
  trace.decoded = seen;
  const ixs = decodeInstructionsStage(msg, accounts, input.policy, input.programs, (d) => seen.push(d));
  trace.decoded = Object.freeze(ixs.map((i) => i.decoded));
  const facts = matchStage(msg, ixs, input.agent, input.policy, input.order);
  trace.facts = facts;
  if (input.order === undefined) fail('SIGNING_REFUSED', 'signer refused: a v2 policy signs only for a bound order', { reason: 'order-required', rule: 'order' });
  bindStage(facts, input.order);
  return facts;
}

/**
 * Evaluate `bytes` under the input's policy, up to and including bind. Returns the match facts
 * (v2) or undefined (v1). Throws SIGNING_REFUSED with `{ reason, rule, instructionIndex? }`.
 */
export function evaluateTransaction(bytes: Uint8Array, input: PipelineInput, trace: PipelineTrace = {}): MatchFacts | undefined {
  if (input.policy.v === 1) {
    runV1(bytes, input.agent, input.policy, trace);
    return undefined;
  }
  return runV2(bytes, input as PipelineInput & { readonly policy: PolicyV2 }, trace);
}
