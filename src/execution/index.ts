/**
 * `agentvault/execution`: headless execution (DESIGN 9, SPEC 10). Key wrappers,
 * per-bot risk policies, revocable execution grants, the scoped signer, and the mnemonic reveal.
 * @module
 */
export {
  assertWrappedKey,
  LABEL_LOCAL_WRAP,
  LOCAL_WRAPPER_ENV,
  LOCAL_WRAPPER_ID,
  LocalKeyWrapper,
  rewrapKey,
} from './wrapper.js';
export type { KeyWrapper, LocalKeyWrapperOptions, WrappedKey } from './wrapper.js';
export {
  BUDGET_UNITS,
  canonicalPolicyJson,
  evaluateOrder,
  isNormalizedPolicy,
  KNOWN_MINTS,
  MAX_BUDGET_WINDOW_SECONDS,
  MAX_POLICY_SUMMARY_LENGTH,
  MAX_POLICY_MARKETS,
  MAX_POLICY_PROGRAMS,
  MAX_POLICY_V2,
  MIN_BUDGET_WINDOW_SECONDS,
  NATIVE_INSTRUCTIONS,
  NATIVE_PROGRAM_IDS,
  NATIVE_PROGRAM_LABELS,
  NEVER_ALLOWED_PROGRAMS,
  normalizePolicy,
  ORDER_KINDS,
  ORDER_REF_FIELDS,
  ORDER_TYPES,
  orderKind,
  POLICY_RULES,
  POLICY_RULES_V2,
  POLICY_VERSION,
  POLICY_VERSION_2,
  policyHash,
  summarizePolicy,
} from './policy/index.js';
export type {
  AccountConstraint,
  AddressString,
  AnchorProgramRule,
  ArgConstraint,
  BudgetRule,
  BudgetUnit,
  DecimalString,
  EvaluateOrderContext,
  ExecutionPolicy,
  ExecutionPolicyInput,
  ExecutionPolicyV2,
  ExecutionPolicyV2Input,
  ExecutionState,
  InstructionRule,
  MintRef,
  NativeProgram,
  NativeProgramRule,
  NormalizedAccountConstraint,
  NormalizedArgConstraint,
  NormalizedBudget,
  NormalizedInstructionRule,
  NormalizedMintRef,
  NormalizedOrderRef,
  NormalizedPerps,
  NormalizedPolicy,
  NormalizedPolicyOf,
  NormalizedProgramRule,
  NormalizedSpot,
  NormalizedTransfers,
  Order,
  OrderInput,
  OrderKind,
  OrderRef,
  OrderType,
  OrderTypeV2,
  OrderV2,
  PerpOrderType,
  PerpsLimits,
  PolicyDecision,
  PolicyInput,
  PolicyV1,
  PolicyV2,
  PolicyViolation,
  PolicyWindow,
  PolicyWindowV2,
  ProgramRule,
  RuleValue,
  SpotLimits,
  TimeOfDayWindow,
  TransferLimits,
  U64String,
} from './policy/index.js';
export {
  createExecutionGrant,
  GRANT_AGENT_KEY_RECORD,
  GRANT_FORMAT,
  GRANT_VERSION,
  grantParamsFromResources,
  grantWrapContext,
  LABEL_GRANT_DATA_KEY,
  parseGrant,
  rewrapGrant,
  serializeGrant,
  signedPolicySummary,
  withExecutionSigner,
} from './grant.js';
export type {
  CreateExecutionGrantOptions,
  ExecutionGrant,
  ExecutionSignerOptions,
  ExpectedGrant,
  GrantAuthorization,
  GrantParams,
  RewrapGrantOptions,
} from './grant.js';
export {
  ASSOCIATED_TOKEN_PROGRAM,
  COMPUTE_BUDGET_PROGRAM,
  decodeTransactionMessage,
  ED25519_PRECOMPILE,
  LAMPORTS_PER_SIGNATURE,
  looksLikeTransactionMessage,
  MAX_SIGNATURES_PER_USE,
  PACKET_DATA_SIZE,
  SECP256K1_PRECOMPILE,
  SECP256R1_PRECOMPILE,
  TOKEN_2022_PROGRAM,
  TOKEN_PROGRAM,
} from './signer.js';
export type {
  AddressTableLookup,
  CompiledInstruction,
  DecodedTransactionMessage,
  ExecutionSigner,
  MessageHeader,
  RefusalReason,
} from './signer.js';
export { explainTransaction } from './pipeline/explain.js';
export type { ExplainTransactionOptions, TransactionExplanation } from './pipeline/explain.js';
export { budgetCounter } from './pipeline/spend.js';
export type { SpendIdentity } from './pipeline/spend.js';
export type { DecodeReason } from './transaction/decode.js';
// One definition each, in stores/types.ts (the signer takes the stores' types; SPEC 9.8, 9.9).
export type { AuditEvent, BudgetResult, BudgetSpend, BudgetStore } from '../stores/types.js';
export type { PipelineReason } from './pipeline/refuse.js';
export { associatedTokenAddress, findProgramAddress, WSOL_MINT } from './transaction/ata.js';
export { LOOKUP_TABLE_MAX_ADDRESSES } from './transaction/accounts.js';
export { REVEAL_LIMIT, REVEAL_MAX_AGE_MS, REVEAL_WINDOW_MS, revealMnemonic } from './reveal.js';
export type { RevealMnemonicOptions } from './reveal.js';
export { checkInstructionRule } from './programs/constraints.js';
export type { ConstraintContext, ProgramRefusal, ProgramRefusalReason } from './programs/constraints.js';
export type { DecodedInstruction, DecodedProgramInstruction, DecodedValue, ProgramDecoder } from './programs/types.js';
export { JUPITER_V6_IDL_SHA256, JUPITER_V6_PROGRAM, jupiterV6Preset } from './programs/presets/jupiter.js';
export type { JupiterV6PresetOptions } from './programs/presets/jupiter.js';
export { DRIFT_V2_IDL_SHA256, DRIFT_V2_PROGRAM, driftV2Preset } from './programs/presets/drift.js';
export type { DriftV2PresetOptions } from './programs/presets/drift.js';
