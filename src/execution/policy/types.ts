/**
 * Types of execution policy v2 (DESIGN 13, SPEC 10.3): the contract between the policy schema
 * (`policy/`), the signing pipeline (`transaction/`, `pipeline/`), program rules (`programs/`) and
 * the budget stores. Input types describe what an app writes; the normalized types (frozen,
 * branded by `normalizePolicy`) are what every later stage takes and never re-validates.
 *
 * Conventions (SPEC 10.3.1):
 * - every amount is a string: token and lamport amounts are canonical u64 decimal strings
 *   (`U64String`, base units, no leading zeros); quote amounts are canonical decimals;
 * - addresses are base58 strings that decode to 32 bytes;
 * - every list that is a set is sorted by code unit and de-duplicated on normalization;
 * - unknown fields are refused at every level (POLICY_INVALID naming the path).
 * @module
 */

/** Canonical unsigned 64-bit integer in decimal (`"0"`, `"1500000"`), base units. */
export type U64String = string;
/** Canonical non-negative decimal (`"2.5"`), quote units, at most 30 integer and 18 fraction digits. */
export type DecimalString = string;
/** Base58 address that decodes to exactly 32 bytes. */
export type AddressString = string;

/** Perps order types (v1 meaning). */
export type PerpOrderType = 'market' | 'limit' | 'stop-market' | 'stop-limit' | 'take-profit-market' | 'take-profit-limit' | 'cancel';
/** Every order type of v2: the perps ones, `swap` (spot) and `transfer` (SPL token transfer). */
export type OrderTypeV2 = PerpOrderType | 'swap' | 'transfer';

/**
 * What an instruction may serve: the kind of order a transaction implements. `any` marks
 * auxiliary instructions (compute budget, creating the agent's own ATA, wrapping SOL, closing
 * the agent's own wSOL account) that may accompany an order of any kind.
 */
export type OrderKind = 'perp' | 'cancel' | 'swap' | 'transfer' | 'any';

/** Absolute and daily execution window (as v1). */
export interface PolicyWindowV2 {
  readonly notBefore?: string;
  readonly notAfter?: string;
  readonly timeOfDayUtc?: { readonly start: string; readonly end: string };
}

/** Perps limits (v1's trading fields), present only when the policy allows perps orders. */
export interface PerpsLimits {
  /** Market symbols the user reads (`SOL-PERP`); a set. */
  readonly markets: readonly string[];
  readonly orderTypes: readonly PerpOrderType[];
  readonly maxLeverage: DecimalString;
  readonly maxPositionNotional: DecimalString;
  readonly maxSlippageBps: number;
  readonly dailyLossLimit: DecimalString;
}

/** Spot (swap) limits, present only when the policy allows `swap` orders. */
export interface SpotLimits {
  /** Directed pairs a swap may trade (input mint -> output mint); a set, sorted by (in, out). */
  readonly pairs: readonly { readonly inputMint: AddressString; readonly outputMint: AddressString }[];
  /** Largest input amount of one swap, per input mint, base units. A mint with no entry: no swap from it. */
  readonly maxInput: Readonly<Record<AddressString, U64String>>;
  /** Largest slippage a swap may declare (and the transaction may carry), 0..10000. */
  readonly maxSlippageBps: number;
}

/** SPL Token / Token-2022 transfer limits, present only when the policy allows `transfer` orders. */
export interface TransferLimits {
  /** Largest amount of one transfer, per mint, base units. Only these mints may move. */
  readonly maxAmount: Readonly<Record<AddressString, U64String>>;
  /**
   * Wallets (owners) that may receive: the destination token account must be the associated
   * token account of one of these (or of the agent) for the mint. A set.
   */
  readonly destinations: readonly AddressString[];
}

/** Native programs the pipeline decodes itself, and the instruction names a rule may list (SPEC 10.4). */
export type NativeProgram = 'system' | 'spl-token' | 'spl-token-2022' | 'associated-token' | 'compute-budget';

/** A literal value in an argument constraint: integers as canonical decimal strings, enum variants by name, pubkeys base58, booleans, `null` for an option's None. */
export type RuleValue = string | boolean | null;

/** Where a constraint takes its right-hand side when it is bound to the order (DESIGN 13 "bind to order"). */
export interface OrderRef {
  /** Field of the order (`inputAmount`, `market`, `side`, `outputMint`, ...). */
  readonly order: string;
  /** Optional map from the order's value to the instruction's value (`{ "SOL-PERP": "0" }`, `{ buy: "long" }`). A value not in the map refuses. */
  readonly map?: Readonly<Record<string, RuleValue>>;
}

/** A constraint on one decoded argument (nested paths with `.`: `params.marketIndex`). Exactly one operator. */
export type ArgConstraint =
  | { readonly path: string; readonly eq: RuleValue | OrderRef }
  | { readonly path: string; readonly oneOf: readonly RuleValue[] }
  | { readonly path: string; readonly atMost: string | OrderRef }
  | { readonly path: string; readonly atLeast: string | OrderRef };

/** Where a mint comes from, for `agentAta`. */
export type MintRef = { readonly mint: AddressString } | { readonly account: string } | OrderRef;

/** A constraint on one named account of an instruction (IDL account name). Exactly one operator. */
export type AccountConstraint =
  | { readonly account: string; readonly is: 'agent' }
  | { readonly account: string; readonly is: 'not-agent' }
  | { readonly account: string; readonly agentAta: MintRef }
  | { readonly account: string; readonly oneOf: readonly AddressString[] };

/** Rule for one instruction of an Anchor program. */
export interface InstructionRule {
  /** Order kinds this instruction may serve (default deny: an order of another kind refuses). */
  readonly for: readonly OrderKind[];
  readonly args?: readonly ArgConstraint[];
  readonly accounts?: readonly AccountConstraint[];
}

/** A program on the allowlist with the instructions that may appear; any other instruction is refused. */
export type ProgramRule =
  | {
      readonly program: AddressString;
      readonly native: NativeProgram;
      /** Instruction names of that program (SPEC 10.4 tables), e.g. `["SetComputeUnitLimit", "SetComputeUnitPrice"]`. */
      readonly instructions: readonly string[];
    }
  | {
      readonly program: AddressString;
      /** Human name the summary shows (`Jupiter v6`). */
      readonly name: string;
      /** SHA-256 (hex) of the IDL file's bytes the rules were written against; a different IDL is refused. */
      readonly idlSha256: string;
      /** Instruction name (as in the IDL) -> rule. */
      readonly instructions: Readonly<Record<string, InstructionRule>>;
    };

/** Budget units (issue 14). `token` budgets name a mint. */
export type BudgetUnit = 'signatures' | 'feeLamports' | 'solOutflow' | 'quoteNotional' | 'token';

/** A rolling-window budget signed into the policy. */
export interface BudgetRule {
  readonly scope: 'grant' | 'wallet';
  /** Window length in seconds, 60..604800. */
  readonly windowSeconds: number;
  readonly unit: BudgetUnit;
  /** Only with `unit: 'token'`. */
  readonly mint?: AddressString;
  /** U64String for every unit but `quoteNotional` (DecimalString). */
  readonly limit: string;
}

/** Policy v2 as written by the app. */
export interface ExecutionPolicyV2Input {
  readonly v: 2;
  readonly enabled: boolean;
  readonly killSwitch: boolean;
  readonly window?: PolicyWindowV2;
  readonly allowSignMessage?: boolean;
  /** Cap on priority fee plus extra-signature fees per transaction (lamports), default `"0"`. */
  readonly maxPriorityFeeLamports?: U64String;
  readonly perps?: PerpsLimits;
  readonly spot?: SpotLimits;
  readonly transfers?: TransferLimits;
  /** System `Transfer` from the agent to its own wSOL ATA, at most this many lamports per transaction. Absent: no System instruction. */
  readonly wrapSol?: { readonly maxLamports: U64String };
  readonly programs: readonly ProgramRule[];
  readonly budgets?: readonly BudgetRule[];
}

/** Orders of v2, validated against the policy by `evaluateOrder` and bound to the transaction by the signer. */
export type OrderV2 =
  | {
      readonly type: 'swap';
      readonly inputMint: AddressString;
      readonly outputMint: AddressString;
      readonly inputAmount: U64String;
      readonly slippageBps: number;
      /** Quote value of the input, for quoteNotional budgets (optional; absent counts as 0 only if no such budget). */
      readonly notional?: DecimalString;
    }
  | {
      readonly type: 'transfer';
      readonly mint: AddressString;
      readonly amount: U64String;
      /** Owner wallet of the destination; must be listed in `transfers.destinations` (or be the agent). */
      readonly destination: AddressString;
    }
  | {
      readonly type: Exclude<PerpOrderType, 'cancel'>;
      readonly market: string;
      readonly side: 'buy' | 'sell';
      readonly notional: DecimalString;
      readonly leverage: DecimalString;
      readonly slippageBps?: number;
      /** Size in the venue's base units (bound to e.g. Drift `baseAssetAmount`). */
      readonly baseAmount?: U64String;
      readonly reduceOnly?: boolean;
    }
  | { readonly type: 'cancel'; readonly market: string };

/** Kind of an order (which instructions may serve it). */
export function orderKind(type: OrderTypeV2): Exclude<OrderKind, 'any'> {
  return type === 'swap' ? 'swap' : type === 'transfer' ? 'transfer' : type === 'cancel' ? 'cancel' : 'perp';
}
