/**
 * The v1 transaction rules (SPEC 10.4.2), unchanged in meaning: a v1 policy is judged by its
 * program allowlist and these fixed native rules; its trading limits are checked on the order only
 * (`evaluateOrder`). Refusals now also name a rule (`allowedPrograms`, `native`, `agent`,
 * `maxPriorityFeeLamports`) and the instruction index.
 * @module
 */
import { AgentvaultError } from '../../errors.js';
import { decodeAddress } from '../../primitives/address.js';
import { NEVER_ALLOWED_PROGRAMS, type ExecutionPolicy } from '../policy/v1.js';
import type { CompiledInstruction, DecodedTransactionMessage } from '../transaction/decode.js';

export const TOKEN_PROGRAM = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA';
export const TOKEN_2022_PROGRAM = 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb';
export const COMPUTE_BUDGET_PROGRAM = 'ComputeBudget111111111111111111111111111111';
export const ASSOCIATED_TOKEN_PROGRAM = 'ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL';
/** Signature-verification precompiles: the runtime charges the base fee for every signature they verify. */
export const ED25519_PRECOMPILE = 'Ed25519SigVerify111111111111111111111111111';
export const SECP256K1_PRECOMPILE = 'KeccakSecp256k11111111111111111111111111111';
export const SECP256R1_PRECOMPILE = 'Secp256r1SigVerify1111111111111111111111111';
const PRECOMPILES: readonly string[] = [ED25519_PRECOMPILE, SECP256K1_PRECOMPILE, SECP256R1_PRECOMPILE];
/** Base fee per signature (lamports), charged to the fee payer (the agent). */
export const LAMPORTS_PER_SIGNATURE = 5000n;
// A mistyped id would silently never match (it happened once): every constant must decode to a
// canonical 32-byte address, checked when the module loads.
for (const p of [TOKEN_PROGRAM, TOKEN_2022_PROGRAM, COMPUTE_BUDGET_PROGRAM, ASSOCIATED_TOKEN_PROGRAM, ...PRECOMPILES, ...NEVER_ALLOWED_PROGRAMS])
  decodeAddress(p, 'program constant');

/**
 * SPL Token / Token-2022 instructions the signer allows (an allowlist, SPEC 10.4.2):
 * InitializeAccount (1), Revoke (5), InitializeAccount2 (16), SyncNative (17),
 * InitializeAccount3 (18), and CloseAccount (9) only when the lamports go to the agent itself.
 * Everything else (Transfer, TransferChecked, Approve, ApproveChecked, SetAuthority, Burn, MintTo,
 * every Token-2022 extension instruction...) is refused whoever the authority is.
 */
const TOKEN_SAFE = new Set([1, 5, 16, 17, 18]);
const TOKEN_CLOSE_ACCOUNT = 9;
/** Compute-unit limit the runtime assumes when a message sets none: the per-transaction maximum. */
const MAX_COMPUTE_UNITS = 1_400_000n;

function u32le(d: Uint8Array, off: number): bigint {
  return BigInt(d[off]! | (d[off + 1]! << 8) | (d[off + 2]! << 16)) + BigInt(d[off + 3]!) * 0x1000000n;
}
function u64le(d: Uint8Array, off: number): bigint {
  return u32le(d, off) + (u32le(d, off + 4) << 32n);
}

function refuse(reason: string, message: string, rule = 'native', instructionIndex?: number): never {
  throw new AgentvaultError('SIGNING_REFUSED', `signer refused: ${message}`, instructionIndex === undefined ? { reason, rule } : { reason, rule, instructionIndex });
}

/**
 * Check a decoded message against the grant's rules (SPEC 10.4.2). Throws SIGNING_REFUSED.
 * @internal exported for tests and the SPEC; the signer calls it.
 */
export function checkTransactionRules(msg: DecodedTransactionMessage, agent: string, policy: ExecutionPolicy): void {
  if (msg.staticAccounts[0] !== agent) refuse('fee-payer-not-agent', 'the agent must be the fee payer (first signer)', 'agent');
  /** The account at `ix.accountIndices[pos]` is a static key equal to the agent. */
  const isAgent = (ix: CompiledInstruction, pos: number): boolean => {
    const i = ix.accountIndices[pos];
    return i !== undefined && i < msg.staticAccounts.length && msg.staticAccounts[i] === agent;
  };
  let cuLimit: bigint | undefined;
  let cuPrice = 0n;
  // Signatures beyond the agent's own: each costs the agent LAMPORTS_PER_SIGNATURE (SPEC 10.4.2 rule 4).
  let extraSignatures = BigInt(msg.header.numSignerAccounts - 1);
  msg.instructions.forEach((ix, index) => {
    const program = msg.staticAccounts[ix.programAddressIndex]!; // decoder guarantees a static index
    if (NEVER_ALLOWED_PROGRAMS.includes(program)) refuse('program-never-allowed', 'instruction for a program that can move funds out (System, Stake, Vote, loaders)', 'allowedPrograms', index);
    if (!policy.allowedPrograms.includes(program)) refuse('program-not-allowed', 'instruction for a program outside the allowlist', 'allowedPrograms', index);
    const d = ix.data;
    if (program === TOKEN_PROGRAM || program === TOKEN_2022_PROGRAM) {
      const tag = d[0];
      if (tag === TOKEN_CLOSE_ACCOUNT && d.length === 1) {
        // CloseAccount: [account, destination, owner, ...]: lamports may only return to the agent.
        if (!isAgent(ix, 1)) refuse('token-instruction-not-allowed', 'CloseAccount must send the lamports to the agent', 'native', index);
      } else if (tag === undefined || !TOKEN_SAFE.has(tag)) {
        refuse('token-instruction-not-allowed', 'token instruction that can move or delegate tokens', 'native', index);
      }
    }
    if (program === ASSOCIATED_TOKEN_PROGRAM) {
      // Borsh enum, no trailing bytes: [] or [0] Create, [1] CreateIdempotent, [2] RecoverNested.
      // Create accounts: [funder, ata, wallet, mint, system, token program]. The funder pays the
      // rent; the ATA belongs to `wallet`, who alone can close it and collect the rent, so
      // `wallet` must be the agent (else the rent is handed to someone else, review E1).
      if (d.length === 0 || (d.length === 1 && (d[0] === 0 || d[0] === 1))) {
        if (!isAgent(ix, 2)) refuse('ata-instruction-not-allowed', "Create/CreateIdempotent must create the agent's own associated token account", 'native', index);
      } else if (d.length === 1 && d[0] === 2) {
        // RecoverNested: [nested ata, nested mint, destination ata, owner ata, owner mint, wallet, token program].
        if (!isAgent(ix, 5)) refuse('ata-instruction-not-allowed', "RecoverNested must recover the agent's own nested account", 'native', index);
      } else {
        refuse('ata-instruction-not-allowed', 'unknown associated-token-account instruction', 'native', index);
      }
    }
    if (program === COMPUTE_BUDGET_PROGRAM) {
      if (d[0] === 2 && d.length === 5) cuLimit = u32le(d, 1);
      else if (d[0] === 3 && d.length === 9) cuPrice = u64le(d, 1);
      else if (!((d[0] === 1 || d[0] === 4) && d.length === 5)) refuse('compute-budget-not-allowed', 'unknown compute-budget instruction', 'native', index);
    }
    // The runtime charges every signature a precompile instruction declares (its first data byte).
    if (PRECOMPILES.includes(program)) extraSignatures += BigInt(d[0] ?? 0);
  });
  // Priority fee = ceil(price (micro-lamports per CU) * limit / 1e6); without a limit, assume the maximum.
  const max = BigInt(policy.maxPriorityFeeLamports);
  const fee = (cuPrice * (cuLimit ?? MAX_COMPUTE_UNITS) + 999_999n) / 1_000_000n;
  if (fee > max) refuse('priority-fee-too-high', 'priority fee above the policy maximum', 'maxPriorityFeeLamports');
  if (fee + LAMPORTS_PER_SIGNATURE * extraSignatures > max)
    refuse('signature-fee-too-high', 'the fees of extra signatures (other signers, precompile signatures) and the priority fee exceed the policy maximum', 'maxPriorityFeeLamports');
}
