/**
 * Refusals of the signing pipeline (SPEC 10.4.10): one error code, `SIGNING_REFUSED`, with a stable
 * `details.reason`, the policy path of the rule that refused (`details.rule`) and, when one
 * instruction is at fault, its index in the message (`details.instructionIndex`).
 * @module
 */
import { AgentvaultError } from '../../errors.js';

/** Stable reasons of v2 pipeline refusals (SPEC 10.4.10 table); decoder and signer-state reasons are listed in `RefusalReason`. */
export type PipelineReason =
  | 'fee-payer-not-agent'
  | 'program-never-allowed'
  | 'program-not-allowed'
  | 'instruction-not-allowed'
  | 'unknown-instruction'
  | 'instruction-data-invalid'
  | 'accounts-missing'
  | 'account-unresolved'
  | 'lookup-table-mismatch'
  | 'idl-missing'
  | 'idl-mismatch'
  | 'source-not-agent'
  | 'destination-not-allowed'
  | 'owner-not-agent'
  | 'ata-mismatch'
  | 'mint-not-allowed'
  | 'amount-above-cap'
  | 'priority-fee-too-high'
  | 'signature-fee-too-high'
  | 'order-required'
  | 'order-invalid'
  | 'order-kind-mismatch'
  | 'order-mismatch'
  | 'order-not-implemented'
  | 'budget-exceeded'
  | 'budget-notional-missing'
  | 'constraint-failed';

/** Throw SIGNING_REFUSED naming the reason, the rule's policy path and the instruction index. */
export function refuse(reason: PipelineReason | string, message: string, rule: string, instructionIndex?: number): never {
  throw new AgentvaultError(
    'SIGNING_REFUSED',
    `signer refused: ${message}`,
    instructionIndex === undefined ? { reason, rule } : { reason, rule, instructionIndex },
  );
}
